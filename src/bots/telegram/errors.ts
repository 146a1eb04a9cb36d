import { GrammyError, HttpError } from 'grammy';
import { isBotError } from '../../core/errors.ts';
import { scrubSecrets } from '../../core/secrets.ts';

/**
 * A one-line description of an error that is safe to log. Never log a grammY HttpError object as is:
 * its `error` property is the underlying fetch error, whose message contains the request URL and with
 * it the bot token. Any other text is scrubbed of the token as a last line of defence.
 */
export function describeError(error: unknown, token: string): string {
  if (error instanceof GrammyError) return scrubSecrets(`${error.method}: ${error.error_code} ${error.description}`, [token]);
  if (error instanceof HttpError) return scrubSecrets(error.message, [token]);
  if (isBotError(error)) return scrubSecrets(`${error.code}: ${error.message}`, [token]);
  if (error instanceof Error) return scrubSecrets(`${error.name}: ${error.message}`, [token]);
  return scrubSecrets(String(error), [token]);
}

/** Telegram's answer when an edit would not change anything; harmless, so it is ignored. */
export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /message is not modified/i.test(error.description);
}

/** The message to edit is gone (deleted by someone): say it in a new message instead. */
export function isMessageGone(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code === 400 &&
    /message to edit not found|message can't be edited/i.test(error.description)
  );
}
