import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateSqliteToRedis } from '../../scripts/migrate-sqlite-to-redis.ts';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { openRedisStorage } from '../../src/core/store/redis.ts';
import { openSqliteStorage } from '../../src/core/store/sqlite.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { deleteKeys, randomPrefix, REDIS_URL } from '../helpers/redis.ts';

/** The README's "moving from SQLite to Redis": a real SQLite file copied into the real local Redis. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const NOW = new Date('2026-03-01T12:00:00Z');
const subject = { platform: 'telegram', communityId: '-100123', userId: '42' } as const;
const ledgerOptions = { limit: 5, window: 'day', timeZone: 'UTC', now: () => NOW } as const;

async function sqliteFile(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'bot.sqlite');
}

async function redisStore(): Promise<Storage> {
  const prefix = randomPrefix('migrate');
  const storage = await openRedisStorage(REDIS_URL, { prefix });
  cleanups.push(() => deleteKeys(prefix));
  cleanups.push(() => storage.close());
  return storage;
}

describe('migrating a SQLite store to Redis', () => {
  it('carries quota usage, Keyv records with their TTL, audit logs in order and sets', async () => {
    const path = await sqliteFile();
    const sqlite = openSqliteStorage(path);
    const ledger = new QuotaLedger(sqlite, ledgerOptions);
    expect((await ledger.reserve(subject, 'job-1', 2)).ok).toBe(true);
    await ledger.commit(subject, 'job-1', 2);
    await sqlite.keyv<{ prompt: string }>('jobs').set('job-2', { prompt: 'paint it gold' }, 60 * 60 * 1000);
    await sqlite.keyv<string>('telegram-users').set('alice', '7');
    // Already past its TTL: Keyv would never return it, so it is not copied.
    await sqlite.keyv<string>('jobs').set('old', 'gone', 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const n of [1, 2, 3]) await sqlite.append('audit:telegram:-100123', { n });
    await sqlite.setAdd('jobs-open', 'job-2');
    await sqlite.close();

    const redis = await redisStore();
    const counts = await migrateSqliteToRedis(path, redis);

    expect(counts).toMatchObject({ keyvRecords: 2, expiredSkipped: 1, logEntries: 3, setMembers: 1 });
    const status = await new QuotaLedger(redis, ledgerOptions).status(subject);
    expect({ used: status.used, remaining: status.remaining }).toEqual({ used: 2, remaining: 3 });
    expect(await redis.keyv('jobs').get('job-2')).toEqual({ prompt: 'paint it gold' });
    const job = await redis.keyv('jobs').get('job-2', { raw: true });
    expect(job?.expires).toBeGreaterThan(Date.now());
    expect(await redis.keyv('jobs').get('old')).toBeUndefined();
    expect(await redis.keyv('telegram-users').get('alice')).toBe('7');
    expect(await redis.readNewest('audit:telegram:-100123', 0, 10)).toEqual({ entries: [{ n: 3 }, { n: 2 }, { n: 1 }], total: 3 });
    expect(await redis.setMembers('jobs-open')).toEqual(['job-2']);
  });
});
