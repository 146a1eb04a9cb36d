import { requestJson, TransportError, type JsonRequest, type JsonResponse } from '../http/request.ts';
import { withRetry, type RetryPolicy } from '../http/retry.ts';

export type FalCall = 'submit' | 'status' | 'result' | 'cancel';

/** The official client's defaults (reference §1.13). */
export const FAL_RETRY_DEFAULTS: Readonly<Record<FalCall, RetryPolicy>> = {
  submit: { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 60_000 },
  result: { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 60_000 },
  status: { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 30_000 },
  cancel: { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
};

const GATEWAY = [429, 502, 503, 504];
const RETRY_STATUSES: Readonly<Record<FalCall, ReadonlySet<number>>> = {
  submit: new Set(GATEWAY),
  result: new Set(GATEWAY),
  // A status poll changes nothing, so a plain 500 is worth another try too (as fal-js does).
  status: new Set([...GATEWAY, 500]),
  cancel: new Set(GATEWAY),
};

/**
 * Transport failures that prove the submit never reached fal. A reset or timeout after the body was
 * sent may already have created a paid job, so submit does not repeat those.
 */
const NOTHING_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNTIMEOUT']);

export function headerValue(headers: JsonResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function isRetryableStatus(call: FalCall, res: Pick<JsonResponse, 'status' | 'headers'>): boolean {
  if (!RETRY_STATUSES[call].has(res.status)) return false;
  // The caller's own start deadline expired: asking again would only expire again (fal-js `isUserTimeout`).
  return !(res.status === 504 && headerValue(res.headers, 'x-fal-request-timeout-type') === 'user');
}

export function isRetryableTransport(call: FalCall, transportCode: string): boolean {
  // An oversized answer will be oversized again.
  if (transportCode === 'BODY_TOO_LARGE') return false;
  return call === 'submit' ? NOTHING_SENT.has(transportCode) : true;
}

/** A numeric `Retry-After` (seconds) in milliseconds; HTTP dates and junk are ignored. */
export function retryAfterMs(headers: JsonResponse['headers']): number | undefined {
  const raw = headerValue(headers, 'retry-after')?.trim();
  if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw)) return undefined;
  return Math.round(Number(raw) * 1000);
}

/** Carries a response worth repeating through `withRetry`; unwrapped again when retries run out. */
class RetryableResponse extends Error {
  readonly response: JsonResponse;
  constructor(response: JsonResponse) {
    super(`HTTP ${response.status}`);
    this.response = response;
  }
}

/**
 * One fal call with the retry rules of its kind. Resolves with the final response whatever its
 * status (the caller maps it); throws TransportError when the network failed for good, or the
 * signal's reason when aborted (also during a backoff sleep).
 */
export async function falRequest(call: FalCall, req: JsonRequest, policy: RetryPolicy): Promise<JsonResponse> {
  try {
    return await withRetry(
      async () => {
        const res = await requestJson(req);
        if (isRetryableStatus(call, res)) throw new RetryableResponse(res);
        return res;
      },
      {
        policy,
        signal: req.signal,
        isRetryable: (error) =>
          error instanceof RetryableResponse ||
          (error instanceof TransportError && isRetryableTransport(call, error.transportCode)),
        retryAfterMs: (error) => (error instanceof RetryableResponse ? retryAfterMs(error.response.headers) : undefined),
      },
    );
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (error instanceof RetryableResponse) return error.response;
    throw error;
  }
}
