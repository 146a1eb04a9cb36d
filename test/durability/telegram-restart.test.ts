import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogueFor } from '../../src/core/messages.ts';
import { stopBotProcesses, startBotProcess, type BotProcess } from '../helpers/bot-process.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import { REDIS_URL } from '../helpers/redis.ts';
import { repliesTo } from '../helpers/telegram-world.ts';

/**
 * Issue 7's "done when", for Telegram: the bot as a real process (`node src/main.ts`) is killed with
 * SIGKILL, or stopped with SIGTERM, while fal works on a paid job; a new process on the same store
 * (a SQLite file, or Redis) finishes it. The user gets the result photo, fal got exactly one submit,
 * and the quota shows exactly one image used.
 *
 * A new process takes over a killed one's job once its lease lapses (10 s by default) at its next
 * sweep (5 s); a stopped one's at once (the lease is released). Hence the generous test timeouts.
 */

const FAL_KEY = 'fal-restart-test-key-123';
const say = catalogueFor('en');
/** Long enough that the job is still running at fal when the bot goes down, short enough to be done soon after. */
const FAL_JOB_MS = 6_000;
const TAKEOVER_MS = 45_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await stopBotProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface World {
  readonly dir: string;
  readonly fal: FakeFal;
  readonly tg: FakeTelegram;
  readonly env: Record<string, string>;
}

async function startWorld(store: 'sqlite' | 'redis'): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-restart-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const fal = await startFakeFal({ key: FAL_KEY, script: { durationMs: FAL_JOB_MS } });
  cleanups.push(() => fal.close());
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const env = {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    FAL_KEY,
    FAL_QUEUE_URL: fal.url,
    STORE_URL: store === 'sqlite' ? `sqlite://${join(dir, 'bot.sqlite')}` : REDIS_URL,
    QUOTA_LIMIT: '5',
    LOG_LEVEL: 'info',
  };
  return { dir, fal, tg, env };
}

const start = (world: World, name: string): BotProcess => startBotProcess({ cwd: world.dir, env: world.env, name });

/**
 * Sends a photo and waits until the job is at fal *and* the bot has recorded that: the first progress
 * edit comes after the submission is saved. (Killed between fal's answer and that save, the job could
 * only be refunded: the request id would be lost with the process.)
 */
async function startPaidJob(world: World, userId: number): Promise<{ messageId: number; statusId: number }> {
  const photo = world.tg.injectPhoto({ caption: 'paint it gold', userId, sizes: [{ width: 32, height: 32, bytes: makePng(32, 32, 9) }] });
  await world.fal.waitForJob(1, 20_000);
  const status = await world.tg.waitForCall('sendMessage', repliesTo(photo.message_id), 10_000);
  const statusId: number = status.result.message_id;
  await world.tg.waitForCall('editMessageText', (c) => c.params.message_id === statusId, 10_000);
  return { messageId: photo.message_id, statusId };
}

/** The resumed job's result, its summary on the adopted status message, one submit, one image charged. */
async function expectFinishedOnce(world: World, bot: BotProcess, job: { messageId: number; statusId: number }, userId: number): Promise<void> {
  const { tg, fal } = world;
  const photo = await tg.waitForCall('sendPhoto', repliesTo(job.messageId), TAKEOVER_MS);
  expect(photo.files.photo?.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
  const isSummary = (c: TelegramCall) => c.params.message_id === job.statusId && String(c.params.text).startsWith('Done');
  const summary = await tg.waitForCall('editMessageText', isSummary, 10_000);
  expect(summary.params.reply_markup.inline_keyboard[0][0].callback_data).toBe(`a:${userId}:${job.messageId}`);
  await bot.waitForLog('job done', 10_000);

  expect(fal.jobs).toHaveLength(1);
  expect(fal.requests.filter((r) => r.method === 'POST' && !r.path.includes('/requests/'))).toHaveLength(1);
  expect(fal.jobs[0]!.cancelled).toBe(false);
  expect(tg.callsOf('sendPhoto').filter(repliesTo(job.messageId))).toHaveLength(1);

  const quota = tg.injectMessage({ from: { id: userId }, text: '/quota' });
  const answer = await tg.waitForCall('sendMessage', (c) => c.params.chat_id === quota.chat.id && repliesTo(quota.message_id)(c), 10_000);
  expect(answer.params.text).toMatch(/used 1 of 5/);
}

describe('a Telegram job survives the bot process', () => {
  it('kill -9 mid-job: the restart on the same SQLite file delivers it, one submit, one image charged', { timeout: 90_000 }, async () => {
    const world = await startWorld('sqlite');
    const first = start(world, 'first');
    const job = await startPaidJob(world, 4242);
    expect(world.tg.callsOf('sendPhoto')).toHaveLength(0);
    expect((await first.kill()).signal).toBe('SIGKILL');

    const second = start(world, 'restart');
    await second.waitForLog('ready');
    await expectFinishedOnce(world, second, job, 4242);
    await second.waitForLog('resuming job');
    for (const bot of [first, second]) {
      expect(bot.output()).not.toContain(world.tg.token.split(':')[1]);
      expect(bot.output()).not.toContain(FAL_KEY);
    }
    expect((await second.stop()).code).toBe(0);
  });

  it('kill -9 mid-job with Redis as the store: the restart delivers it, one submit, one image charged', { timeout: 90_000 }, async () => {
    const world = await startWorld('redis');
    // The bot process uses Redis's default key prefix: ids of its own keep this run apart from any other.
    const userId = 700_000_000 + Math.floor(Math.random() * 100_000_000);
    cleanups.push(() => deleteRedisKeysMentioning(String(userId)));
    const first = start(world, 'first');
    const job = await startPaidJob(world, userId);
    await first.kill();

    const second = start(world, 'restart');
    await expectFinishedOnce(world, second, job, userId);
    expect((await second.stop()).code).toBe(0);
  });

  it('SIGTERM mid-job: exits cleanly with the job paused, and the next start finishes it', { timeout: 90_000 }, async () => {
    const world = await startWorld('sqlite');
    const first = start(world, 'first');
    const job = await startPaidJob(world, 4244);

    const exit = await first.stop('SIGTERM');
    // 0, not the hard exit's 1: everything stopped by itself within the 10 s limit.
    expect(exit.code).toBe(0);
    expect(first.logs().some((line) => line.msg === 'shutdown took too long: exiting anyway')).toBe(false);
    expect(first.logs().some((line) => line.msg === 'job left for the next process to resume')).toBe(true);
    const last = world.tg.callsOf('editMessageText').filter((c) => c.params.message_id === job.statusId).at(-1)!;
    expect(last.params.text).toBe(say.suspended());
    expect(world.fal.jobs[0]!.cancelled).toBe(false);
    expect(world.tg.callsOf('sendPhoto')).toHaveLength(0);

    const second = start(world, 'restart');
    await expectFinishedOnce(world, second, job, 4244);
    expect((await second.stop()).code).toBe(0);
  });
});

/** Deletes the keys of the default prefix that name this test's user (its job, quota and recipe records). */
async function deleteRedisKeysMentioning(id: string): Promise<void> {
  const client = createClient({ url: REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `nano-banana:*${id}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    await client.close();
  }
}
