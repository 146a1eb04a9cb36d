import { existsSync } from 'node:fs';
import { buildApp } from './app.ts';
import { formatConfigProblems, parseConfig } from './config.ts';
import type { RunningService } from './core/lifecycle.ts';
import { createLogger } from './core/log.ts';

/**
 * The composition root: reads the configuration, builds the core, starts the enabled bots and
 * stops everything cleanly on SIGINT/SIGTERM. The only module that touches process.env and signals.
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
  const config = parsed.config;
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'));

  const app = await buildApp(config, logger);
  const bots: RunningService[] = [];
  const stopAll = async () => {
    for (const bot of bots.splice(0).reverse()) await bot.stop().catch(() => undefined);
    await app.close();
  };
  try {
    // Each adapter is loaded only when enabled: discord.js and grammY are large.
    if (config.telegram) {
      const { startTelegramBot } = await import('./bots/telegram/start.ts');
      bots.push(
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
    if (config.discord) {
      const { startDiscordBot } = await import('./bots/discord/start.ts');
      bots.push(await startDiscordBot({ ...config.discord, commands: app.commands, logger: logger.child({ bot: 'discord' }) }));
      logger.info('Discord bot started');
    }
  } catch (error) {
    logger.fatal({ err: (error as Error).message }, 'start-up failed');
    await stopAll();
    process.exitCode = 1;
    return;
  }
  logger.info({ store: app.storage.kind, providers: config.providers }, 'ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void stopAll().finally(() => process.exit());
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
