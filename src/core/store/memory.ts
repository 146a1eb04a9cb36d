import { Keyv } from 'keyv';
import { BotError } from '../errors.ts';
import { checkPage } from './log-page.ts';
import type { LogPage, Storage, Transition } from './storage.ts';

/**
 * In-process storage for tests. Atomic because `transact` runs its update synchronously
 * between two awaits on a single thread. Once closed it fails like a real store that went away,
 * so fail-closed behaviour can be tested on it too.
 */
export function createMemoryStorage(): Storage {
  const state = { closed: false };
  const keyvMaps = new Map<string, ClosableMap>();
  const records = new Map<string, string>();
  const logs = new Map<string, string[]>();
  const sets = new Map<string, Set<string>>();
  const recordKey = (namespace: string, key: string) => `${namespace}\u0000${key}`;
  const ensureOpen = () => {
    if (state.closed) throw closedError();
  };
  return {
    kind: 'memory',
    keyv<T>(namespace: string) {
      // One map per namespace: Keyv clears a Map store whole, which must not wipe other namespaces.
      let map = keyvMaps.get(namespace);
      if (!map) keyvMaps.set(namespace, (map = new ClosableMap(state)));
      return new Keyv<T>({ store: map, namespace, throwOnErrors: true });
    },
    async transact<T, R>(namespace: string, key: string, update: (current: T | undefined) => Transition<T, R>) {
      ensureOpen();
      const k = recordKey(namespace, key);
      const raw = records.get(k);
      const { next, result } = update(raw === undefined ? undefined : (JSON.parse(raw) as T));
      if (next === undefined) records.delete(k);
      else records.set(k, JSON.stringify(next));
      return result;
    },
    async read<T>(namespace: string, key: string) {
      ensureOpen();
      const raw = records.get(recordKey(namespace, key));
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    async append<T>(stream: string, entry: T) {
      ensureOpen();
      const log = logs.get(stream) ?? [];
      log.push(JSON.stringify(entry)); // stored as JSON so a caller mutating its object changes nothing here
      logs.set(stream, log);
    },
    async readNewest<T>(stream: string, offset: number, limit: number): Promise<LogPage<T>> {
      ensureOpen();
      checkPage(offset, limit);
      const log = logs.get(stream) ?? [];
      const end = Math.max(0, log.length - offset);
      const start = Math.max(0, end - limit);
      const entries = log.slice(start, end).reverse().map((raw) => JSON.parse(raw) as T);
      return { entries, total: log.length };
    },
    async setAdd(set: string, member: string) {
      ensureOpen();
      let members = sets.get(set);
      if (!members) sets.set(set, (members = new Set()));
      members.add(member);
    },
    async setRemove(set: string, member: string) {
      ensureOpen();
      const members = sets.get(set);
      members?.delete(member);
      if (members?.size === 0) sets.delete(set);
    },
    async setMembers(set: string) {
      ensureOpen();
      return [...(sets.get(set) ?? [])];
    },
    async sweepExpired() {
      ensureOpen();
      const now = Date.now();
      let swept = 0;
      for (const map of keyvMaps.values()) swept += map.sweepExpired(now);
      return swept;
    },
    async close() {
      state.closed = true;
      for (const map of keyvMaps.values()) Map.prototype.clear.call(map);
      records.clear();
      logs.clear();
      sets.clear();
    },
  };
}

function closedError(): BotError {
  return new BotError('STORE_UNAVAILABLE', 'the memory store is closed');
}

/** A Map that throws once its store is closed, so Keyv (with throwOnErrors) rejects instead of answering "nothing stored". */
class ClosableMap extends Map<string, unknown> {
  private readonly state: { readonly closed: boolean };

  constructor(state: { readonly closed: boolean }) {
    super();
    this.state = state;
  }

  override get(key: string): unknown {
    this.ensureOpen();
    return super.get(key);
  }

  override set(key: string, value: unknown): this {
    this.ensureOpen();
    return super.set(key, value);
  }

  override has(key: string): boolean {
    this.ensureOpen();
    return super.has(key);
  }

  override delete(key: string): boolean {
    this.ensureOpen();
    return super.delete(key);
  }

  override clear(): void {
    this.ensureOpen();
    super.clear();
  }

  /** Deletes the entries Keyv stored with an `expires` before `now` (Keyv itself drops them only when read). */
  sweepExpired(now: number): number {
    let swept = 0;
    for (const [key, raw] of super.entries()) {
      if (expiresAt(raw) < now) {
        super.delete(key);
        swept++;
      }
    }
    return swept;
  }

  private ensureOpen(): void {
    // `state` is unset while Map's own constructor runs; nothing is stored yet then.
    if (this.state?.closed) throw closedError();
  }
}

/** When a Keyv entry (`{"value":…,"expires":<ms>}`, serialized) expires; Infinity when it never does or is not Keyv's. */
function expiresAt(raw: unknown): number {
  if (typeof raw !== 'string') return Infinity;
  try {
    const expires = (JSON.parse(raw) as { expires?: unknown } | null)?.expires;
    return typeof expires === 'number' ? expires : Infinity;
  } catch {
    return Infinity;
  }
}
