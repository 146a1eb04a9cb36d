import { describe, expect, it } from 'vitest';
import { toApplicationCommands } from '../../src/bots/discord/register.ts';
import { COMMAND_SPECS, EDIT_SPEC, MAX_PROMPT_LENGTH } from '../../src/commands/specs.ts';
import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB } from '../../src/core/providers/provider.ts';

describe('command specs as Discord application commands', () => {
  const commands = toApplicationCommands(COMMAND_SPECS);

  it('has one chat input command per spec, options in spec order', () => {
    expect(commands.map((command) => command.name)).toEqual(COMMAND_SPECS.map((spec) => spec.name));
    expect(commands.every((command) => command.type === 1)).toBe(true);
    expect(commands[0]!.options!.map((option) => option.name)).toEqual(EDIT_SPEC.options.map((option) => option.name));
  });

  it('maps strings, integers and images to types 3, 4 and 11 with their limits', () => {
    const [prompt, image, , , count, aspect] = commands[0]!.options!;
    expect(prompt).toEqual({ name: 'prompt', description: 'What to change', required: true, type: 3, max_length: MAX_PROMPT_LENGTH });
    expect(image).toEqual({ name: 'image', description: 'The image to edit', required: true, type: 11 });
    expect(count).toMatchObject({ type: 4, min_value: 1, max_value: MAX_IMAGES_PER_JOB, required: false });
    expect(aspect).toMatchObject({ type: 3, choices: ASPECT_RATIOS.map((value) => ({ name: value, value })) });
  });

  it('lists required options before optional ones, as Discord demands', () => {
    for (const command of commands) {
      const required = (command.options ?? []).map((option) => option.required === true);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
  });
});
