import { describe, expect, it } from 'vitest';
import { startResumeSweep } from '../../src/bots/discord/resume-sweep.ts';
import { createLogger } from '../../src/core/log.ts';

/** The sweep that hands stranded jobs to Commands.resume: when passes run, and how it stops. */

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function capturingLogger() {
  const lines: string[] = [];
  return { logger: createLogger('debug', { destination: { write: (line: string) => void lines.push(line) } }), lines };
}

describe('the resume sweep', () => {
  it('runs a pass at once and more while an earlier one is still running, and stop waits for them', async () => {
    const first = deferred();
    let passes = 0;
    const sweep = startResumeSweep({
      resume: () => (++passes === 1 ? first.promise : Promise.resolve()),
      intervalMs: 5,
      logger: capturingLogger().logger,
      secrets: [],
    });
    // A pass lasts as long as its jobs: the next ones do not wait for it.
    await expect.poll(() => passes).toBeGreaterThanOrEqual(3);

    let stopped = false;
    const stopping = sweep.stop().then(() => (stopped = true));
    const passesAtStop = passes;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);
    first.resolve();
    await stopping;
    expect(passes).toBe(passesAtStop);
  });

  it('logs a failed pass, without the bot token, and goes on sweeping', async () => {
    const { logger, lines } = capturingLogger();
    let passes = 0;
    const sweep = startResumeSweep({
      resume: () => {
        passes++;
        if (passes === 1) throw new Error('store down for token bot-secret-token');
        return passes === 2 ? Promise.reject(new Error('still down')) : Promise.resolve();
      },
      intervalMs: 5,
      logger,
      secrets: ['bot-secret-token'],
    });
    await expect.poll(() => passes).toBeGreaterThanOrEqual(3);
    await sweep.stop();
    const failures = lines.filter((line) => line.includes('resuming unfinished jobs failed'));
    expect(failures).toHaveLength(2);
    expect(lines.join('')).not.toContain('bot-secret-token');
  });
});
