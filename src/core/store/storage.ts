import type { Keyv } from 'keyv';

/**
 * The result of an atomic update: the value to store (undefined deletes) and what to return.
 * `update` runs synchronously inside the backend's critical section, so it must be pure.
 */
export interface Transition<T, R> {
  readonly next: T | undefined;
  readonly result: R;
}

export interface LogPage<T> {
  readonly entries: readonly T[];
  /** Entries in the whole log. */
  readonly total: number;
}

/**
 * Storage for the bot. Keyv is the interface for plain records (it has no atomic operations);
 * `transact` is the one atomic primitive, used where a lost update would cost money (quota,
 * job claims). Every backend fails closed: a store error is thrown as STORE_UNAVAILABLE, never
 * treated as "nothing stored".
 */
export interface Storage {
  /** `memory`, `sqlite` or `redis`. */
  readonly kind: string;
  /** Keyv over this backend in one namespace, with `throwOnErrors` on. */
  keyv<T>(namespace: string): Keyv<T>;
  /** Atomically reads, updates and writes one record (across processes where the backend is shared). */
  transact<T, R>(namespace: string, key: string, update: (current: T | undefined) => Transition<T, R>): Promise<R>;
  /** Reads one record written by `transact`. */
  read<T>(namespace: string, key: string): Promise<T | undefined>;
  /**
   * Appends one entry to an append-only log (the audit log). Entries are kept in the order they were
   * appended, across processes where the backend is shared; they are never changed or expired.
   */
  append<T>(stream: string, entry: T): Promise<void>;
  /** Entries of a log newest first: skips `offset`, returns at most `limit`, and how many there are in all. */
  readNewest<T>(stream: string, offset: number, limit: number): Promise<LogPage<T>>;
  /**
   * A set of strings (the ids of unfinished jobs). Adding and removing are idempotent and atomic
   * across processes where the backend is shared, with no read-modify-write, so many writers never
   * contend on one record.
   */
  setAdd(set: string, member: string): Promise<void>;
  setRemove(set: string, member: string): Promise<void>;
  /** Every member of a set, in no particular order. */
  setMembers(set: string): Promise<string[]>;
  /**
   * Deletes Keyv records whose TTL has passed and returns how many. Keyv drops an expired record
   * only when it is read, so records never read again (finished jobs) would pile up; the app runs
   * this at start and then periodically. Absent where the backend expires keys itself (Redis).
   */
  sweepExpired?(): Promise<number>;
  close(): Promise<void>;
}
