import type { AppConfig } from './config.ts';
import { createCommands } from './commands/create.ts';
import type { Commands } from './commands/commands.ts';
import { downloadPolicyOf } from './config-downloads.ts';
import type { DownloadPolicy } from './core/http/download-policy.ts';
import { InputHost } from './core/http/input-host.ts';
import { startHttpServer, type HttpRoutes, type RunningHttpServer } from './core/http/server.ts';
import { CallbackRegistry } from './core/jobs/callbacks.ts';
import type { PollPolicy } from './core/jobs/follow.ts';
import { jobStateLog, observeAll } from './core/jobs/observer.ts';
import { JobRunner } from './core/jobs/runner.ts';
import { BotMetrics } from './core/metrics.ts';
import { Readiness, storeCheck } from './core/readiness.ts';
import type { RetryPolicy } from './core/http/retry.ts';
import type { Logger } from './core/log.ts';
import { createProviders } from './core/providers/registry.ts';
import { QuotaAdmin } from './core/quota/admin.ts';
import { QuotaLedger } from './core/quota/ledger.ts';
import { openStorage } from './core/store/open.ts';
import type { Storage } from './core/store/storage.ts';

/** Seams for tests: faster polling and retries, a fixed clock, a store of their own. */
export interface AppOverrides {
  readonly storage?: Storage;
  readonly poll?: PollPolicy;
  /** Fallback polling while a provider callback is expected. */
  readonly pushPoll?: PollPolicy;
  readonly providerRetry?: RetryPolicy;
  readonly deadlineMs?: number;
  readonly now?: () => Date;
  /** Job leases (RunnerOptions.leaseMs): short in tests, so a stopped process's jobs are taken over quickly. */
  readonly leaseMs?: number;
  /** This process's name in job leases (RunnerOptions.instanceId). */
  readonly instanceId?: string;
  /** Abuse limits (RunnerOptions): jobs in flight per user, and the cool-down between two requests; 0 = off. */
  readonly maxJobsPerUser?: number;
  readonly userCooldownMs?: number;
}

export interface App {
  readonly commands: Commands;
  readonly runner: JobRunner;
  readonly ledger: QuotaLedger;
  readonly admin: QuotaAdmin;
  readonly storage: Storage;
  /** The HTTP server's port, when it runs (HTTP_PORT or PUBLIC_URL set). */
  readonly httpPort?: number | undefined;
  /** Where an adapter adds its own route (Telegram's webhook), when the HTTP server runs. */
  readonly http?: HttpRoutes | undefined;
  /** Where downloads may come from (platform files, provider results): pass it to every download. */
  readonly downloadPolicy: DownloadPolicy;
  /** Prometheus metrics of this app (a registry of its own), served at /metrics when the HTTP server runs. */
  readonly metrics: BotMetrics;
  /** What /readyz checks: the store, and each adapter main.ts adds once it runs. */
  readonly readiness: Readiness;
  close(): Promise<void>;
}

/** How long hosted input images stay beyond the job deadline. */
const INPUT_MARGIN_MS = 5 * 60_000;

/** Builds the platform-neutral application (store, quota, providers, jobs, HTTP server, commands) from config. */
export async function buildApp(config: AppConfig, logger: Logger, overrides: AppOverrides = {}): Promise<App> {
  const storage = overrides.storage ?? (await openStorage(config.storeUrl));
  const now = overrides.now;
  const ledger = new QuotaLedger(storage, { ...config.quota, now });
  const { fal, chainhub, sinancode, nanobananaapi, gemini } = config;
  const providers = createProviders(config.providers, { fal, chainhub, sinancode, nanobananaapi, gemini, retry: overrides.providerRetry });
  // Without a public URL no provider can reach us: completion is then found by stream or polling.
  const publicUrl = config.http?.publicUrl;
  const callbacks = publicUrl ? new CallbackRegistry(publicUrl) : undefined;
  // Hosted inputs outlive the longest job, so a provider can still fetch them near the deadline.
  const inputHost = publicUrl ? new InputHost(publicUrl, { maxAgeMs: config.jobs.timeoutMs + INPUT_MARGIN_MS }) : undefined;
  const downloadPolicy = downloadPolicyOf(config, providers.flatMap((provider) => provider.resultHosts ?? []));
  const metrics = new BotMetrics();
  const readiness = new Readiness();
  readiness.add('store', storeCheck(storage));
  let http: RunningHttpServer | undefined;
  if (config.http) {
    try {
      http = await startHttpServer({
        port: config.http.port,
        callbacks,
        inputs: inputHost,
        readiness: () => readiness.report(),
        metrics: () => metrics.text(),
        logger,
      });
    } catch (error) {
      await storage.close();
      throw error;
    }
    logger.info({ port: http.port, publicUrl }, 'HTTP server listening');
  }
  const runner = new JobRunner({
    storage,
    ledger,
    providers,
    logger,
    poll: overrides.poll,
    pushPoll: overrides.pushPoll,
    callbacks,
    inputHost,
    downloadPolicy,
    deadlineMs: overrides.deadlineMs ?? config.jobs.timeoutMs,
    leaseMs: overrides.leaseMs,
    instanceId: overrides.instanceId,
    maxJobsPerUser: overrides.maxJobsPerUser ?? config.jobs.maxJobsPerUser,
    userCooldownMs: overrides.userCooldownMs ?? config.jobs.userCooldownMs,
    now: now ? () => now().getTime() : undefined,
    observer: observeAll([metrics.jobObserver, jobStateLog(logger.child({ component: 'jobs' }))]),
  });
  const admin = new QuotaAdmin(storage, ledger, now ? () => now().getTime() : undefined);
  const commands = createCommands({ runner, ledger, admin, owners: config.owners, logger });
  return {
    commands,
    runner,
    ledger,
    admin,
    storage,
    httpPort: http?.port,
    http,
    downloadPolicy,
    metrics,
    readiness,
    close: async () => {
      await http?.close();
      await storage.close();
    },
  };
}
