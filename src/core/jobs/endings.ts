import { isBotError, toBotError, type BotError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { QuotaLedger } from '../quota/ledger.ts';
import { Suspension, type Run } from './run.ts';
import type { JobOutcome, JobRecord, JobState } from './types.ts';
import type { UserLimits } from './user-limits.ts';

export interface EndingDeps {
  readonly ledger: QuotaLedger;
  readonly limits: UserLimits;
  save(record: JobRecord, state: JobState, run?: Run): Promise<void>;
}

/**
 * How a job ends when it does not end in a delivery: failed, cancelled or timed out (refunded, and
 * cancelled at the provider where it was waiting), given up before it reached a provider
 * (`interrupted`, refunded), or left for the next process (nothing touched). Never throws: the job's
 * outcome must reach the user even when the store is away.
 */
export class JobEndings {
  private readonly deps: EndingDeps;

  constructor(deps: EndingDeps) {
    this.deps = deps;
  }

  /** The outcome of a run that threw (or was aborted: then the abort reason is what happened). */
  async settle(run: Run, thrown: unknown): Promise<JobOutcome> {
    const reason: unknown = run.signal.aborted ? run.signal.reason : thrown;
    if (!(reason instanceof Suspension)) return this.fail(run, toBotError(reason));
    if (run.record.submissions?.length) {
      run.log.info({ why: reason.why, state: run.record.state }, 'job left for the next process to resume');
      return { kind: 'suspended', started: true };
    }
    // It never reached a provider, and its inputs do not survive the process: give it up now.
    await this.giveUp(run.record, run.log);
    return { kind: 'suspended', started: false };
  }

  /** Ends a job that never reached a provider, or cannot be answered: refunded, recorded as interrupted. */
  async giveUp(record: JobRecord, log: Logger): Promise<void> {
    await this.refund(record, log);
    await this.saveFinal(record, 'interrupted', log);
  }

  /** Frees the user's slot in flight (the job ended). */
  async releaseSlot(record: JobRecord, log: Logger): Promise<void> {
    try {
      await this.deps.limits.release(record.subject, record.id);
    } catch (error) {
      // The slot lapses on its own after the job's deadline.
      log.warn({ err: toBotError(error).message }, 'could not free the user slot');
    }
  }

  private async fail(run: Run, error: BotError): Promise<JobOutcome> {
    const { record } = run;
    if ((error.code === 'TIMED_OUT' || error.code === 'CANCELLED') && run.provider) {
      const provider = run.provider;
      await Promise.all((record.submissions ?? []).map((submission) => provider.cancel(submission)));
    }
    await this.refund(record, run.log);
    record.errorCode = error.code;
    await this.saveFinal(record, error.code === 'TIMED_OUT' ? 'timed_out' : error.code === 'CANCELLED' ? 'cancelled' : 'failed', run.log, run);
    if (error.code === 'CANCELLED') {
      run.log.info('job cancelled by the requester');
      return { kind: 'cancelled' };
    }
    const level = isBotError(error) && error.code !== 'INTERNAL' ? 'warn' : 'error';
    run.log[level]({ code: error.code, err: error.message }, 'job failed');
    return { kind: 'failed', code: error.code, userDetail: error.userDetail };
  }

  private async refund(record: JobRecord, log: Logger): Promise<void> {
    try {
      // Idempotent by job id: a job refunded by two processes is refunded once.
      await this.deps.ledger.refund(record.subject, record.id);
    } catch (refundError) {
      // The reservation stays held; recovery of stale reservations releases it later.
      log.error({ err: toBotError(refundError).message }, 'refund failed');
    }
  }

  private async saveFinal(record: JobRecord, state: JobState, log: Logger, run?: Run): Promise<void> {
    try {
      await this.deps.save(record, state, run);
    } catch (saveError) {
      log.error({ err: toBotError(saveError).message }, 'could not record the end of the job');
    }
  }
}
