import { afterEach, describe, expect, it } from 'vitest';
import { createInteractionContext } from '../../src/bots/discord/context.ts';
import { silentLogger } from '../../src/core/log.ts';
import { errorMessage, messages } from '../../src/core/messages.ts';
import { dispatchEdit, isOriginalEdit, startBareClient, startDiscordWorld } from '../helpers/discord-world.ts';
import { startFakeDiscord, type DiscordCall, type FakeDiscord } from '../helpers/fake-discord.ts';
import { makePng, pngImage } from '../helpers/png.ts';

/**
 * Discord's interaction token dies after 15 minutes, and a slow job can outlive it. The result still
 * reaches the requester: in the channel with a mention, or by direct message when the channel refuses
 * the bot; when nothing works, the quota is refunded. Real discord.js and the real core against the fakes.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const USER_ID = '200000000000000077';
/** Long enough to expire the token between the first progress edit and the result. */
const SLOW_JOB = { script: { durationMs: 1200 } };

const editCommand = (discord: FakeDiscord, prompt: string) =>
  dispatchEdit(discord, prompt, [discord.addAttachment(makePng(24, 16, 9), 'in.png', 'image/png', { width: 24, height: 16 })], { userId: USER_ID });

/** Lets the first progress card through, then kills the token, as 15 minutes would. */
async function expireAfterFirstCard(discord: FakeDiscord, interaction: { token: string }): Promise<void> {
  await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.json?.embeds?.length > 0, 10_000);
  discord.expireInteraction(interaction.token);
}

const postTo = (channelId: string | undefined) => (call: DiscordCall) => call.method === 'POST' && call.path === `/api/v10/channels/${channelId}/messages`;

/** What /quota says for the test user, answered in its own (live) interaction. */
async function quotaLine(discord: FakeDiscord): Promise<string> {
  const quota = discord.dispatchCommand({ name: 'quota', userId: USER_ID });
  const answer = await discord.waitForCall(isOriginalEdit(discord, quota.token), 10_000);
  return answer.json.content as string;
}

describe('Discord results after the interaction token expired', () => {
  it('posts the result in the channel, mentioning only the requester, with the files, the card and the buttons', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups, { fal: SLOW_JOB });
    const interaction = editCommand(discord, 'paint it gold');
    await expireAfterFirstCard(discord, interaction);

    const late = await discord.waitForCall(postTo(discord.channelId), 10_000);
    expect(late.json.content).toBe(messages.result.lateDelivery(`<@${USER_ID}>`));
    expect(late.json.allowed_mentions).toEqual({ parse: [], users: [USER_ID] });
    expect(late.files).toHaveLength(1);
    expect(late.files[0]!.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    expect(late.json.embeds[0].description).toMatch(/^Done in .+ 9 of 10 images left/);
    expect(late.json.components[0].components.map((button: { custom_id: string }) => button.custom_id)).toContain(`nb:again:${interaction.id}`);

    // The stale progress card (with its Cancel button) is removed; nothing was tried again on the dead token.
    await discord.waitForCall((call) => call.method === 'DELETE' && call.path.startsWith(`/api/v10/channels/${discord.channelId}/messages/`));
    const deadTokenCalls = discord.calls.filter((call) => call.path.includes(interaction.token) && call.at > late.at);
    expect(deadTokenCalls).toEqual([]);
    expect(await quotaLine(discord)).toMatch(/used 1 of 10/);
  });

  it('sends the result by direct message when the bot may not post in the channel', async () => {
    const { discord } = await startDiscordWorld(cleanups, { fal: SLOW_JOB });
    discord.forbidChannel(discord.channelId);
    const interaction = editCommand(discord, 'paint it silver');
    await expireAfterFirstCard(discord, interaction);

    const opened = await discord.waitForCall((call) => call.method === 'POST' && call.path === '/api/v10/users/@me/channels', 10_000);
    expect(opened.json).toEqual({ recipient_id: USER_ID });
    const dm = await discord.waitForCall((call) => postTo(discord.dmChannelOf(USER_ID))(call), 10_000);
    expect(dm.files).toHaveLength(1);
    expect(dm.json.content).toBe(messages.result.lateDelivery(`<@${USER_ID}>`));
    expect(dm.json.embeds[0].description).toMatch(/^Done in /);
    expect(discord.calls.filter(postTo(discord.channelId)).length).toBe(1); // tried once, refused, not retried
    expect(await quotaLine(discord)).toMatch(/used 1 of 10/);
  });

  it('refunds the quota when neither the channel nor a direct message takes the result, and says so by DM', async () => {
    const { discord } = await startDiscordWorld(cleanups, { fal: SLOW_JOB });
    discord.forbidChannel(discord.channelId);
    const isDmPost = (call: DiscordCall) => call.method === 'POST' && /^\/api\/v10\/channels\/\d+\/messages$/.test(call.path) && !call.path.includes(discord.channelId);
    discord.failNext((call) => isDmPost(call) && call.files.length > 0, 403, { code: 50007, message: 'Cannot send messages to this user' });
    const interaction = editCommand(discord, 'paint it bronze');
    await expireAfterFirstCard(discord, interaction);

    const notice = await discord.waitForCall((call) => isDmPost(call) && call.files.length === 0, 10_000);
    expect(notice.json.content).toBe(errorMessage('DELIVERY_FAILED'));
    expect(await quotaLine(discord)).toMatch(/used 0 of 10/);
  });

  it('sends a failure after the token expired by direct message, never to the channel', async () => {
    const failing = { script: { durationMs: 1200, outcome: { kind: 'error' as const, httpStatus: 422, body: { detail: [{ msg: 'content policy', type: 'content_policy_violation' }] } } } };
    const { discord } = await startDiscordWorld(cleanups, { fal: failing });
    const interaction = editCommand(discord, 'something refused');
    await expireAfterFirstCard(discord, interaction);

    const dm = await discord.waitForCall((call) => postTo(discord.dmChannelOf(USER_ID))(call), 10_000);
    expect(dm.json.content).toContain(messages.notCharged);
    expect(dm.files).toHaveLength(0);
    expect(discord.calls.filter(postTo(discord.channelId))).toEqual([]);
  });

  it('does not even try the token once 15 minutes (less a safety margin) have passed', async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const delivered: number[] = [];
    const fourteenAndAHalfMinutesLater = () => Date.now() + 14.5 * 60_000;
    await startBareClient(discord, cleanups, async (interaction) => {
      await interaction.deferReply();
      const ctx = createInteractionContext(interaction, { logger: silentLogger, statusIntervalMs: 0, publicReply: true, now: fourteenAndAHalfMinutesLater });
      delivered.push(await ctx.deliver([pngImage(16, 16, 3)], 'Done in 870 s', { prompt: 'slow one', provider: 'fal', elapsedMs: 870_000 }));
    });
    const interaction = discord.dispatchCommand({ name: 'edit', userId: USER_ID });
    const late = await discord.waitForCall(postTo(discord.channelId), 10_000);
    expect(late.files).toHaveLength(1);
    expect(late.json.embeds[0].fields).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'slow one' })]));
    await expect.poll(() => delivered).toEqual([1]);
    expect(discord.calls.filter(isOriginalEdit(discord, interaction.token))).toEqual([]);
  });
});
