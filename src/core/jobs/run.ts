import { toBotError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Provider } from '../providers/provider.ts';
import type { DeliveryTarget, JobRecord, JobSink } from './types.ts';

/** The variable parts of one run of a job (live or resumed), so the lifecycle steps can share them. */
export interface Run {
  readonly record: JobRecord;
  readonly sink: JobSink;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Where to answer, read at every save (the adapter may learn a status message id later). */
  readonly target?: (() => DeliveryTarget | undefined) | undefined;
  /** Picked up after a restart: a callback may have come while no process listened, so polling starts at once. */
  readonly resumed: boolean;
  /** The provider that accepted the job, once known. */
  provider?: Provider | undefined;
  /** Results are in hand: the deadline stops, and neither cancel nor shutdown interrupts the delivery. */
  disarm(): void;
}

/**
 * The abort reason of a job this process stops running without ending it: the process shuts down,
 * or another process took its lease. Nothing is cancelled at the provider and nothing refunded once
 * the job reached a provider; the next process to claim it carries on.
 */
export class Suspension {
  readonly why: 'shutdown' | 'lease_lost';

  constructor(why: 'shutdown' | 'lease_lost') {
    this.why = why;
  }
}

/** Where the run's answers go now, as the adapter says; a getter that throws is its bug and must not stop the job. */
export function currentTarget(run: Run): DeliveryTarget | undefined {
  if (!run.target) return undefined;
  try {
    return run.target();
  } catch (error) {
    run.log.warn({ err: toBotError(error).message }, 'could not read the delivery target');
    return undefined;
  }
}
