import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Recipes } from '../../src/bots/telegram/recipes.ts';
import type { FakeFal } from '../helpers/fake-fal.ts';
import type { FakeTelegram, TelegramCall } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import { repliesTo, startTelegramWorld } from '../helpers/telegram-world.ts';

/**
 * Every way a Telegram user can hand the bot an image, and every refusal, through real grammY, the
 * real core and fake fal: captions, image files, albums (gathered from items 300 ms apart), replies
 * (to photos, album items and the bot's own results) and group gating.
 */

let cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

interface World {
  fal: FakeFal;
  tg: FakeTelegram;
  /** What the ledger says about this user's usage, in private (null) or in a group. */
  usage(userId: number, chatId?: number | null): Promise<{ used: number; reserved: number }>;
  /** The recipes the bot saved, read from its own store. */
  recipes: Recipes;
}

async function startAll(): Promise<World> {
  const { fal, tg, app } = await startTelegramWorld(cleanups);
  const core = { app };
  const usage = async (userId: number, chatId: number | null = null) => {
    const view = await core.app.ledger.status({ platform: 'telegram', communityId: chatId === null ? null : String(chatId), userId: String(userId) });
    return { used: view.used, reserved: view.reserved };
  };
  return { fal, tg, usage, recipes: new Recipes(core.app.storage) };
}

const doneSummary = (call: TelegramCall) => /Done in/.test(String(call.params.text));
/** One photo size, a distinct PNG per seed, so each input is recognisable at fal. */
const photo = (seed: number) => {
  const bytes = makePng(64 + seed, 48, seed);
  return { bytes, sizes: [{ width: 64 + seed, height: 48, bytes }] };
};
const GROUP = -1001234567890;

/** Sends `/help` and waits for its answer: updates are handled in order, so everything before it was routed. */
async function settle(tg: FakeTelegram, chatId?: number): Promise<void> {
  const help = tg.injectMessage({ ...(chatId === undefined ? {} : { chat: { id: chatId } }), text: '/help' });
  await tg.waitForCall('sendMessage', repliesTo(help.message_id));
}

describe('Telegram inputs end to end', () => {
  it('a captioned photo and an image sent as a file each make one job with that image, the file byte for byte', async () => {
    const { fal, tg } = await startAll();
    const picture = photo(1);
    tg.injectPhoto({ caption: 'make it blue', sizes: picture.sizes });
    const first = await fal.waitForJob();
    expect(first.inputImages).toHaveLength(1);
    expect(first.inputImages[0]!.equals(picture.bytes)).toBe(true);

    const file = makePng(300, 200, 9);
    const document = tg.injectDocument({ caption: 'sharpen it', bytes: file, mimeType: 'image/png', fileName: 'scan.png' });
    const second = await fal.waitForJob(2);
    expect(second.input.prompt).toBe('sharpen it');
    expect(second.inputImages[0]!.equals(file)).toBe(true);
    await tg.waitForCall('sendPhoto', repliesTo(document.message_id));
  });

  it('gathers an album whose items come 300 ms apart into one job with all its images in order', async () => {
    const { fal, tg, recipes } = await startAll();
    const pictures = [photo(1), photo(2), photo(3)];
    const items = [];
    for (const [i, picture] of pictures.entries()) {
      if (i > 0) await sleep(300);
      items.push(tg.injectPhoto({ sizes: picture.sizes, mediaGroupId: 'album-1', ...(i === 1 ? { caption: 'make them purple' } : {}) }));
    }
    const job = await fal.waitForJob();
    expect(job.input.prompt).toBe('make them purple');
    expect(job.input.image_urls).toHaveLength(3);
    expect(job.inputImages.map((image) => pictures.findIndex((p) => p.bytes.equals(image)))).toEqual([0, 1, 2]);

    // The answers reply to the captioned item; the album asked nothing else.
    await tg.waitForCall('editMessageText', doneSummary);
    expect(tg.callsOf('sendPhoto')[0]?.params.reply_parameters.message_id).toBe(items[1].message_id);
    expect(tg.calls.filter(repliesTo(items[0].message_id))).toHaveLength(0);
    expect(tg.calls.filter(repliesTo(items[2].message_id))).toHaveLength(0);
    expect(fal.jobs).toHaveLength(1);
    // Kept for "Again": the whole album, under the captioned item the answers reply to.
    const recipe = await recipes.load(items[1].chat.id, items[1].message_id);
    expect(recipe).toMatchObject({ kind: 'edit', options: { prompt: 'make them purple' }, userId: 1001 });
    expect(recipe?.images).toHaveLength(3);
  });

  it("keeps gathering a group album while another member's message comes in between", async () => {
    const { fal, tg } = await startAll();
    const caption = `/edit@${tg.botUser.username} add snow`;
    const first = tg.injectPhoto({ chatType: 'supergroup', sizes: photo(1).sizes, mediaGroupId: 'g', caption });
    await sleep(300);
    const between = tg.injectMessage({ from: { id: 3003 }, chat: { id: GROUP }, text: '/quota' });
    await sleep(300);
    tg.injectPhoto({ chatType: 'supergroup', sizes: photo(2).sizes, mediaGroupId: 'g' });
    await sleep(300);
    tg.injectPhoto({ chatType: 'supergroup', sizes: photo(3).sizes, mediaGroupId: 'g' });

    const job = await fal.waitForJob();
    expect(job.input.image_urls).toHaveLength(3);
    await tg.waitForCall('sendMessage', repliesTo(between.message_id));
    await tg.waitForCall('sendPhoto', repliesTo(first.message_id));
    expect(fal.jobs).toHaveLength(1);
  });

  it('tells once that late album items came after the job started, and starts no second job', async () => {
    const { fal, tg } = await startAll();
    tg.injectPhoto({ sizes: photo(1).sizes, mediaGroupId: 'late', caption: 'make it night' });
    tg.injectPhoto({ sizes: photo(2).sizes, mediaGroupId: 'late' });
    const job = await fal.waitForJob();
    expect(job.inputImages).toHaveLength(2);

    const late = tg.injectPhoto({ sizes: photo(3).sizes, mediaGroupId: 'late' });
    const notice = await tg.waitForCall('sendMessage', repliesTo(late.message_id));
    expect(notice.params.text).toMatch(/already taken with 2 images.*\/edit/);
    const later = tg.injectPhoto({ sizes: photo(4).sizes, mediaGroupId: 'late' });
    await tg.waitForCall('editMessageText', doneSummary);
    await settle(tg);
    expect(tg.calls.filter(repliesTo(later.message_id))).toHaveLength(0);
    expect(fal.jobs).toHaveLength(1);
  });

  it('refuses an album with more images than a job takes: one reply, no job, nothing charged', async () => {
    const { fal, tg, usage } = await startAll();
    const items = [1, 2, 3, 4, 5].map((seed) =>
      tg.injectPhoto({ sizes: photo(seed).sizes, mediaGroupId: 'big', ...(seed === 1 ? { caption: 'make it blue' } : {}) }),
    );
    const refusal = await tg.waitForCall('sendMessage', repliesTo(items[0].message_id));
    expect(refusal.params.text).toMatch(/5 images; I can edit at most 4/);
    await settle(tg);
    expect(tg.calls.filter((call) => call.method === 'sendMessage' && items.some((item) => repliesTo(item.message_id)(call)))).toHaveLength(1);
    expect(fal.requests).toHaveLength(0);
    expect(tg.callsOf('getFile')).toHaveLength(0);
    expect(await usage(1001)).toEqual({ used: 0, reserved: 0 });
  });

  it('asks once for a caption for an uncaptioned private album, then a reply to any item edits all of it', async () => {
    const { fal, tg } = await startAll();
    const pictures = [photo(1), photo(2), photo(3)];
    const items = pictures.map((picture) => tg.injectPhoto({ sizes: picture.sizes, mediaGroupId: 'bare' }));
    const ask = await tg.waitForCall('sendMessage', (call) => /caption/.test(String(call.params.text)));
    expect(ask.params.reply_parameters.message_id).toBe(items[0].message_id);

    // Plain text, in private, replying to the last item.
    tg.injectMessage({ text: 'make them sepia', reply_to_message: items[2] });
    const job = await fal.waitForJob();
    expect(job.input.prompt).toBe('make them sepia');
    expect(job.inputImages.map((image) => pictures.findIndex((p) => p.bytes.equals(image)))).toEqual([0, 1, 2]);
    expect(tg.calls.filter((call) => /caption/.test(String(call.params.text)))).toHaveLength(1);
  });

  it('edits the photo a plain private reply points at, and the bot result a reply points at', async () => {
    const { fal, tg } = await startAll();
    const picture = photo(5);
    const original = tg.injectPhoto({ sizes: picture.sizes });
    await tg.waitForCall('sendMessage', repliesTo(original.message_id)); // "add a caption"
    tg.injectMessage({ text: 'add a hat', reply_to_message: original });
    const first = await fal.waitForJob();
    expect(first.inputImages[0]!.equals(picture.bytes)).toBe(true);

    const result = await tg.waitForCall('sendPhoto');
    await tg.waitForCall('editMessageText', doneSummary);
    tg.injectMessage({ text: '/edit now make the hat red', reply_to_message: result.result });
    const second = await fal.waitForJob(2);
    expect(second.input.prompt).toBe('now make the hat red');
    expect(second.inputImages[0]!.equals(first.resultImages[0]!)).toBe(true);
  });

  it('in groups, edits only captions and replies addressed to the bot, albums included', async () => {
    const { fal, tg } = await startAll();
    const bot = tg.botUser.username;
    const plain = tg.injectPhoto({ chatType: 'supergroup', sizes: photo(1).sizes });
    const chatter = tg.injectPhoto({ chatType: 'supergroup', sizes: photo(2).sizes, caption: 'my cat' });
    const other = tg.injectPhoto({ chatType: 'supergroup', sizes: photo(3).sizes, caption: '/edit@other_bot make it blue' });
    const album = [1, 2].map((seed) =>
      tg.injectPhoto({ chatType: 'supergroup', sizes: photo(seed).sizes, mediaGroupId: 'grp', ...(seed === 1 ? { caption: 'holiday' } : {}) }),
    );
    const unaddressedReply = tg.injectMessage({ chat: { id: GROUP }, text: 'make it blue', reply_to_message: plain });
    await sleep(1500); // past the album window, so the album was routed (and ignored) too
    await settle(tg, GROUP);
    expect(fal.requests).toHaveLength(0);
    for (const message of [plain, chatter, other, ...album, unaddressedReply]) {
      expect(tg.calls.filter(repliesTo(message.message_id))).toHaveLength(0);
    }

    // The same album, then, is edited by an addressed reply to any of its items.
    const command = tg.injectMessage({ chat: { id: GROUP }, text: `@${bot} make them brighter`, reply_to_message: album[1] });
    const job = await fal.waitForJob();
    expect(job.inputImages).toHaveLength(2);
    await tg.waitForCall('sendPhoto', repliesTo(command.message_id));
  });

  it('refuses files that are no image, and files over the download limit: no job, nothing charged', async () => {
    const { fal, tg, usage } = await startAll();
    const pdf = tg.injectDocument({ caption: 'make it blue', bytes: Buffer.from('%PDF-1.4 fake'), mimeType: 'application/pdf', fileName: 'a.pdf' });
    const fakePng = tg.injectDocument({ caption: 'make it blue', bytes: Buffer.from('not really'), mimeType: 'application/octet-stream', fileName: 'cat.png' });
    const text = tg.injectDocument({ bytes: Buffer.from('hello'), mimeType: 'text/plain', fileName: 'notes.txt' });
    const textReply = tg.injectMessage({ text: '/edit make it blue', reply_to_message: text });
    const huge = tg.injectDocument({ caption: 'sharpen', bytes: makePng(8, 8), mimeType: 'image/png', fileName: 'big.png', declaredSize: 25 * 1024 * 1024 });
    const empty = tg.injectMessage({ text: '/edit', reply_to_message: tg.injectPhoto({ sizes: photo(1).sizes, caption: '' }) });

    for (const message of [pdf, fakePng, textReply]) {
      const refusal = await tg.waitForCall('sendMessage', repliesTo(message.message_id));
      expect(refusal.params.text).toMatch(/only edit images/);
    }
    const tooBig = await tg.waitForCall('sendMessage', repliesTo(huge.message_id));
    expect(tooBig.params.text).toMatch(/up to 20 MB/);
    const usageReply = await tg.waitForCall('sendMessage', repliesTo(empty.message_id));
    expect(usageReply.params.text).toMatch(/reply to it with \/edit/);

    await settle(tg);
    expect(fal.requests).toHaveLength(0);
    expect(tg.callsOf('getFile')).toHaveLength(0);
    expect(await usage(1001)).toEqual({ used: 0, reserved: 0 });
  });
});
