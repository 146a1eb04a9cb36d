import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { planShards } from '../src/bots/discord/shards.ts';
import { BotError } from '../src/core/errors.ts';
import { startFakeDiscord, subcommand, type DiscordCall, type FakeDiscord } from './helpers/fake-discord.ts';
import { startFakeFal, type FakeFal } from './helpers/fake-fal.ts';

/**
 * DISCORD_SHARDS for real: `node src/main.ts` as the operator runs it, whose ShardingManager forks the
 * same entry once per shard, against a fake Discord that routes each guild to the session of its
 * shard, with a SQLite file all the processes share.
 */
const MAIN = join(import.meta.dirname, '../src/main.ts');
const FAL_KEY = 'fal-shards-test-key-123';
const OWNER = '200000000000000099';
const USER = '200000000000000011';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface World {
  discord: FakeDiscord;
  fal: FakeFal;
  dir: string;
}

async function startWorld(shards: number): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'shards-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const fal = await startFakeFal({ key: FAL_KEY });
  cleanups.push(() => fal.close());
  const discord = await startFakeDiscord({ shards });
  cleanups.push(() => discord.close());
  return { discord, fal, dir };
}

interface RunningMain {
  process: ChildProcess;
  /** Every JSON log line of the parent and its shards (they share stdout). */
  logs: () => Array<Record<string, unknown>>;
  output: () => string;
  exited: Promise<number | null>;
}

function startMain(world: World, env: Record<string, string>): RunningMain {
  const proc = spawn(process.execPath, ['--experimental-sqlite', MAIN], {
    cwd: world.dir,
    env: {
      PATH: process.env.PATH ?? '',
      DISCORD_TOKEN: world.discord.token,
      DISCORD_API_BASE: world.discord.apiBase,
      FAL_KEY,
      FAL_QUEUE_URL: world.fal.url,
      STORE_URL: `sqlite://${join(world.dir, 'bot.sqlite')}`,
      QUOTA_LIMIT: '5',
      BOT_OWNERS: `discord:${OWNER}`,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d));
  proc.stderr!.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  // The test's own safety net: whatever happened, nothing it started outlives it.
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    for (const pid of shardPids(logs())) killQuietly(pid);
  });
  const logs = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { process: proc, logs, output: () => output, exited };
}

function shardPids(logs: Array<Record<string, unknown>>): number[] {
  return logs.filter((l) => l.msg === 'discord shard process started').map((l) => Number(l.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const isOriginalEdit = (discord: FakeDiscord, token: string) => (call: DiscordCall) =>
  call.method === 'PATCH' && call.path === `/api/v10/webhooks/${discord.applicationId}/${token}/messages/@original`;

/** Only shard 0 registers: one PUT, and no second process even reading the commands to compare them. */
function expectRegisteredOnce(discord: FakeDiscord): void {
  const commandCalls = discord.calls.filter((call) => /^\/api\/v10\/applications\/\d+\/commands$/.test(call.path));
  expect(commandCalls.filter((call) => call.method === 'PUT')).toHaveLength(1);
  expect(commandCalls.filter((call) => call.method === 'GET').length).toBeLessThanOrEqual(1);
}

/** Runs a command and returns the content of the first edit of its reply that `until` accepts. */
async function answerOf(discord: FakeDiscord, interaction: { token: string }, until: (call: DiscordCall) => boolean = () => true): Promise<DiscordCall> {
  return discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && until(call), 15_000);
}

// Three Node processes start per test; under a full parallel run that takes longer than the default 20 s allows.
describe('DISCORD_SHARDS', { timeout: 60_000 }, () => {
  it('runs one process per shard: each IDENTIFYs as its shard, answers its guilds, shares the store; SIGTERM stops them all', async () => {
    const world = await startWorld(2);
    const { discord, fal } = world;
    const main = startMain(world, { DISCORD_SHARDS: '2' });

    // Parent and both shards report ready once their bots run (shard 0 after registering the commands).
    await vi.waitFor(
      () => {
        const ready = main.logs().filter((l) => l.msg === 'ready');
        expect(ready.map((l) => l.shard ?? 'parent').sort()).toEqual([0, 1, 'parent']);
      },
      { timeout: 40_000, interval: 100 },
    );
    expect(discord.identifies.map((identify) => identify.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expectRegisteredOnce(discord);
    const pids = shardPids(main.logs());
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(main.process.pid);

    // Guild A lands on shard 0, guild B on shard 1: the fake sends each interaction only to that session.
    const [guildA, guildB] = discord.guildIds as [string, string];
    for (const guildId of [guildA, guildB]) {
      const help = discord.dispatchCommand({ name: 'help', guildId, userId: USER });
      expect((await answerOf(discord, help)).json.content).toBeTruthy();
    }

    // An owner sets the default limit in the bot's DM (shard 0); shard 1 reads it from the shared store.
    const setDefault = discord.dispatchCommand({
      name: 'quota-admin',
      options: [subcommand('default', { name: 'limit', type: 4, value: 3 })],
      guildId: null,
      userId: OWNER,
      username: 'owner',
    });
    await answerOf(discord, setDefault);
    // A job on shard 1: fal runs it, the result reaches guild B, the quota counts it.
    const imagine = discord.dispatchCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a lighthouse at dusk' }], guildId: guildB, userId: USER });
    const done = await answerOf(discord, imagine, (call) => call.files.length > 0);
    expect(done.files[0]!.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    const quotaB = discord.dispatchCommand({ name: 'quota', guildId: guildB, userId: USER });
    expect((await answerOf(discord, quotaB)).json.content).toMatch(/You have used 1 of 3 images .*; 2 left/);
    const quotaA = discord.dispatchCommand({ name: 'quota', guildId: guildA, userId: USER });
    expect((await answerOf(discord, quotaA)).json.content).toMatch(/You have used 0 of 3 images .*; 3 left/);

    main.process.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    // The parent waits for its shards to exit before it does.
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expectRegisteredOnce(discord);
    expect(main.output()).not.toContain(discord.token);
    expect(main.output()).not.toContain(FAL_KEY);
  });

  it('starts a crashed shard again, and a shard whose manager is gone (killed outright) stops by itself', async () => {
    const world = await startWorld(2);
    const { discord } = world;
    const main = startMain(world, { DISCORD_SHARDS: '2' });
    await vi.waitFor(() => expect(main.logs().filter((l) => l.msg === 'ready')).toHaveLength(3), { timeout: 40_000, interval: 100 });
    const [, shard1] = shardPids(main.logs()) as [number, number];

    process.kill(shard1, 'SIGKILL');
    await vi.waitFor(() => expect(discord.identifies.map((identify) => identify.shard)).toEqual([[0, 2], [1, 2], [1, 2]]), { timeout: 30_000, interval: 100 });
    await vi.waitFor(() => expect(main.logs().filter((l) => l.msg === 'ready' && l.shard === 1)).toHaveLength(2), { timeout: 30_000, interval: 100 });
    const help = discord.dispatchCommand({ name: 'help', guildId: discord.guildIds[1], userId: USER });
    expect((await answerOf(discord, help)).json.content).toBeTruthy();
    const pids = shardPids(main.logs());
    expect(pids).toHaveLength(3);

    main.process.kill('SIGKILL');
    await main.exited;
    // No SIGTERM reaches them: the closed IPC channel is their signal.
    await vi.waitFor(() => expect(pids.filter(isAlive)).toEqual([]), { timeout: 15_000, interval: 100 });
    expect(main.logs().filter((l) => l.msg === 'shutting down').map((l) => [l.shard, l.signal]).sort()).toEqual([
      [0, 'manager gone'],
      [1, 'manager gone'],
    ]);
  });

  it('stops with exit code 1, leaving no shard process behind, when a shard cannot start', async () => {
    const world = await startWorld(2);
    const { discord } = world;
    // The parent's GET /gateway/bot (the plan) passes; the first shard's own, in its login, is refused.
    let gatewayCalls = 0;
    discord.failNext((call) => call.path === '/api/v10/gateway/bot' && ++gatewayCalls === 2, 401, { message: '401: Unauthorized', code: 0 });
    const main = startMain(world, { DISCORD_SHARDS: 'auto' });

    expect(await main.exited).toBe(1);
    const logs = main.logs();
    expect(logs.some((l) => l.msg === 'start-up failed' && /Starting the Discord shards failed/.test(String(l.err)))).toBe(true);
    const pids = shardPids(logs);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(discord.identifies).toEqual([]);
    expect(main.output()).not.toContain(discord.token);
  });
});

describe('planShards', () => {
  it('takes the count from GET /gateway/bot for auto, and spaces the starts by the IDENTIFY concurrency', async () => {
    const { discord } = await startWorld(3);
    const options = { token: discord.token, apiBase: discord.apiBase };
    const auto = await planShards('auto', options);
    expect(auto.count).toBe(3);
    // The fake reports max_concurrency 16: one IDENTIFY per 5 s in each of 16 buckets.
    expect(auto.spawnDelayMs).toBe(Math.ceil(5_500 / 16));
    expect((await planShards(5, options)).count).toBe(5);
    const asked = discord.calls.filter((call) => call.path === '/api/v10/gateway/bot');
    expect(asked).toHaveLength(2);
    expect(asked[0]!.headers.authorization).toBe(`Bot ${discord.token}`);
  });

  it('fails with a BotError that does not carry the token when Discord refuses it', async () => {
    const { discord } = await startWorld(1);
    const wrong = `${discord.token.slice(0, -4)}0000`;
    const failure = await planShards('auto', { token: wrong, apiBase: discord.apiBase }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(BotError);
    expect((failure as BotError).message).toMatch(/GET \/gateway\/bot\) failed: .*HTTP 401/);
    expect((failure as BotError).message).not.toContain(wrong);
  });
});
