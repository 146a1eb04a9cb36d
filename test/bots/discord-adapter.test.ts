import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordBot } from '../../src/bots/discord/start.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { RunningService } from '../../src/core/lifecycle.ts';
import type { Commands } from '../../src/commands/commands.ts';
import type { CommandContext, EditArgs } from '../../src/commands/context.ts';
import { isBotError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { startFakeDiscord, type DiscordCall, type FakeDiscord } from '../helpers/fake-discord.ts';
import { makePng, pngImage } from '../helpers/png.ts';
import { isFinalAnswer } from '../helpers/discord-world.ts';

/** The adapter alone: real discord.js against the fake Discord, with scripted commands instead of the core. */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(commands: Partial<Commands>): Promise<{ discord: FakeDiscord; bot: RunningService }> {
  const discord = await startFakeDiscord();
  cleanups.push(() => discord.close());
  const unused = () => Promise.reject(new Error('not scripted'));
  const bot = await startDiscordBot({
    token: discord.token,
    apiBase: discord.apiBase,
    guildId: discord.guildId,
    logger: silentLogger,
    storage: createMemoryStorage(),
    commands: { edit: unused, imagine: unused, quota: unused, help: unused, moderate: unused, cancel: () => 'not_found', resume: () => Promise.resolve(), ...commands },
  });
  cleanups.push(() => bot.stop());
  return { discord, bot };
}

const originalEdit = (discord: FakeDiscord, token: string) => (call: DiscordCall) =>
  call.method === 'PATCH' && call.path === `/api/v10/webhooks/${discord.applicationId}/${token}/messages/@original`;
/** The last word of a public request: an edit of the reply, or (for refusals and errors) a private follow-up. */
const finalAnswer = isFinalAnswer;

const png = (size: number, seed: number) => pngImage(size, size, seed);

describe('Discord adapter', () => {
  it('builds the context and EditArgs from the interaction, and loads the attachment bytes', async () => {
    let seen: { ctx: CommandContext; args: EditArgs; bytes: Buffer } | undefined;
    const { discord } = await start({
      async edit(ctx, args) {
        seen = { ctx, args, bytes: await args.images[0]!.load(AbortSignal.timeout(2000)) };
        await ctx.finish('ok');
      },
    });
    const input = makePng(20, 10, 4);
    const attachment = discord.addAttachment(input, 'a.png', 'image/png', { width: 20, height: 10 });
    const interaction = discord.dispatchCommand({
      name: 'edit',
      userId: '200000000000000042',
      options: [
        { name: 'prompt', type: 3, value: 'sharpen' },
        { name: 'image', type: 11, value: attachment.id },
        { name: 'count', type: 4, value: 2 },
        { name: 'aspect_ratio', type: 3, value: '16:9' },
        { name: 'format', type: 3, value: 'webp' },
      ],
      attachments: [attachment],
    });
    await discord.waitForCall(finalAnswer(discord, interaction.token));
    const { ctx, args, bytes } = seen!;
    expect(ctx).toMatchObject({ platform: 'discord', requestId: interaction.id, userId: '200000000000000042', communityId: discord.guildId });
    expect(args).toMatchObject({ prompt: 'sharpen', count: 2, aspectRatio: '16:9', outputFormat: 'webp' });
    expect(args.images).toHaveLength(1);
    expect(args.images[0]).toMatchObject({ declaredBytes: input.length, declaredWidth: 20, declaredHeight: 10 });
    expect(bytes.equals(input)).toBe(true);
  });

  it('refuses an attachment declared as a non-image without downloading it', async () => {
    let failure: unknown;
    const { discord } = await start({
      async edit(ctx, args) {
        failure = await args.images[0]!.load(AbortSignal.timeout(2000)).catch((error: unknown) => error);
        await ctx.finish('done');
      },
    });
    const attachment = discord.addAttachment(Buffer.from('hello'), 'notes.txt', 'text/plain; charset=utf-8');
    const interaction = discord.dispatchCommand({
      name: 'edit',
      options: [{ name: 'prompt', type: 3, value: 'x' }, { name: 'image', type: 11, value: attachment.id }],
      attachments: [attachment],
    });
    await discord.waitForCall(finalAnswer(discord, interaction.token));
    expect(isBotError(failure) && failure.code).toBe('IMAGE_UNSUPPORTED');
  });

  it('leaves out results that cannot fit the interaction upload limit and says so; fails when none fit', async () => {
    const small = png(4, 1);
    const large = png(64, 2);
    const results: Array<number | string> = [];
    const { discord } = await start({
      async edit(ctx) {
        results.push(await ctx.deliver([large, small], 'Here you go').catch((error: unknown) => (isBotError(error) ? error.code : 'other')));
      },
    });
    const limit = small.bytes.length + 10;
    const first = discord.dispatchCommand({ name: 'edit', attachmentSizeLimit: limit });
    const upload = await discord.waitForCall(originalEdit(discord, first.token));
    expect(upload.files.map((file) => file.filename)).toEqual(['result-1.png']);
    expect(upload.files[0]!.bytes.equals(small.bytes)).toBe(true);
    // Even re-encoded the large one cannot fit so small a limit: it is left out, and the card says so.
    expect(upload.json.embeds[0].description).toMatch(/^Here you go\n\n1 of 2 images could not be sent: too large to upload here/);

    const second = discord.dispatchCommand({ name: 'edit', attachmentSizeLimit: 10 });
    await discord.waitForCall(isCallbackOf(second));
    await waitUntil(() => results.length === 2);
    expect(results).toEqual([1, 'DELIVERY_FAILED']);
    expect(discord.calls.some(originalEdit(discord, second.token))).toBe(false);
  });

  it('works in direct messages, with no community', async () => {
    let community: string | null | undefined;
    const { discord } = await start({
      async help(ctx) {
        community = ctx.communityId;
        await ctx.finish('help text');
      },
    });
    const interaction = discord.dispatchCommand({ name: 'help', guildId: null });
    const answer = await discord.waitForCall(originalEdit(discord, interaction.token));
    expect(answer.json.content).toBe('help text');
    expect(community).toBeNull();
  });

  it('tells the user when a command throws, and keeps serving', async () => {
    let calls = 0;
    const { discord } = await start({
      async quota(ctx) {
        if (++calls === 1) throw new Error('boom');
        await ctx.finish('fine');
      },
    });
    const first = discord.dispatchCommand({ name: 'quota' });
    const failed = await discord.waitForCall(originalEdit(discord, first.token));
    expect(failed.json.content).toMatch(/something went wrong/i);
    const second = discord.dispatchCommand({ name: 'quota' });
    const answered = await discord.waitForCall(originalEdit(discord, second.token));
    expect(answered.json.content).toBe('fine');
  });

  it('answers a command it does not know with an ephemeral note', async () => {
    const { discord } = await start({});
    const interaction = discord.dispatchCommand({ name: 'retired' });
    const reply = await discord.waitForCall(isCallbackOf(interaction));
    expect(reply.json).toMatchObject({ type: 4, data: { flags: 64 } });
  });

  it('refuses to start with a wrong token, without echoing it', async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const wrong = 'MTAw.wrong.token-that-must-not-leak';
    const started = startDiscordBot({ token: wrong, apiBase: discord.apiBase, logger: silentLogger, storage: createMemoryStorage(), commands: {} as Commands });
    const error = await started.then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String(error?.message)).not.toContain(wrong);
    expect(discord.identifies).toHaveLength(0);
  });

  it('registers globally without a guild id', async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const bot = await startDiscordBot({ token: discord.token, apiBase: discord.apiBase, logger: silentLogger, storage: createMemoryStorage(), commands: {} as Commands });
    cleanups.push(() => bot.stop());
    const put = await discord.waitForCall((call) => call.method === 'PUT');
    expect(put.path).toBe(`/api/v10/applications/${discord.applicationId}/commands`);
    expect(discord.identifies[0]).toMatchObject({ intents: 1, shard: [0, 1] }); // Guilds only
  });
});

function isCallbackOf(interaction: { id: string; token: string }) {
  return (call: DiscordCall) => call.path === `/api/v10/interactions/${interaction.id}/${interaction.token}/callback`;
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
