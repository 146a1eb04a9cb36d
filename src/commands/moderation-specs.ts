import type { OptionSpec } from './specs.ts';
import type { ModerationAction } from './moderation-context.ts';

/** Largest limit, grant or default a moderator may set: beyond this a number is a typo, not a quota. */
export const MAX_QUOTA_NUMBER = 100_000;
/** Audit entries per page of `log`. */
export const AUDIT_PAGE_SIZE = 10;
/** Longest block reason kept. */
export const MAX_BLOCK_REASON_LENGTH = 200;

export interface SubcommandSpec {
  readonly name: string;
  readonly action: ModerationAction;
  readonly description: string;
  readonly options: readonly OptionSpec[];
}

/**
 * Discord `/quota-admin`: one command with a subcommand per action. Registered with
 * default_member_permissions = Manage Server; the permission is checked again on every call.
 */
export const QUOTA_ADMIN_SPEC = {
  name: 'quota-admin',
  description: 'Manage image quotas in this server (moderators)',
  /** Discord's Manage Server permission bit (0x20): who sees the command by default. */
  defaultMemberPermissions: '32',
  subcommands: [
    { name: 'show', action: 'show', description: "Show a member's quota", options: [user('Whose quota')] },
    {
      name: 'set',
      action: 'set',
      description: "Set a member's own limit per period",
      options: [user('Whose limit'), count('limit', 'Images per period', 0)],
    },
    {
      name: 'grant',
      action: 'grant',
      description: 'Give a member bonus images (kept until spent)',
      options: [user('Who gets them'), count('amount', 'How many bonus images', 1)],
    },
    { name: 'reset', action: 'reset', description: "Reset a member's usage this period", options: [user('Whose usage')] },
    {
      name: 'block',
      action: 'block',
      description: 'Block a member from using the bot here',
      options: [
        user('Who to block'),
        { kind: 'string', name: 'reason', description: 'Why (shown to the member)', required: false, maxLength: MAX_BLOCK_REASON_LENGTH },
      ],
    },
    { name: 'unblock', action: 'unblock', description: 'Unblock a member', options: [user('Who to unblock')] },
    { name: 'default', action: 'default', description: 'Set the default limit for everyone here', options: [count('limit', 'Images per period', 0)] },
    {
      name: 'log',
      action: 'log',
      description: 'Read the moderation log, newest first',
      options: [
        { kind: 'user', name: 'user', description: 'Only actions about this member', required: false },
        { kind: 'integer', name: 'page', description: 'Page (1 is the newest)', required: false, min: 1, max: MAX_QUOTA_NUMBER },
      ],
    },
  ] satisfies readonly SubcommandSpec[],
} as const;

/** Telegram moderator commands, listed with setMyCommands for chat administrators only. */
export const TELEGRAM_MODERATOR_COMMANDS: ReadonlyArray<{ readonly command: string; readonly action: ModerationAction; readonly description: string }> = [
  { command: 'quota_show', action: 'show', description: "Show a member's quota (reply, @username or id)" },
  { command: 'quota_set', action: 'set', description: "Set a member's limit: /quota_set N (or default)" },
  { command: 'quota_grant', action: 'grant', description: 'Give a member N bonus images' },
  { command: 'quota_reset', action: 'reset', description: "Reset a member's usage this period" },
  { command: 'quota_block', action: 'block', description: 'Block a member here: /quota_block [reason]' },
  { command: 'quota_unblock', action: 'unblock', description: 'Unblock a member' },
  { command: 'quota_default', action: 'default', description: 'Default limit for everyone here: /quota_default N' },
  { command: 'quota_log', action: 'log', description: 'Moderation log, newest first: /quota_log [page]' },
];

function user(description: string): OptionSpec {
  return { kind: 'user', name: 'user', description, required: true };
}

function count(name: string, description: string, min: number): OptionSpec {
  return { kind: 'integer', name, description, required: true, min, max: MAX_QUOTA_NUMBER };
}
