import { startTelegramBot, type TelegramBotService } from '../../src/bots/telegram/start.ts';
import type { App, AppOverrides } from '../../src/app.ts';
import { silentLogger, type Logger } from '../../src/core/log.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { buildTestCore, TEST_FAL_KEY } from './core.ts';
import { startFakeFal, type FakeFal } from './fake-fal.ts';
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from './fake-telegram.ts';

export interface TelegramWorld {
  readonly fal: FakeFal;
  readonly tg: FakeTelegram;
  readonly app: App;
  readonly bot: TelegramBotService;
}

export interface TelegramWorldOptions {
  readonly logger?: Logger;
  /** Extra environment for the core (BOT_OWNERS, …). */
  readonly env?: Record<string, string>;
  readonly fal?: Parameters<typeof startFakeFal>[0];
  readonly statusEditIntervalMs?: number;
  /** The bot's own store, when a test gives it another one than the core's. */
  readonly botStorage?: (app: App) => Storage;
  /** Core seams, e.g. a store shared with another world (a restart within one test) and short leases. */
  readonly overrides?: AppOverrides;
  /** The fakes of an earlier world: the same Telegram and fal, as a restarted bot meets them. */
  readonly fakes?: { readonly fal: FakeFal; readonly tg: FakeTelegram };
  /** How often the bot looks for stranded jobs (default 5 s). */
  readonly resumeIntervalMs?: number;
}

/**
 * The whole Telegram path for an end-to-end test: fake fal, fake Bot API, the real core and the real
 * grammY bot. Each part registers its own shutdown with `cleanups`, in start order, so the test's
 * afterEach (newest first) stops the bot before the core and the fakes.
 */
export async function startTelegramWorld(cleanups: Array<() => Promise<void>>, options: TelegramWorldOptions = {}): Promise<TelegramWorld> {
  const { fal, tg } = options.fakes ?? (await startFakes(cleanups, options));
  const core = await buildTestCore({ falUrl: fal.url, ...(options.env ? { env: options.env } : {}), ...(options.overrides ? { overrides: options.overrides } : {}) });
  cleanups.push(() => core.close());
  const bot = await startTelegramBot({
    token: tg.token,
    apiRoot: tg.apiRoot,
    commands: core.commands,
    storage: options.botStorage?.(core.app) ?? core.app.storage,
    logger: options.logger ?? silentLogger,
    ...(options.statusEditIntervalMs === undefined ? {} : { statusEditIntervalMs: options.statusEditIntervalMs }),
    ...(options.resumeIntervalMs === undefined ? {} : { resumeIntervalMs: options.resumeIntervalMs }),
  });
  cleanups.push(() => bot.stop());
  return { fal, tg, app: core.app, bot };
}

async function startFakes(cleanups: Array<() => Promise<void>>, options: TelegramWorldOptions): Promise<{ fal: FakeFal; tg: FakeTelegram }> {
  const fal = await startFakeFal({ key: TEST_FAL_KEY, ...options.fal });
  cleanups.push(() => fal.close());
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  return { fal, tg };
}

/**
 * One store for two worlds in one test (a bot stopped and another started on the same data): the
 * first world's clean-up must not close it under the second, so only the returned `close` does.
 */
export function sharedStorage(storage: Storage): { storage: Storage; close(): Promise<void> } {
  return { storage: { ...storage, close: async () => undefined }, close: () => storage.close() };
}

/** Matches the bot's calls that reply to the user's message `messageId`. */
export const repliesTo = (messageId: number) => (call: TelegramCall) => call.params.reply_parameters?.message_id === messageId;
