/**
 * Album aggregation. Telegram delivers each item of an album as its own message sharing a
 * `media_group_id`, with no item count and no end marker (platform-limits §2.3), so the items of one
 * album are gathered until none has arrived for a while (a sliding window) and then handled as one.
 * Without this, every item would start its own paid job.
 */

/** How long after an album's last item we wait for more; Telegram sends the items within a second or so. */
export const ALBUM_WINDOW_MS = 1_200;
/** An album is handled at the latest this long after its first item, however its items trickle in. */
export const ALBUM_MAX_WAIT_MS = 10_000;
/** How long a handled album is remembered, so that its late items are recognised as late. */
const TAKEN_TTL_MS = 10 * 60 * 1000;
/** Bounds the remembered albums; the oldest are forgotten first. */
const MAX_TAKEN = 1_000;

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

export const REAL_TIMERS: Timers = {
  set(callback, ms) {
    const timer = setTimeout(callback, ms);
    // A pending album must not keep the process alive on shutdown: start.ts waits for in-flight work.
    timer.unref();
    return timer;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** What adding an item did. `flushed` resolves once the album it started has been handed over. */
export type AddOutcome =
  | { readonly kind: 'started'; readonly flushed: Promise<void> }
  | { readonly kind: 'joined' }
  /** The album was already handled; `notify` is true for the first late item of an album worth a notice. */
  | { readonly kind: 'late'; readonly notify: boolean; readonly takenCount: number };

export interface AlbumCollectorOptions<T> {
  /**
   * Receives the items of one album in arrival order; returns whether late items deserve a notice
   * (true when the album started something, so late photos would otherwise be dropped unnoticed).
   */
  readonly onAlbum: (items: readonly T[]) => boolean;
  readonly windowMs?: number;
  readonly maxWaitMs?: number;
  readonly timers?: Timers;
}

interface Pending<T> {
  readonly items: T[];
  readonly firstAt: number;
  timer: unknown;
  readonly done: () => void;
}

interface Taken {
  readonly count: number;
  readonly noticeWanted: boolean;
  noticed: boolean;
  readonly expiresAt: number;
}

/** Gathers album items by key (the chat and the `media_group_id`). */
export class AlbumCollector<T> {
  readonly #pending = new Map<string, Pending<T>>();
  readonly #taken = new Map<string, Taken>();
  readonly #onAlbum: (items: readonly T[]) => boolean;
  readonly #windowMs: number;
  readonly #maxWaitMs: number;
  readonly #timers: Timers;

  constructor(options: AlbumCollectorOptions<T>) {
    this.#onAlbum = options.onAlbum;
    this.#windowMs = options.windowMs ?? ALBUM_WINDOW_MS;
    this.#maxWaitMs = options.maxWaitMs ?? ALBUM_MAX_WAIT_MS;
    this.#timers = options.timers ?? REAL_TIMERS;
  }

  /** Albums still gathering items. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  add(key: string, item: T): AddOutcome {
    const now = this.#timers.now();
    const taken = this.#takenAlbum(key, now);
    if (taken) {
      const notify = taken.noticeWanted && !taken.noticed;
      taken.noticed ||= notify;
      return { kind: 'late', notify, takenCount: taken.count };
    }
    const pending = this.#pending.get(key);
    if (pending) {
      pending.items.push(item);
      this.#timers.clear(pending.timer);
      pending.timer = this.#schedule(key, pending.firstAt, now);
      return { kind: 'joined' };
    }
    let done: () => void = () => undefined;
    const flushed = new Promise<void>((resolve) => {
      done = resolve;
    });
    const started: Pending<T> = { items: [item], firstAt: now, timer: undefined, done };
    started.timer = this.#schedule(key, now, now);
    this.#pending.set(key, started);
    return { kind: 'started', flushed };
  }

  /** Hands over every album still gathering, at once (shutdown). */
  flushAll(): void {
    for (const key of [...this.#pending.keys()]) this.#flush(key);
  }

  #schedule(key: string, firstAt: number, now: number): unknown {
    const wait = Math.max(0, Math.min(this.#windowMs, firstAt + this.#maxWaitMs - now));
    return this.#timers.set(() => this.#flush(key), wait);
  }

  #flush(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.#pending.delete(key);
    this.#timers.clear(pending.timer);
    let noticeWanted = false;
    try {
      noticeWanted = this.#onAlbum(pending.items);
    } finally {
      this.#remember(key, { count: pending.items.length, noticeWanted, noticed: false, expiresAt: this.#timers.now() + TAKEN_TTL_MS });
      pending.done();
    }
  }

  #remember(key: string, taken: Taken): void {
    this.#taken.set(key, taken);
    // Map keeps insertion order: the first entries are the oldest.
    while (this.#taken.size > MAX_TAKEN) this.#taken.delete(this.#taken.keys().next().value as string);
  }

  #takenAlbum(key: string, now: number): Taken | undefined {
    const taken = this.#taken.get(key);
    if (taken && taken.expiresAt <= now) {
      this.#taken.delete(key);
      return undefined;
    }
    return taken;
  }
}
