import { startTelegramBot } from '../../src/bots/telegram/start.ts';
import type { App } from '../../src/app.ts';
import type { RunningService } from '../../src/core/lifecycle.ts';
import { silentLogger, type Logger } from '../../src/core/log.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { buildTestCore, TEST_FAL_KEY } from './core.ts';
import { startFakeFal, type FakeFal } from './fake-fal.ts';
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from './fake-telegram.ts';

export interface TelegramWorld {
  readonly fal: FakeFal;
  readonly tg: FakeTelegram;
  readonly app: App;
  readonly bot: RunningService;
}

export interface TelegramWorldOptions {
  readonly logger?: Logger;
  /** Extra environment for the core (BOT_OWNERS, …). */
  readonly env?: Record<string, string>;
  readonly fal?: Parameters<typeof startFakeFal>[0];
  readonly statusEditIntervalMs?: number;
  /** The bot's own store, when a test gives it another one than the core's. */
  readonly botStorage?: (app: App) => Storage;
}

/**
 * The whole Telegram path for an end-to-end test: fake fal, fake Bot API, the real core and the real
 * grammY bot. Each part registers its own shutdown with `cleanups`, in start order, so the test's
 * afterEach (newest first) stops the bot before the core and the fakes.
 */
export async function startTelegramWorld(cleanups: Array<() => Promise<void>>, options: TelegramWorldOptions = {}): Promise<TelegramWorld> {
  const fal = await startFakeFal({ key: TEST_FAL_KEY, ...options.fal });
  cleanups.push(() => fal.close());
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const core = await buildTestCore({ falUrl: fal.url, ...(options.env ? { env: options.env } : {}) });
  cleanups.push(() => core.close());
  const bot = await startTelegramBot({
    token: tg.token,
    apiRoot: tg.apiRoot,
    commands: core.commands,
    storage: options.botStorage?.(core.app) ?? core.app.storage,
    logger: options.logger ?? silentLogger,
    ...(options.statusEditIntervalMs === undefined ? {} : { statusEditIntervalMs: options.statusEditIntervalMs }),
  });
  cleanups.push(() => bot.stop());
  return { fal, tg, app: core.app, bot };
}

/** Matches the bot's calls that reply to the user's message `messageId`. */
export const repliesTo = (messageId: number) => (call: TelegramCall) => call.params.reply_parameters?.message_id === messageId;
