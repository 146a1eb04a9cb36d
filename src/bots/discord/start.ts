import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Commands } from '../../commands/commands.ts';
import { QUOTA_ADMIN_SPEC } from '../../commands/moderation-specs.ts';
import { COMMAND_SPECS } from '../../commands/specs.ts';
import { DEFAULT_DOWNLOAD_TIMEOUT_MS } from '../../core/images/download.ts';
import { DEFAULT_IMAGE_LIMITS } from '../../core/images/inspect.ts';
import type { RunningService } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/log.ts';
import type { Storage } from '../../core/store/storage.ts';
import { describeDiscordError, discordFailure } from './errors.ts';
import { handleInteraction } from './handle.ts';
import { registerCommands } from './register.ts';

export interface DiscordBotOptions {
  token: string;
  /** REST base (DISCORD_API_BASE), default https://discord.com/api; discord.js appends /v10. The gateway URL comes from GET /gateway/bot on it. */
  apiBase: string;
  /** Register the commands in this guild (visible at once) instead of globally. */
  guildId?: string;
  commands: Commands;
  /** Where the bot keeps what its buttons need after a restart (the recipes of requests). */
  storage: Storage;
  logger: Logger;
  /**
   * Register the application commands at start-up (default true). With several shards only one
   * process registers; the others would only repeat the same idempotent check.
   */
  registerCommands?: boolean;
  /** Largest input image downloaded; default 20 MiB. */
  maxImageBytes?: number;
  /** Overall time for one input download; default 30 s. */
  downloadTimeoutMs?: number;
  /** Minimum gap between two progress edits of a reply; default 1 s. */
  statusIntervalMs?: number;
}

const DEFAULT_STATUS_INTERVAL_MS = 1_000;
/** discord.js waits up to 15 s for unavailable guilds before it reports ready; leave room beyond that. */
const READY_TIMEOUT_MS = 60_000;
/** Result uploads can be several MiB; @discordjs/rest's default of 15 s aborts (and retries) slow ones. */
const REST_TIMEOUT_MS = 60_000;

/**
 * Logs in over the gateway, registers the commands from the specs, and answers interactions.
 * Resolves once logged in and registered; rejects (with the client destroyed) when either fails.
 */
export async function startDiscordBot(options: DiscordBotOptions): Promise<RunningService> {
  const logger = options.logger.child({ platform: 'discord' });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: options.apiBase, timeout: REST_TIMEOUT_MS },
    // Captions echo user prompts: an "@everyone" in a prompt must not ping anybody.
    allowedMentions: { parse: [] },
  });
  const secrets = [options.token];
  const deps = {
    commands: options.commands,
    storage: options.storage,
    logger,
    limits: {
      maxBytes: options.maxImageBytes ?? DEFAULT_IMAGE_LIMITS.maxBytes,
      timeoutMs: options.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
    },
    statusIntervalMs: options.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
  };

  // Without an 'error' listener an emitted error would throw and take the process down.
  client.on(Events.Error, (error) => logger.error({ discord: describeDiscordError(error, secrets) }, 'discord client error'));
  client.on(Events.ShardError, (error) => logger.warn({ discord: describeDiscordError(error, secrets) }, 'gateway connection error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  client.on(Events.InteractionCreate, (interaction) => {
    void handleInteraction(interaction, deps);
  });

  const cancelReady = new AbortController();
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.any([cancelReady.signal, AbortSignal.timeout(READY_TIMEOUT_MS)]) });
  ready.catch(() => undefined);
  try {
    await client.login(options.token);
    await ready;
    const application = client.application;
    if (!application) throw new Error('READY carried no application');
    const registration =
      options.registerCommands === false
        ? 'left to another shard'
        : await registerCommands(client.rest, { applicationId: application.id, guildId: options.guildId, specs: COMMAND_SPECS, adminSpecs: [QUOTA_ADMIN_SPEC], logger });
    logger.info(
      { user: client.user?.tag, guilds: client.guilds.cache.size, scope: options.guildId ? 'guild' : 'global', commands: registration },
      'discord bot ready',
    );
  } catch (error) {
    cancelReady.abort();
    await client.destroy().catch(() => undefined);
    throw discordFailure(error, 'Discord start-up', secrets, 'INTERNAL');
  }

  let stopped: Promise<void> | undefined;
  return {
    stop(): Promise<void> {
      stopped ??= (async () => {
        client.removeAllListeners(Events.InteractionCreate);
        await client.destroy();
      })();
      return stopped;
    },
  };
}
