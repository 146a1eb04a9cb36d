import { z } from 'zod';
import { isValidTimeZone, WINDOW_KINDS, type WindowKind } from './core/quota/window.ts';
import { parseStoreUrl } from './core/store/open.ts';

export const PROVIDER_NAMES = ['fal', 'chainhub', 'sinancode', 'nanobananaapi', 'gemini'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
/** Providers that only take images as URLs: Telegram photos reach them through the bot's own PUBLIC_URL. */
const URL_INPUT_PROVIDERS: readonly ProviderName[] = ['sinancode', 'nanobananaapi'];
/** The environment variable holding each provider's key, and where to get one. */
const PROVIDER_KEYS: Readonly<Record<ProviderName, { readonly variable: string; readonly where: string }>> = {
  fal: { variable: 'FAL_KEY', where: 'create a key at https://fal.ai/dashboard/keys' },
  chainhub: { variable: 'CHAINHUB_API_KEY', where: 'from your ChainHub console' },
  sinancode: { variable: 'SINANCODE_API_KEY', where: 'from your SinanCode console' },
  nanobananaapi: { variable: 'NANOBANANAAPI_API_KEY', where: 'from https://nanobananaapi.ai/api-key' },
  gemini: { variable: 'GEMINI_API_KEY', where: 'create a key at https://aistudio.google.com/apikey' },
};
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface AppConfig {
  readonly discord?: DiscordConfig | undefined;
  readonly telegram?: TelegramConfig | undefined;
  readonly providers: readonly ProviderName[];
  readonly fal?: FalConfig | undefined;
  readonly chainhub?: { readonly key: string; readonly baseUrl: string; readonly model: string; readonly textModel: string } | undefined;
  readonly sinancode?: { readonly key: string; readonly baseUrl: string } | undefined;
  readonly nanobananaapi?: { readonly key: string; readonly baseUrl: string; readonly watermark?: string | undefined } | undefined;
  readonly gemini?: { readonly key: string; readonly baseUrl: string; readonly model: string } | undefined;
  /** The HTTP server (health, provider callbacks, hosted inputs); absent when neither HTTP_PORT nor PUBLIC_URL is set. */
  readonly http?: { readonly port: number; readonly publicUrl?: string | undefined } | undefined;
  readonly storeUrl: string;
  readonly quota: { readonly limit: number; readonly window: WindowKind; readonly timeZone: string };
  readonly owners: ReadonlyArray<{ readonly platform: 'discord' | 'telegram'; readonly userId: string }>;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

export interface DiscordConfig {
  readonly token: string;
  readonly guildId?: string | undefined;
  readonly apiBase: string;
  /**
   * DISCORD_SHARDS: run discord.js's ShardingManager with this many shard processes (`auto`: as many as
   * Discord recommends). Absent: one client in this process.
   */
  readonly shards?: DiscordShards | undefined;
}

export type DiscordShards = 'auto' | number;

export interface TelegramConfig {
  readonly token: string;
  readonly apiRoot: string;
  /** Webhook mode instead of long polling: Telegram POSTs updates to `url` with `secret` in a header. */
  readonly webhook?: { readonly url: string; readonly secret: string } | undefined;
}

export interface FalConfig {
  readonly key: string;
  readonly queueUrl: string;
  readonly model: string;
  readonly textModel: string;
  readonly resolution?: string | undefined;
  readonly jwksUrl: string;
}

export type ConfigResult = { readonly ok: true; readonly config: AppConfig } | { readonly ok: false; readonly problems: readonly string[] };

/** Empty values count as unset: `DISCORD_TOKEN=` in a .env file means "no Discord". */
const optional = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().optional());

const httpUrl = (name: string, example: string) =>
  optional.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), {
    message: `${name} must be an http(s) URL such as ${example}`,
  });

// Messages never quote the value: several of these variables are secrets.
const envSchema = z.object({
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
  LOG_LEVEL: optional.refine((v) => v === undefined || (LOG_LEVELS as readonly string[]).includes(v), {
    message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`,
  }),
});

/**
 * Reads the configuration from an environment. Pure: no I/O, no defaults taken from anywhere else.
 * Reports every problem at once, each with how to fix it, and never quotes a secret.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const own = parsed.error.issues.map((issue) => issue.message);
    return { ok: false, problems: [...own, ...crossChecks(safeValues(env))] };
  }
  const e = parsed.data;
  const problems = crossChecks(e);
  if (problems.length > 0) return { ok: false, problems };

  // crossChecks has accepted every name by now.
  const providers = providerNames(e.PROVIDERS) as ProviderName[];
  const config: AppConfig = {
    discord: e.DISCORD_TOKEN
      ? {
          token: e.DISCORD_TOKEN,
          guildId: e.DISCORD_GUILD_ID,
          apiBase: e.DISCORD_API_BASE ?? 'https://discord.com/api',
          shards: discordShards(e.DISCORD_SHARDS),
        }
      : undefined,
    telegram: e.TELEGRAM_BOT_TOKEN
      ? {
          token: e.TELEGRAM_BOT_TOKEN,
          apiRoot: e.TELEGRAM_API_ROOT ?? 'https://api.telegram.org',
          // crossChecks has made sure the secret comes with the URL.
          webhook: e.TELEGRAM_WEBHOOK_URL ? { url: e.TELEGRAM_WEBHOOK_URL, secret: e.TELEGRAM_WEBHOOK_SECRET ?? '' } : undefined,
        }
      : undefined,
    providers,
    fal: e.FAL_KEY
      ? {
          key: e.FAL_KEY,
          queueUrl: trimUrl(e.FAL_QUEUE_URL ?? 'https://queue.fal.run'),
          model: e.FAL_MODEL ?? 'fal-ai/nano-banana/edit',
          textModel: e.FAL_TEXT_MODEL ?? 'fal-ai/nano-banana',
          resolution: e.FAL_RESOLUTION,
          jwksUrl: e.FAL_JWKS_URL ?? 'https://rest.alpha.fal.ai/.well-known/jwks.json',
        }
      : undefined,
    chainhub: e.CHAINHUB_API_KEY
      ? {
          key: e.CHAINHUB_API_KEY,
          baseUrl: trimUrl(e.CHAINHUB_BASE_URL ?? 'https://api.chainhub.tech'),
          model: e.CHAINHUB_MODEL ?? 'fal-ai/nano-banana/edit',
          textModel: e.CHAINHUB_TEXT_MODEL ?? 'fal-ai/nano-banana',
        }
      : undefined,
    sinancode: e.SINANCODE_API_KEY
      ? { key: e.SINANCODE_API_KEY, baseUrl: trimUrl(e.SINANCODE_BASE_URL ?? 'https://api.sinancode.com') }
      : undefined,
    nanobananaapi: e.NANOBANANAAPI_API_KEY
      ? {
          key: e.NANOBANANAAPI_API_KEY,
          baseUrl: trimUrl(e.NANOBANANAAPI_BASE_URL ?? 'https://api.nanobananaapi.ai'),
          watermark: e.NANOBANANAAPI_WATERMARK,
        }
      : undefined,
    gemini: e.GEMINI_API_KEY
      ? {
          key: e.GEMINI_API_KEY,
          baseUrl: trimUrl(e.GEMINI_BASE_URL ?? 'https://generativelanguage.googleapis.com'),
          model: e.GEMINI_MODEL ?? 'gemini-2.5-flash-image',
        }
      : undefined,
    // Webhook mode needs the server too: Telegram's POSTs arrive on it.
    http:
      e.HTTP_PORT !== undefined || e.PUBLIC_URL !== undefined || e.TELEGRAM_WEBHOOK_URL !== undefined
        ? { port: e.HTTP_PORT === undefined ? 8080 : Number(e.HTTP_PORT), publicUrl: e.PUBLIC_URL ? trimUrl(e.PUBLIC_URL) : undefined }
        : undefined,
    storeUrl: e.STORE_URL ?? 'sqlite://./data/bot.sqlite',
    quota: {
      limit: e.QUOTA_LIMIT === undefined ? 10 : Number(e.QUOTA_LIMIT),
      window: (e.QUOTA_WINDOW as WindowKind | undefined) ?? 'day',
      timeZone: e.QUOTA_TIMEZONE ?? 'UTC',
    },
    owners: (e.BOT_OWNERS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean)
      .map((o) => {
        const [platform, userId] = o.split(':') as ['discord' | 'telegram', string];
        return { platform, userId };
      }),
    logLevel: (e.LOG_LEVEL as AppConfig['logLevel'] | undefined) ?? 'info',
  };
  return { ok: true, config };
}

type EnvValues = Partial<Record<keyof z.infer<typeof envSchema>, string | undefined>>;

/** Problems that involve more than one variable. */
function crossChecks(e: EnvValues): string[] {
  const problems: string[] = [];
  if (!e.DISCORD_TOKEN && !e.TELEGRAM_BOT_TOKEN) {
    problems.push('Set TELEGRAM_BOT_TOKEN (from @BotFather) and/or DISCORD_TOKEN (Developer Portal → Bot): no chat platform is enabled.');
  }
  problems.push(...webhookChecks(e), ...shardChecks(e));
  const names = providerNames(e.PROVIDERS);
  if (names.length === 0) problems.push('PROVIDERS must name at least one provider, e.g. fal');
  const seen = new Set<string>();
  for (const name of names) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(name)) {
      problems.push(`PROVIDERS: unknown provider "${name}"; known: ${PROVIDER_NAMES.join(', ')}`);
      continue;
    }
    if (seen.has(name)) problems.push(`PROVIDERS names "${name}" twice`);
    seen.add(name);
    const key = PROVIDER_KEYS[name as ProviderName];
    if (!e[key.variable as keyof EnvValues]) problems.push(`${key.variable} is required when PROVIDERS includes ${name}: ${key.where}`);
    if (URL_INPUT_PROVIDERS.includes(name as ProviderName) && e.TELEGRAM_BOT_TOKEN && !e.PUBLIC_URL) {
      problems.push(
        `PUBLIC_URL is required when PROVIDERS includes ${name} and Telegram is enabled: ${name} only takes images as URLs, ` +
          'and a Telegram file URL contains the bot token, so the bot serves the images itself under PUBLIC_URL',
      );
    }
  }
  if (e.STORE_URL) {
    try {
      parseStoreUrl(e.STORE_URL, '/');
    } catch (error) {
      problems.push(`STORE_URL ${(error as Error).message}`);
    }
  }
  return problems;
}

/** TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET come together, and only with Telegram enabled. */
function webhookChecks(e: EnvValues): string[] {
  const problems: string[] = [];
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_WEBHOOK_SECRET) {
    problems.push(
      'TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL: without it anyone who guesses the URL could post fake ' +
        'updates. Pick 1 to 256 characters of A-Z, a-z, 0-9, _ and -, e.g. from `openssl rand -hex 32`',
    );
  }
  if (e.TELEGRAM_WEBHOOK_SECRET && !e.TELEGRAM_WEBHOOK_URL) {
    problems.push('TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_WEBHOOK_URL is not: set the URL for webhook mode, or remove the secret for long polling');
  }
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_BOT_TOKEN) {
    problems.push('TELEGRAM_WEBHOOK_URL needs TELEGRAM_BOT_TOKEN: the webhook is for the Telegram bot');
  }
  return problems;
}

/** Shard processes need Discord, and a store they all share: each process has its own memory. */
function shardChecks(e: EnvValues): string[] {
  if (!e.DISCORD_SHARDS) return [];
  const problems: string[] = [];
  if (!e.DISCORD_TOKEN) problems.push('DISCORD_SHARDS needs DISCORD_TOKEN: the shards are Discord gateway connections');
  if (e.STORE_URL === 'memory://' || e.STORE_URL === 'memory:') {
    problems.push(
      'DISCORD_SHARDS needs a store the shard processes share: STORE_URL=sqlite://… (one machine) or redis://…, not memory:// ' +
        '(every process would count quotas on its own)',
    );
  }
  return problems;
}

function discordShards(value: string | undefined): DiscordShards | undefined {
  if (value === undefined) return undefined;
  return value.toLowerCase() === 'auto' ? 'auto' : Number(value);
}

function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** PROVIDERS as a list of names, `fal` when unset. */
function providerNames(value: string | undefined): string[] {
  return (value ?? 'fal').split(',').map((n) => n.trim()).filter(Boolean);
}

/** The raw values with empty strings dropped, for cross-checks when some field failed its own check. */
function safeValues(env: Readonly<Record<string, string | undefined>>): EnvValues {
  const out: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key]?.trim();
    if (v) out[key] = v;
  }
  return out;
}

/** One message for the operator listing every problem. */
export function formatConfigProblems(problems: readonly string[]): string {
  return [`The bot cannot start: ${problems.length} configuration problem(s). Fix them in .env or the environment:`, ...problems.map((p) => `  - ${p}`)].join('\n');
}
