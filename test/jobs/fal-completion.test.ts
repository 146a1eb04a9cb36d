import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { JobSink } from '../../src/core/jobs/types.ts';
import { buildTestCore, freePort, TEST_FAL_KEY } from '../helpers/core.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/**
 * How the app learns that a fal job is done, through the real wiring (config → provider → HTTP
 * server → callback registry → runner): the signed webhook when the bot has a public URL, else the
 * status stream; polling only as the fallback. Counted in requests the fake fal received.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const subject = { platform: 'telegram' as const, communityId: null, userId: 'u1' };
const sink: JobSink = { progress: async () => undefined, deliver: async (d) => d.images.length };
let nextId = 1;
const run = (app: App) =>
  app.runner.run(
    {
      id: `telegram:fal-${nextId++}`,
      subject,
      prompt: 'make it blue',
      images: [{ load: async () => makePng(32, 32, 9) }],
      count: 1,
    },
    sink,
  );

async function start(options: { publicUrl: boolean; pushPollMs?: number }): Promise<{ fal: FakeFal; app: App }> {
  const fal = await startFakeFal({ key: TEST_FAL_KEY, script: { durationMs: 300 } });
  cleanups.push(() => fal.close());
  const env: Record<string, string> = { FAL_JWKS_URL: fal.jwksUrl };
  if (options.publicUrl) {
    const port = await freePort();
    Object.assign(env, { PUBLIC_URL: `http://127.0.0.1:${port}`, HTTP_PORT: String(port) });
  }
  const pushPollMs = options.pushPollMs ?? 60_000;
  const core = await buildTestCore({
    falUrl: fal.url,
    env,
    overrides: { pushPoll: { initialMs: pushPollMs, maxMs: pushPollMs, factor: 1 } },
  });
  cleanups.push(() => core.close());
  return { fal, app: core.app };
}

/** Queue API calls only: result file downloads (fal's CDN) and the JWKS (cached for a day) are not job requests. */
const paths = (fal: FakeFal) =>
  fal.requests
    .filter((r) => !r.path.startsWith('/files/') && !r.path.startsWith('/.well-known/'))
    .map((r) => `${r.method} ${r.path.replace(/requests\/[^/?]+/, 'requests/ID')}`);

describe('fal completion', () => {
  it('webhook: a validly signed webhook finishes the job at once, in three requests', async () => {
    const { fal, app } = await start({ publicUrl: true });
    expect(await run(app)).toMatchObject({ kind: 'done', delivered: 1 });
    const job = fal.jobs[0]!;
    expect(job.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callbacks\/[\w-]{32}$/);
    expect(fal.webhooks[0]?.responseStatus).toBe(200);
    expect(paths(fal)).toEqual([
      'POST /fal-ai/nano-banana/edit?fal_webhook=' + encodeURIComponent(job.webhookUrl!),
      'GET /fal-ai/nano-banana/requests/ID/status?logs=0',
      'GET /fal-ai/nano-banana/requests/ID',
    ]);
  });

  it('webhook: a forged signature is refused and wakes nothing; the fallback poll finishes the job', async () => {
    const { fal, app } = await start({ publicUrl: true, pushPollMs: 600 });
    fal.forgeWebhooks = true;
    const started = Date.now();
    expect(await run(app)).toMatchObject({ kind: 'done' });
    expect(fal.webhooks[0]?.responseStatus).toBe(401);
    // Nothing was polled before the fallback was due: the forged webhook did not wake the job.
    const statusPolls = fal.requests.filter((r) => r.path.includes('/status'));
    expect(statusPolls.length).toBeGreaterThan(0);
    expect(statusPolls[0]!.at - started).toBeGreaterThanOrEqual(550);
  });

  it('stream: without a public URL the job follows the status stream, with no polling', async () => {
    const { fal, app } = await start({ publicUrl: false });
    const progress: string[] = [];
    const outcome = await app.runner.run(
      { id: `telegram:fal-${nextId++}`, subject, prompt: 'a fox', images: [], count: 1 },
      { progress: async (e) => void progress.push(e.type), deliver: async (d) => d.images.length },
    );
    expect(outcome).toMatchObject({ kind: 'done' });
    expect(paths(fal)).toEqual([
      'POST /fal-ai/nano-banana',
      'GET /fal-ai/nano-banana/requests/ID/status/stream?logs=0',
      'GET /fal-ai/nano-banana/requests/ID',
    ]);
    expect(progress).toContain('queued');
    expect(progress).toContain('running');
  });
});
