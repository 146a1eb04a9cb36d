import { afterEach, describe, expect, it } from 'vitest';
import { en } from '../../src/core/i18n/en.ts';
import { es } from '../../src/core/i18n/es.ts';
import { ru } from '../../src/core/i18n/ru.ts';
import type { FakeTelegram, TelegramCall } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import { repliesTo, startTelegramWorld } from '../helpers/telegram-world.ts';

/**
 * Replies follow the sender's `language_code`, English when it is missing or a language we do not
 * have: status, buttons, summary, refusals, button answers and moderator answers, end to end through
 * real grammY against the fake Bot API.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Bot API payloads from the fake are free-form
type Json = any;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const GROUP = -1001000000077;
const speaker = (id: number, language?: string) => ({
  id,
  first_name: `User${id}`,
  username: `user${id}`,
  ...(language === undefined ? { language_code: undefined } : { language_code: language }),
});

/** A file the fake serves, as a message carries it (without the download path). */
const fileOf = (tg: FakeTelegram, bytes: Buffer, ext: string) => {
  const { file_path: _, ...meta } = tg.addFile(bytes, ext);
  return meta;
};
const labels = (markup: Json): string[] => (markup?.inline_keyboard ?? []).flat().map((button: Json) => String(button.text));
const replyText = async (tg: FakeTelegram, message: Json): Promise<string> =>
  String((await tg.waitForCall('sendMessage', repliesTo(message.message_id))).params.text);

describe('Telegram replies in the user language', () => {
  it('runs a whole edit in Spanish: status, Cancel, Send as file, summary and its buttons', async () => {
    const { fal, tg } = await startTelegramWorld(cleanups);
    const message = tg.injectMessage({
      from: speaker(4001, 'es-419'),
      photo: [{ ...fileOf(tg, makePng(64, 48, 3), 'jpg'), width: 64, height: 48 }],
      caption: 'pon el cielo morado',
    });
    await fal.waitForJob();
    const status = await tg.waitForCall('sendMessage', repliesTo(message.message_id));
    const spanishStatuses = [es.queued(), es.queued(0), es.queued(1), es.queued(2), es.queued(3), es.running('edit')];
    expect(spanishStatuses).toContain(status.params.text);
    expect(labels(status.params.reply_markup)).toEqual([es.buttons.cancel]);

    const photo = await tg.waitForCall('sendPhoto', repliesTo(message.message_id));
    expect(labels(photo.params.reply_markup)).toEqual([es.buttons.sendAsFile]);
    const statusId = status.result.message_id;
    const summary: TelegramCall = await tg.waitForCall('editMessageText', (c) => c.params.message_id === statusId && c.params.reply_markup !== undefined && labels(c.params.reply_markup).includes(es.buttons.again));
    expect(labels(summary.params.reply_markup)).toEqual([es.buttons.again, es.buttons.editAgain]);
    expect(fal.jobs).toHaveLength(1);
    // The summary's words are the Spanish ones: the same sentence with the numbers it reports.
    const view = { limit: 10, used: 1, reserved: 0, remaining: 9, bonus: 0, window: 'day' } as Parameters<typeof es.done>[1];
    const [, elapsed] = /(\d+(?:[.,]\d)?)/.exec(String(summary.params.text)) ?? [];
    expect(elapsed).toBeDefined();
    const elapsedMs = Number(elapsed!.replace(',', '.')) * 1000;
    expect(summary.params.text).toBe(es.done(elapsedMs, view));
  });

  it('refuses a file that is not an image in Russian, and answers a stale button in Russian', async () => {
    const { fal, tg } = await startTelegramWorld(cleanups);
    const document = tg.injectMessage({
      from: speaker(4002, 'ru'),
      document: { ...fileOf(tg, Buffer.from('%PDF-1.4 not an image'), 'pdf'), file_name: 'notes.pdf', mime_type: 'application/pdf' },
      caption: 'сделай небо фиолетовым',
    });
    expect(await replyText(tg, document)).toBe(ru.chat.notAnImage());

    const options = tg.injectMessage({ from: speaker(4002, 'ru'), text: '/imagine лиса --ar 7:3' });
    const problem = await replyText(tg, options);
    expect(problem.startsWith(ru.options.badRatio('ar', ['21:9']).split('21:9')[0]!)).toBe(true);
    expect(problem.endsWith(ru.options.help(4))).toBe(true);

    const bot = (await tg.waitForCall('sendMessage', repliesTo(document.message_id))).result;
    const query = tg.injectCallbackQuery({ message: bot, data: 'a:1:1', from: speaker(4002, 'ru') });
    const answered = await tg.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === query.id);
    expect(answered.params.text).toBe(ru.buttons.gone);
    expect(fal.jobs).toHaveLength(0);
  });

  it('answers in English when the language is one we do not have, or missing', async () => {
    const { fal, tg } = await startTelegramWorld(cleanups);
    const german = tg.injectMessage({ from: speaker(4003, 'de'), text: '/imagine' });
    expect(await replyText(tg, german)).toBe(en.chat.imagineUsage());
    const unknown = tg.injectMessage({ from: speaker(4004), text: '/help' });
    expect(await replyText(tg, unknown)).toBe(en.help('telegram'));
    const spanish = tg.injectMessage({ from: speaker(4005, 'es'), text: '/help' });
    expect(await replyText(tg, spanish)).toBe(es.help('telegram'));
    expect(fal.jobs).toHaveLength(0);
  });

  it('answers moderator commands in the moderator language', async () => {
    const { tg } = await startTelegramWorld(cleanups);
    const moderator = speaker(4006, 'es');
    tg.setChatMember(GROUP, moderator.id, 'administrator');
    const member = speaker(4007, 'ru');
    const post = (from: Json, text: string) => tg.injectMessage({ from, chat: { id: GROUP, type: 'supergroup' }, text });

    expect(await replyText(tg, post(moderator, '/quota_grant 5'))).toBe(es.moderation.missingTarget('telegram'));
    expect(await replyText(tg, post(moderator, '/quota_grant @user4007 nueve'))).toBe(es.moderation.unknownTarget('@user4007'));
    post(member, 'hola');
    expect(await replyText(tg, post(member, '/quota_grant @user4006 5'))).toBe(ru.moderation.notModerator());
  });
});
