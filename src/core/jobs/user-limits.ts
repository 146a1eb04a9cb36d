import type { QuotaSubject } from '../quota/subject.ts';
import type { Storage } from '../store/storage.ts';

/** MAX_JOBS_PER_USER's default: jobs one platform user may have in flight at once. */
export const DEFAULT_MAX_JOBS_PER_USER = 2;
/** USER_COOLDOWN's default: the least time between two accepted requests of one user. */
export const DEFAULT_USER_COOLDOWN_MS = 3000;

const NAMESPACE = 'user-jobs';

/** One user's jobs in flight (job id → when its slot lapses on its own) and their last accepted request. */
interface UserSlots {
  readonly jobs: Readonly<Record<string, number>>;
  readonly lastAcceptedAt?: number | undefined;
}

export type Admission =
  | { readonly ok: true }
  | { readonly ok: false; readonly kind: 'too_many_jobs'; readonly max: number }
  | { readonly ok: false; readonly kind: 'cooling_down'; readonly waitMs: number };

export interface UserLimitOptions {
  readonly storage: Storage;
  /** 0 turns the limit off. */
  readonly maxJobsPerUser: number;
  /** 0 turns the cool-down off. */
  readonly cooldownMs: number;
  readonly now: () => number;
}

/**
 * Abuse limits per platform user, across communities and across processes sharing the store: at most
 * `maxJobsPerUser` jobs in flight, and a cool-down between two accepted requests. Each check is one
 * atomic `transact` on the user's record. A slot is released when its job ends; it also lapses at a
 * time the caller gives (the job's deadline and some), so a crashed process never blocks a user for good.
 */
export class UserLimits {
  private readonly options: UserLimitOptions;

  constructor(options: UserLimitOptions) {
    this.options = options;
  }

  private get enabled(): boolean {
    return this.options.maxJobsPerUser > 0 || this.options.cooldownMs > 0;
  }

  /** Takes a slot for `jobId` until `lapsesAt`, or says why not (nothing is taken then). */
  async admit(subject: QuotaSubject, jobId: string, lapsesAt: number): Promise<Admission> {
    if (!this.enabled) return { ok: true };
    const { maxJobsPerUser: max, cooldownMs } = this.options;
    const now = this.options.now();
    return this.options.storage.transact<UserSlots, Admission>(NAMESPACE, keyOf(subject), (stored) => {
      const jobs = liveJobs(stored, now);
      const since = stored?.lastAcceptedAt === undefined ? Infinity : now - stored.lastAcceptedAt;
      if (cooldownMs > 0 && since < cooldownMs) return { next: stored, result: { ok: false, kind: 'cooling_down', waitMs: cooldownMs - since } };
      if (max > 0 && Object.keys(jobs).length >= max && !(jobId in jobs)) return { next: stored, result: { ok: false, kind: 'too_many_jobs', max } };
      return { next: { jobs: { ...jobs, [jobId]: lapsesAt }, lastAcceptedAt: now }, result: { ok: true } };
    });
  }

  /** Frees the slot of `jobId` (the job ended). Idempotent. */
  async release(subject: QuotaSubject, jobId: string): Promise<void> {
    if (!this.enabled) return;
    const now = this.options.now();
    await this.options.storage.transact<UserSlots, void>(NAMESPACE, keyOf(subject), (stored) => {
      if (!stored) return { next: undefined, result: undefined };
      const { [jobId]: _released, ...jobs } = liveJobs(stored, now);
      const coolingDown = stored.lastAcceptedAt !== undefined && now - stored.lastAcceptedAt < this.options.cooldownMs;
      // Nothing left to remember: the record goes, so idle users leave no trace.
      if (Object.keys(jobs).length === 0 && !coolingDown) return { next: undefined, result: undefined };
      return { next: { jobs, lastAcceptedAt: stored.lastAcceptedAt }, result: undefined };
    });
  }
}

/** Per platform user: a user's requests in every community and in private count together. */
function keyOf(subject: QuotaSubject): string {
  return `${subject.platform}:${subject.userId}`;
}

function liveJobs(stored: UserSlots | undefined, now: number): Record<string, number> {
  const jobs: Record<string, number> = {};
  for (const [id, lapsesAt] of Object.entries(stored?.jobs ?? {})) if (lapsesAt > now) jobs[id] = lapsesAt;
  return jobs;
}
