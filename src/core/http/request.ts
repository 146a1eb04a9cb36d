import { encodeJson } from './json-body.ts';
import { request, errors as undiciErrors } from 'undici';

/** A failure below HTTP: connection refused or reset, DNS, TLS, a timeout. Never carries the URL. */
export class TransportError extends Error {
  readonly transportCode: string;
  constructor(transportCode: string, options?: { cause?: unknown }) {
    super(`transport error: ${transportCode}`, options);
    this.name = 'TransportError';
    this.transportCode = transportCode;
  }
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  readonly json: unknown;
  readonly text: string;
}

export interface JsonRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
  /** Largest body we read, default 2 MiB: a JSON answer never needs more. */
  readonly maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

/** One JSON request over undici. Throws TransportError below HTTP; any HTTP status is returned. */
export async function requestJson(req: JsonRequest): Promise<JsonResponse> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: Buffer | undefined;
  if (req.body !== undefined) {
    body = encodeJson(req.body);
    headers['content-type'] = 'application/json';
  }
  try {
    const res = await request(req.url, {
      method: req.method,
      headers,
      body,
      signal: req.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await readCapped(res.body, req.maxBytes ?? DEFAULT_MAX_BYTES);
    let json: unknown;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.statusCode, headers: res.headers, json, text };
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason ?? error;
    if (error instanceof TransportError) throw error;
    throw new TransportError(transportCodeOf(error), { cause: error });
  }
}

/** Stops reading a response body we do not want; the abort error it raises is expected. */
export function discardBody(body: { on(event: 'error', listener: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readCapped(body: Parameters<typeof discardBody>[0] & AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) {
      discardBody(body);
      throw new TransportError('BODY_TOO_LARGE');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function transportCodeOf(error: unknown): string {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return 'ETIMEDOUT';
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) return 'ECONNTIMEOUT';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}
