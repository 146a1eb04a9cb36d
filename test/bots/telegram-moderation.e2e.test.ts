import { Keyv } from 'keyv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/app.ts';
import { MAX_QUOTA_NUMBER, TELEGRAM_MODERATOR_COMMANDS } from '../../src/commands/moderation-specs.ts';
import { en } from '../../src/core/i18n/en.ts';
import { errorMessage, messages } from '../../src/core/messages.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import type { FakeFal } from '../helpers/fake-fal.ts';
import type { FakeTelegram, TelegramCall } from '../helpers/fake-telegram.ts';
import { repliesTo, startTelegramWorld } from '../helpers/telegram-world.ts';

/**
 * Telegram moderator commands end to end: real grammY against the fake Bot API, the real core (memory
 * store) against the fake fal. Whether a sender is an admin comes from the fake's getChatMember.
 * Assertions are on the ledger's state and on the refusal texts, not on success sentences.
 */

const GROUP_A = -1001000000001;
const GROUP_B = -1001000000002;
const ADMIN = { id: 3001, first_name: 'Ann', username: 'ann_admin' };
const BOB = { id: 2002, first_name: 'Bob', username: 'bob' };
const CAROL = { id: 2003, first_name: 'Carol', username: 'carol' };
const OWNER = { id: 9000, first_name: 'Owen', username: 'owen' };
const ANONYMOUS_ADMIN = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };

type Sender = { id: number; first_name: string; username?: string; is_bot?: boolean };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Bot API messages from the fake are free-form
type Json = any;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

interface World {
  tg: FakeTelegram;
  fal: FakeFal;
  app: App;
  /** Posts a message in a group (or, with chatId = the sender's id, in private). */
  post(from: Sender, chatId: number, text: string, extra?: Json): Json;
  /** The bot's answer to a message that gets a single reply (moderator commands, /quota). */
  answer(message: Json): Promise<string>;
  /** Posts a command and returns the answer. */
  ask(from: Sender, chatId: number, text: string, extra?: Json): Promise<string>;
  quota(user: { id: number }, chatId: number | null): ReturnType<App['ledger']['status']>;
}

async function startWorld(options: { botStorage?: (app: App) => Storage } = {}): Promise<World> {
  const { fal, tg, app } = await startTelegramWorld(cleanups, { env: { BOT_OWNERS: `telegram:${OWNER.id}` }, ...options });
  const core = { app };

  const post = (from: Sender, chatId: number, text: string, extra: Json = {}) =>
    tg.injectMessage({ from, chat: { id: chatId, type: chatId > 0 ? 'private' : 'supergroup' }, text, ...extra });
  const answer = async (message: Json) => String((await tg.waitForCall('sendMessage', repliesTo(message.message_id))).params.text);
  return {
    tg,
    fal,
    app: core.app,
    post,
    answer,
    ask: (from, chatId, text, extra) => answer(post(from, chatId, text, extra)),
    quota: (user, chatId) =>
      core.app.ledger.status({ platform: 'telegram', communityId: chatId === null ? null : String(chatId), userId: String(user.id) }),
  };
}

const replyTo = (message: Json) => ({ reply_to_message: message });
const auditOf = (app: App, chatId: number) => app.admin.log({ platform: 'telegram', communityId: String(chatId) }, 1, 50);

describe('Telegram moderator commands', () => {
  it('refuses a member who is not an admin, and changes nothing', async () => {
    const { tg, app, post, ask, quota } = await startWorld();
    const bobSays = post(BOB, GROUP_A, 'hello');
    const answer = await ask(CAROL, GROUP_A, '/quota_grant 5', replyTo(bobSays));
    expect(answer).toBe(en.moderation.notModerator());
    expect(tg.callsOf('getChatMember').map((c) => [c.params.chat_id, c.params.user_id])).toEqual([[GROUP_A, CAROL.id]]);
    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 0, limit: 10, blocked: null });
    expect((await auditOf(app, GROUP_A)).total).toBe(0);
  });

  it('lets an admin grant, set, reset, block, unblock, set the default and read the log', async () => {
    const { tg, fal, app, post, answer, ask, quota } = await startWorld();
    tg.setChatMember(GROUP_A, ADMIN.id, 'administrator');
    const bobSays = post(BOB, GROUP_A, 'hello');

    await ask(ADMIN, GROUP_A, '/quota_grant 5', replyTo(bobSays));
    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 5 });
    await ask(ADMIN, GROUP_A, `/quota_set@${tg.botUser.username} 3`, replyTo(bobSays));
    expect(await quota(BOB, GROUP_A)).toMatchObject({ limit: 3, bonus: 5 });
    // Two commands within the cache time: one getChatMember.
    expect(tg.callsOf('getChatMember')).toHaveLength(1);

    // Bob uses one image, then the admin resets his usage.
    const imagine = post(BOB, GROUP_A, '/imagine a red fox');
    await fal.waitForJob();
    await tg.waitForCall('sendPhoto', repliesTo(imagine.message_id));
    // The caption can be on its way before the ledger's commit has landed.
    await vi.waitFor(async () => expect(await quota(BOB, GROUP_A)).toMatchObject({ used: 1, reserved: 0 }));
    await ask(ADMIN, GROUP_A, '/quota_reset', replyTo(bobSays));
    expect(await quota(BOB, GROUP_A)).toMatchObject({ used: 0 });

    await ask(ADMIN, GROUP_A, '/quota_block posting spam', replyTo(bobSays));
    const block = { scope: 'community', reason: 'posting spam' } as const;
    expect((await quota(BOB, GROUP_A)).blocked).toEqual(block);
    const blocked = post(BOB, GROUP_A, '/imagine another fox');
    const status = await tg.waitForCall('sendMessage', repliesTo(blocked.message_id));
    const final = await tg.waitForCall('editMessageText', (c) => c.params.message_id === status.result.message_id && c.params.text !== status.params.text);
    expect(final.params.text).toBe(messages.blocked(block));
    expect(fal.jobs).toHaveLength(1);
    expect(await quota(BOB, GROUP_A)).toMatchObject({ used: 0, reserved: 0 });

    await ask(ADMIN, GROUP_A, '/quota_unblock', replyTo(bobSays));
    expect((await quota(BOB, GROUP_A)).blocked).toBeNull();
    await ask(ADMIN, GROUP_A, '/quota_default 7');
    expect(await quota(CAROL, GROUP_A)).toMatchObject({ limit: 7 });
    expect(await quota(BOB, GROUP_A)).toMatchObject({ limit: 3 });

    const log = await answer(post(ADMIN, GROUP_A, '/quota_log'));
    const lines = log.split('\n').filter((line) => line.startsWith('•'));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/@ann_admin set the default limit: none → 7/);
    expect(lines.at(-1)).toMatch(/@ann_admin gave bonus images to @bob/);
    const entries = (await auditOf(app, GROUP_A)).entries;
    expect(entries.map((e) => e.action)).toEqual(['default', 'unblock', 'block', 'reset', 'set', 'grant']);
    expect(entries[0]?.actor).toEqual({ userId: String(ADMIN.id), name: '@ann_admin' });
    expect(entries.at(-1)?.target).toEqual({ userId: String(BOB.id), name: '@bob' });
  });

  it("lets the group's anonymous admin act without a getChatMember call", async () => {
    const { tg, app, post, ask, quota } = await startWorld();
    const bobSays = post(BOB, GROUP_A, 'hello');
    await ask(ANONYMOUS_ADMIN, GROUP_A, '/quota_grant 2', { ...replyTo(bobSays), sender_chat: { id: GROUP_A } });
    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 2 });
    expect(tg.callsOf('getChatMember')).toHaveLength(0);
    expect((await auditOf(app, GROUP_A)).entries[0]?.actor.name).toBe('anonymous admin');

    // The same bot account speaking for another chat is nobody here; its other commands are ignored.
    const foreign = post(ANONYMOUS_ADMIN, GROUP_A, '/quota_grant 2', { ...replyTo(bobSays), sender_chat: { id: GROUP_B, type: 'supergroup', title: 'B' } });
    const imagine = post(ANONYMOUS_ADMIN, GROUP_A, '/imagine a fox', { sender_chat: { id: GROUP_A } });
    // Updates are handled in order: once /quota is answered, the two before it were routed.
    await ask(BOB, GROUP_A, '/quota');
    expect(tg.calls.filter((c) => repliesTo(foreign.message_id)(c) || repliesTo(imagine.message_id)(c))).toHaveLength(0);
    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 2 });
  });

  it('finds targets by reply, seen @username and numeric id; refuses unknown names, bots and bad numbers', async () => {
    const { tg, app, post, ask, quota } = await startWorld();
    tg.setChatMember(GROUP_A, ADMIN.id, 'administrator');
    const bobSays = post(BOB, GROUP_A, 'hello');

    await ask(ADMIN, GROUP_A, '/quota_grant @BOB 3');
    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 3 });
    expect(await ask(ADMIN, GROUP_A, '/quota_grant @dora 3')).toBe(en.moderation.unknownTarget('@dora'));
    await ask(ADMIN, GROUP_A, '/quota_grant 4242 1');
    expect(await quota({ id: 4242 }, GROUP_A)).toMatchObject({ bonus: 1 });
    expect(await ask(ADMIN, GROUP_A, '/quota_grant 5')).toBe(en.moderation.missingTarget('telegram'));

    // A bot: replying to the bot's own answer, or naming it.
    const botAnswer = (await tg.waitForCall('sendMessage')).result;
    expect(await ask(ADMIN, GROUP_A, '/quota_grant 5', replyTo(botAnswer))).toBe(en.moderation.targetIsBot());
    expect(await ask(ADMIN, GROUP_A, `/quota_block @${tg.botUser.username}`)).toBe(en.moderation.targetIsBot());

    const before = (await auditOf(app, GROUP_A)).total;
    const amount = en.moderation.badNumber('amount', 1, MAX_QUOTA_NUMBER);
    expect(await ask(ADMIN, GROUP_A, '/quota_grant -3', replyTo(bobSays))).toBe(amount);
    expect(await ask(ADMIN, GROUP_A, '/quota_grant abc', replyTo(bobSays))).toBe(amount);
    expect(await ask(ADMIN, GROUP_A, '/quota_grant @bob 99999999999')).toBe(amount);
    expect(await ask(ADMIN, GROUP_A, '/quota_set 99999999999', replyTo(bobSays))).toBe(en.moderation.badNumber('limit', 0, MAX_QUOTA_NUMBER));
    expect(await ask(ADMIN, GROUP_A, '/quota_default -3')).toBe(en.moderation.badNumber('limit', 0, MAX_QUOTA_NUMBER));
    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 3, limit: 10 });
    expect((await auditOf(app, GROUP_A)).total).toBe(before);
  });

  it("keeps an admin of group A out of group B, and A's actions out of B's ledger", async () => {
    const { tg, app, post, ask, quota } = await startWorld();
    tg.setChatMember(GROUP_A, ADMIN.id, 'administrator');
    const bobInA = post(BOB, GROUP_A, 'hello A');
    const bobInB = post(BOB, GROUP_B, 'hello B');

    await ask(ADMIN, GROUP_A, '/quota_grant 4', replyTo(bobInA));
    await ask(ADMIN, GROUP_A, '/quota_block', replyTo(bobInA));
    expect(await ask(ADMIN, GROUP_B, '/quota_grant 4', replyTo(bobInB))).toBe(en.moderation.notModerator());
    expect(await ask(ADMIN, GROUP_B, '/quota_default 50')).toBe(en.moderation.notModerator());

    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 4, blocked: { scope: 'community' } });
    expect(await quota(BOB, GROUP_B)).toMatchObject({ bonus: 0, limit: 10, blocked: null });
    expect((await auditOf(app, GROUP_B)).total).toBe(0);
    expect(tg.callsOf('getChatMember').map((c) => c.params.chat_id)).toEqual([GROUP_A, GROUP_B]);
  });

  it('lets owners act anywhere, and refuses everyone else in private chats', async () => {
    const { tg, post, ask, quota } = await startWorld();
    expect(await ask(BOB, BOB.id, '/quota_default 20')).toBe(en.moderation.notOwnerInPrivate());
    await ask(OWNER, OWNER.id, '/quota_default 20');
    expect(await quota(BOB, null)).toMatchObject({ limit: 20 });
    // In a group where the owner is no admin: no getChatMember needed.
    const bobSays = post(BOB, GROUP_A, 'hello');
    await ask(OWNER, GROUP_A, '/quota_grant 2', replyTo(bobSays));
    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 2 });
    expect(tg.callsOf('getChatMember')).toHaveLength(0);
  });

  it('tells the moderator when the @username store fails, and ordinary messages still work', async () => {
    const { tg, ask, quota } = await startWorld({ botStorage: brokenKeyvStorage });
    tg.setChatMember(GROUP_A, ADMIN.id, 'administrator');
    expect(await ask(BOB, GROUP_A, '/quota')).toMatch(/used 0 of 10/);
    expect(await ask(ADMIN, GROUP_A, '/quota_grant @bob 3')).toBe(errorMessage('STORE_UNAVAILABLE'));
    expect(await quota(BOB, GROUP_A)).toMatchObject({ bonus: 0 });
  });

  it('lists the moderator commands for chat administrators only, with the ordinary ones', async () => {
    const { tg } = await startWorld();
    const admins = await tg.waitForCall('setMyCommands', (c) => c.params.scope?.type === 'all_chat_administrators');
    const everyone = await tg.waitForCall('setMyCommands', (c) => c.params.scope === undefined);
    const names = (call: TelegramCall) => call.params.commands.map((c: { command: string }) => c.command);
    const moderator = TELEGRAM_MODERATOR_COMMANDS.map((c) => c.command);
    expect(names(everyone)).toEqual(['edit', 'imagine', 'quota', 'help']);
    expect(names(admins)).toEqual([...names(everyone), ...moderator]);
    expect(moderator).toContain('quota_grant');
  });
});

/** The app's storage, except that its Keyv (where the @username records live) is down. */
function brokenKeyvStorage(app: App): Storage {
  const down = () => {
    throw new Error('connection refused');
  };
  const store = { get: down, set: down, delete: down, clear: down, has: down };
  return { ...app.storage, keyv: <T>(namespace: string) => new Keyv<T>({ store, namespace, throwOnErrors: true }) };
}
