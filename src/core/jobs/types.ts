import type { ImageData, ImageSource } from '../images/image.ts';
import type { AspectRatio, OutputFormat, Submission } from '../providers/provider.ts';
import type { QuotaSubject } from '../quota/subject.ts';
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
  | 'timed_out';

export const FINAL_STATES: ReadonlySet<JobState> = new Set(['done', 'rejected', 'failed', 'cancelled', 'timed_out']);

/** The persisted record of one request: the unit of work and of money. Plain JSON. */
export interface JobRecord {
  readonly id: string;
  readonly subject: QuotaSubject;
  readonly prompt: string;
  readonly count: number;
  readonly aspectRatio?: AspectRatio | undefined;
  readonly outputFormat: OutputFormat;
  readonly inputCount: number;
  state: JobState;
  createdAt: number;
  updatedAt: number;
  deadlineAt: number;
  reservationId?: string | undefined;
  /** The provider that accepted the job, and its request(s): several when it makes one image per submit. */
  provider?: string | undefined;
  submissions?: readonly Submission[] | undefined;
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
  | { readonly kind: 'failed'; readonly code: ErrorCode; readonly userDetail?: string | undefined };
