import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BotError } from '../../src/core/errors.ts';
import { ASPECT_RATIOS, type EditInput, type Provider, type Submission } from '../../src/core/providers/provider.ts';
import { createSinanCodeProvider, SINANCODE_CAPABILITIES, type SinanCodeOptions } from '../../src/core/providers/sinancode.ts';
import { startFileHost, type FileHost } from '../helpers/file-host.ts';
import { startFakeSinanCode, startSinanCodeContractFake, type FakeSinanCode } from '../helpers/fake-sinancode.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';
import { makePng, pngImage } from '../helpers/png.ts';

/** Distinctive, so that a leak anywhere cannot be a coincidence. */
const KEY = 'SECRET-sinancode-key-4d9b7e21a0c6';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const SUBMIT_PATH = '/v1/generate/k/nano-banana-edit';

let fake: FakeSinanCode;
let host: FileHost;
let provider: Provider;

function makeProvider(options: Partial<SinanCodeOptions> = {}): Provider {
  return createSinanCodeProvider({ key: KEY, baseUrl: fake.url, retry: TINY, timeoutMs: 5000, ...options });
}

/** An edit input whose images the file host serves, as the core would prepare it for a URL-taking provider. */
function hosted(overrides: Partial<EditInput> = {}, seeds: number[] = [1]): EditInput {
  const images = seeds.map((seed) => {
    const image = pngImage(8, 8, seed);
    return { ...image, url: host.put(image.bytes) };
  });
  return editInput({ images, ...overrides });
}

const posts = () => fake.requests.filter((r) => r.method === 'POST');
const gets = () => fake.requests.filter((r) => r.method === 'GET');

async function poll(submission: Submission) {
  const seen = [];
  for (let i = 0; i < 10; i++) {
    const status = await provider.status(submission, never);
    seen.push(status);
    if (status.state === 'completed' || status.state === 'failed') break;
  }
  return seen;
}

/** Everything an error could show: message, userDetail, stack, and the same for every cause. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    parts.push(current.message, current.stack ?? '', String((current as BotError).userDetail ?? ''));
    current = current.cause;
  }
  return parts.join('\n');
}

beforeEach(async () => {
  fake = await startFakeSinanCode({ key: KEY });
  host = await startFileHost();
  provider = makeProvider();
});

afterEach(async () => {
  await Promise.all([fake.close(), host.close()]);
});

describe('sinancode provider against the fake', () => {
  it('declares what the docs say it can do', () => {
    expect(provider.name).toBe('sinancode');
    expect(provider.capabilities).toBe(SINANCODE_CAPABILITIES);
    expect(SINANCODE_CAPABILITIES).toMatchObject({
      maxInputImages: 10,
      textToImage: false,
      maxImagesPerSubmit: 1,
      outputFormats: ['png', 'jpeg'],
      maxPromptLength: 5000,
      imageInput: 'url',
    });
    expect([...SINANCODE_CAPABILITIES.aspectRatios].sort()).toEqual([...ASPECT_RATIOS].sort());
  });

  it.each(['strings', 'objects'] as const)('runs an edit through pending, processing and completed (result as %s)', async (shape) => {
    fake.script.resultShape = shape;
    const input = hosted({ aspectRatio: '4:3', outputFormat: 'jpeg' }, [1, 2]);
    const submission = await provider.submit(input, never);
    const task = fake.tasks[0]!;
    expect(submission).toEqual({ provider: 'sinancode', requestId: task.id });

    const submit = fake.requests[0]!;
    expect(submit.method).toBe('POST');
    expect(submit.path).toBe(SUBMIT_PATH);
    expect(submit.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(submit.headers['content-type']).toBe('application/json');
    expect(task.body).toEqual({
      image_urls: [input.images[0]!.url, input.images[1]!.url],
      prompt: 'make it blue',
      image_size: '4:3',
      output_format: 'jpeg',
    });
    // The fake fetched the inputs itself: these are the bytes SinanCode would have edited.
    expect(host.fetched).toHaveLength(2);
    expect(task.inputImages.map((b) => b.toString('base64'))).toEqual(input.images.map((i) => i.bytes.toString('base64')));

    expect(await poll(submission)).toEqual([{ state: 'queued' }, { state: 'running' }, { state: 'completed' }]);
    const result = await provider.result(submission, never);
    expect(gets().map((r) => r.path)).toEqual(Array.from({ length: 4 }, () => `/v1/tasks/${task.id}`));
    for (const r of fake.requests) expect(r.headers.authorization).toBe(`Bearer ${KEY}`);

    expect(result.images).toHaveLength(1);
    const image = result.images[0]!;
    if (!('url' in image)) throw new Error('expected a URL result');
    const downloaded = Buffer.from(await (await fetch(image.url)).arrayBuffer());
    expect(downloaded.equals(task.resultImages[0]!)).toBe(true);
  });

  it.each(ASPECT_RATIOS)('sends aspect ratio %s as image_size', async (ratio) => {
    await provider.submit(hosted({ aspectRatio: ratio }), never);
    expect(fake.tasks[0]!.body.image_size).toBe(ratio);
  });

  it("sends image_size 'auto' when no ratio is chosen, and each output format as is", async () => {
    await provider.submit(hosted({ outputFormat: 'png' }), never);
    await provider.submit(hosted({ outputFormat: 'jpeg' }), never);
    expect(fake.tasks.map((t) => [t.body.image_size, t.body.output_format])).toEqual([
      ['auto', 'png'],
      ['auto', 'jpeg'],
    ]);
  });

  it('takes ten input images and a 5000-character prompt, and tolerates a trailing slash in the base URL', async () => {
    const slashed = makeProvider({ baseUrl: `${fake.url}/` });
    const prompt = 'é'.repeat(5000);
    await slashed.submit(hosted({ prompt }, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), never);
    expect(fake.requests[0]!.path).toBe(SUBMIT_PATH);
    expect(fake.tasks[0]!.inputImages).toHaveLength(10);
    expect(fake.tasks[0]!.body.prompt).toBe(prompt);
  });

  it.each([
    ['webp output', { outputFormat: 'webp' as const }, 'output format'],
    ['no image', { images: [] }, 'at least one image'],
    ['a blank prompt', { prompt: '  ' }, 'prompt is empty'],
    ['a prompt too long', { prompt: 'x'.repeat(5001) }, 'longer than 5000'],
    ['two images per submit', { count: 2 }, 'one image per request'],
  ])('refuses %s before sending anything', async (_, overrides, words) => {
    const error = await botErrorOf(provider.submit(hosted(overrides), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail).toContain(words);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses eleven images before sending anything', async () => {
    const error = await botErrorOf(provider.submit(hosted({}, Array.from({ length: 11 }, (_, i) => i + 1)), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(fake.requests).toHaveLength(0);
  });

  it('treats an input image without a public URL as the caller’s bug (INTERNAL), sending nothing', async () => {
    for (const url of [undefined, 'data:image/png;base64,AAAA']) {
      const error = await botErrorOf(provider.submit(editInput({ images: [{ ...pngImage(8, 8, 1), url }] }), never));
      expect(error.code).toBe('INTERNAL');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("maps the fake's own 400 to PROVIDER_REJECTED with its reason as userDetail", async () => {
    const input = hosted();
    const gone = { ...input.images[0]!, url: `${input.images[0]!.url}-missing` };
    const error = await botErrorOf(provider.submit({ ...input, images: [gone] }, never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail).toBe('image_urls[0] could not be downloaded');
    expect(posts()).toHaveLength(1);
    expect(fake.tasks).toHaveLength(0);
  });

  it('reads message, error_msg or error_code from an error body, in that order', async () => {
    fake.script.submitFailures = [
      { status: 400, body: { message: 'prompt rejected', error_msg: 'ignored' } },
      { status: 422, body: { error_code: 'CONTENT_POLICY' } },
      { status: 400, body: { error_code: 40012 } },
    ];
    const details = [];
    for (let i = 0; i < 3; i++) details.push((await botErrorOf(provider.submit(hosted(), never))).userDetail);
    expect(details).toEqual(['prompt rejected', 'CONTENT_POLICY', '40012']);
    expect(posts()).toHaveLength(3);
  });

  it('maps a refused key to PROVIDER_UNAVAILABLE without quoting anything about it', async () => {
    const wrong = makeProvider({ key: 'wrong-key-123456' });
    const error = await botErrorOf(wrong.submit(hosted(), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toBe('sinancode rejected the API key (HTTP 401)');
    expect(error.userDetail).toBeUndefined();
    const submission = await provider.submit(hosted(), never);
    expect((await botErrorOf(wrong.status(submission, never))).code).toBe('PROVIDER_UNAVAILABLE');
    expect((await botErrorOf(wrong.result(submission, never))).code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('retries a 503 on submit, then gives up with PROVIDER_UNAVAILABLE', async () => {
    fake.script.submitFailures = [{ status: 503 }];
    await provider.submit(hosted(), never);
    expect(posts()).toHaveLength(2);
    expect(fake.tasks).toHaveLength(1);

    fake.script.submitFailures = Array.from({ length: 5 }, () => ({ status: 503 }));
    const error = await botErrorOf(provider.submit(hosted(), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toContain('503');
    expect(posts()).toHaveLength(5);
    expect(fake.tasks).toHaveLength(1);
  });

  it('does not retry a 400 or a 500 on submit', async () => {
    fake.script.submitFailures = [{ status: 400 }, { status: 500 }];
    expect((await botErrorOf(provider.submit(hosted(), never))).code).toBe('PROVIDER_REJECTED');
    expect((await botErrorOf(provider.submit(hosted(), never))).code).toBe('PROVIDER_UNAVAILABLE');
    expect(posts()).toHaveLength(2);
  });

  it('retries a 500 on the task GET, and reports a task GET that stays down as PROVIDER_UNAVAILABLE', async () => {
    const submission = await provider.submit(hosted(), never);
    fake.script.statusFailures = [{ status: 500 }];
    expect(await provider.status(submission, never)).toEqual({ state: 'queued' });
    expect(gets()).toHaveLength(2);
    fake.script.statusFailures = Array.from({ length: 3 }, () => ({ status: 502 }));
    expect((await botErrorOf(provider.status(submission, never))).code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('reports a failed task with error_msg, or error_code when that is empty', async () => {
    fake.script.outcome = { kind: 'failed', error_code: 'CONTENT_BLOCKED', error_msg: 'The image violates the content policy' };
    const first = await provider.submit(hosted(), never);
    fake.script.outcome = { kind: 'failed', error_code: 'GENERATION_FAILED', error_msg: '' };
    const second = await provider.submit(hosted(), never);

    expect((await poll(first)).at(-1)).toEqual({ state: 'failed', reason: 'The image violates the content policy' });
    expect((await poll(second)).at(-1)).toEqual({ state: 'failed', reason: 'GENERATION_FAILED' });
    const error = await botErrorOf(provider.result(first, never));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.message).toContain('The image violates the content policy');
  });

  it('maps undocumented status values to queued', async () => {
    fake.script.statuses = ['queued', 'waiting', 'PROCESSING'];
    const submission = await provider.submit(hosted(), never);
    expect(await poll(submission)).toEqual([{ state: 'queued' }, { state: 'queued' }, { state: 'running' }, { state: 'completed' }]);
  });

  it('fails a result that is not ready or holds no image, and calls an unreadable answer PROVIDER_PROTOCOL', async () => {
    const submission = await provider.submit(hosted(), never);
    const early = await botErrorOf(provider.result(submission, never));
    expect(early.code).toBe('PROVIDER_FAILED');
    expect(early.message).toContain('not completed');

    fake.script.statusFailures = [
      { status: 200, body: { id: submission.requestId, status: 'completed', result: [] } },
      { status: 200, body: { id: submission.requestId, status: 'completed', result: 'https://x.test/a.png' } },
      { status: 200, body: { id: submission.requestId } },
    ];
    expect((await botErrorOf(provider.result(submission, never))).code).toBe('PROVIDER_FAILED');
    expect((await botErrorOf(provider.result(submission, never))).code).toBe('PROVIDER_PROTOCOL');
    expect((await botErrorOf(provider.status(submission, never))).code).toBe('PROVIDER_PROTOCOL');

    fake.script.submitFailures = [{ status: 200, body: { id: 'no task_id here' } }];
    expect((await botErrorOf(provider.submit(hosted(), never))).code).toBe('PROVIDER_PROTOCOL');
  });

  it('calls a task the service does not know PROVIDER_FAILED', async () => {
    const unknown: Submission = { provider: 'sinancode', requestId: 'no-such-task' };
    expect((await botErrorOf(provider.status(unknown, never))).code).toBe('PROVIDER_FAILED');
  });

  it('never puts the key into any error, even when the service echoes it', async () => {
    const errors: BotError[] = [];
    fake.script.submitFailures = [
      { status: 400, body: { message: `bad token ${KEY}` } },
      { status: 503, body: { error_msg: `upstream saw ${KEY}` } },
    ];
    const once = makeProvider({ retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    errors.push(await botErrorOf(once.submit(hosted(), never)), await botErrorOf(once.submit(hosted(), never)));
    fake.script.outcome = { kind: 'failed', error_msg: `refused for key ${KEY}` };
    const submission = await provider.submit(hosted(), never);
    const last = (await poll(submission)).at(-1);
    expect(JSON.stringify(last)).not.toContain(KEY);
    errors.push(await botErrorOf(provider.result(submission, never)));
    fake.script.statusFailures = [{ status: 418, body: { message: KEY } }];
    errors.push(await botErrorOf(provider.status(submission, never)));
    errors.push(await botErrorOf(makeProvider({ key: `${KEY}-wrong` }).submit(hosted(), never)));
    await fake.close();
    errors.push(await botErrorOf(provider.submit(hosted(), never)));

    expect(errors.map((e) => e.code)).toEqual([
      'PROVIDER_REJECTED',
      'PROVIDER_UNAVAILABLE',
      'PROVIDER_FAILED',
      'PROVIDER_PROTOCOL',
      'PROVIDER_UNAVAILABLE',
      'PROVIDER_UNAVAILABLE',
    ]);
    for (const error of errors) expect(everythingIn(error)).not.toContain(KEY);
    expect(errors[0]!.userDetail).toBe('bad token [redacted]');
  });

  it('cancel is a no-op that never throws', async () => {
    const submission = await provider.submit(hosted(), never);
    const before = fake.requests.length;
    await expect(provider.cancel(submission)).resolves.toBeUndefined();
    expect(fake.requests).toHaveLength(before);
  });

  it('stops at once, even in a backoff sleep, when the signal aborts', async () => {
    fake.script.submitFailures = Array.from({ length: 10 }, () => ({ status: 503 }));
    const slow = makeProvider({ retry: { maxRetries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const controller = new AbortController();
    const reason = new Error('job deadline');
    const pending = slow.submit(hosted(), controller.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.waitFor(() => expect(posts()).toHaveLength(1));
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(posts()).toHaveLength(1);
  });
});

describe('the fake sinancode', () => {
  const post = (body: unknown, key = KEY) =>
    fetch(`${fake.url}${SUBMIT_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('validates bodies as the docs describe', async () => {
    const url = host.put(makePng(4, 4));
    const good = { image_urls: [url], prompt: 'p', image_size: 'auto', output_format: 'png' };
    expect((await post(good)).status).toBe(200);
    expect((await post(good, 'other')).status).toBe(401);
    for (const bad of [
      { ...good, image_urls: [] },
      { ...good, image_urls: Array.from({ length: 11 }, () => url) },
      { ...good, image_urls: ['ftp://x/y.png'] },
      { ...good, prompt: '' },
      { ...good, prompt: 'x'.repeat(5001) },
      { ...good, image_size: '2:1' },
      { ...good, output_format: 'webp' },
    ]) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error_code: 'invalid_request' });
    }
    expect(fake.tasks).toHaveLength(1);
  });

  it('offers the shared contract interface', async () => {
    const contract = await startSinanCodeContractFake({ retry: TINY });
    try {
      expect(contract.env).toEqual({ SINANCODE_API_KEY: contract.key, SINANCODE_BASE_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
      contract.failNextSubmits(1);
      contract.setOutcome({ kind: 'refused', reason: 'nope' });
      const submission = await contract.provider.submit(hosted(), never);
      expect(contract.jobs).toHaveLength(1);
      expect(contract.jobs[0]).toMatchObject({ prompt: 'make it blue', count: 1, inputUrls: [expect.any(String)] });
      let status = await contract.provider.status(submission, never);
      while (status.state !== 'failed') status = await contract.provider.status(submission, never);
      expect(status.reason).toBe('nope');
      contract.rejectNextSubmit('bad prompt');
      expect((await botErrorOf(contract.provider.submit(hosted(), never))).userDetail).toBe('bad prompt');
      expect(contract.received.filter((r) => r.method === 'POST')).toHaveLength(3);
    } finally {
      await contract.close();
    }
  });
});
