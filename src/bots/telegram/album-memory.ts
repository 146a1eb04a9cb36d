import type { ImageRef } from './inputs.ts';

/** A reply to an album item an hour later still edits the whole album; after that, just the item. */
const DEFAULT_TTL_MS = 60 * 60 * 1000;
/** Memory stays bounded however many albums pass through; the oldest are forgotten first. */
const DEFAULT_MAX_ENTRIES = 10_000;

interface Entry {
  readonly images: readonly ImageRef[];
  readonly expiresAt: number;
}

/**
 * The images of recent albums by each of their items (chat and message id). A reply names one message
 * only, and Telegram does not say which album it belonged to, so the bot must remember. Kept in
 * memory: losing it on a restart only means a reply edits the one photo it points at.
 */
export class AlbumMemory {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#now = options.now ?? Date.now;
  }

  /** Remembers the album's images under each of its items' message ids. */
  remember(chatId: number, messageIds: readonly number[], images: readonly ImageRef[]): void {
    const entry = { images, expiresAt: this.#now() + this.#ttlMs };
    for (const id of messageIds) {
      const key = `${chatId}:${id}`;
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** The images of the album this message belongs to, if it is a remembered album item. */
  imagesOf(chatId: number, messageId: number): readonly ImageRef[] | undefined {
    const key = `${chatId}:${messageId}`;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.images;
  }
}
