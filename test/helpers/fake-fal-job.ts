import type { FakeFalJob, FalScript, ScriptedStatus } from './fake-fal-types.ts';

/**
 * How one fake job moves from IN_QUEUE to COMPLETED. Poll mode: each poll (or stream step) answers
 * the next scripted status, and the poll after the last one completes the job. Time mode (durationMs):
 * the scripted statuses share the duration evenly and the job completes at submit + durationMs,
 * however often it is polled. Listeners hear time-mode changes and the completion (the status stream).
 */
export class FakeJob {
  readonly job: FakeFalJob;
  readonly appPath: string;
  readonly statuses: readonly ScriptedStatus[];
  readonly outcome: FalScript['outcome'];
  readonly durationMs: number | undefined;
  readonly submittedAt: number;
  polls = 0;
  completed = false;
  private readonly listeners = new Set<() => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onComplete: (job: FakeJob) => void;

  constructor(fields: {
    job: FakeFalJob;
    appPath: string;
    script: FalScript;
    onComplete: (job: FakeJob) => void;
  }) {
    this.job = fields.job;
    this.appPath = fields.appPath;
    this.durationMs = fields.script.durationMs;
    // A time-mode job is running for its whole duration when no status was scripted.
    const scripted = fields.script.statuses;
    this.statuses = this.durationMs !== undefined && scripted.length === 0 ? [{ status: 'IN_PROGRESS' }] : [...scripted];
    this.outcome = fields.script.outcome;
    this.submittedAt = Date.now();
    this.onComplete = fields.onComplete;
    if (this.durationMs !== undefined) this.schedule(this.durationMs);
  }

  private schedule(durationMs: number): void {
    const n = this.statuses.length;
    for (let i = 1; i < n; i++) this.timers.push(setTimeout(() => this.notify(), (i * durationMs) / n));
    this.timers.push(setTimeout(() => this.complete(), durationMs));
  }

  /** The index of the scripted status reached now (time mode: by the clock); statuses.length once complete. */
  stage(): number {
    this.catchUp();
    const n = this.statuses.length;
    if (this.completed) return n;
    if (this.durationMs === undefined) return Math.min(this.polls, n);
    return Math.min(n - 1, Math.floor(((Date.now() - this.submittedAt) * n) / this.durationMs));
  }

  /** The status a poll would see now, without moving a poll-mode job on; undefined once complete. */
  current(): ScriptedStatus | undefined {
    return this.statuses[this.stage()];
  }

  /** Whether the job has ended (a time-mode job past its end counts). */
  done(): boolean {
    this.catchUp();
    return this.completed;
  }

  /** One poll: answers the status and, in poll mode, moves on; undefined means COMPLETED. */
  poll(): ScriptedStatus | undefined {
    this.catchUp();
    if (this.completed) return undefined;
    if (this.durationMs !== undefined) {
      this.polls++;
      return this.current();
    }
    const next = this.statuses[this.polls];
    if (!next) {
      this.complete();
      return undefined;
    }
    this.polls++;
    return next;
  }

  /** A cancelled job ends at once, as a failure ([I]: fal's exact answer is not documented). */
  cancel(): void {
    this.job.cancelled = true;
    this.complete();
  }

  complete(): void {
    if (this.completed) return;
    this.completed = true;
    this.dispose();
    this.notify();
    this.onComplete(this);
  }

  /** COMPLETED's `error`/`error_type` for a failed or cancelled job. */
  failure(): { error: string; error_type: string } | undefined {
    if (this.job.cancelled) return { error: 'Request was cancelled', error_type: 'request_cancelled' };
    const { outcome } = this;
    if (outcome.kind !== 'error') return undefined;
    const bodyType = (outcome.body as { error_type?: unknown } | null)?.error_type;
    return {
      error: outcome.error ?? `Request failed with HTTP ${outcome.httpStatus}`,
      error_type: typeof bodyType === 'string' ? bodyType : 'runner_error',
    };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
  }

  /** A timer may fire late; a time-mode job past its end is complete whoever asks first. */
  private catchUp(): void {
    if (this.job.cancelled) this.complete();
    else if (!this.completed && this.durationMs !== undefined && Date.now() - this.submittedAt >= this.durationMs) this.complete();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
