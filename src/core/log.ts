import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may hold a secret are censored even if a careless log call includes them.
 * Tokens inside URLs (Telegram file URLs, Discord webhook URLs) are never logged in the first place.
 */
const REDACT_PATHS = [
  'token',
  'key',
  'apiKey',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.key',
  '*.apiKey',
  '*.authorization',
  'url',
  '*.url',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined });
}

export const silentLogger: Logger = pino({ level: 'silent' });
