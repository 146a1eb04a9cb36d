import { afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.ts';
import { USAGE_NAMESPACE } from '../../src/core/quota/ledger.ts';
import { errorMessage } from '../../src/core/messages.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { JobSink } from '../../src/core/jobs/types.ts';
import { buildTestCore } from '../helpers/core.ts';
import { makePng } from '../helpers/png.ts';
import { faultyStorage, type StoreCall } from './faulty-storage.ts';
import { falProvider, faultWorld, startFal, SUBJECT } from './runner-world.ts';

/**
 * The store failing under a running bot. At reservation it fails closed: the request is refused with
 * the store's message and nothing reaches the paid provider. At commit, after the images were
 * delivered, the charge is retried until the store takes it: never turned into a refund (the user
 * has the images) and never charged twice (commit is idempotent by job id, even when a failed call
 * had in fact landed).
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const quotaWrite = (call: StoreCall) => call.method === 'transact' && call.name === USAGE_NAMESPACE;

describe('store unavailable at reservation', () => {
  it('refuses the request with the store message: no provider call, nothing held', async () => {
    const fal = await startFal(cleanups);
    const storage = faultyStorage(createMemoryStorage());
    const core = await buildTestCore({ falUrl: fal.url, overrides: { storage, userCooldownMs: 0 } });
    cleanups.push(() => core.close());
    storage.failNext(quotaWrite);

    const said: string[] = [];
    const ctx: CommandContext = {
      platform: 'telegram',
      requestId: '42:1',
      userId: SUBJECT.userId,
      communityId: null,
      status: async (text) => void said.push(text),
      deliver: async () => {
        throw new Error('nothing may be delivered');
      },
      finish: async (text) => void said.push(text),
    };
    const bytes = makePng(8, 8);
    await core.commands.edit(ctx, { prompt: 'make it red', images: [{ load: async () => bytes }] });

    expect(said.at(-1)).toBe(errorMessage('STORE_UNAVAILABLE'));
    expect(storage.calls.filter((call) => quotaWrite(call) && call.failed)).toHaveLength(1);
    expect(fal.requests).toEqual([]);
    expect(await core.app.ledger.status(SUBJECT)).toMatchObject({ used: 0, reserved: 0 });
  });
});

describe('store unavailable at commit', () => {
  /** A sink that delivers, and makes the store fail the next quota writes as the images go out. */
  function deliveringSink(arm: () => void): { sink: JobSink; delivered: number[] } {
    const delivered: number[] = [];
    return {
      delivered,
      sink: {
        progress: async () => undefined,
        deliver: async (delivery) => {
          arm();
          delivered.push(delivery.images.length);
          return delivery.images.length;
        },
      },
    };
  }

  it('retries the charge until the store takes it: the job is done, charged once, nothing refunded', async () => {
    const fal = await startFal(cleanups);
    const storage = faultyStorage(createMemoryStorage());
    const world = faultWorld(cleanups, { storage, providers: [falProvider(fal)] });
    const { sink, delivered } = deliveringSink(() => storage.failNext(quotaWrite, 2));

    const outcome = await world.runner.run(
      { id: 'telegram:commit-1', subject: SUBJECT, prompt: 'make it blue', images: [], count: 2 },
      sink,
    );

    expect(delivered).toEqual([2]);
    expect(outcome).toMatchObject({ kind: 'done', delivered: 2 });
    expect(storage.calls.filter((call) => quotaWrite(call) && call.failed)).toHaveLength(2);
    expect(await world.ledger.status(SUBJECT)).toMatchObject({ used: 2, reserved: 0 });
    expect(await world.record('telegram:commit-1')).toMatchObject({ state: 'done', delivered: 2 });
    expect(fal.jobs).toHaveLength(1);
  });

  it('never charges twice when a commit that reported failure had in fact landed', async () => {
    const fal = await startFal(cleanups);
    const storage = faultyStorage(createMemoryStorage());
    const world = faultWorld(cleanups, { storage, providers: [falProvider(fal)] });
    const { sink } = deliveringSink(() => storage.failNext(quotaWrite, 1, { afterApplying: true }));

    const outcome = await world.runner.run(
      { id: 'telegram:commit-2', subject: SUBJECT, prompt: 'make it blue', images: [], count: 1 },
      sink,
    );

    expect(outcome).toMatchObject({ kind: 'done', delivered: 1 });
    expect(await world.ledger.status(SUBJECT)).toMatchObject({ used: 1, reserved: 0, remaining: 9 });
  });
});
