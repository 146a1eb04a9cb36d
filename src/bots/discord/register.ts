import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  Routes,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { SubcommandSpec } from '../../commands/moderation-specs.ts';
import type { CommandSpec, OptionSpec } from '../../commands/specs.ts';

/** A command made of subcommands, visible by default only to members with the given permissions (`QUOTA_ADMIN_SPEC`). */
export interface AdminCommandSpec {
  readonly name: string;
  readonly description: string;
  /** Permission bitfield as a decimal string, e.g. '32' for Manage Server. */
  readonly defaultMemberPermissions: string;
  readonly subcommands: readonly SubcommandSpec[];
}

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

/**
 * A moderator command. `default_member_permissions` only decides who sees it in the client: server
 * admins can change that per role or channel, so the adapter checks the member's permissions again
 * on every call. It is usable in direct messages too, where only bot owners are let through (they set
 * the global defaults there).
 */
export function toAdminApplicationCommand(spec: AdminCommandSpec): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: spec.name,
    description: spec.description,
    default_member_permissions: spec.defaultMemberPermissions,
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    options: spec.subcommands.map(toSubcommand),
  };
}

/** Every command of the bot, plain ones first, as one bulk-overwrite body. */
export function toApplicationCommands(
  specs: readonly CommandSpec[],
  adminSpecs: readonly AdminCommandSpec[] = [],
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return [...specs.map(toApplicationCommand), ...adminSpecs.map(toAdminApplicationCommand)];
}

function toSubcommand(spec: SubcommandSpec): APIApplicationCommandSubcommandOption {
  return { type: ApplicationCommandOptionType.Subcommand, name: spec.name, description: spec.description, options: spec.options.map(toOption) };
}

function toOption(option: OptionSpec): APIApplicationCommandBasicOption {
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
    case 'user':
      return { ...base, type: ApplicationCommandOptionType.User };
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
  adminSpecs: readonly AdminCommandSpec[] = [],
): Promise<void> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  await rest.put(route, { body: toApplicationCommands(specs, adminSpecs) });
}
