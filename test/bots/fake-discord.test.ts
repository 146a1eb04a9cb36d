import { once } from 'node:events';
import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, Client, DiscordAPIError, Events, GatewayIntentBits, LabelBuilder, MessageFlags,
  ModalBuilder, TextInputBuilder, TextInputStyle, type Interaction, type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.ts';
import { makePng } from '../helpers/png.ts';

/**
 * The loopback Discord's routes and payloads, driven by a bare discord.js client (no bot code): what
 * discord.js parses from the fake's interactions, and what the fake holds after discord.js's REST calls.
 */

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFake(options: { shards?: number } = {}): Promise<FakeDiscord> {
  const discord = await startFakeDiscord(options);
  cleanups.push(() => discord.close());
  return discord;
}

/** A logged-in discord.js client, on all shards or only `shard` of `shardCount`. */
async function startClient(discord: FakeDiscord, shard?: { id: number; count: number }): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: discord.apiBase },
    ...(shard ? { shards: [shard.id], shardCount: shard.count } : {}),
  });
  const ready = once(client, Events.ClientReady);
  await client.login(discord.token);
  await ready;
  cleanups.push(() => client.destroy());
  return client;
}

const nextInteraction = async (client: Client): Promise<Interaction> => ((await once(client, Events.InteractionCreate)) as [Interaction])[0];

describe('fake Discord', () => {
  it('stores channel messages with their uploads on the CDN, and a button press updates the message it was on', async () => {
    const discord = await startFake();
    const client = await startClient(discord);
    const channel = (await client.channels.fetch(discord.channelId)) as TextChannel;
    const png = makePng(8, 6, 2);
    const sent = await channel.send({
      content: 'result',
      files: [{ attachment: png, name: 'result-1.png' }],
      components: [new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('again:1').setLabel('Again').setStyle(ButtonStyle.Primary))],
    });
    const held = discord.messageById(sent.id);
    expect(held).toMatchObject({ content: 'result', channel_id: discord.channelId, guild_id: discord.guildId, attachments: [{ filename: 'result-1.png', width: 8, height: 6 }] });
    expect(Buffer.from(await (await fetch(held.attachments[0].url)).arrayBuffer()).equals(png)).toBe(true);

    const pressed = nextInteraction(client);
    const dispatched = discord.dispatchComponent({ customId: 'again:1', message: sent.id, locale: 'es-ES', userId: '200000000000000042' });
    const interaction = await pressed;
    if (!interaction.isButton()) throw new Error(`expected a button, got type ${interaction.type}`);
    expect([interaction.id, interaction.customId, interaction.locale, interaction.user.id]).toEqual([dispatched.id, 'again:1', 'es-ES', '200000000000000042']);
    expect([interaction.message.id, interaction.message.attachments.first()?.name, interaction.channelId]).toEqual([sent.id, 'result-1.png', discord.channelId]);
    await interaction.update({ content: 'pressed', components: [] });
    expect(discord.callbackOf(dispatched.id)).toMatchObject({ type: 7 });
    expect(discord.messageById(sent.id)).toMatchObject({ content: 'pressed', components: [], attachments: [{ filename: 'result-1.png' }] });
    expect(() => discord.dispatchComponent({ customId: 'no-such-button', message: sent.id })).toThrow(/no component no-such-button/);
  });

  it('answers a modal submit with the fields of the modal the bot opened, as discord.js reads them', async () => {
    const discord = await startFake();
    const client = await startClient(discord);
    const command = nextInteraction(client);
    const dispatched = discord.dispatchCommand({ name: 'edit' });
    const slash = await command;
    if (!slash.isChatInputCommand()) throw new Error('expected a slash command');
    const prompt = new TextInputBuilder().setCustomId('prompt').setStyle(TextInputStyle.Paragraph);
    await slash.showModal(new ModalBuilder().setCustomId('form:edit').setTitle('Edit').addLabelComponents(new LabelBuilder().setLabel('Prompt').setTextInputComponent(prompt)));
    expect(discord.callbackOf(dispatched.id)).toMatchObject({ type: 9, data: { custom_id: 'form:edit' } });
    expect(() => discord.dispatchModalSubmit({ customId: 'form:edit', fields: { promt: 'typo' } })).toThrow(/no text input promt/);

    const submitted = nextInteraction(client);
    discord.dispatchModalSubmit({ customId: 'form:edit', fields: { prompt: 'add a hat' } });
    const modal = await submitted;
    if (!modal.isModalSubmit()) throw new Error('expected a modal submit');
    expect([modal.customId, modal.fields.getTextInputValue('prompt'), modal.message]).toEqual(['form:edit', 'add a hat', null]);
  });

  it('delivers a message menu command with its target, and keeps ephemeral replies, follow-ups and deletions', async () => {
    const discord = await startFake();
    const client = await startClient(discord);
    const image = discord.addAttachment(makePng(4, 4, 9), 'cat.png');
    const target = discord.postUserMessage({ content: 'look', attachments: [image], userId: '200000000000000077' });
    const menu = nextInteraction(client);
    const dispatched = discord.dispatchMessageCommand({ name: 'Edit with Nano Banana', target });
    const interaction = await menu;
    if (!interaction.isMessageContextMenuCommand()) throw new Error('expected a message menu command');
    expect([interaction.commandName, interaction.targetId, interaction.targetMessage.author.id, interaction.targetMessage.attachments.first()?.url]).toEqual(
      ['Edit with Nano Banana', target.id, '200000000000000077', image.url],
    );
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const followUp = await interaction.followUp({ content: 'only you', flags: MessageFlags.Ephemeral });
    expect(discord.messageById(followUp.id)).toMatchObject({ content: 'only you', flags: 64 });
    const original = await interaction.editReply({ content: 'done' });
    expect(discord.messageById(original.id)).toMatchObject({ content: 'done', flags: 64, type: 23 });
    await interaction.deleteReply();
    expect(discord.messageById(original.id)).toBeUndefined();
    expect(discord.callbackOf(dispatched.id)).toMatchObject({ type: 5, data: { flags: 64 } });
  });

  it('fails what the test scripts: expired tokens, forbidden channels and the next matching call; DMs open a channel', async () => {
    const discord = await startFake();
    const client = await startClient(discord);
    const command = nextInteraction(client);
    const dispatched = discord.dispatchCommand({ name: 'quota', userId: '200000000000000055' });
    const interaction = await command;
    if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
    await interaction.deferReply();
    discord.expireInteraction(dispatched.token);
    await expect(interaction.editReply('too late')).rejects.toMatchObject({ code: 50027, status: 401 });

    const channel = (await client.channels.fetch(discord.channelId)) as TextChannel;
    discord.forbidChannel(discord.channelId);
    const refused = await channel.send('hello').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DiscordAPIError);
    expect(refused).toMatchObject({ code: 50013, status: 403 });

    expect(discord.dmChannelOf('200000000000000055')).toBeUndefined();
    discord.failNext((call) => call.method === 'POST' && call.path.endsWith('/messages'), 403, { message: 'Cannot send messages to this user', code: 50007 });
    const user = await client.users.fetch('200000000000000055');
    const dm = await user.createDM();
    await expect(dm.send('first')).rejects.toMatchObject({ status: 403, code: 50007 });
    const sent = await dm.send('second');
    expect(discord.dmChannelOf('200000000000000055')).toBe(dm.id);
    expect(discord.messageById(sent.id)).toMatchObject({ content: 'second', channel_id: dm.id });
    expect(discord.calls.filter((call) => call.path === `/api/v10/channels/${dm.id}/messages`).map((call) => call.json.content)).toEqual(['first', 'second']);
  });

  it('with two shards, gives each session only its guilds and routes each guild’s interactions to its shard', async () => {
    const discord = await startFake({ shards: 2 });
    const shard0 = await startClient(discord, { id: 0, count: 2 });
    const shard1 = await startClient(discord, { id: 1, count: 2 });
    expect(discord.identifies.map((identify) => identify.shard)).toEqual([[0, 2], [1, 2]]);
    expect([...shard0.guilds.cache.keys()]).toEqual([discord.guildIds[0]]);
    expect([...shard1.guilds.cache.keys()]).toEqual([discord.guildIds[1]]);

    const received: string[] = [];
    shard0.on(Events.InteractionCreate, (interaction) => received.push(`0:${interaction.guildId}`));
    const onShard1 = nextInteraction(shard1);
    discord.dispatchCommand({ name: 'help', guildId: discord.guildIds[1]! });
    expect((await onShard1).guildId).toBe(discord.guildIds[1]);
    const onShard0 = nextInteraction(shard0);
    discord.dispatchCommand({ name: 'help', guildId: null });
    expect((await onShard0).guildId).toBeNull();
    expect(received).toEqual(['0:null']);

    await shard0.rest.put(`/applications/${discord.applicationId}/guilds/${discord.guildIds[1]}/commands`, { body: [{ name: 'help', description: 'help' }] });
    expect(discord.commandPuts).toBe(1);
  });
});
