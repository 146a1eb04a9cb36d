import { autoRetry } from '@grammyjs/auto-retry';
import { HttpError, type Api, type Transformer } from 'grammy';

/** How long we wait for Telegram's flood control, and how often, before giving up on a call. */
const MAX_RETRY_ATTEMPTS = 3;
const MAX_RETRY_AFTER_SECONDS = 60;
/** Network failures (no HTTP answer) are retried this many times, after 1 s, then 3 s. */
const NETWORK_RETRY_DELAYS_MS = [1_000, 3_000];

/**
 * Bounded retries on every Bot API call. auto-retry honours `retry_after` (429) and backs off on 5xx,
 * but its defaults are unbounded, and even with `maxRetryAttempts` it retries network errors
 * (HttpError) forever; so it rethrows those and `boundedNetworkRetry` retries them a few times.
 */
export function installRetries(api: Api): void {
  api.config.use(
    autoRetry({ maxRetryAttempts: MAX_RETRY_ATTEMPTS, maxDelaySeconds: MAX_RETRY_AFTER_SECONDS, rethrowHttpErrors: true }),
    boundedNetworkRetry(NETWORK_RETRY_DELAYS_MS),
  );
}

export function boundedNetworkRetry(delaysMs: readonly number[]): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await prev(method, payload, signal);
      } catch (error) {
        const delay = delaysMs[attempt];
        // grammY's polling loop has its own retry for getUpdates, and an aborted call is meant to end.
        if (!(error instanceof HttpError) || delay === undefined || method === 'getUpdates' || signal?.aborted) {
          throw error;
        }
        await pause(delay, signal);
      }
    }
  };
}

/** The part of an abort signal we use: grammY passes its abort-controller polyfill, not a native one. */
interface AbortLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

function pause(ms: number, signal: AbortLike | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('Request aborted while waiting to retry'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
