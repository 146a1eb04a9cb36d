import { BotError } from '../errors.ts';

/**
 * Checks a page of an append-only log before a backend reads it. Offsets and limits come from our
 * own code (a moderator's page number is validated before it gets here), so a bad one is a bug: it
 * throws rather than quietly returning some other page.
 */
export function checkPage(offset: number, limit: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 0) {
    throw new BotError('INTERNAL', `a log page needs a whole offset and limit of 0 or more, got offset ${offset} and limit ${limit}`);
  }
}
