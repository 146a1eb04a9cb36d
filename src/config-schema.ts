import { z } from 'zod';
import { isHostPattern } from './core/http/download-policy.ts';
import { isValidTimeZone, WINDOW_KINDS } from './core/quota/window.ts';
import { LOG_LEVELS } from './config-types.ts';

/** The variables the bot reads, each checked on its own; src/config-checks.ts checks how they combine. */

/** Empty values count as unset: `DISCORD_TOKEN=` in a .env file means "no Discord". */
const optional = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().optional());

const httpUrl = (name: string, example: string) =>
  optional.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), {
    message: `${name} must be an http(s) URL such as ${example}`,
  });

const wholeNumber = (name: string, min: number, max: number, what: string) =>
  optional.refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max), {
    message: `${name} must be a whole number from ${min} to ${max}: ${what}`,
  });

// Messages never quote the value: several of these variables are secrets.
export const envSchema = z.object({
  DISCORD_TOKEN: optional.refine((v) => v === undefined || /^[\w-]+\.[\w-]+\.[\w-]+$/.test(v), {
    message: 'DISCORD_TOKEN does not look like a bot token (three dot-separated parts). Copy it from the Developer Portal → Bot → Reset Token.',
  }),
  DISCORD_GUILD_ID: optional.refine((v) => v === undefined || /^\d{15,22}$/.test(v), {
    message: 'DISCORD_GUILD_ID must be a server id (digits). Enable Developer Mode, right-click the server, Copy Server ID.',
  }),
  DISCORD_API_BASE: httpUrl('DISCORD_API_BASE', 'https://discord.com/api'),
  DISCORD_SHARDS: optional.refine((v) => v === undefined || v.toLowerCase() === 'auto' || (/^[1-9]\d*$/.test(v) && Number.isSafeInteger(Number(v))), {
    message: 'DISCORD_SHARDS must be auto (as many shards as Discord recommends) or a whole number of shards from 1, e.g. 2',
  }),
  TELEGRAM_BOT_TOKEN: optional.refine((v) => v === undefined || /^\d+:[\w-]{20,}$/.test(v), {
    message: 'TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then a long key). Ask @BotFather with /token.',
  }),
  TELEGRAM_API_ROOT: httpUrl('TELEGRAM_API_ROOT', 'https://api.telegram.org').refine((v) => v === undefined || !v.endsWith('/'), {
    message: 'TELEGRAM_API_ROOT must not end with a slash',
  }),
  TELEGRAM_WEBHOOK_URL: httpUrl('TELEGRAM_WEBHOOK_URL', 'https://bot.example.com/telegram/webhook'),
  // Telegram's own rule for secret_token; it travels in a header, so nothing else is allowed.
  TELEGRAM_WEBHOOK_SECRET: optional.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    message: 'TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram\'s rule), e.g. from `openssl rand -hex 32`',
  }),
  PROVIDERS: optional,
  FAL_KEY: optional,
  FAL_QUEUE_URL: httpUrl('FAL_QUEUE_URL', 'https://queue.fal.run'),
  FAL_MODEL: optional,
  FAL_TEXT_MODEL: optional,
  FAL_RESOLUTION: optional.refine((v) => v === undefined || /^(0\.5|1|2|4)K$/.test(v), {
    message: 'FAL_RESOLUTION must be one of 0.5K, 1K, 2K, 4K',
  }),
  FAL_JWKS_URL: httpUrl('FAL_JWKS_URL', 'https://rest.alpha.fal.ai/.well-known/jwks.json'),
  CHAINHUB_API_KEY: optional,
  CHAINHUB_BASE_URL: httpUrl('CHAINHUB_BASE_URL', 'https://api.chainhub.tech'),
  CHAINHUB_MODEL: optional,
  CHAINHUB_TEXT_MODEL: optional,
  SINANCODE_API_KEY: optional,
  SINANCODE_BASE_URL: httpUrl('SINANCODE_BASE_URL', 'https://api.sinancode.com'),
  NANOBANANAAPI_API_KEY: optional,
  NANOBANANAAPI_BASE_URL: httpUrl('NANOBANANAAPI_BASE_URL', 'https://api.nanobananaapi.ai'),
  NANOBANANAAPI_WATERMARK: optional,
  GEMINI_API_KEY: optional,
  GEMINI_BASE_URL: httpUrl('GEMINI_BASE_URL', 'https://generativelanguage.googleapis.com'),
  GEMINI_MODEL: optional.refine((v) => v === undefined || /^[\w.-]+$/.test(v), {
    message: 'GEMINI_MODEL must be a model id such as gemini-2.5-flash-image',
  }),
  PUBLIC_URL: httpUrl('PUBLIC_URL', 'https://bot.example.com'),
  HTTP_PORT: optional.refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) <= 65535), {
    message: 'HTTP_PORT must be a port number from 0 to 65535 (0 picks a free port)',
  }),
  STORE_URL: optional,
  QUOTA_LIMIT: optional.refine((v) => v === undefined || /^\d+$/.test(v), {
    message: 'QUOTA_LIMIT must be a whole number of images (0 or more), e.g. 10',
  }),
  QUOTA_WINDOW: optional.refine((v) => v === undefined || (WINDOW_KINDS as readonly string[]).includes(v), {
    message: `QUOTA_WINDOW must be one of ${WINDOW_KINDS.join(', ')}`,
  }),
  QUOTA_TIMEZONE: optional.refine((v) => v === undefined || isValidTimeZone(v), {
    message: 'QUOTA_TIMEZONE must be an IANA time zone such as UTC or Europe/Berlin',
  }),
  BOT_OWNERS: optional.refine((v) => v === undefined || v.split(',').every((o) => /^(discord|telegram):\d+$/.test(o.trim())), {
    message: 'BOT_OWNERS must be a comma-separated list like discord:1234,telegram:5678',
  }),
  JOB_TIMEOUT: wholeNumber('JOB_TIMEOUT', 1, 86_400, 'seconds a job may take from request to results, e.g. 600 (10 minutes)'),
  MAX_JOBS_PER_USER: wholeNumber('MAX_JOBS_PER_USER', 0, 1000, 'jobs one user may have running at once, e.g. 2 (0: no limit)'),
  USER_COOLDOWN: optional.refine((v) => v === undefined || (/^\d+(\.\d{1,3})?$/.test(v) && Number(v) <= 3600), {
    message: 'USER_COOLDOWN must be the seconds between two requests of one user, from 0 (off) to 3600, e.g. 3 or 1.5',
  }),
  DOWNLOAD_ALLOWED_HOSTS: optional.refine((v) => v === undefined || hostList(v).every(isHostPattern), {
    message:
      'DOWNLOAD_ALLOWED_HOSTS must be a comma-separated list of host names (not URLs), each optionally with :port or starting with *. for ' +
      'any subdomain, e.g. images.example.com,*.cdn.example.net,127.0.0.1:9000',
  }),
  LOG_LEVEL: optional.refine((v) => v === undefined || (LOG_LEVELS as readonly string[]).includes(v), {
    message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`,
  }),
});

export type EnvValues = Partial<Record<keyof z.infer<typeof envSchema>, string | undefined>>;

/** A comma-separated list, trimmed, without empty entries. */
export function hostList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}

/** The raw values with empty strings dropped, for cross-checks when some field failed its own check. */
export function safeValues(env: Readonly<Record<string, string | undefined>>): EnvValues {
  const out: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key]?.trim();
    if (v) out[key] = v;
  }
  return out;
}
