import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Logger } from '../../src/core/log.ts';
import type { startFakeFal} from '../helpers/fake-fal.ts';
import type { FakeTelegram, TelegramCall } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import { repliesTo, startTelegramWorld } from '../helpers/telegram-world.ts';

/**
 * Progress and results end to end (issue 5): real grammY, the real core and fal provider, the fake
 * Bot API and the fake fal queue. Buttons are pressed by injecting callback_query updates.
 */

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function startAll(options: { statusEditIntervalMs?: number; logger?: Logger; fal?: Parameters<typeof startFakeFal>[0] } = {}) {
  return startTelegramWorld(cleanups, options);
}

const BOB = { id: 2002, first_name: 'Bob', username: 'bob' };
const sizes = (seed = 7) => [{ width: 64, height: 48, bytes: makePng(64, 48, seed) }];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Bot API objects
type Json = any;
const buttons = (markup: Json): Array<{ text: string; callback_data: string }> => (markup?.inline_keyboard ?? []).flat();
const buttonNamed = (markup: Json, text: string) => buttons(markup).find((b) => b.text === text);
/** A job that stays queued until cancelled (or a minute passes). */
const SLOW = { script: { durationMs: 60_000, statuses: [{ status: 'IN_QUEUE' as const, queue_position: 3 }] } };

/** The status message of a request, once sent, and its final summary edit. */
async function statusOf(tg: FakeTelegram, message: Json): Promise<TelegramCall> {
  return tg.waitForCall('sendMessage', repliesTo(message.message_id));
}
async function summaryOf(tg: FakeTelegram, statusId: number): Promise<TelegramCall> {
  return tg.waitForCall('editMessageText', (c) => c.params.message_id === statusId && /Done in/.test(String(c.params.text)));
}
async function answerTo(tg: FakeTelegram, query: Json): Promise<TelegramCall> {
  return tg.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === query.id);
}

describe('Telegram progress: Cancel', () => {
  it('shows Cancel while queued; the requester cancels at fal and is refunded, anyone else is refused', async () => {
    const { fal, tg } = await startAll({ fal: SLOW });
    const message = tg.injectPhoto({ caption: 'make it blue', sizes: sizes() });
    const job = await fal.waitForJob();
    const status = await statusOf(tg, message);
    const cancel = buttonNamed(status.params.reply_markup, 'Cancel');
    expect(cancel?.callback_data).toBe(`c:${message.chat.id}:${message.message_id}`);
    expect(Buffer.byteLength(cancel!.callback_data)).toBeLessThanOrEqual(64);
    const statusMessage = status.result;

    const intruder = tg.injectCallbackQuery({ message: statusMessage, data: cancel!.callback_data, from: BOB });
    expect((await answerTo(tg, intruder)).params.text).toMatch(/Only the person who asked/);
    expect(job.cancelled).toBe(false);

    const press = tg.injectCallbackQuery({ message: statusMessage, data: cancel!.callback_data });
    await answerTo(tg, press);
    const final = await tg.waitForCall('editMessageText', (c) => c.params.message_id === statusMessage.message_id && /Cancelled/.test(String(c.params.text)));
    expect(final.params.reply_markup).toBeUndefined();
    expect(job.cancelled).toBe(true);
    expect(tg.callsOf('sendPhoto')).toHaveLength(0);

    const quota = tg.injectMessage({ text: '/quota' });
    const answer = await tg.waitForCall('sendMessage', repliesTo(quota.message_id));
    expect(answer.params.text).toMatch(/used 0 of 10/);
  });

  it('refuses a Cancel after the request finished', async () => {
    const { tg } = await startAll();
    const message = tg.injectPhoto({ caption: 'make it red', sizes: sizes() });
    const status = await statusOf(tg, message);
    await summaryOf(tg, status.result.message_id);
    const data = buttonNamed(status.params.reply_markup, 'Cancel')!.callback_data;
    const press = tg.injectCallbackQuery({ message: status.result, data });
    expect((await answerTo(tg, press)).params.text).toMatch(/already finished/);
  });
});

describe('Telegram progress: throttling and chat action', () => {
  const manyStatuses = {
    script: {
      statuses: [
        { status: 'IN_QUEUE' as const, queue_position: 5 },
        { status: 'IN_QUEUE' as const, queue_position: 4 },
        { status: 'IN_QUEUE' as const, queue_position: 3 },
        { status: 'IN_QUEUE' as const, queue_position: 2 },
        { status: 'IN_QUEUE' as const, queue_position: 1 },
        { status: 'IN_PROGRESS' as const },
      ],
    },
  };

  async function editsOfOneJob(statusEditIntervalMs: number): Promise<TelegramCall[]> {
    const { tg } = await startAll({ statusEditIntervalMs, fal: manyStatuses });
    const message = tg.injectPhoto({ caption: 'make it green', sizes: sizes() });
    const status = await statusOf(tg, message);
    await summaryOf(tg, status.result.message_id);
    return tg.callsOf('editMessageText').filter((c) => c.params.message_id === status.result.message_id);
  }

  it('coalesces progress edits within the interval: only the final summary is an edit', async () => {
    const edits = await editsOfOneJob(60_000);
    expect(edits.map((c) => c.params.text)).toEqual([expect.stringMatching(/^Done in/)]);
  });

  it('without an interval, every state change is an edit (the check above can fail)', async () => {
    const edits = await editsOfOneJob(0);
    expect(edits.length).toBeGreaterThan(3);
    // Progress edits keep the Cancel button; the "Sending…" edit and the summary do not.
    const progress = edits.filter((c) => /Queued|Editing/.test(String(c.params.text)));
    expect(progress.every((c) => buttonNamed(c.params.reply_markup, 'Cancel'))).toBe(true);
    const last = edits.at(-1)!;
    expect(buttonNamed(last.params.reply_markup, 'Cancel')).toBeUndefined();
    expect(buttonNamed(last.params.reply_markup, 'Again')).toBeDefined();
  });

  it('keeps the upload_photo chat action alive while the job works', async () => {
    const { fal, tg } = await startAll({ fal: { script: { durationMs: 5_500, statuses: [] } } });
    const message = tg.injectPhoto({ caption: 'make it night', sizes: sizes() });
    await fal.waitForJob();
    const status = await statusOf(tg, message);
    await summaryOf(tg, status.result.message_id).catch(async () => summaryOf(tg, status.result.message_id));
    // One action at the start; the job runs over 4.5 s, so at least one renewal came from the timer.
    const actions = tg.callsOf('sendChatAction').filter((c) => c.params.chat_id === message.chat.id);
    expect(actions.length).toBeGreaterThanOrEqual(2);
    expect(actions.every((c) => c.params.action === 'upload_photo')).toBe(true);
  }, 15_000);
});

describe('Telegram results: files, Again, Edit again', () => {
  it('puts "Send as file" on a single photo; pressing it sends the original bytes as a document', async () => {
    const { fal, tg } = await startAll();
    const message = tg.injectPhoto({ caption: 'make it pink', sizes: sizes() });
    const job = await fal.waitForJob();
    const photo = await tg.waitForCall('sendPhoto');
    const files = buttonNamed(photo.params.reply_markup, 'Send as file');
    expect(files).toBeDefined();
    const status = await statusOf(tg, message);
    await summaryOf(tg, status.result.message_id);

    const press = tg.injectCallbackQuery({ message: photo.result, data: files!.callback_data, from: BOB });
    await answerTo(tg, press);
    const document = await tg.waitForCall('sendDocument');
    expect(document.files.document?.bytes.equals(job.resultImages[0]!)).toBe(true);
    expect(document.params.reply_parameters.message_id).toBe(photo.result.message_id);
  });

  it('puts "Send as files" on the summary of an album, and answers when the files are gone', async () => {
    const { fal, tg } = await startAll();
    const message = tg.injectPhoto({ caption: 'two cats --n 2', sizes: sizes() });
    const job = await fal.waitForJob();
    const status = await statusOf(tg, message);
    const summary = await summaryOf(tg, status.result.message_id);
    expect(tg.callsOf('sendMediaGroup')).toHaveLength(1);
    const files = buttonNamed(summary.params.reply_markup, 'Send as files');
    expect(files).toBeDefined();
    tg.injectCallbackQuery({ message: summary.result, data: files!.callback_data });
    const album = await tg.waitForCall('sendMediaGroup', (c) => c.params.media?.[0]?.type === 'document');
    expect([0, 1].map((i) => album.files[`media.${i}`]?.bytes.equals(job.resultImages[i]!))).toEqual([true, true]);

    // Data for a request this bot never delivered (e.g. before a restart): a clear answer, no upload.
    const stale = tg.injectCallbackQuery({ message: summary.result, data: `f:${message.chat.id}:99999` });
    expect((await answerTo(tg, stale)).params.text).toMatch(/no longer available/);
  });

  it('sends a result Telegram refuses as a photo (aspect ratio over 20) as a document', async () => {
    const wide = makePng(2100, 100, 3);
    const { tg } = await startAll({ fal: { script: { outcome: { kind: 'images', images: [wide] } } } });
    const message = tg.injectPhoto({ caption: 'a long banner', sizes: sizes() });
    const document = await tg.waitForCall('sendDocument', repliesTo(message.message_id));
    expect(document.files.document?.bytes.equals(wide)).toBe(true);
    expect(tg.callsOf('sendPhoto')).toHaveLength(0);
    const status = await statusOf(tg, message);
    const summary = await summaryOf(tg, status.result.message_id);
    // Already a file: nothing to offer as one.
    expect(buttonNamed(summary.params.reply_markup, 'Send as files')).toBeUndefined();
  });

  it('Again runs the same prompt on the same image as a new request; a double click runs it once', async () => {
    const { fal, tg } = await startAll();
    const message = tg.injectPhoto({ caption: 'add a hat', sizes: sizes(9) });
    const first = await fal.waitForJob();
    const status = await statusOf(tg, message);
    const summary = await summaryOf(tg, status.result.message_id);
    const again = buttonNamed(summary.params.reply_markup, 'Again')!;
    expect(again.callback_data).toBe(`a:${message.chat.id}:${message.message_id}`);

    tg.injectCallbackQuery({ message: summary.result, data: again.callback_data });
    tg.injectCallbackQuery({ message: summary.result, data: again.callback_data });
    const second = await fal.waitForJob(2);
    expect(second.input.prompt).toBe('add a hat');
    expect(second.inputImages[0]!.equals(first.inputImages[0]!)).toBe(true);
    // The new request answers the original message with a status of its own, then its own summary.
    const statuses = () => tg.callsOf('sendMessage').filter(repliesTo(message.message_id));
    await tg.waitForCall('sendPhoto', (c) => c !== tg.callsOf('sendPhoto')[0]);
    const secondStatus = statuses()[1]!;
    await summaryOf(tg, secondStatus.result.message_id);
    expect(fal.jobs).toHaveLength(2);
    const answers = tg.callsOf('answerCallbackQuery');
    expect(answers.some((c) => /Already started/.test(String(c.params.text)))).toBe(true);
  });

  it('refuses Again to anyone but the requester', async () => {
    const { fal, tg } = await startAll();
    const message = tg.injectPhoto({ chatType: 'supergroup', caption: '/edit add a hat', sizes: sizes() });
    await fal.waitForJob();
    const status = await statusOf(tg, message);
    const summary = await summaryOf(tg, status.result.message_id);
    const again = buttonNamed(summary.params.reply_markup, 'Again')!;
    const press = tg.injectCallbackQuery({ message: summary.result, data: again.callback_data, from: BOB });
    expect((await answerTo(tg, press)).params.text).toMatch(/Only the person who asked/);
    expect(fal.jobs).toHaveLength(1);
  });

  it('Edit again asks for a reply to the result image, with force_reply', async () => {
    const { tg } = await startAll();
    const message = tg.injectPhoto({ caption: 'add a hat', sizes: sizes() });
    const photo = await tg.waitForCall('sendPhoto');
    const status = await statusOf(tg, message);
    const summary = await summaryOf(tg, status.result.message_id);
    const edit = buttonNamed(summary.params.reply_markup, 'Edit again')!;
    tg.injectCallbackQuery({ message: summary.result, data: edit.callback_data });
    const prompt = await tg.waitForCall('sendMessage', (c) => c.params.reply_markup?.force_reply === true);
    expect(prompt.params.reply_parameters.message_id).toBe(photo.result.message_id);
    expect(prompt.params.text).toMatch(/Reply to the image/);
  });
});

describe('Telegram robustness', () => {
  it('waits out a 429 retry_after on sendPhoto and on the summary edit; the job completes', async () => {
    const { tg } = await startAll({ statusEditIntervalMs: 60_000 });
    tg.failNext('sendPhoto', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
    tg.failNext('editMessageText', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
    const message = tg.injectPhoto({ caption: 'make it snow', sizes: sizes() });
    const status = await statusOf(tg, message);
    await summaryOf(tg, status.result.message_id);
    expect(tg.callsOf('sendPhoto').map((c) => c.error?.error_code)).toEqual([429, undefined]);
  });

  it('drops a progress edit that flood control holds back, and still finishes', async () => {
    const { tg } = await startAll({ statusEditIntervalMs: 0 });
    // Longer than any progress edit may wait: it is dropped, not queued, and the job goes on.
    tg.failNext('editMessageText', { error_code: 429, description: 'Too Many Requests: retry after 30', retry_after: 30 });
    const message = tg.injectPhoto({ caption: 'make it rain', sizes: sizes() });
    const status = await statusOf(tg, message);
    await tg.waitForCall('editMessageText', (c) => c.params.message_id === status.result.message_id && /Done in/.test(String(c.params.text)), 10_000);
    expect(tg.callsOf('editMessageText')[0]?.error?.error_code).toBe(429);
  }, 15_000);

  it('answers in a new message when the status message was deleted meanwhile', async () => {
    const { tg } = await startAll({ statusEditIntervalMs: 60_000 });
    tg.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message to edit not found' });
    const message = tg.injectPhoto({ caption: 'make it sunny', sizes: sizes() });
    await statusOf(tg, message);
    const summary = await tg.waitForCall('sendMessage', (c) => repliesTo(message.message_id)(c) && /Done in/.test(String(c.params.text)));
    expect(buttonNamed(summary.params.reply_markup, 'Again')).toBeDefined();
  });

  it('stays quiet when the user blocked the bot: no retries, no warnings, other chats unaffected', async () => {
    const lines: Json[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const { fal, tg } = await startAll({ logger });
    const blocked = { error_code: 403, description: 'Forbidden: bot was blocked by the user' };
    tg.failNext('sendChatAction', blocked);
    tg.failNext('sendMessage', blocked);
    tg.failNext('sendPhoto', blocked);
    const message = tg.injectPhoto({ caption: 'make it gold', sizes: sizes() });
    await fal.waitForJob();
    // The call is recorded before its answer: wait until the fake has refused it.
    await vi.waitFor(() => expect(tg.callsOf('sendPhoto')[0]?.error?.error_code).toBe(403));
    // Another user's request goes through.
    const other = tg.injectPhoto({ userId: 3003, caption: 'make it silver', sizes: sizes(4) });
    const otherStatus = await tg.waitForCall('sendMessage', (c) => repliesTo(other.message_id)(c) && c.result !== undefined);
    await summaryOf(tg, otherStatus.result.message_id);
    const mine = tg.calls.filter((c) => c.params.chat_id === message.chat.id && c.method !== 'getUpdates');
    expect(mine.filter((c) => c.method === 'sendMessage').length).toBeLessThanOrEqual(2);
    expect(tg.callsOf('editMessageText').filter((c) => c.params.chat_id === message.chat.id)).toHaveLength(0);
    const statusWarnings = lines.filter((l) => l.level >= 40 && /status message/.test(String(l.msg)));
    expect(statusWarnings).toEqual([]);
  });
});
