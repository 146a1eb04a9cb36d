import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Api } from 'grammy';
import { extensionOf, type ImageData, type ImageMime } from '../../core/images/image.ts';

/** What a request delivered, kept for its "Send as file" and "Edit again" buttons. */
export interface DeliveredResult {
  readonly images: readonly ImageData[];
  /** The first result message (photo or document), which "Edit again" asks the user to reply to. */
  readonly firstMessageId?: number | undefined;
}

export interface ResultsCacheOptions {
  /** How long results stay; default 30 minutes. */
  readonly ttlMs?: number;
  /** Total image bytes kept on disk; the oldest results go first. Default 1 GB. */
  readonly maxBytes?: number;
  /** Where the cache's private directory is made; default the system's temporary directory. */
  readonly tmpDir?: string;
  readonly now?: () => number;
}

/** One image of a result, as written to disk: the bytes are in `path`, the rest is here. */
interface StoredImage {
  readonly path: string;
  readonly mime: ImageMime;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

interface Entry {
  readonly firstMessageId: number | undefined;
  readonly bytes: number;
  readonly expiresAt: number;
  /** The images themselves, only until they are on disk (a get meanwhile uses them directly). */
  images: readonly ImageData[] | undefined;
  /** Filled as the files are written; a file is listed before it is written, so a failure can remove it. */
  readonly files: StoredImage[];
  /** Settles (never rejects) once every file is written, or the write failed and the entry was dropped. */
  written: Promise<void>;
}

const DEFAULT_TTL_MS = 30 * 60_000;
const DEFAULT_MAX_BYTES = 1000 * 1000 * 1000;

/**
 * The original bytes of recent results, for the "Send as file" button. The bytes live in files in a
 * private temporary directory, only the index in memory: a busy bot would otherwise hold hundreds of
 * megabytes. They are short-lived and can always be made again, so losing them (a restart, a full
 * disk, a cleaned temp dir) only means "run it again". Bounded in time and in bytes on disk.
 */
export class ResultsCache {
  readonly #entries = new Map<string, Entry>(); // insertion order = age
  readonly #ttlMs: number;
  readonly #maxBytes: number;
  readonly #tmpDir: string;
  readonly #now: () => number;
  /** Writes and removals under way, so that close() (and tests) can wait for them. */
  readonly #busy = new Set<Promise<void>>();
  #dir: Promise<string> | undefined;
  #dirPath: string | undefined;
  #bytes = 0;
  #files = 0;
  #closed = false;

  constructor(options: ResultsCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#tmpDir = options.tmpDir ?? tmpdir();
    this.#now = options.now ?? Date.now;
  }

  /** Bytes of the results kept (those still being written included). */
  get totalBytes(): number {
    return this.#bytes;
  }

  /** The private directory, once the first result made it. */
  get directory(): string | undefined {
    return this.#dirPath;
  }

  /** Keeps a result; the files are written in the background. Never throws. */
  put(requestId: string, result: DeliveredResult): void {
    if (this.#closed) return;
    this.#delete(requestId);
    const bytes = result.images.reduce((sum, image) => sum + image.bytes.length, 0);
    // One result larger than the whole budget is not kept (it would evict everything, then itself).
    if (bytes > this.#maxBytes) return;
    const entry: Entry = {
      firstMessageId: result.firstMessageId,
      bytes,
      expiresAt: this.#now() + this.#ttlMs,
      images: [...result.images],
      files: [],
      written: Promise.resolve(),
    };
    this.#entries.set(requestId, entry);
    this.#bytes += bytes;
    entry.written = this.#track(this.#write(requestId, entry));
    this.#evict();
  }

  /** The result with its images read back from disk; undefined when gone (expired, evicted, lost). */
  async get(requestId: string): Promise<DeliveredResult | undefined> {
    this.#evict();
    const entry = this.#entries.get(requestId);
    if (!entry) return undefined;
    const { firstMessageId } = entry;
    // Still being written: the images are at hand.
    if (entry.images) return { images: entry.images, firstMessageId };
    try {
      const images = await Promise.all(
        entry.files.map(async (file): Promise<ImageData> => ({ bytes: await readFile(file.path), mime: file.mime, width: file.width, height: file.height })),
      );
      return { images, firstMessageId };
    } catch {
      // A file went away behind our back (or the entry was evicted meanwhile): the result is gone.
      if (this.#entries.get(requestId) === entry) this.#delete(requestId);
      return undefined;
    }
  }

  /** The first result message of a request, for "Edit again", which needs no bytes. */
  firstMessageIdOf(requestId: string): number | undefined {
    this.#evict();
    return this.#entries.get(requestId)?.firstMessageId;
  }

  /** Resolves once the writes and removals under way have finished. */
  async idle(): Promise<void> {
    while (this.#busy.size > 0) await Promise.all(this.#busy);
  }

  /** Forgets everything and removes the directory; later puts are ignored. Never throws. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const key of [...this.#entries.keys()]) this.#delete(key);
    await this.idle();
    const dir = await this.#dir?.catch(() => undefined);
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      openDirs.delete(dir);
    }
    this.#dir = undefined;
    this.#dirPath = undefined;
  }

  async #write(requestId: string, entry: Entry): Promise<void> {
    try {
      const dir = await this.#directory();
      for (const image of entry.images ?? []) {
        // Dropped meanwhile (evicted, replaced, closed): the remaining images need not be written.
        if (this.#entries.get(requestId) !== entry) break;
        // Names of our own: request ids hold characters a file name had better not.
        const path = join(dir, `${++this.#files}.${extensionOf(image.mime)}`);
        entry.files.push({ path, mime: image.mime, width: image.width, height: image.height, bytes: image.bytes.length });
        await writeFile(path, image.bytes, { flag: 'wx' });
      }
    } catch {
      // Disk full, directory gone…: the result is not kept (its button then answers "gone").
      if (this.#entries.get(requestId) === entry) this.#delete(requestId);
    } finally {
      // From now on the bytes are only on disk.
      entry.images = undefined;
    }
  }

  #directory(): Promise<string> {
    if (!this.#dir) {
      const made = mkdtemp(join(this.#tmpDir, 'nano-banana-results-'));
      this.#dir = made;
      made.then(
        (dir) => {
          if (this.#dir === made) this.#dirPath = dir;
          removeAtExit(dir);
        },
        () => {
          // Tried again at the next result.
          if (this.#dir === made) this.#dir = undefined;
        },
      );
    }
    return this.#dir;
  }

  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now && this.#bytes <= this.#maxBytes) break;
      this.#delete(key);
    }
  }

  /** Drops an entry now; its files go once its write has finished (it stops early). */
  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    this.#track(
      entry.written.then(async () => {
        await Promise.all(entry.files.map((file) => unlink(file.path).catch(() => undefined)));
      }),
    );
  }

  #track(work: Promise<void>): Promise<void> {
    const tracked = work.catch(() => undefined);
    this.#busy.add(tracked);
    void tracked.finally(() => this.#busy.delete(tracked));
    return tracked;
  }
}

/** Directories not removed by close() yet. */
const openDirs = new Set<string>();

function removeAtExit(dir: string): void {
  openDirs.add(dir);
}

/**
 * Removes, synchronously, every results directory that close() has not removed yet. main.ts calls it
 * on the process's 'exit', so a process that exits without stopping its bot (the forced exit when a
 * shutdown takes too long, a crash) leaves nothing behind; only kill -9 leaves one in the temp dir.
 */
export function removeOpenResultDirs(): void {
  for (const open of openDirs) {
    try {
      rmSync(open, { recursive: true, force: true });
    } catch {
      // Nothing more can be done on the way out.
    }
  }
  openDirs.clear();
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
