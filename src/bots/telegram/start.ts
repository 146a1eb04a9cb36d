import { Bot, BotError as GrammyBotError } from 'grammy';
import type { Commands } from '../../commands/commands.ts';
import { TELEGRAM_MODERATOR_COMMANDS } from '../../commands/moderation-specs.ts';
import { COMMAND_SPECS } from '../../commands/specs.ts';
import { BotError } from '../../core/errors.ts';
import { DEFAULT_DOWNLOAD_TIMEOUT_MS } from '../../core/images/download.ts';
import { DEFAULT_IMAGE_LIMITS } from '../../core/images/inspect.ts';
import type { HttpRoutes } from '../../core/http/server.ts';
import type { RunningService } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/log.ts';
import type { Storage } from '../../core/store/storage.ts';
import { AdminCheck } from './admins.ts';
import { describeError } from './errors.ts';
import { createCallbackHandler } from './callbacks.ts';
import { createMessageHandler } from './handler.ts';
import { InFlight } from './inflight.ts';
import type { DownloadPolicy } from '../../core/http/download-policy.ts';
import { createImageSourceFactory } from './inputs.ts';
import { KnownUsers } from './known-users.ts';
import { Recipes } from './recipes.ts';
import { DEFAULT_RESUME_INTERVAL_MS, startResumeSweep } from './resume.ts';
import { resultsCacheOf } from './results-cache.ts';
import { installRetries } from './retry.ts';
import { listenForWebhook } from './webhook.ts';

export interface TelegramBotOptions {
  readonly token: string;
  /** TELEGRAM_API_ROOT, default https://api.telegram.org; no trailing slash. */
  readonly apiRoot: string;
  readonly commands: Commands;
  readonly logger: Logger;
  /** Where the `@username`s the bot has seen are kept, for moderator commands that name one. */
  readonly storage: Storage;
  /** Largest input image we download; default 20 MiB (the Bot API download cap). */
  readonly maxImageBytes?: number;
  /** Where input files may be downloaded from (the API root's host is added). */
  readonly downloadPolicy?: DownloadPolicy | undefined;
  /** Per input image download; default 30 s. */
  readonly downloadTimeoutMs?: number;
  /** Least time between two progress edits of one status message; default 1 s in private chats, 3 s in groups. */
  readonly statusEditIntervalMs?: number;
  /** How long `stop()` waits for running requests; default 30 s. */
  readonly stopTimeoutMs?: number;
  /** How long start-up waits for Telegram (getMe, deleteWebhook or setWebhook); default 60 s. */
  readonly startTimeoutMs?: number;
  /** Webhook mode (TELEGRAM_WEBHOOK_URL and _SECRET): Telegram POSTs updates to `url`; no long polling. */
  readonly webhook?: { readonly url: string; readonly secret: string } | undefined;
  /** The core HTTP server, where webhook mode serves the URL's path; required with `webhook`. */
  readonly http?: HttpRoutes | undefined;
  /** How often unfinished jobs that no process runs are looked for and resumed; default 5 s. */
  readonly resumeIntervalMs?: number;
}

/**
 * The running bot. Stopping comes in two steps so that the core can be shut down in between:
 * `stopIntake()` takes no more updates and resumes no more jobs; `stop()` also waits (bounded) for the
 * work already started, which ends quickly once the core has suspended its jobs.
 */
export interface TelegramBotService extends RunningService {
  stopIntake(): Promise<void>;
}

const DEFAULT_STOP_TIMEOUT_MS = 30_000;
const DEFAULT_START_TIMEOUT_MS = 60_000;
/** Per Bot API call; above the 30 s long-poll timeout, below grammY's default of 500 s. */
const API_TIMEOUT_SECONDS = 120;
/** The only update types we handle (messages, button presses); Telegram then doesn't send the others at all. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** How updates arrive (long polling or the webhook); stopping it ends the intake, not the work it started. */
export interface UpdateIntake {
  stop(): Promise<void>;
  /** Once the bot has stopped: lets go of what stop() kept (the webhook route). */
  close?(): Promise<void>;
}

/**
 * Starts the bot: long polling, or webhook mode when `webhook` is given. Resolves once Telegram
 * answered and updates are arriving.
 */
export async function startTelegramBot(options: TelegramBotOptions): Promise<TelegramBotService> {
  const { token, apiRoot, commands } = options;
  const logger = options.logger;
  const bot = new Bot(token, { client: { apiRoot, timeoutSeconds: API_TIMEOUT_SECONDS } });
  installRetries(bot.api);

  const deadline = AbortSignal.timeout(options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  try {
    // Not bot.init(): grammY retries network errors there until the signal aborts, so a wrong
    // TELEGRAM_API_ROOT would hang start-up in silence. Our bounded retries fail within seconds.
    bot.botInfo = await bot.api.getMe(deadline as unknown as Parameters<Bot['api']['getMe']>[0]);
  } catch (error) {
    throw startError(error, token, apiRoot);
  }

  const inFlight = new InFlight();
  const knownUsers = new KnownUsers(options.storage, logger);
  // So that `/quota_grant @thisbot 5` is refused as aimed at a bot rather than at someone unknown.
  inFlight.track(knownUsers.rememberUser(bot.botInfo), () => undefined);
  // Shared by the message handler and the buttons (Again downloads the same files the same way).
  const imageSource = createImageSourceFactory({
    api: bot.api,
    apiRoot,
    token,
    maxBytes: options.maxImageBytes ?? DEFAULT_IMAGE_LIMITS.maxBytes,
    timeoutMs: options.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
    policy: options.downloadPolicy,
  });
  const admins = new AdminCheck({ api: bot.api, token });
  const recipes = new Recipes(options.storage);
  const minEditIntervalMs = options.statusEditIntervalMs;
  const handle = createMessageHandler({
    api: bot.api,
    commands,
    logger,
    token,
    botUsername: bot.botInfo.username,
    inFlight,
    imageSource,
    minEditIntervalMs,
    knownUsers,
    admins,
    recipes,
    maxImageBytes: options.maxImageBytes,
  });
  bot.on('message', (ctx) => handle(ctx.message));
  const handleButton = createCallbackHandler({ api: bot.api, commands, logger, token, inFlight, recipes, imageSource, admins, minEditIntervalMs });
  bot.on('callback_query:data', (ctx) => handleButton(ctx.callbackQuery));
  const updateFailed = (error: unknown, updateId: number): void => {
    const cause = error instanceof GrammyBotError ? error.error : error;
    logger.error({ err: describeError(cause, token), updateId }, 'telegram update failed');
  };
  bot.catch((error) => updateFailed(error, error.ctx.update.update_id));

  let intake: UpdateIntake;
  try {
    intake = options.webhook
      ? await listenForWebhook({ bot, webhook: options.webhook, http: options.http, allowedUpdates: ALLOWED_UPDATES, inFlight, onError: updateFailed, deadline })
      : await startPolling(bot, deadline, logger, token);
  } catch (error) {
    throw startError(error, token, apiRoot);
  }
  logger.info({ username: bot.botInfo.username, mode: options.webhook ? 'webhook' : 'polling' }, 'telegram bot started');

  const menuFailed = (error: unknown): void => logger.warn({ err: describeError(error, token) }, 'telegram setMyCommands failed');
  inFlight.track(setCommandMenus(bot.api, menuFailed), menuFailed);

  // Jobs a crashed or stopped process left: once now that Telegram answers, then every few seconds.
  const sweep = startResumeSweep({
    commands,
    deps: { api: bot.api, logger, token, minEditIntervalMs },
    inFlight,
    intervalMs: options.resumeIntervalMs ?? DEFAULT_RESUME_INTERVAL_MS,
  });

  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  let intakeStopping: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const stopIntake = (): Promise<void> => {
    intakeStopping ??= (async () => {
      sweep.stop();
      await intake.stop();
      logger.info('telegram bot takes no more updates');
    })();
    return intakeStopping;
  };
  return {
    stopIntake,
    // Webhook mode has nothing to lose but the HTTP server; long polling can stop on its own (an error).
    ready: () => intakeStopping === undefined && (options.webhook !== undefined || bot.isRunning()),
    stop() {
      stopping ??= (async () => {
        await stopIntake();
        const left = await inFlight.drain(stopTimeoutMs);
        await intake.close?.();
        // The "Send as file" results on disk: no button of this process will ask for them any more.
        await resultsCacheOf(bot.api).close();
        if (left > 0) logger.warn({ left }, 'telegram stopped with requests still running');
        else logger.info('telegram bot stopped');
      })();
      return stopping;
    },
  };
}

/** Long polling (grammY's bot.start, which deletes any webhook first); resolves once it runs. */
async function startPolling(bot: Bot, deadline: AbortSignal, logger: Logger, token: string): Promise<UpdateIntake> {
  let started = false;
  let resolveStart: () => void = () => undefined;
  let rejectStart: (error: unknown) => void = () => undefined;
  const startup = new Promise<void>((resolve, reject) => {
    resolveStart = resolve;
    rejectStart = reject;
  });
  const onDeadline = (): void => rejectStart(new BotError('INTERNAL', 'Telegram did not answer in time at start-up'));
  deadline.addEventListener('abort', onDeadline, { once: true });
  // Not awaited: bot.start() resolves only when polling ends.
  const polling = bot
    .start({
      allowed_updates: ALLOWED_UPDATES,
      onStart: () => {
        started = true;
        resolveStart();
      },
    })
    .catch((error: unknown) => {
      if (started) logger.error({ err: describeError(error, token) }, 'telegram polling stopped');
      else rejectStart(error);
    });
  try {
    await startup;
  } catch (error) {
    // Polling may still be setting up; stopping it aborts that. Its result no longer matters.
    bot.stop().catch(() => undefined);
    throw error;
  } finally {
    deadline.removeEventListener('abort', onDeadline);
  }
  return {
    async stop() {
      try {
        await bot.stop();
      } catch (error) {
        logger.warn({ err: describeError(error, token) }, 'telegram stop: confirming updates failed');
      }
      await polling;
    },
  };
}

/**
 * The command menus. Everyone sees the ordinary commands; chat administrators see the moderator
 * commands too. Telegram shows only the most specific scope's list, so the admins' list repeats the
 * ordinary commands. Who may really moderate is checked on every command, not by this menu.
 */
async function setCommandMenus(api: Bot['api'], onError: (error: unknown) => void): Promise<void> {
  const everyone = COMMAND_SPECS.map((spec) => ({ command: spec.name, description: spec.description }));
  const moderators = TELEGRAM_MODERATOR_COMMANDS.map(({ command, description }) => ({ command, description }));
  // One after the other, and the second even when the first failed.
  await api.setMyCommands(everyone).catch(onError);
  await api.setMyCommands([...everyone, ...moderators], { scope: { type: 'all_chat_administrators' } }).catch(onError);
}

function startError(error: unknown, token: string, apiRoot: string): BotError {
  return new BotError('INTERNAL', `Telegram bot could not start (Bot API at ${apiRoot}): ${describeError(error, token)}`);
}
