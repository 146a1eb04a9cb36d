/**
 * A small in-process memory with a size bound and an age bound: for what only matters for minutes
 * (the images of a message menu command until its form comes back) or only within one process (which
 * Again buttons were pressed). Losing it at a restart costs a "run it again", never money.
 */
export class RecentMemory<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly expiresAt: number }>(); // insertion order = age
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { readonly maxEntries: number; readonly ttlMs: number; readonly now?: () => number }) {
    this.#maxEntries = options.maxEntries;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    this.#evict();
  }

  get(key: string): V | undefined {
    this.#evict();
    return this.#entries.get(key)?.value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now && this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
