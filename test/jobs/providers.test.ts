import { afterEach, describe, expect, it } from 'vitest';
import { InputHost } from '../../src/core/http/input-host.ts';
import { startHttpServer } from '../../src/core/http/server.ts';
import type { ImageSource } from '../../src/core/images/image.ts';
import { CallbackRegistry } from '../../src/core/jobs/callbacks.ts';
import { JobRunner, type RunnerOptions } from '../../src/core/jobs/runner.ts';
import type { Delivery, JobRecord, JobRequest, JobSink } from '../../src/core/jobs/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createNanoBananaApiProvider } from '../../src/core/providers/nanobananaapi.ts';
import type { Provider } from '../../src/core/providers/provider.ts';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { freePort } from '../helpers/core.ts';
import { startFalContractFake } from '../helpers/fake-fal.ts';
import { startGeminiContractFake } from '../helpers/fake-gemini.ts';
import { startFakeNanoBananaApi } from '../helpers/fake-nanobananaapi.ts';
import { startSinanCodeContractFake } from '../helpers/fake-sinancode.ts';
import { makePng } from '../helpers/png.ts';
import type { ContractFake } from '../helpers/provider-contract.ts';

/**
 * The core across providers: failover and the circuit breaker, requests fitted to what a provider
 * can do (or refused before any money is spent), and completion by callback instead of polling.
 */

const RETRY = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 };
const subject = { platform: 'telegram' as const, communityId: null, userId: 'u1' };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(factory: (o: { retry: typeof RETRY }) => Promise<ContractFake>): Promise<ContractFake> {
  const started = await factory({ retry: RETRY });
  cleanups.push(() => started.close());
  return started;
}

/** No abuse limits (they have tests of their own); results from the loopback fakes may be downloaded. */
const LIMITS_OFF: Partial<RunnerOptions> = {
  maxJobsPerUser: 0,
  userCooldownMs: 0,
  downloadPolicy: { publicHosts: 'any', configuredHosts: ['127.0.0.1'] },
};

function setup(providers: Provider[], options: Partial<RunnerOptions> = {}): { runner: JobRunner; ledger: QuotaLedger; storage: Storage } {
  const storage = createMemoryStorage();
  cleanups.push(() => storage.close());
  const ledger = new QuotaLedger(storage, { limit: 10, window: 'day', timeZone: 'UTC' });
  const runner = new JobRunner({ storage, ledger, providers, logger: silentLogger, poll: { initialMs: 5, maxMs: 20, factor: 1.5 }, ...LIMITS_OFF, ...options });
  return { runner, ledger, storage };
}

function sink(): { sink: JobSink; deliveries: Delivery[] } {
  const deliveries: Delivery[] = [];
  return { deliveries, sink: { progress: async () => undefined, deliver: async (d) => (deliveries.push(d), d.images.length) } };
}

const source = (bytes: Buffer): ImageSource => ({ declaredBytes: bytes.length, load: async () => bytes });
let nextId = 1;
const request = (overrides: Partial<JobRequest> = {}): JobRequest => ({
  id: `telegram:job-${nextId++}`,
  subject,
  prompt: 'make it blue',
  images: [source(makePng(32, 32, 5))],
  count: 1,
  ...overrides,
});

describe('failover and health', () => {
  it('finishes on the next provider when fal answers 503, then keeps fal out of the rotation for a while', async () => {
    const fal = await fake(startFalContractFake);
    const gemini = await fake(startGeminiContractFake);
    fal.failNextSubmits(100);
    const { runner, storage } = setup([fal.provider, gemini.provider]);

    const first = await runner.run(request(), sink().sink);
    expect(first.kind).toBe('done');
    expect(gemini.jobs).toHaveLength(1);
    const submitsToFal = fal.received.filter((r) => r.method === 'POST').length;
    expect(submitsToFal).toBeGreaterThan(0);
    const record = await storage.keyv<JobRecord>('jobs').get('telegram:job-' + (nextId - 1));
    expect(record?.provider).toBe('gemini');

    // The breaker is open: the next job goes straight to gemini, nobody waits on fal's retries.
    const second = await runner.run(request(), sink().sink);
    expect(second.kind).toBe('done');
    expect(fal.received.filter((r) => r.method === 'POST')).toHaveLength(submitsToFal);
    expect(gemini.jobs).toHaveLength(2);
  });

  it('still tries a cooling-down provider when it is the only one left', async () => {
    const fal = await fake(startFalContractFake);
    const { runner } = setup([fal.provider]);
    fal.failNextSubmits(2); // one submit with its retry
    expect(await runner.run(request(), sink().sink)).toMatchObject({ kind: 'failed', code: 'PROVIDER_UNAVAILABLE' });
    expect(await runner.run(request(), sink().sink)).toMatchObject({ kind: 'done' });
  });
});

describe('fitting a request to the provider', () => {
  it('makes several submits for a provider without a count field, and charges what arrived', async () => {
    const gemini = await fake(startGeminiContractFake);
    const { runner, ledger } = setup([gemini.provider]);
    const recorded = sink();
    const outcome = await runner.run(request({ count: 3, outputFormat: 'webp' }), recorded.sink);
    expect(outcome).toMatchObject({ kind: 'done', delivered: 3 });
    expect(gemini.jobs).toHaveLength(3);
    expect(recorded.deliveries[0]!.images).toHaveLength(3);
    expect(await ledger.status(subject)).toMatchObject({ used: 3, reserved: 0 });
  });

  it('refuses what the provider cannot do before anything is spent, saying what to change', async () => {
    const gemini = await fake(startGeminiContractFake);
    const { runner, ledger } = setup([gemini.provider]);
    const outcome = await runner.run(request({ aspectRatio: '5:4' }), sink().sink);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'PROVIDER_REJECTED', userDetail: expect.stringMatching(/5:4 is not available here: choose one of/) });
    expect(gemini.received).toHaveLength(0);
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
  });

  it('skips a provider that cannot run the request for one that can', async () => {
    const sinan = await fake(startSinanCodeContractFake);
    const fal = await fake(startFalContractFake);
    const { runner } = setup([sinan.provider, fal.provider]);
    // SinanCode only edits: text-to-image goes to fal.
    expect(await runner.run(request({ images: [] }), sink().sink)).toMatchObject({ kind: 'done' });
    expect(sinan.received).toHaveLength(0);
    expect(fal.jobs).toHaveLength(1);
  });

  it('needs a public URL to hand images to a provider that only takes URLs', async () => {
    const sinan = await fake(startSinanCodeContractFake);
    const { runner } = setup([sinan.provider]);
    const outcome = await runner.run(request(), sink().sink);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'PROVIDER_REJECTED', userDetail: expect.stringMatching(/PUBLIC_URL/) });
    expect(sinan.received).toHaveLength(0);
  });
});

describe('completion by callback', () => {
  async function withServer(): Promise<{ callbacks: CallbackRegistry; inputHost: InputHost; publicUrl: string }> {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const callbacks = new CallbackRegistry(publicUrl);
    const inputHost = new InputHost(publicUrl);
    const server = await startHttpServer({ port, host: '127.0.0.1', callbacks, inputs: inputHost, logger: silentLogger });
    cleanups.push(() => server.close());
    return { callbacks, inputHost, publicUrl };
  }

  it('nanobananaapi: the callback wakes the job at once, and the result is confirmed with record-info first', async () => {
    const nano = await startFakeNanoBananaApi({ key: 'nb-key', script: { runningPolls: 1000 } });
    cleanups.push(() => nano.close());
    const provider = createNanoBananaApiProvider({ key: 'nb-key', baseUrl: nano.url, retry: RETRY });
    const { callbacks, inputHost, publicUrl } = await withServer();
    // Fallback polling so slow that only the callback can finish the job within the test.
    const { runner } = setup([provider], { callbacks, inputHost, pushPoll: { initialMs: 60_000, maxMs: 60_000, factor: 1 } });

    const running = runner.run(request(), sink().sink);
    const task = await nano.waitForJob();
    expect(task.callBackUrl.startsWith(`${publicUrl}/callbacks/`)).toBe(true);
    expect(task.inputUrls[0]!.startsWith(`${publicUrl}/inputs/`)).toBe(true);
    const before = nano.requests.length;
    await nano.complete(task.taskId);
    expect(nano.callbacks[0]?.status).toBe(200);
    expect(await running).toMatchObject({ kind: 'done', delivered: 1 });
    const after = nano.requests.slice(before).map((r) => r.path);
    expect(after.some((path) => path.startsWith('/api/v1/nanobanana/record-info'))).toBe(true);
    // The job's route and hosted inputs are gone once it ended.
    expect(callbacks.openRoutes).toBe(0);
    expect(inputHost.size).toBe(0);
  });

  it('refuses callbacks with an unknown token or an unreadable body, and they wake nothing', async () => {
    const nano = await startFakeNanoBananaApi({ key: 'nb-key', script: { runningPolls: 2, callbacks: false } });
    cleanups.push(() => nano.close());
    const provider = createNanoBananaApiProvider({ key: 'nb-key', baseUrl: nano.url, retry: RETRY });
    const { callbacks, inputHost, publicUrl } = await withServer();
    const { runner } = setup([provider], { callbacks, inputHost, pushPoll: { initialMs: 20, maxMs: 50, factor: 1.5 } });
    const running = runner.run(request(), sink().sink);
    const task = await nano.waitForJob();
    const post = (url: string, body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect((await post(`${publicUrl}/callbacks/not-a-token`, '{"data":{"taskId":"x"}}')).status).toBe(404);
    expect((await post(task.callBackUrl, 'not json')).status).toBe(401);
    // Without callbacks, fallback polling still finishes the job.
    expect(await running).toMatchObject({ kind: 'done' });
  });
});
