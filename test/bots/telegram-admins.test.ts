import { Api } from 'grammy';
import type { Message } from 'grammy/types';
import { Keyv } from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_CACHE_MS, AdminCheck, ANONYMOUS_ADMIN_USER_ID } from '../../src/bots/telegram/admins.ts';
import { KnownUsers, resolveTarget } from '../../src/bots/telegram/known-users.ts';
import { isBotError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';

/** The admin check (getChatMember, cached) and the @username records, against the fake Bot API and a real store. */

let tg: FakeTelegram;
let api: Api;
let storage: Storage;

beforeEach(async () => {
  tg = await startFakeTelegram();
  api = new Api(tg.token, { apiRoot: tg.apiRoot });
  storage = createMemoryStorage();
});
afterEach(async () => {
  await storage.close();
  await tg.close();
});

const GROUP = -100555;

/** A message the fake has seen (so the chat exists there), as grammY would hand it over. */
function groupMessage(from: Record<string, unknown>, extra: Record<string, unknown> = {}): Message {
  return tg.injectMessage({ chat: { id: GROUP, type: 'supergroup' }, from, text: '/quota_show', ...extra }) as Message;
}

describe('AdminCheck', () => {
  it('asks getChatMember once per (chat, user) within the cache time, then again', async () => {
    let now = 1_000_000;
    const admins = new AdminCheck({ api, token: tg.token, now: () => now });
    tg.setChatMember(GROUP, 7, 'administrator');
    const admin = groupMessage({ id: 7 });
    const member = groupMessage({ id: 8 });

    // Two commands at once share one call.
    expect(await Promise.all([admins.isModerator(admin), admins.isModerator(admin)])).toEqual([true, true]);
    expect(await admins.isModerator(member)).toBe(false);
    expect(await admins.isModerator(member)).toBe(false);
    const calls = tg.callsOf('getChatMember');
    expect(calls.map((c) => [c.params.chat_id, c.params.user_id])).toEqual([
      [GROUP, 7],
      [GROUP, 8],
    ]);

    // Demoted: the cached answer holds until the cache time is over.
    tg.setChatMember(GROUP, 7, 'member');
    now += ADMIN_CACHE_MS - 1;
    expect(await admins.isModerator(admin)).toBe(true);
    now += 1;
    expect(await admins.isModerator(admin)).toBe(false);
    expect(tg.callsOf('getChatMember')).toHaveLength(3);
  });

  it('counts the creator; not restricted, left or kicked members', async () => {
    const admins = new AdminCheck({ api, token: tg.token });
    const statuses = ['creator', 'restricted', 'left', 'kicked'] as const;
    const answers = [];
    for (const [i, status] of statuses.entries()) {
      tg.setChatMember(GROUP, 20 + i, status);
      answers.push(await admins.isModerator(groupMessage({ id: 20 + i })));
    }
    expect(answers).toEqual([true, false, false, false]);
  });

  it("takes the group's anonymous admin without a call, and says no in private chats", async () => {
    const admins = new AdminCheck({ api, token: tg.token });
    const anonymous = { id: ANONYMOUS_ADMIN_USER_ID, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
    expect(await admins.isModerator(groupMessage(anonymous, { sender_chat: { id: GROUP } }))).toBe(true);
    // Speaking for another chat, the same bot account counts for nothing here.
    expect(await admins.isModerator(groupMessage(anonymous, { sender_chat: { id: -100999, type: 'supergroup', title: 'Other' } }))).toBe(false);
    tg.setChatMember(42, 42, 'creator');
    expect(await admins.isModerator(tg.injectMessage({ from: { id: 42 }, text: '/quota_show' }) as Message)).toBe(false);
    expect(tg.callsOf('getChatMember')).toHaveLength(0);
  });

  it('throws when Telegram fails, caches no answer, and keeps the token out of the error', async () => {
    const admins = new AdminCheck({ api, token: tg.token });
    tg.setChatMember(GROUP, 7, 'administrator');
    const admin = groupMessage({ id: 7 });
    tg.failNext('getChatMember', { error_code: 400, description: 'Bad Request: chat not found' });
    const error: unknown = await admins.isModerator(admin).catch((e: unknown) => e);
    expect(isBotError(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/chat not found/);
    expect(String((error as Error).message)).not.toContain(tg.token.split(':')[1]!);
    expect(await admins.isModerator(admin)).toBe(true);

    // A chat Telegram does not know at all.
    const unknownChat = { ...admin, chat: { id: -100404, type: 'supergroup', title: 'Gone' } } as Message;
    await expect(admins.isModerator(unknownChat)).rejects.toThrow(/chat not found/);
  });
});

describe('KnownUsers', () => {
  const bob = { id: 42, is_bot: false, first_name: 'Bob', username: 'Bob' };

  it('remembers senders and replied-to senders, and finds them by @username in any case', async () => {
    const users = new KnownUsers(storage, silentLogger);
    const helper = { id: 99, is_bot: true, first_name: 'Helper', username: 'helper_bot' };
    await users.remember({ from: bob, reply_to_message: { from: helper } } as unknown as Message);
    expect(await users.lookup('@bob')).toEqual({ id: 42, isBot: false });
    expect(await users.lookup('BOB')).toEqual({ id: 42, isBot: false });
    expect(await users.lookup('helper_bot')).toEqual({ id: 99, isBot: true });
    expect(await users.lookup('carol')).toBeUndefined();

    // Another process (a second KnownUsers on the same store) knows them too.
    expect(await resolveTarget({ kind: 'username', username: 'Bob' }, new KnownUsers(storage, silentLogger))).toEqual({
      kind: 'user',
      target: { userId: '42', isBot: false, name: '@Bob' },
    });
    expect(await resolveTarget({ kind: 'username', username: 'carol' }, users)).toEqual({ kind: 'unknown', text: '@carol' });
  });

  it('writes only when a username is new or changed hands', async () => {
    const { storage: counting, writes } = countingStorage(storage);
    const users = new KnownUsers(counting, silentLogger);
    await users.remember({ from: bob } as Message);
    await users.remember({ from: bob } as Message);
    await users.remember({ from: { ...bob, username: 'bob' } } as Message);
    expect(writes()).toBe(1);
    await users.remember({ from: { ...bob, id: 43 } } as Message);
    expect(writes()).toBe(2);
    expect(await users.lookup('bob')).toEqual({ id: 43, isBot: false });
  });

  it('never fails a message over a store failure, but a look-up says STORE_UNAVAILABLE', async () => {
    const users = new KnownUsers(failingStorage(storage), silentLogger);
    await expect(users.remember({ from: bob } as Message)).resolves.toBeUndefined();
    const error: unknown = await users.lookup('bob').catch((e: unknown) => e);
    expect(isBotError(error) && error.code).toBe('STORE_UNAVAILABLE');
  });
});

/** The same storage, counting the writes made through its Keyv. */
function countingStorage(inner: Storage): { storage: Storage; writes: () => number } {
  let writes = 0;
  const storage: Storage = {
    ...inner,
    keyv<T>(namespace: string) {
      const keyv = inner.keyv<T>(namespace);
      const set = keyv.set.bind(keyv);
      keyv.set = (...args: Parameters<typeof set>) => {
        writes++;
        return set(...args);
      };
      return keyv;
    },
  };
  return { storage, writes: () => writes };
}

/** A storage whose Keyv store is down: every read and write throws. */
function failingStorage(inner: Storage): Storage {
  const down = () => {
    throw new Error('connection refused');
  };
  const store = { get: down, set: down, delete: down, clear: down, has: down };
  return { ...inner, keyv: <T>(namespace: string) => new Keyv<T>({ store, namespace, throwOnErrors: true }) };
}
