// Provider HTTP requests per job for a 20-second fal job: the bot with fal's webhook, with the status
// stream, and with polling, side by side with the official @fal-ai/client `subscribe` (polling every
// 500 ms by default) on the same kind of loopback fake. Also the delay from fal marking the job
// COMPLETED to the client asking for the result.
import { DEFAULT_DOWNLOAD_POLICY } from '../src/core/http/download-policy.ts';
import { createFalClient } from '@fal-ai/client';
import { buildApp, type App } from '../src/app.ts';
import { parseConfig } from '../src/config.ts';
import { JobRunner } from '../src/core/jobs/runner.ts';
import type { JobRequest, JobSink } from '../src/core/jobs/types.ts';
import { silentLogger } from '../src/core/log.ts';
import { createFalProvider } from '../src/core/providers/fal.ts';
import { QuotaLedger } from '../src/core/quota/ledger.ts';
import { createMemoryStorage } from '../src/core/store/memory.ts';
import { freePort } from '../test/helpers/core.ts';
import { startFakeFal, type FakeFal } from '../test/helpers/fake-fal.ts';

const KEY = 'bench-fal-key';
const JOB_MS = 20_000;

export interface RequestsPerJob {
  readonly mode: string;
  /** Queue API requests (submit, status, stream, result); result file downloads and the JWKS excluded. */
  readonly requests: number;
  /** From COMPLETED at the fake to the result GET arriving there. */
  readonly delayMs: number;
}

const job = (id: string): JobRequest => ({
  id,
  subject: { platform: 'telegram', communityId: null, userId: 'bench' },
  prompt: 'a red fox in the snow',
  images: [],
  count: 1,
});
const sink: JobSink = { progress: async () => undefined, deliver: async (d) => d.images.length };

function measure(mode: string, fal: FakeFal): RequestsPerJob {
  const api = fal.requests.filter((r) => !r.path.startsWith('/files/') && !r.path.startsWith('/.well-known/'));
  const submittedAt = api[0]!.at;
  const resultAt = api.find((r) => r.method === 'GET' && /\/requests\/[^/?]+$/.test(r.path))!.at;
  return { mode, requests: api.length, delayMs: Math.max(0, resultAt - (submittedAt + JOB_MS)) };
}

async function appWith(fal: FakeFal, publicUrl: boolean): Promise<App> {
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: '1:bench-token-abcdefghijklmnopqrstuvwxyz',
    FAL_KEY: KEY,
    FAL_QUEUE_URL: fal.url,
    FAL_JWKS_URL: fal.jwksUrl,
    STORE_URL: 'memory://',
  };
  if (publicUrl) {
    const port = await freePort();
    Object.assign(env, { PUBLIC_URL: `http://127.0.0.1:${port}`, HTTP_PORT: String(port) });
  }
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return buildApp(parsed.config, silentLogger);
}

async function viaApp(mode: string, publicUrl: boolean): Promise<RequestsPerJob> {
  const fal = await startFakeFal({ key: KEY, script: { durationMs: JOB_MS } });
  const app = await appWith(fal, publicUrl);
  try {
    const outcome = await app.runner.run(job(`bench:${mode}`), sink);
    if (outcome.kind !== 'done') throw new Error(`${mode}: ${JSON.stringify(outcome)}`);
    return measure(mode, fal);
  } finally {
    await app.close();
    await fal.close();
  }
}

async function viaPolling(): Promise<RequestsPerJob> {
  const fal = await startFakeFal({ key: KEY, script: { durationMs: JOB_MS } });
  const storage = createMemoryStorage();
  const provider = createFalProvider({
    key: KEY,
    queueUrl: fal.url,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    stream: false,
    webhooks: false,
  });
  const ledger = new QuotaLedger(storage, { limit: 10, window: 'day', timeZone: 'UTC' });
  // The fake's result files are on loopback: allowed as a configured host, as the app allows its base URLs.
  const downloadPolicy = { ...DEFAULT_DOWNLOAD_POLICY, configuredHosts: ['127.0.0.1'] };
  const runner = new JobRunner({ storage, ledger, providers: [provider], logger: silentLogger, downloadPolicy });
  try {
    const outcome = await runner.run(job('bench:polling'), sink);
    if (outcome.kind !== 'done') throw new Error(`polling: ${JSON.stringify(outcome)}`);
    return measure('the bot, polling (no public URL, no stream)', fal);
  } finally {
    await storage.close();
    await fal.close();
  }
}

async function viaOfficialClient(): Promise<RequestsPerJob> {
  const fal = await startFakeFal({ key: KEY, script: { durationMs: JOB_MS } });
  const client = createFalClient({
    credentials: KEY,
    // Sends the client's queue.fal.run requests to the fake instead.
    requestMiddleware: async (request) => ({ ...request, url: request.url.replace('https://queue.fal.run', fal.url) }),
  });
  try {
    await client.subscribe('fal-ai/nano-banana', { input: { prompt: 'a red fox in the snow', num_images: 1 } });
    return measure('official @fal-ai/client subscribe (polling every 500 ms)', fal);
  } finally {
    await fal.close();
  }
}

/** All four at once (each on its own fake), so the whole measurement takes one job's 20 seconds. */
export async function requestsPerJob(): Promise<RequestsPerJob[]> {
  const [webhook, stream, polling, official] = await Promise.all([
    viaApp('the bot, fal webhook (PUBLIC_URL set)', true),
    viaApp('the bot, fal status stream (no public URL)', false),
    viaPolling(),
    viaOfficialClient(),
  ]);
  return [webhook!, stream!, polling!, official!];
}
