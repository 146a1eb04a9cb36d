import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { messages } from '../../src/core/messages.ts';
import { stopBotProcesses, startBotProcess, type BotProcess } from '../helpers/bot-process.ts';
import { dispatchEdit, isOriginalEdit } from '../helpers/discord-world.ts';
import { startFakeDiscord, type DiscordCall, type FakeDiscord } from '../helpers/fake-discord.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';
import { REDIS_URL } from '../helpers/redis.ts';

/**
 * Issue 7's kill -9 test on Discord: the bot runs as the operator runs it (`node src/main.ts`), is
 * killed hard while a paid job runs at the provider, and is started again on the same store. The
 * new process takes the job over once the dead one's lease has lapsed, follows the stored fal
 * request, and answers the same interaction: an edit of its reply while the token lives, else a
 * message in the channel. Exactly one fal submit, exactly one image charged.
 */
const FAL_KEY = 'fal-discord-restart-key-123';
/** Its own user per run: runs sharing a Redis database never count each other's images. */
const USER_ID = `2000000${String(randomInt(1e9)).padStart(11, '0')}`;
/** Long enough to kill the bot while fal is still working on it, short enough for a quick test. */
const FAL_JOB_MS = 5_000;
/** Lease (10 s) + sweep (5 s) + start-up, with room to spare on a busy machine. */
const TAKEOVER_MS = 60_000;
/**
 * The bot uses its default key prefix (STORE_URL has no way to name another), so this test takes a
 * Redis database away from database 0, where the other Redis tests keep their random prefixes: a
 * random one, so two runs at once (e.g. two checkouts) rarely share it.
 */
const REDIS_DB = randomInt(1, 16);

let dir: string;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await stopBotProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface World {
  readonly discord: FakeDiscord;
  readonly fal: FakeFal;
  readonly storeUrl: string;
  /** What the keys of this run's records mention: the user, the interactions. */
  readonly ids: string[];
}

async function startWorld(store: 'sqlite' | 'redis'): Promise<World> {
  dir = mkdtempSync(join(tmpdir(), 'discord-restart-'));
  const fal = await startFakeFal({ key: FAL_KEY, script: { durationMs: FAL_JOB_MS } });
  cleanups.push(() => fal.close());
  const discord = await startFakeDiscord();
  cleanups.push(() => discord.close());
  const ids = [USER_ID];
  if (store === 'sqlite') return { discord, fal, storeUrl: `sqlite://${join(dir, 'bot.sqlite')}`, ids };
  const url = new URL(REDIS_URL);
  url.pathname = `/${REDIS_DB}`;
  cleanups.push(() => clearRedis(url.href, ids));
  return { discord, fal, storeUrl: url.href, ids };
}

/** The bot process with only the environment an operator would give it. */
const startBot = (world: World, name: string): BotProcess =>
  startBotProcess({
    cwd: dir,
    name,
    env: {
      DISCORD_TOKEN: world.discord.token,
      DISCORD_API_BASE: world.discord.apiBase,
      DISCORD_GUILD_ID: world.discord.guildId,
      FAL_KEY,
      FAL_QUEUE_URL: world.fal.url,
      STORE_URL: world.storeUrl,
      QUOTA_LIMIT: '5',
      LOG_LEVEL: 'debug',
    },
  });

/**
 * Starts /edit in a first process and kills it (kill -9) once fal holds the job and the bot has
 * persisted it: the progress card shows fal's queue position, which the bot learns only by following
 * the stored request. Resolves with the interaction and when the kill happened.
 */
async function killMidJob(world: World): Promise<{ interaction: { id: string; token: string }; killedAt: number; first: BotProcess }> {
  const { discord, fal } = world;
  const first = startBot(world, 'first');
  await first.waitForLog('discord bot ready', 30_000);
  const input = discord.addAttachment(makePng(24, 16, 9), 'in.png', 'image/png', { width: 24, height: 16 });
  const interaction = dispatchEdit(discord, 'paint it gold', [input], { userId: USER_ID });
  world.ids.push(interaction.id);
  await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && isFollowingCard(call), 15_000);
  await first.kill();
  const killedAt = Date.now();
  expect(fal.jobs).toHaveLength(1);
  return { interaction, killedAt, first };
}

/** A progress card the bot could only show while following fal's request: queued with a position, or running. */
const isFollowingCard = (call: DiscordCall): boolean =>
  [messages.queued(2), messages.queued(1), messages.running('edit')].includes(call.json?.embeds?.[0]?.description);

/** What /quota says for the test user, asked in a new interaction the running process answers. */
async function quotaLine(discord: FakeDiscord): Promise<string> {
  const quota = discord.dispatchCommand({ name: 'quota', userId: USER_ID });
  const answer = await discord.waitForCall(isOriginalEdit(discord, quota.token), 15_000);
  return answer.json.content as string;
}

const resultUpload = (discord: FakeDiscord, token: string) => (call: DiscordCall) => isOriginalEdit(discord, token)(call) && call.files.length > 0;
const channelPost = (channelId: string) => (call: DiscordCall) => call.method === 'POST' && call.path === `/api/v10/channels/${channelId}/messages`;

describe.each(['sqlite', 'redis'] as const)('Discord: kill -9 mid-job, restart on the same %s store', (store) => {
  it(
    'the restarted bot edits the result into the same reply, with one fal submit and one image charged',
    async () => {
      const world = await startWorld(store);
      const { discord, fal } = world;
      const { interaction, killedAt, first } = await killMidJob(world);

      const second = startBot(world, 'restart');
      const result = await discord.waitForCall(resultUpload(discord, interaction.token), TAKEOVER_MS);
      expect(result.at).toBeGreaterThan(killedAt);
      expect(result.files).toHaveLength(1);
      expect(result.files[0]!.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
      expect(result.json.embeds[0].description).toMatch(/^Done in .+ 4 of 5 images left/);
      expect(result.json.components[0].components.map((button: { custom_id: string }) => button.custom_id)).toContain(`nb:again:${interaction.id}`);
      await second.waitForLog((line) => line.msg === 'job done' && line.job === `discord:${interaction.id}`, 10_000);

      expect(fal.jobs).toHaveLength(1);
      expect(fal.requests.filter((request) => request.method === 'POST' && !request.path.includes('/requests/'))).toHaveLength(1);
      expect(discord.calls.filter(resultUpload(discord, interaction.token))).toHaveLength(1);
      expect(await quotaLine(discord)).toMatch(/used 1 of 5/);

      // The record holds the interaction token (it must, to answer after a restart); no log line does.
      for (const bot of [first, second]) {
        expect(bot.output()).not.toContain(interaction.token);
        expect(bot.output()).not.toContain(discord.token);
      }
    },
    120_000,
  );
});

describe('Discord: SIGTERM mid-job, then a restart', () => {
  it(
    'the bot exits within 10 s leaving the job paused (not cancelled, not refunded), and the next start finishes it',
    async () => {
      const world = await startWorld('sqlite');
      const { discord, fal } = world;
      const first = startBot(world, 'first');
      await first.waitForLog('discord bot ready', 30_000);
      const input = discord.addAttachment(makePng(24, 16, 9), 'in.png', 'image/png', { width: 24, height: 16 });
      const interaction = dispatchEdit(discord, 'paint it gold', [input], { userId: USER_ID });
      await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && isFollowingCard(call), 15_000);

      expect((await first.stop('SIGTERM', 10_000)).code).toBe(0);
      expect(discord.originalMessageOf(interaction.token).embeds[0].description).toBe(messages.suspended());
      expect(fal.jobs[0]!.cancelled).toBe(false);

      startBot(world, 'restart');
      const result = await discord.waitForCall(resultUpload(discord, interaction.token), TAKEOVER_MS);
      expect(result.files[0]!.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
      expect(fal.jobs).toHaveLength(1);
      expect(await quotaLine(discord)).toMatch(/used 1 of 5/);
    },
    120_000,
  );
});

describe('Discord: kill -9 mid-job, and the interaction token expires before the restart', () => {
  it(
    'the restarted bot posts the result in the channel, mentioning the requester, and removes the stale card',
    async () => {
      const world = await startWorld('sqlite');
      const { discord, fal } = world;
      const { interaction, killedAt } = await killMidJob(world);
      discord.expireInteraction(interaction.token);
      const card = discord.originalMessageOf(interaction.token);
      expect(card?.embeds[0].description).not.toMatch(/^Done/);

      startBot(world, 'restart');
      const late = await discord.waitForCall(channelPost(discord.channelId), TAKEOVER_MS);
      expect(late.at).toBeGreaterThan(killedAt);
      expect(late.json.content).toBe(messages.result.lateDelivery(`<@${USER_ID}>`));
      expect(late.json.allowed_mentions).toEqual({ parse: [], users: [USER_ID] });
      expect(late.files).toHaveLength(1);
      expect(late.files[0]!.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
      expect(late.json.embeds[0].description).toMatch(/^Done in .+ 4 of 5 images left/);

      // The job record remembered the reply's message: its progress card, Cancel button and all, goes.
      await discord.waitForCall((call) => call.method === 'DELETE' && call.path === `/api/v10/channels/${discord.channelId}/messages/${card.id}`);
      expect(discord.messageById(card.id)).toBeUndefined();

      expect(fal.jobs).toHaveLength(1);
      expect(discord.calls.filter(channelPost(discord.channelId))).toHaveLength(1);
      expect(await quotaLine(discord)).toMatch(/used 1 of 5/);
    },
    120_000,
  );
});

/** Removes what the bot stored for this run: the keys naming its user or its interactions. */
async function clearRedis(url: string, ids: readonly string[]): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    for (const id of ids) {
      for await (const keys of client.scanIterator({ MATCH: `nano-banana:*${id}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys);
      }
    }
  } finally {
    await client.close();
  }
}
