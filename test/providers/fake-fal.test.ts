import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChainHubContractFake, startFakeFal, startFalContractFake, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/** The fake itself: other suites (Telegram, Discord end to end) rely on it behaving like fal. */
let fake: FakeFal;
const KEY = 'fake-key';
const auth = { authorization: `Key ${KEY}`, 'content-type': 'application/json' };
const dataUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

async function submitEdit(extra: Record<string, unknown> = {}) {
  const res = await call('POST', '/fal-ai/nano-banana/edit', {
    prompt: 'p',
    image_urls: [dataUri(makePng(4, 4, 1))],
    ...extra,
  });
  expect(res.status).toBe(200);
  return res.json as { request_id: string; status_url: string; response_url: string; cancel_url: string };
}

beforeEach(async () => {
  fake = await startFakeFal({ key: KEY });
});

afterEach(async () => {
  await fake.close();
});

it('requires the key', async () => {
  const res = await call('POST', '/fal-ai/nano-banana/edit', { prompt: 'p' }, { authorization: 'Key nope' });
  expect(res.status).toBe(401);
  expect(res.json?.detail).toBeTypeOf('string');
  expect(fake.requests).toHaveLength(1);
});

it('answers 422 in fal shape for a missing prompt or image_urls, and for a non-data URI', async () => {
  expect((await call('POST', '/fal-ai/nano-banana/edit', { image_urls: [dataUri(makePng(4, 4))] })).json).toEqual({
    detail: [{ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' }],
  });
  const noImages = await call('POST', '/fal-ai/nano-banana/edit', { prompt: 'p' });
  expect(noImages.status).toBe(422);
  const platformUrl = await call('POST', '/fal-ai/nano-banana/edit', {
    prompt: 'p',
    image_urls: ['https://api.telegram.org/file/botTOKEN/photo.jpg'],
  });
  expect(platformUrl.status).toBe(422);
  expect(fake.jobs).toHaveLength(0);
  // Text-to-image needs no images.
  expect((await call('POST', '/fal-ai/nano-banana', { prompt: 'p' })).status).toBe(200);
});

it('serves status URLs without the sub-path and refuses them with it', async () => {
  const job = await submitEdit();
  expect(job.status_url).toBe(`${fake.url}/fal-ai/nano-banana/requests/${job.request_id}/status`);
  expect((await call('GET', `/fal-ai/nano-banana/edit/requests/${job.request_id}/status`)).status).toBe(404);
});

it('refuses the result until polling reached COMPLETED, then serves it and its files', async () => {
  const job = await submitEdit({ num_images: 2 });
  const result = `/fal-ai/nano-banana/requests/${job.request_id}`;
  expect((await call('GET', result)).status).toBe(400);
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push(await call('GET', `${result}/status?logs=0`));
  expect(statuses.map((s) => [s.status, s.json?.status])).toEqual([
    [202, 'IN_QUEUE'],
    [202, 'IN_PROGRESS'],
    [200, 'COMPLETED'],
  ]);
  const answer = await call('GET', result);
  const images = answer.json?.images as Array<{ url: string; width: number }>;
  expect(images).toHaveLength(2);
  expect(images[0]!.width).toBe(64);
  const bytes = Buffer.from(await (await fetch(images[1]!.url)).arrayBuffer());
  expect(bytes.equals(makePng(64, 64, 101))).toBe(true);
});

it('applies a script change to later jobs only', async () => {
  const first = await submitEdit();
  fake.script.statuses = [];
  fake.script.outcome = { kind: 'images', images: [makePng(5, 7, 9)] };
  const second = await submitEdit();
  expect((await call('GET', `/fal-ai/nano-banana/requests/${first.request_id}/status`)).json?.status).toBe('IN_QUEUE');
  expect((await call('GET', `/fal-ai/nano-banana/requests/${second.request_id}/status`)).json?.status).toBe('COMPLETED');
  expect(fake.jobs[1]!.resultImages[0]!.equals(makePng(5, 7, 9))).toBe(true);
});

it('marks a cancelled job, which then completes as an error', async () => {
  const job = await submitEdit();
  const cancel = await call('PUT', `/fal-ai/nano-banana/requests/${job.request_id}/cancel`);
  expect(cancel).toEqual({ status: 202, json: { status: 'CANCELLATION_REQUESTED' } });
  expect(fake.jobs[0]!.cancelled).toBe(true);
  const status = await call('GET', `/fal-ai/nano-banana/requests/${job.request_id}/status`);
  expect(status.json).toMatchObject({ status: 'COMPLETED', error_type: 'request_cancelled' });
});

it('waits for the n-th job and times out when it never comes', async () => {
  const waiting = fake.waitForJob(2);
  await submitEdit();
  await submitEdit({ prompt: 'second' });
  expect((await waiting).input.prompt).toBe('second');
  await expect(fake.waitForJob(3, 20)).rejects.toThrow(/job 3/);
});

describe('time-based jobs, stream, webhook keys', () => {
  it('completes a job at submit + durationMs, however often it was polled', async () => {
    fake.script.durationMs = 300;
    const job = await submitEdit();
    const result = `/fal-ai/nano-banana/requests/${job.request_id}`;
    expect((await call('GET', `${result}/status`)).json?.status).toBe('IN_QUEUE');
    expect((await call('GET', result)).json).toEqual({ detail: 'Request is still in progress' });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await call('GET', result)).status).toBe(200);
    expect((await call('GET', `${result}/status`)).json?.status).toBe('COMPLETED');
  });

  it('streams a data event per change with keep-alive comments, and closes after COMPLETED', async () => {
    await fake.close();
    fake = await startFakeFal({ key: KEY, keepAliveMs: 5, script: { durationMs: 300 } });
    const job = await submitEdit();
    const res = await fetch(`${fake.url}/fal-ai/nano-banana/requests/${job.request_id}/status/stream?logs=0`, { headers: auth });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    const events = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)).status);
    expect(events).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']);
    expect(text).toMatch(/^: keepalive$/m);
  });

  it('streams every status in order even when its timers fire late', async () => {
    fake.script.durationMs = 100;
    const job = await submitEdit();
    const res = await fetch(`${fake.url}/fal-ai/nano-banana/requests/${job.request_id}/status/stream`, { headers: auth });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"IN_QUEUE"');
    // Block the event loop past the whole duration: both timers then fire at once.
    const until = Date.now() + 200;
    while (Date.now() < until);
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    const events = rest.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)).status);
    expect(events).toEqual(['IN_PROGRESS', 'COMPLETED']);
  });

  it('serves its Ed25519 JWKS without a key', async () => {
    const res = await fetch(fake.jwksUrl);
    const jwks = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String) });
    fake.rotateWebhookKey({ keepOld: true });
    expect(((await (await fetch(fake.jwksUrl)).json()) as { keys: unknown[] }).keys).toHaveLength(2);
  });
});

describe('ChainHub flavour', () => {
  const bearer = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  it('wants Bearer auth and answers with queue.fal.run URLs, as ChainHub does', async () => {
    await fake.close();
    fake = await startFakeFal({ key: KEY, flavour: 'chainhub' });
    const body = { prompt: 'p', image_urls: [dataUri(makePng(4, 4, 1))] };
    expect((await call('POST', '/fal-ai/nano-banana/edit', body)).status).toBe(401);
    const res = await call('POST', '/fal-ai/nano-banana/edit', body, bearer);
    const id = res.json?.request_id as string;
    expect(res.json).toMatchObject({
      status: 'IN_QUEUE',
      status_url: `https://queue.fal.run/fal-ai/nano-banana/requests/${id}/status`,
      response_url: `https://queue.fal.run/fal-ai/nano-banana/requests/${id}`,
      cancel_url: `https://queue.fal.run/fal-ai/nano-banana/requests/${id}/cancel`,
      logs: null,
      metrics: {},
    });
    expect((await call('GET', `/fal-ai/auto/requests/${id}`, undefined, bearer)).json).toEqual({ detail: 'Request is still in progress' });
    expect((await call('GET', `/fal-ai/nano-banana/requests/${id}/status/stream`, undefined, bearer)).status).toBe(404);
  });

  it('can lack the status route; result GETs then move a polled job on', async () => {
    await fake.close();
    fake = await startFakeFal({ key: KEY, flavour: 'chainhub', statusRoute: 'missing' });
    const res = await call('POST', '/fal-ai/nano-banana', { prompt: 'p' }, bearer);
    const result = `/fal-ai/nano-banana/requests/${res.json?.request_id as string}`;
    expect((await call('GET', `${result}/status`, undefined, bearer)).status).toBe(404);
    expect((await call('GET', result, undefined, bearer)).status).toBe(400);
    expect((await call('GET', result, undefined, bearer)).status).toBe(400);
    expect((await call('GET', result, undefined, bearer)).status).toBe(200);
  });
});

describe('contract fakes', () => {
  it('point the bot at themselves through the documented variables', async () => {
    const retry = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
    const fal = await startFalContractFake({ retry });
    const chainhub = await startChainHubContractFake({ retry });
    try {
      expect(Object.keys(fal.env).sort()).toEqual(['FAL_JWKS_URL', 'FAL_KEY', 'FAL_QUEUE_URL']);
      expect(fal.env.FAL_KEY).toBe(fal.key);
      expect(Object.keys(chainhub.env).sort()).toEqual(['CHAINHUB_API_KEY', 'CHAINHUB_BASE_URL']);
      expect([fal.provider.name, chainhub.provider.name]).toEqual(['fal', 'chainhub']);
    } finally {
      await fal.close();
      await chainhub.close();
    }
  });
});
