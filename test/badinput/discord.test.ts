import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { MAX_QUOTA_NUMBER } from '../../src/commands/moderation-specs.ts';
import { MAX_PROMPT_LENGTH } from '../../src/commands/specs.ts';
import { en } from '../../src/core/i18n/en.ts';
import { errorMessage } from '../../src/core/messages.ts';
import { MAX_IMAGES_PER_JOB } from '../../src/core/providers/provider.ts';
import { dispatchEdit, isFinalAnswer, startDiscordWorld } from '../helpers/discord-world.ts';
import {
  discordUser, MANAGE_GUILD_PERMISSIONS, subcommand, userOption, type CommandOption, type Dispatched, type FakeDiscord, type Json,
} from '../helpers/fake-discord.ts';
import type { FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';
import { animatedGif, animatedWebp, pngBomb, TEXT_AS_PNG, truncatedJpeg, truncatedPng } from './files.ts';

/**
 * The bad-input table on Discord, end to end: real discord.js against the fake Discord, the real core
 * against the fake fal. Discord checks option types, choices and ranges in its own client, so the
 * values here are what a modified client or a raw API call could still send. Each case gets one
 * clear answer for the requester alone, reaches no provider, and leaves the ledgers and the audit log
 * as they were.
 */

const REQUESTER = '200000000000000001';
const ALICE = discordUser('200000000000000011', 'alice');
const OTHER_BOT = discordUser('200000000000000013', 'otherbot', { bot: true });

interface Case {
  readonly name: string;
  readonly send: (discord: FakeDiscord) => Dispatched | Promise<Dispatched>;
  readonly answer: string;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** /edit with one attachment of these bytes, declared as `contentType`. */
const editWith = (bytes: Buffer | (() => Promise<Buffer>), filename: string, contentType: string, size?: { width: number; height: number }) =>
  async (discord: FakeDiscord) => {
    const data = typeof bytes === 'function' ? await bytes() : bytes;
    return dispatchEdit(discord, 'make it blue', [discord.addAttachment(data, filename, contentType, size)]);
  };
const goodImage = (discord: FakeDiscord) => discord.addAttachment(makePng(32, 24, 3), 'in.png', 'image/png', { width: 32, height: 24 });
/** /edit or /imagine with these raw options (and a good image for /edit unless `images` says otherwise). */
const command = (name: 'edit' | 'imagine', options: CommandOption[], images = name === 'edit' ? 1 : 0) => (discord: FakeDiscord) => {
  const attachments = Array.from({ length: images }, () => goodImage(discord));
  return discord.dispatchCommand({
    name,
    options: [...options, ...attachments.map((attachment) => ({ name: 'image', type: 11, value: String(attachment.id) }))],
    attachments,
  });
};
const prompt = (value: string): CommandOption => ({ name: 'prompt', type: 3, value });
const admin = (sub: string, options: CommandOption[], extra: { target?: Json; permissions?: string } = {}) => (discord: FakeDiscord) =>
  discord.dispatchCommand({
    name: 'quota-admin',
    options: [subcommand(sub, ...(extra.target ? [userOption(extra.target.id)] : []), ...options)],
    memberPermissions: extra.permissions ?? MANAGE_GUILD_PERMISSIONS,
    ...(extra.target ? { resolvedUsers: [extra.target] } : {}),
  });
const integer = (name: string, value: number): CommandOption => ({ name, type: 4, value });
const moderation = en.moderation;

const CASES: readonly Case[] = [
  // Files that are not images we can edit.
  { name: 'a PDF attachment', send: editWith(Buffer.from('%PDF-1.4 fake'), 'scan.pdf', 'application/pdf'), answer: errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'a text file renamed .png', send: editWith(TEXT_AS_PNG, 'cat.png', 'image/png'), answer: errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'a truncated PNG', send: editWith(truncatedPng(), 'cut.png', 'image/png', { width: 64, height: 48 }), answer: errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'a truncated JPEG', send: editWith(truncatedJpeg, 'cut.jpg', 'image/jpeg', { width: 96, height: 64 }), answer: errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'a PNG declaring 30000×30000 pixels, read from its header', send: editWith(pngBomb(), 'bomb.png', 'image/png'), answer: errorMessage('IMAGE_TOO_LARGE') },
  {
    name: 'a PNG declaring 30000×30000 pixels, as Discord describes it',
    send: editWith(pngBomb(), 'bomb.png', 'image/png', { width: 30_000, height: 30_000 }),
    answer: errorMessage('IMAGE_TOO_LARGE'),
  },
  { name: 'an animated GIF', send: editWith(animatedGif, 'dance.gif', 'image/gif', { width: 16, height: 16 }), answer: errorMessage('IMAGE_UNSUPPORTED') },
  { name: 'an animated WebP', send: editWith(animatedWebp, 'dance.webp', 'image/webp', { width: 16, height: 16 }), answer: errorMessage('IMAGE_UNSUPPORTED') },
  // How many images: Discord offers four image options, so more cannot arrive.
  { name: 'no image: /edit without its required image', send: command('edit', [prompt('make it blue')], 0), answer: en.needImage() },
  // Prompts.
  { name: 'an empty prompt', send: command('edit', [prompt('')]), answer: en.needPrompt() },
  { name: 'a prompt of spaces only', send: command('imagine', [prompt('   ')]), answer: en.needImaginePrompt() },
  { name: `a prompt over ${MAX_PROMPT_LENGTH} characters`, send: command('imagine', [prompt('a'.repeat(MAX_PROMPT_LENGTH + 1))]), answer: en.promptTooLong(MAX_PROMPT_LENGTH) },
  { name: 'a prompt of control characters only', send: command('edit', [prompt('\u0001\u0002\u0007\u001b')]), answer: en.needPrompt() },
  { name: 'a prompt of zero-width characters only', send: command('imagine', [prompt('\u200b\u2060')]), answer: en.needImaginePrompt() },
  // Options out of range (Discord's client would not send them).
  { name: 'count 9', send: command('imagine', [prompt('a fox'), integer('count', 9)]), answer: en.badCount(MAX_IMAGES_PER_JOB) },
  { name: 'count 0', send: command('edit', [prompt('a fox'), integer('count', 0)]), answer: en.badCount(MAX_IMAGES_PER_JOB) },
  { name: 'an aspect ratio that is no choice', send: command('imagine', [prompt('a fox'), { name: 'aspect_ratio', type: 3, value: '7:3' }]), answer: errorMessage('INPUT_INVALID') },
  { name: 'a format that is no choice', send: command('imagine', [prompt('a fox'), { name: 'format', type: 3, value: 'gif' }]), answer: errorMessage('INPUT_INVALID') },
  // Moderator commands.
  { name: 'moderator: amount 0', send: admin('grant', [integer('amount', 0)], { target: ALICE }), answer: moderation.badNumber('amount', 1, MAX_QUOTA_NUMBER) },
  { name: 'moderator: a negative amount', send: admin('grant', [integer('amount', -5)], { target: ALICE }), answer: moderation.badNumber('amount', 1, MAX_QUOTA_NUMBER) },
  { name: 'moderator: an amount over the maximum', send: admin('grant', [integer('amount', MAX_QUOTA_NUMBER + 1)], { target: ALICE }), answer: moderation.badNumber('amount', 1, MAX_QUOTA_NUMBER) },
  { name: 'moderator: a negative limit', send: admin('set', [integer('limit', -1)], { target: ALICE }), answer: moderation.badNumber('limit', 0, MAX_QUOTA_NUMBER) },
  { name: 'moderator: a default over the maximum', send: admin('default', [integer('limit', 10 ** 9)]), answer: moderation.badNumber('limit', 0, MAX_QUOTA_NUMBER) },
  { name: 'moderator: log page 0', send: admin('log', [integer('page', 0)]), answer: moderation.badNumber('page', 1, MAX_QUOTA_NUMBER) },
  { name: 'moderator: no target', send: admin('grant', [integer('amount', 5)]), answer: moderation.missingTarget('discord') },
  { name: 'moderator: a bot as target', send: admin('block', [], { target: OTHER_BOT }), answer: moderation.targetIsBot() },
  { name: 'moderator: a member without Manage Server', send: admin('grant', [integer('amount', 5)], { target: ALICE, permissions: '0' }), answer: moderation.notModerator() },
];

/** The text of every final answer (edits of the original response and follow-ups) so far. */
const answers = (discord: FakeDiscord, interaction: Dispatched) =>
  discord.calls.filter((call) => isFinalAnswer(discord, interaction.token)(call) && typeof call.json?.content === 'string').map((call) => call.json.content);

async function ledgers(app: App, discord: FakeDiscord) {
  const views = await Promise.all(
    [REQUESTER, ALICE.id, OTHER_BOT.id].map((userId) => app.ledger.status({ platform: 'discord', communityId: discord.guildId, userId })),
  );
  return views.map(({ used, reserved, bonus, limit, blocked }) => ({ used, reserved, bonus, limit, blocked }));
}

describe('bad input on Discord: one clear answer, no provider call, no quota spent', () => {
  it.each(CASES)('$name', async (testCase) => {
    const { discord, fal, app }: { discord: FakeDiscord; fal: FakeFal; app: App } = await startDiscordWorld(cleanups, { env: { USER_COOLDOWN: '0' } });
    const before = await ledgers(app, discord);
    const interaction = await testCase.send(discord);
    await expect.poll(() => answers(discord, interaction), { timeout: 10_000 }).toContain(testCase.answer);

    // Anything late (a second answer, a result) would come within a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const finals = discord.calls.filter(isFinalAnswer(discord, interaction.token));
    expect(finals.filter((call) => call.json?.content === testCase.answer)).toHaveLength(1);
    expect(finals.every((call) => call.files.length === 0)).toBe(true);
    // Only the requester sees it: an ephemeral follow-up, or the edit of an ephemeral deferral.
    const answer = finals.find((call) => call.json?.content === testCase.answer)!;
    const ephemeral = answer.method === 'POST' ? answer.json.flags === 64 : discord.callbackOf(interaction.id)?.data?.flags === 64;
    expect(ephemeral).toBe(true);
    expect(fal.requests).toEqual([]);
    expect(await ledgers(app, discord)).toEqual(before);
    expect((await app.admin.log({ platform: 'discord', communityId: discord.guildId }, 1, 10)).total).toBe(0);
  });
});
