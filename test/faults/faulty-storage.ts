import { BotError } from '../../src/core/errors.ts';
import type { Storage } from '../../src/core/store/storage.ts';

/** One call on the store, as a fault predicate sees it. */
export interface StoreCall {
  readonly method: 'transact' | 'read' | 'append' | 'readNewest' | 'setAdd' | 'setRemove' | 'setMembers';
  /** The namespace, stream or set the call is about. */
  readonly name: string;
}

export interface FaultyStorage extends Storage {
  /**
   * The next `times` calls matching `predicate` fail as a store outage does (STORE_UNAVAILABLE), before
   * anything changed; with `afterApplying`, once the change was made (the answer was lost on the way back).
   */
  failNext(predicate: (call: StoreCall) => boolean, times?: number, options?: { afterApplying?: boolean }): void;
  /** Every call so far, in order, and whether it failed. */
  readonly calls: ReadonlyArray<StoreCall & { readonly failed: boolean }>;
}

/**
 * A real store (the memory backend, or any other) that fails chosen calls the way a backend fails
 * when the database goes away: a STORE_UNAVAILABLE before anything changed. Keyv records go through
 * untouched. A seam for fault tests, not a mock: every call that does not fail is the real backend's.
 */
export function faultyStorage(inner: Storage): FaultyStorage {
  const faults: Array<{ predicate: (call: StoreCall) => boolean; left: number; afterApplying: boolean }> = [];
  const calls: Array<StoreCall & { failed: boolean }> = [];
  const outage = (call: StoreCall) => new BotError('STORE_UNAVAILABLE', `store ${call.method} on ${call.name} failed (injected)`);
  /** Runs one call, failing it as scripted. */
  const guarded = async <T>(call: StoreCall, run: () => Promise<T>): Promise<T> => {
    const fault = faults.find((candidate) => candidate.left > 0 && candidate.predicate(call));
    calls.push({ ...call, failed: fault !== undefined });
    if (!fault) return run();
    fault.left--;
    if (fault.afterApplying) await run();
    throw outage(call);
  };
  return {
    kind: inner.kind,
    calls,
    failNext(predicate, times = 1, options = {}) {
      faults.push({ predicate, left: times, afterApplying: options.afterApplying ?? false });
    },
    keyv: (namespace) => inner.keyv(namespace),
    transact: (namespace, key, update) => guarded({ method: 'transact', name: namespace }, () => inner.transact(namespace, key, update)),
    read: (namespace, key) => guarded({ method: 'read', name: namespace }, () => inner.read(namespace, key)),
    append: (stream, entry) => guarded({ method: 'append', name: stream }, () => inner.append(stream, entry)),
    readNewest: (stream, offset, limit) => guarded({ method: 'readNewest', name: stream }, () => inner.readNewest(stream, offset, limit)),
    setAdd: (set, member) => guarded({ method: 'setAdd', name: set }, () => inner.setAdd(set, member)),
    setRemove: (set, member) => guarded({ method: 'setRemove', name: set }, () => inner.setRemove(set, member)),
    setMembers: (set) => guarded({ method: 'setMembers', name: set }, () => inner.setMembers(set)),
    close: () => inner.close(),
  };
}
