import type { ImageData, ImageSource } from '../images/image.ts';
import type { AspectRatio, OutputFormat, Submission } from '../providers/provider.ts';
import type { Platform, QuotaSubject } from '../quota/subject.ts';
import type { ErrorCode } from '../errors.ts';
import type { QuotaBlock, QuotaView } from '../quota/ledger.ts';

export type JobState =
  | 'accepted'
  | 'reserved'
  | 'submitted'
  | 'queued'
  | 'running'
  | 'fetching'
  | 'delivering'
  | 'done'
  | 'rejected'
  | 'failed'
  | 'cancelled'
  | 'timed_out'
  /** Given up because the bot restarted or stopped before the job reached a provider; refunded. */
  | 'interrupted';

export const FINAL_STATES: ReadonlySet<JobState> = new Set(['done', 'rejected', 'failed', 'cancelled', 'timed_out', 'interrupted']);

/** `edit` changes input images; `imagine` creates from the prompt alone. */
export type GenerationKind = 'edit' | 'imagine';

/**
 * Where a job's progress and result go: what the adapter needs to rebuild its CommandContext after a
 * restart (chat and message ids, the Discord application id, interaction token and its creation time,
 * channel, locale…). Plain JSON, opaque to the core. It may hold a credential the platform requires
 * to answer (the Discord interaction token, valid 15 minutes): it is never logged.
 */
export interface DeliveryTarget {
  readonly platform: Platform;
  readonly [key: string]: unknown;
}

/** The persisted record of one request: the unit of work and of money. Plain JSON. */
export interface JobRecord {
  readonly id: string;
  readonly subject: QuotaSubject;
  readonly prompt: string;
  readonly count: number;
  readonly aspectRatio?: AspectRatio | undefined;
  readonly outputFormat: OutputFormat;
  readonly inputCount: number;
  readonly kind?: GenerationKind | undefined;
  /** Where to answer; updated at every save (a status message id may appear after the first save). */
  target?: DeliveryTarget | undefined;
  state: JobState;
  createdAt: number;
  updatedAt: number;
  deadlineAt: number;
  reservationId?: string | undefined;
  /** The provider that accepted the job, and its request(s): several when it makes one image per submit. */
  provider?: string | undefined;
  submissions?: readonly Submission[] | undefined;
  /** The token of the job's callback route, when its provider was given one (reopened on resume). */
  callbackToken?: string | undefined;
  /** Images the accepted submits asked for; fewer than `count` when some submits failed. */
  requested?: number | undefined;
  delivered?: number | undefined;
  errorCode?: ErrorCode | undefined;
}

/** What a command asks the runner to do. The id comes from the platform's own id (idempotency). */
export interface JobRequest {
  readonly id: string;
  readonly subject: QuotaSubject;
  readonly prompt: string;
  readonly images: readonly ImageSource[];
  readonly count: number;
  readonly aspectRatio?: AspectRatio | undefined;
  readonly outputFormat?: OutputFormat | undefined;
  readonly kind?: GenerationKind | undefined;
  /** Read at every save, so the record always says where to answer after a restart. */
  readonly target?: (() => DeliveryTarget | undefined) | undefined;
}

/** Progress reaches the adapter as events, emitted only when something changed. */
export type ProgressEvent =
  | { readonly type: 'queued'; readonly position?: number | undefined }
  | { readonly type: 'running' }
  | { readonly type: 'delivering' };

export interface Delivery {
  readonly images: readonly ImageData[];
  readonly elapsedMs: number;
  /** The quota as it will stand once these images are delivered. */
  readonly quota: QuotaView;
  /** The name of the provider that made the images (after any failover). */
  readonly provider: string;
}

/** The adapter's side of a job: how to show progress and how to hand over the result. */
export interface JobSink {
  progress(event: ProgressEvent): Promise<void>;
  /** Upload the images to the platform; throws if nothing could be delivered. Returns how many arrived. */
  deliver(delivery: Delivery): Promise<number>;
}

export type JobOutcome =
  | { readonly kind: 'done'; readonly delivered: number; readonly elapsedMs: number; readonly quota: QuotaView }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'quota_exhausted'; readonly quota: QuotaView; readonly requested: number }
  /** A moderator (or an owner, platform-wide) blocked the user: nothing was reserved or charged. */
  | { readonly kind: 'blocked'; readonly block: QuotaBlock }
  /** The requester cancelled it; the provider was asked to cancel and nothing was charged. */
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly code: ErrorCode; readonly userDetail?: string | undefined }
  /** The bot restarted before the job reached a provider: refunded; the user is asked to send it again. */
  | { readonly kind: 'interrupted' }
  /**
   * The bot is shutting down: a new job was not started (nothing reserved), or a running one was left
   * for the next start to resume (nothing refunded, nothing cancelled at the provider).
   */
  | { readonly kind: 'suspended'; readonly started: boolean }
  /** Abuse limit: the user already has `max` jobs in flight; nothing was reserved. */
  | { readonly kind: 'too_many_jobs'; readonly max: number }
  /** Abuse limit: the user's previous request was accepted less than the cool-down ago; nothing was reserved. */
  | { readonly kind: 'cooling_down'; readonly waitMs: number };
