import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/core/messages.ts';
import { dispatchEdit, isCallback, isOriginalEdit, startDiscordWorld } from '../helpers/discord-world.ts';
import { EDIT_MESSAGE_MENU_NAME } from '../../src/bots/discord/menu-spec.ts';
import type { FakeDiscord } from '../helpers/fake-discord.ts';
import type { FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/**
 * The real discord.js client against the fake Discord (REST + gateway), the real core against the fake
 * fal queue: what a Discord user does, and what both remote parties received.
 */

interface World {
  discord: FakeDiscord;
  fal: FakeFal;
  /** Every line the bot logged, as written. */
  logs: string[];
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  // Registered in start order; undone in reverse: bot, core, then the fakes.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startWorld(): Promise<World> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const { discord, fal } = await startDiscordWorld(cleanups, { logger: pino({ level: 'debug' }, sink) });
  return { discord, fal, logs };
}

const editCommand = (discord: FakeDiscord, prompt: string, attachment: { id: string }) => dispatchEdit(discord, prompt, [attachment]);

/** Lets any stray late edit arrive before asserting that nothing came after the final one. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('Discord bot end to end', () => {
  it('registers the commands from the specs in the guild', async () => {
    const { discord } = await startWorld();
    const put = await discord.waitForCall((call) => call.method === 'PUT' && call.path.endsWith('/commands'));
    expect(put.path).toBe(`/api/v10/applications/${discord.applicationId}/guilds/${discord.guildId}/commands`);
    expect(put.headers.authorization).toBe(`Bot ${discord.token}`);
    expect(put.json.map((command: { name: string }) => command.name)).toEqual(['edit', 'imagine', 'quota', 'help', 'quota-admin', EDIT_MESSAGE_MENU_NAME]);
    const edit = put.json[0];
    expect(edit.type).toBe(1);
    expect(edit.options).toEqual([
      expect.objectContaining({ name: 'prompt', type: 3, required: true, max_length: 5000 }),
      expect.objectContaining({ name: 'image', type: 11, required: true }),
      expect.objectContaining({ name: 'image2', type: 11, required: false }),
      expect.objectContaining({ name: 'image3', type: 11, required: false }),
      expect.objectContaining({ name: 'image4', type: 11, required: false }),
      expect.objectContaining({ name: 'count', type: 4, required: false, min_value: 1, max_value: 4 }),
      expect.objectContaining({ name: 'aspect_ratio', type: 3, choices: expect.arrayContaining([{ name: '16:9', value: '16:9' }]) }),
      expect.objectContaining({ name: 'format', type: 3, choices: [{ name: 'jpeg', value: 'jpeg' }, { name: 'png', value: 'png' }, { name: 'webp', value: 'webp' }] }),
    ]);
    expect(discord.calls.some((call) => call.path === `/api/v10/applications/${discord.applicationId}/commands`)).toBe(false);
  });

  it('/edit defers at once, sends the attachment to fal, and ends with the result file', async () => {
    const { discord, fal } = await startWorld();
    const input = makePng(48, 32, 7);
    const attachment = discord.addAttachment(input, 'cat.png', 'image/png', { width: 48, height: 32 });
    const interaction = editCommand(discord, 'make the cat wear a tiny hat', attachment);

    const deferred = await discord.waitForCall(isCallback(interaction));
    expect(deferred.json).toMatchObject({ type: 5 });
    expect(deferred.json.data?.flags ?? 0).toBe(0); // the result is for the whole channel, not ephemeral
    expect(deferred.at - interaction.dispatchedAt).toBeLessThan(3000);

    const job = await fal.waitForJob(1);
    expect(deferred.at).toBeLessThanOrEqual(fal.requests[0]!.at);
    expect(job.input.prompt).toBe('make the cat wear a tiny hat');
    expect(job.inputImages).toHaveLength(1);
    expect(job.inputImages[0]!.equals(input)).toBe(true);

    const final = await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0, 10_000);
    await settle();
    expect(final.files).toHaveLength(1);
    expect(final.files[0]!.filename).toBe('result-1.png');
    expect(final.files[0]!.bytes.equals(job.resultImages[0]!)).toBe(true);
    // The result is a card: the summary line, the prompt and the provider, and the buttons for the next request.
    expect(final.json.embeds[0].description).toMatch(/^Done in .+ images left/);
    expect(final.json.embeds[0].fields).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'make the cat wear a tiny hat' })]));
    const edits = discord.calls.filter(isOriginalEdit(discord, interaction.token));
    expect(edits.at(-1)).toBe(final);
    expect(edits.length).toBeGreaterThan(1); // progress was shown before the result
    expect(edits.every((call) => call.at >= deferred.at)).toBe(true);
  });

  it('/imagine sends the prompt and options to the fal text-to-image model and ends with the result file', async () => {
    const { discord, fal } = await startWorld();
    const interaction = discord.dispatchCommand({
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a red fox in the snow' },
        { name: 'count', type: 4, value: 2 },
        { name: 'aspect_ratio', type: 3, value: '16:9' },
        { name: 'format', type: 3, value: 'jpeg' },
      ],
    });
    const job = await fal.waitForJob(1);
    expect(job.modelPath).toBe('fal-ai/nano-banana');
    expect(job.input).toMatchObject({ prompt: 'a red fox in the snow', num_images: 2, aspect_ratio: '16:9', output_format: 'jpeg' });
    expect(job.input.image_urls).toBeUndefined();
    const final = await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0, 10_000);
    expect(final.files).toHaveLength(2);
    expect(final.json.embeds[0].description).toMatch(/^Done in .+ 8 of 10 images left/);
  });

  it('/quota answers in an ephemeral reply', async () => {
    const { discord } = await startWorld();
    const interaction = discord.dispatchCommand({ name: 'quota' });
    const deferred = await discord.waitForCall(isCallback(interaction));
    expect(deferred.json).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await discord.waitForCall(isOriginalEdit(discord, interaction.token));
    expect(answer.json.content).toMatch(/You have used 0 of 10 images .*; 10 left/);
  });

  it('an attachment that is not an image ends in a clear error and no fal job', async () => {
    const { discord, fal } = await startWorld();
    const attachment = discord.addAttachment(Buffer.from('just some text, not a picture\n'.repeat(20)), 'x.png', 'image/png');
    const interaction = editCommand(discord, 'brighten it', attachment);
    // The public reply goes away and the error reaches the requester alone, as an ephemeral follow-up.
    const final = await discord.waitForCall(
      (call) => call.method === 'POST' && call.path === `/api/v10/webhooks/${discord.applicationId}/${interaction.token}` && call.json?.content === errorMessage('IMAGE_UNSUPPORTED'),
      10_000,
    );
    await settle();
    expect(final.json.flags).toBe(64);
    expect(final.files).toHaveLength(0);
    const deleted = discord.calls.find((call) => call.method === 'DELETE' && call.path === `/api/v10/webhooks/${discord.applicationId}/${interaction.token}/messages/@original`);
    expect(deleted && deleted.at <= final.at).toBe(true);
    expect(discord.calls.filter((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0)).toHaveLength(0);
    expect(fal.jobs).toHaveLength(0);
    expect(fal.requests).toHaveLength(0);
  });

  it('never shows the bot token or an interaction token to fal, in a reply or in a log', async () => {
    const { discord, fal, logs } = await startWorld();
    const attachment = discord.addAttachment(makePng(16, 16, 3), 'in.png', 'image/png', { width: 16, height: 16 });
    const interaction = editCommand(discord, 'turn it blue', attachment);
    await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0, 10_000);
    const quota = discord.dispatchCommand({ name: 'quota' });
    await discord.waitForCall(isOriginalEdit(discord, quota.token));
    await settle();

    const secrets = [discord.token, interaction.token, quota.token];
    const falTraffic = JSON.stringify(fal.requests);
    const replies = JSON.stringify(discord.calls.map((call) => call.json));
    const logText = logs.join('');
    expect(fal.requests.length).toBeGreaterThan(0);
    expect(logText).toContain(interaction.id); // the request id is logged; the token is not
    for (const secret of secrets) {
      expect(falTraffic).not.toContain(secret);
      expect(replies).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  });
});
