import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { openSqliteStorage } from '../../src/core/store/sqlite.ts';

const sqliteModule = join(import.meta.dirname, '../../src/core/store/sqlite.ts');

/**
 * A process that adds `job-<from>`…`job-<to - 1>` to the set `jobs-open` in the file at `path`, then
 * removes the even ones of them, interleaving the removes with its own adds still in flight.
 */
async function runSetChild(path: string, from: number, to: number): Promise<void> {
  const script = `
    const { openSqliteStorage } = await import(${JSON.stringify(sqliteModule)});
    const [path, from, to] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    const storage = openSqliteStorage(path);
    const ids = Array.from({ length: to - from }, (_, n) => from + n);
    await Promise.all(ids.map((n) => storage.setAdd('jobs-open', 'job-' + n)));
    await Promise.all(ids.flatMap((n) => (n % 2 === 0 ? [storage.setRemove('jobs-open', 'job-' + n)] : [storage.setAdd('jobs-open', 'job-' + n)])));
    await storage.close();
  `;
  await run(process.execPath, ['--input-type=module', '-e', script, path, String(from), String(to)], { timeout: 15_000 });
}

const run = promisify(execFile);
const child = join(import.meta.dirname, '../fixtures/ledger-child.ts');
const subject = { platform: 'discord' as const, communityId: 'guild-1', userId: 'user-1' };
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function runChild(path: string, prefix: string, attempts: number, limit: number, mode: 'commit' | 'hold') {
  const { stdout } = await run(process.execPath, ['--experimental-sqlite', child, path, prefix, String(attempts), String(limit), mode]);
  return JSON.parse(stdout) as { granted: number; status: { used: number; reserved: number } };
}

describe('SQLite store across processes', () => {
  it('keeps usage after the process that wrote it has exited (restart)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'restart-'));
    const path = join(dir, 'data', 'bot.sqlite');
    const first = await runChild(path, 'first', 3, 10, 'commit');
    expect(first.granted).toBe(3);

    const storage = openSqliteStorage(path);
    const ledger = new QuotaLedger(storage, { limit: 10, window: 'day', timeZone: 'UTC' });
    expect(await ledger.status(subject)).toMatchObject({ used: 3, remaining: 7 });
    await storage.close();

    const second = await runChild(path, 'second', 10, 10, 'commit');
    expect(second.granted).toBe(7);
    expect(second.status).toMatchObject({ used: 10 });
  });

  it('never overspends when several processes reserve at once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'multi-'));
    const path = join(dir, 'bot.sqlite');
    const results = await Promise.all([0, 1, 2, 3].map((n) => runChild(path, `p${n}`, 15, 25, 'hold')));
    expect(results.reduce((sum, r) => sum + r.granted, 0)).toBe(25);
  });

  it('keeps one set of open jobs for several processes adding and removing at once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sets-'));
    const path = join(dir, 'bot.sqlite');
    // Overlapping ranges, so processes add and remove some of the same members.
    await Promise.all([[0, 120], [60, 180], [100, 220], [150, 240]].map(([from, to]) => runSetChild(path, from!, to!)));

    const storage = openSqliteStorage(path);
    const members = await storage.setMembers('jobs-open');
    await storage.close();
    const expected = Array.from({ length: 240 }, (_, n) => n).filter((n) => n % 2 === 1).map((n) => `job-${n}`);
    expect(members.sort()).toEqual(expected.sort());
  });
});
