import type { CommandContext } from './context.ts';

/** The user a moderator command is about, as the platform resolved it. */
export interface ModerationTarget {
  readonly userId: string;
  /** Bots have no quota: a command aimed at one is refused. */
  readonly isBot: boolean;
  /** How to name the user in replies and the audit log (`@alice`, `Alice`); the id when unknown. */
  readonly name?: string | undefined;
}

/**
 * Who the command is about, as far as the adapter could tell. The command words every problem:
 * `missing` when no target was given (no reply, no @username, no id), `unknown` when a @username
 * was given that the bot has never seen.
 */
export type TargetRef =
  | { readonly kind: 'user'; readonly target: ModerationTarget }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unknown'; readonly text: string };

/**
 * A number as the user typed it (Telegram text) or as the platform parsed it (Discord integer option).
 * The command validates it (whole, not negative, not huge); adapters pass it on untouched.
 * `undefined` means it was not given.
 */
export type RawNumber = string | number | undefined;

/** One moderator command, platform-neutral. */
export type ModerationRequest =
  | { readonly action: 'show'; readonly target: TargetRef }
  /** `limit` may be the word `default` (Telegram), which removes the user's own limit. */
  | { readonly action: 'set'; readonly target: TargetRef; readonly limit: RawNumber }
  | { readonly action: 'grant'; readonly target: TargetRef; readonly amount: RawNumber }
  | { readonly action: 'reset'; readonly target: TargetRef }
  | { readonly action: 'block'; readonly target: TargetRef; readonly reason?: string | undefined }
  | { readonly action: 'unblock'; readonly target: TargetRef }
  /** The community's default limit (in direct messages, for owners: the global default). `default` removes it. */
  | { readonly action: 'default'; readonly limit: RawNumber }
  /** The audit log, newest first; `page` counts from 1. */
  | { readonly action: 'log'; readonly target?: TargetRef | undefined; readonly page?: RawNumber };

export type ModerationAction = ModerationRequest['action'];

/**
 * The CommandContext of a moderator command. The command checks authority itself (owners from
 * BOT_OWNERS, then `isCommunityModerator`) and answers with `finish`; a refusal changes nothing.
 */
export interface ModeratorContext extends CommandContext {
  /** How the audit log names the actor: `@alice`, `Alice`, `anonymous admin`. */
  readonly actorName: string;
  /**
   * Whether the platform says the sender moderates this community: Discord, the interaction member's
   * permissions include Manage Server; Telegram, getChatMember says creator or administrator (cached
   * briefly), or the message came from the group's anonymous admin. Always false in direct messages.
   */
  isCommunityModerator(): Promise<boolean>;
}
