import { BotError } from '../errors.ts';
import type { JobOutcome } from './types.ts';

export type CancelResult = 'cancelled' | 'not_found' | 'not_yours' | 'too_late';

interface ActiveJob {
  readonly controller: AbortController;
  readonly userId: string;
  /** False once results are in hand: then only the platform is awaited, and nothing interrupts it. */
  cancellable: boolean;
  timer?: ReturnType<typeof setTimeout> | undefined;
  settled?: Promise<JobOutcome> | undefined;
}

/** One running job's handle: its abort signal, and the ways its run changes its standing. */
export interface ActiveHandle {
  readonly signal: AbortSignal;
  /** Results are in hand: the deadline stops, and nothing may interrupt the job any more. */
  disarm(): void;
  /** The promise of the job's outcome, which shutdown waits for. */
  settling(outcome: Promise<JobOutcome>): void;
  /** The job settled: it leaves the set. */
  end(): void;
}

/** The jobs this process runs now, for cancellation, deadlines, shutdown and lost leases. */
export class ActiveJobs {
  private readonly jobs = new Map<string, ActiveJob>();

  /** Registers job `id`; with `deadlineIn` (ms), the job is aborted as TIMED_OUT when it passes. */
  start(id: string, userId: string, deadline?: { readonly inMs: number; readonly totalMs: number }): ActiveHandle {
    const controller = new AbortController();
    const job: ActiveJob = { controller, userId, cancellable: true };
    if (deadline) {
      const expire = () => controller.abort(new BotError('TIMED_OUT', `job passed its deadline of ${deadline.totalMs} ms`));
      job.timer = setTimeout(expire, Math.max(0, deadline.inMs));
    }
    this.jobs.set(id, job);
    return {
      signal: controller.signal,
      disarm: () => {
        clearTimeout(job.timer);
        job.cancellable = false;
      },
      settling: (outcome) => {
        job.settled = outcome;
      },
      end: () => {
        clearTimeout(job.timer);
        if (this.jobs.get(id) === job) this.jobs.delete(id);
      },
    };
  }

  /**
   * Cancels job `id` for `userId` while it is waiting for the provider. Once results are in hand the
   * job is delivered anyway (it was paid for), and nobody but the requester may cancel.
   */
  cancel(id: string, userId: string): CancelResult {
    const job = this.jobs.get(id);
    if (!job) return 'not_found';
    if (job.userId !== userId) return 'not_yours';
    if (!job.cancellable || job.controller.signal.aborted) return 'too_late';
    job.controller.abort(new BotError('CANCELLED', 'cancelled by the requester'));
    return 'cancelled';
  }

  /** Stops job `id` with `reason` unless its results are in hand (or it was stopped already). */
  interrupt(id: string, reason: unknown): void {
    const job = this.jobs.get(id);
    if (job?.cancellable && !job.controller.signal.aborted) job.controller.abort(reason);
  }

  /** Interrupts every job with `reason` and resolves once all have settled, including any started meanwhile. */
  async drain(reason: () => unknown): Promise<void> {
    for (;;) {
      const jobs = [...this.jobs.entries()];
      if (jobs.length === 0) return;
      for (const [id] of jobs) this.interrupt(id, reason());
      await Promise.allSettled(jobs.map(([, job]) => job.settled));
    }
  }
}
