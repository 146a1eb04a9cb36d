import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { EDIT_MESSAGE_MENU_NAME, MESSAGE_MENU_SPECS } from '../../src/bots/discord/menu-spec.ts';
import { registerCommands, sameCommands, toAdminApplicationCommand, toApplicationCommand, toApplicationCommands } from '../../src/bots/discord/register.ts';
import { startDiscordBot } from '../../src/bots/discord/start.ts';
import { QUOTA_ADMIN_SPEC } from '../../src/commands/moderation-specs.ts';
import { COMMAND_SPECS, EDIT_SPEC } from '../../src/commands/specs.ts';
import { es } from '../../src/core/i18n/es.ts';
import { ru } from '../../src/core/i18n/ru.ts';
import type { RunningService } from '../../src/core/lifecycle.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import { startFakeDiscord, type DiscordCall, type FakeDiscord } from '../helpers/fake-discord.ts';

/** Registration at start-up: the real bot, twice or more, against one fake Discord that keeps what was registered. */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeDiscord(): Promise<FakeDiscord> {
  const discord = await startFakeDiscord();
  cleanups.push(() => discord.close());
  return discord;
}

/** Starts the real bot with scripted commands that are never called, and stops it; `global` registers with no guild. */
async function startAndStop(discord: FakeDiscord, scope: 'guild' | 'global' = 'guild'): Promise<void> {
  const guildId = scope === 'guild' ? discord.guildId : undefined;
  const unused = () => Promise.reject(new Error('not scripted'));
  const bot: RunningService = await startDiscordBot({
    token: discord.token,
    apiBase: discord.apiBase,
    ...(guildId ? { guildId } : {}),
    logger: silentLogger,
    storage: createMemoryStorage(),
    commands: { edit: unused, imagine: unused, quota: unused, help: unused, moderate: unused, cancel: () => 'not_found', resume: () => Promise.resolve() },
  });
  await bot.stop();
}

const guildRoute = (discord: FakeDiscord) => `/api/v10/applications/${discord.applicationId}/guilds/${discord.guildId}/commands`;
const isCommandsCall = (method: string, path: string) => (call: DiscordCall) => call.method === method && call.path === path;
const commandCalls = (discord: FakeDiscord, method: string, path = guildRoute(discord)) => discord.calls.filter(isCommandsCall(method, path));

/** Registers `body` the way another deployment of the bot would have, straight over REST. */
async function registerDirectly(discord: FakeDiscord, body: unknown): Promise<void> {
  const response = await fetch(`${discord.apiBase}/v10/applications/${discord.applicationId}/guilds/${discord.guildId}/commands`, {
    method: 'PUT',
    headers: { authorization: `Bot ${discord.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function registered(discord: FakeDiscord): Promise<unknown[]> {
  const response = await fetch(`${discord.apiBase}/v10/applications/${discord.applicationId}/guilds/${discord.guildId}/commands`, {
    headers: { authorization: `Bot ${discord.token}` },
  });
  return (await response.json()) as unknown[];
}

const current = () => toApplicationCommands(COMMAND_SPECS, [QUOTA_ADMIN_SPEC], MESSAGE_MENU_SPECS);

describe('Discord command registration at start-up', () => {
  it('the first start registers every command once; a second start finds them up to date and sends no PUT', async () => {
    const discord = await fakeDiscord();
    await startAndStop(discord);
    expect(discord.commandPuts).toBe(1);
    const [put] = commandCalls(discord, 'PUT');
    expect(put!.json.map((command: { type: number; name: string }) => [command.type, command.name])).toEqual([
      [1, 'edit'],
      [1, 'imagine'],
      [1, 'quota'],
      [1, 'help'],
      [1, 'quota-admin'],
      [3, EDIT_MESSAGE_MENU_NAME],
    ]);

    await startAndStop(discord);
    expect(discord.commandPuts).toBe(1);
    const gets = commandCalls(discord, 'GET');
    expect(gets).toHaveLength(2);
    for (const get of gets) expect(new URLSearchParams(get.query).get('with_localizations')).toBe('true');
  });

  it('registers /edit with its Spanish and Russian names and descriptions, and the menu with translated names', async () => {
    const discord = await fakeDiscord();
    await startAndStop(discord);
    const [put] = commandCalls(discord, 'PUT');
    const edit = put!.json.find((command: { name: string }) => command.name === 'edit');
    expect(edit.name_localizations).toEqual({ 'es-ES': 'editar', 'es-419': 'editar', ru: 'изменить' });
    expect(edit.description_localizations).toEqual({
      'es-ES': es.commands!.edit!.description,
      'es-419': es.commands!.edit!.description,
      ru: ru.commands!.edit!.description,
    });
    expect(edit.options.find((option: { name: string }) => option.name === 'image4')).toMatchObject({
      type: 11,
      name_localizations: { 'es-ES': 'imagen4', 'es-419': 'imagen4', ru: 'изображение4' },
    });
    const menu = put!.json.find((command: { type: number }) => command.type === 3);
    expect(menu).toEqual({ type: 3, name: EDIT_MESSAGE_MENU_NAME, name_localizations: { 'es-ES': 'Editar con Nano Banana', 'es-419': 'Editar con Nano Banana', ru: 'Изменить с Nano Banana' } });
  });

  it('overwrites what an older deployment registered, then leaves it alone', async () => {
    const discord = await fakeDiscord();
    // The previous release: prompts up to 2000 characters, three images, no translations, no menu.
    const older = [...COMMAND_SPECS.map(toApplicationCommand), toAdminApplicationCommand(QUOTA_ADMIN_SPEC)].map((command) => {
      const { name_localizations: _names, description_localizations: _descriptions, ...rest } = command;
      if (command.name !== 'edit') return rest;
      const options = (command.options ?? []).filter((o) => o.name !== 'image4').map((o) => (o.name === 'prompt' ? { ...o, max_length: 2000 } : o));
      return { ...rest, options };
    });
    await registerDirectly(discord, older);
    const before = discord.commandPuts;

    await startAndStop(discord);
    expect(discord.commandPuts).toBe(before + 1);
    expect(sameCommands(current(), await registered(discord))).toBe(true);

    await startAndStop(discord);
    expect(discord.commandPuts).toBe(before + 1);
  });

  it('takes commands as Discord stores them (defaults left out, its own fields added) for up to date', async () => {
    const discord = await fakeDiscord();
    // Discord answers without `required: false`, with `dm_permission`, `integration_types` and null contexts.
    const asStored = JSON.parse(JSON.stringify(current(), (key, value: unknown) => (key === 'required' && value === false ? undefined : value))) as object[];
    await registerDirectly(discord, asStored.map((command) => ({ dm_permission: true, integration_types: [0], contexts: null, ...command })));
    expect(JSON.stringify(await registered(discord))).not.toContain('"required":false');
    const before = discord.commandPuts;

    await startAndStop(discord);
    expect(discord.commandPuts).toBe(before);
  });

  it('registers globally when no guild is configured, and touches no guild', async () => {
    const discord = await fakeDiscord();
    await startAndStop(discord, 'global');
    const globalRoute = `/api/v10/applications/${discord.applicationId}/commands`;
    expect(commandCalls(discord, 'PUT', globalRoute)).toHaveLength(1);
    expect(discord.calls.some((call) => call.path === guildRoute(discord))).toBe(false);

    await startAndStop(discord, 'global');
    expect(commandCalls(discord, 'PUT', globalRoute)).toHaveLength(1);
    expect(commandCalls(discord, 'GET', globalRoute)).toHaveLength(2);
  });

  it('a changed spec is registered again; the same spec twice is not', async () => {
    const discord = await fakeDiscord();
    const rest = new REST({ api: discord.apiBase }).setToken(discord.token);
    cleanups.push(async () => {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    });
    const registration = { applicationId: discord.applicationId, guildId: discord.guildId, specs: COMMAND_SPECS, adminSpecs: [QUOTA_ADMIN_SPEC] };
    expect(await registerCommands(rest, registration)).toBe('updated');
    expect(await registerCommands(rest, registration)).toBe('unchanged');

    const reworded = COMMAND_SPECS.map((spec) => (spec === EDIT_SPEC ? { ...spec, description: 'Edit pictures with Nano Banana' } : spec));
    expect(await registerCommands(rest, { ...registration, specs: reworded })).toBe('updated');
    expect(commandCalls(discord, 'PUT').at(-1)!.json[0].description).toBe('Edit pictures with Nano Banana');
    expect(await registerCommands(rest, { ...registration, specs: reworded })).toBe('unchanged');
    expect(discord.commandPuts).toBe(2);
  });
});
