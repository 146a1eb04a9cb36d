import { BotError, isBotError, toBotError } from '../errors.ts';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from '../images/inspect.ts';
import type { Logger } from '../log.ts';
import type { EditInput, Provider, Submission } from '../providers/provider.ts';
import type { QuotaLedger } from '../quota/ledger.ts';
import type { Storage } from '../store/storage.ts';
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
  readonly downloadTimeoutMs?: number;
  readonly now?: () => number;
}

/** The variable parts of one run, so the lifecycle steps can share them. */
interface Run {
  readonly request: JobRequest;
  readonly record: JobRecord;
  readonly sink: JobSink;
  readonly signal: AbortSignal;
  readonly log: Logger;
  provider?: Provider;
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

  constructor(options: RunnerOptions) {
    this.options = options;
    this.jobs = new JobRepository(options.storage);
    this.now = options.now ?? Date.now;
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
      return { kind: 'quota_exhausted', quota: reservation.quota, requested: request.count };
    }
    record.reservationId = request.id;
    await this.save(record, 'reserved');

    const deadline = new AbortController();
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
    }
  }

  private async execute(run: Run, disarmDeadline: () => void): Promise<JobOutcome> {
    const { request, record, signal } = run;
    const limits = this.options.imageLimits ?? DEFAULT_IMAGE_LIMITS;
    const images = await loadInputs(request.images, limits, signal);
    const input: EditInput = {
      prompt: request.prompt,
      images,
      count: request.count,
      aspectRatio: request.aspectRatio,
      outputFormat: record.outputFormat,
    };
    const submission = await this.submit(run, input);
    record.submission = submission;
    await this.save(record, 'submitted');

    const provider = run.provider!;
    const final = await followUntilDone(provider, submission, {
      policy: this.options.poll ?? DEFAULT_POLL_POLICY,
      signal,
      onProgress: async (event) => {
        await this.save(record, event.type === 'queued' ? 'queued' : 'running');
        await this.progress(run, event);
      },
      onStatusError: (error) => run.log.warn({ err: toBotError(error).message }, 'status check failed; polling on'),
    });
    if (final.state === 'failed') throw new BotError('PROVIDER_FAILED', `${provider.name}: ${final.reason}`);

    await this.save(record, 'fetching');
    const result = await provider.result(submission, signal);
    const outputs = await fetchResults(
      result,
      { limits, timeoutMs: this.options.downloadTimeoutMs ?? 60_000, signal },
      (error) => run.log.warn({ code: error.code, err: error.message }, 'a result image was left out'),
    );
    const delivering = outputs.slice(0, request.count);
    // Results are in hand: from here on the job only waits for the platform, not the provider.
    disarmDeadline();

    await this.save(record, 'delivering');
    await this.progress(run, { type: 'delivering' });
    const ledger = this.options.ledger;
    const quota = ledger.predictAfterCommit(await ledger.status(request.subject), request.count, delivering.length);
    const elapsedMs = this.now() - record.createdAt;
    let delivered: number;
    try {
      delivered = await run.sink.deliver({ images: delivering, elapsedMs, quota });
    } catch (error) {
      throw new BotError('DELIVERY_FAILED', `delivery failed: ${toBotError(error).message}`, { cause: error });
    }
    const after = await ledger.commit(request.subject, request.id, delivered);
    record.delivered = delivered;
    await this.save(record, 'done');
    run.log.info({ provider: provider.name, delivered, elapsedMs }, 'job done');
    return { kind: 'done', delivered, elapsedMs, quota: after };
  }

  /** Tries providers in order; one that is down before accepting the job is skipped for the next. */
  private async submit(run: Run, input: EditInput): Promise<Submission> {
    const reasons: string[] = [];
    const able = this.options.providers.filter((provider) => {
      const reason = provider.check(input);
      if (reason) reasons.push(reason);
      return reason === null;
    });
    if (able.length === 0) {
      throw new BotError('PROVIDER_REJECTED', `no provider can run this input: ${reasons.join('; ')}`, {
        userDetail: reasons[0],
      });
    }
    let lastError: BotError | undefined;
    for (const provider of able) {
      try {
        const submission = await provider.submit(input, run.signal);
        run.provider = provider;
        run.log.info({ provider: provider.name, requestId: submission.requestId }, 'submitted');
        return submission;
      } catch (error) {
        if (run.signal.aborted) throw error;
        lastError = toBotError(error);
        if (lastError.code !== 'PROVIDER_UNAVAILABLE') throw lastError;
        run.log.warn({ provider: provider.name, err: lastError.message }, 'provider unavailable; trying the next');
      }
    }
    throw lastError ?? new BotError('PROVIDER_UNAVAILABLE', 'no provider configured');
  }

  private async fail(run: Run, error: BotError): Promise<JobOutcome> {
    const { record, request } = run;
    if (error.code === 'TIMED_OUT' && record.submission && run.provider) {
      await run.provider.cancel(record.submission);
    }
    try {
      await this.options.ledger.refund(request.subject, request.id);
    } catch (refundError) {
      // The reservation stays held; recovery of stale reservations releases it later.
      run.log.error({ err: toBotError(refundError).message }, 'refund failed');
    }
    record.errorCode = error.code;
    try {
      await this.save(record, error.code === 'TIMED_OUT' ? 'timed_out' : 'failed');
    } catch (saveError) {
      run.log.error({ err: toBotError(saveError).message }, 'could not record the failure');
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
