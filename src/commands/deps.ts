import type { JobRunner } from '../core/jobs/runner.ts';
import type { Logger } from '../core/log.ts';
import type { QuotaAdmin } from '../core/quota/admin.ts';
import type { QuotaLedger } from '../core/quota/ledger.ts';
import type { Platform } from '../core/quota/subject.ts';

/** What the commands need from the core. */
export interface CommandDeps {
  readonly runner: JobRunner;
  readonly ledger: QuotaLedger;
  readonly admin: QuotaAdmin;
  /** BOT_OWNERS: they moderate everywhere and set the platform defaults. */
  readonly owners: ReadonlyArray<{ readonly platform: Platform; readonly userId: string }>;
  readonly logger: Logger;
}
