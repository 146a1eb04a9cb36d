import { resultsCacheOf } from '../../src/bots/telegram/results-cache.ts';
import { Api } from 'grammy';
import type { Message } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramContext } from '../../src/bots/telegram/context.ts';
import { installRetries } from '../../src/bots/telegram/retry.ts';
import { isBotError } from '../../src/core/errors.ts';
import type { ImageData } from '../../src/core/images/image.ts';
import { silentLogger } from '../../src/core/log.ts';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { pngImage } from '../helpers/png.ts';

/** The CommandContext over real grammY calls, against the fake Bot API. */

let tg: FakeTelegram;
let api: Api;

beforeEach(async () => {
  tg = await startFakeTelegram();
  api = new Api(tg.token, { apiRoot: tg.apiRoot });
  installRetries(api);
});
afterEach(async () => {
  // Results kept for "Send as file" are in a temp directory of their own.
  await resultsCacheOf(api).close();
  await tg.close();
});

function contextFor(message: Message, minEditIntervalMs = 0) {
  return createTelegramContext(message, { api, logger: silentLogger, token: tg.token, minEditIntervalMs });
}

const png = (seed: number): ImageData => pngImage(32, 32, seed);

describe('Telegram CommandContext', () => {
  it('identifies the request, the user and the community', () => {
    const dm = contextFor(tg.injectMessage({ text: '/quota', from: { id: 42 } }));
    expect(dm).toMatchObject({ platform: 'telegram', userId: '42', communityId: null });
    expect(dm.requestId).toMatch(/^42:\d+$/);
    const group = contextFor(tg.injectMessage({ text: '/quota', from: { id: 42 }, chat: { id: -100777, type: 'supergroup' } }));
    expect(group.communityId).toBe('-100777');
  });

  it('sends one status message as a reply, then edits it; identical texts are skipped', async () => {
    const message = tg.injectMessage({ text: '/edit x' });
    const ctx = contextFor(message);
    await ctx.status('Queued…');
    await ctx.status('Queued…');
    await ctx.status('Working…');
    // Edits are not waited for by the job: wait for this one at the fake.
    await tg.waitForCall('editMessageText');
    const sends = tg.callsOf('sendMessage');
    expect(sends).toHaveLength(1);
    expect(sends[0]?.params.reply_parameters.message_id).toBe(message.message_id);
    const edits = tg.callsOf('editMessageText');
    expect(edits.map((c) => c.params.text)).toEqual(['Working…']);
    expect(edits[0]?.params.message_id).toBe(sends[0]?.result.message_id);
    expect(tg.callsOf('sendChatAction')[0]?.params).toMatchObject({ chat_id: message.chat.id, action: 'upload_photo' });
  });

  it('ignores "message is not modified" and keeps going', async () => {
    const ctx = contextFor(tg.injectMessage({ text: '/edit x' }));
    await ctx.status('one');
    tg.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message is not modified' });
    await ctx.status('two');
    await ctx.finish('three');
    expect(tg.callsOf('editMessageText').map((c) => c.params.text)).toEqual(['two', 'three']);
  });

  it('throttles progress edits: the newest text is shown after the interval, the final one at once', async () => {
    const ctx = contextFor(tg.injectMessage({ text: '/edit x' }), 150);
    await ctx.status('Queued (position 3)');
    await ctx.status('Queued (position 2)');
    await ctx.status('Running…');
    expect(tg.callsOf('editMessageText')).toHaveLength(0);
    const shown = await tg.waitForCall('editMessageText', undefined, 2000);
    expect(shown.params.text).toBe('Running…');
    await ctx.status('Delivering…');
    await ctx.finish('Failed: try again');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(tg.callsOf('editMessageText').map((c) => c.params.text)).toEqual(['Running…', 'Failed: try again']);
  });

  it('finish replies with a new message when there is no status message', async () => {
    const message = tg.injectMessage({ text: '/quota' });
    await contextFor(message).finish('You have 3 left');
    const [reply] = tg.callsOf('sendMessage');
    expect(reply?.params).toMatchObject({ text: 'You have 3 left', reply_parameters: { message_id: message.message_id } });
  });

  it('delivers one image with sendPhoto and edits the status to the caption', async () => {
    const message = tg.injectMessage({ text: '/edit x' });
    const ctx = contextFor(message);
    await ctx.status('Working…');
    const image = png(1);
    expect(await ctx.deliver([image], 'Done in 2 s')).toBe(1);
    const [photo] = tg.callsOf('sendPhoto');
    expect(photo?.params.reply_parameters.message_id).toBe(message.message_id);
    expect(photo?.files.photo?.bytes.equals(image.bytes)).toBe(true);
    expect(photo?.files.photo?.filename).toBe('nano-banana-1.png');
    expect(tg.callsOf('editMessageText').at(-1)?.params.text).toBe('Done in 2 s');
    expect(ctx.answered).toBe(true);
  });

  it('delivers several images as one album, and an image over 10 MB as a document', async () => {
    const message = tg.injectMessage({ text: '/edit x' });
    const ctx = contextFor(message);
    const big: ImageData = { bytes: Buffer.alloc(10_500_000, 1), mime: 'image/jpeg', width: 4000, height: 3000 };
    const images = [png(1), png(2), big, png(3)];
    expect(await ctx.deliver(images, 'Done')).toBe(4);
    const [album] = tg.callsOf('sendMediaGroup');
    expect(album?.params.media.map((m: { type: string }) => m.type)).toEqual(['photo', 'photo', 'photo']);
    expect(album?.params.reply_parameters.message_id).toBe(message.message_id);
    expect([0, 1, 2].map((i) => album?.files[`media.${i}`]?.bytes.equals(images[i === 2 ? 3 : i]!.bytes))).toEqual([true, true, true]);
    const [document] = tg.callsOf('sendDocument');
    expect(document?.files.document?.bytes.length).toBe(big.bytes.length);
    expect(document?.files.document?.filename).toMatch(/\.jpg$/);
    // No status message was shown: the caption arrives as a reply of its own.
    expect(tg.callsOf('sendMessage').at(-1)?.params.text).toBe('Done');
  });

  it('falls back to a document when Telegram refuses the photo, and throws when nothing arrives', async () => {
    const ctx = contextFor(tg.injectMessage({ text: '/edit x' }));
    tg.failNext('sendPhoto', { error_code: 400, description: 'Bad Request: PHOTO_INVALID_DIMENSIONS' });
    expect(await ctx.deliver([png(1)], 'Done')).toBe(1);
    expect(tg.callsOf('sendDocument')).toHaveLength(1);

    const failing = contextFor(tg.injectMessage({ text: '/edit y' }));
    tg.failNext('sendPhoto', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    const error: unknown = await failing.deliver([png(1)], 'Done').catch((e: unknown) => e);
    expect(isBotError(error) && error.code).toBe('DELIVERY_FAILED');
    expect(String(error)).not.toContain(tg.token);
    expect(failing.answered).toBe(false);
  });

  it('waits out a short flood-control pause instead of failing', async () => {
    const ctx = contextFor(tg.injectMessage({ text: '/edit x' }));
    tg.failNext('sendPhoto', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
    expect(await ctx.deliver([png(1)], 'Done')).toBe(1);
    expect(tg.callsOf('sendPhoto')).toHaveLength(2);
  });

  it('says the final word in a new message when the status message was deleted', async () => {
    const ctx = contextFor(tg.injectMessage({ text: '/edit x' }));
    await ctx.status('Working…');
    tg.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message to edit not found' });
    await ctx.finish('Sorry, it failed');
    expect(tg.callsOf('sendMessage').map((c) => c.params.text)).toEqual(['Working…', 'Sorry, it failed']);
  });
});
