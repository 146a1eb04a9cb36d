import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.ts';
import { freePort } from '../helpers/core.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import { REDIS_URL } from '../helpers/redis.ts';
import { repliesTo } from '../helpers/telegram-world.ts';
import { giveEachJobItsOwnResult } from '../load/load-kit.ts';

/**
 * The set-up of the scale-out tests (two-processes.test.ts): two real bot processes
 * (`node src/main.ts`) in Telegram webhook mode on one Redis, one fake Telegram and one fake fal
 * shared by both, and the test in the load balancer's place, posting each update to the process it
 * chooses. Long polling allows one consumer per token, so webhook mode is how Telegram scales out.
 */

export const FAL_KEY = 'fal-scaleout-test-key-0123456789';
/** Both processes register this one public URL: the load balancer's. */
export const PUBLIC_WEBHOOK_URL = 'https://bot.example.com/telegram/webhook';
export const WEBHOOK_SECRET = 'scaleout-Webhook_secret-0123456789abcdef';

/**
 * The Redis logical database the processes share. Not REDIS_URL's own (0): the bot uses Redis' default
 * key prefix, and every Telegram bot process on that prefix sweeps up any Telegram job whose lease
 * has lapsed. A durability test running in a parallel worker (its killed process's job) and this
 * file's killed process would take each other's jobs over, against the wrong fakes. A database of
 * their own keeps these processes' sweeps to this file's jobs; random user ids keep two runs apart.
 */
const SCALEOUT_REDIS_DB = 7;
export const STORE_URL = redisUrlWithDatabase(REDIS_URL, SCALEOUT_REDIS_DB);

export interface Node {
  readonly bot: BotProcess;
  /** Where the load balancer forwards PUBLIC_WEBHOOK_URL to for this process. */
  readonly webhookUrl: string;
}

export interface Cluster {
  readonly fal: FakeFal;
  readonly tg: FakeTelegram;
  readonly a: Node;
  readonly b: Node;
}

export interface ClusterOptions {
  /** How long fal takes over each job (the fake's time mode). */
  readonly falJobMs: number;
  /** Environment given to both processes besides the wiring (QUOTA_LIMIT, MAX_JOBS_PER_USER …). */
  readonly env: Readonly<Record<string, string>>;
}

type Cleanups = Array<() => Promise<void> | void>;

/** Starts the fakes and processes A and B, and resolves once both have logged `ready`. */
export async function startCluster(cleanups: Cleanups, options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'scaleout-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const fal = await startFakeFal({ key: FAL_KEY, script: { durationMs: options.falJobMs } });
  cleanups.push(() => fal.close());
  // Every job its own result image, so that each delivery can be traced to its fal job.
  giveEachJobItsOwnResult(fal, options.falJobMs, 200);
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  // The bot's own username record names the fake bot's id.
  cleanups.push(() => deleteRedisKeysMentioning(String(tg.botUser.id)));
  const env = {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    TELEGRAM_WEBHOOK_URL: PUBLIC_WEBHOOK_URL,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    FAL_KEY,
    FAL_QUEUE_URL: fal.url,
    STORE_URL,
    // A month rather than a day: a window that rolls over mid-test would split the usage.
    QUOTA_WINDOW: 'month',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const startNode = async (name: string): Promise<Node> => {
    // Each process its own working directory: nothing but Redis is shared.
    const cwd = mkdtempSync(join(dir, `${name}-`));
    const port = await freePort();
    const bot = startBotProcess({ cwd, env: { ...env, HTTP_PORT: String(port) }, name });
    return { bot, webhookUrl: `http://127.0.0.1:${port}/telegram/webhook` };
  };
  const a = await startNode('a');
  const b = await startNode('b');
  await Promise.all([a.bot.waitForLog('ready', 30_000), b.bot.waitForLog('ready', 30_000)]);
  return { fal, tg, a, b };
}

let nextUpdateId = 500_000;

/** The load balancer forwards one update with `message` to `node`; resolves with the HTTP status. */
export async function forward(tg: FakeTelegram, node: Node, message: unknown): Promise<number> {
  const update = { update_id: nextUpdateId++, message };
  return (await tg.postWebhook(node.webhookUrl, update, WEBHOOK_SECRET)).status;
}

/** A user id no other run uses: the bot's keys name it, so clean-up can find them. */
export function randomUserId(): number {
  return 700_000_000 + Math.floor(Math.random() * 100_000_000);
}

/** A photo with a caption from `userId` in their private chat, queued at the fake; each seed its own image. */
export function photoFrom(tg: FakeTelegram, userId: number, seed: number): { message_id: number; chat: { id: number } } {
  return tg.injectPhoto({ caption: 'paint it gold', userId, sizes: [{ width: 32, height: 32, bytes: makePng(32, 32, seed) }] });
}

/**
 * The texts the bot showed in answer to message `messageId`: its status message(s) replying to it,
 * as sent and then as edited, in order. The last is what the user sees now.
 */
export function textsAnswering(tg: FakeTelegram, messageId: number): string[] {
  const ok = (c: TelegramCall) => c.result !== undefined && c.error === undefined;
  const statusIds = new Set(tg.callsOf('sendMessage').filter((c) => ok(c) && repliesTo(messageId)(c)).map((c) => c.result.message_id as number));
  return tg.calls
    .filter((c) => ok(c) && ((c.method === 'sendMessage' && repliesTo(messageId)(c)) || (c.method === 'editMessageText' && statusIds.has(c.params.message_id))))
    .map((c) => String(c.params.text));
}

/** The result photos sent as replies to message `messageId`. */
export function photosAnswering(tg: FakeTelegram, messageId: number): TelegramCall[] {
  return tg.callsOf('sendPhoto').filter((c) => c.result !== undefined && repliesTo(messageId)(c));
}

/** Polls `done` every 100 ms; rejects with `what` after `timeoutMs`. */
export async function waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The longest start two texts share: the fixed part of a catalogue text whose tail varies. */
export function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/** Sends /quota from `userId` through `node` and resolves with the answer's text. */
export async function askQuota(tg: FakeTelegram, node: Node, userId: number): Promise<string> {
  const question = tg.injectMessage({ from: { id: userId }, text: '/quota' });
  const status = await forward(tg, node, question);
  if (status !== 200) throw new Error(`/quota was answered HTTP ${status} by the webhook`);
  const answer = await tg.waitForCall('sendMessage', (c) => c.params.chat_id === userId && repliesTo(question.message_id)(c), 10_000);
  return String(answer.params.text);
}

/**
 * Deletes the keys in the shared database that name `id`: its job, quota and recipe records by their
 * key, and the username records (`telegram-users`, keyed by @name) by their value.
 */
export async function deleteRedisKeysMentioning(id: string): Promise<void> {
  await withClient(async (client) => {
    for (const key of await keysMentioning(id, client)) await client.del(key);
  });
}

/** The keys in the shared database that name `id` (see deleteRedisKeysMentioning). */
export async function keysMentioning(id: string, client?: ReturnType<typeof storeClient>): Promise<string[]> {
  if (!client) return withClient((own) => keysMentioning(id, own));
  const found: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: `*${id}*`, COUNT: 500 })) found.push(...keys);
  for await (const keys of client.scanIterator({ MATCH: '*telegram-users::*', COUNT: 500 })) {
    for (const key of keys) if ((await client.get(key))?.includes(id)) found.push(key);
  }
  return [...new Set(found)];
}

const storeClient = () => createClient({ url: STORE_URL });

async function withClient<T>(work: (client: ReturnType<typeof storeClient>) => Promise<T>): Promise<T> {
  const client = storeClient();
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** `url` with its database path replaced by `db` (user, password and query kept). */
function redisUrlWithDatabase(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}
