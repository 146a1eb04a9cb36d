import { JobRunner, type RunnerOptions } from '../../src/core/jobs/runner.ts';
import type { Delivery, JobOutcome, JobRecord, JobRequest, JobSink } from '../../src/core/jobs/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createFalProvider, type FalOptions } from '../../src/core/providers/fal.ts';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { startFakeFal, type FakeFal, type FakeFalOptions } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/**
 * The core's job runner against fake fal queues, for the fault tables: real providers, the real
 * ledger on the memory store, fast retries and polling, and short per-call timeouts so a hung
 * connection is given up quickly.
 */

export const KEY = 'faults-test-key-000';
export const SUBJECT = { platform: 'telegram' as const, communityId: null, userId: '42' };
const FAST_RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
/** Per HTTP call: long enough for loopback, short enough that a hung connection costs a moment. */
export const CALL_TIMEOUT_MS = 300;

export interface FaultWorld {
  readonly runner: JobRunner;
  readonly ledger: QuotaLedger;
  readonly storage: Storage;
  /** Runs one job (`count` images from one input) and says what was delivered. */
  run(overrides?: Partial<JobRequest>): Promise<{ outcome: JobOutcome; deliveries: Delivery[] }>;
  record(id?: string): Promise<JobRecord | undefined>;
  usage(): Promise<{ used: number; reserved: number }>;
}

export async function startFal(cleanups: Array<() => Promise<void>>, options: FakeFalOptions = {}): Promise<FakeFal> {
  const fal = await startFakeFal({ key: KEY, ...options });
  cleanups.push(() => fal.close());
  return fal;
}

/** A fal provider at `fal`; `stream: false` makes it poll, so status faults are met. */
export function falProvider(fal: FakeFal, options: Partial<FalOptions> = {}) {
  const retry = { submit: FAST_RETRY, status: FAST_RETRY, result: FAST_RETRY, cancel: FAST_RETRY };
  return createFalProvider({
    key: KEY,
    queueUrl: fal.url,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    retry,
    timeoutMs: CALL_TIMEOUT_MS,
    stream: false,
    ...options,
  });
}

let nextId = 1;

export function faultWorld(
  cleanups: Array<() => Promise<void>>,
  options: Partial<RunnerOptions> & { storage?: Storage } = {},
): FaultWorld {
  const storage = options.storage ?? createMemoryStorage();
  cleanups.push(() => storage.close());
  const ledger = new QuotaLedger(storage, { limit: 10, window: 'day', timeZone: 'UTC' });
  const runner = new JobRunner({
    storage,
    ledger,
    providers: [],
    logger: silentLogger,
    poll: { initialMs: 5, maxMs: 20, factor: 1.5 },
    maxJobsPerUser: 0,
    userCooldownMs: 0,
    downloadTimeoutMs: CALL_TIMEOUT_MS,
    // The fakes serve results on loopback, which only a configured host may use.
    downloadPolicy: { publicHosts: 'any', configuredHosts: ['127.0.0.1'] },
    ...options,
  });
  let lastId = '';
  return {
    runner,
    ledger,
    storage,
    async run(overrides = {}) {
      const deliveries: Delivery[] = [];
      const sink: JobSink = { progress: async () => undefined, deliver: async (d) => (deliveries.push(d), d.images.length) };
      lastId = overrides.id ?? `telegram:fault-${nextId++}`;
      const bytes = makePng(16, 16, 9);
      const request: JobRequest = {
        subject: SUBJECT,
        prompt: 'make it blue',
        images: [{ declaredBytes: bytes.length, load: async () => bytes }],
        count: 1,
        ...overrides,
        id: lastId,
      };
      return { outcome: await runner.run(request, sink), deliveries };
    },
    record: (id = lastId) => storage.keyv<JobRecord>('jobs').get(id),
    async usage() {
      const { used, reserved } = await ledger.status(SUBJECT);
      return { used, reserved };
    },
  };
}
