import { ApplicationCommandOptionType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { toApplicationCommands } from '../../src/bots/discord/register.ts';
import { MAX_BLOCK_REASON_LENGTH, MAX_QUOTA_NUMBER, QUOTA_ADMIN_SPEC } from '../../src/commands/moderation-specs.ts';
import { COMMAND_SPECS, EDIT_SPEC, MAX_PROMPT_LENGTH } from '../../src/commands/specs.ts';
import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB } from '../../src/core/providers/provider.ts';

describe('command specs as Discord application commands', () => {
  const commands = toApplicationCommands(COMMAND_SPECS, [QUOTA_ADMIN_SPEC]);
  const admin = commands.find((command) => command.name === 'quota-admin')!;
  const subcommand = (name: string) => {
    const option = admin.options!.find((candidate) => candidate.name === name);
    if (option?.type !== ApplicationCommandOptionType.Subcommand) throw new Error(`no subcommand ${name}`);
    return { ...option, options: option.options ?? [] };
  };

  it('has one chat input command per spec, options in spec order, the moderator command last', () => {
    expect(commands.map((command) => command.name)).toEqual([...COMMAND_SPECS.map((spec) => spec.name), 'quota-admin']);
    expect(commands.every((command) => command.type === 1)).toBe(true);
    expect(commands[0]!.options!.map((option) => option.name)).toEqual(EDIT_SPEC.options.map((option) => option.name));
  });

  it('without moderator specs, registers only the plain commands', () => {
    expect(toApplicationCommands(COMMAND_SPECS).map((command) => command.name)).toEqual(COMMAND_SPECS.map((spec) => spec.name));
  });

  it('maps strings, integers and images to types 3, 4 and 11 with their limits', () => {
    const [prompt, image, , , count, aspect] = commands[0]!.options!;
    expect(prompt).toEqual({ name: 'prompt', description: 'What to change', required: true, type: 3, max_length: MAX_PROMPT_LENGTH });
    expect(image).toEqual({ name: 'image', description: 'The image to edit', required: true, type: 11 });
    expect(count).toMatchObject({ type: 4, min_value: 1, max_value: MAX_IMAGES_PER_JOB, required: false });
    expect(aspect).toMatchObject({ type: 3, choices: ASPECT_RATIOS.map((value) => ({ name: value, value })) });
  });

  it('lists required options before optional ones, as Discord demands', () => {
    const optionLists = [...commands.map((command) => command.options ?? []), ...QUOTA_ADMIN_SPEC.subcommands.map((sub) => subcommand(sub.name).options)];
    for (const options of optionLists) {
      const required = options.map((option) => option.required === true);
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
    expect(admin.options!.map((option) => [option.type, option.name])).toEqual(QUOTA_ADMIN_SPEC.subcommands.map((sub) => [1, sub.name]));
    expect(admin.options!.map((option) => option.description)).toEqual(QUOTA_ADMIN_SPEC.subcommands.map((sub) => sub.description));
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
