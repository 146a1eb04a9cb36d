import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { openStorage } from '../../src/core/store/open.ts';
import { openRedisStorage } from '../../src/core/store/redis.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { clientNameFor, deleteKeys, killConnections, randomPrefix, REDIS_URL, releaseTogether } from '../helpers/redis.ts';

const run = promisify(execFile);
const child = join(import.meta.dirname, '../fixtures/redis-ledger-child.ts');
const subject = { platform: 'discord' as const, communityId: 'guild-1', userId: 'user-1' };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newPrefix(label: string): string {
  const prefix = randomPrefix(label);
  cleanups.push(() => deleteKeys(prefix));
  return prefix;
}

async function open(prefix: string): Promise<Storage> {
  const storage = await openRedisStorage(REDIS_URL, { prefix });
  cleanups.push(() => storage.close());
  return storage;
}

type Mode = 'hold' | 'commit' | 'increment';
interface ChildResult {
  readonly granted: number;
  readonly status: { used: number; reserved: number };
}

/** Runs one child per spec on the same prefix, released from the start line together once all are connected. */
async function runTogether(prefix: string, specs: ReadonlyArray<{ label: string; attempts: number; limit?: number; mode: Mode }>): Promise<ChildResult[]> {
  const children = specs.map(async ({ label, attempts, limit = 0, mode }) => {
    const args = [child, REDIS_URL, prefix, label, String(attempts), String(limit), mode];
    const { stdout } = await run(process.execPath, args, { timeout: 15_000 });
    return JSON.parse(stdout) as ChildResult;
  });
  const released = releaseTogether(prefix, specs.length);
  const [results] = await Promise.all([Promise.all(children), released]);
  return results;
}

/** A local port nothing listens on: a Redis that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Redis store across processes', () => {
  it('grants exactly the limit when two processes each fire 100 reservations at once', async () => {
    const prefix = newPrefix('two-procs');
    const results = await runTogether(prefix, [
      { label: 'a', attempts: 100, limit: 5, mode: 'hold' },
      { label: 'b', attempts: 100, limit: 5, mode: 'hold' },
    ]);
    expect(results.reduce((sum, r) => sum + r.granted, 0)).toBe(5);

    const storage = await open(prefix);
    const ledger = new QuotaLedger(storage, { limit: 5, window: 'day', timeZone: 'UTC' });
    expect(await ledger.status(subject)).toMatchObject({ reserved: 5, remaining: 0 });
  });

  it('loses no update when two processes each fire 100 increments of one record at once', async () => {
    const prefix = newPrefix('increments');
    await runTogether(prefix, [
      { label: 'a', attempts: 100, mode: 'increment' },
      { label: 'b', attempts: 100, mode: 'increment' },
    ]);
    const storage = await open(prefix);
    expect(await storage.read('test', 'counter')).toBe(200);
  });

  it('keeps usage after the process that wrote it has exited (restart)', async () => {
    const prefix = newPrefix('restart');
    const [first] = await runTogether(prefix, [{ label: 'first', attempts: 3, limit: 10, mode: 'commit' }]);
    expect(first?.granted).toBe(3);

    const storage = await open(prefix);
    const ledger = new QuotaLedger(storage, { limit: 10, window: 'day', timeZone: 'UTC' });
    expect(await ledger.status(subject)).toMatchObject({ used: 3, remaining: 7 });

    await deleteKeys(`${prefix}test:`); // reset the start line; the ledger's keys stay
    const [second] = await runTogether(prefix, [{ label: 'second', attempts: 10, limit: 10, mode: 'commit' }]);
    expect(second?.granted).toBe(7);
    expect(second?.status).toMatchObject({ used: 10 });
  });
});

describe('Redis store failures', () => {
  it('fails to open with STORE_UNAVAILABLE when nothing answers, without echoing the password', async () => {
    const url = `redis://bot:s3cret-pass@127.0.0.1:${await closedPort()}`;
    const error = await openRedisStorage(url, { prefix: randomPrefix('down'), connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((error as Error).message).toContain('127.0.0.1');
    expect((error as Error).message).not.toContain('s3cret-pass');
    await expect(openStorage(url)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('opens redis:// STORE_URLs through openStorage', async () => {
    const storage = await openStorage(REDIS_URL);
    cleanups.push(() => storage.close());
    expect(storage.kind).toBe('redis');
  });

  it('never answers "nothing stored" while its connection is dropped, and recovers after reconnecting', async () => {
    const prefix = newPrefix('drop');
    const storage = await open(prefix);
    const jobs = storage.keyv<{ state: string }>('jobs');
    const ledger = new QuotaLedger(storage, { limit: 5, window: 'day', timeZone: 'UTC' });
    await jobs.set('a', { state: 'done' });
    expect((await ledger.reserve(subject, 'before', 2)).ok).toBe(true);

    expect(await killConnections(clientNameFor(prefix))).toBe(1);

    // Each read either fails closed or, once reconnected, finds what was stored.
    let recovered = false;
    for (let attempt = 0; attempt < 200 && !recovered; attempt++) {
      let answer: { state: string } | undefined;
      try {
        answer = await jobs.get('a');
      } catch (error) {
        expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        await new Promise((resolve) => setTimeout(resolve, 25));
        continue;
      }
      expect(answer).toEqual({ state: 'done' }); // never undefined: that would let a lost job run again
      recovered = true;
    }
    expect(recovered).toBe(true);
    expect(await ledger.status(subject)).toMatchObject({ reserved: 2, remaining: 3 });
    expect((await ledger.reserve(subject, 'after', 3)).ok).toBe(true);
  });

  it('denies a reservation with STORE_UNAVAILABLE once its store is gone', async () => {
    const prefix = newPrefix('deny');
    const storage = await open(prefix);
    const ledger = new QuotaLedger(storage, { limit: 5, window: 'day', timeZone: 'UTC' });
    await storage.close();
    await expect(ledger.reserve(subject, 'job', 1)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
