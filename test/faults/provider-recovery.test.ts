import { afterEach, describe, expect, it } from 'vitest';
import type { FakeFal, FalScript } from '../helpers/fake-fal.ts';
import { CALL_TIMEOUT_MS, falProvider, faultWorld, startFal } from './runner-world.ts';

/**
 * Provider faults the bot gets over by itself: a failure worth repeating is retried (with backoff, or
 * as long as Retry-After says) and the job ends as if nothing happened; a provider that is down before
 * accepting the job is skipped for the next one. Either way the user gets the image and pays for it
 * once, and the provider ran the job once.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface RetryCase {
  readonly name: string;
  readonly script: Partial<FalScript>;
  /** Follow by the status stream instead of polling. */
  readonly stream?: boolean;
}

const RETRIED: readonly RetryCase[] = [
  { name: 'submit answers 429 with Retry-After', script: { submitFailures: [{ status: 429, body: { detail: 'Too many requests' }, headers: { 'retry-after': '0' } }] } },
  { name: 'submit answers 502', script: { submitFailures: [{ status: 502 }] } },
  { name: 'submit answers 503', script: { submitFailures: [{ status: 503 }, { status: 503 }] } },
  { name: 'a status poll answers 429', script: { statusFailures: [{ status: 429 }] } },
  { name: 'a status poll answers 500', script: { statusFailures: [{ status: 500 }] } },
  { name: 'a status poll answers 502', script: { statusFailures: [{ status: 502 }] } },
  { name: 'a status poll answers 503, past its retries', script: { statusFailures: [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }] } },
  { name: 'a status poll answers malformed JSON', script: { statusFailures: [{ status: 200, raw: '{"status": "IN_PROG' }] } },
  { name: 'a status poll hangs', script: { statusFailures: [{ status: 200, hang: true }] } },
  { name: 'the result answers 429', script: { resultFailures: [{ status: 429 }] } },
  { name: 'the result answers 502', script: { resultFailures: [{ status: 502 }] } },
  { name: 'the result answers 503', script: { resultFailures: [{ status: 503 }] } },
  { name: 'the result request hangs', script: { resultFailures: [{ status: 200, hang: true }] } },
  { name: 'the status stream answers 500 (polling takes over)', script: { streamFailures: [{ status: 500 }] }, stream: true },
  { name: 'the status stream hangs (polling takes over)', script: { streamFailures: [{ status: 200, hang: true }] }, stream: true },
];

describe('provider faults that are retried: the job still ends with the image, charged once', () => {
  it.each(RETRIED)('$name', async ({ script, stream }) => {
    const fal = await startFal(cleanups, { script });
    const world = faultWorld(cleanups, {
      providers: [falProvider(fal, stream ? { stream: true, streamIdleMs: CALL_TIMEOUT_MS } : {})],
    });
    const { outcome, deliveries } = await world.run();

    expect(outcome).toMatchObject({ kind: 'done', delivered: 1 });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.images[0]!.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    expect(fal.jobs).toHaveLength(1);
    expect(await world.usage()).toEqual({ used: 1, reserved: 0 });
    // The scripted fault was met (and used up), not skipped.
    const consumed = [fal.script.submitFailures, fal.script.statusFailures, fal.script.resultFailures ?? [], fal.script.streamFailures ?? []];
    expect(consumed.every((failures) => failures.length === 0)).toBe(true);
  });
});

interface FailoverCase {
  readonly name: string;
  /** Makes the first provider fail at submit. */
  readonly breakFirst: (fal: FakeFal) => void | Promise<void>;
}

const FAILOVER: readonly FailoverCase[] = [
  { name: 'submit answers 500', breakFirst: (fal) => void (fal.script.submitFailures = [{ status: 500 }]) },
  { name: 'submit answers 503 past its retries', breakFirst: (fal) => void (fal.script.submitFailures = Array.from({ length: 5 }, () => ({ status: 503 }))) },
  { name: 'submit answers 429 past its retries', breakFirst: (fal) => void (fal.script.submitFailures = Array.from({ length: 5 }, () => ({ status: 429 }))) },
  { name: 'submit answers 502 past its retries', breakFirst: (fal) => void (fal.script.submitFailures = Array.from({ length: 5 }, () => ({ status: 502 }))) },
  // A hung submit may have reached fal; it is not repeated there, and the job moves on.
  { name: 'the submit connection hangs', breakFirst: (fal) => void (fal.script.submitFailures = [{ status: 200, hang: true }]) },
  { name: 'nothing listens (connection refused)', breakFirst: (fal) => fal.close() },
];

describe('provider faults before a provider accepted the job: the next provider runs it', () => {
  it.each(FAILOVER)('$name', async ({ breakFirst }) => {
    const first = await startFal(cleanups);
    const second = await startFal(cleanups);
    await breakFirst(first);
    const world = faultWorld(cleanups, { providers: [falProvider(first, { name: 'first' }), falProvider(second, { name: 'second' })] });
    const { outcome, deliveries } = await world.run();

    expect(outcome).toMatchObject({ kind: 'done', delivered: 1 });
    expect(deliveries[0]!.provider).toBe('second');
    expect(first.jobs).toHaveLength(0);
    expect(second.jobs).toHaveLength(1);
    expect((await world.record())?.provider).toBe('second');
    expect(await world.usage()).toEqual({ used: 1, reserved: 0 });
  });
});
