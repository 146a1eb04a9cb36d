import type { Commands } from '../../commands/commands.ts';
import type { DeliveryTarget } from '../../core/jobs/types.ts';
import { createReplyContext, type ReplyContextDeps, type TelegramReplyContext } from './context.ts';
import { parseTelegramTarget } from './delivery-target.ts';
import { describeError } from './errors.ts';
import type { InFlight } from './inflight.ts';

/** How often the bot looks for jobs no live process runs (another process crashed or stopped). */
export const DEFAULT_RESUME_INTERVAL_MS = 5_000;

/**
 * A context for a job this process did not start, rebuilt from its stored target after a restart: it
 * edits the status message the earlier process sent (a new one if that is gone), shows the chat
 * action again while the job runs, and delivers the result as a reply to the user's message with the
 * same buttons as a live request. Undefined for a target it cannot read (the job is then refunded).
 */
export function contextFromTarget(target: DeliveryTarget, deps: ReplyContextDeps): TelegramReplyContext | undefined {
  const stored = parseTelegramTarget(target);
  if (!stored) {
    deps.logger.warn({ platform: target.platform }, 'telegram: a stored job target is unreadable; the job will be refunded');
    return undefined;
  }
  const { platform: _platform, statusMessageId, ...conversation } = stored;
  return createReplyContext(conversation, deps, statusMessageId);
}

export interface ResumeSweepOptions {
  readonly commands: Commands;
  readonly deps: ReplyContextDeps;
  /** Where each sweep is kept, so that stopping the bot waits for the jobs it resumed. */
  readonly inFlight: InFlight;
  readonly intervalMs: number;
}

/**
 * Resumes this platform's stranded jobs now, then every `intervalMs`, so that the jobs of a process
 * that crashed are taken over within about one lease plus one interval. A sweep lasts as long as the
 * jobs it picked up, so sweeps overlap; each job is still resumed once (the core leases it).
 * `stop()` ends the timer; the sweeps under way run on until their jobs end or are suspended.
 */
export function startResumeSweep(options: ResumeSweepOptions): { stop(): void } {
  const { commands, deps, inFlight } = options;
  const contextFor = (target: DeliveryTarget) => contextFromTarget(target, deps);
  let stopped = false;
  const sweep = (): void => {
    if (stopped) return;
    // Async, so that even a synchronous throw ends up in the handler rather than in the timer.
    const resuming = (async () => commands.resume('telegram', contextFor))();
    inFlight.track(resuming, (error) =>
      deps.logger.warn({ err: describeError(error, deps.token) }, 'telegram: resuming unfinished jobs failed; trying again shortly'),
    );
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs);
  // Polling or the webhook keeps the process alive; this timer alone must not.
  timer.unref?.();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
