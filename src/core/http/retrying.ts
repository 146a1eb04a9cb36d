import { requestJson, TransportError, type JsonRequest, type JsonResponse } from './request.ts';
import { withRetry, type RetryPolicy } from './retry.ts';

/** When one provider call is worth repeating. */
export interface RetryRules {
  readonly policy: RetryPolicy;
  /** HTTP statuses worth another try (typically 429, 502, 503, 504). */
  readonly statuses: ReadonlySet<number>;
  /**
   * True for calls that change nothing (status, result, cancel). False for a submit: a reset or timeout
   * after the body was sent may already have created a paid job, so only failures that prove nothing
   * was sent are repeated.
   */
  readonly idempotent: boolean;
  /** A response that must not be repeated despite its status (fal's own start timeout, for example). */
  readonly isFinal?: (res: JsonResponse) => boolean;
}

/** Transport failures that prove the request never reached the server. */
const NOTHING_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNTIMEOUT']);

export function headerValue(headers: JsonResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function isRetryableTransport(rules: Pick<RetryRules, 'idempotent'>, transportCode: string): boolean {
  // An oversized answer will be oversized again.
  if (transportCode === 'BODY_TOO_LARGE') return false;
  return rules.idempotent || NOTHING_SENT.has(transportCode);
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
 * One JSON call with its retry rules. Resolves with the final response whatever its status (the
 * caller maps it); throws TransportError when the network failed for good, or the signal's reason
 * when aborted (also during a backoff sleep).
 */
export async function requestWithRetry(req: JsonRequest, rules: RetryRules): Promise<JsonResponse> {
  try {
    return await withRetry(
      async () => {
        const res = await requestJson(req);
        if (rules.statuses.has(res.status) && !rules.isFinal?.(res)) throw new RetryableResponse(res);
        return res;
      },
      {
        policy: rules.policy,
        signal: req.signal,
        isRetryable: (error) =>
          error instanceof RetryableResponse || (error instanceof TransportError && isRetryableTransport(rules, error.transportCode)),
        retryAfterMs: (error) => (error instanceof RetryableResponse ? retryAfterMs(error.response.headers) : undefined),
      },
    );
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (error instanceof RetryableResponse) return error.response;
    throw error;
  }
}
