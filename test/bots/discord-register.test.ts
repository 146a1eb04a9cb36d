import { ApplicationCommandOptionType, type APIApplicationCommandOption } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { EDIT_MESSAGE_MENU_NAME, MESSAGE_MENU_SPECS } from '../../src/bots/discord/menu-spec.ts';
import { sameCommands, toApplicationCommands, type ApplicationCommandBody, type ChatInputCommandBody } from '../../src/bots/discord/register.ts';
import { MAX_BLOCK_REASON_LENGTH, MAX_QUOTA_NUMBER, QUOTA_ADMIN_SPEC } from '../../src/commands/moderation-specs.ts';
import { AUTO_ASPECT_RATIO, COMMAND_SPECS, EDIT_SPEC, MAX_INPUT_IMAGES, MAX_PROMPT_LENGTH } from '../../src/commands/specs.ts';
import { es } from '../../src/core/i18n/es.ts';
import { ru } from '../../src/core/i18n/ru.ts';
import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB } from '../../src/core/providers/provider.ts';

const everything = () => toApplicationCommands(COMMAND_SPECS, [QUOTA_ADMIN_SPEC], MESSAGE_MENU_SPECS);
const isChatInput = (command: ApplicationCommandBody): command is ChatInputCommandBody => command.type === 1;
const words = (path: string) => ({ es: es.commands![path]!, ru: ru.commands![path]! });

describe('command specs as Discord application commands', () => {
  const commands = toApplicationCommands(COMMAND_SPECS, [QUOTA_ADMIN_SPEC]).filter(isChatInput);
  const admin = commands.find((command) => command.name === 'quota-admin')!;
  const options = (command: ChatInputCommandBody) => command.options ?? [];
  const subcommand = (name: string) => {
    const option = options(admin).find((candidate) => candidate.name === name);
    if (option?.type !== ApplicationCommandOptionType.Subcommand) throw new Error(`no subcommand ${name}`);
    return { ...option, options: option.options ?? [] };
  };

  it('has one chat input command per spec, options in spec order, the moderator command last', () => {
    expect(commands.map((command) => command.name)).toEqual([...COMMAND_SPECS.map((spec) => spec.name), 'quota-admin']);
    expect(commands.every((command) => command.type === 1)).toBe(true);
    expect(options(commands[0]!).map((option) => option.name)).toEqual(EDIT_SPEC.options.map((option) => option.name));
  });

  it('without moderator specs or menus, registers only the plain commands', () => {
    expect(toApplicationCommands(COMMAND_SPECS).map((command) => command.name)).toEqual(COMMAND_SPECS.map((spec) => spec.name));
  });

  it('maps strings, integers and images to types 3, 4 and 11 with their limits; prompts take 5000 characters', () => {
    const [prompt, image, , , , count, aspect] = options(commands[0]!);
    expect(MAX_PROMPT_LENGTH).toBe(5000);
    expect(prompt).toMatchObject({ name: 'prompt', description: 'What to change', required: true, type: 3, max_length: 5000 });
    expect(image).toMatchObject({ name: 'image', description: 'The image to edit', required: true, type: 11 });
    expect(count).toMatchObject({ type: 4, min_value: 1, max_value: MAX_IMAGES_PER_JOB, required: false });
    expect(aspect).toMatchObject({ type: 3, name: 'aspect_ratio' });
    const imagine = commands.find((command) => command.name === 'imagine')!;
    expect(options(imagine)[0]).toMatchObject({ name: 'prompt', required: true, type: 3, max_length: 5000 });
  });

  it('/edit takes four images: image required, image2 to image4 optional attachments', () => {
    expect(MAX_INPUT_IMAGES).toBe(4);
    const images = options(commands[0]!).filter((option) => option.type === ApplicationCommandOptionType.Attachment);
    expect(images.map((option) => [option.name, option.required])).toEqual([
      ['image', true],
      ['image2', false],
      ['image3', false],
      ['image4', false],
    ]);
    expect(images[3]).toMatchObject({ description: 'A fourth input image' });
  });

  it('offers auto first among the aspect ratio choices of /edit and /imagine, then every ratio', () => {
    expect(AUTO_ASPECT_RATIO).toBe('auto');
    const expected = [AUTO_ASPECT_RATIO, ...ASPECT_RATIOS].map((value) => ({ name: value, value }));
    for (const name of ['edit', 'imagine']) {
      const aspect = options(commands.find((command) => command.name === name)!).find((option) => option.name === 'aspect_ratio');
      expect(aspect).toMatchObject({ type: 3, choices: expected });
    }
  });

  it('lists required options before optional ones, as Discord demands', () => {
    const optionLists = [...commands.map(options), ...QUOTA_ADMIN_SPEC.subcommands.map((sub) => subcommand(sub.name).options)];
    for (const list of optionLists) {
      const required = list.map((option) => 'required' in option && option.required === true);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
  });

  it('plain commands set no permissions or contexts of their own', () => {
    for (const command of commands.filter((c) => c !== admin)) {
      expect(command.default_member_permissions).toBeUndefined();
      expect(command.contexts).toBeUndefined();
    }
  });

  it('/quota-admin is hidden from non-moderators by default and usable in guilds and the bot DM', () => {
    expect(admin).toMatchObject({ type: 1, name: 'quota-admin', description: QUOTA_ADMIN_SPEC.description });
    expect(admin.default_member_permissions).toBe('32'); // Manage Server
    expect(admin.contexts).toEqual([0, 1]); // Guild, BotDM (owners set the global default there)
  });

  it('/quota-admin has one subcommand (type 1) per spec entry, in order', () => {
    expect(options(admin).map((option) => [option.type, option.name])).toEqual(QUOTA_ADMIN_SPEC.subcommands.map((sub) => [1, sub.name]));
    expect(options(admin).map((option) => option.description)).toEqual(QUOTA_ADMIN_SPEC.subcommands.map((sub) => sub.description));
  });

  it('maps the subcommand options: user → type 6, integers with their range, the reason with its max length', () => {
    const user = { name: 'user', type: 6, required: true };
    expect(subcommand('show').options).toEqual([expect.objectContaining(user)]);
    expect(subcommand('set').options).toEqual([
      expect.objectContaining(user),
      expect.objectContaining({ name: 'limit', type: 4, required: true, min_value: 0, max_value: MAX_QUOTA_NUMBER }),
    ]);
    expect(subcommand('grant').options).toEqual([
      expect.objectContaining(user),
      expect.objectContaining({ name: 'amount', type: 4, required: true, min_value: 1, max_value: MAX_QUOTA_NUMBER }),
    ]);
    expect(subcommand('block').options).toEqual([
      expect.objectContaining(user),
      expect.objectContaining({ name: 'reason', type: 3, required: false, max_length: MAX_BLOCK_REASON_LENGTH }),
    ]);
    expect(subcommand('default').options).toEqual([expect.objectContaining({ name: 'limit', type: 4, required: true, min_value: 0 })]);
    expect(subcommand('log').options).toEqual([
      expect.objectContaining({ name: 'user', type: 6, required: false }),
      expect.objectContaining({ name: 'page', type: 4, required: false, min_value: 1 }),
    ]);
  });
});

describe('the message menu command', () => {
  it('is a type 3 command named "Edit with Nano Banana", after the slash commands, with no description or options', () => {
    const all = everything();
    const menu = all.at(-1)!;
    expect(EDIT_MESSAGE_MENU_NAME).toBe('Edit with Nano Banana');
    expect(menu).toEqual({ type: 3, name: EDIT_MESSAGE_MENU_NAME, name_localizations: expect.any(Object) });
    expect(all.filter((command) => command.type === 3)).toHaveLength(1);
  });

  it('carries translated names only (Discord forbids a description on menu commands)', () => {
    const menu = everything().at(-1)!;
    const { es: spanish, ru: russian } = words('menu.edit');
    expect(menu.name_localizations).toEqual({ 'es-ES': spanish.name, 'es-419': spanish.name, ru: russian.name });
    expect(menu).not.toHaveProperty('description_localizations');
  });
});

describe('localized names and descriptions', () => {
  const commands = everything().filter(isChatInput);
  const byName = (name: string) => commands.find((command) => command.name === name)!;
  const localized = (path: string) => {
    const { es: spanish, ru: russian } = words(path);
    return {
      name_localizations: { 'es-ES': spanish.name, 'es-419': spanish.name, ru: russian.name },
      description_localizations: { 'es-ES': spanish.description, 'es-419': spanish.description, ru: russian.description },
    };
  };

  it('/edit and its prompt come in Spanish (both Discord Spanish locales) and Russian', () => {
    const edit = byName('edit');
    expect(edit).toMatchObject(localized('edit'));
    expect(edit.name_localizations).toMatchObject({ 'es-ES': 'editar', 'es-419': 'editar', ru: 'изменить' });
    expect(edit.options![0]).toMatchObject({ name: 'prompt', ...localized('edit.prompt') });
  });

  it('subcommands and their options are translated by their full path', () => {
    const grant = byName('quota-admin').options!.find((option) => option.name === 'grant');
    expect(grant).toMatchObject({ type: 1, ...localized('quota-admin.grant') });
    const amount = grant?.type === 1 ? grant.options!.find((option) => option.name === 'amount') : undefined;
    expect(amount).toMatchObject(localized('quota-admin.grant.amount'));
  });

  it('every command, subcommand and option has a name and description in es-ES, es-419 and ru', () => {
    const nodes: Array<ChatInputCommandBody | APIApplicationCommandOption> = [];
    const walk = (node: ChatInputCommandBody | APIApplicationCommandOption) => {
      nodes.push(node);
      if ('options' in node) for (const child of node.options ?? []) walk(child);
    };
    commands.forEach(walk);
    expect(nodes).toHaveLength(Object.keys(es.commands!).filter((path) => !path.startsWith('menu.')).length);
    for (const node of nodes) {
      expect(Object.keys(node.name_localizations ?? {}).sort(), node.name).toEqual(['es-419', 'es-ES', 'ru']);
      expect(Object.keys(node.description_localizations ?? {}).sort(), node.name).toEqual(['es-419', 'es-ES', 'ru']);
    }
  });

  it('choice names stay as they are (ratios and formats)', () => {
    const format = byName('edit').options!.find((option) => option.name === 'format');
    expect(format).toMatchObject({ choices: [{ name: 'jpeg', value: 'jpeg' }, { name: 'png', value: 'png' }, { name: 'webp', value: 'webp' }] });
    expect(JSON.stringify(format && 'choices' in format ? format.choices : [])).not.toContain('localizations');
  });
});

/**
 * What Discord answers to GET …/commands?with_localizations=true for commands we sent: its own
 * fields added, `required: false` and empty lists left out, absent localizations as null, commands
 * in its own order.
 */
function asDiscordStoresThem(sent: readonly ApplicationCommandBody[]): unknown[] {
  const option = (o: Record<string, unknown>): Record<string, unknown> => {
    const { required, options, ...rest } = o;
    return {
      ...rest,
      ...(required === true ? { required } : {}),
      ...(Array.isArray(options) && options.length > 0 ? { options: options.map((child) => option(child as Record<string, unknown>)) } : {}),
      name_localizations: rest.name_localizations ?? null,
      description_localizations: rest.description_localizations ?? null,
      ...('choices' in rest ? { choices: (rest.choices as Array<Record<string, unknown>>).map((c) => ({ ...c, name_localizations: null })) } : {}),
    };
  };
  return sent
    .map((command, i) => ({
      id: String(9000 + i), application_id: '1', version: String(7000 + i), guild_id: '3', default_member_permissions: null, nsfw: false,
      dm_permission: true, integration_types: [0], contexts: null, description: '', ...option(command as unknown as Record<string, unknown>),
    }))
    .reverse();
}

describe('comparing with what Discord has registered', () => {
  const wanted = everything();

  it('finds the same commands the same, whatever Discord adds, omits or reorders', () => {
    expect(sameCommands(wanted, JSON.parse(JSON.stringify(wanted)))).toBe(true);
    const stored = asDiscordStoresThem(wanted);
    expect(JSON.stringify(stored)).not.toContain('"required":false');
    expect(sameCommands(wanted, stored)).toBe(true);
  });

  it('sees a change in any field we send, at any depth', () => {
    const changed = (mutate: (commands: ApplicationCommandBody[]) => void) => {
      const copy = JSON.parse(JSON.stringify(wanted)) as ApplicationCommandBody[];
      mutate(copy);
      return sameCommands(wanted, asDiscordStoresThem(copy));
    };
    expect(changed(() => undefined)).toBe(true);
    expect(changed((c) => void ((c[0] as ChatInputCommandBody).options![0] as { max_length: number }).max_length--)).toBe(false);
    expect(changed((c) => void (c[0] as ChatInputCommandBody).options!.splice(4, 1))).toBe(false); // image4 missing
    expect(changed((c) => void delete c[0]!.name_localizations!.ru)).toBe(false);
    expect(changed((c) => void (c.at(-1)!.name = 'Edit'))).toBe(false);
    expect(changed((c) => void ((c[4] as ChatInputCommandBody).contexts = [0]))).toBe(false);
    expect(changed((c) => void ((c[4] as ChatInputCommandBody).default_member_permissions = '8'))).toBe(false);
    expect(changed((c) => void c.pop())).toBe(false);
  });

  it('sees a registered command or field we no longer send', () => {
    const stored = asDiscordStoresThem(wanted);
    expect(sameCommands(wanted, [...stored, { id: '1', type: 1, name: 'old', description: 'gone' }])).toBe(false);
    expect(sameCommands(wanted.slice(0, -1), stored.slice(1))).toBe(true); // the menu was first in reversed order
    const withExtra = asDiscordStoresThem(wanted) as Array<Record<string, unknown>>;
    withExtra.find((command) => command.name === 'help')!.nsfw = true;
    expect(sameCommands(wanted, withExtra)).toBe(false);
  });
});
