import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../../src/core/log.ts';
import type { FakeFal, FalScript } from '../helpers/fake-fal.ts';
import type { FakeTelegram, TelegramCall } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';

/**
 * Parts of the load test (load.test.ts) that are not about what it asserts: images that tell 500
 * requests apart, a fal script that gives every job a result of its own, the /healthz poller, and
 * readers of what the fake Bot API received.
 */

/**
 * A small PNG of its own for every n: makePng's pixels repeat after 256 seeds, so the width
 * carries the rest. Distinct bytes let the test follow each image from Telegram to fal and back.
 */
export function distinctPng(n: number): Buffer {
  return makePng(16 + Math.floor(n / 256), 16, n % 256);
}

/**
 * Every job submitted from now on completes after `durationMs` with one result image no other job
 * has. The fake reads `outcome.images` once per submit and keeps what it got as the job's
 * `resultImages` (fake-fal-server.ts), so a getter hands out a fresh image each time. Assigned
 * rather than passed to startFakeFal, which copies the script (and would read the getter once).
 */
export function giveEachJobItsOwnResult(fal: FakeFal, durationMs: number, firstSeed: number): void {
  let next = firstSeed;
  const script: FalScript = {
    statuses: [{ status: 'IN_QUEUE', queue_position: 3 }, { status: 'IN_PROGRESS' }],
    outcome: {
      kind: 'images',
      get images() {
        return [distinctPng(next++)];
      },
    },
    submitFailures: [],
    statusFailures: [],
    streamFailures: [],
    resultFailures: [],
    durationMs,
  };
  fal.script = script;
}

/**
 * The environment both load tests give the core: a real SQLite file (removed by a clean-up), the
 * HTTP server with /healthz on a free port, and the quota of the test.
 */
export function loadEnv(cleanups: Array<() => Promise<void>>, quotaLimit: number): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'load-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  // A month rather than a day: a window that rolls over mid-test would split the usage.
  return { STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`, HTTP_PORT: '0', QUOTA_LIMIT: String(quotaLimit), QUOTA_WINDOW: 'month' };
}

/** A logger that keeps warnings and errors, to check that the load caused none. */
export function keptLogs(): { logger: Logger; errors(): string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  return { logger, errors: () => lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One answer of /healthz: its HTTP status (0 when the request failed) and how long it took. */
export interface HealthSample {
  readonly status: number;
  readonly ms: number;
  readonly error?: string;
}

export interface HealthPoller {
  readonly samples: readonly HealthSample[];
  /** Stops polling and resolves once the last request has ended. */
  stop(): Promise<HealthSample[]>;
}

/**
 * Asks `url` every `intervalMs`, one request at a time, as a monitor would. A request gets
 * `timeoutMs` before it counts as failed, so a stalled process shows up as a failure, not as a
 * poller that waits forever.
 */
export function pollHealth(url: string, intervalMs: number, timeoutMs: number): HealthPoller {
  const samples: HealthSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        samples.push({ status: response.status, ms: performance.now() - started });
      } catch (error) {
        samples.push({ status: 0, ms: performance.now() - started, error: error instanceof Error ? error.message : String(error) });
      }
      await sleep(intervalMs);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** A user's message in a chat, as the test injected it. */
export interface SentMessage {
  readonly chatId: number;
  readonly messageId: number;
}

export const replyKey = (chatId: number, messageId: number) => `${chatId}:${messageId}`;

/** The bot's calls of one method that reply to a user's message, by that message. */
export function repliesByMessage(calls: readonly TelegramCall[], method: string): Map<string, TelegramCall[]> {
  const byMessage = new Map<string, TelegramCall[]>();
  for (const call of calls) {
    if (call.method !== method) continue;
    const key = replyKey(Number(call.params.chat_id), Number(call.params.reply_parameters?.message_id));
    byMessage.set(key, [...(byMessage.get(key) ?? []), call]);
  }
  return byMessage;
}

/**
 * Every text each request's status message was given, in the order the Bot API received them (the
 * first send, then the edits), and the text it shows now.
 */
export function statusHistories<R extends SentMessage>(tg: FakeTelegram, requests: readonly R[]): Map<R, { texts: string[]; shown: unknown }> {
  const statuses = repliesByMessage(tg.calls, 'sendMessage');
  const edits = new Map<string, string[]>();
  for (const call of tg.callsOf('editMessageText')) {
    const key = replyKey(Number(call.params.chat_id), Number(call.params.message_id));
    edits.set(key, [...(edits.get(key) ?? []), String(call.params.text)]);
  }
  return new Map(
    requests.map((request) => {
      const status = statuses.get(replyKey(request.chatId, request.messageId))?.[0];
      const statusId = Number(status?.result?.message_id);
      const texts = status ? [String(status.params.text), ...(edits.get(replyKey(request.chatId, statusId)) ?? [])] : [];
      return [request, { texts, shown: tg.messageOf(request.chatId, statusId)?.text }];
    }),
  );
}
