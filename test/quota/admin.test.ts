import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QuotaAdmin } from '../../src/core/quota/admin.ts';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import type { QuotaScope } from '../../src/core/quota/settings.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { Storage } from '../../src/core/store/storage.ts';

const guildA: QuotaScope = { platform: 'discord', communityId: 'A' };
const guildB: QuotaScope = { platform: 'discord', communityId: 'B' };
const discordWide: QuotaScope = { platform: 'discord', communityId: null };
const mod = { userId: 'mod', name: '@mod' };
const alice = { userId: 'alice', name: '@alice' };
const inA = { ...guildA, userId: 'alice' };
const inB = { ...guildB, userId: 'alice' };
const inDm = { ...discordWide, userId: 'alice' };

let storage: Storage;
let ledger: QuotaLedger;
let admin: QuotaAdmin;
let clock: number;
beforeEach(() => {
  storage = createMemoryStorage();
  clock = Date.parse('2026-11-21T12:00:00Z');
  ledger = new QuotaLedger(storage, { limit: 10, window: 'day', timeZone: 'UTC', now: () => new Date(clock) });
  admin = new QuotaAdmin(storage, ledger, () => clock);
});
afterEach(() => storage.close());

describe('limit resolution: user override → community default → platform default → QUOTA_LIMIT', () => {
  it('takes the most specific limit that is set, and says where it came from', async () => {
    expect(await ledger.status(inA)).toMatchObject({ limit: 10, limitSource: 'config' });
    await admin.setDefault(discordWide, mod, 4);
    expect(await ledger.status(inA)).toMatchObject({ limit: 4, limitSource: 'platform' });
    expect(await ledger.status(inDm)).toMatchObject({ limit: 4, limitSource: 'platform' });
    await admin.setDefault(guildA, mod, 6);
    expect(await ledger.status(inA)).toMatchObject({ limit: 6, limitSource: 'community' });
    expect(await ledger.status(inB)).toMatchObject({ limit: 4, limitSource: 'platform' });
    await admin.setLimit(guildA, mod, alice, 1);
    expect(await ledger.status(inA)).toMatchObject({ limit: 1, limitSource: 'user' });
    expect((await ledger.reserve(inA, 'j1', 2)).ok).toBe(false);
    await admin.setLimit(guildA, mod, alice, null);
    expect(await ledger.status(inA)).toMatchObject({ limit: 6, limitSource: 'community' });
    await admin.setDefault(guildA, mod, null);
    expect(await ledger.status(inA)).toMatchObject({ limit: 4, limitSource: 'platform' });
  });

  it('a limit of 0 is a limit, not "unset"', async () => {
    await admin.setDefault(guildA, mod, 0);
    expect(await ledger.reserve(inA, 'j', 1)).toMatchObject({ ok: false, reason: 'exhausted', quota: { limit: 0 } });
  });
});

describe('bonus credits', () => {
  it('are spent only after the window allowance, and kept across windows until spent', async () => {
    await admin.setLimit(guildA, mod, alice, 2);
    await admin.grant(guildA, mod, alice, 3);
    expect(await ledger.status(inA)).toMatchObject({ remaining: 2, bonus: 3 });

    const reserved = await ledger.reserve(inA, 'four', 4); // 2 from the allowance, 2 bonus
    expect(reserved).toMatchObject({ ok: true, quota: { remaining: 0, bonus: 1, reserved: 4 } });
    await ledger.commit(inA, 'four', 3); // 2 allowance + 1 bonus charged, 1 bonus back
    expect(await ledger.status(inA)).toMatchObject({ used: 2, remaining: 0, bonus: 2, reserved: 0 });

    expect(await ledger.reserve(inA, 'three', 3)).toMatchObject({ ok: false, reason: 'exhausted' });
    clock = Date.parse('2026-11-22T12:00:00Z'); // next day: allowance again, bonus still there
    expect(await ledger.status(inA)).toMatchObject({ used: 0, remaining: 2, bonus: 2 });
    await ledger.reserve(inA, 'next', 3);
    await ledger.refund(inA, 'next');
    expect(await ledger.status(inA)).toMatchObject({ used: 0, remaining: 2, bonus: 2 });
  });
});

describe('blocks', () => {
  it('a community block refuses reservations there only; unblocking lifts it', async () => {
    await admin.block(guildA, mod, alice, 'spam');
    expect(await ledger.reserve(inA, 'j', 1)).toMatchObject({ ok: false, reason: 'blocked', quota: { blocked: { scope: 'community', reason: 'spam' } } });
    expect((await ledger.reserve(inB, 'j', 1)).ok).toBe(true);
    expect((await ledger.status(inA)).used).toBe(0);
    await admin.unblock(guildA, mod, alice);
    expect((await ledger.reserve(inA, 'j2', 1)).ok).toBe(true);
  });

  it('a platform-wide block (owners, platform scope) refuses everywhere on that platform, direct messages included', async () => {
    await admin.block(discordWide, mod, alice, undefined);
    for (const subject of [inA, inB, inDm]) {
      expect(await ledger.reserve(subject, `j-${subject.communityId}`, 1)).toMatchObject({ ok: false, reason: 'blocked', quota: { blocked: { scope: 'platform' } } });
    }
    expect((await ledger.reserve({ platform: 'telegram', communityId: null, userId: 'alice' }, 'tg', 1)).ok).toBe(true);
    await admin.unblock(discordWide, mod, alice);
    expect((await ledger.reserve(inA, 'after', 1)).ok).toBe(true);
  });

  it('a job already holding images finishes normally when its user is blocked meanwhile', async () => {
    await ledger.reserve(inA, 'running', 1);
    await admin.block(guildA, mod, alice, undefined);
    expect((await ledger.reserve(inA, 'running', 1)).ok).toBe(true); // the same job id, already held
    await ledger.commit(inA, 'running', 1);
    expect((await ledger.status(inA)).used).toBe(1);
  });
});

describe('audit log', () => {
  it('records every action with actor, target, community, before, after and time, newest first and paged', async () => {
    await admin.setLimit(guildA, mod, alice, 5);
    clock += 1000;
    await admin.grant(guildA, mod, alice, 3);
    clock += 1000;
    await admin.reset(guildA, mod, alice);
    clock += 1000;
    await admin.block(guildA, mod, alice, 'flooding');
    clock += 1000;
    await admin.unblock(guildA, mod, alice);
    clock += 1000;
    await admin.setDefault(guildA, mod, 7);
    await admin.grant(guildB, mod, alice, 1); // another community's log

    const all = await admin.log(guildA, 1, 10);
    expect(all.total).toBe(6);
    expect(all.entries.map((e) => e.action)).toEqual(['default', 'unblock', 'block', 'reset', 'grant', 'set']);
    expect(all.entries[4]).toEqual({
      at: Date.parse('2026-11-21T12:00:01Z'), platform: 'discord', communityId: 'A', actor: mod, target: alice, action: 'grant', before: 0, after: 3,
    });
    expect(all.entries[2]).toMatchObject({ action: 'block', before: false, after: true, reason: 'flooding' });
    expect(all.entries[0]).toMatchObject({ action: 'default', before: null, after: 7 });
    expect(all.entries[0]!.target).toBeUndefined();

    const second = await admin.log(guildA, 2, 4);
    expect(second.entries.map((e) => e.action)).toEqual(['grant', 'set']);
    const aboutAlice = await admin.log(guildA, 1, 10, 'alice');
    expect(aboutAlice.total).toBe(5);
    expect((await admin.log(guildB, 1, 10)).entries).toHaveLength(1);
  });
});
