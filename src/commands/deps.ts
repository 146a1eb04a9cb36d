import type { JobRunner } from '../core/jobs/runner.ts';
import type { Logger } from '../core/log.ts';
import type { QuotaLedger } from '../core/quota/ledger.ts';

/** What the commands need from the core. */
export interface CommandDeps {
  readonly runner: JobRunner;
  readonly ledger: QuotaLedger;
  readonly logger: Logger;
}
