import { Agent, request, type Dispatcher } from 'undici';
import { BotError } from '../errors.ts';
import { DEFAULT_DOWNLOAD_POLICY, judgeDownload, type DownloadPolicy } from '../http/download-policy.ts';
import { PrivateAddressError, publicOnlyLookup } from '../http/private-address.ts';
import { discardBody, transportCodeOf } from '../http/request.ts';

/** An input image download that takes longer than this is given up. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 30_000;

export interface DownloadOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Sent as is to the URL's own origin (never to a redirect's other origin); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Redirects followed at most (default 3); each one is judged by the policy like the first URL. */
  readonly maxRedirects?: number;
  /** Which hosts and addresses may be reached; pass App.downloadPolicy. Default: any host, public addresses only. */
  readonly policy?: DownloadPolicy | undefined;
}

/** Connections for hosts that must be on public addresses: their names are checked as they connect. */
let publicOnlyAgent: Agent | undefined;
function publicOnlyDispatcher(): Dispatcher {
  publicOnlyAgent ??= new Agent({ connect: { lookup: publicOnlyLookup } });
  return publicOnlyAgent;
}

/**
 * Downloads bytes from a host the policy allows, with a byte cap (checked against Content-Length
 * first, then while streaming), an overall timeout, and redirects judged hop by hop. Errors never
 * include the URL: a Telegram file URL holds the bot token.
 */
export async function downloadBytes(url: string, options: DownloadOptions): Promise<Buffer> {
  const policy = options.policy ?? DEFAULT_DOWNLOAD_POLICY;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const first = safeUrl(url);
  if (!first) throw new BotError('DOWNLOAD_FAILED', 'download refused: not a URL');
  let current = first;
  const origin = current.origin;
  for (let hop = 0; ; hop++) {
    const verdict = judgeDownload(policy, current);
    if (!verdict.allowed) throw new BotError('DOWNLOAD_FAILED', `download refused: ${verdict.reason}`);
    let res;
    try {
      res = await request(current, {
        method: 'GET',
        headers: current.origin === origin ? options.headers : undefined,
        signal,
        dispatcher: verdict.anyAddress ? undefined : publicOnlyDispatcher(),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (isPrivateAddressRefusal(error)) throw new BotError('DOWNLOAD_FAILED', `download refused: ${(error as Error).message}`);
      const code = timeout.aborted ? 'ETIMEDOUT' : transportCodeOf(error);
      throw new BotError('DOWNLOAD_FAILED', `download failed: ${code}`);
    }
    if (res.statusCode >= 300 && res.statusCode < 400) {
      await res.body.dump();
      const location = res.headers.location;
      const next = typeof location === 'string' ? safeUrl(location, current) : undefined;
      if (!next || hop >= (options.maxRedirects ?? 3)) {
        throw new BotError('DOWNLOAD_FAILED', `refused redirect (status ${res.statusCode})`);
      }
      current = next;
      continue;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new BotError('DOWNLOAD_FAILED', `download answered HTTP ${res.statusCode}`);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      discardBody(res.body);
      throw new BotError('IMAGE_TOO_LARGE', `declared ${declared} bytes exceeds ${options.maxBytes}`);
    }
    return readCapped(res.body, options, timeout);
  }
}

async function readCapped(body: Dispatcher.ResponseData['body'], options: DownloadOptions, timeout: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > options.maxBytes) {
        discardBody(body);
        throw new BotError('IMAGE_TOO_LARGE', `download exceeds ${options.maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof BotError) throw error;
    if (options.signal?.aborted) throw options.signal.reason;
    throw new BotError('DOWNLOAD_FAILED', `download interrupted: ${timeout.aborted ? 'ETIMEDOUT' : transportCodeOf(error)}`);
  }
  return Buffer.concat(chunks, total);
}

function safeUrl(location: string, base?: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/** undici wraps the lookup's error; the refusal may be the error itself or its cause. */
function isPrivateAddressRefusal(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof PrivateAddressError) return true;
  return false;
}
