import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { startTelegramBot } from '../../src/bots/telegram/start.ts';
import { parseConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/core/log.ts';
import { errorMessage, messages } from '../../src/core/messages.ts';
import { TEST_FAL_KEY } from '../helpers/core.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import { repliesTo } from '../helpers/telegram-world.ts';

/**
 * JOB_TIMEOUT, MAX_JOBS_PER_USER and USER_COOLDOWN from the environment reach the runner: a job past
 * its deadline is cancelled at fal; a user over either limit is told so, and nothing reaches fal.
 * (The limits themselves are tested with the runner.)
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startWith(env: Record<string, string>): Promise<{ fal: FakeFal; tg: FakeTelegram }> {
  // A slow job, so the first request is still in flight when the second arrives.
  const fal = await startFakeFal({ key: TEST_FAL_KEY, script: { durationMs: 60_000 } });
  cleanups.push(() => fal.close());
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const parsed = parseConfig({ TELEGRAM_BOT_TOKEN: tg.token, FAL_KEY: TEST_FAL_KEY, FAL_QUEUE_URL: fal.url, STORE_URL: 'memory://', ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const app = await buildApp(parsed.config, silentLogger, { poll: { initialMs: 10, maxMs: 50, factor: 1.5 } });
  cleanups.push(() => app.close());
  // The first job outlives the test: stopping does not wait for it.
  const bot = await startTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, commands: app.commands, storage: app.storage, logger: silentLogger, stopTimeoutMs: 100 });
  cleanups.push(() => bot.stop());
  return { fal, tg };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The text the bot finally showed the user about one message: a reply, or its status message edited. */
async function answerTo(tg: FakeTelegram, messageId: number, matches: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = tg.calls.find((call) => call.method === 'sendMessage' && repliesTo(messageId)(call));
    const texts = tg.calls
      .filter((call) => call === status || (status && call.method === 'editMessageText' && call.params.message_id === status.result?.message_id))
      .map((call) => String(call.params.text));
    const found = texts.find(matches);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no matching answer; saw ${JSON.stringify(texts)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const photo = () => [{ width: 32, height: 32, bytes: makePng(32, 32, 5) }];

describe('job limits from the configuration', () => {
  it('MAX_JOBS_PER_USER=1: a second request while the first runs is refused, and costs nothing', async () => {
    const { fal, tg } = await startWith({ MAX_JOBS_PER_USER: '1', USER_COOLDOWN: '0' });
    tg.injectPhoto({ caption: 'first', sizes: photo() });
    await fal.waitForJob(1);
    const second = tg.injectPhoto({ caption: 'second', sizes: photo() });
    expect(await answerTo(tg, second.message_id, (text) => text === messages.tooManyInFlight(1))).toBe(messages.tooManyInFlight(1));
    expect(fal.jobs).toHaveLength(1);
  });

  it('USER_COOLDOWN=60: a second request right after the first is asked to wait', async () => {
    const { fal, tg } = await startWith({ MAX_JOBS_PER_USER: '0', USER_COOLDOWN: '60' });
    tg.injectPhoto({ caption: 'first', sizes: photo() });
    await fal.waitForJob(1);
    const second = tg.injectPhoto({ caption: 'second', sizes: photo() });
    const answer = await answerTo(tg, second.message_id, (text) => /^Please wait (59|60) s/.test(text));
    expect(answer).toContain(messages.notCharged);
    expect(fal.jobs).toHaveLength(1);
  });

  it('JOB_TIMEOUT=1: a job still running after a second is cancelled at fal, and the user told so', async () => {
    const { fal, tg } = await startWith({ JOB_TIMEOUT: '1', MAX_JOBS_PER_USER: '0', USER_COOLDOWN: '0' });
    const request = tg.injectPhoto({ caption: 'slow one', sizes: photo() });
    const job = await fal.waitForJob(1);
    expect(await answerTo(tg, request.message_id, (text) => text === errorMessage('TIMED_OUT'))).toBe(errorMessage('TIMED_OUT'));
    await until(() => job.cancelled);
  });
});
