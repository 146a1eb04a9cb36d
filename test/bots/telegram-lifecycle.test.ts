import { Api } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createImageSourceFactory } from '../../src/bots/telegram/inputs.ts';
import { startTelegramBot } from '../../src/bots/telegram/start.ts';
import type { RunningService } from '../../src/core/lifecycle.ts';
import type { Commands } from '../../src/commands/commands.ts';
import type { CommandContext, EditArgs } from '../../src/commands/context.ts';
import { isBotError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';

/** Start, stop and concurrency of the adapter with scripted commands; input downloads and secrets. */

let cleanups: Array<() => Promise<void>> = [];
let storage: Storage;
beforeEach(() => {
  storage = createMemoryStorage();
  cleanups.push(() => storage.close());
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function fake(): Promise<FakeTelegram> {
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  return tg;
}

/** Commands whose /edit waits until the test releases it. */
function scriptedCommands() {
  const edits: Array<{ ctx: CommandContext; args: EditArgs }> = [];
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const commands: Commands = {
    async edit(ctx, args) {
      edits.push({ ctx, args });
      await ctx.status('Working…');
      await released;
      await ctx.finish('edited');
    },
    imagine: (ctx) => ctx.finish('imagine answer'),
    quota: (ctx) => ctx.finish('quota answer'),
    help: (ctx) => ctx.finish('help answer'),
    moderate: (ctx) => ctx.finish('moderate answer'),
    cancel: () => 'not_found',
    // No job was ever left unfinished here.
    resume: async () => undefined,
  };
  return { commands, edits, release };
}

async function startBot(tg: FakeTelegram, commands: Commands, extra: { stopTimeoutMs?: number } = {}): Promise<RunningService> {
  const bot = await startTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, commands, storage, logger: silentLogger, ...extra });
  cleanups.push(() => bot.stop());
  return bot;
}

describe('Telegram bot lifecycle', () => {
  it('keeps answering other updates while a job runs, and stop() waits for the job', async () => {
    const tg = await fake();
    const { commands, edits, release } = scriptedCommands();
    const bot = await startBot(tg, commands);
    const getUpdates = await tg.waitForCall('getUpdates');
    expect(getUpdates.params.allowed_updates).toEqual(['message', 'callback_query']);

    tg.injectPhoto({ caption: 'slow one', sizes: [{ width: 8, height: 8, bytes: makePng(8, 8) }] });
    const help = tg.injectMessage({ text: '/help', from: { id: 5 } });
    await tg.waitForCall('sendMessage', (c) => c.params.reply_parameters?.message_id === help.message_id);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.args.prompt).toBe('slow one');

    let stopped = false;
    const stopping = bot.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(tg.callsOf('editMessageText').at(-1)?.params.text).toBe('edited');
  });

  it('stop() gives up on a stuck job after its bound', async () => {
    const tg = await fake();
    const { commands, edits } = scriptedCommands();
    const bot = await startBot(tg, commands, { stopTimeoutMs: 100 });
    tg.injectPhoto({ caption: 'never ends', sizes: [{ width: 8, height: 8, bytes: makePng(8, 8) }] });
    await tg.waitForCall('sendMessage');
    expect(edits).toHaveLength(1);
    const began = Date.now();
    await bot.stop();
    expect(Date.now() - began).toBeLessThan(2000);
  });

  it('refuses to start with a wrong token, without echoing it', async () => {
    const tg = await fake();
    const token = '999:wrong-token-0123456789abcdefgh';
    const error: unknown = await startTelegramBot({ token, apiRoot: tg.apiRoot, commands: scriptedCommands().commands, storage, logger: silentLogger }).catch(
      (e: unknown) => e,
    );
    expect(isBotError(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/401/);
    expect(String((error as Error).message)).not.toContain('wrong-token');
  });

  it('fails start-up within seconds, naming the API root, when the Bot API cannot be reached', async () => {
    const tg = await startFakeTelegram();
    const apiRoot = tg.apiRoot;
    await tg.close(); // nothing listens there now
    const error: unknown = await startTelegramBot({ token: tg.token, apiRoot, commands: scriptedCommands().commands, storage, logger: silentLogger }).catch(
      (e: unknown) => e,
    );
    // The default start timeout is 60 s, well past this test's own limit: only bounded retries get here.
    expect(isBotError(error)).toBe(true);
    expect((error as Error).message).toContain(`Bot API at ${apiRoot}`);
    expect((error as Error).message).not.toContain(tg.token.split(':')[1]!);
  });

  it('still starts when setMyCommands fails', async () => {
    const tg = await fake();
    tg.failNext('setMyCommands', { error_code: 400, description: 'Bad Request: bad commands' });
    await startBot(tg, scriptedCommands().commands);
    const help = tg.injectMessage({ text: '/help' });
    await tg.waitForCall('sendMessage', (c) => c.params.reply_parameters?.message_id === help.message_id);
  });
});

describe('Telegram image inputs', () => {
  const sourceFor = (tg: FakeTelegram, maxBytes = 1_000_000, apiRoot = tg.apiRoot) =>
    createImageSourceFactory({ api: new Api(tg.token, { apiRoot }), apiRoot, token: tg.token, maxBytes, timeoutMs: 2000 });

  it('downloads the file through getFile and the token-bearing file URL', async () => {
    const tg = await fake();
    const bytes = makePng(16, 16, 3);
    const file = tg.addFile(bytes, 'png');
    const source = sourceFor(tg)({ fileId: file.file_id, declaredBytes: file.file_size });
    expect(source.declaredBytes).toBe(bytes.length);
    expect((await source.load(new AbortController().signal)).equals(bytes)).toBe(true);
    expect(tg.callsOf('getFile')[0]?.params.file_id).toBe(file.file_id);
  });

  it('maps failures to BotErrors that never contain the token', async () => {
    const tg = await fake();
    const file = tg.addFile(makePng(64, 64), 'png');
    const failures: unknown[] = [];
    const load = (source: ReturnType<ReturnType<typeof sourceFor>>) => source.load(new AbortController().signal).catch((e: unknown) => failures.push(e));

    tg.failNext('getFile', { error_code: 400, description: 'Bad Request: file is too big' });
    await load(sourceFor(tg)({ fileId: file.file_id }));
    await load(sourceFor(tg, 100)({ fileId: file.file_id })); // over the byte cap while downloading
    await load(sourceFor(tg, 100)({ fileId: file.file_id, declaredBytes: 5000 })); // refused before any call
    await load(sourceFor(tg)({ fileId: 'unknown' }));
    const closedRoot = 'http://127.0.0.1:1';
    await load(sourceFor(tg, 1000, closedRoot)({ fileId: file.file_id }));

    expect(failures.map((e) => (isBotError(e) ? e.code : String(e)))).toEqual([
      'IMAGE_TOO_LARGE',
      'IMAGE_TOO_LARGE',
      'IMAGE_TOO_LARGE',
      'DOWNLOAD_FAILED',
      'DOWNLOAD_FAILED',
    ]);
    const secret = tg.token.split(':')[1]!;
    for (const error of failures) {
      expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(secret);
    }
  }, 15_000);
});
