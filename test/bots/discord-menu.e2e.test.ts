import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_FIELD_ID } from '../../src/bots/discord/custom-ids.ts';
import { EDIT_MESSAGE_MENU_NAME } from '../../src/bots/discord/menu-spec.ts';
import { catalogueFor, errorMessage } from '../../src/core/messages.ts';
import { startDiscordWorld } from '../helpers/discord-world.ts';
import type { DiscordCall, FakeDiscord } from '../helpers/fake-discord.ts';
import { makePng } from '../helpers/png.ts';

/**
 * "Edit with Nano Banana" on a message, and the inputs /edit refuses before any provider is asked:
 * real discord.js against the fake Discord, the real core against the fake fal.
 */

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const text = catalogueFor('en-US');
const MiB = 1024 * 1024;

/** The bot said `words` with this interaction's token (in content or an embed, as a reply edit or a follow-up). */
const says = (discord: FakeDiscord, token: string, words: string) => (call: DiscordCall) =>
  call.path.startsWith(`/api/v10/webhooks/${discord.applicationId}/${token}`) && JSON.stringify(call.json ?? {}).includes(JSON.stringify(words).slice(1, -1));

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('Discord message menu command', () => {
  it('opens a prompt form, then edits the message’s images in one provider call', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const first = makePng(40, 30, 11);
    const second = makePng(30, 40, 12);
    const message = discord.postUserMessage({
      content: 'look at these',
      attachments: [
        discord.addAttachment(first, 'a.png', 'image/png'),
        discord.addAttachment(Buffer.from('not a picture'), 'notes.txt', 'text/plain'),
        discord.addAttachment(second, 'b.png', 'image/png'),
      ],
    });

    const menu = discord.dispatchMessageCommand({ name: EDIT_MESSAGE_MENU_NAME, target: message });
    await discord.waitForCall((call) => call.path.includes(`/interactions/${menu.id}/`));
    const modal = discord.callbackOf(menu.id);
    expect(modal).toMatchObject({ type: 9, data: { custom_id: `nb:form:menu:${menu.id}`, title: text.result.modalTitle } });
    expect(fal.requests).toHaveLength(0);

    const submit = discord.dispatchModalSubmit({ customId: modal.data.custom_id, fields: { [PROMPT_FIELD_ID]: 'put them side by side' } });
    const job = await fal.waitForJob(1, 10_000);
    expect(discord.callbackOf(submit.id)).toMatchObject({ type: 5 });
    expect(job.input.prompt).toBe('put them side by side');
    expect(job.inputImages).toHaveLength(2);
    expect(job.inputImages[0]!.equals(first)).toBe(true);
    expect(job.inputImages[1]!.equals(second)).toBe(true);
    await discord.waitForCall((call) => call.path.startsWith(`/api/v10/webhooks/${discord.applicationId}/${submit.token}`) && call.files.length > 0, 10_000);
    await settle();
    expect(fal.jobs).toHaveLength(1);
  });

  it('takes the image of an embed through Discord’s media proxy', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const picture = makePng(24, 24, 13);
    const hosted = discord.addAttachment(picture, 'linked.png', 'image/png');
    const message = discord.postUserMessage({
      content: 'https://example.invalid/linked.png',
      embeds: [{ type: 'image', url: 'https://example.invalid/linked.png', thumbnail: { url: 'https://example.invalid/linked.png', proxy_url: hosted.url, width: 24, height: 24 } }],
    });

    const menu = discord.dispatchMessageCommand({ name: EDIT_MESSAGE_MENU_NAME, target: message });
    await discord.waitForCall((call) => call.path.includes(`/interactions/${menu.id}/`));
    discord.dispatchModalSubmit({ customId: `nb:form:menu:${menu.id}`, fields: { [PROMPT_FIELD_ID]: 'make it pop' } });
    const job = await fal.waitForJob(1, 10_000);
    expect(job.inputImages).toHaveLength(1);
    expect(job.inputImages[0]!.equals(picture)).toBe(true);
  });

  it('on a message without images answers privately and calls no provider', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const plain = discord.postUserMessage({ content: 'just words' });
    const textFile = discord.postUserMessage({ attachments: [discord.addAttachment(Buffer.from('a,b\n1,2\n'), 'data.csv', 'text/csv')] });

    for (const target of [plain, textFile]) {
      const menu = discord.dispatchMessageCommand({ name: EDIT_MESSAGE_MENU_NAME, target });
      await discord.waitForCall((call) => call.path.includes(`/interactions/${menu.id}/`));
      expect(discord.callbackOf(menu.id)).toMatchObject({ type: 4, data: { content: text.result.noImagesInMessage(), flags: 64 } });
    }
    await settle();
    expect(fal.requests).toHaveLength(0);
  });
});

describe('Discord /edit refuses bad attachments before any provider call', () => {
  function editWith(discord: FakeDiscord, attachment: object & { id: string }) {
    return discord.dispatchCommand({
      name: 'edit',
      options: [
        { name: 'prompt', type: 3, value: 'make it shine' },
        { name: 'image', type: 11, value: attachment.id },
      ],
      attachments: [attachment],
    });
  }

  it('a file that is not an image', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const interaction = editWith(discord, discord.addAttachment(Buffer.from('%PDF-1.7 not an image'), 'paper.pdf', 'application/pdf'));
    await discord.waitForCall(says(discord, interaction.token, errorMessage('IMAGE_UNSUPPORTED')), 10_000);
    await settle();
    expect(fal.requests).toHaveLength(0);
  });

  it('a 40 MB image', async () => {
    const { discord, fal } = await startDiscordWorld(cleanups);
    const attachment = { ...discord.addAttachment(makePng(16, 16, 14), 'huge.png', 'image/png'), size: 40 * MiB };
    const interaction = editWith(discord, attachment);
    await discord.waitForCall(says(discord, interaction.token, errorMessage('IMAGE_TOO_LARGE')), 10_000);
    await settle();
    expect(fal.requests).toHaveLength(0);
  });
});
