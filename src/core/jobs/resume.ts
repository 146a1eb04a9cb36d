import { toBotError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Provider } from '../providers/provider.ts';
import type { Platform } from '../quota/subject.ts';
import type { LeaseKeeper } from './leases.ts';
import type { JobRepository } from './repository.ts';
import { FINAL_STATES, type JobRecord } from './types.ts';

/** How a stored job goes on after a restart. */
export type ResumePlan =
  /** It ended meanwhile (another process finished it): nothing to do. */
  | { readonly kind: 'finished' }
  /** It never reached a provider (its inputs are gone): refund, and ask the user to send it again. */
  | { readonly kind: 'interrupted' }
  /** Its provider is no longer configured: it cannot be followed; failed and refunded. */
  | { readonly kind: 'unfollowable'; readonly reason: string }
  /**
   * Follow the stored submissions (or, once they were complete, fetch the results again), deliver and
   * commit. `deadline`: whether the stored deadline still applies (not once results were in hand).
   */
  | { readonly kind: 'continue'; readonly provider: Provider; readonly from: 'follow' | 'fetch'; readonly deadline: boolean };

/** What to do with a stored job, from its state alone. */
export function planResume(record: JobRecord, providers: readonly Provider[]): ResumePlan {
  if (FINAL_STATES.has(record.state)) return { kind: 'finished' };
  if (record.state === 'accepted' || record.state === 'reserved' || !record.submissions?.length) return { kind: 'interrupted' };
  const provider = providers.find((p) => p.name === record.provider);
  if (!provider) return { kind: 'unfollowable', reason: `the provider ${record.provider ?? '(none)'} is not configured any more` };
  switch (record.state) {
    case 'fetching':
      return { kind: 'continue', provider, from: 'fetch', deadline: true };
    case 'delivering':
      // The results were in hand and maybe partly delivered: fetch them again (a duplicate beats a loss).
      return { kind: 'continue', provider, from: 'fetch', deadline: false };
    default:
      return { kind: 'continue', provider, from: 'follow', deadline: true };
  }
}

export interface StrandedDeps {
  readonly jobs: JobRepository;
  readonly leases: LeaseKeeper;
  readonly logger: Logger;
}

/**
 * The open jobs of `platform` whose lease lapsed or was released, each now leased to this process.
 * The lease is taken before the record is read again, so a job another process finished meanwhile is
 * seen as finished and skipped; a job is handed to one process (and once in this one) at a time.
 */
export async function claimStrandedJobs(deps: StrandedDeps, platform: Platform): Promise<JobRecord[]> {
  const claimed: JobRecord[] = [];
  for (const id of await deps.jobs.openIds()) {
    if (deps.leases.holds(id)) continue;
    try {
      // Most open jobs are running somewhere: one lease read spares reading their records.
      if (await deps.leases.heldElsewhere(id)) continue;
      const seen = await deps.jobs.load(id);
      if (!seen || FINAL_STATES.has(seen.state)) {
        // Finished after its id was listed, or it crashed between its final save and leaving the set.
        await deps.jobs.forget(id);
        continue;
      }
      if (platformOf(seen) !== platform) continue;
      if (!(await deps.leases.acquire(id))) continue;
      const record = await deps.jobs.load(id);
      if (!record || FINAL_STATES.has(record.state)) {
        await deps.leases.release(id);
        continue;
      }
      claimed.push(record);
    } catch (error) {
      // Held since this round began: taken here, so given back (the check at the top skipped held ones).
      if (deps.leases.holds(id)) await deps.leases.release(id);
      // One unreadable job must not keep the others from resuming; the next sweep tries it again.
      deps.logger.warn({ job: id, err: toBotError(error).message }, 'could not claim a stranded job');
    }
  }
  return claimed;
}

/** Records of every age name their platform in the subject; the target's is the newer, explicit one. */
function platformOf(record: JobRecord): Platform | undefined {
  return record.target?.platform ?? record.subject?.platform;
}
