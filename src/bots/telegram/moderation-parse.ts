import type { Message, User } from 'grammy/types';
import type { ModerationAction, ModerationRequest, ModerationTarget, TargetRef } from '../../commands/moderation-context.ts';
import { TELEGRAM_MODERATOR_COMMANDS } from '../../commands/moderation-specs.ts';

/**
 * Reading Telegram moderator commands (`/quota_grant 5` replying to a member, `/quota_set @bob 20`,
 * `/quota_block 123456 spam`). Telegram has no typed command options, so the target and the
 * arguments come from the reply and the words after the command. Pure: a `@username` stays a query
 * here and is looked up by the handler (known-users.ts); numbers stay as typed, the command checks them.
 */

/** Who a moderator command names, before any `@username` is looked up. */
export type TargetQuery =
  | { readonly kind: 'user'; readonly target: ModerationTarget }
  /** Without the `@`, as typed. */
  | { readonly kind: 'username'; readonly username: string }
  | { readonly kind: 'missing' };

export interface ModeratorCommandText {
  readonly action: ModerationAction;
  /** Absent for `/quota_default` (no target) and for `/quota_log` without one. */
  readonly target?: TargetQuery | undefined;
  /** The arguments after the target: a number, a reason or a page; '' when none. */
  readonly argument: string;
}

const ACTIONS: ReadonlyMap<string, ModerationAction> = new Map(
  TELEGRAM_MODERATOR_COMMANDS.map(({ command, action }) => [command, action]),
);

/** The action of a moderator command name (`quota_grant` → `grant`); undefined for any other command. */
export function moderatorActionOf(commandName: string): ModerationAction | undefined {
  return ACTIONS.get(commandName.toLowerCase());
}

const USERNAME_TOKEN = /^@([A-Za-z0-9_]{1,64})$/;
/** Telegram user ids are positive and below 2^52; 15 digits keep them exact as JS numbers. */
const USER_ID_TOKEN = /^[1-9]\d{0,14}$/;

/**
 * The target and arguments of one moderator command. `rest` is the text after the command (see
 * parse.ts). Replying to a message names its sender, and then all of `rest` is the arguments;
 * otherwise a leading `@username` or numeric id is the target and the words after it the arguments.
 */
export function parseModeratorCommand(action: ModerationAction, rest: string, message: Message): ModeratorCommandText {
  const argument = rest.trim();
  if (action === 'default') return { action, argument };
  const replied = repliedTarget(message);
  if (replied) return { action, target: replied, argument };

  const [first = '', remainder = ''] = splitFirstWord(argument);
  const username = USERNAME_TOKEN.exec(first)?.[1];
  if (username) return { action, target: { kind: 'username', username }, argument: remainder };
  // Where a number follows the target (`/quota_grant 12345 5`, `/quota_log 12345 2`), a lone number is
  // that number, not an id: `/quota_grant 5` forgot the reply, and `/quota_log 2` is page 2.
  const loneNumberIsArgument = action === 'set' || action === 'grant' || action === 'log';
  const isId = USER_ID_TOKEN.test(first) && !(loneNumberIsArgument && remainder === '');
  if (isId) return { action, target: idTarget(first), argument: remainder };
  if (action === 'log') return { action, argument };
  return { action, target: { kind: 'missing' }, argument };
}

/**
 * The platform-neutral request, once the target is resolved. Numbers and the block reason go on as
 * typed (the command refuses a bad number and tidies the reason); a missing argument is `undefined`.
 */
export function toModerationRequest(parsed: ModeratorCommandText, target: TargetRef | undefined): ModerationRequest {
  const raw = parsed.argument === '' ? undefined : parsed.argument;
  const about: TargetRef = target ?? { kind: 'missing' };
  switch (parsed.action) {
    case 'show':
    case 'reset':
    case 'unblock':
      return { action: parsed.action, target: about };
    case 'set':
      return { action: 'set', target: about, limit: raw };
    case 'grant':
      return { action: 'grant', target: about, amount: raw };
    case 'block':
      return { action: 'block', target: about, reason: raw };
    case 'default':
      return { action: 'default', limit: raw };
    case 'log':
      return { action: 'log', target, page: raw };
  }
}

/** How replies and the audit log name a Telegram user: `@username`, else the first name. */
export function userLabel(user: User): string {
  return user.username ? `@${user.username}` : user.first_name;
}

/**
 * The sender of the message this one replies to. A message sent on behalf of a chat (the anonymous
 * admin, a channel, a linked channel's automatic forward) has `sender_chat`: no person to act on,
 * so it counts as a bot, and the command refuses it.
 */
function repliedTarget(message: Message): TargetQuery | undefined {
  const replied = message.reply_to_message;
  // In a forum topic every message "replies" to the topic's opening service message; that is no choice of the user.
  if (!replied || replied.forum_topic_created) return undefined;
  if (replied.sender_chat) {
    const chat = replied.sender_chat;
    const name = 'title' in chat ? chat.title : undefined;
    return { kind: 'user', target: { userId: String(replied.from?.id ?? chat.id), isBot: true, name } };
  }
  if (!replied.from) return undefined;
  return { kind: 'user', target: { userId: String(replied.from.id), isBot: replied.from.is_bot, name: userLabel(replied.from) } };
}

function idTarget(id: string): TargetQuery {
  // Whether an id is a bot's we cannot tell without asking Telegram; the bot account's own quota is harmless.
  return { kind: 'user', target: { userId: id, isBot: false } };
}

function splitFirstWord(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  return match ? [match[1] ?? '', (match[2] ?? '').trim()] : ['', ''];
}
