import type { Logger } from '../log.ts';
import type { QuotaSubject } from '../quota/subject.ts';
import type { JobRecord, JobState } from './types.ts';

/** One stored state change of a job: `record` as saved (its `state` is the new one). */
export interface JobStateChange {
  readonly record: Readonly<JobRecord>;
  /** The state before this save; equal to the new one for a job's first save. */
  readonly from: JobState;
}

/** Why a request was refused before it could run: nothing was reserved. */
export type JobDenial = 'exhausted' | 'blocked' | 'too_many_jobs' | 'cooling_down';

/**
 * Watches the runner's jobs (metrics, logs) without the runner knowing who watches. Every state change
 * passes through the runner's one save, so nothing is missed. Called synchronously after the record is
 * stored: an observer must be quick and must not throw (a thrown error is swallowed by the runner).
 */
export interface JobObserver {
  stateChanged?(change: JobStateChange): void;
  denied?(subject: QuotaSubject, reason: JobDenial): void;
  /** This process stopped running the job: it finished, or was left for another process to resume. */
  left?(record: Readonly<JobRecord>): void;
}

/** Several observers as one; each is shielded from the others' failures. */
export function observeAll(observers: readonly JobObserver[]): JobObserver {
  const each = (call: (observer: JobObserver) => void) => {
    for (const observer of observers) {
      try {
        call(observer);
      } catch {
        // An observer's bug must never change a job's course.
      }
    }
  };
  return {
    stateChanged: (change) => each((observer) => observer.stateChanged?.(change)),
    denied: (subject, reason) => each((observer) => observer.denied?.(subject, reason)),
    left: (record) => each((observer) => observer.left?.(record)),
  };
}

/**
 * One log line per state change, with what support needs to follow a job across the platform and the
 * provider. Never the delivery target: it may hold a Discord interaction token.
 */
export function jobStateLog(logger: Logger): JobObserver {
  return {
    stateChanged({ record, from }) {
      const requestIds = record.submissions?.map((submission) => submission.requestId);
      logger.info(
        {
          job: record.id,
          state: record.state,
          ...(from === record.state ? {} : { from }),
          platform: record.subject.platform,
          community: record.subject.communityId ?? 'dm',
          ...(record.provider ? { provider: record.provider } : {}),
          ...(requestIds && requestIds.length > 0 ? { requestId: requestIds.join(',') } : {}),
          ...(record.errorCode ? { errorCode: record.errorCode } : {}),
        },
        'job state',
      );
    },
  };
}
