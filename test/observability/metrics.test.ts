import { afterEach, describe, expect, it, vi } from 'vitest';
import { makePng } from '../helpers/png.ts';
import { startTelegramWorld } from '../helpers/telegram-world.ts';

/** /metrics after real jobs through grammY, the core and fake fal: the series a dashboard reads, with their labels. */

let cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function scrape(port: number | undefined): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one series, given its name and exact label set as printed by prom-client. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('counts a job through every state, by provider and platform, with its duration and the provider latency', async () => {
    const { tg, app } = await startTelegramWorld(cleanups, { env: { HTTP_PORT: '0' } });
    tg.injectPhoto({ caption: 'make the sky purple', sizes: [{ width: 64, height: 48, bytes: makePng(64, 48, 3) }] });
    await tg.waitForCall('sendPhoto');

    const done = 'bot_job_state_changes_total{state="done",provider="fal",platform="telegram"}';
    await vi.waitFor(async () => expect(valueOf((await scrape(app.httpPort)).text, done)).toBe(1), { timeout: 10_000 });
    const { status, type, text } = await scrape(app.httpPort);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    // Before a provider took the job the provider label says so; after, it names the provider.
    expect(valueOf(text, 'bot_job_state_changes_total{state="accepted",provider="none",platform="telegram"}')).toBe(1);
    expect(valueOf(text, 'bot_job_state_changes_total{state="reserved",provider="none",platform="telegram"}')).toBe(1);
    for (const state of ['submitted', 'fetching', 'delivering']) {
      expect(valueOf(text, `bot_job_state_changes_total{state="${state}",provider="fal",platform="telegram"}`)).toBe(1);
    }
    expect(valueOf(text, 'bot_job_duration_seconds_count{state="done",provider="fal",platform="telegram"}')).toBe(1);
    expect(valueOf(text, 'bot_provider_latency_seconds_count{provider="fal"}')).toBe(1);
    expect(valueOf(text, 'bot_jobs_in_flight')).toBe(0);
    expect(valueOf(text, 'bot_jobs_queued')).toBe(0);
    expect(text).not.toContain('bot_job_errors_total{');
    // Node's default metrics are on the same registry.
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts a failed job by provider and error code', async () => {
    const refusal = { kind: 'error' as const, httpStatus: 422, body: { detail: [{ msg: 'content policy', type: 'content_policy_violation' }] } };
    const { tg, app } = await startTelegramWorld(cleanups, { env: { HTTP_PORT: '0' }, fal: { script: { outcome: refusal } } });
    tg.injectPhoto({ caption: 'make it blue', sizes: [{ width: 64, height: 48, bytes: makePng(64, 48, 4) }] });
    const failed = 'bot_job_state_changes_total{state="failed",provider="fal",platform="telegram"}';
    await vi.waitFor(async () => expect(valueOf((await scrape(app.httpPort)).text, failed)).toBe(1), { timeout: 10_000 });
    const text = (await scrape(app.httpPort)).text;
    expect(text).toMatch(/^bot_job_errors_total\{provider="fal",code="[A-Z_]+"\} 1$/m);
    expect(valueOf(text, 'bot_job_duration_seconds_count{state="failed",provider="fal",platform="telegram"}')).toBe(1);
    expect(valueOf(text, 'bot_jobs_in_flight')).toBe(0);
  });

  it('counts a quota denial by reason and platform', async () => {
    const { tg, app } = await startTelegramWorld(cleanups, { env: { HTTP_PORT: '0', QUOTA_LIMIT: '1' } });
    const photo = (seed: number) => tg.injectPhoto({ caption: 'make it blue', sizes: [{ width: 64, height: 48, bytes: makePng(64, 48, seed) }] });
    photo(6);
    const done = 'bot_job_state_changes_total{state="done",provider="fal",platform="telegram"}';
    await vi.waitFor(async () => expect(valueOf((await scrape(app.httpPort)).text, done)).toBe(1), { timeout: 10_000 });
    expect((await scrape(app.httpPort)).text).not.toContain('bot_quota_denials_total{');
    photo(7);
    const denied = 'bot_quota_denials_total{reason="exhausted",platform="telegram"}';
    await vi.waitFor(async () => expect(valueOf((await scrape(app.httpPort)).text, denied)).toBe(1), { timeout: 10_000 });
  });

  it('keeps each app’s metrics apart (one registry per app)', async () => {
    const first = await startTelegramWorld(cleanups, { env: { HTTP_PORT: '0' } });
    const second = await startTelegramWorld(cleanups, { env: { HTTP_PORT: '0' } });
    first.tg.injectPhoto({ caption: 'one', sizes: [{ width: 64, height: 48, bytes: makePng(64, 48, 5) }] });
    const done = 'bot_job_state_changes_total{state="done",provider="fal",platform="telegram"}';
    await vi.waitFor(async () => expect(valueOf((await scrape(first.app.httpPort)).text, done)).toBe(1), { timeout: 10_000 });
    expect(valueOf((await scrape(second.app.httpPort)).text, done)).toBeUndefined();
  });
});
