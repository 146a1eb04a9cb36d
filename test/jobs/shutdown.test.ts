import { describe, expect, it } from 'vitest';
import type { JobRequest } from '../../src/core/jobs/types.ts';
import { makePng } from '../helpers/png.ts';
import { eventually, falAndMemoryStorePerTest, imageSource, recordingSink, recordOf, runnerOn, stuckSource } from './restart-kit.ts';

const subject = { platform: 'discord' as const, communityId: 'g1', userId: 'u1' };
const ID = 'discord:4001';
const request = (overrides: Partial<JobRequest> = {}): JobRequest => ({
  id: ID,
  subject,
  prompt: 'make it blue',
  images: [imageSource(makePng(8, 8, 7))],
  count: 1,
  kind: 'edit',
  ...overrides,
});

const world = falAndMemoryStorePerTest();

describe('JobRunner.shutdown', () => {
  it('answers a new request with suspended (not started): nothing reserved, no provider call, the id left free', async () => {
    const { runner, ledger } = runnerOn(world.storage, world.fal.url);
    await runner.shutdown();
    expect(await runner.run(request(), recordingSink().sink)).toEqual({ kind: 'suspended', started: false });
    expect(world.fal.requests).toHaveLength(0);
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
    expect(await recordOf(world.storage, ID)).toBeUndefined();
    // The next process may still take the same platform request.
    const next = runnerOn(world.storage, world.fal.url);
    expect(await next.runner.run(request(), recordingSink().sink)).toMatchObject({ kind: 'done' });
  });

  it('gives up a job that has not reached a provider yet: refunded, interrupted, suspended (not started)', async () => {
    const { runner, ledger } = runnerOn(world.storage, world.fal.url);
    const stuck = stuckSource();
    const running = runner.run(request({ images: [stuck.source] }), recordingSink().sink);
    await stuck.loading;
    expect(await ledger.status(subject)).toMatchObject({ reserved: 1 });
    await runner.shutdown();
    expect(await running).toEqual({ kind: 'suspended', started: false });
    expect(world.fal.requests).toHaveLength(0);
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 0 });
    expect(await recordOf(world.storage, ID)).toMatchObject({ state: 'interrupted' });
    expect(await world.storage.setMembers('jobs-open')).toEqual([]);
  });

  it('leaves a job waiting at the provider as it is: no cancel, no refund, lease released, still open', async () => {
    world.fal.script.durationMs = 5000;
    const { runner, ledger } = runnerOn(world.storage, world.fal.url, { leaseMs: 60_000 });
    const running = runner.run(request(), recordingSink().sink);
    await eventually(async () => (['submitted', 'queued', 'running'].includes((await recordOf(world.storage, ID))?.state ?? '') ? true : undefined), 'submit');
    await runner.shutdown();
    expect(await running).toEqual({ kind: 'suspended', started: true });
    expect(world.fal.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    expect(world.fal.jobs[0]!.cancelled).toBe(false);
    expect(await ledger.status(subject)).toMatchObject({ used: 0, reserved: 1 });
    expect(await world.storage.setMembers('jobs-open')).toEqual([ID]);
    expect(await world.storage.read('job-leases', ID)).toBeUndefined();
    // Nothing new is claimed by a runner that is stopping.
    expect(await runner.claimStranded('discord')).toEqual([]);
  });

  it('lets a job whose results are in hand finish its delivery, and resolves after it', async () => {
    const { runner, ledger } = runnerOn(world.storage, world.fal.url);
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let delivering!: () => void;
    const reachedDelivery = new Promise<void>((resolve) => (delivering = resolve));
    const running = runner.run(
      request(),
      recordingSink(async (d) => {
        delivering();
        await gate;
        order.push('delivered');
        return d.images.length;
      }).sink,
    );
    await reachedDelivery;
    const stopped = runner.shutdown().then(() => void order.push('shut down'));
    // The cancel button is refused too: the images are on their way.
    expect(runner.cancel(ID, subject.userId)).toBe('too_late');
    release();
    await stopped;
    expect(order).toEqual(['delivered', 'shut down']);
    expect(await running).toMatchObject({ kind: 'done', delivered: 1 });
    expect(await ledger.status(subject)).toMatchObject({ used: 1, reserved: 0 });
  });
});
