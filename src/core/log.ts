import { pino, type DestinationStream, type Logger } from 'pino';
import { scrubSecrets } from './secrets.ts';

export type { Logger };

const SECRET_FIELDS = [
  'token', // bot tokens, Discord interaction tokens (DeliveryTarget.token), callback tokens
  'interactionToken',
  'key',
  'apiKey',
  'secret', // the Telegram webhook secret
  'webhookSecret',
  'password',
  'authorization',
  'cookie',
  'fileUrl', // a Telegram file URL holds the bot token
  'url',
];
const SECRET_HEADERS = ['authorization', 'cookie', 'x-fal-key', 'x-goog-api-key', 'x-telegram-bot-api-secret-token'];

/**
 * Paths that may hold a secret are censored even if a careless log call includes them: at the top
 * level, one or two levels down (`job.target.token`), and in request headers. URLs are censored too:
 * Telegram file URLs and Discord webhook URLs carry tokens.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  ...SECRET_HEADERS.flatMap((header) => [`headers["${header}"]`, `*.headers["${header}"]`]),
];

export interface LoggerOptions {
  /**
   * Values scrubbed from every line, whatever field or message they hide in: the configured tokens
   * and keys (see secretsOf in src/config.ts). The redact paths catch fields; this catches text.
   */
  readonly secrets?: readonly string[];
  /** Where lines go; default stdout. */
  readonly destination?: DestinationStream;
  /**
   * Human-readable lines (pino-pretty, in a worker thread) instead of JSON: for a terminal. main.ts
   * decides (stdout is a TTY); ignored with a `destination`.
   */
  readonly pretty?: boolean;
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 4);
  const settings = {
    level,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    base: undefined,
    ...(secrets.length > 0 ? { hooks: { streamWrite: (line: string) => scrubSecrets(line, secrets) } } : {}),
  };
  if (options.destination) return pino(settings, options.destination);
  return options.pretty ? pino({ ...settings, transport: { target: 'pino-pretty', options: { colorize: true } } }) : pino(settings);
}

export const silentLogger: Logger = pino({ level: 'silent' });
