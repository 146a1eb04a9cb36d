import { afterEach, describe, expect, it } from 'vitest';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import type { QuotaSubject } from '../../src/core/quota/subject.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { Storage } from '../../src/core/store/storage.ts';

const bob: QuotaSubject = { platform: 'discord', communityId: 'guild', userId: 'bob' };
let storage: Storage;
afterEach(() => storage.close());

/** A ledger in Europe/Berlin whose clock the test moves. */
function berlinLedger(start: string, window: 'day' | 'week' | 'month' = 'day') {
  storage = createMemoryStorage();
  const clock = { now: new Date(start) };
  const ledger = new QuotaLedger(storage, { limit: 2, window, timeZone: 'Europe/Berlin', now: () => clock.now });
  const use = async (id: string, n = 2) => {
    expect((await ledger.reserve(bob, id, n)).ok).toBe(true);
    await ledger.commit(bob, id, n);
  };
  return { ledger, clock, use };
}

describe('window rollover in Europe/Berlin across daylight-saving changes', () => {
  it('the 25-hour day when summer time ends (25 Oct 2026) resets at local midnight, not after 24 hours', async () => {
    // 23:30 on 24 Oct in Berlin (CEST, UTC+2).
    const { ledger, clock, use } = berlinLedger('2026-10-24T21:30:00Z');
    await use('sat');
    expect((await ledger.reserve(bob, 'sat-more', 1)).ok).toBe(false);

    clock.now = new Date('2026-10-24T22:00:01Z'); // 00:00:01 on 25 Oct: a new day
    const sunday = await ledger.status(bob);
    expect(sunday).toMatchObject({ used: 0, remaining: 2 });
    // The clocks go back at 03:00, so 25 Oct ends at 23:00 UTC, 25 hours after it began.
    expect(sunday.resetsAt.toISOString()).toBe('2026-10-25T23:00:00.000Z');
    await use('sun');

    clock.now = new Date('2026-10-25T22:30:00Z'); // 23:30 local, still 25 Oct (24.5 h into the day)
    expect(await ledger.status(bob)).toMatchObject({ used: 2, remaining: 0 });
    expect((await ledger.reserve(bob, 'sun-late', 1)).ok).toBe(false);

    clock.now = new Date('2026-10-25T23:00:00Z'); // 00:00 on 26 Oct, CET
    expect(await ledger.status(bob)).toMatchObject({ used: 0, remaining: 2 });
    expect((await ledger.reserve(bob, 'mon', 1)).ok).toBe(true);
  });

  it('the 23-hour day when summer time starts (29 Mar 2026) resets an hour earlier in UTC', async () => {
    const { ledger, clock, use } = berlinLedger('2026-03-29T00:30:00Z'); // 01:30 CET on 29 Mar
    await use('a');
    expect((await ledger.status(bob)).resetsAt.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    clock.now = new Date('2026-03-29T21:59:59Z'); // 23:59:59 CEST
    expect((await ledger.status(bob)).used).toBe(2);
    clock.now = new Date('2026-03-29T22:00:00Z'); // midnight CEST: 23 hours after the day began
    expect((await ledger.status(bob)).used).toBe(0);
  });

  it('a weekly window spanning the change still ends at local midnight on Monday', async () => {
    const { ledger, clock, use } = berlinLedger('2026-10-20T10:00:00Z', 'week');
    await use('tue');
    expect((await ledger.status(bob)).resetsAt.toISOString()).toBe('2026-10-25T23:00:00.000Z');
    clock.now = new Date('2026-10-25T22:59:59Z');
    expect((await ledger.status(bob)).used).toBe(2);
    clock.now = new Date('2026-10-25T23:00:00Z');
    expect((await ledger.status(bob)).used).toBe(0);
  });

  it('a job reserved before midnight and delivered after it is not charged to the new day', async () => {
    const { ledger, clock } = berlinLedger('2026-10-24T21:59:00Z');
    expect((await ledger.reserve(bob, 'late', 2)).ok).toBe(true);
    clock.now = new Date('2026-10-24T22:01:00Z');
    // The new day's allowance is whole: the hold belongs to yesterday's.
    expect(await ledger.status(bob)).toMatchObject({ used: 0, remaining: 2, reserved: 2 });
    await ledger.commit(bob, 'late', 2);
    expect(await ledger.status(bob)).toMatchObject({ used: 0, remaining: 2, reserved: 0 });
  });
});
