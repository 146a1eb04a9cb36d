import type { Api } from 'grammy';
import type { ImageData } from '../../core/images/image.ts';

/** What a request delivered, kept for its "Send as file" and "Edit again" buttons. */
export interface DeliveredResult {
  readonly images: readonly ImageData[];
  /** The first result message (photo or document), which "Edit again" asks the user to reply to. */
  readonly firstMessageId?: number | undefined;
}

export interface ResultsCacheOptions {
  /** How long results stay; default 30 minutes. */
  readonly ttlMs?: number;
  /** Total image bytes kept; the oldest results go first. Default 200 MB. */
  readonly maxBytes?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly result: DeliveredResult;
  readonly bytes: number;
  readonly expiresAt: number;
}

/**
 * The original bytes of recent results, in memory only: they are large, short-lived and can always
 * be made again, so losing them at a restart only means "run it again". Bounded in time and bytes.
 */
export class ResultsCache {
  readonly #entries = new Map<string, Entry>(); // insertion order = age
  readonly #ttlMs: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: ResultsCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 30 * 60_000;
    this.#maxBytes = options.maxBytes ?? 200 * 1000 * 1000;
    this.#now = options.now ?? Date.now;
  }

  get totalBytes(): number {
    return this.#bytes;
  }

  put(requestId: string, result: DeliveredResult): void {
    this.#delete(requestId);
    const bytes = result.images.reduce((sum, image) => sum + image.bytes.length, 0);
    // One result larger than the whole budget is not kept (it would evict everything, then itself).
    if (bytes > this.#maxBytes) return;
    this.#entries.set(requestId, { result, bytes, expiresAt: this.#now() + this.#ttlMs });
    this.#bytes += bytes;
    this.#evict();
  }

  get(requestId: string): DeliveredResult | undefined {
    this.#evict();
    return this.#entries.get(requestId)?.result;
  }

  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now && this.#bytes <= this.#maxBytes) break;
      this.#delete(key);
    }
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

/**
 * One cache per bot, found through its Api object: the message handler's contexts fill it and the
 * callback handler reads it, without another dependency to thread through the wiring.
 */
const perBot = new WeakMap<Api, ResultsCache>();

export function resultsCacheOf(api: Api): ResultsCache {
  let cache = perBot.get(api);
  if (!cache) {
    cache = new ResultsCache();
    perBot.set(api, cache);
  }
  return cache;
}
