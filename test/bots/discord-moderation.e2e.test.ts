import { afterEach, describe, expect, it, vi } from 'vitest';
import { en } from '../../src/core/i18n/en.ts';
import type { App } from '../../src/app.ts';
import type { QuotaSubject } from '../../src/core/quota/subject.ts';
import { isCallback, isFinalAnswer, isOriginalEdit, startDiscordWorld } from '../helpers/discord-world.ts';
import {
  discordUser,
  MANAGE_GUILD_PERMISSIONS,
  MEMBER_PERMISSIONS,
  subcommand,
  userOption,
  type CommandOption,
  type DiscordCall,
  type FakeDiscord,
} from '../helpers/fake-discord.ts';
import type { FakeFal } from '../helpers/fake-fal.ts';

/**
 * `/quota-admin` and `/quota` end to end: the real discord.js client against the fake Discord, the
 * real core (memory store) against the fake fal. Who may moderate is decided from the permissions the
 * fake sends in each interaction, as Discord computes them server-side.
 */

const MOD = discordUser('200000000000000010', 'mod');
const ALICE = discordUser('200000000000000011', 'alice');
const BOB = discordUser('200000000000000012', 'bob');
const OTHER_BOT = discordUser('200000000000000013', 'otherbot', { bot: true });
const OWNER = discordUser('200000000000000099', 'owner');
/** A second guild the bot is in; nobody dispatching there has Manage Server unless told. */
const GUILD_B = '300000000000000002';

interface World {
  discord: FakeDiscord;
  fal: FakeFal;
  app: App;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startWorld(): Promise<World> {
  const { discord, fal, app } = await startDiscordWorld(cleanups, { env: { BOT_OWNERS: `discord:${OWNER.id},telegram:5678` } });
  return { discord, fal, app };
}

interface AdminCall {
  target?: { id: string };
  numbers?: Record<string, number>;
  reason?: string;
  /** Who runs it; default MOD. */
  as?: { id: string; username: string };
  /** member.permissions; default Manage Server. */
  permissions?: string;
  /** Default: the fake's guild; null for the bot DM. */
  guildId?: string | null;
}

/** Runs `/quota-admin <sub> …`, checks that the reply was deferred ephemeral, and returns the answer. */
async function quotaAdmin(discord: FakeDiscord, sub: string, call: AdminCall = {}): Promise<string> {
  const options: CommandOption[] = [];
  if (call.target) options.push(userOption(call.target.id));
  for (const [name, value] of Object.entries(call.numbers ?? {})) options.push({ name, type: 4, value });
  if (call.reason !== undefined) options.push({ name: 'reason', type: 3, value: call.reason });
  const actor = call.as ?? MOD;
  const interaction = discord.dispatchCommand({
    name: 'quota-admin',
    options: [subcommand(sub, ...options)],
    userId: actor.id,
    username: actor.username,
    memberPermissions: call.permissions ?? MANAGE_GUILD_PERMISSIONS,
    ...(call.guildId === undefined ? {} : { guildId: call.guildId }),
    ...(call.target ? { resolvedUsers: [call.target] } : {}),
  });
  const deferred = await discord.waitForCall(isCallback(interaction));
  expect(deferred.json).toMatchObject({ type: 5, data: { flags: 64 } }); // every moderator answer is ephemeral
  const answer = await discord.waitForCall(isOriginalEdit(discord, interaction.token));
  return String(answer.json.content);
}

/** Runs `/imagine` as `user` and returns the first edit of its reply that `until` accepts. */
async function imagine(discord: FakeDiscord, user: { id: string; username: string }, until: (call: DiscordCall) => boolean): Promise<DiscordCall> {
  const interaction = discord.dispatchCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a lighthouse at dusk' }], userId: user.id, username: user.username });
  return discord.waitForCall((call) => isFinalAnswer(discord, interaction.token)(call) && until(call), 10_000);
}

const inGuild = (discord: FakeDiscord, user: { id: string }, guildId: string | null = discord.guildId): QuotaSubject => ({
  platform: 'discord',
  communityId: guildId,
  userId: user.id,
});

describe('Discord /quota-admin end to end', () => {
  it('is registered in the guild with Manage Server as its default permission, one subcommand per action', async () => {
    const { discord } = await startWorld();
    const put = await discord.waitForCall((call) => call.method === 'PUT' && call.path.endsWith('/commands'));
    const admin = put.json.find((command: { name: string }) => command.name === 'quota-admin');
    expect(admin).toMatchObject({ type: 1, default_member_permissions: '32', contexts: [0, 1] });
    expect(admin.options.map((option: { type: number; name: string }) => `${option.type}:${option.name}`)).toEqual(
      ['show', 'set', 'grant', 'reset', 'block', 'unblock', 'default', 'log'].map((name) => `1:${name}`),
    );
  });

  it('refuses a member without Manage Server, ephemerally, and changes nothing', async () => {
    const { discord, app } = await startWorld();
    const before = await app.ledger.status(inGuild(discord, ALICE));
    const answer = await quotaAdmin(discord, 'grant', { target: ALICE, numbers: { amount: 5 }, as: BOB, permissions: MEMBER_PERMISSIONS });
    expect(answer).toBe(en.moderation.notModerator());
    const after = await app.ledger.status(inGuild(discord, ALICE));
    expect(after.bonus).toBe(0);
    expect(after).toEqual(before);
  });

  it('lets a moderator grant, show, set, block, unblock, reset, set the default and read the log', async () => {
    const { discord, fal, app } = await startWorld();
    const alice = inGuild(discord, ALICE);

    await quotaAdmin(discord, 'grant', { target: ALICE, numbers: { amount: 5 } });
    expect((await app.ledger.status(alice)).bonus).toBe(5);
    expect(await quotaAdmin(discord, 'show', { target: ALICE })).toMatch(/\b5\b/);

    await quotaAdmin(discord, 'set', { target: ALICE, numbers: { limit: 3 } });
    expect((await app.ledger.status(alice)).limit).toBe(3);

    await quotaAdmin(discord, 'block', { target: ALICE, reason: 'spamming the channel' });
    expect((await app.ledger.status(alice)).blocked).toMatchObject({ reason: 'spamming the channel' });
    const refused = await imagine(discord, ALICE, (call) => String(call.json?.content).includes('spamming the channel'));
    expect(refused.json.content).toMatch(/block/i);
    expect(refused.files).toHaveLength(0);
    expect(fal.requests).toHaveLength(0); // a blocked user costs nothing
    expect((await app.ledger.status(alice)).used).toBe(0);

    await quotaAdmin(discord, 'unblock', { target: ALICE });
    expect((await app.ledger.status(alice)).blocked).toBeNull();
    await imagine(discord, ALICE, (call) => call.files.length > 0);
    expect(fal.jobs).toHaveLength(1);
    await vi.waitFor(async () => expect((await app.ledger.status(alice)).used).toBe(1));

    await quotaAdmin(discord, 'reset', { target: ALICE });
    expect((await app.ledger.status(alice)).used).toBe(0);

    await quotaAdmin(discord, 'default', { numbers: { limit: 7 } });
    expect((await app.ledger.status(inGuild(discord, BOB))).limit).toBe(7);
    expect((await app.ledger.status(alice)).limit).toBe(3); // her own limit wins over the community default

    await quotaAdmin(discord, 'grant', { target: BOB, numbers: { amount: 2 } });
    const log = await quotaAdmin(discord, 'log');
    expect(log).toContain('@mod');
    expect(log.indexOf('@bob')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('@bob')).toBeLessThan(log.indexOf('@alice')); // newest first
    const aliceLog = await quotaAdmin(discord, 'log', { target: ALICE });
    expect(aliceLog).toContain('@alice');
    expect(aliceLog).not.toContain('@bob');
  });

  it('refuses a bot as the target, and a missing target, changing nothing', async () => {
    const { discord, app } = await startWorld();
    expect(await quotaAdmin(discord, 'grant', { target: OTHER_BOT, numbers: { amount: 5 } })).toBe(en.moderation.targetIsBot());
    expect((await app.ledger.status(inGuild(discord, OTHER_BOT))).bonus).toBe(0);
    expect(await quotaAdmin(discord, 'grant', { numbers: { amount: 5 } })).toBe(en.moderation.missingTarget('discord'));
  });

  it('lets an owner from BOT_OWNERS moderate without Manage Server, and an Administrator too', async () => {
    const { discord, app } = await startWorld();
    const answer = await quotaAdmin(discord, 'grant', { target: ALICE, numbers: { amount: 4 }, as: OWNER, permissions: MEMBER_PERMISSIONS });
    expect(answer).not.toBe(en.moderation.notModerator());
    expect((await app.ledger.status(inGuild(discord, ALICE))).bonus).toBe(4);
    // Administrator (0x8) implies every permission, Manage Server included, as in Discord itself.
    await quotaAdmin(discord, 'grant', { target: ALICE, numbers: { amount: 1 }, permissions: '8' });
    expect((await app.ledger.status(inGuild(discord, ALICE))).bonus).toBe(5);
  });

  it('in the bot DM, lets an owner set the global default and refuses everyone else', async () => {
    const { discord, app } = await startWorld();
    const dm = inGuild(discord, BOB, null);
    expect(await quotaAdmin(discord, 'default', { numbers: { limit: 4 }, guildId: null })).toBe(en.moderation.notOwnerInPrivate());
    expect((await app.ledger.status(dm)).limit).toBe(10);
    await quotaAdmin(discord, 'default', { numbers: { limit: 4 }, guildId: null, as: OWNER });
    expect((await app.ledger.status(dm)).limit).toBe(4);
  });

  it('a moderator of guild A cannot change guild B, and A’s actions leave B alone', async () => {
    const { discord, app } = await startWorld();
    await quotaAdmin(discord, 'grant', { target: ALICE, numbers: { amount: 5 } });
    expect((await app.ledger.status(inGuild(discord, ALICE))).bonus).toBe(5);
    expect((await app.ledger.status(inGuild(discord, ALICE, GUILD_B))).bonus).toBe(0);

    const refused = await quotaAdmin(discord, 'grant', { target: ALICE, numbers: { amount: 5 }, guildId: GUILD_B, permissions: MEMBER_PERMISSIONS });
    expect(refused).toBe(en.moderation.notModerator());
    expect(await quotaAdmin(discord, 'log', { guildId: GUILD_B, permissions: MEMBER_PERMISSIONS })).toBe(en.moderation.notModerator());
    expect((await app.ledger.status(inGuild(discord, ALICE, GUILD_B))).bonus).toBe(0);
  });
});

describe('Discord /quota end to end', () => {
  it('answers ephemerally with used and left, and a relative timestamp for the reset', async () => {
    const { discord, app } = await startWorld();
    await imagine(discord, ALICE, (call) => call.files.length > 0);
    const alice = inGuild(discord, ALICE);
    await vi.waitFor(async () => expect((await app.ledger.status(alice)).used).toBe(1));

    const interaction = discord.dispatchCommand({ name: 'quota', userId: ALICE.id, username: ALICE.username });
    const deferred = await discord.waitForCall(isCallback(interaction));
    expect(deferred.json).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = String((await discord.waitForCall(isOriginalEdit(discord, interaction.token))).json.content);
    const { resetsAt } = await app.ledger.status(alice);
    expect(answer).toContain(`<t:${Math.floor(resetsAt.getTime() / 1000)}:R>`);
    const words = answer.replace(/<t:\d+:R>/g, '');
    expect(words).toMatch(/\b1\b/); // used
    expect(words).toMatch(/\b9\b/); // left of 10
  });
});
