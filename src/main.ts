import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp, type App } from './app.ts';
import { removeOpenResultDirs } from './bots/telegram/results-cache.ts';
import { formatConfigProblems, parseConfig, secretsOf, type AppConfig } from './config.ts';
import type { RunningService } from './core/lifecycle.ts';
import { createLogger, type Logger } from './core/log.ts';

/** Issue 7: a stop (SIGTERM, SIGINT) ends the process within 10 s. */
const SHUTDOWN_LIMIT_MS = 10_000;
/**
 * What the adapters and the jobs get to wind down (answer what they started, leave running jobs as
 * paused); the rest of the limit is for closing the store and the HTTP server.
 */
const WIND_DOWN_MS = 7_000;

/** A running adapter; `stopIntake` (Telegram) stops taking updates without waiting for the work they started. */

/** This process is shard `id` of `count`, forked by discord.js's ShardingManager (DISCORD_SHARDS). */
interface ShardRole {
  readonly id: number;
  readonly count: number;
}

/**
 * The composition root: reads the configuration, builds the core, starts the enabled bots and
 * stops everything cleanly on SIGINT/SIGTERM. The only module that touches process.env and signals.
 *
 * With DISCORD_SHARDS the same entry runs in two roles: the parent keeps Telegram and the HTTP server
 * and runs the ShardingManager instead of a Discord client; each shard process it forks runs only the
 * Discord bot on its shard, with its own core on the shared store.
 */
async function main(): Promise<void> {
  // Values already in the environment win over the file (Node's loadEnvFile does not overwrite).
  if (existsSync('.env')) process.loadEnvFile('.env');
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(`${formatConfigProblems(parsed.problems)}\n`);
    process.exitCode = 1;
    return;
  }
  const shard = shardRole(process.env);
  const config = shard ? shardProcessConfig(parsed.config) : parsed.config;
  // JSON lines for log collectors; readable ones when a person watches the terminal.
  const rootLogger = createLogger(config.logLevel, { secrets: secretsOf(config), pretty: process.stdout.isTTY });
  const logger = shard ? rootLogger.child({ shard: shard.id }) : rootLogger;
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'));
  // "Send as file" results live in temp directories: gone with the process, even on a forced exit.
  process.once('exit', removeOpenResultDirs);

  const app = await buildApp(config, logger);
  const services: RunningService[] = [];
  const stopAll = () => stopEverything(app, services.splice(0).reverse(), logger);
  // The HTTP server already answers: /readyz says no until every adapter has started.
  let started = false;
  app.readiness.add('started', () => started);
  try {
    await startServices(config, app, logger, shard, services);
    started = true;
  } catch (error) {
    logger.fatal({ err: (error as Error).message }, 'start-up failed');
    await stopAll();
    // Exit outright: something may still hold the event loop (in a shard, discord.js listens on the IPC channel).
    process.exit(1);
  }
  logger.info({ store: app.storage.kind, providers: config.providers }, 'ready');
  const sweepTimer = scheduleExpirySweep(app, logger);

  let stopping = false;
  const shutdown = (signal: string) => {
    // A shard hears both its manager's SIGTERM and the IPC channel closing: one stop is enough.
    // (The handlers are `once`: a second Ctrl+C or SIGTERM ends the process at once, Node's default.)
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // The last resort: whatever hangs, the process is gone within the limit (jobs are resumable anyway).
    setTimeout(() => {
      logger.error({ limitMs: SHUTDOWN_LIMIT_MS }, 'shutdown took too long: exiting anyway');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    const startedAt = Date.now();
    clearInterval(sweepTimer);
    void stopAll().finally(() => {
      logger.info({ ms: Date.now() - startedAt }, 'shut down');
      process.exit();
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  if (shard) {
    // A shard stops when its manager says so (SIGTERM) or is gone (the IPC channel closes). Ctrl+C reaches
    // the whole process group: the manager must stop respawning before its shards go, so it sends the SIGTERM.
    process.on('SIGINT', () => undefined);
    process.once('disconnect', () => shutdown('manager gone'));
  } else {
    process.once('SIGINT', () => shutdown('SIGINT'));
  }
}

/** Expired records of stores that cannot expire them themselves (SQLite): at start, then hourly. */
const EXPIRY_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

function scheduleExpirySweep(app: App, logger: Logger): ReturnType<typeof setInterval> {
  const sweep = () =>
    void app.storage
      .sweepExpired?.()
      .then((swept) => {
        if (swept > 0) logger.info({ swept }, 'expired records swept');
      })
      .catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'expiry sweep failed'));
  sweep();
  const timer = setInterval(sweep, EXPIRY_SWEEP_INTERVAL_MS);
  timer.unref();
  return timer;
}

/** Starts the adapters this process runs, pushing each into `services` as soon as it runs (to be stopped on failure). */
async function startServices(config: AppConfig, app: App, logger: Logger, shard: ShardRole | undefined, services: RunningService[]): Promise<void> {
  // Each adapter is loaded only when enabled: discord.js and grammY are large.
  if (config.telegram) {
    const { startTelegramBot } = await import('./bots/telegram/start.ts');
    adopt(app, services, 'telegram',
      await startTelegramBot({
        ...config.telegram,
        commands: app.commands,
        storage: app.storage,
        downloadPolicy: app.downloadPolicy,
        // Webhook mode serves Telegram's POSTs on the core HTTP server (config starts it with the webhook URL).
        http: app.http,
        stopTimeoutMs: WIND_DOWN_MS,
        logger: logger.child({ bot: 'telegram' }),
      }),
    );
    logger.info('Telegram bot started');
  }
  const discord = config.discord;
  if (!discord) return;
  if (discord.shards !== undefined && !shard) {
    const { startDiscordShards } = await import('./bots/discord/shards.ts');
    adopt(app, services, 'discord',
      await startDiscordShards({
        // The shards run this very entry with the same Node flags: dist/main.js under npm start, src/main.ts in tests.
        file: fileURLToPath(import.meta.url),
        execArgv: process.execArgv,
        token: discord.token,
        apiBase: discord.apiBase,
        shards: discord.shards,
        logger: logger.child({ bot: 'discord' }),
      }),
    );
    logger.info('Discord shards started');
    return;
  }
  const { startDiscordBot } = await import('./bots/discord/start.ts');
  adopt(app, services, 'discord',
    await startDiscordBot({
      token: discord.token,
      apiBase: discord.apiBase,
      guildId: discord.guildId,
      commands: app.commands,
      storage: app.storage,
      downloadPolicy: app.downloadPolicy,
      // One registration is enough: the commands belong to the application, not to a shard.
      registerCommands: shard === undefined || shard.id === 0,
      logger: logger.child({ bot: 'discord' }),
    }),
  );
  logger.info('Discord bot started');
}

/** Keeps `service` to be stopped on shutdown, and reports its connection at /readyz. */
function adopt(app: App, services: RunningService[], name: string, service: RunningService): void {
  services.push(service);
  app.readiness.add(name, () => service.ready?.() ?? true);
}

/**
 * The graceful stop, in order: the adapters take no new updates (Telegram keeps them for the next
 * start); the core suspends its running jobs (not cancelled at the provider, not refunded, their
 * leases released so the next start resumes them at once) and answers requests still arriving with
 * "restarting"; the adapters finish answering what they started; then the HTTP server and the store
 * close. Bounded: past WIND_DOWN_MS the store is closed anyway.
 */
async function stopEverything(app: App, services: readonly RunningService[], logger: Logger): Promise<void> {
  const failed = (what: string) => (error: unknown) => logger.warn({ err: (error as Error).message }, `shutdown: ${what} failed`);
  const windDown = async () => {
    await Promise.all(services.map((service) => service.stopIntake?.().catch(failed('stopping intake'))));
    await app.runner.shutdown().catch(failed('suspending jobs'));
    await Promise.all(services.map((service) => service.stop().catch(failed('stopping an adapter'))));
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn({ ms: WIND_DOWN_MS }, 'shutdown: adapters and jobs still busy; closing anyway');
      resolve();
    }, WIND_DOWN_MS);
  });
  await Promise.race([windDown(), late]);
  clearTimeout(timer);
  await app.close().catch(failed('closing the store and the HTTP server'));
}

/**
 * discord.js's ShardingManager forks each shard with SHARDING_MANAGER, SHARDS (its id) and SHARD_COUNT
 * in the environment; the discord.js Client reads the same variables to connect as that shard.
 */
function shardRole(env: NodeJS.ProcessEnv): ShardRole | undefined {
  if (env.SHARDING_MANAGER !== 'true' || env.SHARDS === undefined || env.SHARD_COUNT === undefined) return undefined;
  const id = Number(env.SHARDS);
  const count = Number(env.SHARD_COUNT);
  return Number.isInteger(id) && Number.isInteger(count) ? { id, count } : undefined;
}

/**
 * A shard process runs only the Discord bot: Telegram and the HTTP server stay in the parent (one
 * port, one poller). Without the server, jobs started on a shard learn of completion from fal's
 * status stream or by polling, never from a provider callback to PUBLIC_URL, which the parent receives.
 */
function shardProcessConfig(config: AppConfig): AppConfig {
  return { ...config, telegram: undefined, http: undefined };
}

await main();
