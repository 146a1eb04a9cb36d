import type { FakeFal, FalScript } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/**
 * Parts of the load test (load.test.ts) that are not about what it asserts: images that tell 500
 * requests apart, a fal script that gives every job a result of its own, and the /healthz poller.
 */

/**
 * A small PNG of its own for every n: makePng's pixels repeat after 256 seeds, so the width
 * carries the rest. Distinct bytes let the test follow each image from Telegram to fal and back.
 */
export function distinctPng(n: number): Buffer {
  return makePng(16 + Math.floor(n / 256), 16, n % 256);
}

/**
 * Every job submitted from now on completes after `durationMs` with one result image no other job
 * has. The fake reads `outcome.images` once per submit and keeps what it got as the job's
 * `resultImages` (fake-fal-server.ts), so a getter hands out a fresh image each time. Assigned
 * rather than passed to startFakeFal, which copies the script (and would read the getter once).
 */
export function giveEachJobItsOwnResult(fal: FakeFal, durationMs: number, firstSeed: number): void {
  let next = firstSeed;
  const script: FalScript = {
    statuses: [{ status: 'IN_QUEUE', queue_position: 3 }, { status: 'IN_PROGRESS' }],
    outcome: {
      kind: 'images',
      get images() {
        return [distinctPng(next++)];
      },
    },
    submitFailures: [],
    statusFailures: [],
    streamFailures: [],
    resultFailures: [],
    durationMs,
  };
  fal.script = script;
}

/** One answer of /healthz: its HTTP status (0 when the request failed) and how long it took. */
export interface HealthSample {
  readonly status: number;
  readonly ms: number;
  readonly error?: string;
}

export interface HealthPoller {
  readonly samples: readonly HealthSample[];
  /** Stops polling and resolves once the last request has ended. */
  stop(): Promise<HealthSample[]>;
}

/**
 * Asks `url` every `intervalMs`, one request at a time, as a monitor would. A request gets
 * `timeoutMs` before it counts as failed, so a stalled process shows up as a failure, not as a
 * poller that waits forever.
 */
export function pollHealth(url: string, intervalMs: number, timeoutMs: number): HealthPoller {
  const samples: HealthSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        samples.push({ status: response.status, ms: performance.now() - started });
      } catch (error) {
        samples.push({ status: 0, ms: performance.now() - started, error: error instanceof Error ? error.message : String(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}
