import { resultsCacheOf } from '../../src/bots/telegram/results-cache.ts';
import { Api } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseTelegramTarget, type TelegramTarget } from '../../src/bots/telegram/delivery-target.ts';
import { installRetries } from '../../src/bots/telegram/retry.ts';
import { contextFromTarget } from '../../src/bots/telegram/resume.ts';
import { createWebhookHandler } from '../../src/bots/telegram/webhook.ts';
import { InFlight } from '../../src/bots/telegram/inflight.ts';
import { catalogueFor } from '../../src/core/messages.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { makePng, pngImage } from '../helpers/png.ts';
import { repliesTo, sharedStorage, startTelegramWorld } from '../helpers/telegram-world.ts';

/**
 * A Telegram request outlives the process that took it: its context is rebuilt from the job record's
 * target (the status message adopted, the result a reply to the user's message with the same buttons),
 * a bot shut down mid-job leaves it "paused" for the next start, and requests arriving during the
 * shutdown are told to come back, at no cost. All in one process, against the fakes.
 */

const say = catalogueFor('en');
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function fakeTelegram(): Promise<{ tg: FakeTelegram; api: Api }> {
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const api = new Api(tg.token, { apiRoot: tg.apiRoot });
  // Results kept for "Send as file" are in a temp directory of their own.
  cleanups.push(() => resultsCacheOf(api).close());
  installRetries(api);
  return { tg, api };
}

/** A user's photo message and the status message an earlier process sent for it, as a stored target. */
async function strandedRequest(tg: FakeTelegram, api: Api): Promise<{ target: TelegramTarget; statusId: number; messageId: number }> {
  const message = tg.injectPhoto({ caption: 'paint it gold', userId: 777, sizes: [{ width: 8, height: 8, bytes: makePng(8, 8, 1) }] });
  const status = await api.sendMessage(message.chat.id, 'Working on it…', { reply_parameters: { message_id: message.message_id } });
  const target: TelegramTarget = {
    platform: 'telegram',
    chatId: message.chat.id,
    messageId: message.message_id,
    chatType: 'private',
    userId: 777,
    locale: 'en',
    requestId: `${message.chat.id}:${message.message_id}`,
    statusMessageId: status.message_id,
  };
  return { target, statusId: status.message_id, messageId: message.message_id };
}

describe('contextFromTarget', () => {
  it('edits the status message the earlier process sent and delivers as a reply with the usual buttons', async () => {
    const { tg, api } = await fakeTelegram();
    const { target, statusId, messageId } = await strandedRequest(tg, api);
    const ctx = contextFromTarget(target, { api, logger: silentLogger, token: tg.token, minEditIntervalMs: 0 })!;
    expect(ctx).toMatchObject({ platform: 'telegram', requestId: target.requestId, userId: '777', communityId: null, locale: 'en' });

    await ctx.status(say.running('edit'));
    const sendsBefore = tg.callsOf('sendMessage').length;
    expect(tg.callsOf('editMessageText').map((c) => [c.params.message_id, c.params.text])).toEqual([[statusId, say.running('edit')]]);
    expect(tg.callsOf('editMessageText')[0]!.params.reply_markup.inline_keyboard[0][0].callback_data).toBe(`c:${target.requestId}`);
    expect(tg.callsOf('sendChatAction')[0]?.params).toMatchObject({ chat_id: target.chatId, action: 'upload_photo' });

    expect(await ctx.deliver([pngImage(16, 16, 3)], 'Done.')).toBe(1);
    const photo = tg.callsOf('sendPhoto')[0]!;
    expect(photo.params.reply_parameters.message_id).toBe(messageId);
    expect(photo.params.reply_markup.inline_keyboard[0][0].callback_data).toBe(`f:${target.requestId}`);
    const summary = tg.callsOf('editMessageText').at(-1)!;
    expect(summary.params).toMatchObject({ message_id: statusId, text: 'Done.' });
    expect(summary.params.reply_markup.inline_keyboard[0].map((b: { callback_data: string }) => b.callback_data)).toEqual([
      `a:${target.chatId}:${messageId}`,
      `e:${target.requestId}`,
    ]);
    // No second status message: the first one was adopted.
    expect(tg.callsOf('sendMessage')).toHaveLength(sendsBefore);
    expect(ctx.target()).toEqual(target);
  });

  it('sends a new status message when the old one is gone, and the target then names it', async () => {
    const { tg, api } = await fakeTelegram();
    const { target, messageId } = await strandedRequest(tg, api);
    const ctx = contextFromTarget(target, { api, logger: silentLogger, token: tg.token, minEditIntervalMs: 0 })!;
    tg.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message to edit not found' });
    await ctx.status(say.running('edit'));
    const fresh = tg.callsOf('sendMessage').filter(repliesTo(messageId)).at(-1)!;
    expect(fresh.params.text).toBe(say.running('edit'));
    expect(fresh.result.message_id).not.toBe(target.statusMessageId);
    expect(ctx.target().statusMessageId).toBe(fresh.result.message_id);
  });

  it('answers nothing for a target it cannot read (the core then refunds the job)', async () => {
    const { tg, api } = await fakeTelegram();
    const deps = { api, logger: silentLogger, token: tg.token };
    expect(contextFromTarget({ platform: 'discord', chatId: 1 }, deps)).toBeUndefined();
    expect(contextFromTarget({ platform: 'telegram', chatId: 'x', messageId: 1 }, deps)).toBeUndefined();
    expect(parseTelegramTarget({ platform: 'telegram', chatId: 5, messageId: 6, chatType: 'private', userId: 5, requestId: '5:6', extra: 1 })).toEqual({
      platform: 'telegram',
      chatId: 5,
      messageId: 6,
      chatType: 'private',
      userId: 5,
      requestId: '5:6',
    });
  });
});

describe('a Telegram bot stopped mid-job', () => {
  it('leaves the job paused, and the next bot on the same store finishes it with one submit and one charge', async () => {
    const store = sharedStorage(createMemoryStorage());
    cleanups.push(() => store.close());
    const overrides = { storage: store.storage, leaseMs: 600 };
    // Long enough that the first bot is stopped while fal still works on it.
    const first = await startTelegramWorld(cleanups, { overrides, fal: { script: { durationMs: 1_500 } }, statusEditIntervalMs: 0 });
    const { tg, fal } = first;
    const message = tg.injectPhoto({ caption: 'paint it gold', userId: 4242, sizes: [{ width: 32, height: 32, bytes: makePng(32, 32, 9) }] });
    await fal.waitForJob(1);
    const status = await tg.waitForCall('sendMessage', repliesTo(message.message_id));

    // main.ts's order: no more updates, the core suspends its jobs, the bot drains what it started.
    await first.bot.stopIntake();
    await first.app.runner.shutdown();
    await first.bot.stop();
    const paused = tg.callsOf('editMessageText').at(-1)!;
    expect(paused.params).toMatchObject({ message_id: status.result.message_id, text: say.suspended() });
    expect(paused.params.reply_markup).toBeUndefined();
    expect(fal.jobs[0]!.cancelled).toBe(false);
    expect(tg.callsOf('sendPhoto')).toHaveLength(0);

    const second = await startTelegramWorld(cleanups, { overrides, fakes: { tg, fal }, resumeIntervalMs: 100, statusEditIntervalMs: 0 });
    const photo = await tg.waitForCall('sendPhoto', repliesTo(message.message_id), 10_000);
    expect(photo.files.photo?.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    const done = await tg.waitForCall('editMessageText', (c) => /^Done/.test(String(c.params.text)), 5_000);
    expect(done.params.message_id).toBe(status.result.message_id);
    expect(fal.jobs).toHaveLength(1);
    // The charge is committed once the delivery is over.
    await vi.waitFor(async () => {
      const quota = await second.app.ledger.status({ platform: 'telegram', communityId: null, userId: '4242' });
      expect(quota).toMatchObject({ used: 1, reserved: 0 });
    }, 5_000);
  });

  it('tells a request arriving during the shutdown to come back, and charges nothing', async () => {
    const { tg, fal, app } = await startTelegramWorld(cleanups);
    await app.runner.shutdown();
    const message = tg.injectPhoto({ caption: 'paint it gold', userId: 4243, sizes: [{ width: 32, height: 32, bytes: makePng(32, 32, 9) }] });
    await tg.waitForCall('editMessageText', (c) => c.params.text === say.restarting(), 5_000);
    expect(tg.callsOf('sendMessage').filter(repliesTo(message.message_id))).toHaveLength(1);
    expect(fal.jobs).toHaveLength(0);
    expect(await app.ledger.status({ platform: 'telegram', communityId: null, userId: '4243' })).toMatchObject({ used: 0, reserved: 0 });
  });
});

describe('the webhook during a shutdown', () => {
  it('answers 503 without handling the update, so Telegram delivers it again to the next start', async () => {
    let closing = false;
    const handled: number[] = [];
    const handler = createWebhookHandler({
      secret: 'sekret',
      handleUpdate: async (update) => void handled.push(update.update_id),
      inFlight: new InFlight(),
      onError: () => undefined,
      closing: () => closing,
    });
    const post = (id: number) =>
      handler({ method: 'POST', path: '/tg', headers: { 'x-telegram-bot-api-secret-token': 'sekret' }, body: Buffer.from(JSON.stringify({ update_id: id })) });
    closing = true;
    expect((await post(1)).status).toBe(503);
    expect(handled).toEqual([]);
    closing = false;
    // Not remembered as seen while refused: the redelivery is handled.
    expect((await post(1)).status).toBe(200);
    expect(handled).toEqual([1]);
  });
});
