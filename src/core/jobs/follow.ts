import { isBotError } from '../errors.ts';
import type { Provider, ProviderStatus, Submission } from '../providers/provider.ts';
import type { ProgressEvent } from './types.ts';
import { Wakeup } from './wakeup.ts';

export interface PollPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = { initialMs: 500, maxMs: 5000, factor: 1.5 };

/**
 * When a callback is expected, polling only guards against one that never arrives: it starts late and
 * stays rare, so a 20-second job costs a handful of requests instead of dozens.
 */
export const PUSH_FALLBACK_POLICY: PollPolicy = { initialMs: 15_000, maxMs: 60_000, factor: 2 };

export type FinalStatus = Extract<ProviderStatus, { state: 'completed' | 'failed' }>;

export interface FollowOptions {
  readonly policy: PollPolicy;
  readonly signal: AbortSignal;
  readonly onProgress: (event: ProgressEvent) => Promise<void>;
  readonly onStatusError: (error: unknown) => void;
  /** Set when the provider will call back: polling then waits for the callback (woken early by it). */
  readonly pushed?: { readonly wakeup: Wakeup; readonly policy?: PollPolicy } | undefined;
}

/**
 * Follows a submitted request to its end by the fastest means available: the callback when one is
 * expected, else the provider's status stream, else polling with backoff; polling is always the
 * fallback. A progress event is emitted only when the state (or queue position) changed. A status
 * call that keeps failing is logged and tried again: once a provider has accepted a job, its result
 * is awaited until the job's deadline.
 */
export async function followUntilDone(provider: Provider, submission: Submission, options: FollowOptions): Promise<FinalStatus> {
  const progress = progressReporter(options.onProgress);
  if (provider.watch && !options.pushed) {
    const final = await followStream(provider, submission, options, progress);
    if (final) return final;
  }
  return poll(provider, submission, options, progress);
}

/** The stream's final status, or null when it ended early or failed (polling takes over). */
async function followStream(
  provider: Provider,
  submission: Submission,
  options: FollowOptions,
  progress: (status: ProviderStatus) => Promise<boolean>,
): Promise<FinalStatus | null> {
  try {
    for await (const status of provider.watch!(submission, options.signal)) {
      if (status.state === 'completed' || status.state === 'failed') return status;
      await progress(status);
    }
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    options.onStatusError(error);
  }
  return null;
}

async function poll(
  provider: Provider,
  submission: Submission,
  options: FollowOptions,
  progress: (status: ProviderStatus) => Promise<boolean>,
): Promise<FinalStatus> {
  const policy = options.pushed ? (options.pushed.policy ?? PUSH_FALLBACK_POLICY) : options.policy;
  const wakeup = options.pushed?.wakeup ?? new Wakeup();
  let delay = policy.initialMs;
  // With a callback coming there is nothing to learn from an immediate poll.
  let due = !options.pushed;
  for (;;) {
    if (due) {
      let status: ProviderStatus | undefined;
      try {
        status = await provider.status(submission, options.signal);
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason;
        if (isBotError(error) && error.code === 'PROVIDER_FAILED') throw error;
        options.onStatusError(error);
      }
      if (status?.state === 'completed' || status?.state === 'failed') return status;
      if (status && (await progress(status))) delay = policy.initialMs;
    }
    const woken = await wakeup.sleep(delay, options.signal);
    if (!woken) delay = Math.min(delay * policy.factor, policy.maxMs);
    due = true;
  }
}

/** Emits a progress event for a status only when it differs from the last one emitted. */
function progressReporter(onProgress: (event: ProgressEvent) => Promise<void>): (status: ProviderStatus) => Promise<boolean> {
  let lastKey = '';
  return async (status: ProviderStatus): Promise<boolean> => {
    if (status.state !== 'queued' && status.state !== 'running') return false;
    const event: ProgressEvent = status.state === 'queued' ? { type: 'queued', position: status.position } : { type: 'running' };
    const key = event.type === 'queued' ? `queued:${event.position ?? ''}` : event.type;
    if (key === lastKey) return false;
    lastKey = key;
    await onProgress(event);
    return true;
  };
}
