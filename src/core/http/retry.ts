import { setTimeout as sleep } from 'node:timers/promises';

/** Exponential backoff with ±25 % jitter, as the official fal client does (reference §1.13). */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const delay = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
  return Math.round(delay * (0.75 + random() * 0.5));
}

/**
 * Runs `fn` until it succeeds, `isRetryable` says no, retries run out or `signal` aborts.
 * `retryAfterMs` lets an error name its own wait (a 429 with Retry-After).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    isRetryable: (error: unknown) => boolean;
    retryAfterMs?: (error: unknown) => number | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= options.policy.maxRetries || !options.isRetryable(error) || options.signal?.aborted) throw error;
      const wait = options.retryAfterMs?.(error) ?? backoffDelay(attempt, options.policy);
      await sleep(Math.min(wait, options.policy.maxDelayMs), undefined, { signal: options.signal });
    }
  }
}
