import { afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.ts';
import type { ModerationRequest, ModeratorContext, TargetRef } from '../../src/commands/moderation-context.ts';
import { en } from '../../src/core/i18n/en.ts';
import type { App } from '../../src/app.ts';
import { errorMessage } from '../../src/core/messages.ts';
import type { Platform } from '../../src/core/quota/subject.ts';
import { buildTestCore } from '../helpers/core.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/**
 * The moderator command through the real core, with a CommandContext port standing in for a chat:
 * authority, scope, input checks and answers. The platform adapters have their own end-to-end tests.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The core; its fal points at a closed port unless a test needs a provider (none may be called). */
async function core(env: Record<string, string> = {}, falUrl?: string): Promise<App> {
  const built = await buildTestCore({ env: { BOT_OWNERS: 'telegram:9000', ...env }, falUrl: falUrl ?? 'http://127.0.0.1:9', quotaLimit: 10 });
  cleanups.push(() => built.close());
  return built.app;
}

interface Chat {
  platform?: Platform;
  communityId: string | null;
  userId: string;
  /** Communities in which the platform says this user is a moderator. */
  moderates?: string[];
}

/** Runs one command as `chat` says and returns every text the user was shown. */
async function say(app: App, chat: Chat, request: ModerationRequest): Promise<string> {
  const said: string[] = [];
  const ctx: ModeratorContext = {
    platform: chat.platform ?? 'telegram',
    requestId: `${chat.communityId}:${Math.random()}`,
    userId: chat.userId,
    communityId: chat.communityId,
    actorName: `@user${chat.userId}`,
    isCommunityModerator: async () => chat.communityId !== null && (chat.moderates ?? []).includes(chat.communityId),
    status: async () => undefined,
    deliver: async () => 0,
    finish: async (text) => void said.push(text),
  };
  await app.commands.moderate(ctx, request);
  expect(said).toHaveLength(1);
  return said[0]!;
}

const target = (userId: string, isBot = false): TargetRef => ({ kind: 'user', target: { userId, isBot, name: `@user${userId}` } });
const subject = (communityId: string | null, userId: string) => ({ platform: 'telegram' as const, communityId, userId });

describe('who may moderate', () => {
  it('refuses a member who is not a moderator, and changes nothing', async () => {
    const app = await core();
    const answer = await say(app, { communityId: '-100', userId: '1' }, { action: 'grant', target: target('2'), amount: 5 });
    expect(answer).toBe(en.moderation.notModerator());
    expect(await app.ledger.status(subject('-100', '2'))).toMatchObject({ bonus: 0 });
    expect((await app.admin.log({ platform: 'telegram', communityId: '-100' }, 1, 10)).total).toBe(0);
  });

  it('lets a moderator of A act in A but never in B, where they are a plain member', async () => {
    const app = await core();
    const modOfA = { userId: '1', moderates: ['A'] };
    expect(await say(app, { ...modOfA, communityId: 'A' }, { action: 'grant', target: target('2'), amount: 5 })).toMatch(/Gave @user2 5 bonus images/);
    expect(await say(app, { ...modOfA, communityId: 'B' }, { action: 'grant', target: target('2'), amount: 5 })).toBe(en.moderation.notModerator());
    expect(await say(app, { ...modOfA, communityId: 'B' }, { action: 'show', target: target('2') })).toBe(en.moderation.notModerator());
    expect(await say(app, { ...modOfA, communityId: 'B' }, { action: 'log' })).toBe(en.moderation.notModerator());
    expect((await app.ledger.status(subject('A', '2'))).bonus).toBe(5);
    expect((await app.ledger.status(subject('B', '2'))).bonus).toBe(0);
  });

  it('lets owners act everywhere, and in a private chat on the platform itself; others are refused there', async () => {
    const app = await core();
    expect(await say(app, { communityId: 'G', userId: '9000' }, { action: 'set', target: target('2'), limit: '3' })).toMatch(/3 images per period/);
    expect((await app.ledger.status(subject('G', '2'))).limit).toBe(3);

    expect(await say(app, { communityId: null, userId: '9000' }, { action: 'default', limit: '4' })).toMatch(/everyone on this platform is now 4/);
    expect(await app.ledger.status(subject('other-group', '5'))).toMatchObject({ limit: 4, limitSource: 'platform' });
    expect(await app.ledger.status(subject(null, '5'))).toMatchObject({ limit: 4 });

    await say(app, { communityId: null, userId: '9000' }, { action: 'block', target: target('5'), reason: 'abuse' });
    expect((await app.ledger.status(subject('any-group', '5'))).blocked).toEqual({ scope: 'platform', reason: 'abuse' });

    expect(await say(app, { communityId: null, userId: '1' }, { action: 'default', limit: '100' })).toBe(en.moderation.notOwnerInPrivate());
    // An owner on Telegram is nobody special on Discord.
    expect(await say(app, { platform: 'discord', communityId: 'G', userId: '9000' }, { action: 'reset', target: target('2') })).toBe(en.moderation.notModerator());
  });
});

describe('bad input changes nothing', () => {
  const mod = { communityId: 'G', userId: '1', moderates: ['G'] };

  it.each([['-3'], ['abc'], ['99999999999'], ['1.5'], [-1], [100_001]])('refuses the number %j', async (raw) => {
    const app = await core();
    expect(await say(app, mod, { action: 'grant', target: target('2'), amount: raw })).toBe(en.moderation.badNumber('amount', 1, 100_000));
    expect(await say(app, mod, { action: 'set', target: target('2'), limit: raw })).toBe(en.moderation.badNumber('limit', 0, 100_000));
    expect(await app.ledger.status(subject('G', '2'))).toMatchObject({ bonus: 0, limit: 10, limitSource: 'config' });
  });

  it('asks for a missing number, a missing target, an unknown name, and refuses bots', async () => {
    const app = await core();
    expect(await say(app, mod, { action: 'grant', target: target('2'), amount: undefined })).toBe(en.moderation.missingNumber('amount'));
    expect(await say(app, mod, { action: 'grant', target: { kind: 'missing' }, amount: 5 })).toBe(en.moderation.missingTarget('telegram'));
    expect(await say(app, mod, { action: 'block', target: { kind: 'unknown', text: '@ghost' } })).toBe(en.moderation.unknownTarget('@ghost'));
    expect(await say(app, mod, { action: 'reset', target: target('77', true) })).toBe(en.moderation.targetIsBot());
    expect(await say(app, mod, { action: 'log', page: '0' })).toBe(en.moderation.badNumber('page', 1, 100_000));
    expect((await app.admin.log({ platform: 'telegram', communityId: 'G' }, 1, 10)).total).toBe(0);
  });

  it('accepts "default" to remove a limit', async () => {
    const app = await core();
    await say(app, mod, { action: 'set', target: target('2'), limit: '3' });
    expect(await say(app, mod, { action: 'set', target: target('2'), limit: 'default' })).toMatch(/no longer has a limit of their own \(was 3\)/);
    expect(await app.ledger.status(subject('G', '2'))).toMatchObject({ limit: 10, limitSource: 'config' });
  });
});

describe('answers', () => {
  const mod = { communityId: 'G', userId: '1', moderates: ['G'] };

  it('shows a member and the log, newest first, with paging', async () => {
    const app = await core();
    for (let i = 1; i <= 12; i++) await say(app, mod, { action: 'grant', target: target('2'), amount: i });
    const shown = await say(app, mod, { action: 'show', target: target('2') });
    expect(shown).toMatch(/^@user2: used 0 of 10 images today \(the bot's configured default\); 10 left, 78 bonus\./);
    expect(shown).toMatch(/resets on \w{3} \d+ \w{3} at 00:00 \(UTC\)/);
    const first = await say(app, mod, { action: 'log' });
    const lines = first.split('\n');
    expect(lines[0]).toBe('Moderation log, newest first (page 1 of 2):');
    expect(lines[1]).toMatch(/@user1 gave bonus images to @user2: 66 → 78$/);
    expect(lines.at(-1)).toBe('Older entries: page 2.');
    const second = await say(app, mod, { action: 'log', page: '2' });
    expect(second.split('\n').slice(1)).toEqual([expect.stringMatching(/gave bonus images to @user2: 1 → 3$/), expect.stringMatching(/gave bonus images to @user2: 0 → 1$/)]);
    expect(await say(app, mod, { action: 'log', page: 3 })).toBe('There is no page 3 of the log.');
    expect(await say(app, mod, { action: 'log', target: target('3') })).toBe('No moderator actions recorded yet.');
  });

  it('a blocked member is told so by /edit, at no cost and with no provider call, and /quota says it too', async () => {
    const fal: FakeFal = await startFakeFal();
    cleanups.push(() => fal.close());
    const app = await core({}, fal.url);
    await say(app, mod, { action: 'block', target: target('2'), reason: 'flooding the channel' });
    const said: string[] = [];
    const ctx: CommandContext = {
      platform: 'telegram', requestId: 'G:55', userId: '2', communityId: 'G',
      status: async (text) => void said.push(text),
      deliver: async () => 0,
      finish: async (text) => void said.push(text),
    };
    await app.commands.edit(ctx, { prompt: 'make it blue', images: [{ load: async () => makePng(8, 8) }] });
    expect(said.at(-1)).toBe('A moderator has blocked you from using this bot here (reason: flooding the channel). Ask a moderator if you think this is a mistake. This did not use your quota.');
    expect(fal.requests).toHaveLength(0);
    await app.commands.quota({ ...ctx, requestId: 'G:56' });
    expect(said.at(-1)).toMatch(/^A moderator has blocked you.*\nYou have used 0 of 10 images today; 10 left\.\nResets on .* \(UTC\)\.$/);
  });

  it('a store outage answers with the store message and changes nothing', async () => {
    const app = await core();
    await app.storage.close();
    expect(await say(app, mod, { action: 'grant', target: target('2'), amount: 1 })).toBe(errorMessage('STORE_UNAVAILABLE'));
  });
});
