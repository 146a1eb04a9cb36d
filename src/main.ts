import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp, type App } from './app.ts';
import { formatConfigProblems, parseConfig, type AppConfig } from './config.ts';
import type { RunningService } from './core/lifecycle.ts';
import { createLogger, type Logger } from './core/log.ts';

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
  const rootLogger = createLogger(config.logLevel);
  const logger = shard ? rootLogger.child({ shard: shard.id }) : rootLogger;
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'));

  const app = await buildApp(config, logger);
  const services: RunningService[] = [];
  const stopAll = async () => {
    for (const service of services.splice(0).reverse()) await service.stop().catch(() => undefined);
    await app.close();
  };
  try {
    await startServices(config, app, logger, shard, services);
  } catch (error) {
    logger.fatal({ err: (error as Error).message }, 'start-up failed');
    await stopAll();
    // Exit outright: something may still hold the event loop (in a shard, discord.js listens on the IPC channel).
    process.exit(1);
  }
  logger.info({ store: app.storage.kind, providers: config.providers }, 'ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void stopAll().finally(() => process.exit());
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

/** Starts the adapters this process runs, pushing each into `services` as soon as it runs (to be stopped on failure). */
async function startServices(config: AppConfig, app: App, logger: Logger, shard: ShardRole | undefined, services: RunningService[]): Promise<void> {
  // Each adapter is loaded only when enabled: discord.js and grammY are large.
  if (config.telegram) {
    const { startTelegramBot } = await import('./bots/telegram/start.ts');
    services.push(
      await startTelegramBot({
        ...config.telegram,
        commands: app.commands,
        storage: app.storage,
        // Webhook mode serves Telegram's POSTs on the core HTTP server (config starts it with the webhook URL).
        http: app.http,
        logger: logger.child({ bot: 'telegram' }),
      }),
    );
    logger.info('Telegram bot started');
  }
  const discord = config.discord;
  if (!discord) return;
  if (discord.shards !== undefined && !shard) {
    const { startDiscordShards } = await import('./bots/discord/shards.ts');
    services.push(
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
  services.push(
    await startDiscordBot({
      token: discord.token,
      apiBase: discord.apiBase,
      guildId: discord.guildId,
      commands: app.commands,
      storage: app.storage,
      // One registration is enough: the commands belong to the application, not to a shard.
      registerCommands: shard === undefined || shard.id === 0,
      logger: logger.child({ bot: 'discord' }),
    }),
  );
  logger.info('Discord bot started');
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
