import type { Keyv } from 'keyv';
import type { Storage } from '../store/storage.ts';
import type { JobRecord } from './types.ts';

/** Finished jobs are kept a week (for support and the future audit); unfinished ones until done. */
const FINISHED_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** The ids of unfinished jobs: what a restarted process looks through to resume. */
export const OPEN_JOBS_SET = 'jobs-open';

/**
 * Job records. The record itself lives in Keyv; the right to run a job id is claimed atomically
 * (Keyv has no set-if-absent), so a redelivered update or a double click never runs twice. The ids
 * of unfinished jobs are kept in a set, so resuming reads those records only.
 */
export class JobRepository {
  private readonly storage: Storage;
  private readonly records: Keyv<JobRecord>;

  constructor(storage: Storage) {
    this.storage = storage;
    this.records = storage.keyv<JobRecord>('jobs');
  }

  /** True when this call is the first to claim `id`. */
  async claim(id: string, now: number): Promise<boolean> {
    return this.storage.transact<{ claimedAt: number }, boolean>('job-claims', id, (current) =>
      current ? { next: current, result: false } : { next: { claimedAt: now }, result: true },
    );
  }

  /** Stores the record; a finished job leaves the open set (after its final record is stored). */
  async save(record: JobRecord, finished: boolean): Promise<void> {
    await this.records.set(record.id, record, finished ? FINISHED_TTL_MS : undefined);
    if (finished) await this.storage.setRemove(OPEN_JOBS_SET, record.id);
  }

  /** Puts job `id` (already saved) in the open set, where a restarted process finds it. */
  async markOpen(id: string): Promise<void> {
    await this.storage.setAdd(OPEN_JOBS_SET, id);
  }

  /** Takes an id out of the open set whose record is finished or gone. */
  async forget(id: string): Promise<void> {
    await this.storage.setRemove(OPEN_JOBS_SET, id);
  }

  async openIds(): Promise<string[]> {
    return this.storage.setMembers(OPEN_JOBS_SET);
  }

  async load(id: string): Promise<JobRecord | undefined> {
    return this.records.get(id);
  }
}
