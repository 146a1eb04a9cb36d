import type { DownloadPolicy } from '../http/download-policy.ts';
import type { InputHost } from '../http/input-host.ts';
import type { ImageLimits } from '../images/inspect.ts';
import type { Logger } from '../log.ts';
import type { ProviderHealth } from '../providers/health.ts';
import type { Provider } from '../providers/provider.ts';
import type { QuotaLedger } from '../quota/ledger.ts';
import type { Storage } from '../store/storage.ts';
import type { CallbackRegistry } from './callbacks.ts';
import type { PollPolicy } from './follow.ts';
import type { JobObserver } from './observer.ts';

export interface RunnerOptions {
  readonly storage: Storage;
  readonly ledger: QuotaLedger;
  /** In the configured order: the first that accepts a job runs it. */
  readonly providers: readonly Provider[];
  readonly logger: Logger;
  readonly imageLimits?: ImageLimits;
  /** Overall deadline of a job, from acceptance to results in hand. Default 10 minutes. */
  readonly deadlineMs?: number | undefined;
  readonly poll?: PollPolicy | undefined;
  /** Fallback polling while a callback is expected; default PUSH_FALLBACK_POLICY. */
  readonly pushPoll?: PollPolicy | undefined;
  /** Circuit breakers; one per runner by default. */
  readonly health?: ProviderHealth;
  /** Set when the bot has a public URL (see DispatchDeps). */
  readonly callbacks?: CallbackRegistry | undefined;
  readonly inputHost?: InputHost | undefined;
  readonly downloadTimeoutMs?: number;
  /** Where result images may be downloaded from; default: public hosts on public addresses only. */
  readonly downloadPolicy?: DownloadPolicy | undefined;
  readonly now?: (() => number) | undefined;
  /** How long a job's lease holds unrenewed: a crashed process's jobs are taken over after it. Default 10 s. */
  readonly leaseMs?: number | undefined;
  /** This process's name in job leases; a random one by default. */
  readonly instanceId?: string | undefined;
  /** MAX_JOBS_PER_USER: jobs one platform user may have in flight at once; 0 = no limit. Default 2. */
  readonly maxJobsPerUser?: number | undefined;
  /** USER_COOLDOWN: least time between two accepted requests of one user, in ms; 0 = off. Default 3000. */
  readonly userCooldownMs?: number | undefined;
  /** Told of every stored state change, denial and job leaving this process (metrics, logs); see observeAll. */
  readonly observer?: JobObserver | undefined;
  /**
   * Jobs loading and submitting their inputs at once, and jobs fetching and delivering their results
   * at once (see Slots): what bounds the process's memory. Defaults DEFAULT_INPUT_SLOTS and
   * DEFAULT_RESULT_SLOTS.
   */
  readonly inputSlots?: number | undefined;
  readonly resultSlots?: number | undefined;
}

/** Default RunnerOptions.leaseMs. */
export const DEFAULT_LEASE_MS = 10_000;
/**
 * A job's inputs are held about four times over while submitted (the bytes, their base64, the JSON
 * body and its encoding): up to ~20 MB for two 2 MB photos. Eight at once is ~160 MB at worst, and
 * loopback submits of that size take ~50 ms, so a burst still moves at well over 100 jobs a second.
 */
export const DEFAULT_INPUT_SLOTS = 4;
/** A result is held about twice while fetched and uploaded (~5 MB for a 2 MB image). */
export const DEFAULT_RESULT_SLOTS = 8;
/** Default RunnerOptions.deadlineMs (JOB_TIMEOUT). */
export const DEFAULT_DEADLINE_MS = 10 * 60_000;
