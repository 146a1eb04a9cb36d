import { randomUUID } from 'node:crypto';
import { BotError } from '../errors.ts';
import { DEFAULT_IMAGE_LIMITS } from '../images/inspect.ts';
import { ProviderHealth } from '../providers/health.ts';
import type { Platform } from '../quota/subject.ts';
import { ActiveJobs, type CancelResult } from './active-jobs.ts';
import { dispatch, type DispatchDeps } from './dispatch.ts';
import { JobEndings } from './endings.ts';
import { DEFAULT_POLL_POLICY } from './follow.ts';
import { loadInputs } from './inputs.ts';
import { LeaseKeeper } from './leases.ts';
import { observeAll, type JobObserver } from './observer.ts';
import { JobRepository } from './repository.ts';
import { claimStrandedJobs, planResume } from './resume.ts';
import { DEFAULT_DEADLINE_MS, DEFAULT_INPUT_SLOTS, DEFAULT_LEASE_MS, DEFAULT_RESULT_SLOTS, type RunnerOptions } from './runner-options.ts';
import { Slots } from './slots.ts';
import { currentTarget, Suspension, type Run } from './run.ts';
import { completeJob, type StepDeps } from './steps.ts';
import { FINAL_STATES, type DeliveryTarget, type JobOutcome, type JobRecord, type JobRequest, type JobSink, type JobState } from './types.ts';
import { DEFAULT_MAX_JOBS_PER_USER, DEFAULT_USER_COOLDOWN_MS, UserLimits } from './user-limits.ts';

export type { RunnerOptions } from './runner-options.ts';
export type { CancelResult } from './active-jobs.ts';

/** A user's slot in flight outlives the deadline by this much: delivery runs past the deadline. */
const SLOT_GRACE_MS = 2 * 60_000;

/**
 * Runs jobs through their lifecycle, persisting the record at every state change:
 * accepted → reserved → submitted → queued/running → fetching → delivering → done, or
 * rejected / failed / timed_out / interrupted with the reservation refunded exactly once.
 * A job runs under a lease, so after a crash or a shutdown another process resumes it from its record.
 */
export class JobRunner {
  private readonly options: RunnerOptions;
  private readonly jobs: JobRepository;
  private readonly now: () => number;
  private readonly dispatchDeps: DispatchDeps;
  private readonly steps: StepDeps;
  private readonly leases: LeaseKeeper;
  private readonly limits: UserLimits;
  private readonly endings: JobEndings;
  private readonly active = new ActiveJobs();
  private readonly observer: JobObserver;
  private readonly inputSlots: Slots;
  private stopping = false;

  constructor(options: RunnerOptions) {
    this.options = options;
    // Shielded: an observer's failure must not change a job's course.
    this.observer = observeAll(options.observer ? [options.observer] : []);
    this.jobs = new JobRepository(options.storage);
    const now = options.now ?? Date.now;
    this.now = now;
    this.dispatchDeps = {
      providers: options.providers,
      health: options.health ?? new ProviderHealth({ now }),
      callbacks: options.callbacks,
      inputs: options.inputHost,
    };
    this.inputSlots = new Slots(options.inputSlots ?? DEFAULT_INPUT_SLOTS);
    this.steps = {
      ledger: options.ledger,
      resultSlots: new Slots(options.resultSlots ?? DEFAULT_RESULT_SLOTS),
      poll: options.poll ?? DEFAULT_POLL_POLICY,
      pushPoll: options.pushPoll,
      limits: options.imageLimits ?? DEFAULT_IMAGE_LIMITS,
      downloadTimeoutMs: options.downloadTimeoutMs ?? 60_000,
      downloadPolicy: options.downloadPolicy,
      now,
      save: (run, state) => this.save(run.record, state, run),
    };
    this.leases = new LeaseKeeper({
      storage: options.storage,
      owner: options.instanceId ?? randomUUID(),
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      now,
      logger: options.logger,
      onLost: (id) => this.active.interrupt(id, new Suspension('lease_lost')),
    });
    this.limits = new UserLimits({
      storage: options.storage,
      maxJobsPerUser: options.maxJobsPerUser ?? DEFAULT_MAX_JOBS_PER_USER,
      cooldownMs: options.userCooldownMs ?? DEFAULT_USER_COOLDOWN_MS,
      now,
    });
    this.endings = new JobEndings({ ledger: options.ledger, limits: this.limits, save: (record, state, run) => this.save(record, state, run) });
  }

  async run(request: JobRequest, sink: JobSink): Promise<JobOutcome> {
    // Before the claim: the id stays free, nothing is reserved, the user is asked to send it again.
    if (this.stopping) return { kind: 'suspended', started: false };
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
      kind: request.kind,
      state: 'accepted',
      createdAt: startedAt,
      updatedAt: startedAt,
      deadlineAt: startedAt + (this.options.deadlineMs ?? DEFAULT_DEADLINE_MS),
    };
    const admission = await this.limits.admit(record.subject, record.id, record.deadlineAt + SLOT_GRACE_MS);
    if (!admission.ok) {
      this.observer.denied?.(record.subject, admission.kind);
      return admission.kind === 'too_many_jobs' ? { kind: admission.kind, max: admission.max } : { kind: admission.kind, waitMs: admission.waitMs };
    }
    return this.track(record, sink, { target: request.target, resumed: false, deadline: true }, async (run) => {
      // Leased before the job is listed as open, so no other process's sweep takes it from under us.
      if (!(await this.leases.acquire(record.id))) throw new BotError('INTERNAL', 'the lease of a new job was taken');
      await this.save(record, 'accepted', run);
      await this.jobs.markOpen(record.id);
      const reservation = await this.options.ledger.reserve(record.subject, record.id, record.count);
      if (!reservation.ok) {
        await this.save(record, 'rejected', run);
        if (reservation.reason === 'settled') return { kind: 'duplicate' };
        this.observer.denied?.(record.subject, reservation.reason);
        if (reservation.reason === 'blocked' && reservation.quota.blocked) return { kind: 'blocked', block: reservation.quota.blocked };
        return { kind: 'quota_exhausted', quota: reservation.quota, requested: record.count };
      }
      record.reservationId = record.id;
      await this.save(record, 'reserved', run);
      run.signal.throwIfAborted();
      return this.execute(run, request);
    });
  }

  /**
   * This platform's open jobs that no live process runs (their lease lapsed or was released), each
   * now leased to this runner. Every record returned must be passed to `resume` or `abandon`.
   */
  async claimStranded(platform: Platform): Promise<JobRecord[]> {
    if (this.stopping) return [];
    return claimStrandedJobs({ jobs: this.jobs, leases: this.leases, logger: this.options.logger }, platform);
  }

  /**
   * Continues a claimed job from its stored state: one that never reached a provider is refunded
   * (`interrupted`); a submitted one is followed, fetched, delivered and committed; one caught while
   * delivering is fetched and delivered again. The stored deadline still holds. `target` is read at
   * every save, like JobRequest.target.
   */
  async resume(record: JobRecord, sink: JobSink, target?: () => DeliveryTarget | undefined): Promise<JobOutcome> {
    const plan = planResume(record, this.options.providers);
    if (!this.leases.holds(record.id) && !(await this.leases.acquire(record.id))) return { kind: 'duplicate' };
    if (plan.kind === 'finished') {
      await this.leases.release(record.id);
      return { kind: 'duplicate' };
    }
    const deadline = plan.kind === 'continue' && plan.deadline;
    return this.track(record, sink, { target, resumed: true, deadline }, async (run) => {
      if (plan.kind === 'interrupted') {
        await this.endings.giveUp(record, run.log);
        run.log.info('job interrupted before it reached a provider; refunded');
        return { kind: 'interrupted' };
      }
      if (plan.kind === 'unfollowable') throw new BotError('PROVIDER_UNAVAILABLE', plan.reason);
      run.provider = plan.provider;
      run.signal.throwIfAborted();
      run.log.info({ provider: plan.provider.name, state: record.state }, 'resuming job');
      const { callbacks } = this.options;
      const route = plan.provider.verifyCallback && callbacks && record.callbackToken ? callbacks.open(plan.provider, record.callbackToken) : undefined;
      try {
        return await completeJob(this.steps, run, plan.from, route);
      } finally {
        route?.close();
      }
    });
  }

  /** Ends a claimed job that cannot be answered (no target, or the adapter cannot rebuild one): refunded quietly. */
  async abandon(record: JobRecord): Promise<void> {
    const log = this.options.logger.child({ job: record.id });
    try {
      if (!FINAL_STATES.has(record.state)) {
        await this.endings.giveUp(record, log);
        await this.endings.releaseSlot(record, log);
        log.info('job with nowhere to answer refunded');
      }
    } finally {
      await this.leases.release(record.id);
    }
  }

  /**
   * Cancels job `id` for `userId` while it is waiting for the provider: the provider is asked to
   * cancel, and the reservation is refunded. Once results are in hand the job is delivered anyway
   * (it was paid for), and nobody but the requester may cancel.
   */
  cancel(id: string, userId: string): CancelResult {
    return this.active.cancel(id, userId);
  }

  /**
   * Stops taking work: new runs return `suspended` (nothing reserved); jobs waiting on a provider stop
   * waiting, neither cancelled there nor refunded, and their leases are released so the next process
   * resumes them at once; jobs delivering finish. Resolves when every job of this runner has settled.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    await this.active.drain(() => new Suspension('shutdown'));
    this.leases.stop();
  }

  private async execute(run: Run, request: JobRequest): Promise<JobOutcome> {
    const { record, signal } = run;
    // The inputs' bytes live only within the slot: once submitted, the job holds nothing while it waits.
    const dispatched = await this.inputSlots.run(signal, async () => {
      const inputs = await loadInputs(request.images, this.steps.limits, signal);
      return dispatch(
        this.dispatchDeps,
        { prompt: record.prompt, inputs, count: record.count, aspectRatio: record.aspectRatio, outputFormat: record.outputFormat },
        signal,
        run.log,
      );
    });
    try {
      run.provider = dispatched.provider;
      record.provider = dispatched.provider.name;
      record.submissions = dispatched.submissions;
      record.requested = dispatched.requested;
      record.callbackToken = dispatched.route?.token;
      await this.save(record, 'submitted', run);
      return await completeJob(this.steps, run, 'follow', dispatched.route);
    } finally {
      dispatched.release();
    }
  }

  /**
   * Runs `body` as an active job of this process (cancellable, deadline armed, stopped by shutdown),
   * and settles it: failures become outcomes, the lease is released, and the user's slot freed unless
   * the job was left for the next process.
   */
  private track(
    record: JobRecord,
    sink: JobSink,
    how: { readonly target: (() => DeliveryTarget | undefined) | undefined; readonly resumed: boolean; readonly deadline: boolean },
    body: (run: Run) => Promise<JobOutcome>,
  ): Promise<JobOutcome> {
    const deadline = how.deadline ? { inMs: record.deadlineAt - this.now(), totalMs: record.deadlineAt - record.createdAt } : undefined;
    const handle = this.active.start(record.id, record.subject.userId, deadline);
    const run: Run = {
      record,
      sink,
      signal: handle.signal,
      log: this.options.logger.child({ job: record.id }),
      target: how.target,
      resumed: how.resumed,
      disarm: handle.disarm,
    };
    // Started after shutdown began (a resume racing it): left at once for the next process.
    if (this.stopping) this.active.interrupt(record.id, new Suspension('shutdown'));
    const settled = (async (): Promise<JobOutcome> => {
      let outcome: JobOutcome | undefined;
      try {
        outcome = await body(run);
      } catch (thrown) {
        outcome = await this.endings.settle(run, thrown);
      } finally {
        handle.end();
        this.observer.left?.(record);
        await this.leases.release(record.id);
        if (!(outcome?.kind === 'suspended' && outcome.started)) await this.endings.releaseSlot(record, run.log);
      }
      return outcome;
    })();
    handle.settling(settled);
    return settled;
  }

  private async save(record: JobRecord, state: JobState, run?: Run): Promise<void> {
    const from = record.state;
    record.state = state;
    record.updatedAt = this.now();
    const target = run ? currentTarget(run) : undefined;
    if (target) record.target = target;
    await this.jobs.save(record, FINAL_STATES.has(state));
    this.observer.stateChanged?.({ record, from });
  }
}
