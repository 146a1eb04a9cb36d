import type { AppConfig } from './config.ts';
import { createCommands } from './commands/create.ts';
import type { Commands } from './commands/commands.ts';
import type { PollPolicy } from './core/jobs/follow.ts';
import { JobRunner } from './core/jobs/runner.ts';
import type { RetryPolicy } from './core/http/retry.ts';
import type { Logger } from './core/log.ts';
import { createProviders } from './core/providers/registry.ts';
import { QuotaLedger } from './core/quota/ledger.ts';
import { openStorage } from './core/store/open.ts';
import type { Storage } from './core/store/storage.ts';

/** Seams for tests: faster polling and retries, a fixed clock, a store of their own. */
export interface AppOverrides {
  readonly storage?: Storage;
  readonly poll?: PollPolicy;
  readonly providerRetry?: RetryPolicy;
  readonly deadlineMs?: number;
  readonly now?: () => Date;
}

export interface App {
  readonly commands: Commands;
  readonly runner: JobRunner;
  readonly ledger: QuotaLedger;
  readonly storage: Storage;
  close(): Promise<void>;
}

/** Builds the platform-neutral application (store, quota, providers, jobs, commands) from config. */
export async function buildApp(config: AppConfig, logger: Logger, overrides: AppOverrides = {}): Promise<App> {
  const storage = overrides.storage ?? (await openStorage(config.storeUrl));
  const now = overrides.now;
  const ledger = new QuotaLedger(storage, { ...config.quota, now });
  const providers = createProviders(config.providers, { fal: config.fal, retry: overrides.providerRetry });
  const runner = new JobRunner({
    storage,
    ledger,
    providers,
    logger,
    poll: overrides.poll,
    deadlineMs: overrides.deadlineMs,
    now: now ? () => now().getTime() : undefined,
  });
  const commands = createCommands({ runner, ledger, logger });
  return { commands, runner, ledger, storage, close: () => storage.close() };
}
