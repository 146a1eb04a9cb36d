import { createHash, timingSafeEqual } from 'node:crypto';
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { BotError } from '../../core/errors.ts';
import type { HttpRouteHandler, HttpRoutes } from '../../core/http/server.ts';
import type { InFlight } from './inflight.ts';

/** The header Telegram puts `secret_token` in, as node:http names it (lower case). */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
/** Updates are small JSON documents (a message, not its files); anything bigger is not one. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** How many recent update ids are remembered to ignore Telegram's redeliveries. */
const RECENT_UPDATE_IDS = 10_000;
/**
 * How long a POST waits for grammY before answering 200 anyway. Handlers start jobs and return, so
 * this is normally milliseconds; waiting at all keeps one chat's updates in Telegram's order (it
 * sends the next only after our answer), and the bound keeps a slow handler from making Telegram
 * time out and redeliver.
 */
const DEFAULT_ANSWER_WITHIN_MS = 5_000;

export interface WebhookHandlerOptions {
  /** TELEGRAM_WEBHOOK_SECRET: the `secret_token` given to setWebhook. */
  readonly secret: string;
  /** grammY's `bot.handleUpdate`. */
  readonly handleUpdate: (update: Update) => Promise<void>;
  /** Where the handling is kept, so that stop() can drain it. */
  readonly inFlight: InFlight;
  /** A handler that failed; it must not throw. The POST is still answered 200. */
  readonly onError: (error: unknown, updateId: number) => void;
  readonly answerWithinMs?: number;
  /** True while the bot shuts down: updates are refused with 503, so Telegram keeps them for the next start. */
  readonly closing?: () => boolean;
}


export interface WebhookModeOptions {
  readonly bot: Bot;
  readonly webhook: { readonly url: string; readonly secret: string };
  /** The core HTTP server; webhook mode cannot run without it. */
  readonly http: HttpRoutes | undefined;
  readonly allowedUpdates: ReadonlyArray<Exclude<keyof Update, 'update_id'>>;
  readonly inFlight: InFlight;
  readonly onError: (error: unknown, updateId: number) => void;
  /** Start-up's deadline, for setWebhook. */
  readonly deadline: AbortSignal;
}

/**
 * Webhook mode: serves the URL's path on the core HTTP server, then tells Telegram to post there.
 * The route comes first so that no update Telegram sends right after setWebhook meets a 404.
 * The webhook stays registered at Telegram when the bot stops: Telegram keeps the updates it could
 * not deliver and retries them, so none is lost while the bot restarts. stop() makes the route answer
 * 503 to what arrives during shutdown, which Telegram retries like any failure but
 * which reads as "restarting" rather than "wrong URL" in getWebhookInfo; close() removes the route
 * (then 404, or no answer at all once the HTTP server is closed). (Long polling deletes the webhook
 * when it starts, so switching back needs nothing.)
 */
export async function listenForWebhook(options: WebhookModeOptions): Promise<{ stop(): Promise<void>; close(): Promise<void> }> {
  const { bot, webhook, http } = options;
  if (!http) throw new BotError('INTERNAL', 'webhook mode needs the HTTP server (HTTP_PORT) to receive Telegram\'s updates');
  let closing = false;
  const removeRoute = http.addRoute(
    new URL(webhook.url).pathname,
    createWebhookHandler({
      secret: webhook.secret,
      handleUpdate: (update) => bot.handleUpdate(update),
      inFlight: options.inFlight,
      onError: options.onError,
      closing: () => closing,
    }),
    { maxBodyBytes: MAX_WEBHOOK_BODY_BYTES },
  );
  try {
    await bot.api.setWebhook(
      webhook.url,
      // Updates queued while the bot was down are still wanted: they are people's requests.
      { secret_token: webhook.secret, allowed_updates: options.allowedUpdates, drop_pending_updates: false },
      options.deadline as unknown as Parameters<Bot['api']['setWebhook']>[2],
    );
  } catch (error) {
    removeRoute();
    throw error;
  }
  return {
    async stop() {
      closing = true;
    },
    async close() {
      removeRoute();
    },
  };
}

/**
 * The webhook endpoint: checks the secret header (401 otherwise, nothing handled), reads the update
 * (400 when it is not one), ignores an `update_id` it has seen recently, and hands the rest to
 * grammY. Every update it accepts is answered 200, even when its handler fails: a non-2xx answer
 * makes Telegram redeliver the same update again and again.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): HttpRouteHandler {
  const recent = new RecentIds(RECENT_UPDATE_IDS);
  const answerWithinMs = options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
  return async (request) => {
    if (request.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
    if (!secretMatches(request.headers[SECRET_HEADER], options.secret)) return { status: 401, body: { error: 'unauthorized' } };
    const update = parseUpdate(request.body);
    if (!update) return { status: 400, body: { error: 'not a Telegram update' } };
    // Not marked as seen: Telegram sends it again, to this process's successor.
    if (options.closing?.()) return { status: 503, body: { error: 'restarting' } };
    // Webhooks are at-least-once: Telegram redelivers what it thinks we missed. This in-memory guard
    // catches redeliveries to this process; durable exactly-once across restarts and replicas is issue 7.
    if (!recent.add(update.update_id)) return { status: 200, body: { ok: true, duplicate: true } };
    const work = options.handleUpdate(update);
    options.inFlight.track(work, (error) => options.onError(error, update.update_id));
    await settledWithin(work, answerWithinMs);
    return { status: 200, body: { ok: true } };
  };
}

/**
 * Constant-time comparison, so the answer's timing says nothing about how much of a guess was
 * right. Hashing first makes both sides the same length, so the length does not leak either.
 */
function secretMatches(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret));
}

function parseUpdate(body: Buffer): Update | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { update_id?: unknown }).update_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? (value as Update) : null;
}

/** Resolves when `work` settles or after `ms`, whichever is first; never rejects. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work.then(() => undefined, () => undefined), timeout]);
  clearTimeout(timer);
}

/** The last `capacity` ids seen; the oldest is forgotten first (a Set keeps insertion order). */
class RecentIds {
  readonly #ids = new Set<number>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** False when `id` was already there. */
  add(id: number): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
    return true;
  }
}
