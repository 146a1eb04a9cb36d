import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { openSqliteStorage } from '../../src/core/store/sqlite.ts';

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
});
