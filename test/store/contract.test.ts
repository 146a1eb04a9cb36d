import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import { openRedisStorage } from '../../src/core/store/redis.ts';
import { openSqliteStorage } from '../../src/core/store/sqlite.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { deleteKeys, randomPrefix, REDIS_URL } from '../helpers/redis.ts';

/** The one contract every Storage backend keeps (DESIGN.md: one contract suite per interface). */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openRedis(prefix = randomPrefix('contract')): Promise<Storage> {
  cleanups.push(() => deleteKeys(prefix));
  return openRedisStorage(REDIS_URL, { prefix });
}

const backends: Array<[string, () => Promise<Storage>]> = [
  ['memory', async () => createMemoryStorage()],
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return openSqliteStorage(join(dir, 'bot.sqlite'));
    },
  ],
  ['redis', () => openRedis()],
];

const alice = { platform: 'discord' as const, communityId: 'guild-1', userId: 'alice' };

describe.each(backends)('the %s store', (kind, openBackend) => {
  async function open(): Promise<Storage> {
    const storage = await openBackend();
    cleanups.push(() => storage.close());
    return storage;
  }

  it(`says it is ${kind}`, async () => {
    expect((await open()).kind).toBe(kind);
  });

  it('round-trips Keyv records per namespace, and namespaces never see each other', async () => {
    const storage = await open();
    const jobs = storage.keyv<{ state: string; n: number }>('jobs');
    const other = storage.keyv<{ state: string; n: number }>('sessions');
    await jobs.set('a', { state: 'done', n: 1 });
    await other.set('a', { state: 'open', n: 2 });
    expect(await jobs.get('a')).toEqual({ state: 'done', n: 1 });
    expect(await other.get('a')).toEqual({ state: 'open', n: 2 });
    expect(await jobs.has('a')).toBe(true);
    expect(await jobs.get('missing')).toBeUndefined();

    expect(await jobs.delete('a')).toBe(true);
    expect(await jobs.get('a')).toBeUndefined();
    expect(await jobs.has('a')).toBe(false);
    expect(await other.get('a')).toEqual({ state: 'open', n: 2 });
    // A second Keyv on the same namespace sees the same records.
    expect(await storage.keyv('sessions').get('a')).toEqual({ state: 'open', n: 2 });
  });

  it('clears one namespace without touching another, whichever was opened last', async () => {
    const storage = await open();
    const jobs = storage.keyv<number>('jobs');
    const sessions = storage.keyv<number>('sessions');
    await jobs.set('x', 1);
    await sessions.set('y', 2);
    await jobs.clear();
    expect(await jobs.get('x')).toBeUndefined();
    expect(await sessions.get('y')).toBe(2);
  });

  it('creates, updates and deletes a record with transact, returning what the update says', async () => {
    const storage = await open();
    const seen: Array<number | undefined> = [];
    const step = (next: number | undefined) =>
      storage.transact<{ n: number }, string>('counters', 'k', (current) => {
        seen.push(current?.n);
        return { next: next === undefined ? undefined : { n: next }, result: `was ${current?.n ?? 'nothing'}` };
      });
    expect(await step(1)).toBe('was nothing');
    expect(await storage.read('counters', 'k')).toEqual({ n: 1 });
    expect(await step(2)).toBe('was 1');
    expect(await storage.read('counters', 'k')).toEqual({ n: 2 });
    expect(await step(undefined)).toBe('was 2');
    expect(await storage.read('counters', 'k')).toBeUndefined();
    expect(seen).toEqual([undefined, 1, 2]);
    // Same key in another namespace is another record.
    expect(await storage.read('other', 'k')).toBeUndefined();
  });

  it('reads a record that was never written as undefined', async () => {
    const storage = await open();
    expect(await storage.read('counters', 'never')).toBeUndefined();
  });

  it('loses no update among 200 concurrent increments of one record', async () => {
    const storage = await open();
    const increment = () =>
      storage.transact<number, number>('counters', 'hot', (current) => {
        const next = (current ?? 0) + 1;
        return { next, result: next };
      });
    const results = await Promise.all(Array.from({ length: 200 }, increment));
    expect(await storage.read('counters', 'hot')).toBe(200);
    expect(new Set(results).size).toBe(200); // every transaction saw a different value
  });

  it('grants exactly 5 of 200 concurrent reservations by one user against a limit of 5', async () => {
    const storage = await open();
    const ledger = new QuotaLedger(storage, { limit: 5, window: 'day', timeZone: 'UTC' });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => ledger.reserve(alice, `job-${i}`, 1)));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(await ledger.status(alice)).toMatchObject({ reserved: 5, remaining: 0 });
  });

  it('reads a log back newest first, in pages, with the total, one stream apart from another', async () => {
    const storage = await open();
    for (let n = 1; n <= 5; n++) await storage.append('audit:guild-1', { n, who: 'mod' });
    await storage.append('audit:guild-2', { n: 99, who: 'other' });

    expect(await storage.readNewest('audit:guild-1', 0, 2)).toEqual({ entries: [{ n: 5, who: 'mod' }, { n: 4, who: 'mod' }], total: 5 });
    expect(await storage.readNewest('audit:guild-1', 2, 2)).toEqual({ entries: [{ n: 3, who: 'mod' }, { n: 2, who: 'mod' }], total: 5 });
    expect(await storage.readNewest('audit:guild-1', 4, 10)).toEqual({ entries: [{ n: 1, who: 'mod' }], total: 5 });
    expect(await storage.readNewest('audit:guild-1', 5, 10)).toEqual({ entries: [], total: 5 });
    expect(await storage.readNewest('audit:guild-1', 0, 0)).toEqual({ entries: [], total: 5 });
    expect(await storage.readNewest('audit:guild-2', 0, 10)).toEqual({ entries: [{ n: 99, who: 'other' }], total: 1 });
    expect(await storage.readNewest('audit:nobody', 0, 10)).toEqual({ entries: [], total: 0 });
  });

  it('keeps every one of many concurrent appends', async () => {
    const storage = await open();
    await Promise.all(Array.from({ length: 50 }, (_, n) => storage.append('audit:busy', { n })));
    const page = await storage.readNewest<{ n: number }>('audit:busy', 0, 100);
    expect(page.total).toBe(50);
    expect(page.entries.map((e) => e.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, n) => n));
  });

  it('refuses a page with a negative or fractional offset or limit', async () => {
    const storage = await open();
    await expect(storage.readNewest('audit:x', -1, 5)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(storage.readNewest('audit:x', 0, 1.5)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('adds and removes set members idempotently, one set apart from another', async () => {
    const storage = await open();
    expect(await storage.setMembers('jobs-open')).toEqual([]);
    await storage.setAdd('jobs-open', 'a');
    await storage.setAdd('jobs-open', 'b');
    await storage.setAdd('jobs-open', 'a'); // adding twice keeps one
    await storage.setAdd('other', 'c');
    expect(sorted(await storage.setMembers('jobs-open'))).toEqual(['a', 'b']);
    await storage.setRemove('jobs-open', 'a');
    await storage.setRemove('jobs-open', 'a'); // removing twice, or a stranger, is harmless
    await storage.setRemove('jobs-open', 'stranger');
    expect(await storage.setMembers('jobs-open')).toEqual(['b']);
    expect(await storage.setMembers('other')).toEqual(['c']);
    await storage.setRemove('jobs-open', 'b');
    expect(await storage.setMembers('jobs-open')).toEqual([]);
  });

  it('keeps every concurrent add and drops every concurrent remove, from many callers at once', async () => {
    const storage = await open();
    const ids = Array.from({ length: 100 }, (_, n) => `job-${n}`);
    await Promise.all([...ids, ...ids].map((id) => storage.setAdd('jobs-open', id)));
    expect(sorted(await storage.setMembers('jobs-open'))).toEqual(sorted(ids));

    const finished = ids.filter((_, n) => n % 2 === 0);
    const late = Array.from({ length: 50 }, (_, n) => `late-${n}`);
    await Promise.all([
      ...finished.map((id) => storage.setRemove('jobs-open', id)),
      ...late.map((id) => storage.setAdd('jobs-open', id)),
      ...finished.map((id) => storage.setRemove('jobs-open', id)),
    ]);
    const stillOpen = ids.filter((_, n) => n % 2 === 1);
    expect(sorted(await storage.setMembers('jobs-open'))).toEqual(sorted([...stillOpen, ...late]));
  });

  it('fails closed once closed: Keyv, transact, read and the log reject with STORE_UNAVAILABLE', async () => {
    const storage = await open();
    const jobs = storage.keyv<string>('jobs');
    await jobs.set('a', 'done');
    await storage.transact<number, void>('counters', 'k', () => ({ next: 1, result: undefined }));
    await storage.append('audit:a', { n: 1 });
    await storage.setAdd('jobs-open', 'a');
    await storage.close();
    await storage.close(); // closing twice is harmless

    const unavailable = { code: 'STORE_UNAVAILABLE' };
    await expect(jobs.get('a')).rejects.toMatchObject(unavailable);
    await expect(jobs.set('b', 'x')).rejects.toMatchObject(unavailable);
    await expect(storage.transact<number, void>('counters', 'k', () => ({ next: 2, result: undefined }))).rejects.toMatchObject(unavailable);
    await expect(storage.read('counters', 'k')).rejects.toMatchObject(unavailable);
    await expect(storage.append('audit:a', { n: 2 })).rejects.toMatchObject(unavailable);
    await expect(storage.readNewest('audit:a', 0, 10)).rejects.toMatchObject(unavailable);
    await expect(storage.setAdd('jobs-open', 'x')).rejects.toMatchObject(unavailable);
    await expect(storage.setRemove('jobs-open', 'x')).rejects.toMatchObject(unavailable);
    await expect(storage.setMembers('jobs-open')).rejects.toMatchObject(unavailable);
  });
});

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}
