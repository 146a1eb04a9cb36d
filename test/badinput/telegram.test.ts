import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { MAX_QUOTA_NUMBER } from '../../src/commands/moderation-specs.ts';
import { MAX_INPUT_IMAGES, MAX_PROMPT_LENGTH } from '../../src/commands/specs.ts';
import { en } from '../../src/core/i18n/en.ts';
import { errorMessage } from '../../src/core/messages.ts';
import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB } from '../../src/core/providers/provider.ts';
import type { FakeFal } from '../helpers/fake-fal.ts';
import type { FakeTelegram } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import { repliesTo, startTelegramWorld } from '../helpers/telegram-world.ts';
import { animatedGif, animatedWebp, pngBomb, TEXT_AS_PNG, truncatedJpeg, truncatedPng } from './files.ts';

/**
 * The bad-input table on Telegram, end to end: real grammY against the fake Bot API, the real core
 * against the fake fal. Each case gets exactly one clear answer, reaches no provider, and leaves
 * every ledger and the audit log as they were.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Bot API messages from the fake are free-form
type Json = any;

const USER = 1001;
const GROUP = -1001000000001;
const ADMIN = { id: 3001, first_name: 'Ann', username: 'ann_admin' };
const BOB = { id: 2002, first_name: 'Bob', username: 'bob' };

interface World {
  readonly tg: FakeTelegram;
  readonly fal: FakeFal;
  readonly app: App;
}

interface Case {
  readonly name: string;
  /** Sends the bad input; returns the message the answer must reply to. */
  readonly send: (world: World) => Json | Promise<Json>;
  /** The one answer the user sees, as the catalogue words it. */
  readonly answer: (tg: FakeTelegram) => string;
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const photo = (seed = 1) => [{ width: 64, height: 48, bytes: makePng(64, 48, seed) }];
const file = (bytes: Buffer, mimeType: string, fileName: string) => (world: World) =>
  world.tg.injectDocument({ caption: 'make it blue', bytes, mimeType, fileName });
const text = (value: string) => (world: World) => world.tg.injectMessage({ text: value });
const inGroup = (from: Json, value: string, extra: Json = {}) => (world: World) => {
  world.tg.setChatMember(GROUP, ADMIN.id, 'administrator');
  const bobSays = world.tg.injectMessage({ from: BOB, chat: { id: GROUP, type: 'supergroup' }, text: 'hello' });
  const reply = extra.replyToBob ? { reply_to_message: bobSays } : {};
  return world.tg.injectMessage({ from, chat: { id: GROUP, type: 'supergroup' }, text: value, ...reply });
};
const optionProblem = (problem: string) => `${problem} ${en.options.help(MAX_IMAGES_PER_JOB)}`;
const moderation = en.moderation;

const CASES: readonly Case[] = [
  // Files that are not images we can edit.
  { name: 'a PDF sent as a file', send: file(Buffer.from('%PDF-1.4 fake'), 'application/pdf', 'scan.pdf'), answer: () => en.chat.notAnImage() },
  { name: 'a text file renamed .png, declared a generic file', send: file(TEXT_AS_PNG, 'application/octet-stream', 'cat.png'), answer: () => en.chat.notAnImage() },
  { name: 'a text file renamed .png, declared image/png', send: file(TEXT_AS_PNG, 'image/png', 'cat.png'), answer: () => errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'a truncated PNG', send: file(truncatedPng(), 'image/png', 'cut.png'), answer: () => errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'a truncated JPEG', send: async (world) => file(await truncatedJpeg(), 'image/jpeg', 'cut.jpg')(world), answer: () => errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'a PNG declaring 30000×30000 pixels in a tiny file', send: file(pngBomb(), 'image/png', 'bomb.png'), answer: () => errorMessage('IMAGE_TOO_LARGE') },
  {
    name: 'an animated GIF as Telegram sends it (an animation, converted to MP4)',
    send: ({ tg }) => {
      const { file_path: _, ...meta } = tg.addFile(Buffer.from('not really an mp4'), 'mp4');
      const media = { ...meta, file_name: 'dance.gif.mp4', mime_type: 'video/mp4' };
      return tg.injectMessage({ caption: 'make it blue', animation: { ...media, width: 16, height: 16, duration: 1 }, document: media });
    },
    answer: () => en.chat.notAnImage(),
  },
  { name: 'an animated GIF sent as a file', send: async (world) => file(await animatedGif(), 'image/gif', 'dance.gif')(world), answer: () => en.chat.notAnImage() },
  { name: 'an animated GIF renamed .png', send: async (world) => file(await animatedGif(), 'image/png', 'dance.png')(world), answer: () => errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'an animated WebP', send: async (world) => file(await animatedWebp(), 'image/webp', 'dance.webp')(world), answer: () => errorMessage('IMAGE_UNSUPPORTED') },
  // How many images.
  { name: 'no image: /edit with a prompt, replying to nothing', send: text('/edit make it blue'), answer: (tg) => en.chat.editUsage(tg.botUser.username, false) },
  {
    name: `more than ${MAX_INPUT_IMAGES} images: an album of 5`,
    send: ({ tg }) => [1, 2, 3, 4, 5].map((seed) => tg.injectPhoto({ sizes: photo(seed), mediaGroupId: 'five', ...(seed === 1 ? { caption: 'make it blue' } : {}) }))[0],
    answer: () => en.chat.tooManyImages(5, MAX_INPUT_IMAGES),
  },
  // Prompts.
  { name: 'an empty prompt: a photo without a caption', send: ({ tg }) => tg.injectPhoto({ sizes: photo() }), answer: () => en.chat.needCaption() },
  { name: 'an empty prompt: /imagine alone', send: text('/imagine'), answer: () => en.chat.imagineUsage() },
  {
    name: 'an empty prompt: /edit alone, replying to a photo',
    send: ({ tg }) => tg.injectMessage({ text: '/edit', reply_to_message: tg.injectPhoto({ sizes: photo(), caption: '' }) }),
    answer: (tg) => en.chat.editUsage(tg.botUser.username, false),
  },
  { name: `a prompt over ${MAX_PROMPT_LENGTH} characters`, send: text(`/imagine ${'a'.repeat(MAX_PROMPT_LENGTH + 1)}`), answer: () => en.promptTooLong(MAX_PROMPT_LENGTH) },
  { name: 'a prompt of control characters only (/imagine)', send: text('/imagine \u0001\u0002\u0007\u001b'), answer: () => en.needImaginePrompt() },
  { name: 'a caption of control characters only', send: ({ tg }) => tg.injectPhoto({ sizes: photo(), caption: '\u0007\u0008\u007f' }), answer: () => en.needPrompt() },
  { name: 'a prompt of zero-width characters only', send: text('/imagine \u200b\u200b\u2060'), answer: () => en.needImaginePrompt() },
  // Options.
  { name: 'an unknown option (--foo)', send: text('/imagine a fox --foo'), answer: () => optionProblem(en.options.unknownOption('foo')) },
  {
    name: 'an unknown option in a caption',
    send: ({ tg }) => tg.injectPhoto({ sizes: photo(), caption: 'make it blue --strength 3' }),
    answer: () => optionProblem(en.options.unknownOption('strength')),
  },
  { name: 'a count out of range (--n 9)', send: text('/imagine a fox --n 9'), answer: () => optionProblem(en.options.badCount('n', MAX_IMAGES_PER_JOB)) },
  { name: 'a count that is no number (--n two)', send: text('/imagine a fox --n two'), answer: () => optionProblem(en.options.badCount('n', MAX_IMAGES_PER_JOB)) },
  { name: 'an unknown aspect ratio (--ar 7:3)', send: text('/imagine a fox --ar 7:3'), answer: () => optionProblem(en.options.badRatio('ar', ASPECT_RATIOS)) },
  { name: 'an unknown format (--format gif)', send: text('/imagine a fox --format gif'), answer: () => optionProblem(en.options.badFormat('format')) },
  { name: 'options and no prompt', send: text('/imagine --n 2 --png'), answer: () => en.chat.needPromptWithOptions() },
  // Moderator commands.
  { name: 'moderator: a negative amount', send: inGroup(ADMIN, '/quota_grant -3', { replyToBob: true }), answer: () => moderation.badNumber('amount', 1, MAX_QUOTA_NUMBER) },
  { name: 'moderator: an amount that is a word', send: inGroup(ADMIN, '/quota_grant lots', { replyToBob: true }), answer: () => moderation.badNumber('amount', 1, MAX_QUOTA_NUMBER) },
  { name: 'moderator: a fractional amount', send: inGroup(ADMIN, '/quota_grant 2.5', { replyToBob: true }), answer: () => moderation.badNumber('amount', 1, MAX_QUOTA_NUMBER) },
  { name: 'moderator: a limit over the maximum', send: inGroup(ADMIN, '/quota_set 99999999999', { replyToBob: true }), answer: () => moderation.badNumber('limit', 0, MAX_QUOTA_NUMBER) },
  { name: 'moderator: a missing number', send: inGroup(ADMIN, '/quota_set', { replyToBob: true }), answer: () => moderation.missingNumber('limit') },
  { name: 'moderator: a negative default', send: inGroup(ADMIN, '/quota_default -1'), answer: () => moderation.badNumber('limit', 0, MAX_QUOTA_NUMBER) },
  { name: 'moderator: log page 0', send: inGroup(ADMIN, '/quota_log 0'), answer: () => moderation.badNumber('page', 1, MAX_QUOTA_NUMBER) },
  { name: 'moderator: no target', send: inGroup(ADMIN, '/quota_grant 5'), answer: () => moderation.missingTarget('telegram') },
  { name: 'moderator: an unknown @username', send: inGroup(ADMIN, '/quota_grant @nobody_here 5'), answer: () => moderation.unknownTarget('@nobody_here') },
  { name: 'moderator: the bot itself as target', send: (world) => inGroup(ADMIN, `/quota_block @${world.tg.botUser.username}`)(world), answer: () => moderation.targetIsBot() },
  { name: 'moderator: a member who is no moderator', send: inGroup(BOB, '/quota_grant @bob 5'), answer: () => moderation.notModerator() },
];

/** The current texts of the bot's messages that reply to `message` (edits applied). */
function answersTo(tg: FakeTelegram, message: Json): string[] {
  return tg.calls
    .filter((call) => call.method === 'sendMessage' && repliesTo(message.message_id)(call) && call.result)
    .map((call) => String(tg.messageOf(message.chat.id, call.result.message_id)?.text));
}

/** Every ledger the table could touch: the requester's in private, and Bob's and the admin's in the group. */
async function ledgers(app: App) {
  const subjects = [
    { platform: 'telegram' as const, communityId: null, userId: String(USER) },
    { platform: 'telegram' as const, communityId: String(GROUP), userId: String(BOB.id) },
    { platform: 'telegram' as const, communityId: String(GROUP), userId: String(ADMIN.id) },
  ];
  const views = await Promise.all(subjects.map((subject) => app.ledger.status(subject)));
  return views.map(({ used, reserved, bonus, limit, blocked }) => ({ used, reserved, bonus, limit, blocked }));
}

describe('bad input on Telegram: one clear answer, no provider call, no quota spent', () => {
  it.each(CASES)('$name', async (testCase) => {
    const { tg, fal, app } = await startTelegramWorld(cleanups, { env: { USER_COOLDOWN: '0' } });
    const before = await ledgers(app);
    const message = await testCase.send({ tg, fal, app });
    const expected = testCase.answer(tg);
    await expect.poll(() => answersTo(tg, message), { timeout: 5000 }).toEqual([expected]);

    // Updates are handled in order and a refused job answers only once it has ended: after /help is
    // answered, nothing more is coming for the bad input.
    const help = tg.injectMessage({ text: '/help' });
    await tg.waitForCall('sendMessage', repliesTo(help.message_id));
    expect(answersTo(tg, message)).toEqual([expected]);
    expect(fal.requests).toEqual([]);
    expect(fal.jobs).toEqual([]);
    expect(await ledgers(app)).toEqual(before);
    expect((await app.admin.log({ platform: 'telegram', communityId: String(GROUP) }, 1, 10)).total).toBe(0);
  });
});
