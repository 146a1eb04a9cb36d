import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord, JobRequest } from '../../src/core/jobs/types.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';
import { cuttable, eventually, FAL_KEY, imageSource, recordingSink, recordOf, runnerOn, sqliteFile, stuckSource } from './restart-kit.ts';

/** Each job is resumed from the state its first runner (on a store cut mid-job) left it in. */

const subject = { platform: 'telegram' as const, communityId: null, userId: '42' };
const ID = 'telegram:42:7';
const request = (overrides: Partial<JobRequest> = {}): JobRequest => ({
  id: ID,
  subject,
  prompt: 'add a hat',
  images: [imageSource(makePng(8, 8, 3))],
  count: 1,
  kind: 'edit',
  target: () => ({ platform: 'telegram', chatId: 42, statusMessageId: 9 }),
  ...overrides,
});
const resultGets = (fal: FakeFal) => fal.requests.filter((r) => r.method === 'GET' && /\/requests\/[^/]+$/.test(r.path.split('?')[0]!));
const cancels = (fal: FakeFal) => fal.requests.filter((r) => r.method === 'PUT' && r.path.includes('/cancel'));

let fal: FakeFal;
let file: ReturnType<typeof sqliteFile>;
beforeEach(async () => {
  fal = await startFakeFal({ key: FAL_KEY });
  file = sqliteFile();
});
afterEach(async () => {
  await file.cleanup();
  await fal.close();
});

/** A first runner whose store is cut once `reached` holds, and the record a second runner then claims. */
async function strand(start: (first: ReturnType<typeof runnerOn>) => Promise<unknown>, reached: (record: JobRecord) => boolean) {
  const dying = cuttable((await file.open()));
  const first = runnerOn(dying.storage, fal.url, { leaseMs: 100 });
  const running = start(first);
  const storage = (await file.open());
  await eventually(async () => {
    const record = await recordOf(storage, ID);
    return record && reached(record) ? true : undefined;
  }, 'the job to reach the state');
  dying.cut();
  return { first, running, storage };
}

async function claimOne(runner: ReturnType<typeof runnerOn>['runner']): Promise<JobRecord> {
  const [record] = await eventually(async () => {
    const claimed = await runner.claimStranded('telegram');
    return claimed.length > 0 ? claimed : undefined;
  }, 'the lease to lapse');
  return record!;
}

describe('resuming a job from its stored state', () => {
  it('refunds a job that never reached a provider, with outcome interrupted', async () => {
    const stuck = stuckSource();
    const { first, running, storage } = await strand(
      (runner) => runner.runner.run(request({ images: [stuck.source] }), recordingSink().sink),
      (record) => record.state === 'reserved',
    );
    await stuck.loading;
    const second = runnerOn((await file.open()), fal.url, { leaseMs: 100 });
    expect(await second.ledger.status(subject)).toMatchObject({ reserved: 1 });

    const record = await claimOne(second.runner);
    expect(record.state).toBe('reserved');
    const sink = recordingSink();
    expect(await second.runner.resume(record, sink.sink)).toEqual({ kind: 'interrupted' });

    expect(fal.requests).toHaveLength(0);
    expect(sink.deliveries).toHaveLength(0);
    expect(await second.ledger.status(subject)).toMatchObject({ used: 0, reserved: 0, remaining: 10 });
    expect(await recordOf(storage, ID)).toMatchObject({ state: 'interrupted' });
    expect(await storage.setMembers('jobs-open')).toEqual([]);
    first.runner.cancel(ID, subject.userId);
    await running;
  });

  it('fetches the results again and delivers a job caught delivering, charging it once', async () => {
    let releaseFirst!: () => void;
    const firstDelivery = new Promise<void>((resolve) => (releaseFirst = resolve));
    const { running, storage } = await strand(
      (runner) => runner.runner.run(request(), recordingSink(async () => (await firstDelivery, 1)).sink),
      (record) => record.state === 'delivering',
    );
    expect(resultGets(fal)).toHaveLength(1);

    const second = runnerOn((await file.open()), fal.url, { leaseMs: 100 });
    const record = await claimOne(second.runner);
    expect(record.state).toBe('delivering');
    const sink = recordingSink();
    expect(await second.runner.resume(record, sink.sink)).toMatchObject({ kind: 'done', delivered: 1 });

    expect(resultGets(fal)).toHaveLength(2);
    expect(sink.deliveries[0]!.images.map((i) => i.bytes)).toEqual(fal.jobs[0]!.resultImages);
    expect(fal.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(await second.ledger.status(subject)).toMatchObject({ used: 1, reserved: 0 });
    expect(await recordOf(storage, ID)).toMatchObject({ state: 'done', delivered: 1 });
    // The first runner's delivery ends after all: its store is gone, so it charges nothing more.
    releaseFirst();
    await running;
    expect(await second.ledger.status(subject)).toMatchObject({ used: 1, reserved: 0 });
  });

  it('keeps the stored deadline: past it the resumed job is cancelled at the provider and refunded', async () => {
    fal.script.durationMs = 10_000;
    fal.script.statuses = [{ status: 'IN_QUEUE', queue_position: 3 }];
    await strand(
      (runner) => runner.runner.run(request(), recordingSink().sink),
      (record) => record.state === 'queued' || record.state === 'submitted',
    );
    // The second runner starts 20 minutes later: past the stored deadline, though its own would be ten minutes away.
    const later = () => Date.now() + 20 * 60_000;
    const second = runnerOn((await file.open()), fal.url, { leaseMs: 100, now: later });
    const record = await claimOne(second.runner);
    expect(record.deadlineAt - record.createdAt).toBe(10 * 60_000);
    expect(await second.runner.resume(record, recordingSink().sink)).toMatchObject({ kind: 'failed', code: 'TIMED_OUT' });
    expect(cancels(fal)).toHaveLength(1);
    expect(fal.jobs[0]!.cancelled).toBe(true);
    expect(await second.ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
  });

  it('fails and refunds a job whose provider is no longer configured', async () => {
    fal.script.durationMs = 2000;
    await strand(
      (runner) => runner.runner.run(request(), recordingSink().sink),
      (record) => record.state === 'queued' || record.state === 'submitted',
    );
    const second = runnerOn((await file.open()), fal.url, { leaseMs: 100, providers: [] });
    const record = await claimOne(second.runner);
    expect(await second.runner.resume(record, recordingSink().sink)).toMatchObject({ kind: 'failed', code: 'PROVIDER_UNAVAILABLE' });
    expect(await second.ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
  });
});
