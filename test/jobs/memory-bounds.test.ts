import { describe, expect, it, vi } from 'vitest';
import type { ImageSource } from '../../src/core/images/image.ts';
import type { RunnerOptions } from '../../src/core/jobs/runner.ts';
import { Slots } from '../../src/core/jobs/slots.ts';
import type { JobRequest } from '../../src/core/jobs/types.ts';
import { makePng } from '../helpers/png.ts';
import { falAndMemoryStorePerTest, recordingSink, runnerOn } from './restart-kit.ts';

/**
 * Memory stays bounded however many jobs are in flight: only a few jobs hold their input bytes at
 * once (loading and submitting), and only a few hold result bytes (fetching and delivering). A job
 * waiting at the provider holds nothing. And a result download that breaks is tried again: the
 * image is paid for.
 */


const world = falAndMemoryStorePerTest({ durationMs: 50 });

/** A runner on the fake world.fal; its jobs complete 50 ms after submit. */
const setup = (options: Partial<RunnerOptions> = {}) => runnerOn(world.storage, world.fal.url, options);

const request = (n: number, images: ImageSource[]): JobRequest => ({
  id: `telegram:${n}`,
  subject: { platform: 'telegram', communityId: null, userId: `u${n}` },
  prompt: `job ${n}`,
  images,
  count: 1,
});

/** An input whose download waits for `open()`; `loads` counts the downloads begun. */
function gatedInputs() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let loads = 0;
  const source = (): ImageSource => ({
    load: async () => {
      loads++;
      await gate;
      return makePng(8, 8, 3);
    },
  });
  return { source, open, loads: () => loads };
}

const submits = () => world.fal.requests.filter((r) => r.method === 'POST' && !r.path.includes('/requests/')).length;
const fileGets = () => world.fal.requests.filter((r) => r.path.startsWith('/files/')).length;

describe('input and result slots', () => {
  it('only `inputSlots` jobs load and submit inputs at once; the others wait their turn and all are delivered', async () => {
    const { runner } = setup({ inputSlots: 2 });
    const inputs = gatedInputs();
    const { sink, deliveries } = recordingSink();
    const outcomes = Promise.all([1, 2, 3, 4, 5].map((n) => runner.run(request(n, [inputs.source()]), sink)));

    await vi.waitFor(() => expect(inputs.loads()).toBe(2));
    // Give the waiting jobs every chance to start a download they must not start.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(inputs.loads()).toBe(2);
    expect(submits()).toBe(0);

    inputs.open();
    expect((await outcomes).map((o) => o.kind)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(inputs.loads()).toBe(5);
    expect(submits()).toBe(5);
    expect(deliveries).toHaveLength(5);
  });

  it('a job cancelled while waiting for an input slot never loads its inputs and is refunded', async () => {
    const { runner, ledger } = setup({ inputSlots: 1 });
    const inputs = gatedInputs();
    const { sink } = recordingSink();
    const first = runner.run(request(1, [inputs.source()]), sink);
    await vi.waitFor(() => expect(inputs.loads()).toBe(1));
    const second = runner.run(request(2, [inputs.source()]), sink);
    await vi.waitFor(async () => expect((await ledger.status({ platform: 'telegram', communityId: null, userId: 'u2' })).reserved).toBe(1));

    expect(runner.cancel('telegram:2', 'u2')).toBe('cancelled');
    expect(await second).toEqual({ kind: 'cancelled' });
    expect(inputs.loads()).toBe(1);
    expect(await ledger.status({ platform: 'telegram', communityId: null, userId: 'u2' })).toMatchObject({ used: 0, reserved: 0 });

    inputs.open();
    expect(await first).toMatchObject({ kind: 'done' });
    expect(submits()).toBe(1);
  });

  it('only `resultSlots` jobs fetch and deliver results at once', async () => {
    const { runner } = setup({ resultSlots: 1 });
    let release!: () => void;
    const delivering = new Promise<void>((resolve) => (release = resolve));
    let deliveries = 0;
    const { sink } = recordingSink(async (d) => {
      deliveries++;
      await delivering;
      return d.images.length;
    });
    const outcomes = Promise.all([1, 2, 3].map((n) => runner.run(request(n, []), sink)));

    await vi.waitFor(() => expect(deliveries).toBe(1));
    // All three completed at world.fal long ago; the other two wait without fetching their results.
    await vi.waitFor(() => expect(world.fal.requests.filter((r) => r.path.includes('/status')).length).toBeGreaterThanOrEqual(3));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fileGets()).toBe(1);
    expect(deliveries).toBe(1);

    release();
    expect((await outcomes).map((o) => o.kind)).toEqual(['done', 'done', 'done']);
    expect(fileGets()).toBe(3);
  });
});

describe('result downloads', () => {
  it('a result download that breaks (connection reset, then 503) is tried again and delivered', async () => {
    world.fal.script.fileFailures = [{ status: 0, reset: true }, { status: 503 }];
    const { runner, ledger } = setup();
    const { sink, deliveries } = recordingSink();
    const outcome = await runner.run(request(1, []), sink);
    expect(outcome).toMatchObject({ kind: 'done', delivered: 1 });
    expect(fileGets()).toBe(3);
    expect(deliveries[0]!.images[0]!.bytes.equals(world.fal.jobs[0]!.resultImages[0]!)).toBe(true);
    expect(await ledger.status({ platform: 'telegram', communityId: null, userId: 'u1' })).toMatchObject({ used: 1, reserved: 0 });
  });

  it('a result file that is gone (404) is not asked for again', async () => {
    world.fal.script.fileFailures = [{ status: 404 }];
    const { runner } = setup();
    const { sink } = recordingSink();
    const outcome = await runner.run(request(1, []), sink);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'PROVIDER_FAILED' });
    expect(fileGets()).toBe(1);
  });
});

describe('Slots', () => {
  it('grants in arrival order, never more than its size, and a wait ends with the signal', async () => {
    const slots = new Slots(1);
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = slots.run(new AbortController().signal, () => new Promise<void>((resolve) => (releaseFirst = resolve)).then(() => void order.push('a')));
    const abandoned = new AbortController();
    const second = slots.run(abandoned.signal, async () => void order.push('never'));
    const third = slots.run(new AbortController().signal, async () => void order.push('c'));
    expect(slots.busy).toBe(1);
    expect(slots.waiting).toBe(2);

    abandoned.abort(new Error('gone'));
    await expect(second).rejects.toThrow('gone');
    expect(slots.waiting).toBe(1);
    releaseFirst();
    await Promise.all([first, third]);
    expect(order).toEqual(['a', 'c']);
    expect(slots.busy).toBe(0);
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});
