import type { AppConfig } from './config-types.ts';
import { hostPatternOf, type DownloadPolicy } from './core/http/download-policy.ts';

/** Where Discord serves attachments, and its media proxy (embed images go through it). */
const DISCORD_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];

/**
 * The download policy of this configuration: the platforms' file hosts and the providers' result
 * hosts on public addresses; and, on any address, what the operator configured — the host and port
 * of every base URL (so a local Bot API server or a loopback fake works) and DOWNLOAD_ALLOWED_HOSTS.
 * `resultHosts` are those the running providers declare (Provider.resultHosts).
 */
export function downloadPolicyOf(config: AppConfig, resultHosts: readonly string[]): DownloadPolicy {
  const { telegram, discord, fal, chainhub, sinancode, nanobananaapi, gemini } = config;
  const baseUrls = [
    telegram?.apiRoot,
    discord?.apiBase,
    fal?.queueUrl,
    fal?.jwksUrl,
    chainhub?.baseUrl,
    sinancode?.baseUrl,
    nanobananaapi?.baseUrl,
    gemini?.baseUrl,
  ].filter((url): url is string => url !== undefined);
  return {
    publicHosts: unique([...(discord ? DISCORD_CDN_HOSTS : []), ...resultHosts]),
    configuredHosts: unique([...baseUrls.map(hostPatternOf), ...config.downloadAllowedHosts]),
  };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
