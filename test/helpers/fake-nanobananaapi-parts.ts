import type { ServerResponse } from 'node:http';

/**
 * Pieces of the nanobananaapi fake that are plain functions: answers, submit validation as the docs
 * describe it (seed 004), and the callbacks a finished task sends (reference §3).
 */

export const TYPES = ['IMAGETOIAMGE', 'TEXTTOIAMGE'] as const;
export const IMAGE_SIZES = ['1:1', '9:16', '16:9', '3:4', '4:3', '3:2', '2:3', '5:4', '4:5', '21:9'];

/** An envelope answer; HTTP 200 unless told, because the API puts its verdict in `code`. */
export function envelope(res: ServerResponse, code: number, msg: string, data: unknown = null, http = 200): void {
  const text = JSON.stringify({ code, msg, data });
  res.writeHead(http, { 'content-type': 'application/json' });
  res.end(text);
}

/** Why a generate body is invalid, in the API's words (`code: 400`), or null. */
export function invalidSubmit(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'Parameter error: the body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.prompt !== 'string' || b.prompt.trim() === '') return 'prompt is required';
  if (!(TYPES as readonly unknown[]).includes(b.type)) return `type must be one of ${TYPES.join(', ')}`;
  if (b.numImages !== undefined && (!Number.isInteger(b.numImages) || (b.numImages as number) < 1 || (b.numImages as number) > 4)) {
    return 'numImages must be an integer from 1 to 4';
  }
  if (typeof b.callBackUrl !== 'string' || !URL.canParse(b.callBackUrl)) return 'callBackUrl is required and must be a URL';
  if (b.imageUrls !== undefined && (!Array.isArray(b.imageUrls) || b.imageUrls.some((u) => typeof u !== 'string' || !URL.canParse(u)))) {
    return 'imageUrls must be an array of URLs';
  }
  if (b.type === 'IMAGETOIAMGE' && (!Array.isArray(b.imageUrls) || b.imageUrls.length === 0)) return 'imageUrls is required for IMAGETOIAMGE';
  if (b.image_size !== undefined && !IMAGE_SIZES.includes(b.image_size as string)) return `image_size must be one of ${IMAGE_SIZES.join(', ')}`;
  if (b.watermark !== undefined && typeof b.watermark !== 'string') return 'watermark must be a string';
  return null;
}

/** Fetches an input image as the real service would; undefined when it cannot be had. */
export async function fetchInput(url: string): Promise<Buffer | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    const bytes = Buffer.from(await res.arrayBuffer());
    return bytes.length > 0 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/** Only loopback http URLs are called back: a test must never make the fake reach a real host. */
export function isLoopbackHttp(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(hostname);
}

/** The generate/edit callback body: success with `data.info.resultImageUrl`, failure without it. */
export function callbackBody(taskId: string, ending: { resultImageUrl: string } | { code: number; msg: string }): unknown {
  if ('resultImageUrl' in ending) {
    return { code: 200, msg: 'Image generated successfully.', data: { taskId, info: { resultImageUrl: ending.resultImageUrl } } };
  }
  return { code: ending.code, msg: ending.msg, data: { taskId, info: {} } };
}

export interface SentCallback {
  readonly taskId: string;
  readonly url: string;
  readonly body: unknown;
  /** The receiver's HTTP status, or undefined when the POST failed (`error` says how). */
  status?: number;
  error?: string;
}

/** POSTs a callback as the docs describe (JSON, 15 s timeout); records the outcome on `sent`. */
export async function postCallback(sent: SentCallback, signal: AbortSignal): Promise<void> {
  try {
    const res = await fetch(sent.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sent.body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
    });
    await res.arrayBuffer();
    sent.status = res.status;
  } catch (error) {
    sent.error = (error as Error).message;
  }
}

