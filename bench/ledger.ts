// Quota ledger throughput: one reservation and its commit per job, one after another, on each store.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { QuotaLedger } from '../src/core/quota/ledger.ts';
import { createMemoryStorage } from '../src/core/store/memory.ts';
import { openRedisStorage } from '../src/core/store/redis.ts';
import { openSqliteStorage } from '../src/core/store/sqlite.ts';
import type { Storage } from '../src/core/store/storage.ts';
import { deleteKeys, REDIS_URL } from '../test/helpers/redis.ts';

export interface LedgerFigure {
  readonly store: string;
  readonly perSecond: number;
  readonly microsEach: number;
}

async function throughput(store: string, storage: Storage, n: number): Promise<LedgerFigure> {
  const ledger = new QuotaLedger(storage, { limit: n * 2, window: 'day', timeZone: 'UTC' });
  const subject = { platform: 'telegram' as const, communityId: null, userId: '1' };
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    await ledger.reserve(subject, `j${i}`, 1);
    await ledger.commit(subject, `j${i}`, 1);
  }
  const ms = performance.now() - start;
  return { store, perSecond: Math.round((n / ms) * 1000), microsEach: Math.round((ms / n) * 1000) };
}

/** Memory, a SQLite file in `dir`, and the Redis at REDIS_URL (under a prefix of its own, deleted after). */
export async function ledgerFigures(dir: string): Promise<LedgerFigure[]> {
  const figures: LedgerFigure[] = [];
  const memory = createMemoryStorage();
  figures.push(await throughput('memory', memory, 20_000).finally(() => memory.close()));
  const sqlite = openSqliteStorage(join(dir, 'ledger.sqlite'));
  figures.push(await throughput('SQLite file', sqlite, 5_000).finally(() => sqlite.close()));
  const prefix = `bench-${randomBytes(6).toString('hex')}:`;
  try {
    const redis = await openRedisStorage(REDIS_URL, { prefix });
    figures.push(await throughput(`Redis (${new URL(REDIS_URL).host})`, redis, 5_000).finally(() => redis.close()));
  } finally {
    await deleteKeys(prefix);
  }
  return figures;
}
