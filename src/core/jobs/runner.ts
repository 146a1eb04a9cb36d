import { BotError, isBotError, toBotError } from '../errors.ts';
import type { InputHost } from '../http/input-host.ts';
import type { ImageData } from '../images/image.ts';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from '../images/inspect.ts';
import type { Logger } from '../log.ts';
import { ProviderHealth } from '../providers/health.ts';
import type { Provider, ResultImage, Submission } from '../providers/provider.ts';
import type { QuotaLedger } from '../quota/ledger.ts';
import type { Storage } from '../store/storage.ts';
import type { CallbackRegistry } from './callbacks.ts';
import { dispatch, type Dispatched, type DispatchDeps } from './dispatch.ts';
import { DEFAULT_POLL_POLICY, followUntilDone, type PollPolicy } from './follow.ts';
import { loadInputs } from './inputs.ts';
import { JobRepository } from './repository.ts';
import { fetchResults } from './results.ts';
import { FINAL_STATES, type JobOutcome, type JobRecord, type JobRequest, type JobSink, type JobState } from './types.ts';

export interface RunnerOptions {
  readonly storage: Storage;
  readonly ledger: QuotaLedger;
  /** In the configured order: the first that accepts a job runs it. */
  readonly providers: readonly Provider[];
  readonly logger: Logger;
  readonly imageLimits?: ImageLimits;
  /** Overall deadline of a job, from acceptance to results in hand. Default 10 minutes. */
  readonly deadlineMs?: number;
  readonly poll?: PollPolicy;
  /** Fallback polling while a callback is expected; default PUSH_FALLBACK_POLICY. */
  readonly pushPoll?: PollPolicy;
  /** Circuit breakers; one per runner by default. */
  readonly health?: ProviderHealth;
  /** Set when the bot has a public URL (see DispatchDeps). */
  readonly callbacks?: CallbackRegistry | undefined;
  readonly inputHost?: InputHost | undefined;
  readonly downloadTimeoutMs?: number;
  readonly now?: () => number;
}

export type CancelResult = 'cancelled' | 'not_found' | 'not_yours' | 'too_late';

/** The variable parts of one run, so the lifecycle steps can share them. */
interface Run {
  readonly request: JobRequest;
  readonly record: JobRecord;
  readonly sink: JobSink;
  readonly signal: AbortSignal;
  readonly log: Logger;
  dispatched?: Dispatched;
}

/**
 * Runs one job through its lifecycle, persisting the record at every state change:
 * accepted → reserved → submitted → queued/running → fetching → delivering → done, or
 * rejected / failed / timed_out with the reservation refunded exactly once.
 */
export class JobRunner {
  private readonly options: RunnerOptions;
  private readonly jobs: JobRepository;
  private readonly now: () => number;
  private readonly dispatchDeps: DispatchDeps;
  /** Jobs running in this process, for cancellation. */
  private readonly active = new Map<string, { controller: AbortController; userId: string; cancellable: boolean }>();

  constructor(options: RunnerOptions) {
    this.options = options;
    this.jobs = new JobRepository(options.storage);
    this.now = options.now ?? Date.now;
    this.dispatchDeps = {
      providers: options.providers,
      health: options.health ?? new ProviderHealth({ now: this.now }),
      callbacks: options.callbacks,
      inputs: options.inputHost,
    };
  }

  async run(request: JobRequest, sink: JobSink): Promise<JobOutcome> {
    const startedAt = this.now();
    if (!(await this.jobs.claim(request.id, startedAt))) return { kind: 'duplicate' };
    const record: JobRecord = {
      id: request.id,
      subject: request.subject,
      prompt: request.prompt,
      count: request.count,
      aspectRatio: request.aspectRatio,
      outputFormat: request.outputFormat ?? 'png',
      inputCount: request.images.length,
      state: 'accepted',
      createdAt: startedAt,
      updatedAt: startedAt,
      deadlineAt: startedAt + (this.options.deadlineMs ?? 10 * 60_000),
    };
    await this.save(record, 'accepted');
    const reservation = await this.options.ledger.reserve(request.subject, request.id, request.count);
    if (!reservation.ok) {
      await this.save(record, 'rejected');
      if (reservation.reason === 'settled') return { kind: 'duplicate' };
      if (reservation.reason === 'blocked' && reservation.quota.blocked) return { kind: 'blocked', block: reservation.quota.blocked };
      return { kind: 'quota_exhausted', quota: reservation.quota, requested: request.count };
    }
    record.reservationId = request.id;
    await this.save(record, 'reserved');

    const deadline = new AbortController();
    this.active.set(request.id, { controller: deadline, userId: request.subject.userId, cancellable: true });
    const timer = setTimeout(
      () => deadline.abort(new BotError('TIMED_OUT', `job passed its deadline of ${record.deadlineAt - startedAt} ms`)),
      Math.max(0, record.deadlineAt - this.now()),
    );
    const run: Run = { request, record, sink, signal: deadline.signal, log: this.options.logger.child({ job: request.id }) };
    try {
      return await this.execute(run, () => clearTimeout(timer));
    } catch (thrown) {
      return await this.fail(run, deadline.signal.aborted ? toBotError(deadline.signal.reason) : toBotError(thrown));
    } finally {
      clearTimeout(timer);
      this.active.delete(request.id);
    }
  }

  /**
   * Cancels job `id` for `userId` while it is waiting for the provider: the provider is asked to
   * cancel, and the reservation is refunded. Once results are in hand the job is delivered anyway
   * (it was paid for), and nobody but the requester may cancel.
   */
  cancel(id: string, userId: string): CancelResult {
    const job = this.active.get(id);
    if (!job) return 'not_found';
    if (job.userId !== userId) return 'not_yours';
    if (!job.cancellable || job.controller.signal.aborted) return 'too_late';
    job.controller.abort(new BotError('CANCELLED', 'cancelled by the requester'));
    return 'cancelled';
  }

  private async execute(run: Run, disarmDeadline: () => void): Promise<JobOutcome> {
    const { request, record, signal } = run;
    const limits = this.options.imageLimits ?? DEFAULT_IMAGE_LIMITS;
    const inputs = await loadInputs(request.images, limits, signal);
    const dispatched = await dispatch(
      this.dispatchDeps,
      { prompt: request.prompt, inputs, count: request.count, aspectRatio: request.aspectRatio, outputFormat: record.outputFormat },
      signal,
      run.log,
    );
    run.dispatched = dispatched;
    try {
      const { provider } = dispatched;
      record.provider = provider.name;
      record.submissions = dispatched.submissions;
      record.requested = dispatched.requested;
      await this.save(record, 'submitted');
      const completed = await this.awaitCompletion(run, dispatched);

      await this.save(record, 'fetching');
      const outputs = await this.fetchAll(run, provider, completed, limits);
      const delivering = outputs.slice(0, request.count);
      // Results are in hand: from here on the job only waits for the platform, not the provider.
      disarmDeadline();
      const active = this.active.get(request.id);
      if (active) active.cancellable = false;
      return await this.deliver(run, provider, delivering);
    } finally {
      dispatched.release();
    }
  }

  /** Follows every submission to its end; the ones that completed, or the first failure when none did. */
  private async awaitCompletion(run: Run, dispatched: Dispatched): Promise<Submission[]> {
    const { provider, submissions, route } = dispatched;
    const settled = await Promise.allSettled(
      submissions.map((submission, i) =>
        followUntilDone(provider, submission, {
          policy: this.options.poll ?? DEFAULT_POLL_POLICY,
          signal: run.signal,
          // Several submits of one job move together; the first one speaks for all.
          onProgress: async (event) => {
            if (i !== 0) return;
            await this.save(run.record, event.type === 'queued' ? 'queued' : 'running');
            await this.progress(run, event);
          },
          onStatusError: (error) => run.log.warn({ err: toBotError(error).message }, 'status check failed; polling on'),
          pushed: route ? { wakeup: route.wakeupFor(submission.requestId), policy: this.options.pushPoll } : undefined,
        }),
      ),
    );
    if (run.signal.aborted) throw run.signal.reason;
    const completed: Submission[] = [];
    let firstFailure: BotError | undefined;
    settled.forEach((outcome, i) => {
      const submission = submissions[i]!;
      if (outcome.status === 'rejected') firstFailure ??= toBotError(outcome.reason);
      else if (outcome.value.state === 'completed') completed.push(submission);
      else {
        const reason = outcome.value.reason;
        firstFailure ??= new BotError('PROVIDER_FAILED', `${provider.name}: ${reason}`, { userDetail: reason });
      }
    });
    if (completed.length === 0) throw firstFailure ?? new BotError('INTERNAL', 'no submission to follow');
    if (firstFailure) run.log.warn({ code: firstFailure.code, err: firstFailure.message }, 'part of the job failed');
    return completed;
  }

  /** Every completed submission's images, downloaded and checked; a part that fails is left out. */
  private async fetchAll(run: Run, provider: Provider, completed: readonly Submission[], limits: ImageLimits): Promise<ImageData[]> {
    const results = await Promise.allSettled(completed.map((submission) => provider.result(submission, run.signal)));
    if (run.signal.aborted) throw run.signal.reason;
    const images: ResultImage[] = [];
    let firstFailure: unknown;
    for (const outcome of results) {
      if (outcome.status === 'fulfilled') images.push(...outcome.value.images);
      else firstFailure ??= outcome.reason;
    }
    if (images.length === 0 && firstFailure !== undefined) throw firstFailure;
    return fetchResults(
      { images },
      { limits, timeoutMs: this.options.downloadTimeoutMs ?? 60_000, signal: run.signal },
      (error) => run.log.warn({ code: error.code, err: error.message }, 'a result image was left out'),
    );
  }

  private async deliver(run: Run, provider: Provider, delivering: readonly ImageData[]): Promise<JobOutcome> {
    const { request, record } = run;
    await this.save(record, 'delivering');
    await this.progress(run, { type: 'delivering' });
    const ledger = this.options.ledger;
    const quota = await ledger.previewCommit(request.subject, request.id, delivering.length);
    const elapsedMs = this.now() - record.createdAt;
    let delivered: number;
    try {
      delivered = await run.sink.deliver({ images: delivering, elapsedMs, quota, provider: provider.name });
    } catch (error) {
      throw new BotError('DELIVERY_FAILED', `delivery failed: ${toBotError(error).message}`, { cause: error });
    }
    const after = await ledger.commit(request.subject, request.id, delivered);
    record.delivered = delivered;
    await this.save(record, 'done');
    run.log.info({ provider: provider.name, delivered, elapsedMs }, 'job done');
    return { kind: 'done', delivered, elapsedMs, quota: after };
  }

  private async fail(run: Run, error: BotError): Promise<JobOutcome> {
    const { record, request } = run;
    if ((error.code === 'TIMED_OUT' || error.code === 'CANCELLED') && run.dispatched) {
      const { provider, submissions } = run.dispatched;
      await Promise.all(submissions.map((submission) => provider.cancel(submission)));
    }
    try {
      await this.options.ledger.refund(request.subject, request.id);
    } catch (refundError) {
      // The reservation stays held; recovery of stale reservations releases it later.
      run.log.error({ err: toBotError(refundError).message }, 'refund failed');
    }
    record.errorCode = error.code;
    try {
      await this.save(record, error.code === 'TIMED_OUT' ? 'timed_out' : error.code === 'CANCELLED' ? 'cancelled' : 'failed');
    } catch (saveError) {
      run.log.error({ err: toBotError(saveError).message }, 'could not record the failure');
    }
    if (error.code === 'CANCELLED') {
      run.log.info('job cancelled by the requester');
      return { kind: 'cancelled' };
    }
    const level = isBotError(error) && error.code !== 'INTERNAL' ? 'warn' : 'error';
    run.log[level]({ code: error.code, err: error.message }, 'job failed');
    return { kind: 'failed', code: error.code, userDetail: error.userDetail };
  }

  /** Progress is best effort: a platform that cannot show it must not stop the job. */
  private async progress(run: Run, event: Parameters<JobSink['progress']>[0]): Promise<void> {
    try {
      await run.sink.progress(event);
    } catch (error) {
      run.log.warn({ err: toBotError(error).message }, 'progress update failed');
    }
  }

  private async save(record: JobRecord, state: JobState): Promise<void> {
    record.state = state;
    record.updatedAt = this.now();
    await this.jobs.save(record, FINAL_STATES.has(state));
  }
}
