import type { Logger } from '../../core/log.ts';
import { describeDiscordError } from './errors.ts';

/** How often the bot looks for jobs no live process runs (a crashed one's, once their lease lapsed). */
export const DEFAULT_RESUME_SWEEP_MS = 5_000;

export interface ResumeSweepOptions {
  /** One pass: Commands.resume for this platform. Resolves when the jobs it picked up have ended. */
  readonly resume: () => Promise<void>;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Kept out of logs (the bot token). */
  readonly secrets: readonly string[];
}

export interface ResumeSweep {
  /** No pass starts any more; resolves when the passes under way have ended. */
  stop(): Promise<void>;
}

/**
 * Runs a resume pass at once and then every `intervalMs`. A pass lasts as long as the jobs it picked
 * up (minutes, for a slow provider), so passes overlap: the next one must not wait for them, or a job
 * stranded meanwhile would wait too. Overlapping is safe because each job is taken under a lease that
 * this process keeps renewing, so a later pass never picks up a job an earlier one is running.
 */
export function startResumeSweep(options: ResumeSweepOptions): ResumeSweep {
  const passes = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pass = (): void => {
    if (stopped) return;
    // Through a promise, so that even a synchronous throw ends as a logged failure of this pass.
    const running: Promise<void> = Promise.resolve()
      .then(() => options.resume())
      .catch((error: unknown) => {
        // A store hiccup must not end the sweep: the next pass tries again.
        options.logger.error({ err: describeDiscordError(error, options.secrets) }, 'resuming unfinished jobs failed');
      })
      .finally(() => passes.delete(running));
    passes.add(running);
    timer = setTimeout(pass, options.intervalMs);
  };
  pass();
  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...passes]);
    },
  };
}
