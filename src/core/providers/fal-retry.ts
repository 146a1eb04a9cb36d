import type { JsonRequest, JsonResponse } from '../http/request.ts';
import { headerValue, requestWithRetry, type RetryRules } from '../http/retrying.ts';
import type { RetryPolicy } from '../http/retry.ts';

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

/** The caller's own start deadline expired: asking again would only expire again (fal-js `isUserTimeout`). */
function isUserTimeout(res: Pick<JsonResponse, 'status' | 'headers'>): boolean {
  return res.status === 504 && headerValue(res.headers, 'x-fal-request-timeout-type') === 'user';
}

export function isRetryableStatus(call: FalCall, res: Pick<JsonResponse, 'status' | 'headers'>): boolean {
  return RETRY_STATUSES[call].has(res.status) && !isUserTimeout(res);
}

export function falRules(call: FalCall, policy: RetryPolicy): RetryRules {
  return { policy, statuses: RETRY_STATUSES[call], idempotent: call !== 'submit', isFinal: isUserTimeout };
}

/** One fal call with the retry rules of its kind (see `requestWithRetry`). */
export async function falRequest(call: FalCall, req: JsonRequest, policy: RetryPolicy): Promise<JsonResponse> {
  return requestWithRetry(req, falRules(call, policy));
}
