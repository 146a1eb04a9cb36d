import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { progressCard } from '../../src/bots/discord/progress-card.ts';
import { inspectImage } from '../../src/core/images/inspect.ts';
import { messages } from '../../src/core/messages.ts';
import { dispatchEdit, isOriginalEdit, startDiscordWorld } from '../helpers/discord-world.ts';
import type { DiscordCall, FakeDiscord, Json } from '../helpers/fake-discord.ts';
import { makePng } from '../helpers/png.ts';

/**
 * What a Discord user sees of a request: the progress card with its Cancel button, the result card
 * with the images and the buttons for the next request, oversized results made to fit, and refusals
 * that only the requester sees. Real discord.js and the real core against the fakes.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const editCommand = dispatchEdit;

const input = (discord: FakeDiscord, seed: number) => discord.addAttachment(makePng(24, 16, seed), `in-${seed}.png`, 'image/png', { width: 24, height: 16 });
const buttonsOf = (call: DiscordCall): Json[] => (call.json.components ?? []).flatMap((row: Json) => row.components);
const resultUpload = (discord: FakeDiscord, token: string) => (call: DiscordCall) => isOriginalEdit(discord, token)(call) && call.files.length > 0;

/** Random pixels compress badly: as PNG this is far over a small upload limit, and JPEG alone is not enough either. */
async function noisyPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .png()
    .toBuffer();
}

describe('Discord progress and result cards', () => {
  it('shows the state, the queue position and the elapsed time in a card with a Cancel button for this request', async () => {
    const { discord } = await startDiscordWorld(cleanups, { fal: { script: { durationMs: 1500 } } });
    const interaction = editCommand(discord, 'add a moon', [input(discord, 1)]);
    const queued = await discord.waitForCall(
      (call) => isOriginalEdit(discord, interaction.token)(call) && /2 ahead of you/.test(call.json?.embeds?.[0]?.description ?? ''),
      10_000,
    );
    expect(queued.json.content).toBe('');
    expect(queued.json.embeds[0].description).toBe(messages.queued(2));
    expect(queued.json.embeds[0].fields).toEqual([expect.objectContaining({ name: messages.result.elapsedLabel, value: expect.stringMatching(/^\d+(\.\d)? s$/) })]);
    expect(buttonsOf(queued)).toEqual([expect.objectContaining({ type: 2, label: messages.buttons.cancel, custom_id: `nb:cancel:${interaction.id}` })]);

    const result = await discord.waitForCall(resultUpload(discord, interaction.token), 10_000);
    expect(buttonsOf(result).map((button) => button.custom_id)).not.toContain(`nb:cancel:${interaction.id}`);
  });

  it('drops the Cancel button once the result is on its way', () => {
    const delivering = progressCard({ status: messages.delivering(), elapsedMs: 12_000, locale: 'en-US', requestId: '1234' });
    const running = progressCard({ status: messages.running('edit'), elapsedMs: 12_000, locale: 'en-US', requestId: '1234' });
    expect(delivering.components).toEqual([]);
    expect(running.components[0]!.components).toEqual([expect.objectContaining({ custom_id: 'nb:cancel:1234' })]);
    expect(delivering.embeds[0]!.fields![0]!.value).toBe('12 s');
  });

  it('ends with the images attached and a card with the summary, the prompt, the provider and the buttons', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const interaction = editCommand(discord, 'make it autumn', [input(discord, 2)], { count: 2 });
    const result = await discord.waitForCall(resultUpload(discord, interaction.token), 10_000);
    const job = fal.jobs[0]!;
    expect(job.inputImages).toHaveLength(1);
    expect(result.files.map((file) => file.filename)).toEqual(['result-1.png', 'result-2.png']);
    expect(result.files.map((file) => file.bytes.equals(job.resultImages[result.files.indexOf(file)]!))).toEqual([true, true]);

    const [card] = result.json.embeds;
    expect(card.description).toMatch(/^Done in .+ 8 of 10 images left/);
    expect(card.fields).toEqual([
      { name: messages.result.promptLabel, value: 'make it autumn' },
      { name: messages.result.providerLabel, value: 'fal', inline: true },
    ]);
    expect(buttonsOf(result).map((button) => [button.label, button.custom_id])).toEqual([
      [messages.buttons.again, `nb:again:${interaction.id}`],
      [messages.buttons.editThis, `nb:edit:${interaction.id}`],
      [messages.buttons.useAsInput2, `nb:in2:${interaction.id}`],
    ]);
  });

  it('sends three input images to the provider and attaches both results of count 2', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const interaction = editCommand(discord, 'put them in one picture', [input(discord, 3), input(discord, 4), input(discord, 5)], { count: 2 });
    const result = await discord.waitForCall(resultUpload(discord, interaction.token), 10_000);
    expect(fal.jobs[0]!.inputImages).toHaveLength(3);
    expect(fal.jobs[0]!.input.num_images).toBe(2);
    expect(result.files).toHaveLength(2);
    expect(result.json.embeds[0].description).toMatch(/8 of 10 images left/);
  });

  it('re-encodes a result over the upload limit as a smaller JPEG that fits, and says so', async () => {
    const big = await noisyPng(320, 240);
    const limit = 40 * 1024;
    expect(big.length).toBeGreaterThan(limit * 3);
    const { discord } = await startDiscordWorld(cleanups, { fal: { script: { outcome: { kind: 'images', images: [big] } } } });
    const interaction = editCommand(discord, 'sharpen', [input(discord, 6)], { attachmentSizeLimit: limit });
    const result = await discord.waitForCall(resultUpload(discord, interaction.token), 10_000);

    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.filename).toBe('result-1.jpg');
    expect(result.files[0]!.bytes.length).toBeLessThanOrEqual(limit);
    const seen = inspectImage(result.files[0]!.bytes);
    expect(seen.mime).toBe('image/jpeg');
    expect(seen.width / seen.height).toBeCloseTo(320 / 240, 1);
    expect(result.json.embeds[0].description).toContain(messages.result.reencoded(1, '40 KB'));
    expect(result.json.embeds[0].description).toMatch(/9 of 10 images left/); // delivered, so charged
  });

  it('answers a refusal to the requester alone: the public reply goes away', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups, { env: { QUOTA_LIMIT: '1' } });
    const interaction = editCommand(discord, 'two of them', [input(discord, 7)], { count: 2 });
    const followUpPath = `/api/v10/webhooks/${discord.applicationId}/${interaction.token}`;
    const answer = await discord.waitForCall((call) => call.method === 'POST' && call.path === followUpPath, 10_000);
    expect(answer.json.flags).toBe(64);
    expect(answer.json.content).toMatch(/^You asked for 2 images but have 1 left/);
    const deleted = discord.calls.find((call) => call.method === 'DELETE' && call.path === `${followUpPath}/messages/@original`);
    expect(deleted).toBeDefined();
    expect(deleted!.at).toBeLessThanOrEqual(answer.at);
    expect(discord.calls.filter(resultUpload(discord, interaction.token))).toHaveLength(0);
    expect(fal.jobs).toHaveLength(0);
  });
});
