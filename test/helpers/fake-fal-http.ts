import type { ServerResponse } from 'node:http';
import type { FalFailure } from './fake-fal-types.ts';

/** Small HTTP and image helpers of the loopback fal queue. */

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** Answers a scripted failure; a hanging one is left open until the fake closes its connections, a reset one is dropped. */
export function fail(res: ServerResponse, failure: FalFailure): void {
  if (failure.hang) return;
  if (failure.reset) {
    res.socket?.destroy();
    return;
  }
  if (failure.raw === undefined) return json(res, failure.status, failure.body ?? { detail: `HTTP ${failure.status}` }, failure.headers);
  res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
  res.end(failure.raw);
}

export function missing(res: ServerResponse, field: string): void {
  json(res, 422, { detail: [{ loc: ['body', field], msg: 'field required', type: 'value_error.missing' }] });
}

/** Only base64 data URIs: a plain URL here would mean a platform URL (maybe with a token) leaked to fal. */
export function decodeDataUri(uri: unknown): Buffer | undefined {
  if (typeof uri !== 'string') return undefined;
  const match = /^data:[a-z]+\/[a-z0-9.+-]+;base64,([A-Za-z0-9+/]+={0,2})$/i.exec(uri);
  if (!match) return undefined;
  const bytes = Buffer.from(match[1]!, 'base64');
  return bytes.length > 0 ? bytes : undefined;
}

export function mimeOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  return 'image/png';
}

export function extOf(bytes: Buffer): string {
  return mimeOf(bytes).slice('image/'.length).replace('jpeg', 'jpg');
}

export function pngSize(bytes: Buffer): { width?: number; height?: number } {
  if (mimeOf(bytes) !== 'image/png' || bytes.length < 24) return {};
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

