import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  Routes,
  type APIApplicationCommandOption,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandSpec, OptionSpec } from '../../commands/specs.ts';

/**
 * Translates the platform-neutral command specs into Discord application command JSON. The specs are
 * the single definition of every command; nothing here restates a name, limit or choice.
 */
export function toApplicationCommand(spec: CommandSpec): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: spec.name,
    description: spec.description,
    options: spec.options.map(toOption),
  };
}

export function toApplicationCommands(specs: readonly CommandSpec[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return specs.map(toApplicationCommand);
}

function toOption(option: OptionSpec): APIApplicationCommandOption {
  const base = { name: option.name, description: option.description, required: option.required };
  switch (option.kind) {
    case 'string':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(option.maxLength === undefined ? {} : { max_length: option.maxLength }),
        ...(option.choices === undefined ? {} : { choices: option.choices.map((value) => ({ name: value, value })) }),
      };
    case 'integer':
      return { ...base, type: ApplicationCommandOptionType.Integer, min_value: option.min, max_value: option.max };
    case 'image':
      return { ...base, type: ApplicationCommandOptionType.Attachment };
  }
}

/**
 * Bulk-overwrites the application's commands: in one guild when `guildId` is set (visible at once,
 * meant for development and single-community bots), otherwise globally. Overwriting is idempotent,
 * so running it on every start keeps Discord in step with the specs.
 */
export async function registerCommands(
  rest: REST,
  applicationId: string,
  guildId: string | undefined,
  specs: readonly CommandSpec[],
): Promise<void> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  await rest.put(route, { body: toApplicationCommands(specs) });
}
