import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.ts';
import type { FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';
import { falProvider, faultWorld, startFal } from './runner-world.ts';

/**
 * Provider faults the bot cannot get over: the job ends with a clear error code (each has its words
 * in the catalogues), the reservation is refunded in full, the record says how it ended, and no
 * other provider is tried once one may have accepted the job (that could make it twice).
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface FailureCase {
  readonly name: string;
  readonly breakIt: (fal: FakeFal) => void;
  readonly code: ErrorCode;
  readonly state: 'failed' | 'timed_out';
  /** Whether fal accepted the job before the fault (then it is asked to cancel on a timeout). */
  readonly accepted: boolean;
}

const NOT_AN_IMAGE = Buffer.from('<html><body>Service temporarily unavailable</body></html>');

const CASES: readonly FailureCase[] = [
  {
    name: 'submit answers 200 with malformed JSON (it may have been accepted: no failover)',
    breakIt: (fal) => void (fal.script.submitFailures = [{ status: 200, raw: '{"request_id": "abc' }]),
    code: 'PROVIDER_PROTOCOL',
    state: 'failed',
    accepted: false,
  },
  {
    name: 'the result answers malformed JSON',
    breakIt: (fal) => void (fal.script.resultFailures = [{ status: 200, raw: '<html>Bad gateway</html>' }]),
    code: 'PROVIDER_PROTOCOL',
    state: 'failed',
    accepted: true,
  },
  {
    name: 'the result answers 500',
    breakIt: (fal) => void (fal.script.resultFailures = [{ status: 500, body: { detail: 'Internal error' } }]),
    code: 'PROVIDER_FAILED',
    state: 'failed',
    accepted: true,
  },
  {
    name: 'the result answers 503 past its retries',
    breakIt: (fal) => void (fal.script.resultFailures = Array.from({ length: 5 }, () => ({ status: 503 }))),
    code: 'PROVIDER_UNAVAILABLE',
    state: 'failed',
    accepted: true,
  },
  { name: 'the result URL answers 404 (gone)', breakIt: (fal) => void (fal.script.fileStatus = 404), code: 'PROVIDER_FAILED', state: 'failed', accepted: true },
  { name: 'the result URL has expired (403)', breakIt: (fal) => void (fal.script.fileStatus = 403), code: 'PROVIDER_FAILED', state: 'failed', accepted: true },
  {
    name: 'the result is not an image',
    breakIt: (fal) => void (fal.script.outcome = { kind: 'images', images: [NOT_AN_IMAGE] }),
    code: 'PROVIDER_FAILED',
    state: 'failed',
    accepted: true,
  },
  {
    name: 'the result is a truncated image',
    breakIt: (fal) => void (fal.script.outcome = { kind: 'images', images: [makePng(64, 64, 2).subarray(0, 60)] }),
    code: 'PROVIDER_FAILED',
    state: 'failed',
    accepted: true,
  },
  {
    name: 'the job itself fails at fal',
    breakIt: (fal) => void (fal.script.outcome = { kind: 'error', httpStatus: 422, body: { detail: 'Content policy violation' }, error: 'Content policy violation' }),
    code: 'PROVIDER_FAILED',
    state: 'failed',
    accepted: true,
  },
  {
    name: 'every status poll answers 503 until the deadline',
    breakIt: (fal) => void (fal.script.statusFailures = Array.from({ length: 1000 }, () => ({ status: 503 }))),
    code: 'TIMED_OUT',
    state: 'timed_out',
    accepted: true,
  },
  {
    name: 'every status poll hangs until the deadline',
    breakIt: (fal) => void (fal.script.statusFailures = Array.from({ length: 1000 }, () => ({ status: 200, hang: true }))),
    code: 'TIMED_OUT',
    state: 'timed_out',
    accepted: true,
  },
];

describe('provider faults that end the job: a clear error and a full refund', () => {
  it.each(CASES)('$name', async ({ breakIt, code, state, accepted }) => {
    const fal = await startFal(cleanups);
    const other = await startFal(cleanups);
    breakIt(fal);
    const world = faultWorld(cleanups, { providers: [falProvider(fal), falProvider(other, { name: 'other' })], deadlineMs: 1500 });
    const { outcome, deliveries } = await world.run({ count: 2 });

    expect(outcome).toMatchObject({ kind: 'failed', code });
    expect(deliveries).toEqual([]);
    expect(await world.usage()).toEqual({ used: 0, reserved: 0 });
    expect(await world.record()).toMatchObject({ state, errorCode: code });
    expect(other.requests).toEqual([]);
    expect(fal.jobs).toHaveLength(accepted ? 1 : 0);
    // A job given up for its deadline is cancelled at fal, so it stops costing there too.
    if (code === 'TIMED_OUT') expect(fal.jobs[0]!.cancelled).toBe(true);
  });
});

describe('fewer images than asked', () => {
  it('delivers and charges what came, and refunds the rest', async () => {
    const fal = await startFal(cleanups, { script: { outcome: { kind: 'images', images: [makePng(64, 64, 100)] } } });
    const world = faultWorld(cleanups, { providers: [falProvider(fal)] });
    const { outcome, deliveries } = await world.run({ count: 3 });

    expect(fal.jobs[0]!.input.num_images).toBe(3);
    expect(outcome).toMatchObject({ kind: 'done', delivered: 1, quota: { used: 1, reserved: 0, remaining: 9 } });
    expect(deliveries[0]!.images).toHaveLength(1);
    expect(await world.usage()).toEqual({ used: 1, reserved: 0 });
    expect(await world.record()).toMatchObject({ state: 'done', delivered: 1 });
  });

  it('leaves out the results that are no image, and charges only the good ones', async () => {
    const good = makePng(64, 64, 101);
    const fal = await startFal(cleanups, { script: { outcome: { kind: 'images', images: [NOT_AN_IMAGE, good] } } });
    const world = faultWorld(cleanups, { providers: [falProvider(fal)] });
    const { outcome, deliveries } = await world.run({ count: 2 });

    expect(outcome).toMatchObject({ kind: 'done', delivered: 1 });
    expect(deliveries[0]!.images.map((image) => image.bytes)).toEqual([good]);
    expect(await world.usage()).toEqual({ used: 1, reserved: 0 });
  });
});
