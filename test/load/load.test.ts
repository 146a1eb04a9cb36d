import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QuotaSubject } from '../../src/core/quota/subject.ts';
import type { TelegramCall } from '../helpers/fake-telegram.ts';
import { startTelegramWorld, type TelegramWorld } from '../helpers/telegram-world.ts';
import { distinctPng, giveEachJobItsOwnResult, pollHealth } from './load-kit.ts';

/**
 * Issue 7's load test: 500 photo requests from 100 Telegram users, injected within 5 s, through the
 * real grammY adapter, the real core and a real SQLite file store, against the fake Bot API and fake
 * fal, while a monitor polls /healthz every 100 ms. Nothing may be lost, every result must reach the
 * message that asked for it, the quotas must come out exact, and /healthz must answer all along.
 *
 * Every tenth user has their own limit of 3 (set as a moderator would), so two of their five
 * concurrent requests must be refused: proof that concurrent reservations never overspend. The
 * others use the whole QUOTA_LIMIT of 5, to the image.
 */

const USERS = 100;
const PER_USER = 5;
const QUOTA_LIMIT = 5;
const TIGHT_LIMIT = 3;
const isTight = (user: number) => user % 10 === 0;
/** Twenty messages (four users' five) every 200 ms: all 500 within 5 s, each user's five at once. */
const WAVE_SIZE = 20;
const WAVE_GAP_MS = 200;
/** Each fal job runs 1.5 s, so a few hundred are in flight together. */
const FAL_JOB_MS = 1_500;
/** Result images get seeds of their own, above those of the 500 input photos. */
const FIRST_RESULT_SEED = 1_000;
/**
 * /healthz must answer 200 within 1 s, every time. An idle process answers in a millisecond or two;
 * a second is far beyond what scheduling noise on a loaded CI machine adds, yet a process whose event
 * loop is held up by the load (synchronous image work, a store blocking, unbounded queues) shows as
 * a failed poll. It checks responsiveness, it is no benchmark.
 */
const HEALTH_TIMEOUT_MS = 1_000;
const HEALTH_INTERVAL_MS = 100;
/** How long everything may take to be delivered; typically a few seconds after the last message. */
const SETTLE_TIMEOUT_MS = 60_000;

const userIdOf = (user: number) => 7_000_000 + user;
const promptOf = (user: number, k: number) => `load test: user ${userIdOf(user)} request ${k}`;
const subjectOf = (user: number): QuotaSubject => ({ platform: 'telegram', communityId: null, userId: String(userIdOf(user)) });

interface Request {
  readonly user: number;
  readonly k: number;
  readonly chatId: number;
  readonly messageId: number;
  readonly prompt: string;
  readonly photo: Buffer;
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function startLoadWorld(): Promise<{ world: TelegramWorld; logLines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'load-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const logLines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
  const world = await startTelegramWorld(cleanups, {
    logger,
    env: { STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`, HTTP_PORT: '0', QUOTA_LIMIT: String(QUOTA_LIMIT), QUOTA_WINDOW: 'month' },
    // MAX_JOBS_PER_USER and USER_COOLDOWN: each user sends five at once, which the defaults (2 in
    // flight, 3 s apart) would refuse. Five in flight is still a limit, met exactly here; refusals
    // beyond it have their own tests (test/jobs/user-limits.test.ts).
    overrides: { maxJobsPerUser: PER_USER, userCooldownMs: 0 },
  });
  giveEachJobItsOwnResult(world.fal, FAL_JOB_MS, FIRST_RESULT_SEED);
  return { world, logLines };
}

async function injectAll(world: TelegramWorld): Promise<Request[]> {
  const requests: Request[] = [];
  for (let k = 0; k < USERS * PER_USER; k++) {
    if (k > 0 && k % WAVE_SIZE === 0) await new Promise((resolve) => setTimeout(resolve, WAVE_GAP_MS));
    const user = Math.floor(k / PER_USER);
    const photo = distinctPng(k);
    const prompt = promptOf(user, k);
    const message = world.tg.injectPhoto({ userId: userIdOf(user), caption: prompt, sizes: [{ width: 16, height: 16, bytes: photo }] });
    requests.push({ user, k, chatId: message.chat.id, messageId: message.message_id, prompt, photo });
  }
  return requests;
}

const replyKey = (chatId: number, messageId: number) => `${chatId}:${messageId}`;

/** The bot's calls of one method that reply to a user's message, by that message. */
function repliesByMessage(calls: readonly TelegramCall[], method: string): Map<string, TelegramCall[]> {
  const byMessage = new Map<string, TelegramCall[]>();
  for (const call of calls) {
    if (call.method !== method) continue;
    const key = replyKey(Number(call.params.chat_id), Number(call.params.reply_parameters?.message_id));
    byMessage.set(key, [...(byMessage.get(key) ?? []), call]);
  }
  return byMessage;
}

/** The last word on each request: the text its status message shows now (undefined while it has none). */
function finalTexts(world: TelegramWorld, requests: readonly Request[]): Map<Request, string | undefined> {
  const statuses = repliesByMessage(world.tg.calls, 'sendMessage');
  return new Map(
    requests.map((request) => {
      const status = statuses.get(replyKey(request.chatId, request.messageId))?.[0]?.result;
      const text: unknown = status && world.tg.messageOf(request.chatId, status.message_id)?.text;
      return [request, typeof text === 'string' ? text : undefined];
    }),
  );
}

const DONE = /^Done in \d+ s · \d+ of \d+ images left this month\.$/;
const EXHAUSTED = new RegExp(`^You have used all ${TIGHT_LIMIT} images for this month\\. Resets in `);

describe('load: 500 jobs from 100 users within 10 s', () => {
  it('loses none, gives every user exactly their own results, keeps quotas exact, and /healthz answers throughout', { timeout: 120_000 }, async () => {
    const { world, logLines } = await startLoadWorld();
    const { tg, fal, app } = world;
    for (let user = 0; user < USERS; user++) {
      if (isTight(user)) await app.admin.setLimit({ platform: 'telegram', communityId: null }, { userId: 'moderator' }, { userId: String(userIdOf(user)) }, TIGHT_LIMIT);
    }
    expect(app.httpPort).toBeTypeOf('number');
    const health = pollHealth(`http://127.0.0.1:${app.httpPort}/healthz`, HEALTH_INTERVAL_MS, HEALTH_TIMEOUT_MS);

    const started = performance.now();
    const requests = await injectAll(world);
    const injectedMs = performance.now() - started;
    await vi.waitFor(
      () => {
        const open = [...finalTexts(world, requests).values()].filter((text) => text === undefined || !(DONE.test(text) || EXHAUSTED.test(text)));
        if (open.length > 0) throw new Error(`${open.length} of ${requests.length} requests have no final answer yet`);
      },
      { timeout: SETTLE_TIMEOUT_MS, interval: 200 },
    );
    const settledMs = performance.now() - started;
    const samples = await health.stop();
    console.info(`load: 500 injected in ${Math.round(injectedMs)} ms, all answered after ${Math.round(settledMs)} ms; ` +
      `/healthz ${samples.length} polls, slowest ${Math.round(Math.max(...samples.map((s) => s.ms)))} ms`);

    expect(injectedMs).toBeLessThan(10_000);
    const finals = finalTexts(world, requests);
    const statuses = repliesByMessage(tg.calls, 'sendMessage');
    const photos = repliesByMessage(tg.calls, 'sendPhoto');
    const jobsByPrompt = new Map(fal.jobs.map((job) => [String(job.input.prompt), job]));

    for (let user = 0; user < USERS; user++) {
      const own = requests.filter((request) => request.user === user);
      const limit = isTight(user) ? TIGHT_LIMIT : QUOTA_LIMIT;
      const done = own.filter((request) => DONE.test(finals.get(request) ?? ''));
      const refused = own.filter((request) => EXHAUSTED.test(finals.get(request) ?? ''));
      expect({ user, done: done.length, refused: refused.length }).toEqual({ user, done: limit, refused: PER_USER - limit });

      for (const request of own) {
        const key = replyKey(request.chatId, request.messageId);
        // One status message per request, in the user's own chat, replying to their message.
        expect(statuses.get(key)?.length).toBe(1);
        const job = jobsByPrompt.get(request.prompt);
        if (refused.includes(request)) {
          expect(job).toBeUndefined();
          expect(photos.get(key)).toBeUndefined();
          continue;
        }
        // Exactly one result, replying to this very message, made from this message's photo by its own fal job.
        expect(job?.inputImages).toEqual([request.photo]);
        const sent = photos.get(key) ?? [];
        expect(sent).toHaveLength(1);
        expect(sent[0]!.files.photo?.bytes.equals(job!.resultImages[0]!)).toBe(true);
      }
      expect(await app.ledger.status(subjectOf(user))).toMatchObject({ limit, used: limit, reserved: 0, remaining: 0 });
    }

    const accepted = USERS * PER_USER - (USERS / 10) * (PER_USER - TIGHT_LIMIT);
    // Exactly one submit per accepted request, none for a refused one, no cancellations.
    expect(fal.requests.filter((r) => r.method === 'POST')).toHaveLength(accepted);
    expect(fal.jobs).toHaveLength(accepted);
    expect(jobsByPrompt.size).toBe(accepted);
    expect(fal.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    // Every photo the bot sent is one of those checked above; nothing else went out as a message.
    expect(tg.callsOf('sendPhoto')).toHaveLength(accepted);
    expect(tg.callsOf('sendMessage')).toHaveLength(USERS * PER_USER);
    expect(tg.calls.filter((call) => call.error !== undefined && call.method !== 'getUpdates')).toEqual([]);
    expect(logLines.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);

    expect(samples.length).toBeGreaterThan(10);
    expect(samples.filter((sample) => sample.status !== 200 || sample.ms >= HEALTH_TIMEOUT_MS)).toEqual([]);
  });
});
