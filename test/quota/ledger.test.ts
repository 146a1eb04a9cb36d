import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import type { QuotaSubject } from '../../src/core/quota/subject.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import { openSqliteStorage } from '../../src/core/store/sqlite.ts';
import type { Storage } from '../../src/core/store/storage.ts';

const alice: QuotaSubject = { platform: 'telegram', communityId: null, userId: '1' };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const backends: Array<[string, () => Storage]> = [
  ['memory', () => createMemoryStorage()],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
      const storage = openSqliteStorage(join(dir, 'bot.sqlite'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return storage;
    },
  ],
];

describe.each(backends)('QuotaLedger on %s', (_name, open) => {
  function ledger(limit: number, now = () => new Date('2026-11-21T12:00:00Z')) {
    const storage = open();
    cleanups.push(() => storage.close());
    return new QuotaLedger(storage, { limit, window: 'day', timeZone: 'UTC', now });
  }

  it('grants exactly the limit to 50 concurrent reservations', async () => {
    const l = ledger(3);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => l.reserve(alice, `job-${i}`, 1)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const status = await l.status(alice);
    expect(status).toMatchObject({ used: 0, reserved: 3, remaining: 0 });
  });

  it('charges only what was delivered, once', async () => {
    const l = ledger(10);
    await l.reserve(alice, 'a', 4);
    expect((await l.status(alice)).remaining).toBe(6);
    await l.commit(alice, 'a', 2);
    await l.commit(alice, 'a', 2);
    await l.refund(alice, 'a');
    expect(await l.status(alice)).toMatchObject({ used: 2, reserved: 0, remaining: 8 });
  });

  it('refunds exactly once and a repeated reservation id holds nothing more', async () => {
    const l = ledger(5);
    await l.reserve(alice, 'a', 2);
    await l.reserve(alice, 'a', 2);
    expect((await l.status(alice)).reserved).toBe(2);
    await l.refund(alice, 'a');
    await l.refund(alice, 'a');
    expect(await l.status(alice)).toMatchObject({ used: 0, reserved: 0, remaining: 5 });
  });

  it('refuses a reservation larger than what is left, and keeps users and communities apart', async () => {
    const l = ledger(3);
    expect((await l.reserve(alice, 'a', 2)).ok).toBe(true);
    const denied = await l.reserve(alice, 'b', 2);
    expect(denied).toMatchObject({ ok: false, quota: { remaining: 1 } });
    expect((await l.reserve({ ...alice, communityId: '-100' }, 'c', 3)).ok).toBe(true);
    expect((await l.reserve({ ...alice, userId: '2' }, 'd', 3)).ok).toBe(true);
  });

  it('returns what was not delivered: 4 held, 2 delivered, 2 back', async () => {
    const l = ledger(10);
    expect((await l.reserve(alice, 'job', 4)).ok).toBe(true);
    expect(await l.previewCommit(alice, 'job', 2)).toMatchObject({ used: 2, reserved: 0, remaining: 8 });
    expect(await l.status(alice)).toMatchObject({ used: 0, reserved: 4 }); // the preview changed nothing
    await l.commit(alice, 'job', 2);
    expect(await l.status(alice)).toMatchObject({ used: 2, reserved: 0, remaining: 8 });
  });

  it('never charges a settled job again: a repeated reserve is refused as settled', async () => {
    const l = ledger(10);
    await l.reserve(alice, 'job', 2);
    await l.commit(alice, 'job', 2);
    expect(await l.reserve(alice, 'job', 2)).toMatchObject({ ok: false, reason: 'settled' });
    await l.refund(alice, 'job');
    expect(await l.status(alice)).toMatchObject({ used: 2, reserved: 0, remaining: 8 });
  });

  it('starts again in the next window', async () => {
    let now = new Date('2026-11-21T23:59:00Z');
    const l = ledger(2, () => now);
    await l.reserve(alice, 'a', 2);
    await l.commit(alice, 'a', 2);
    expect((await l.reserve(alice, 'b', 1)).ok).toBe(false);
    now = new Date('2026-11-22T00:00:01Z');
    const status = await l.status(alice);
    expect(status).toMatchObject({ used: 0, remaining: 2 });
    expect(status.resetsAt.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect((await l.reserve(alice, 'b', 1)).ok).toBe(true);
  });
});
