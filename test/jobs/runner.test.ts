import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobRunner, type RunnerOptions } from '../../src/core/jobs/runner.ts';
import type { JobRecord, JobRequest } from '../../src/core/jobs/types.ts';
import type { ImageSource } from '../../src/core/images/image.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createFalProvider } from '../../src/core/providers/fal.ts';
import { QuotaLedger } from '../../src/core/quota/ledger.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';
import { recordingSink } from './restart-kit.ts';

const KEY = 'runner-test-key-000';
const subject = { platform: 'discord' as const, communityId: 'g1', userId: 'u1' };
const fastRetry = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 };

let fal: FakeFal;
let storage: Storage;
beforeEach(async () => {
  fal = await startFakeFal({ key: KEY });
  storage = createMemoryStorage();
});
afterEach(async () => {
  await fal.close();
  await storage.close();
});

function provider(queueUrl: string, name = 'fal') {
  const retry = { submit: fastRetry, status: fastRetry, result: fastRetry, cancel: fastRetry };
  return createFalProvider({ name, key: KEY, queueUrl, model: 'fal-ai/nano-banana/edit', textModel: 'fal-ai/nano-banana', retry });
}

function setup(options: Partial<RunnerOptions> & { limit?: number } = {}) {
  const ledger = new QuotaLedger(storage, { limit: options.limit ?? 10, window: 'day', timeZone: 'UTC' });
  const runner = new JobRunner({
    storage,
    ledger,
    providers: [provider(fal.url)],
    logger: silentLogger,
    poll: { initialMs: 5, maxMs: 20, factor: 1.5 },
    maxJobsPerUser: 0,
    userCooldownMs: 0,
    // The fake serves results on loopback, which only a configured host may use.
    downloadPolicy: { publicHosts: 'any', configuredHosts: ['127.0.0.1'] },
    ...options,
  });
  return { runner, ledger };
}

const source = (bytes: Buffer): ImageSource => ({ declaredBytes: bytes.length, load: async () => bytes });
const request = (overrides: Partial<JobRequest> = {}): JobRequest => ({
  id: 'discord:1001',
  subject,
  prompt: 'make it blue',
  images: [source(makePng(8, 8, 7))],
  count: 1,
  ...overrides,
});

describe('JobRunner', () => {
  it('runs a job to the end: progress on change, results delivered, quota committed, record persisted', async () => {
    const { runner, ledger } = setup();
    const { sink, events, deliveries } = recordingSink();
    const outcome = await runner.run(request({ count: 2 }), sink);

    expect(outcome).toMatchObject({ kind: 'done', delivered: 2, quota: { used: 2, remaining: 8, reserved: 0 } });
    expect(events).toEqual([{ type: 'queued', position: 2 }, { type: 'running' }, { type: 'delivering' }]);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.images.map((i) => i.bytes)).toEqual(fal.jobs[0]!.resultImages);
    expect(deliveries[0]!.quota).toMatchObject({ used: 2, remaining: 8 });
    expect(fal.jobs[0]!.inputImages[0]).toEqual(makePng(8, 8, 7));
    expect(await ledger.status(subject)).toMatchObject({ used: 2, reserved: 0 });
    const record = await storage.keyv<JobRecord>('jobs').get('discord:1001');
    expect(record).toMatchObject({ state: 'done', delivered: 2, provider: 'fal', submissions: [{ provider: 'fal', requestId: fal.jobs[0]!.requestId }] });
  });

  it('never runs or charges the same platform id twice', async () => {
    const { runner, ledger } = setup();
    const [a, b] = await Promise.all([runner.run(request(), recordingSink().sink), runner.run(request(), recordingSink().sink)]);
    expect([a.kind, b.kind].sort()).toEqual(['done', 'duplicate']);
    expect(fal.jobs).toHaveLength(1);
    expect((await ledger.status(subject)).used).toBe(1);
  });

  it('denies a request over the quota before anything is submitted', async () => {
    const { runner } = setup({ limit: 1 });
    const outcome = await runner.run(request({ count: 2 }), recordingSink().sink);
    expect(outcome).toMatchObject({ kind: 'quota_exhausted', requested: 2, quota: { remaining: 1 } });
    expect(fal.requests).toHaveLength(0);
  });

  it('rejects an input that is not an image at no cost', async () => {
    const { runner, ledger } = setup();
    const outcome = await runner.run(request({ images: [source(Buffer.from('not an image'))] }), recordingSink().sink);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'IMAGE_UNSUPPORTED' });
    expect(fal.requests).toHaveLength(0);
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0, remaining: 10 });
  });

  it('refunds when the provider reports an error result', async () => {
    fal.script.outcome = { kind: 'error', httpStatus: 500, body: { detail: 'model crashed' }, error: 'model crashed' };
    const { runner, ledger } = setup();
    const outcome = await runner.run(request(), recordingSink().sink);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'PROVIDER_FAILED' });
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
    expect((await storage.keyv<JobRecord>('jobs').get('discord:1001'))?.state).toBe('failed');
  });

  it('cancels at the provider and refunds when the deadline passes', async () => {
    fal.script.statuses = Array.from({ length: 1000 }, () => ({ status: 'IN_QUEUE' as const, queue_position: 5 }));
    const { runner, ledger } = setup({ deadlineMs: 150 });
    const outcome = await runner.run(request(), recordingSink().sink);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'TIMED_OUT' });
    expect(fal.jobs[0]!.cancelled).toBe(true);
    expect(fal.requests.some((r) => r.method === 'PUT' && r.path.endsWith('/cancel'))).toBe(true);
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
    expect((await storage.keyv<JobRecord>('jobs').get('discord:1001'))?.state).toBe('timed_out');
  });

  it('cancels for the requester only, at the provider, with a refund', async () => {
    fal.script.statuses = Array.from({ length: 1000 }, () => ({ status: 'IN_QUEUE' as const, queue_position: 5 }));
    const { runner, ledger } = setup();
    const { sink, events } = recordingSink();
    const running = runner.run(request(), sink);
    expect(runner.cancel('discord:1001', subject.userId)).toBe('not_found'); // not started yet: nothing to cancel
    await expect.poll(() => events.length).toBeGreaterThan(0);
    expect(runner.cancel('discord:1001', 'someone-else')).toBe('not_yours');
    expect(runner.cancel('discord:1001', subject.userId)).toBe('cancelled');
    expect(await running).toEqual({ kind: 'cancelled' });
    expect(fal.jobs[0]!.cancelled).toBe(true);
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
    expect((await storage.keyv<JobRecord>('jobs').get('discord:1001'))?.state).toBe('cancelled');
    expect(runner.cancel('discord:1001', subject.userId)).toBe('not_found');
  });

  it('refunds when the platform refuses the delivery', async () => {
    const { runner, ledger } = setup();
    const { sink } = recordingSink(async () => {
      throw new Error('413 Request Entity Too Large');
    });
    const outcome = await runner.run(request(), sink);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'DELIVERY_FAILED' });
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
  });

  it('charges only the images that arrived', async () => {
    const { runner, ledger } = setup();
    const { sink } = recordingSink(async () => 1);
    const outcome = await runner.run(request({ count: 3 }), sink);
    expect(outcome).toMatchObject({ kind: 'done', delivered: 1 });
    expect(await ledger.status(subject)).toMatchObject({ used: 1, reserved: 0, remaining: 9 });
  });

  it('skips a provider that is down before accepting, and runs the job on the next', async () => {
    const down = await startFakeFal({ key: KEY });
    const downUrl = down.url;
    await down.close(); // nothing listens there now: connection refused
    const { runner } = setup({ providers: [provider(downUrl, 'first'), provider(fal.url, 'second')] });
    const outcome = await runner.run(request(), recordingSink().sink);
    expect(outcome.kind).toBe('done');
    expect(fal.jobs).toHaveLength(1);
    expect((await storage.keyv<JobRecord>('jobs').get('discord:1001'))?.provider).toBe('second');
  });

  it('does not try the next provider when the first refused the input, and refunds', async () => {
    const other = await startFakeFal({ key: KEY });
    try {
      const { runner, ledger } = setup({ providers: [provider(fal.url), provider(other.url, 'other')] });
      const outcome = await runner.run(request({ prompt: '' }), recordingSink().sink);
      expect(outcome).toMatchObject({ kind: 'failed', code: 'PROVIDER_REJECTED' });
      expect(other.requests).toHaveLength(0);
      expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
    } finally {
      await other.close();
    }
  });
});
