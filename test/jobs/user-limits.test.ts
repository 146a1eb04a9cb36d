import { describe, expect, it } from 'vitest';
import type { JobRequest } from '../../src/core/jobs/types.ts';
import { type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';
import { falAndMemoryStorePerTest, imageSource, recordingSink, runnerOn, stuckSource } from './restart-kit.ts';

const u1 = { platform: 'discord' as const, communityId: 'g1', userId: 'u1' };
let n = 0;
const request = (overrides: Partial<JobRequest> = {}): JobRequest => ({
  id: `discord:${5000 + ++n}`,
  subject: u1,
  prompt: 'make it blue',
  images: [imageSource(makePng(8, 8, 7))],
  count: 1,
  ...overrides,
});
const submits = (fal: FakeFal) => fal.requests.filter((r) => r.method === 'POST').length;

const world = falAndMemoryStorePerTest();

describe('abuse limits per platform user', () => {
  it('refuses a request beyond maxJobsPerUser in flight, across communities, at no cost; frees the slot when a job ends', async () => {
    world.fal.script.durationMs = 400;
    const { runner, ledger } = runnerOn(world.storage, world.fal.url, { maxJobsPerUser: 2, userCooldownMs: 0 });
    const first = runner.run(request(), recordingSink().sink);
    const second = runner.run(request({ subject: { ...u1, communityId: 'g2' } }), recordingSink().sink);
    await world.fal.waitForJob(2);

    const inPrivate = { ...u1, communityId: null };
    expect(await runner.run(request({ subject: inPrivate }), recordingSink().sink)).toEqual({ kind: 'too_many_jobs', max: 2 });
    expect(submits(world.fal)).toBe(2);
    expect(await ledger.status(inPrivate)).toMatchObject({ used: 0, reserved: 0 });
    // Another user, and the same user id on the other platform, are not held back.
    expect(await runner.run(request({ subject: { ...u1, userId: 'u2' } }), recordingSink().sink)).toMatchObject({ kind: 'done' });
    expect(await runner.run(request({ id: 'telegram:1:1', subject: { platform: 'telegram', communityId: null, userId: 'u1' } }), recordingSink().sink)).toMatchObject({
      kind: 'done',
    });

    expect(await first).toMatchObject({ kind: 'done' });
    expect(await second).toMatchObject({ kind: 'done' });
    expect(await runner.run(request({ subject: inPrivate }), recordingSink().sink)).toMatchObject({ kind: 'done' });
  });

  it('refuses a request within the cool-down of the last accepted one, at no cost', async () => {
    let offset = 0;
    const now = () => Date.now() + offset;
    const { runner, ledger } = runnerOn(world.storage, world.fal.url, { maxJobsPerUser: 0, userCooldownMs: 60_000, now });
    expect(await runner.run(request(), recordingSink().sink)).toMatchObject({ kind: 'done' });
    const refused = await runner.run(request({ subject: { ...u1, communityId: 'g2' } }), recordingSink().sink);
    expect(refused).toMatchObject({ kind: 'cooling_down' });
    expect(refused.kind === 'cooling_down' && refused.waitMs > 0 && refused.waitMs <= 60_000).toBe(true);
    expect(submits(world.fal)).toBe(1);
    expect(await ledger.status(u1)).toMatchObject({ used: 1, reserved: 0 });

    offset = 60_001;
    expect(await runner.run(request(), recordingSink().sink)).toMatchObject({ kind: 'done' });
  });

  it('a slot held by a process that died lapses after the job deadline, so the user is not blocked for good', async () => {
    const stuck = stuckSource();
    const dead = runnerOn(world.storage, world.fal.url, { maxJobsPerUser: 1, userCooldownMs: 0, deadlineMs: 60_000 });
    const stuckRequest = request({ images: [stuck.source] });
    const held = dead.runner.run(stuckRequest, recordingSink().sink);
    await stuck.loading;

    const soon = runnerOn(world.storage, world.fal.url, { maxJobsPerUser: 1, userCooldownMs: 0, now: () => Date.now() + 30_000 });
    expect(await soon.runner.run(request(), recordingSink().sink)).toEqual({ kind: 'too_many_jobs', max: 1 });
    // Past the deadline and the delivery grace (two minutes).
    const later = runnerOn(world.storage, world.fal.url, { maxJobsPerUser: 1, userCooldownMs: 0, now: () => Date.now() + 60_000 + 2 * 60_000 + 1 });
    expect(await later.runner.run(request(), recordingSink().sink)).toMatchObject({ kind: 'done' });

    expect(dead.runner.cancel(stuckRequest.id, u1.userId)).toBe('cancelled');
    expect(await held).toMatchObject({ kind: 'cancelled' });
  });
});
