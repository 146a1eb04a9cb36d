import { BotError, type ErrorCode } from '../../core/errors.ts';
import { scrubSecrets } from '../../core/secrets.ts';

/**
 * What can safely be said about a failed Discord call. discord.js errors (`DiscordAPIError`,
 * `HTTPError`) carry the request `url` and body, and for interaction routes the url holds the
 * interaction token (a bearer credential for 15 minutes), so only the status, Discord's error code
 * and the method are kept; any text is scrubbed of the given secrets.
 */
export interface DiscordFailure {
  readonly name: string;
  readonly status: number | undefined;
  /** Discord's JSON error code, e.g. 10062 Unknown interaction, 50027 Invalid Webhook Token. */
  readonly code: number | string | undefined;
  readonly method: string | undefined;
  readonly message: string;
}

export function describeDiscordError(error: unknown, secrets: readonly (string | undefined)[]): DiscordFailure {
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const status = typeof record.status === 'number' ? record.status : undefined;
  const code = typeof record.code === 'number' || typeof record.code === 'string' ? record.code : undefined;
  const method = typeof record.method === 'string' ? record.method : undefined;
  const name = error instanceof Error ? error.name : typeof error;
  const raw = error instanceof Error ? error.message : String(error);
  return { name, status, code, method, message: scrubSecrets(raw, secrets).slice(0, 300) };
}

/**
 * A BotError for a failed Discord call, without `cause`: the cause would carry the token-bearing url
 * into whatever logs or serialises the error later.
 */
export function discordFailure(error: unknown, what: string, secrets: readonly (string | undefined)[], code: ErrorCode = 'DELIVERY_FAILED'): BotError {
  const failure = describeDiscordError(error, secrets);
  const detail = [failure.status === undefined ? undefined : `HTTP ${failure.status}`, failure.code === undefined ? undefined : `code ${failure.code}`]
    .filter(Boolean)
    .join(', ');
  return new BotError(code, `${what} failed: ${failure.message}${detail ? ` (${detail})` : ''}`);
}
