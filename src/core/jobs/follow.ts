import { setTimeout as sleep } from 'node:timers/promises';
import { isBotError } from '../errors.ts';
import type { Provider, ProviderStatus, Submission } from '../providers/provider.ts';
import type { ProgressEvent } from './types.ts';

export interface PollPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = { initialMs: 500, maxMs: 5000, factor: 1.5 };

/**
 * Polls a submitted job with backoff until it completes or fails, emitting a progress event only
 * when the state (or queue position) changed. A status call that keeps failing is logged and polled
 * again: once a provider has accepted a job, its result is awaited until the job's deadline.
 */
export async function followUntilDone(
  provider: Provider,
  submission: Submission,
  options: {
    policy: PollPolicy;
    signal: AbortSignal;
    onProgress: (event: ProgressEvent) => Promise<void>;
    onStatusError: (error: unknown) => void;
  },
): Promise<Extract<ProviderStatus, { state: 'completed' | 'failed' }>> {
  let delay = options.policy.initialMs;
  let lastKey = '';
  for (;;) {
    let status: ProviderStatus | undefined;
    try {
      status = await provider.status(submission, options.signal);
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      if (isBotError(error) && error.code === 'PROVIDER_FAILED') throw error;
      options.onStatusError(error);
    }
    if (status?.state === 'completed' || status?.state === 'failed') return status;
    if (status) {
      const event: ProgressEvent = status.state === 'queued' ? { type: 'queued', position: status.position } : { type: 'running' };
      const key = event.type === 'queued' ? `queued:${event.position ?? ''}` : event.type;
      if (key !== lastKey) {
        lastKey = key;
        delay = options.policy.initialMs;
        await options.onProgress(event);
      }
    }
    await sleep(delay, undefined, { signal: options.signal });
    delay = Math.min(delay * options.policy.factor, options.policy.maxMs);
  }
}
