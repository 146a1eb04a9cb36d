import { PermissionFlagsBits, type ChatInputCommandInteraction, type User } from 'discord.js';
import type { ModerationAction, ModerationRequest, ModeratorContext, TargetRef } from '../../commands/moderation-context.ts';
import { QUOTA_ADMIN_SPEC } from '../../commands/moderation-specs.ts';
import type { InteractionContext } from './context.ts';

/** `/quota-admin` subcommand names → moderation actions, from the spec (the one definition of both). */
const ACTION_BY_SUBCOMMAND = new Map<string, ModerationAction>(QUOTA_ADMIN_SPEC.subcommands.map((sub) => [sub.name, sub.action]));

/**
 * Reads `/quota-admin <subcommand> …` into a platform-neutral request; null for a subcommand this
 * version does not know (an older registration still cached by Discord). Numbers and the reason are
 * passed on as Discord parsed them: the command validates them (one place decides what is valid).
 */
export function moderationRequestFrom(interaction: ChatInputCommandInteraction): ModerationRequest | null {
  const { options } = interaction;
  const subcommand = options.getSubcommand(false);
  const action = subcommand === null ? undefined : ACTION_BY_SUBCOMMAND.get(subcommand);
  const target = (): TargetRef => targetOf(options.getUser('user', false));
  const integer = (name: string): number | undefined => options.getInteger(name, false) ?? undefined;
  switch (action) {
    case 'show':
    case 'reset':
    case 'unblock':
      return { action, target: target() };
    case 'set':
      return { action, target: target(), limit: integer('limit') };
    case 'grant':
      return { action, target: target(), amount: integer('amount') };
    case 'block':
      return { action, target: target(), reason: options.getString('reason', false) ?? undefined };
    case 'default':
      return { action, limit: integer('limit') };
    case 'log': {
      const user = options.getUser('user', false);
      return { action, target: user ? targetOf(user) : undefined, page: integer('page') };
    }
    case undefined:
      return null;
  }
}

/** The user option as a target; Discord resolves it, so it is either a known user or absent. */
function targetOf(user: User | null): TargetRef {
  if (!user) return { kind: 'missing' };
  return { kind: 'user', target: { userId: user.id, isBot: user.bot, name: `@${user.username}` } };
}

/**
 * The moderator context of one `/quota-admin` interaction: the interaction's context plus who acts and
 * whether they moderate this guild.
 *
 * `memberPermissions` is the permission set Discord itself computed for this member in this channel
 * (roles, channel overwrites, Administrator) and sends with every interaction, so it cannot be forged
 * by the client and is current at the moment of the call. It is checked on every call: the command's
 * `default_member_permissions` only hides it in the client, and server admins can widen who sees it
 * through the integration settings, so it must never be the only check.
 */
export function createModeratorContext(interaction: ChatInputCommandInteraction, ctx: InteractionContext): ModeratorContext {
  return {
    platform: ctx.platform,
    requestId: ctx.requestId,
    userId: ctx.userId,
    communityId: ctx.communityId,
    actorName: `@${interaction.user.username}`,
    status: (text) => ctx.status(text),
    deliver: (images, caption, details) => ctx.deliver(images, caption, details),
    finish: (text) => ctx.finish(text),
    ...(ctx.formatInstant ? { formatInstant: ctx.formatInstant.bind(ctx) } : {}),
    isCommunityModerator(): Promise<boolean> {
      // In direct messages there is no community to moderate (owners are recognised by the command).
      if (interaction.guildId === null) return Promise.resolve(false);
      return Promise.resolve(interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true);
    },
  };
}
