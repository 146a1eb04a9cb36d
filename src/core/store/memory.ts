import { Keyv } from 'keyv';
import type { Storage, Transition } from './storage.ts';

/**
 * In-process storage for tests. Atomic because `transact` runs its update synchronously
 * between two awaits on a single thread.
 */
export function createMemoryStorage(): Storage {
  const keyvMap = new Map<string, unknown>();
  const records = new Map<string, string>();
  const recordKey = (namespace: string, key: string) => `${namespace}\u0000${key}`;
  return {
    kind: 'memory',
    keyv<T>(namespace: string) {
      return new Keyv<T>({ store: keyvMap, namespace, throwOnErrors: true });
    },
    async transact<T, R>(namespace: string, key: string, update: (current: T | undefined) => Transition<T, R>) {
      const k = recordKey(namespace, key);
      const raw = records.get(k);
      const { next, result } = update(raw === undefined ? undefined : (JSON.parse(raw) as T));
      if (next === undefined) records.delete(k);
      else records.set(k, JSON.stringify(next));
      return result;
    },
    async read<T>(namespace: string, key: string) {
      const raw = records.get(recordKey(namespace, key));
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    async close() {
      keyvMap.clear();
      records.clear();
    },
  };
}
