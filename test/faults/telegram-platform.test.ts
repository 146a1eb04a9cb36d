import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { FakeTelegram, TelegramCall } from '../helpers/fake-telegram.ts';
import { repliesTo, startTelegramWorld } from '../helpers/telegram-world.ts';

/**
 * Telegram failing under a running job: flood control (429 with retry_after) on the result upload and
 * on the status edits, and messages deleted while the job runs. The paid result always arrives, the
 * request ends with its summary, and the quota is charged exactly once.
 */

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const FLOOD = { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 };
const isSummary = (call: TelegramCall) => /^Done in /.test(String(call.params.text));
const usageOf = async (app: App) => {
  const { used, reserved } = await app.ledger.status({ platform: 'telegram', communityId: null, userId: '1001' });
  return { used, reserved };
};
/**
 * The summary that Telegram took, whether an edit of the status message or (that one gone, or a try
 * refused) a new message. Calls are recorded as they arrive and answered after.
 */
async function summaryOf(tg: FakeTelegram): Promise<TelegramCall> {
  const taken = () => tg.calls.find((call) => (call.method === 'editMessageText' || call.method === 'sendMessage') && isSummary(call) && call.result);
  await expect.poll(taken, { timeout: 10_000 }).toBeDefined();
  return taken()!;
}

async function world(script = {}) {
  return startTelegramWorld(cleanups, { env: { USER_COOLDOWN: '0' }, statusEditIntervalMs: 20, fal: { script } });
}

describe('Telegram faults while a job runs', () => {
  it('429 on the result upload: waits retry_after, uploads once more, charges once', async () => {
    const { tg, fal, app } = await world();
    tg.failNext('sendPhoto', FLOOD);
    const request = tg.injectMessage({ text: '/imagine a lighthouse at dusk' });

    await summaryOf(tg);
    const uploads = tg.callsOf('sendPhoto');
    expect(uploads.map((call) => call.error?.error_code ?? 'ok')).toEqual([429, 'ok']);
    expect(uploads[1]!.params.reply_parameters.message_id).toBe(request.message_id);
    expect(uploads[1]!.files.photo?.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    expect(fal.jobs).toHaveLength(1);
    // The charge follows the delivery.
    await expect.poll(() => usageOf(app)).toEqual({ used: 1, reserved: 0 });
  });

  it('429 on the status edits: the edits wait their turn and the summary still lands', async () => {
    const { tg, fal, app } = await world();
    tg.failNext('editMessageText', FLOOD, 2);
    tg.injectMessage({ text: '/imagine a lighthouse at dusk' });

    const summary = await summaryOf(tg);
    expect(tg.callsOf('editMessageText').filter((call) => call.error?.error_code === 429)).toHaveLength(2);
    expect(summary.method).toBe('editMessageText');
    expect(tg.callsOf('sendPhoto').filter((call) => call.result)).toHaveLength(1);
    expect(fal.jobs).toHaveLength(1);
    // The charge follows the delivery.
    await expect.poll(() => usageOf(app)).toEqual({ used: 1, reserved: 0 });
  });

  it('the status message and the request deleted while the job runs: the result and the summary still arrive', async () => {
    const { tg, fal, app } = await world({ durationMs: 1500 });
    const request = tg.injectMessage({ text: '/imagine a lighthouse at dusk' });
    const status = await tg.waitForCall('sendMessage', repliesTo(request.message_id));
    tg.deleteMessage(request.chat.id, status.result.message_id);
    tg.deleteMessage(request.chat.id, request.message_id);

    await summaryOf(tg);
    const photos = tg.callsOf('sendPhoto').filter((call) => call.result);
    expect(photos).toHaveLength(1);
    expect(photos[0]!.files.photo?.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    // Edits of the deleted status message were refused; the bot answered in a new message instead.
    expect(tg.callsOf('editMessageText').some((call) => /message to edit not found/.test(call.error?.description ?? ''))).toBe(true);
    expect(fal.jobs).toHaveLength(1);
    // The charge follows the delivery.
    await expect.poll(() => usageOf(app)).toEqual({ used: 1, reserved: 0 });
  });
});
