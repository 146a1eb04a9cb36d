import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, type ChatInputCommandInteraction } from 'discord.js';
import { startDiscordBot } from '../../src/bots/discord/start.ts';
import type { App } from '../../src/app.ts';
import type { RunningService } from '../../src/core/lifecycle.ts';
import { silentLogger, type Logger } from '../../src/core/log.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { buildTestCore, TEST_FAL_KEY } from './core.ts';
import { startFakeDiscord, type CommonDispatch, type DiscordCall, type Dispatched, type FakeDiscord, type Json } from './fake-discord.ts';
import { startFakeFal, type FakeFal } from './fake-fal.ts';

export interface DiscordWorld {
  readonly discord: FakeDiscord;
  readonly fal: FakeFal;
  readonly app: App;
  readonly bot: RunningService;
}

export interface DiscordWorldOptions {
  readonly logger?: Logger;
  /** Extra environment for the core (BOT_OWNERS, …). */
  readonly env?: Record<string, string>;
  readonly fal?: Parameters<typeof startFakeFal>[0];
  /** Minimum gap between two progress edits; default 50 ms, so a short job still shows progress. */
  readonly statusIntervalMs?: number;
  /** The bot's own store, when a test gives it another one than the core's. */
  readonly botStorage?: (app: App) => Storage;
  /**
   * The shard count the fake recommends. The in-process bot is one client on shard [0, 1], which owns
   * every guild; several shards of the bot need discord.js's ShardingManager (test/discord-shards.test.ts).
   */
  readonly shards?: number;
  /** Where the core (runner, commands) logs; `logger` is the bot's. */
  readonly coreLogger?: Logger;
}

/**
 * The whole Discord path for an end-to-end test: fake fal, fake Discord, the real core and the real
 * discord.js bot, registering its commands in the fake's guild. Each part registers its own shutdown
 * with `cleanups`, in start order, so the test's afterEach (newest first) stops the bot before the
 * core and the fakes.
 */
export async function startDiscordWorld(cleanups: Array<() => Promise<void>>, options: DiscordWorldOptions = {}): Promise<DiscordWorld> {
  const fal = await startFakeFal({ key: TEST_FAL_KEY, ...options.fal });
  cleanups.push(() => fal.close());
  const discord = await startFakeDiscord(options.shards === undefined ? {} : { shards: options.shards });
  cleanups.push(() => discord.close());
  const core = await buildTestCore({ falUrl: fal.url, ...(options.env ? { env: options.env } : {}), ...(options.coreLogger ? { logger: options.coreLogger } : {}) });
  cleanups.push(() => core.close());
  const bot = await startDiscordBot({
    token: discord.token,
    apiBase: discord.apiBase,
    guildId: discord.guildId,
    commands: core.commands,
    storage: options.botStorage?.(core.app) ?? core.app.storage,
    logger: options.logger ?? silentLogger,
    statusIntervalMs: options.statusIntervalMs ?? 50,
  });
  cleanups.push(() => bot.stop());
  return { discord, fal, app: core.app, bot };
}

/** Matches the bot's answer to the interaction callback (reply, defer, update or modal). */
export const isCallback = (interaction: { id: string; token: string }) => (call: DiscordCall) =>
  call.method === 'POST' && call.path === `/api/v10/interactions/${interaction.id}/${interaction.token}/callback`;

/** Matches the bot's edits of the interaction's original response (or, after an update, of the message the button was on). */
export const isOriginalEdit = (discord: FakeDiscord, token: string) => (call: DiscordCall) =>
  call.method === 'PATCH' && call.path === `/api/v10/webhooks/${discord.applicationId}/${token}/messages/@original`;

/** Matches a follow-up message of the interaction (how refusals and errors reach the requester alone). */
export const isFollowUp = (discord: FakeDiscord, token: string) => (call: DiscordCall) =>
  call.method === 'POST' && call.path === `/api/v10/webhooks/${discord.applicationId}/${token}`;

/** The final word of a request: an edit of the original response, or a follow-up. */
export const isFinalAnswer = (discord: FakeDiscord, token: string) => (call: DiscordCall) =>
  isOriginalEdit(discord, token)(call) || isFollowUp(discord, token)(call);

/** The attachment options of /edit, in order. */
const IMAGE_OPTIONS = ['image', 'image2', 'image3', 'image4'];

/** Dispatches `/edit` with `attachments` (from `discord.addAttachment`) as image, image2…, and a count when given. */
export function dispatchEdit(
  discord: FakeDiscord,
  prompt: string,
  attachments: readonly Json[],
  extra: CommonDispatch & { count?: number } = {},
): Dispatched {
  const { count, ...common } = extra;
  return discord.dispatchCommand({
    ...common,
    name: 'edit',
    options: [
      { name: 'prompt', type: 3, value: prompt },
      ...attachments.map((attachment, i) => ({ name: IMAGE_OPTIONS[i]!, type: 11, value: String(attachment.id) })),
      ...(count === undefined ? [] : [{ name: 'count', type: 4, value: count }]),
    ],
    attachments: [...attachments],
  });
}

/**
 * A bare discord.js client on the fake, without the core: hands every slash command to `run`. For a
 * context on its own, e.g. the process that received a request and then died (destroy it).
 */
export async function startBareClient(
  discord: FakeDiscord,
  cleanups: Array<() => Promise<void>>,
  run: (interaction: ChatInputCommandInteraction) => Promise<void>,
): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
  cleanups.push(() => client.destroy());
  client.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isChatInputCommand()) void run(interaction);
  });
  const ready = once(client, Events.ClientReady);
  await client.login(discord.token);
  await ready;
  return client;
}
