import { crossChecks, providerNames } from './config-checks.ts';
import { envSchema, hostList, safeValues } from './config-schema.ts';
import type { AppConfig, ConfigResult, DiscordShards, ProviderName } from './config-types.ts';
import type { WindowKind } from './core/quota/window.ts';

export { PROVIDER_NAMES } from './config-types.ts';
export type { AppConfig, ConfigResult, DiscordConfig, DiscordShards, FalConfig, JobsConfig, ProviderName, TelegramConfig } from './config-types.ts';

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
    jobs: {
      timeoutMs: (e.JOB_TIMEOUT === undefined ? 600 : Number(e.JOB_TIMEOUT)) * 1000,
      maxJobsPerUser: e.MAX_JOBS_PER_USER === undefined ? 2 : Number(e.MAX_JOBS_PER_USER),
      userCooldownMs: Math.round((e.USER_COOLDOWN === undefined ? 3 : Number(e.USER_COOLDOWN)) * 1000),
    },
    downloadAllowedHosts: hostList(e.DOWNLOAD_ALLOWED_HOSTS),
    logLevel: (e.LOG_LEVEL as AppConfig['logLevel'] | undefined) ?? 'info',
  };
  return { ok: true, config };
}

function discordShards(value: string | undefined): DiscordShards | undefined {
  if (value === undefined) return undefined;
  return value.toLowerCase() === 'auto' ? 'auto' : Number(value);
}

function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Every secret value of a configuration, for the logger to scrub from any line (createLogger's
 * `secrets`): tokens, keys, the webhook secret and a store password. A Telegram token's key part is
 * listed on its own too, as it appears wherever the token is URL-encoded (the colon becomes %3A).
 */
export function secretsOf(config: AppConfig): string[] {
  const { telegram, discord, fal, chainhub, sinancode, nanobananaapi, gemini } = config;
  const secrets = [
    telegram?.token,
    telegram?.token.split(':')[1],
    telegram?.webhook?.secret,
    discord?.token,
    fal?.key,
    chainhub?.key,
    sinancode?.key,
    nanobananaapi?.key,
    gemini?.key,
    storePassword(config.storeUrl),
  ];
  return secrets.filter((secret): secret is string => secret !== undefined && secret !== '');
}

function storePassword(storeUrl: string): string | undefined {
  try {
    const password = new URL(storeUrl).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** One message for the operator listing every problem. */
export function formatConfigProblems(problems: readonly string[]): string {
  return [`The bot cannot start: ${problems.length} configuration problem(s). Fix them in .env or the environment:`, ...problems.map((p) => `  - ${p}`)].join('\n');
}
