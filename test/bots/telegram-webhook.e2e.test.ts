import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startTelegramBot } from '../../src/bots/telegram/start.ts';
import type { RunningService } from '../../src/core/lifecycle.ts';
import { silentLogger, type Logger } from '../../src/core/log.ts';
import { buildTestCore } from '../helpers/core.ts';
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from '../helpers/fake-telegram.ts';

/**
 * Webhook mode through real grammY and the real core: the bot registers its webhook with the fake
 * Telegram, which then POSTs updates to the core HTTP server (as a reverse proxy would forward them).
 */

const PUBLIC_WEBHOOK_URL = 'https://bot.example.com/telegram/webhook';
const SECRET = 'webhook-Secret_0123456789abcdef';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

interface Harness {
  tg: FakeTelegram;
  bot: RunningService;
  /** Where the reverse proxy would forward PUBLIC_WEBHOOK_URL: the core HTTP server, on loopback. */
  localUrl: string;
}

async function startWebhookBot(logger: Logger = silentLogger): Promise<Harness> {
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const core = await buildTestCore({
    falUrl: 'http://127.0.0.1:9', // never reached: these tests only ask /help and /quota
    env: { TELEGRAM_WEBHOOK_URL: PUBLIC_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET: SECRET, HTTP_PORT: '0' },
  });
  cleanups.push(() => core.close());
  const webhook = core.app.http && { url: PUBLIC_WEBHOOK_URL, secret: SECRET };
  expect(webhook).toBeDefined(); // the webhook URL alone starts the HTTP server
  const bot = await startTelegramBot({
    token: tg.token, apiRoot: tg.apiRoot, commands: core.commands, storage: core.app.storage, logger, webhook, http: core.app.http,
  });
  cleanups.push(() => bot.stop());
  return { tg, bot, localUrl: `http://127.0.0.1:${core.app.httpPort}/telegram/webhook` };
}

const repliesTo = (messageId: number) => (call: TelegramCall) => call.params.reply_parameters?.message_id === messageId;

describe('Telegram webhook mode', () => {
  it('registers the webhook with the secret and the update types, and answers updates posted to it without polling', async () => {
    const lines: string[] = [];
    const { tg, localUrl } = await startWebhookBot(pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }));

    const [setWebhook, ...more] = tg.callsOf('setWebhook');
    expect(more).toHaveLength(0);
    expect(setWebhook?.params.url).toBe(PUBLIC_WEBHOOK_URL);
    expect(setWebhook?.params.secret_token).toBe(SECRET);
    expect(setWebhook?.params.allowed_updates).toEqual(expect.arrayContaining(['message', 'callback_query']));
    expect(setWebhook?.params.drop_pending_updates).toBe(false);
    expect(tg.webhookInfo()?.url).toBe(PUBLIC_WEBHOOK_URL);

    const help = tg.injectMessage({ text: '/help' });
    const deliveries = await tg.deliverUpdates({ url: localUrl });
    expect(deliveries.map((d) => d.status)).toEqual([200]);
    const reply = await tg.waitForCall('sendMessage', repliesTo(help.message_id));
    expect(reply.params.text).toMatch(/photo with a caption/);

    // Long polling would have deleted the webhook and fetched updates.
    expect(tg.callsOf('getUpdates')).toHaveLength(0);
    expect(tg.callsOf('deleteWebhook')).toHaveLength(0);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('refuses a wrong or missing secret with 401 and handles nothing; Telegram keeps the update for later', async () => {
    const { tg, localUrl } = await startWebhookBot();
    const help = tg.injectMessage({ text: '/help' });

    const wrong = await tg.deliverUpdates({ url: localUrl, secretToken: 'not-the-secret' });
    expect(wrong.map((d) => d.status)).toEqual([401]);
    const missing = await tg.deliverUpdates({ url: localUrl, secretToken: null });
    expect(missing.map((d) => d.status)).toEqual([401]);
    const almost = await tg.deliverUpdates({ url: localUrl, secretToken: `${SECRET}x` });
    expect(almost.map((d) => d.status)).toEqual([401]);

    // A message that gets through afterwards is answered; the refused one still is not.
    const quota = tg.injectMessage({ text: '/quota' });
    expect((await tg.postWebhook(localUrl, { update_id: 9_000, message: quota })).status).toBe(200);
    await tg.waitForCall('sendMessage', repliesTo(quota.message_id));
    expect(tg.callsOf('sendMessage').filter(repliesTo(help.message_id))).toHaveLength(0);

    // With the right secret the kept updates are delivered and answered.
    expect((await tg.deliverUpdates({ url: localUrl })).map((d) => d.status)).toEqual([200, 200]);
    await tg.waitForCall('sendMessage', repliesTo(help.message_id));
  });

  it('handles an update_id once, however often it is delivered', async () => {
    const { tg, localUrl } = await startWebhookBot();
    tg.injectMessage({ text: '/help' });
    const [first] = await tg.deliverUpdates({ url: localUrl });
    expect(first?.status).toBe(200);
    const help = first!.update.message;
    await tg.waitForCall('sendMessage', repliesTo(help.message_id));

    // Telegram redelivers when it missed our answer: acknowledged, not handled again.
    expect((await tg.postWebhook(localUrl, first!.update)).status).toBe(200);
    expect((await tg.postWebhook(localUrl, first!.update)).status).toBe(200);
    // A later update is handled; by then a second answer to the first would have been sent too.
    const quota = tg.injectMessage({ text: '/quota' });
    expect((await tg.deliverUpdates({ url: localUrl })).map((d) => d.status)).toEqual([200]);
    await tg.waitForCall('sendMessage', repliesTo(quota.message_id));
    expect(tg.callsOf('sendMessage').filter(repliesTo(help.message_id))).toHaveLength(1);
  });

  it('answers 400 to a body that is not an update, 413 to an oversized one, 405 to other methods', async () => {
    const { tg, localUrl } = await startWebhookBot();
    expect((await tg.postWebhook(localUrl, '{"update_id": 1, "message":')).status).toBe(400);
    expect((await tg.postWebhook(localUrl, { message: { text: '/help' } })).status).toBe(400);
    expect((await tg.postWebhook(localUrl, '"just a string"')).status).toBe(400);
    expect((await tg.postWebhook(localUrl, { update_id: 5, padding: 'x'.repeat(2 * 1024 * 1024) })).status).toBe(413);
    expect((await fetch(localUrl)).status).toBe(405);
    expect(tg.callsOf('sendMessage')).toHaveLength(0);
  });

  it('stop() takes the route down but keeps the webhook registered, so Telegram keeps the updates for the next start', async () => {
    const { tg, bot, localUrl } = await startWebhookBot();
    await bot.stop();
    tg.injectMessage({ text: '/help' });
    expect((await tg.deliverUpdates({ url: localUrl })).map((d) => d.status)).toEqual([404]);
    expect(tg.webhookInfo()?.url).toBe(PUBLIC_WEBHOOK_URL);
    expect(tg.callsOf('deleteWebhook')).toHaveLength(0);
    expect(tg.callsOf('sendMessage')).toHaveLength(0);
  });

  it('refuses to start in webhook mode without the HTTP server', async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    const core = await buildTestCore({ falUrl: 'http://127.0.0.1:9' });
    cleanups.push(() => core.close());
    await expect(
      startTelegramBot({
        token: tg.token, apiRoot: tg.apiRoot, commands: core.commands, storage: core.app.storage, logger: silentLogger,
        webhook: { url: PUBLIC_WEBHOOK_URL, secret: SECRET }, http: core.app.http,
      }),
    ).rejects.toThrow(/HTTP server/);
    expect(tg.callsOf('setWebhook')).toHaveLength(0);
  });

  it('long polling (no webhook) asks for messages and button presses', async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    const core = await buildTestCore({ falUrl: 'http://127.0.0.1:9' });
    cleanups.push(() => core.close());
    const bot = await startTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, commands: core.commands, storage: core.app.storage, logger: silentLogger });
    cleanups.push(() => bot.stop());
    const poll = await tg.waitForCall('getUpdates');
    expect(poll.params.allowed_updates).toEqual(expect.arrayContaining(['message', 'callback_query']));
    expect(tg.callsOf('setWebhook')).toHaveLength(0);
  });
});
