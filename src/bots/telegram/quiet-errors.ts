import { GrammyError } from 'grammy';
import type { Logger } from '../../core/log.ts';
import { describeError, isMessageGone, isNotModified } from './errors.ts';

/** The user blocked the bot, or the bot is no longer in the group: nothing can reach this chat. */
export function isBotBlocked(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code === 403 &&
    /bot was blocked|bot was kicked|user is deactivated|not a member/i.test(error.description)
  );
}

/**
 * Logs a failed Bot API call about one chat. What users do to the bot (block it, delete its
 * messages) and what is a courtesy anyway (a dropped progress edit or chat action) is routine: info
 * or debug, never a warning that pages someone.
 */
export function logTelegramFailure(
  logger: Logger,
  token: string,
  error: unknown,
  fields: { chatId: number; what: string; dropped?: boolean },
): void {
  const entry = { err: describeError(error, token), chatId: fields.chatId, what: fields.what };
  if (fields.dropped) logger.debug(entry, 'telegram: dropped a progress update');
  else if (isBotBlocked(error) || isMessageGone(error) || isNotModified(error)) logger.info(entry, 'telegram: chat unreachable or message gone');
  else logger.warn(entry, 'telegram status message failed');
}
