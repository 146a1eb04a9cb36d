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
 * While a job loads and submits its inputs it holds them about twice (the bytes and the JSON body
 * with their base64, written straight into one buffer): ~10 MB for two 2 MB photos, so four at once
 * is ~40 MB. A loopback submit of that size takes ~50 ms; a real upload of 5 MB about a second, so a
 * burst of 200 albums is submitted in under a minute on a modest link.
 */
export const DEFAULT_INPUT_SLOTS = 4;
/** A result is held about twice while fetched and uploaded (~5 MB for a 2 MB image): ~40 MB for eight. */
export const DEFAULT_RESULT_SLOTS = 8;
/** Default RunnerOptions.deadlineMs (JOB_TIMEOUT). */
export const DEFAULT_DEADLINE_MS = 10 * 60_000;
