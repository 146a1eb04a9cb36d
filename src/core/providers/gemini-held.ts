import { randomUUID } from 'node:crypto';
import type { ProviderResult } from './provider.ts';

/**
 * Results of a synchronous provider, kept in memory between `submit` (which already has them) and
 * `result` (which hands them over). Entries expire so that a job the core gives up on leaks nothing;
 * expiry is checked on every access instead of by a timer, so building a provider starts nothing.
 */
export interface HeldResults {
  /** Keeps a result under a fresh random id and returns the id. */
  hold(result: ProviderResult): string;
  has(id: string): boolean;
  /** Returns the result and forgets it. */
  take(id: string): ProviderResult | undefined;
  forget(id: string): void;
  /** How many results are held now (expired ones are dropped first). */
  size(): number;
}

export function createHeldResults(options: { ttlMs: number; now?: () => number }): HeldResults {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { result: ProviderResult; expiresAt: number }>();

  const sweep = () => {
    const t = now();
    for (const [id, entry] of entries) if (entry.expiresAt <= t) entries.delete(id);
  };

  return {
    hold(result) {
      sweep();
      const id = randomUUID();
      entries.set(id, { result, expiresAt: now() + options.ttlMs });
      return id;
    },
    has(id) {
      sweep();
      return entries.has(id);
    },
    take(id) {
      sweep();
      const entry = entries.get(id);
      entries.delete(id);
      return entry?.result;
    },
    forget(id) {
      entries.delete(id);
    },
    size() {
      sweep();
      return entries.size;
    },
  };
}
