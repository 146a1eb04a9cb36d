import { afterEach, beforeEach, expect, it } from 'vitest';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
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
