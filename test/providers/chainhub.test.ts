import { afterEach, describe, expect, it } from 'vitest';
import { BotError } from '../../src/core/errors.ts';
import type { JsonResponse } from '../../src/core/http/request.ts';
import { createChainHubProvider, statusFromResult } from '../../src/core/providers/chainhub.ts';
import type { Provider, ProviderStatus, Submission } from '../../src/core/providers/provider.ts';
import { startFakeFal, type FakeFal, type FakeFalOptions } from '../helpers/fake-fal.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';

const KEY = 'chainhub-key-Hx5mQ1wZ8';
const RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

let fake: FakeFal;

afterEach(async () => {
  await fake.close();
});

async function start(options: FakeFalOptions = {}): Promise<Provider> {
  fake = await startFakeFal({ key: KEY, flavour: 'chainhub', ...options });
  return createChainHubProvider({
    key: KEY,
    baseUrl: fake.url,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    retry: RETRY,
  });
}

async function statusesUntilDone(provider: Provider, submission: Submission): Promise<ProviderStatus[]> {
  const seen: ProviderStatus[] = [];
  for (let i = 0; i < 10; i++) {
    const status = await provider.status(submission, never);
    seen.push(status);
    if (status.state === 'completed' || status.state === 'failed') break;
  }
  return seen;
}

const paths = () => fake.requests.map((r) => `${r.method} ${r.path}`);

describe('ChainHub provider', () => {
  it('submits with Bearer auth and rewrites the queue.fal.run URLs it gets back to its own host', async () => {
    const provider = await start();
    expect(provider.name).toBe('chainhub');
    const submission = await provider.submit(editInput(), never);
    const id = submission.requestId;
    expect(paths()).toEqual(['POST /fal-ai/nano-banana/edit']);
    // The fake answered with https://queue.fal.run/… URLs, as ChainHub does (fake-fal.test.ts checks it):
    // every follow-up below reaching the fake proves the host swap.
    expect(submission.urls).toEqual({
      status: `${fake.url}/fal-ai/nano-banana/requests/${id}/status`,
      response: `${fake.url}/fal-ai/nano-banana/requests/${id}`,
      cancel: `${fake.url}/fal-ai/nano-banana/requests/${id}/cancel`,
    });
    expect(await statusesUntilDone(provider, submission)).toEqual([
      { state: 'queued', position: 2 },
      { state: 'running' },
      { state: 'completed' },
    ]);
    expect((await provider.result(submission, never)).images).toHaveLength(1);
    await provider.cancel(submission);
    expect(paths().slice(1)).toEqual([
      `GET /fal-ai/nano-banana/requests/${id}/status?logs=0`,
      `GET /fal-ai/nano-banana/requests/${id}/status?logs=0`,
      `GET /fal-ai/nano-banana/requests/${id}/status?logs=0`,
      `GET /fal-ai/nano-banana/requests/${id}`,
      `PUT /fal-ai/nano-banana/requests/${id}/cancel`,
    ]);
    for (const request of fake.requests) expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('falls back to the result endpoint when the status route is missing, and remembers it', async () => {
    const provider = await start({ statusRoute: 'missing' });
    const submission = await provider.submit(editInput({ count: 2 }), never);
    const id = submission.requestId;
    expect(await statusesUntilDone(provider, submission)).toEqual([{ state: 'running' }, { state: 'running' }, { state: 'completed' }]);
    expect(paths().slice(1)).toEqual([
      `GET /fal-ai/nano-banana/requests/${id}/status?logs=0`,
      `GET /fal-ai/nano-banana/requests/${id}`,
      `GET /fal-ai/nano-banana/requests/${id}`,
      `GET /fal-ai/nano-banana/requests/${id}`,
    ]);
    expect((await provider.result(submission, never)).images).toHaveLength(2);
  });

  it('reports a failure seen on the result endpoint with its reason', async () => {
    const provider = await start({ statusRoute: 'missing' });
    const detail = [{ loc: ['body', 'prompt'], msg: 'content policy violation', type: 'content_policy_violation' }];
    fake.script.statuses = [{ status: 'IN_PROGRESS' }];
    fake.script.outcome = { kind: 'error', httpStatus: 422, body: { detail } };
    const submission = await provider.submit(editInput(), never);
    expect(await statusesUntilDone(provider, submission)).toEqual([
      { state: 'running' },
      { state: 'failed', reason: 'prompt: content policy violation' },
    ]);
    const error = await botErrorOf(provider.result(submission, never));
    expect(error.code).toBe('PROVIDER_FAILED');
  });

  it('keeps the status route when a 404 only meant an unknown request', async () => {
    const provider = await start();
    expect(await provider.status({ provider: 'chainhub', requestId: 'no-such-request' }, never)).toMatchObject({ state: 'failed' });
    const submission = await provider.submit(editInput(), never);
    await provider.status(submission, never);
    expect(fake.requests.at(-1)!.path).toBe(`/fal-ai/nano-banana/requests/${submission.requestId}/status?logs=0`);
  });

  it('has no status stream and no webhooks (neither is documented)', async () => {
    const provider = await start();
    expect(provider.watch).toBeUndefined();
    expect(provider.verifyCallback).toBeUndefined();
    await provider.submit(editInput(), never, { callbackUrl: 'https://bot.example.com/cb' });
    expect(fake.requests[0]!.path).toBe('/fal-ai/nano-banana/edit');
  });

  it('reports a refused key as PROVIDER_UNAVAILABLE without quoting it', async () => {
    await start();
    const wrong = createChainHubProvider({ key: 'wrong-key-abcdef', baseUrl: fake.url, model: 'fal-ai/nano-banana/edit', textModel: 'fal-ai/nano-banana', retry: RETRY });
    const error = await botErrorOf(wrong.submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toBe('chainhub rejected the API key (HTTP 401)');
  });
});

describe('statusFromResult', () => {
  const answer = (status: number, json: unknown): JsonResponse => ({ status, headers: {}, json, text: JSON.stringify(json) });
  const read = (status: number, json: unknown) => statusFromResult('chainhub', answer(status, json), KEY);

  it('reads "not finished yet" answers as running or queued', () => {
    expect(read(400, { detail: 'Request is still in progress' })).toEqual({ state: 'running' });
    expect(read(202, {})).toEqual({ state: 'running' });
    expect(read(202, { status: 'IN_QUEUE', queue_position: 5 })).toEqual({ state: 'queued', position: 5 });
    expect(read(400, { status: 'IN_PROGRESS' })).toEqual({ state: 'running' });
    expect(read(200, { status: 'IN_PROGRESS' })).toEqual({ state: 'running' });
  });

  it('reads 2xx as completed and other errors as the job’s failure, scrubbed', () => {
    expect(read(200, { images: [{ url: 'https://v3.fal.media/x.png' }] })).toEqual({ state: 'completed' });
    expect(read(500, { detail: `runner crashed (key ${KEY})` })).toEqual({ state: 'failed', reason: 'runner crashed (key [redacted])' });
    expect(read(404, { detail: 'Request not found' })).toEqual({ state: 'failed', reason: 'Request not found' });
    expect(read(400, {})).toEqual({ state: 'failed', reason: 'HTTP 400' });
  });

  it('throws PROVIDER_UNAVAILABLE for answers that say nothing about the job', () => {
    for (const status of [401, 403, 429, 502, 503, 504]) {
      const error = (() => {
        try {
          read(status, { detail: KEY });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(BotError);
      expect((error as BotError).code).toBe('PROVIDER_UNAVAILABLE');
      expect((error as BotError).message).not.toContain(KEY);
    }
  });
});
