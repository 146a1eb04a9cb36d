import { request } from 'undici';
import { BotError } from '../errors.ts';
import { discardBody, transportCodeOf } from '../http/request.ts';

/** An input image download that takes longer than this is given up. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 30_000;

export interface DownloadOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Sent as is; never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Same-host redirects followed at most; redirects to another host are refused. */
  readonly maxRedirects?: number;
}

/**
 * Downloads bytes with a byte cap (checked against Content-Length first, then while streaming),
 * an overall timeout, and no redirects to other hosts. Errors never include the URL: a Telegram
 * file URL holds the bot token.
 */
export async function downloadBytes(url: string, options: DownloadOptions): Promise<Buffer> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = new URL(url);
  if (current.protocol !== 'https:' && current.protocol !== 'http:') {
    throw new BotError('DOWNLOAD_FAILED', `refused ${current.protocol} URL`);
  }
  const origin = current.origin;
  for (let hop = 0; ; hop++) {
    let res;
    try {
      res = await request(current, { method: 'GET', headers: options.headers, signal });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const code = timeout.aborted ? 'ETIMEDOUT' : transportCodeOf(error);
      throw new BotError('DOWNLOAD_FAILED', `download failed: ${code}`);
    }
    if (res.statusCode >= 300 && res.statusCode < 400) {
      await res.body.dump();
      const location = res.headers.location;
      const next = typeof location === 'string' ? new URL(location, current) : undefined;
      if (!next || next.origin !== origin || hop >= (options.maxRedirects ?? 3)) {
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
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > options.maxBytes) {
          discardBody(res.body);
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
}
