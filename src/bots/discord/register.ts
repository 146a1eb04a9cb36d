import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  Routes,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { SubcommandSpec } from '../../commands/moderation-specs.ts';
import type { CommandSpec, OptionSpec } from '../../commands/specs.ts';
import type { Logger } from '../../core/log.ts';
import { localizationsOf } from './localizations.ts';
import { MESSAGE_MENU_SPECS, menuPath, type MessageMenuSpec } from './menu-spec.ts';

/** A command made of subcommands, visible by default only to members with the given permissions (`QUOTA_ADMIN_SPEC`). */
export interface AdminCommandSpec {
  readonly name: string;
  readonly description: string;
  /** Permission bitfield as a decimal string, e.g. '32' for Manage Server. */
  readonly defaultMemberPermissions: string;
  readonly subcommands: readonly SubcommandSpec[];
}

export type ChatInputCommandBody = RESTPostAPIChatInputApplicationCommandsJSONBody;
export type MessageMenuCommandBody = RESTPostAPIContextMenuApplicationCommandsJSONBody;
export type ApplicationCommandBody = ChatInputCommandBody | MessageMenuCommandBody;

/**
 * Translates the platform-neutral command specs into Discord application command JSON. The specs are
 * the single definition of every command; nothing here restates a name, limit or choice. Names and
 * descriptions in other languages come from the catalogues, keyed by path (`edit`, `edit.prompt`).
 */
export function toApplicationCommand(spec: CommandSpec): ChatInputCommandBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: spec.name,
    description: spec.description,
    ...localizationsOf(spec.name),
    options: spec.options.map((option) => toOption(option, `${spec.name}.${option.name}`)),
  };
}

/**
 * A moderator command. `default_member_permissions` only decides who sees it in the client: server
 * admins can change that per role or channel, so the adapter checks the member's permissions again
 * on every call. It is usable in direct messages too, where only bot owners are let through (they set
 * the global defaults there).
 */
export function toAdminApplicationCommand(spec: AdminCommandSpec): ChatInputCommandBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: spec.name,
    description: spec.description,
    ...localizationsOf(spec.name),
    default_member_permissions: spec.defaultMemberPermissions,
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    options: spec.subcommands.map((subcommand) => toSubcommand(subcommand, `${spec.name}.${subcommand.name}`)),
  };
}

/** A message context-menu command (type 3): a name, translated, and nothing else; Discord forbids a description. */
export function toMessageMenuCommand(spec: MessageMenuSpec): MessageMenuCommandBody {
  return { type: ApplicationCommandType.Message, name: spec.name, ...localizationsOf(menuPath(spec), false) };
}

/** Every command of the bot as one bulk-overwrite body: plain commands, then moderator ones, then menus. */
export function toApplicationCommands(
  specs: readonly CommandSpec[],
  adminSpecs: readonly AdminCommandSpec[] = [],
  menus: readonly MessageMenuSpec[] = [],
): ApplicationCommandBody[] {
  return [...specs.map(toApplicationCommand), ...adminSpecs.map(toAdminApplicationCommand), ...menus.map(toMessageMenuCommand)];
}

function toSubcommand(spec: SubcommandSpec, path: string): APIApplicationCommandSubcommandOption {
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: spec.name,
    description: spec.description,
    ...localizationsOf(path),
    options: spec.options.map((option) => toOption(option, `${path}.${option.name}`)),
  };
}

function toOption(option: OptionSpec, path: string): APIApplicationCommandBasicOption {
  const base = { name: option.name, description: option.description, ...localizationsOf(path), required: option.required };
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

export interface CommandRegistration {
  readonly applicationId: string;
  /** Register in this guild (visible at once, for development and single-community bots) instead of globally. */
  readonly guildId: string | undefined;
  readonly specs: readonly CommandSpec[];
  readonly adminSpecs?: readonly AdminCommandSpec[];
  /** Discord's own message menu commands; every one the bot has unless told otherwise. */
  readonly menus?: readonly MessageMenuSpec[];
  readonly logger?: Logger;
}

/**
 * Makes Discord's registered commands match the specs: reads what is registered and bulk-overwrites it
 * only when it differs. An overwrite on every start would be idempotent too, but it is a rate-limited
 * write that Discord pushes to every client, so a restart with unchanged specs sends none.
 */
export async function registerCommands(rest: REST, registration: CommandRegistration): Promise<'updated' | 'unchanged'> {
  const { applicationId, guildId } = registration;
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const wanted = toApplicationCommands(registration.specs, registration.adminSpecs, registration.menus ?? MESSAGE_MENU_SPECS);
  // Full localization maps, not the `name_localized` of the bot's own locale: they are part of what we send.
  const registered = await rest.get(route, { query: new URLSearchParams({ with_localizations: 'true' }) });
  const scope = guildId ? 'guild' : 'global';
  if (Array.isArray(registered) && sameCommands(wanted, registered)) {
    registration.logger?.info({ scope, commands: wanted.length }, 'application commands already up to date');
    return 'unchanged';
  }
  await rest.put(route, { body: wanted });
  registration.logger?.info({ scope, commands: wanted.length }, 'application commands registered');
  return 'updated';
}

/**
 * Fields Discord adds to a stored command or reports its own way. They count only where we send them
 * ourselves (the moderator command's `contexts`); otherwise their value is Discord's business.
 */
const DISCORD_FIELDS = new Set([
  'id',
  'application_id',
  'guild_id',
  'version',
  'name_localized',
  'description_localized',
  'dm_permission',
  'default_permission',
  'contexts',
  'integration_types',
  'handler',
]);

/**
 * Whether the registered commands are exactly the ones we would register, in any order. Only what we
 * send is compared: Discord leaves out `required: false`, answers null for absent localizations, an
 * empty description for menus, `nsfw: false` and the like, which all read as "not set" on both sides.
 */
export function sameCommands(wanted: readonly ApplicationCommandBody[], registered: readonly unknown[]): boolean {
  if (wanted.length !== registered.length) return false;
  const byKey = new Map(registered.filter(isRecord).map((command) => [commandKey({ type: ApplicationCommandType.ChatInput, ...command }), command]));
  return wanted.every((command) => {
    const stored = byKey.get(commandKey(command));
    return stored !== undefined && matches(command, { type: ApplicationCommandType.ChatInput, ...stored });
  });
}

/** Discord keys commands by type and name: a menu and a slash command may share a name. */
function commandKey(command: { readonly type?: unknown; readonly name?: unknown }): string {
  return `${String(command.type)}:${String(command.name)}`;
}

function matches(wanted: unknown, stored: unknown): boolean {
  if (isUnset(wanted) && isUnset(stored)) return true;
  if (Array.isArray(wanted) || Array.isArray(stored)) {
    return Array.isArray(wanted) && Array.isArray(stored) && wanted.length === stored.length && wanted.every((item, i) => matches(item, stored[i]));
  }
  if (isRecord(wanted) && isRecord(stored)) {
    const keys = new Set([...Object.keys(wanted), ...Object.keys(stored)]);
    return [...keys].every((key) => (!(key in wanted) && DISCORD_FIELDS.has(key)) || matches(wanted[key], stored[key]));
  }
  return wanted === stored;
}

/** What Discord and we both mean by "not set": absent, null, false, empty. Zero is a value. */
function isUnset(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
