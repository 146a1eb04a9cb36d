import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import { openSqliteStorage } from '../../src/core/store/sqlite.ts';
import type { Storage } from '../../src/core/store/storage.ts';

/**
 * Keyv drops an expired record only when it is read, so a finished job nobody reads again would stay
 * forever; `sweepExpired` deletes such records. The clock is Date only (faked), so nothing waits.
 */

const WEEK_MS = 7 * 24 * 60 * 60 * 1000; // as finished job records are kept (src/core/jobs/repository.ts)

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sqliteFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'store-sweep-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'bot.sqlite');
}

/** The Keyv rows as they are in the file, read over a connection of its own. */
function rowsIn(path: string): string[] {
  const db = new DatabaseSync(path);
  try {
    return (db.prepare('SELECT key FROM keyv ORDER BY key').all() as Array<{ key: string }>).map((row) => row.key);
  } finally {
    db.close();
  }
}

/** Writes a finished record (kept a week) and an unfinished one (kept forever), then moves the clock past the week. */
async function finishedAndOpenJobs(storage: Storage): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
  const jobs = storage.keyv<{ state: string }>('jobs');
  await jobs.set('finished', { state: 'done' }, WEEK_MS);
  await jobs.set('recent', { state: 'done' }, WEEK_MS + 60_000);
  await jobs.set('open', { state: 'running' });
  vi.setSystemTime(Date.now() + WEEK_MS + 1000);
}

describe('sweeping expired records', () => {
  it('deletes an expired job row from the SQLite file and keeps the unexpired ones', async () => {
    const path = sqliteFile();
    const storage = openSqliteStorage(path);
    cleanups.push(() => storage.close());
    await finishedAndOpenJobs(storage);
    expect(rowsIn(path)).toEqual(['jobs:finished', 'jobs:open', 'jobs:recent']);

    expect(await storage.sweepExpired?.()).toBe(1);
    expect(rowsIn(path)).toEqual(['jobs:open', 'jobs:recent']);
    const jobs = storage.keyv<{ state: string }>('jobs');
    expect(await jobs.get('recent')).toEqual({ state: 'done' });
    expect(await jobs.get('open')).toEqual({ state: 'running' });
    expect(await storage.sweepExpired?.()).toBe(0); // nothing left to sweep
  });

  it('leaves a SQLite row alone that is not Keyv JSON, and still sweeps the rest', async () => {
    const path = sqliteFile();
    const storage = openSqliteStorage(path);
    cleanups.push(() => storage.close());
    await finishedAndOpenJobs(storage);
    const db = new DatabaseSync(path);
    db.prepare('INSERT INTO keyv (key, value) VALUES (?, ?), (?, ?)').run('odd:raw', '{not json', 'odd:text', '"expires"');
    db.close();

    expect(await storage.sweepExpired?.()).toBe(1);
    expect(rowsIn(path)).toEqual(['jobs:open', 'jobs:recent', 'odd:raw', 'odd:text']);
  });

  it('deletes an expired record from memory and keeps the unexpired ones', async () => {
    const storage = createMemoryStorage();
    cleanups.push(() => storage.close());
    await finishedAndOpenJobs(storage);
    const jobs = storage.keyv<{ state: string }>('jobs');
    // Keyv's own reads already hide an expired entry, so look at what the map under it holds.
    const stored = () => [...(jobs.store as Map<string, unknown>).keys()].sort();
    expect(stored()).toEqual(['jobs:finished', 'jobs:open', 'jobs:recent']);

    expect(await storage.sweepExpired?.()).toBe(1);
    expect(stored()).toEqual(['jobs:open', 'jobs:recent']);
    expect(await jobs.get('recent')).toEqual({ state: 'done' });
    expect(await jobs.get('open')).toEqual({ state: 'running' });
    expect(await storage.sweepExpired?.()).toBe(0);
  });

  it('fails closed once the store is closed', async () => {
    const storage = openSqliteStorage(sqliteFile());
    await storage.close();
    await expect(storage.sweepExpired?.()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const memory = createMemoryStorage();
    await memory.close();
    await expect(memory.sweepExpired?.()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
