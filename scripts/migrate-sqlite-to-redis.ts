/**
 * Copies a SQLite store into Redis, for moving a bot from STORE_URL=sqlite://… to redis://….
 * Stop the bot first (the file must not change underneath), run once into a Redis that holds no
 * bot data yet (audit logs are appended, so a second run would double them), then start the bot on Redis.
 *
 *   node --experimental-sqlite scripts/migrate-sqlite-to-redis.ts ./data/bot.sqlite redis://127.0.0.1:6379
 *
 * Everything goes through the two stores' own Storage code, so the Redis side is laid out exactly
 * as the bot writes it: `transact` records (quota usage, settings, blocks, leases), Keyv records
 * (jobs, recipes, known users; expired ones are skipped, the rest keep their remaining TTL), the
 * audit logs in their order, and the sets (open jobs).
 */
import { DatabaseSync } from 'node:sqlite';
import { openRedisStorage } from '../src/core/store/redis.ts';
import { openSqliteStorage } from '../src/core/store/sqlite.ts';
import type { Storage } from '../src/core/store/storage.ts';

export interface MigrationCounts {
  records: number;
  keyvRecords: number;
  expiredSkipped: number;
  logEntries: number;
  setMembers: number;
}

/** Copies every record of the SQLite file at `sqlitePath` into `target`. */
export async function migrateSqliteToRedis(sqlitePath: string, target: Storage, now: number = Date.now()): Promise<MigrationCounts> {
  const counts: MigrationCounts = { records: 0, keyvRecords: 0, expiredSkipped: 0, logEntries: 0, setMembers: 0 };
  // The listing comes from the raw tables (Storage has no "list everything"); the values through Storage.
  const listing = new DatabaseSync(sqlitePath, { readOnly: true });
  const source = openSqliteStorage(sqlitePath);
  try {
    for (const row of listing.prepare('SELECT ns, key FROM records').all() as Array<{ ns: string; key: string }>) {
      const value = await source.read<unknown>(row.ns, row.key);
      await target.transact(row.ns, row.key, () => ({ next: value, result: undefined }));
      counts.records++;
    }
    for (const { key: fullKey } of listing.prepare('SELECT key FROM keyv').all() as Array<{ key: string }>) {
      // Keyv keys are `<namespace>:<key>`; no namespace of the bot holds a ':'.
      const cut = fullKey.indexOf(':');
      const [namespace, key] = [fullKey.slice(0, cut), fullKey.slice(cut + 1)];
      const stored = await source.keyv<unknown>(namespace).get(key, { raw: true });
      if (!stored || (stored.expires !== undefined && stored.expires !== null && stored.expires <= now)) {
        counts.expiredSkipped++;
        continue;
      }
      const ttl = typeof stored.expires === 'number' ? stored.expires - now : undefined;
      await target.keyv<unknown>(namespace).set(key, stored.value, ttl);
      counts.keyvRecords++;
    }
    // Oldest first: each append puts the entry before the ones already there, as the bot did.
    for (const row of listing.prepare('SELECT stream, value FROM logs ORDER BY seq').all() as Array<{ stream: string; value: string }>) {
      await target.append(row.stream, JSON.parse(row.value) as unknown);
      counts.logEntries++;
    }
    for (const row of listing.prepare('SELECT name, member FROM sets').all() as Array<{ name: string; member: string }>) {
      await target.setAdd(row.name, row.member);
      counts.setMembers++;
    }
    return counts;
  } finally {
    listing.close();
    await source.close();
  }
}

async function runFromCommandLine(): Promise<void> {
  const [sqlitePath = './data/bot.sqlite', redisUrl = process.env.STORE_URL] = process.argv.slice(2);
  if (!redisUrl?.startsWith('redis://') && !redisUrl?.startsWith('rediss://')) {
    process.stderr.write('usage: migrate-sqlite-to-redis.ts [path/to/bot.sqlite] redis://host:6379 (or STORE_URL=redis://…)\n');
    process.exitCode = 2;
    return;
  }
  const target = await openRedisStorage(redisUrl);
  try {
    const counts = await migrateSqliteToRedis(sqlitePath, target);
    process.stdout.write(`migrated: ${JSON.stringify(counts)}\n`);
  } finally {
    await target.close();
  }
}

if (import.meta.main) await runFromCommandLine();
