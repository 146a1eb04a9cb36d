import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Keyv } from 'keyv';
import { afterEach, beforeEach } from 'vitest';
import { BotError } from '../../src/core/errors.ts';
import type { DownloadPolicy } from '../../src/core/http/download-policy.ts';
import type { ImageSource } from '../../src/core/images/image.ts';
import { JobRunner, type RunnerOptions } from '../../src/core/jobs/runner.ts';
import type { Delivery, JobRecord, JobSink, ProgressEvent } from '../../src/core/jobs/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createFalProvider } from '../../src/core/providers/fal.ts';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import { openRedisStorage } from '../../src/core/store/redis.ts';
import { openSqliteStorage } from '../../src/core/store/sqlite.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import type { FalScript } from '../helpers/fake-fal-types.ts';
import { deleteKeys, randomPrefix, REDIS_URL } from '../helpers/redis.ts';

/**
 * Pieces for the restart tests: runners on a shared store (a real SQLite file opened once per
 * "process"), a store handle that can be cut as if its process died, and recording sinks.
 */

export const FAL_KEY = 'restart-test-key-000';
/** The fakes serve on loopback, which only a configured host may use. */
export const LOOPBACK_DOWNLOADS: DownloadPolicy = { publicHosts: 'any', configuredHosts: ['127.0.0.1'] };
const fastRetry = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 };

export function falProvider(queueUrl: string) {
  const retry = { submit: fastRetry, status: fastRetry, result: fastRetry, cancel: fastRetry };
  return createFalProvider({ name: 'fal', key: FAL_KEY, queueUrl, model: 'fal-ai/nano-banana/edit', textModel: 'fal-ai/nano-banana', retry });
}

/** A shared store; each `open()` is one more "process" on it. */
export interface SharedStore {
  open(): Promise<Storage>;
  cleanup(): Promise<void>;
}

/** Keys under a fresh prefix of the test Redis; each `open()` is one more connection ("process"). */
export function redisStore(): SharedStore {
  const prefix = randomPrefix('restart');
  const opened: Storage[] = [];
  return {
    async open() {
      const storage = await openRedisStorage(REDIS_URL, { prefix });
      opened.push(storage);
      return storage;
    },
    async cleanup() {
      for (const storage of opened) await storage.close().catch(() => undefined);
      await deleteKeys(prefix);
    },
  };
}

/** The shared stores the restart tests run on: a real SQLite file, and Redis. */
export const SHARED_STORES: ReadonlyArray<readonly [string, () => SharedStore]> = [
  ['a SQLite file', () => sqliteFile()],
  ['Redis', () => redisStore()],
];

/** A SQLite file in a fresh directory; each `open()` is one more "process" on it. */
export function sqliteFile(): SharedStore {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-restart-'));
  const opened: Storage[] = [];
  return {
    async open() {
      const storage = openSqliteStorage(join(dir, 'bot.sqlite'));
      opened.push(storage);
      return storage;
    },
    async cleanup() {
      for (const storage of opened) await storage.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A store handle whose process can "die": after `cut()`, every call fails as if the store were gone,
 * so the runner on it can neither renew its leases nor move its jobs on (nor refund them).
 */
export function cuttable(storage: Storage): { storage: Storage; cut(): void } {
  let cut = false;
  const gone = (): Promise<never> => Promise.reject(new BotError('STORE_UNAVAILABLE', 'this process is gone'));
  const wrapped: Storage = {
    kind: storage.kind,
    keyv<T>(namespace: string) {
      const keyv = storage.keyv<T>(namespace);
      return new Proxy(keyv, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (typeof value !== 'function' || !['get', 'set', 'delete', 'has', 'clear'].includes(String(prop))) return value;
          return (...args: unknown[]) => (cut ? gone() : (value as (...a: unknown[]) => unknown).apply(target, args));
        },
      }) as Keyv<T>;
    },
    transact: (namespace, key, update) => (cut ? gone() : storage.transact(namespace, key, update)),
    read: (namespace, key) => (cut ? gone() : storage.read(namespace, key)),
    append: (stream, entry) => (cut ? gone() : storage.append(stream, entry)),
    readNewest: (stream, offset, limit) => (cut ? gone() : storage.readNewest(stream, offset, limit)),
    setAdd: (set, member) => (cut ? gone() : storage.setAdd(set, member)),
    setRemove: (set, member) => (cut ? gone() : storage.setRemove(set, member)),
    setMembers: (set) => (cut ? gone() : storage.setMembers(set)),
    close: () => storage.close(),
  };
  return { storage: wrapped, cut: () => void (cut = true) };
}

/**
 * A fake fal (FAL_KEY, with `script`) and a memory store, new for every test of the file that calls
 * this at its top level; read them as `world.fal` and `world.storage` inside the tests.
 */
export function falAndMemoryStorePerTest(script?: Partial<FalScript>): { readonly fal: FakeFal; readonly storage: Storage } {
  const world = {} as { fal: FakeFal; storage: Storage };
  beforeEach(async () => {
    world.fal = await startFakeFal({ key: FAL_KEY, ...(script ? { script } : {}) });
    world.storage = createMemoryStorage();
  });
  afterEach(async () => {
    await world.fal.close();
    await world.storage.close();
  });
  return world;
}

/** One "process": a runner and its ledger on `storage`. */
export function runnerOn(storage: Storage, falUrl: string, options: Partial<RunnerOptions> = {}) {
  const ledger = new QuotaLedger(storage, { limit: 10, window: 'day', timeZone: 'UTC' });
  const runner = new JobRunner({
    storage,
    ledger,
    providers: [falProvider(falUrl)],
    logger: silentLogger,
    poll: { initialMs: 5, maxMs: 20, factor: 1.5 },
    downloadPolicy: LOOPBACK_DOWNLOADS,
    maxJobsPerUser: 0,
    userCooldownMs: 0,
    ...options,
  });
  return { runner, ledger };
}

/** A sink that records what the adapter would have shown and delivered; `deliver` may be replaced. */
export function recordingSink(deliver?: (d: Delivery) => Promise<number>) {
  const events: ProgressEvent[] = [];
  const deliveries: Delivery[] = [];
  const sink: JobSink = {
    progress: async (e) => void events.push(e),
    deliver: deliver ?? (async (d) => (deliveries.push(d), d.images.length)),
  };
  return { sink, events, deliveries };
}

export const imageSource = (bytes: Buffer): ImageSource => ({ declaredBytes: bytes.length, load: async () => bytes });

/** An input whose download never ends until the job is aborted (a job that has not reached a provider). */
export function stuckSource(): { source: ImageSource; loading: Promise<void> } {
  let started!: () => void;
  const loading = new Promise<void>((resolve) => (started = resolve));
  const source: ImageSource = {
    load: (signal) =>
      new Promise<Buffer>((_, reject) => {
        started();
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  };
  return { source, loading };
}

const jobRecords = new WeakMap<Storage, Keyv<JobRecord>>();
export async function recordOf(storage: Storage, id: string): Promise<JobRecord | undefined> {
  let records = jobRecords.get(storage);
  if (!records) jobRecords.set(storage, (records = storage.keyv<JobRecord>('jobs')));
  return records.get(id);
}

/** Polls `check` until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
