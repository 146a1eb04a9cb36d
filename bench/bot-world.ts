// The bot as operators run it (`node dist/main.js`, built by `npm run bench`), in a process of its own,
// with the loopback fakes of Telegram and fal in the bench process. Memory figures are the bot
// process's alone; timings are taken by the fakes, on one clock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBotProcess, type BotProcess } from '../test/helpers/bot-process.ts';
import { freePort } from '../test/helpers/core.ts';
import { startFakeFal, type FakeFal } from '../test/helpers/fake-fal.ts';
import type { FalScript } from '../test/helpers/fake-fal-types.ts';
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from '../test/helpers/fake-telegram.ts';

export const BUILT_ENTRY = join(import.meta.dirname, '../dist/main.js');
/** The node flags of `npm start` (and the Dockerfile's CMD): the bot is measured as operators run it. */
const START_FLAGS = (JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(' ')
  .filter((arg) => arg.startsWith('--'));
const FAL_KEY = 'bench-fal-key-0123456789';

/** How the bot learns that fal finished: fal's webhook, fal's status stream, or polling alone. */
export type Completion = 'webhook' | 'stream' | 'polling';

export interface BotWorld {
  readonly tg: FakeTelegram;
  readonly fal: FakeFal;
  readonly bot: BotProcess;
  /** The bot's HTTP server (health, readiness, metrics; fal's webhook in webhook mode). */
  readonly httpUrl: string;
  /** performance.now() just before the bot process was spawned. */
  readonly spawnedAt: number;
  close(): Promise<void>;
}

export interface BotWorldOptions {
  readonly completion: Completion;
  readonly dir: string;
  /** Job duration (`durationMs`, default 5 s), result images and other script fields for every job. */
  readonly script?: Partial<FalScript>;
}

/** Enough failures that every job's stream request fails (404) and the bot polls. */
const STREAM_REFUSALS = 5_000;

export async function startBotWorld(options: BotWorldOptions): Promise<BotWorld> {
  const script: Partial<FalScript> = {
    durationMs: 5_000,
    ...options.script,
    ...(options.completion === 'polling' ? { streamFailures: Array.from({ length: STREAM_REFUSALS }, () => ({ status: 404 })) } : {}),
  };
  const fal = await startFakeFal({ key: FAL_KEY, script });
  const tg = await startFakeTelegram();
  const port = await freePort();
  const httpUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    FAL_KEY,
    FAL_QUEUE_URL: fal.url,
    FAL_JWKS_URL: fal.jwksUrl,
    STORE_URL: `sqlite://${join(options.dir, 'bot.sqlite')}`,
    HTTP_PORT: String(port),
    QUOTA_LIMIT: '100000',
    // The per-user abuse limits would refuse a load like this; they have their own tests.
    MAX_JOBS_PER_USER: '0',
    USER_COOLDOWN: '0',
    LOG_LEVEL: 'info',
    ...(options.completion === 'webhook' ? { PUBLIC_URL: httpUrl } : {}),
    // --experimental-sqlite is on the command line already; BENCH_NODE_OPTIONS=--cpu-prof profiles the bot under load.
    NODE_OPTIONS: [...START_FLAGS.filter((flag) => flag !== '--experimental-sqlite'), process.env.BENCH_NODE_OPTIONS ?? ''].join(' ').trim(),
  };
  const spawnedAt = performance.now();
  const bot = startBotProcess({ cwd: options.dir, env, entry: BUILT_ENTRY, name: `bench bot (${options.completion})` });
  await bot.waitForLog('ready', 30_000);
  return {
    tg,
    fal,
    bot,
    httpUrl,
    spawnedAt,
    close: async () => {
      await bot.stop('SIGTERM', 20_000).catch(() => bot.kill());
      await tg.close();
      await fal.close();
    },
  };
}

/** Resident memory of a live process from /proc (Linux): now, and the peak since it started. */
export function residentMemory(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** The first sendPhoto (the result) into a chat. */
export const resultIn = (chatId: number) => (call: TelegramCall) => call.params.chat_id === chatId;

/** When fal received the submit whose prompt is `prompt`. */
export function submittedAt(fal: FakeFal, prompt: string): number {
  const submit = fal.requests.find((r) => r.method === 'POST' && !r.path.includes('/requests/') && (r.body as { prompt?: string } | undefined)?.prompt === prompt);
  if (!submit) throw new Error(`fal never received the submit of "${prompt}"`);
  return submit.at;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Samples the bot's `bot_jobs_in_flight` gauge (its /metrics) every `everyMs` until stopped; `stop`
 * gives the highest value seen, which shows how many jobs really ran at once.
 */
export function sampleJobsInFlight(world: BotWorld, everyMs = 100): { stop(): Promise<number> } {
  let peak = 0;
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      const text = await (await fetch(`${world.httpUrl}/metrics`)).text();
      const value = Number(/^bot_jobs_in_flight (\d+)/m.exec(text)?.[1] ?? 0);
      peak = Math.max(peak, value);
    }).catch(() => undefined);
  }, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await sampling;
      return peak;
    },
  };
}

/**
 * Calls `start(i)` for i = 0…count-1, evenly over `spreadMs` (all at once for 0), on a schedule of
 * absolute times, so the time each call and the timers themselves take does not stretch it.
 */
export async function spreadOver<T>(count: number, spreadMs: number, start: (i: number) => T): Promise<T[]> {
  const begin = performance.now();
  const started: T[] = [];
  for (let i = 0; i < count; i++) {
    const due = begin + (spreadMs * i) / count - performance.now();
    if (due > 0) await sleep(due);
    started.push(start(i));
  }
  return started;
}
