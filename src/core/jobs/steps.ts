import { setTimeout as sleep } from 'node:timers/promises';
import { BotError, toBotError } from '../errors.ts';
import type { DownloadPolicy } from '../http/download-policy.ts';
import type { ImageData } from '../images/image.ts';
import type { ImageLimits } from '../images/inspect.ts';
import type { ResultImage, Submission } from '../providers/provider.ts';
import type { QuotaLedger, QuotaView } from '../quota/ledger.ts';
import type { CallbackRoute } from './callbacks.ts';
import { followUntilDone, type PollPolicy } from './follow.ts';
import { fetchResults } from './results.ts';
import type { Run } from './run.ts';
import type { Slots } from './slots.ts';
import type { JobOutcome, JobState, ProgressEvent } from './types.ts';

/** What the steps after submit need from the runner. */
export interface StepDeps {
  readonly ledger: QuotaLedger;
  /** Bounds the jobs holding result bytes at once (fetching and delivering). */
  readonly resultSlots: Slots;
  readonly poll: PollPolicy;
  /** Fallback polling while a callback is expected. */
  readonly pushPoll?: PollPolicy | undefined;
  readonly limits: ImageLimits;
  readonly downloadTimeoutMs: number;
  readonly downloadPolicy?: DownloadPolicy | undefined;
  readonly now: () => number;
  save(run: Run, state: JobState): Promise<void>;
}

/**
 * The part of a job every run shares once a provider holds it, live or resumed: follow the
 * submissions (unless they are known to be complete), fetch the results, deliver, commit.
 */
export async function completeJob(deps: StepDeps, run: Run, from: 'follow' | 'fetch', route?: CallbackRoute): Promise<JobOutcome> {
  const submissions = run.record.submissions ?? [];
  const completed = from === 'follow' ? await awaitCompletion(deps, run, submissions, route) : submissions;
  return deps.resultSlots.run(run.signal, async () => {
    await deps.save(run, 'fetching');
    const outputs = await fetchAll(deps, run, completed);
    // Results are in hand: from here on the job only waits for the platform, not the provider.
    run.disarm();
    return deliver(deps, run, outputs.slice(0, run.record.count));
  });
}

/** Follows every submission to its end; the ones that completed, or the first failure when none did. */
async function awaitCompletion(deps: StepDeps, run: Run, submissions: readonly Submission[], route?: CallbackRoute): Promise<readonly Submission[]> {
  const provider = run.provider!;
  // Resumed, a callback may have come while nobody listened: poll at the usual pace, woken early by one that still comes.
  const pushPolicy = run.resumed ? deps.poll : deps.pushPoll;
  const settled = await Promise.allSettled(
    submissions.map((submission, i) =>
      followUntilDone(provider, submission, {
        policy: deps.poll,
        signal: run.signal,
        // Several submits of one job move together; the first one speaks for all.
        onProgress: async (event) => {
          if (i !== 0) return;
          await deps.save(run, event.type === 'queued' ? 'queued' : 'running');
          await progress(run, event);
        },
        onStatusError: (error) => run.log.warn({ err: toBotError(error).message }, 'status check failed; polling on'),
        pushed: route ? { wakeup: route.wakeupFor(submission.requestId), policy: pushPolicy } : undefined,
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
async function fetchAll(deps: StepDeps, run: Run, completed: readonly Submission[]): Promise<ImageData[]> {
  const provider = run.provider!;
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
    { limits: deps.limits, timeoutMs: deps.downloadTimeoutMs, policy: deps.downloadPolicy, signal: run.signal },
    (error) => run.log.warn({ code: error.code, err: error.message }, 'a result image was left out'),
  );
}

async function deliver(deps: StepDeps, run: Run, delivering: readonly ImageData[]): Promise<JobOutcome> {
  const { record } = run;
  const provider = run.provider!.name;
  await deps.save(run, 'delivering');
  await progress(run, { type: 'delivering' });
  const quota = await deps.ledger.previewCommit(record.subject, record.id, delivering.length);
  const elapsedMs = deps.now() - record.createdAt;
  let delivered: number;
  try {
    delivered = await run.sink.deliver({ images: delivering, elapsedMs, quota, provider });
  } catch (error) {
    throw new BotError('DELIVERY_FAILED', `delivery failed: ${toBotError(error).message}`, { cause: error });
  }
  const after = await commitDelivered(deps, run, delivered);
  record.delivered = delivered;
  await deps.save(run, 'done');
  run.log.info({ provider, delivered, elapsedMs }, 'job done');
  return { kind: 'done', delivered, elapsedMs, quota: after };
}

/** Attempts at charging delivered images, and the first pause between two (doubling). */
const COMMIT_ATTEMPTS = 5;
const COMMIT_BACKOFF_MS = 100;

/**
 * Charges what was delivered. The images are out, so a store hiccup is waited out rather than
 * turned into a refund; commit is idempotent by job id, so a retry after a commit that did land (or
 * a delivery repeated after a restart) is never charged twice.
 */
async function commitDelivered(deps: StepDeps, run: Run, delivered: number): Promise<QuotaView> {
  const { record } = run;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.ledger.commit(record.subject, record.id, delivered);
    } catch (error) {
      if (attempt >= COMMIT_ATTEMPTS) throw error;
      run.log.warn({ attempt, err: toBotError(error).message }, 'charging the delivered images failed; trying again');
      await sleep(COMMIT_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

/** Progress is best effort: a platform that cannot show it must not stop the job. */
export async function progress(run: Run, event: ProgressEvent): Promise<void> {
  try {
    await run.sink.progress(event);
  } catch (error) {
    run.log.warn({ err: toBotError(error).message }, 'progress update failed');
  }
}
