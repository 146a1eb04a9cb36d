import { BotError } from '../errors.ts';
import { TransportError } from '../http/request.ts';
import { scrubSecrets } from '../secrets.ts';

const MAX_REASON = 300;

/** Server text quoted in an error is cut short and scrubbed: a misbehaving proxy could echo our key. */
export function cleanReason(reason: string | undefined, secret: string): string | undefined {
  if (reason === undefined) return undefined;
  const scrubbed = scrubSecrets(reason, [secret]);
  return scrubbed.length > MAX_REASON ? `${scrubbed.slice(0, MAX_REASON)}…` : scrubbed;
}

/** Failures below HTTP, after retries. TransportError messages never carry the URL or headers. */
export function transportError(provider: string, call: string, error: unknown, secret: string): BotError {
  if (error instanceof BotError) return error;
  if (error instanceof TransportError) {
    const code = error.transportCode === 'BODY_TOO_LARGE' ? 'PROVIDER_PROTOCOL' : 'PROVIDER_UNAVAILABLE';
    return new BotError(code, `${provider} ${call} failed: ${error.transportCode}`, { cause: error });
  }
  // Unexpected (a bad URL in config, say); undici's own messages could in theory quote a header.
  const message = cleanReason(error instanceof Error ? error.message : String(error), secret);
  return new BotError('INTERNAL', `${provider} ${call} failed: ${message}`);
}

/** The answer of a provider call could not be read. */
export function protocolError(provider: string, call: string, problem: string): BotError {
  return new BotError('PROVIDER_PROTOCOL', `${provider} ${call} answer is unreadable: ${problem}`);
}
