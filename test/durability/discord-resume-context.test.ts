import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { contextFromTarget, createInteractionContext } from '../../src/bots/discord/context.ts';
import type { DiscordTarget } from '../../src/bots/discord/target.ts';
import { BotError } from '../../src/core/errors.ts';
import { JobRepository } from '../../src/core/jobs/repository.ts';
import type { DeliveryTarget } from '../../src/core/jobs/types.ts';
import { createLogger, silentLogger, type Logger } from '../../src/core/log.ts';
import { messages } from '../../src/core/messages.ts';
import { dispatchEdit, isOriginalEdit, startBareClient, startDiscordWorld } from '../helpers/discord-world.ts';
import { startFakeDiscord, type DiscordCall, type FakeDiscord } from '../helpers/fake-discord.ts';
import { makePng, pngImage } from '../helpers/png.ts';

/**
 * The Discord side of resuming after a restart: what a live request leaves in its job record (the
 * target), and the context rebuilt from it with REST alone (contextFromTarget), which must answer
 * exactly as the live one would: the same reply while the token lives, the channel or a DM after.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const USER_ID = '200000000000000654';
const BUTTONS = { again: true, editThis: true, useAsInput2: false };
const QUEUED = messages.queued(2);

/** Log lines written, as text, for leak checks. */
function capturingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  return { logger: createLogger('debug', { destination: { write: (line: string) => void lines.push(line) } }), text: () => lines.join('') };
}

/**
 * A request as the first process saw it before it died: a bare client defers /edit publicly, shows a
 * progress card through the live context, and is destroyed. Resolves with the live context's target.
 */
async function strandedRequest(discord: FakeDiscord): Promise<{ target: DiscordTarget; interaction: { id: string; token: string } }> {
  let target: (() => DeliveryTarget | undefined) | undefined;
  const client = await startBareClient(discord, cleanups, async (interaction) => {
    await interaction.deferReply();
    const ctx = createInteractionContext(interaction, { logger: silentLogger, statusIntervalMs: 0, publicReply: true, resultButtons: BUTTONS });
    await ctx.status(QUEUED);
    target = () => ctx.target?.();
  });
  const interaction = discord.dispatchCommand({ name: 'edit', userId: USER_ID });
  await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.json?.embeds?.[0]?.description === QUEUED);
  // The reply's id is known once the edit's answer was read.
  await expect.poll(() => (target?.() as DiscordTarget | undefined)?.originalMessageId).toBeDefined();
  await client.destroy();
  return { target: target!() as DiscordTarget, interaction };
}

/** What a restarted process has: its own REST client with the bot token, and nothing of the interaction. */
function resumeDeps(discord: FakeDiscord, logger: Logger = silentLogger, now?: () => number) {
  const rest = new REST({ api: discord.apiBase, hashSweepInterval: 0, handlerSweepInterval: 0 }).setToken(discord.token);
  return { rest, logger, statusIntervalMs: 0, botToken: discord.token, ...(now ? { now } : {}) };
}

const channelPost = (channelId: string) => (call: DiscordCall) => call.method === 'POST' && call.path === `/api/v10/channels/${channelId}/messages`;

describe('the Discord target in the job record', () => {
  it('holds what a restart needs to answer the same interaction, the reply message id included', async () => {
    const { discord, app } = await startDiscordWorld(cleanups);
    const input = discord.addAttachment(makePng(24, 16, 9), 'in.png', 'image/png', { width: 24, height: 16 });
    const interaction = dispatchEdit(discord, 'paint it gold', [input], { userId: USER_ID });
    await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0, 10_000);

    const record = await new JobRepository(app.storage).load(`discord:${interaction.id}`);
    expect(record?.kind).toBe('edit');
    expect(record?.target).toEqual({
      platform: 'discord',
      applicationId: discord.applicationId,
      interactionId: interaction.id,
      token: interaction.token,
      createdAt: expect.any(Number),
      channelId: discord.channelId,
      guildId: discord.guildId,
      userId: USER_ID,
      locale: 'en-US',
      publicReply: true,
      resultButtons: { again: true, editThis: true, useAsInput2: true },
      attachmentSizeLimit: 10 * 1024 * 1024,
      originalMessageId: discord.originalMessageOf(interaction.token).id,
    });
    expect(Math.abs((record!.target!.createdAt as number) - interaction.dispatchedAt)).toBeLessThan(60_000);
  });
});

describe('contextFromTarget', () => {
  it('edits the same reply while the token lives: the progress card, then the result with its buttons', async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const { target, interaction } = await strandedRequest(discord);
    const ctx = contextFromTarget(target, resumeDeps(discord))!;
    expect(ctx).toMatchObject({ platform: 'discord', requestId: interaction.id, userId: USER_ID, communityId: discord.guildId, locale: 'en-US' });

    await ctx.status(messages.running('edit'));
    await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.json?.embeds?.[0]?.description === messages.running('edit'));
    const image = pngImage(16, 16, 3);
    expect(await ctx.deliver([image], 'Done in 40 s', { prompt: 'paint it gold', provider: 'fal', elapsedMs: 40_000 })).toBe(1);

    const result = await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0);
    expect(result.files[0]!.bytes.equals(image.bytes)).toBe(true);
    expect(result.json.embeds[0].description).toBe('Done in 40 s');
    expect(result.json.components[0].components.map((button: { custom_id: string }) => button.custom_id)).toEqual([`nb:again:${interaction.id}`, `nb:edit:${interaction.id}`]);
    // The reply itself became the result: no second message, nothing in the channel.
    expect(discord.originalMessageOf(interaction.token).attachments).toHaveLength(1);
    expect(discord.calls.filter(channelPost(discord.channelId))).toEqual([]);
    expect(ctx.target?.()).toEqual(target);
  });

  it('once the token is dead, posts the result in the channel mentioning the requester, and removes the stale card', async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const { target, interaction } = await strandedRequest(discord);
    discord.expireInteraction(interaction.token);
    const ctx = contextFromTarget(target, resumeDeps(discord))!;

    await ctx.deliver([pngImage(16, 16, 3)], 'Done in 20 min', { prompt: 'slow', provider: 'fal', elapsedMs: 1_200_000 });
    const late = await discord.waitForCall(channelPost(discord.channelId));
    expect(late.json.content).toBe(messages.result.lateDelivery(`<@${USER_ID}>`));
    expect(late.json.allowed_mentions).toEqual({ parse: [], users: [USER_ID] });
    expect(late.files).toHaveLength(1);
    expect(late.json.components[0].components.map((button: { custom_id: string }) => button.custom_id)).toContain(`nb:again:${interaction.id}`);
    await discord.waitForCall((call) => call.method === 'DELETE' && call.path === `/api/v10/channels/${discord.channelId}/messages/${target.originalMessageId}`);
  });

  it('past 15 minutes never tries the token, and sends a refusal to the requester alone (a DM, never the channel)', async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const { target, interaction } = await strandedRequest(discord);
    const before = discord.calls.length;
    const ctx = contextFromTarget(target, resumeDeps(discord, silentLogger, () => Date.now() + 15 * 60_000))!;

    await ctx.status(messages.running('edit'));
    await ctx.finish(messages.notCharged);
    const dm = await discord.waitForCall((call) => channelPost(discord.dmChannelOf(USER_ID) ?? 'none')(call));
    expect(dm.json.content).toBe(messages.notCharged);
    const after = discord.calls.slice(before);
    expect(after.filter((call) => call.path.includes(interaction.token))).toEqual([]);
    expect(after.filter(channelPost(discord.channelId))).toEqual([]);
  });

  it('gives no context for a target it cannot use, without calling Discord', async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const { target } = await strandedRequest(discord);
    const before = discord.calls.length;
    const broken: DeliveryTarget[] = [
      { platform: 'discord' },
      { ...target, platform: 'telegram' },
      { ...target, token: '' },
      { ...target, channelId: '../../users/@me' },
      { ...target, createdAt: 'yesterday' },
    ];
    for (const stored of broken) expect(contextFromTarget(stored, resumeDeps(discord))).toBeUndefined();
    // Fields a newer version may add are ignored, not fatal.
    expect(contextFromTarget({ ...target, addedLater: 1 }, resumeDeps(discord))).toBeDefined();
    expect(discord.calls.length).toBe(before);
  });

  it('keeps the interaction token out of logs and errors when Discord fails', async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const { target, interaction } = await strandedRequest(discord);
    const { logger, text } = capturingLogger();
    const ctx = contextFromTarget(target, resumeDeps(discord, logger))!;

    discord.failNext((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length === 0, 404, { message: 'Unknown Message', code: 10008 });
    await ctx.status(messages.running('edit'));
    discord.failNext((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0, 400, { message: 'Invalid Form Body', code: 50035 });
    const failure = await ctx.deliver([pngImage(16, 16, 3)], 'Done', undefined).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BotError);
    expect((failure as BotError).code).toBe('DELIVERY_FAILED');
    expect(JSON.stringify({ message: (failure as Error).message, stack: (failure as Error).stack })).not.toContain(interaction.token);
    expect(text()).toContain('status edit failed');
    expect(text()).not.toContain(interaction.token);
    expect(text()).not.toContain(discord.token);
  });
});
