import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFalProvider, type FalOptions } from '../../src/core/providers/fal.ts';
import type { Provider, ProviderStatus, Submission } from '../../src/core/providers/provider.ts';
import { startFakeFal, type FakeFal, type FakeFalOptions } from '../helpers/fake-fal.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';

const KEY = 'fal-stream-key-Vb7nK2pR5';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

let fake: FakeFal | undefined;
let raw: Server | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  if (raw) {
    raw.closeAllConnections();
    await new Promise<void>((resolve) => raw!.close(() => resolve()));
    raw = undefined;
  }
});

function providerAt(queueUrl: string, options: Partial<FalOptions> = {}): Provider {
  return createFalProvider({
    key: KEY,
    queueUrl,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    retry: { submit: TINY, status: TINY, result: TINY, cancel: TINY },
    ...options,
  });
}

async function startFake(options: FakeFalOptions = {}): Promise<{ fal: FakeFal; provider: Provider }> {
  fake = await startFakeFal({ key: KEY, ...options });
  return { fal: fake, provider: providerAt(fake.url) };
}

async function collect(statuses: AsyncIterable<ProviderStatus>): Promise<ProviderStatus[]> {
  const out: ProviderStatus[] = [];
  for await (const status of statuses) out.push(status);
  return out;
}

/** A hand-written SSE answer, for what the fake never sends. */
async function startRaw(write: (res: ServerResponse) => void): Promise<string> {
  raw = createServer((_req, res) => write(res));
  await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
}

const rawSubmission = (url: string): Submission => ({
  provider: 'fal',
  requestId: 'r1',
  urls: { status: `${url}/fal-ai/nano-banana/requests/r1/status`, response: `${url}/x`, cancel: `${url}/y` },
});

describe('fal status stream', () => {
  it('yields each status, queue positions included, and ends after COMPLETED', async () => {
    const { fal, provider } = await startFake({
      script: { statuses: [{ status: 'IN_QUEUE', queue_position: 3 }, { status: 'IN_QUEUE', queue_position: 1 }, { status: 'IN_PROGRESS' }] },
    });
    const submission = await provider.submit(editInput(), never);
    expect(await collect(provider.watch!(submission, never))).toEqual([
      { state: 'queued', position: 3 },
      { state: 'queued', position: 1 },
      { state: 'running' },
      { state: 'completed' },
    ]);
    const request = fal.requests.at(-1)!;
    expect(request.path).toBe(`/fal-ai/nano-banana/requests/${submission.requestId}/status/stream?logs=0`);
    expect(request.headers.accept).toBe('text/event-stream');
    expect(request.headers.authorization).toBe(`Key ${KEY}`);
    expect((await provider.result(submission, never)).images).toHaveLength(1);
  });

  it('reports a time-based job as it happens, ignoring keep-alive comments', async () => {
    const { provider } = await startFake({ keepAliveMs: 3, script: { durationMs: 400 } });
    const submission = await provider.submit(editInput(), never);
    const started = Date.now();
    expect(await collect(provider.watch!(submission, never))).toEqual([
      { state: 'queued', position: 2 },
      { state: 'running' },
      { state: 'completed' },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('ends with a failed status when the job failed', async () => {
    const { provider } = await startFake({
      script: { statuses: [], outcome: { kind: 'error', httpStatus: 500, body: { detail: 'boom' }, error: 'Runner crashed' } },
    });
    const submission = await provider.submit(editInput(), never);
    const statuses = await collect(provider.watch!(submission, never));
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ state: 'failed', reason: expect.stringContaining('Runner crashed') });
  });

  it('turns an HTTP error into PROVIDER_UNAVAILABLE, never quoting the key', async () => {
    const { fal, provider } = await startFake();
    const submission = await provider.submit(editInput(), never);
    fal.script.streamFailures = [{ status: 500, body: { detail: `broken for ${KEY}` } }];
    const error = await botErrorOf(collect(provider.watch!(submission, never)));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toBe('fal status stream answered HTTP 500');

    const wrongKey = providerAt(fal.url, { key: 'wrong-key-123456' });
    const refused = await botErrorOf(collect(wrongKey.watch!(submission, never)));
    expect(refused.code).toBe('PROVIDER_UNAVAILABLE');
    expect(refused.message).not.toContain('wrong-key-123456');
  });

  it('gives up with PROVIDER_UNAVAILABLE when the stream falls silent', async () => {
    fake = await startFakeFal({ key: KEY, keepAliveMs: 60_000, script: { durationMs: 10_000 } });
    const provider = providerAt(fake.url, { streamIdleMs: 100 });
    const submission = await provider.submit(editInput(), never);
    const seen: ProviderStatus[] = [];
    const error = await botErrorOf(
      (async () => {
        for await (const status of provider.watch!(submission, never)) seen.push(status);
      })(),
    );
    expect(seen).toEqual([{ state: 'queued', position: 2 }]);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toMatch(/silent for 100 ms/);
  });

  it('keeps a quiet stream alive as long as comments arrive', async () => {
    fake = await startFakeFal({ key: KEY, keepAliveMs: 20, script: { durationMs: 400, statuses: [] } });
    const provider = providerAt(fake.url, { streamIdleMs: 150 });
    const submission = await provider.submit(editInput(), never);
    expect(await collect(provider.watch!(submission, never))).toEqual([{ state: 'running' }, { state: 'completed' }]);
  });

  it('stops at once when the signal aborts, with its reason', async () => {
    const { provider } = await startFake({ script: { durationMs: 10_000 } });
    const submission = await provider.submit(editInput(), never);
    const controller = new AbortController();
    const reason = new Error('job deadline');
    const outcome = (async () => {
      for await (const status of provider.watch!(submission, controller.signal)) {
        if (status.state === 'queued') controller.abort(reason);
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(await outcome).toBe(reason);
  });

  it('reads events split across chunks, skips comments and reports a stream that ends early', async () => {
    const url = await startRaw((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keepalive\n\n');
      res.write('data: {"status":"IN_QUE');
      res.write('UE","queue_position":4}\n\n: keepalive\n\n');
      res.end('data: {"status":"IN_PROGRESS","logs":[]}\n\n');
    });
    const seen: ProviderStatus[] = [];
    const error = await botErrorOf(
      (async () => {
        for await (const status of providerAt(url).watch!(rawSubmission(url), never)) seen.push(status);
      })(),
    );
    expect(seen).toEqual([{ state: 'queued', position: 4 }, { state: 'running' }]);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toMatch(/ended before COMPLETED/);
  });

  it('says PROVIDER_PROTOCOL for an event that is not a status', async () => {
    const url = await startRaw((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: <html>\n\n');
    });
    const error = await botErrorOf(collect(providerAt(url).watch!(rawSubmission(url), never)));
    expect(error.code).toBe('PROVIDER_PROTOCOL');
  });

  it('says PROVIDER_UNAVAILABLE when nothing listens', async () => {
    const provider = providerAt('http://127.0.0.1:1');
    const error = await botErrorOf(collect(provider.watch!(rawSubmission('http://127.0.0.1:1'), never)));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
