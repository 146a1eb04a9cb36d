import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Commands } from '../../commands/commands.ts';
import { QUOTA_ADMIN_SPEC } from '../../commands/moderation-specs.ts';
import { COMMAND_SPECS } from '../../commands/specs.ts';
import { DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy, withConfiguredHost } from '../../core/http/download-policy.ts';
import { DEFAULT_DOWNLOAD_TIMEOUT_MS } from '../../core/images/download.ts';
import { DEFAULT_IMAGE_LIMITS } from '../../core/images/inspect.ts';
import type { RunningService } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/log.ts';
import type { Storage } from '../../core/store/storage.ts';
import { contextFromTarget, type InteractionContext } from './context.ts';
import { describeDiscordError, discordFailure } from './errors.ts';
import { handleInteraction } from './handle.ts';
import { registerCommands } from './register.ts';
import { DEFAULT_RESUME_SWEEP_MS, startResumeSweep, type ResumeSweep } from './resume-sweep.ts';

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
  /** Where attachments may be downloaded from (App.downloadPolicy); the host of `apiBase` is always allowed. */
  downloadPolicy?: DownloadPolicy;
  /** Minimum gap between two progress edits of a reply; default 1 s. */
  statusIntervalMs?: number;
  /**
   * Finish the Discord jobs no live process runs (after a crash or a restart): at start-up, then every
   * `resumeSweepMs`. Default: when this client runs shard 0 (always, without sharding). One shard
   * resumes for all: a resumed job needs only REST (the interaction webhook, channel posts), never
   * the gateway connection of its guild's shard.
   */
  resumeJobs?: boolean;
  /** How often to look for such jobs; default 5 s. */
  resumeSweepMs?: number;
}

const DEFAULT_STATUS_INTERVAL_MS = 1_000;
/** discord.js waits up to 15 s for unavailable guilds before it reports ready; leave room beyond that. */
const READY_TIMEOUT_MS = 60_000;
/** Result uploads can be several MiB; @discordjs/rest's default of 15 s aborts (and retries) slow ones. */
const REST_TIMEOUT_MS = 60_000;

/**
 * Logs in over the gateway, registers the commands from the specs, answers interactions, and finishes
 * the Discord jobs a stopped or crashed process left (see `resumeJobs`).
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
      policy: withConfiguredHost(options.downloadPolicy ?? DEFAULT_DOWNLOAD_POLICY, options.apiBase),
    },
    statusIntervalMs: options.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
  };

  // Without an 'error' listener an emitted error would throw and take the process down.
  client.on(Events.Error, (error) => logger.error({ discord: describeDiscordError(error, secrets) }, 'discord client error'));
  client.on(Events.ShardError, (error) => logger.warn({ discord: describeDiscordError(error, secrets) }, 'gateway connection error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  // What the bot is still answering: a stop waits for it (a job suspended by the shutdown shows so).
  const handling = new Set<Promise<void>>();
  client.on(Events.InteractionCreate, (interaction) => {
    const handled = handleInteraction(interaction, deps).finally(() => handling.delete(handled));
    handling.add(handled);
  });

  let sweep: ResumeSweep | undefined;
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
    if (options.resumeJobs ?? runsShardZero(client)) {
      const resumeDeps = { rest: client.rest, logger, statusIntervalMs: deps.statusIntervalMs, botToken: options.token };
      sweep = startResumeSweep({
        resume: async () => {
          const contexts: InteractionContext[] = [];
          await options.commands.resume('discord', (target) => {
            const ctx = contextFromTarget(target, resumeDeps);
            if (ctx) contexts.push(ctx);
            return ctx;
          });
          // A job suspended by a shutdown leaves a throttled "paused" status behind: the pass ends once it went out.
          await Promise.all(contexts.map((ctx) => ctx.idle()));
        },
        intervalMs: options.resumeSweepMs ?? DEFAULT_RESUME_SWEEP_MS,
        logger,
        secrets,
      });
    }
  } catch (error) {
    cancelReady.abort();
    await client.destroy().catch(() => undefined);
    throw discordFailure(error, 'Discord start-up', secrets, 'INTERNAL');
  }

  let stopped: Promise<void> | undefined;
  return {
    // The gateway connection is up (discord.js: not destroyed, websocket status Ready).
    ready: () => stopped === undefined && client.isReady(),
    stop(): Promise<void> {
      stopped ??= (async () => {
        client.removeAllListeners(Events.InteractionCreate);
        // Before destroy: jobs still settling may post to a channel, which needs the bot token.
        await Promise.all([sweep?.stop(), ...handling]);
        await client.destroy();
      })();
      return stopped;
    },
  };
}

/** Without sharding a client runs every shard (`auto` or [0]); a shard process runs the ids it was given. */
function runsShardZero(client: Client): boolean {
  const shards = client.options.shards;
  return !Array.isArray(shards) || shards.includes(0);
}
