import { afterEach, describe, expect, it } from 'vitest';
import { parseCustomId, PROMPT_FIELD_ID } from '../../src/bots/discord/custom-ids.ts';
import { startDiscordBot } from '../../src/bots/discord/start.ts';
import { MAX_PROMPT_LENGTH } from '../../src/commands/specs.ts';
import { silentLogger } from '../../src/core/log.ts';
import { catalogueFor } from '../../src/core/messages.ts';
import { dispatchEdit, startDiscordWorld } from '../helpers/discord-world.ts';
import type { DiscordCall, Dispatched, FakeDiscord, Json } from '../helpers/fake-discord.ts';
import { makePng } from '../helpers/png.ts';

/**
 * The buttons of the progress and result cards, pressed in the fake Discord on real discord.js, with
 * the real core against the fake fal: what each press answered, and which fal jobs it started.
 */

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const text = catalogueFor('en-US');
const REQUESTER = '200000000000000001';
const SOMEONE_ELSE = '200000000000000777';

const toWebhook = (discord: FakeDiscord, token: string) => (call: DiscordCall) => call.path.startsWith(`/api/v10/webhooks/${discord.applicationId}/${token}`);
/** The bot said `words` with this interaction's token (in content or an embed, as a reply edit or a follow-up). */
const says = (discord: FakeDiscord, token: string, words: string) => (call: DiscordCall) =>
  toWebhook(discord, token)(call) && JSON.stringify(call.json ?? {}).includes(JSON.stringify(words).slice(1, -1));
const hasButton = (customId: string) => (message: Json) => JSON.stringify(message?.components ?? []).includes(`"${customId}"`);

const editCommand = (discord: FakeDiscord, prompt: string, input: Buffer): Dispatched =>
  dispatchEdit(discord, prompt, [discord.addAttachment(input, 'cat.png', 'image/png')]);

/** The current reply message of an interaction, as the fake holds it. */
async function originalOf(discord: FakeDiscord, interaction: Dispatched): Promise<Json> {
  const res = await fetch(`${discord.apiBase}/v10/webhooks/${discord.applicationId}/${interaction.token}/messages/@original`);
  expect(res.status).toBe(200);
  const message = (await res.json()) as Json;
  return discord.messageById(message.id) ?? message;
}

/** Waits for the reply of `interaction` to carry its result files, and returns that message. */
async function resultOf(discord: FakeDiscord, interaction: Dispatched): Promise<Json> {
  await discord.waitForCall((call) => call.path === `/api/v10/webhooks/${discord.applicationId}/${interaction.token}/messages/@original` && call.files.length > 0, 10_000);
  return originalOf(discord, interaction);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('Discord progress and result buttons', () => {
  it('Cancel by the requester stops the job: a deferred update, then the card says cancelled', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups, { fal: { script: { durationMs: 60_000, statuses: [{ status: 'IN_QUEUE', queue_position: 3 }] } } });
    const request = editCommand(discord, 'paint it red', makePng(32, 32, 1));
    await fal.waitForJob(1);
    const cancelId = `nb:cancel:${request.id}`;
    const card = await discord.waitForCall((call) => toWebhook(discord, request.token)(call) && JSON.stringify(call.json ?? {}).includes(cancelId), 10_000);
    expect(card.method).toBe('PATCH');

    const press = discord.dispatchComponent({ customId: cancelId, message: await originalOf(discord, request), userId: REQUESTER });
    await discord.waitForCall(says(discord, request.token, text.cancelled()), 10_000);
    expect(discord.callbackOf(press.id)).toMatchObject({ type: 6 });
    expect(discord.calls.some(toWebhook(discord, press.token))).toBe(false);
    expect(fal.jobs).toHaveLength(1);
  });

  it('Cancel by someone else is refused privately and the job goes on', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups, { fal: { script: { durationMs: 3_000, statuses: [{ status: 'IN_QUEUE', queue_position: 1 }] } } });
    const request = editCommand(discord, 'paint it blue', makePng(32, 32, 2));
    const cancelId = `nb:cancel:${request.id}`;
    await discord.waitForCall((call) => toWebhook(discord, request.token)(call) && JSON.stringify(call.json ?? {}).includes(cancelId), 10_000);

    const press = discord.dispatchComponent({ customId: cancelId, message: await originalOf(discord, request), userId: SOMEONE_ELSE });
    await discord.waitForCall((call) => call.path.includes(`/interactions/${press.id}/`));
    expect(discord.callbackOf(press.id)).toMatchObject({ type: 4, data: { content: text.cancelRefused('not_yours'), flags: 64 } });

    const result = await resultOf(discord, request);
    expect(result.attachments).toHaveLength(1);
    expect(fal.jobs[0]!.cancelled).toBe(false);
  });

  it('Again runs the same request once more, for the requester only, and a double click runs it once', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const input = makePng(40, 30, 3);
    const request = editCommand(discord, 'add a rainbow', input);
    const result = await resultOf(discord, request);
    const againId = `nb:again:${request.id}`;
    expect(hasButton(againId)(result)).toBe(true);

    const stranger = discord.dispatchComponent({ customId: againId, message: result, userId: SOMEONE_ELSE });
    const first = discord.dispatchComponent({ customId: againId, message: result, userId: REQUESTER });
    const second = discord.dispatchComponent({ customId: againId, message: result, userId: REQUESTER });

    const again = await fal.waitForJob(2, 10_000);
    expect(again.input.prompt).toBe('add a rainbow');
    expect(again.inputImages).toHaveLength(1);
    expect(again.inputImages[0]!.equals(input)).toBe(true);
    const newResult = await resultOf(discord, first);
    expect(newResult.attachments).toHaveLength(1);
    // The new result has its own Again, for its own request.
    expect(hasButton(`nb:again:${first.id}`)(newResult)).toBe(true);
    await settle();

    expect(discord.callbackOf(first.id)).toMatchObject({ type: 5 });
    expect(discord.callbackOf(first.id).data?.flags ?? 0).toBe(0);
    expect(discord.callbackOf(second.id)).toMatchObject({ type: 4, data: { content: text.buttons.alreadyAgain, flags: 64 } });
    expect(discord.callbackOf(stranger.id)).toMatchObject({ type: 4, data: { content: text.buttons.notYourRequest, flags: 64 } });
    expect(fal.jobs).toHaveLength(2);
  });

  it('Edit this opens a prompt form, then edits the result image as anyone’s own request', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const request = editCommand(discord, 'make it night', makePng(40, 30, 4));
    const result = await resultOf(discord, request);
    const firstJob = fal.jobs[0]!;

    const press = discord.dispatchComponent({ customId: `nb:edit:${request.id}`, message: result, userId: SOMEONE_ELSE });
    await discord.waitForCall((call) => call.path.includes(`/interactions/${press.id}/`));
    const modal = discord.callbackOf(press.id);
    expect(modal.type).toBe(9);
    expect(parseCustomId(modal.data.custom_id)).toEqual({ kind: 'form', form: 'edit', id: request.id });
    expect(modal.data.title).toBe(text.result.modalTitle);
    expect(JSON.stringify(modal.data.components)).toContain(`"custom_id":"${PROMPT_FIELD_ID}"`);
    const field = modal.data.components[0].components[0];
    expect(field).toMatchObject({ type: 4, style: 2, label: text.buttons.promptLabel, required: true, max_length: Math.min(4000, MAX_PROMPT_LENGTH) });

    const submit = discord.dispatchModalSubmit({ customId: modal.data.custom_id, fields: { [PROMPT_FIELD_ID]: 'add a full moon' }, message: result, userId: SOMEONE_ELSE });
    const job = await fal.waitForJob(2, 10_000);
    expect(job.input.prompt).toBe('add a full moon');
    expect(job.inputImages).toHaveLength(1);
    expect(job.inputImages[0]!.equals(firstJob.resultImages[0]!)).toBe(true);
    expect(discord.callbackOf(submit.id)).toMatchObject({ type: 5 });
    const edited = await resultOf(discord, submit);
    expect(edited.interaction_metadata?.user?.id).toBe(SOMEONE_ELSE);
  });

  it('Use as input #2 edits [the first original input, the result] with a new prompt', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const input = makePng(40, 30, 5);
    const request = editCommand(discord, 'make it watercolour', input);
    const result = await resultOf(discord, request);
    const firstResult = fal.jobs[0]!.resultImages[0]!;

    const press = discord.dispatchComponent({ customId: `nb:in2:${request.id}`, message: result, userId: REQUESTER });
    await discord.waitForCall((call) => call.path.includes(`/interactions/${press.id}/`));
    const modal = discord.callbackOf(press.id);
    expect(modal).toMatchObject({ type: 9, data: { custom_id: `nb:form:in2:${request.id}` } });

    discord.dispatchModalSubmit({ customId: modal.data.custom_id, fields: { [PROMPT_FIELD_ID]: 'blend the two' }, message: result, userId: REQUESTER });
    const job = await fal.waitForJob(2, 10_000);
    expect(job.input.prompt).toBe('blend the two');
    expect(job.inputImages).toHaveLength(2);
    expect(job.inputImages[0]!.equals(input)).toBe(true);
    expect(job.inputImages[1]!.equals(firstResult)).toBe(true);
  });

  it('Again after Discord stopped serving the input says so and costs nothing', async () => {
    const { discord, fal, app } = await startDiscordWorld(cleanups);
    const request = editCommand(discord, 'make it gold', makePng(32, 32, 7));
    const result = await resultOf(discord, request);
    // Discord's signed attachment URLs expire: point the stored input at an address the CDN no longer serves.
    const recipes = app.storage.keyv<Json>('discord-recipes');
    const recipe = await recipes.get(request.id);
    expect(recipe.inputs).toHaveLength(1);
    await recipes.set(request.id, { ...recipe, inputs: [{ ...recipe.inputs[0], url: `${String(recipe.inputs[0].url)}.expired` }] });
    const subject = { platform: 'discord', userId: REQUESTER, communityId: discord.guildId } as const;
    const usedBefore = (await app.ledger.status(subject)).used;

    const press = discord.dispatchComponent({ customId: `nb:again:${request.id}`, message: result, userId: REQUESTER });
    await discord.waitForCall(says(discord, press.token, text.result.inputsExpired()), 10_000);
    await settle();
    expect(fal.jobs).toHaveLength(1);
    expect((await app.ledger.status(subject)).used).toBe(usedBefore);
  });

  it('Again on a result still works after the bot restarted with the same storage', async () => {
    const { discord, fal, app, bot } = await startDiscordWorld(cleanups);
    const input = makePng(36, 36, 6);
    const request = editCommand(discord, 'turn it into a sticker', input);
    const result = await resultOf(discord, request);
    await bot.stop();

    const restarted = await startDiscordBot({
      token: discord.token,
      apiBase: discord.apiBase,
      guildId: discord.guildId,
      commands: app.commands,
      storage: app.storage,
      logger: silentLogger,
      statusIntervalMs: 50,
    });
    cleanups.push(() => restarted.stop());

    const press = discord.dispatchComponent({ customId: `nb:again:${request.id}`, message: result, userId: REQUESTER });
    const again = await fal.waitForJob(2, 10_000);
    expect(again.input.prompt).toBe('turn it into a sticker');
    expect(again.inputImages[0]!.equals(input)).toBe(true);
    expect((await resultOf(discord, press)).attachments).toHaveLength(1);
  });
});
