import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRequest } from '../../src/core/jobs/types.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';
import { cuttable, eventually, FAL_KEY, imageSource, recordingSink, recordOf, runnerOn, SHARED_STORES } from './restart-kit.ts';

const subject = { platform: 'discord' as const, communityId: 'g1', userId: 'u1' };
const request = (overrides: Partial<JobRequest> = {}): JobRequest => ({
  id: 'discord:2001',
  subject,
  prompt: 'make it blue',
  images: [imageSource(makePng(8, 8, 7))],
  count: 1,
  kind: 'edit',
  target: () => ({ platform: 'discord', channelId: 'c1' }),
  ...overrides,
});
const FOLLOWING = new Set(['submitted', 'queued', 'running']);
const submits = (fal: FakeFal) => fal.requests.filter((r) => r.method === 'POST');
const cancels = (fal: FakeFal) => fal.requests.filter((r) => r.method === 'PUT' && r.path.includes('/cancel'));

let fal: FakeFal;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(async () => {
  fal = await startFakeFal({ key: FAL_KEY });
  // The job completes on fal's clock, whoever polls it: a runner can stop in the middle.
  fal.script.durationMs = 1500;
  fal.script.statuses = [{ status: 'IN_QUEUE', queue_position: 1 }];
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await fal.close();
});

describe.each(SHARED_STORES)('a job outlives the process that started it, on %s', (_, shared) => {
  it('a runner shut down mid-job leaves it to the next: suspended, reservation kept, nothing cancelled; the next finishes it with one submit', async () => {
    const file = shared();
    cleanups.push(file.cleanup);
    const first = runnerOn((await file.open()), fal.url, { leaseMs: 60_000 });
    const firstSink = recordingSink();
    const running = first.runner.run(request(), firstSink.sink);
    const storage = (await file.open());
    await eventually(async () => (FOLLOWING.has((await recordOf(storage, 'discord:2001'))?.state ?? '') ? true : undefined), 'the job to be submitted');

    await first.runner.shutdown();
    expect(await running).toEqual({ kind: 'suspended', started: true });
    expect(cancels(fal)).toHaveLength(0);
    expect(await first.ledger.status(subject)).toMatchObject({ used: 0, reserved: 1 });
    expect(firstSink.deliveries).toHaveLength(0);

    // The lease was released: a runner with a minute-long lease takes the job at once.
    const second = runnerOn((await file.open()), fal.url, { leaseMs: 60_000 });
    const claimed = await second.runner.claimStranded('discord');
    expect(claimed.map((r) => r.id)).toEqual(['discord:2001']);
    expect(claimed[0]).toMatchObject({ kind: 'edit', target: { platform: 'discord', channelId: 'c1' }, provider: 'fal' });
    const secondSink = recordingSink();
    expect(await second.runner.resume(claimed[0]!, secondSink.sink)).toMatchObject({ kind: 'done', delivered: 1 });

    expect(secondSink.deliveries[0]!.images.map((i) => i.bytes)).toEqual(fal.jobs[0]!.resultImages);
    expect(submits(fal)).toHaveLength(1);
    expect(await second.ledger.status(subject)).toMatchObject({ used: 1, reserved: 0, remaining: 9 });
    expect(await recordOf(storage, 'discord:2001')).toMatchObject({ state: 'done', delivered: 1 });
    expect(await storage.setMembers('jobs-open')).toEqual([]);
    expect(await second.runner.claimStranded('discord')).toEqual([]);
  });

  it('a runner that died mid-job (its store cut) loses the job once its lease lapses; another finishes it, charged once', async () => {
    const file = shared();
    cleanups.push(file.cleanup);
    const dying = cuttable((await file.open()));
    const first = runnerOn(dying.storage, fal.url, { leaseMs: 150 });
    const firstSink = recordingSink();
    const running = first.runner.run(request(), firstSink.sink);
    const storage = (await file.open());
    await eventually(async () => (FOLLOWING.has((await recordOf(storage, 'discord:2001'))?.state ?? '') ? true : undefined), 'the job to be submitted');
    dying.cut();

    const second = runnerOn((await file.open()), fal.url, { leaseMs: 150 });
    const [record] = await eventually(async () => {
      const claimed = await second.runner.claimStranded('discord');
      return claimed.length > 0 ? claimed : undefined;
    }, 'the lease to lapse');
    const secondSink = recordingSink();
    expect(await second.runner.resume(record!, secondSink.sink)).toMatchObject({ kind: 'done', delivered: 1 });

    expect(submits(fal)).toHaveLength(1);
    expect(secondSink.deliveries).toHaveLength(1);
    expect(await second.ledger.status(subject)).toMatchObject({ used: 1, reserved: 0 });
    // The dead runner could not move the job on: it delivered nothing and charged nothing.
    expect(await running).toMatchObject({ kind: 'failed', code: 'STORE_UNAVAILABLE' });
    expect(firstSink.deliveries).toHaveLength(0);
    expect(await second.ledger.status(subject)).toMatchObject({ used: 1, reserved: 0 });
  });

  it('two runners claiming at once never get the same job; each job is finished once, for its own platform only', async () => {
    fal.script.durationMs = 800;
    const file = shared();
    cleanups.push(file.cleanup);
    const first = runnerOn((await file.open()), fal.url, { leaseMs: 60_000 });
    const ids = [1, 2, 3, 4, 5, 6].map((n) => `discord:30${n}`);
    const running = [
      ...ids.map((id, n) => first.runner.run(request({ id, subject: { ...subject, userId: `u${n % 3}` } }), recordingSink().sink)),
      first.runner.run(
        request({ id: 'telegram:7:1', subject: { platform: 'telegram', communityId: null, userId: '7' }, target: () => ({ platform: 'telegram', chatId: 7 }) }),
        recordingSink().sink,
      ),
    ];
    await fal.waitForJob(7);
    const storage = (await file.open());
    await eventually(async () => {
      const records = await Promise.all([...ids, 'telegram:7:1'].map((id) => recordOf(storage, id)));
      return records.every((r) => FOLLOWING.has(r?.state ?? '')) ? true : undefined;
    }, 'every job to be submitted');
    await first.runner.shutdown();
    expect((await Promise.all(running)).every((o) => o.kind === 'suspended' && o.started)).toBe(true);

    const b = runnerOn((await file.open()), fal.url, { leaseMs: 60_000 });
    const c = runnerOn((await file.open()), fal.url, { leaseMs: 60_000 });
    const [byB, byC] = await Promise.all([b.runner.claimStranded('discord'), c.runner.claimStranded('discord')]);
    const claimed = [...byB, ...byC].map((r) => r.id);
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(new Set(claimed).size).toBe(ids.length);
    // Claimed jobs are held: a second round hands out nothing, in either runner.
    expect([...(await b.runner.claimStranded('discord')), ...(await c.runner.claimStranded('discord'))]).toEqual([]);

    const outcomes = await Promise.all([
      ...byB.map((r) => b.runner.resume(r, recordingSink().sink)),
      ...byC.map((r) => c.runner.resume(r, recordingSink().sink)),
    ]);
    expect(outcomes.every((o) => o.kind === 'done')).toBe(true);
    expect(submits(fal)).toHaveLength(7);
    for (const userId of ['u0', 'u1', 'u2']) expect(await b.ledger.status({ ...subject, userId })).toMatchObject({ used: 2, reserved: 0 });

    const telegram = await b.runner.claimStranded('telegram');
    expect(telegram.map((r) => r.id)).toEqual(['telegram:7:1']);
    expect(await b.runner.resume(telegram[0]!, recordingSink().sink)).toMatchObject({ kind: 'done' });
    expect(await storage.setMembers('jobs-open')).toEqual([]);
  });
});

describe('job leases', () => {
  it('lease renewal keeps a running job from being taken by another runner', async () => {
    fal.script.durationMs = 1000;
    const storage = createMemoryStorage();
    cleanups.push(() => storage.close());
    const first = runnerOn(storage, fal.url, { leaseMs: 100 });
    const other = runnerOn(storage, fal.url, { leaseMs: 100 });
    const running = first.runner.run(request(), recordingSink().sink);
    await eventually(async () => (FOLLOWING.has((await recordOf(storage, 'discord:2001'))?.state ?? '') ? true : undefined), 'the job to be submitted');

    // Five lease periods: without renewal the lease would have lapsed several times over.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await other.runner.claimStranded('discord')).toEqual([]);
    expect(await running).toMatchObject({ kind: 'done', delivered: 1 });
    expect(await other.runner.claimStranded('discord')).toEqual([]);
    expect(submits(fal)).toHaveLength(1);
  });
});
