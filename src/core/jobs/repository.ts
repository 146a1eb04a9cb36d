import type { Keyv } from 'keyv';
import type { Storage } from '../store/storage.ts';
import type { JobRecord } from './types.ts';

/** Finished jobs are kept a week (for support and the future audit); unfinished ones until done. */
const FINISHED_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Job records. The record itself lives in Keyv; the right to run a job id is claimed atomically
 * (Keyv has no set-if-absent), so a redelivered update or a double click never runs twice.
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

  async save(record: JobRecord, finished: boolean): Promise<void> {
    await this.records.set(record.id, record, finished ? FINISHED_TTL_MS : undefined);
  }
}
