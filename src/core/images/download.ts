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

/**
 * A download that failed in a way another try may mend: the connection broke, or the server
 * answered 429 or 5xx. Refusals, timeouts, 4xx and oversized files are plain BotErrors.
 */
export class TransientDownloadError extends BotError {
  constructor(message: string) {
    super('DOWNLOAD_FAILED', message);
  }
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
      if (timeout.aborted) throw new BotError('DOWNLOAD_FAILED', 'download failed: ETIMEDOUT');
      throw new TransientDownloadError(`download failed: ${transportCodeOf(error)}`);
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
      const message = `download answered HTTP ${res.statusCode}`;
      throw res.statusCode === 429 || res.statusCode >= 500 ? new TransientDownloadError(message) : new BotError('DOWNLOAD_FAILED', message);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      discardBody(res.body);
      throw new BotError('IMAGE_TOO_LARGE', `declared ${declared} bytes exceeds ${options.maxBytes}`);
    }
    return readCapped(res.body, options, timeout, declared);
  }
}

/**
 * The body, up to the cap. With a Content-Length the bytes go straight into one buffer of that size
 * as they arrive, rather than piling up as chunks and being copied once more at the end.
 */
async function readCapped(body: Dispatcher.ResponseData['body'], options: DownloadOptions, timeout: AbortSignal, declared: number): Promise<Buffer> {
  const into = Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  let filled = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (total + chunk.length > options.maxBytes) {
        discardBody(body);
        throw new BotError('IMAGE_TOO_LARGE', `download exceeds ${options.maxBytes} bytes`);
      }
      if (into && chunks.length === 0 && total + chunk.length <= into.length) filled += chunk.copy(into, total);
      else chunks.push(chunk);
      total += chunk.length;
    }
  } catch (error) {
    if (error instanceof BotError) throw error;
    if (options.signal?.aborted) throw options.signal.reason;
    if (timeout.aborted) throw new BotError('DOWNLOAD_FAILED', 'download interrupted: ETIMEDOUT');
    throw new TransientDownloadError(`download interrupted: ${transportCodeOf(error)}`);
  }
  if (!into) return Buffer.concat(chunks, total);
  // A server whose Content-Length was wrong: whatever arrived, in order.
  if (chunks.length > 0 || filled !== into.length) return Buffer.concat([into.subarray(0, filled), ...chunks]);
  return into;
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
