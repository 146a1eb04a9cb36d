import { isIP } from 'node:net';
import { isPrivateAddress } from './private-address.ts';

/**
 * Where downloads (input images, provider results) may come from. A plain value, built once from
 * the configuration (src/app.ts) and passed to every download.
 *
 * Host patterns: `host` (any port), `host:port`, `*.domain` (any subdomain of domain, not domain
 * itself), `[ipv6]` or `[ipv6]:port`. Names compare case-insensitively.
 */
export interface DownloadPolicy {
  /**
   * Hosts downloads may come from when they resolve to public addresses only (the platforms' CDNs,
   * the providers' result hosts); `any`: every host, still on public addresses only.
   */
  readonly publicHosts: readonly string[] | 'any';
  /**
   * Hosts the operator configured (the base URLs of the configuration, DOWNLOAD_ALLOWED_HOSTS): on
   * any address, loopback and private included, so a local Bot API server or a test fake works.
   */
  readonly configuredHosts: readonly string[];
}

/** With no policy given: any host, on public addresses only. */
export const DEFAULT_DOWNLOAD_POLICY: DownloadPolicy = { publicHosts: 'any', configuredHosts: [] };

export type DownloadVerdict =
  | { readonly allowed: true; /** Whether private and loopback addresses may be reached. */ readonly anyAddress: boolean }
  | { readonly allowed: false; readonly reason: string };

/**
 * Whether `url` may be downloaded under `policy`. The host is judged here; a name's addresses are
 * judged again when the connection is made (see publicOnlyLookup). Reasons name the host, never the
 * path: a Telegram file URL holds the bot token in its path.
 */
export function judgeDownload(policy: DownloadPolicy, url: URL): DownloadVerdict {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { allowed: false, reason: `refused ${url.protocol} URL` };
  const host = hostnameOf(url);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (policy.configuredHosts.some((pattern) => matchesHost(pattern, host, port))) return { allowed: true, anyAddress: true };
  const listed = policy.publicHosts === 'any' || policy.publicHosts.some((pattern) => matchesHost(pattern, host, port));
  if (!listed) return { allowed: false, reason: `${host} is not an allowed download host (DOWNLOAD_ALLOWED_HOSTS adds one)` };
  // An address written in the URL is never looked up, so it is checked here rather than at connect.
  const literal = host.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0 && isPrivateAddress(literal)) return { allowed: false, reason: `${host} is a private or loopback address` };
  return { allowed: true, anyAddress: false };
}

/** Whether `text` is a host pattern this module understands (for checking DOWNLOAD_ALLOWED_HOSTS). */
export function isHostPattern(text: string): boolean {
  const { host, port } = splitPattern(text.trim().toLowerCase());
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return false;
  if (host.startsWith('[')) return host.endsWith(']') && isIP(host.slice(1, -1)) === 6;
  return /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host);
}

/** The pattern that matches exactly the host and port of `url` (for the base URLs of the configuration). */
export function hostPatternOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname.toLowerCase()}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
}

function matchesHost(pattern: string, host: string, port: string): boolean {
  const parts = splitPattern(pattern.trim().toLowerCase());
  if (parts.port !== undefined && parts.port !== port) return false;
  const name = parts.host.replace(/\.$/, '');
  if (name.startsWith('*.')) return host.endsWith(name.slice(1));
  return host === name;
}

/** `host[:port]`, with `[v6]` kept in brackets as URL.hostname writes it. */
function splitPattern(pattern: string): { host: string; port?: string | undefined } {
  if (pattern.startsWith('[')) {
    const end = pattern.indexOf(']');
    if (end < 0) return { host: pattern };
    const rest = pattern.slice(end + 1);
    return { host: pattern.slice(0, end + 1), port: rest.startsWith(':') ? rest.slice(1) : rest === '' ? undefined : rest };
  }
  const colon = pattern.lastIndexOf(':');
  return colon < 0 ? { host: pattern } : { host: pattern.slice(0, colon), port: pattern.slice(colon + 1) };
}

/** Lower case, without a trailing dot; IPv6 keeps its brackets (as URL.hostname writes it). */
function hostnameOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.$/, '');
}

/**
 * The policy with one more configured host: the host of a base URL the adapter itself talks to (the
 * Telegram API root, the Discord API base), so a local Bot API server or a loopback fake works.
 */
export function withConfiguredHost(policy: DownloadPolicy, baseUrl: string): DownloadPolicy {
  const host = hostPatternOf(baseUrl);
  return policy.configuredHosts.includes(host) ? policy : { ...policy, configuredHosts: [...policy.configuredHosts, host] };
}
