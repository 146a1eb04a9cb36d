import type { WindowKind } from './core/quota/window.ts';

export const PROVIDER_NAMES = ['fal', 'chainhub', 'sinancode', 'nanobananaapi', 'gemini'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  readonly jobs: JobsConfig;
  /**
   * DOWNLOAD_ALLOWED_HOSTS: hosts the operator allows downloads from besides the platforms' and
   * providers' own, even on private addresses. `host`, `host:port` or `*.domain` (any subdomain).
   */
  readonly downloadAllowedHosts: readonly string[];
  readonly owners: ReadonlyArray<{ readonly platform: 'discord' | 'telegram'; readonly userId: string }>;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

/** Limits on jobs: their deadline and what one user may ask for at a time. */
export interface JobsConfig {
  /** JOB_TIMEOUT: from acceptance to results in hand; past it the job is cancelled and refunded. */
  readonly timeoutMs: number;
  /** MAX_JOBS_PER_USER: jobs one user may have in flight at once; 0 = no limit. */
  readonly maxJobsPerUser: number;
  /** USER_COOLDOWN: least time between two accepted requests of one user; 0 = none. */
  readonly userCooldownMs: number;
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
