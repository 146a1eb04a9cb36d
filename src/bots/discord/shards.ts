import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { REST, Routes, ShardingManager, type RESTGetAPIGatewayBotResult, type Shard } from 'discord.js';
import type { RunningService } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/log.ts';
import { describeDiscordError, discordFailure } from './errors.ts';

/**
 * The manager side of sharding (DISCORD_SHARDS): discord.js's ShardingManager forks one process per
 * shard, each running the bot's own entry script, which sees discord.js's SHARDING_MANAGER, SHARDS
 * and SHARD_COUNT in its environment and then runs only the Discord bot on that shard. The shards
 * share nothing but the store, which is why quotas and jobs work the same from any of them.
 */
export interface DiscordShardsOptions {
  /** The entry script every shard process runs: the parent's own (dist/main.js, or src/main.ts under Node's type stripping). */
  readonly file: string;
  /** Node flags the entry needs, e.g. --experimental-sqlite: fork() does not pass the parent's on by itself here. */
  readonly execArgv: readonly string[];
  readonly token: string;
  /** REST base (DISCORD_API_BASE): GET /gateway/bot on it gives Discord's recommended count and the IDENTIFY concurrency. */
  readonly apiBase: string;
  readonly shards: 'auto' | number;
  readonly logger: Logger;
  /** How long one shard may take to reach the gateway's READY; default 60 s. */
  readonly readyTimeoutMs?: number;
  /** How long a shard may take to stop after SIGTERM before it is killed; default 15 s. */
  readonly stopTimeoutMs?: number;
}

/** Discord lets each of `max_concurrency` buckets IDENTIFY once per 5 s; a shard's bucket is its id modulo that. */
const IDENTIFY_INTERVAL_MS = 5_500;
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;

export interface ShardPlan {
  /** How many shards to run. */
  readonly count: number;
  /** The gap between two shards' start, so that two shards of one bucket never IDENTIFY within 5 s. */
  readonly spawnDelayMs: number;
}

/**
 * Asks GET /gateway/bot on DISCORD_API_BASE for the recommended shard count (for `auto`) and the
 * IDENTIFY concurrency. discord.js's own fetchRecommendedShardCount always asks discord.com, whatever
 * REST base the bot is configured with, so the manager is given a number.
 */
export async function planShards(shards: 'auto' | number, options: { token: string; apiBase: string }): Promise<ShardPlan> {
  // No sweepers: this REST client makes one call and is dropped, its timers would only keep the process up.
  const rest = new REST({ api: options.apiBase, hashSweepInterval: 0, handlerSweepInterval: 0 }).setToken(options.token);
  let gateway: RESTGetAPIGatewayBotResult;
  try {
    gateway = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  } catch (error) {
    throw discordFailure(error, 'Asking Discord for the shard count (GET /gateway/bot)', [options.token], 'INTERNAL');
  }
  const recommended = Number.isInteger(gateway.shards) && gateway.shards > 0 ? gateway.shards : 1;
  const concurrency = Math.max(1, Number(gateway.session_start_limit?.max_concurrency) || 1);
  // Shards start one after the other, so shard k and k + concurrency (one bucket) are `concurrency` gaps apart.
  return { count: shards === 'auto' ? recommended : shards, spawnDelayMs: Math.ceil(IDENTIFY_INTERVAL_MS / concurrency) };
}

/**
 * Spawns the shard processes one after the other and resolves once every one is connected to the
 * gateway; rejects, with every process already started stopped again, when one fails to come up.
 * A shard that dies later is started again by the manager (respawn), until `stop`.
 */
export async function startDiscordShards(options: DiscordShardsOptions): Promise<RunningService> {
  const logger = options.logger.child({ platform: 'discord' });
  const secrets = [options.token];
  const { count, spawnDelayMs } = await planShards(options.shards, options);
  const manager = new ShardingManager(options.file, {
    totalShards: count,
    mode: 'process',
    respawn: true,
    execArgv: [...options.execArgv],
    token: options.token,
  });
  let stopping = false;
  manager.on('shardCreate', (shard) => watchShard(shard, logger, secrets, () => stopping));

  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      // First, so that a shard exiting on its own meanwhile (Ctrl+C reaches the whole process group) is not started again.
      manager.respawn = false;
      await Promise.all([...manager.shards.values()].map((shard) => stopShard(shard, stopTimeoutMs, logger)));
    })();
    return stopped;
  };

  logger.info({ shards: count, requested: options.shards, spawnDelayMs }, 'starting discord shard processes');
  try {
    await manager.spawn({
      amount: count,
      delay: spawnDelayMs,
      timeout: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    });
  } catch (error) {
    await stop();
    throw discordFailure(error, 'Starting the Discord shards', secrets, 'INTERNAL');
  }
  logger.info({ shards: count }, 'discord shards ready');
  return { stop };
}

/**
 * Logs what happens to one shard's process; once stopping, only `stopShard` speaks (the manager reports
 * a death the moment it sends SIGTERM). The 'error' listener is needed anyway: an unheard one would throw.
 */
function watchShard(shard: Shard, logger: Logger, secrets: readonly string[], stopping: () => boolean): void {
  shard.on('spawn', (child) => logger.info({ shard: shard.id, pid: (child as ChildProcess).pid }, 'discord shard process started'));
  shard.on('ready', () => logger.info({ shard: shard.id }, 'discord shard connected'));
  shard.on('death', (child) => {
    if (stopping()) return;
    const { exitCode, signalCode } = child as ChildProcess;
    logger.warn({ shard: shard.id, exitCode, signal: signalCode }, 'discord shard process exited, starting it again');
  });
  shard.on('error', (error) => {
    if (!stopping()) logger.error({ shard: shard.id, discord: describeDiscordError(error, secrets) }, 'discord shard error');
  });
}

/** SIGTERM (the shard stops its bot and store, then exits), SIGKILL if it takes longer than `timeoutMs`. */
async function stopShard(shard: Shard, timeoutMs: number, logger: Logger): Promise<void> {
  const child = shard.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // kill() sends SIGTERM and detaches the manager's exit listener, so this exit is not followed by a respawn.
  shard.kill();
  // An unref'd timer: once the shard has exited, it must not hold the process open.
  const inTime = await Promise.race([exited.then(() => true), sleep(timeoutMs, false, { ref: false })]);
  if (!inTime) {
    logger.warn({ shard: shard.id, pid: child.pid }, 'discord shard did not stop in time, killing it');
    child.kill('SIGKILL');
    await exited;
  }
  logger.info({ shard: shard.id, exitCode: child.exitCode, signal: child.signalCode }, 'discord shard process stopped');
}
