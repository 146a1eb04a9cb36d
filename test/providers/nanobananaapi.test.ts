import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNanoBananaApiProvider, NANOBANANAAPI_CAPABILITIES, type NanoBananaApiOptions } from '../../src/core/providers/nanobananaapi.ts';
import { ASPECT_RATIOS, type InputImage, type Provider, type Submission } from '../../src/core/providers/provider.ts';
import { startFakeNanoBananaApi, type FakeNanoBananaApi } from '../helpers/fake-nanobananaapi.ts';
import { startFileHost, type FileHost } from '../helpers/file-host.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';
import { pngImage } from '../helpers/png.ts';

const KEY = 'nba-test-key-Hk29xQp7Lw4z';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const PLACEHOLDER = 'https://callback.invalid/nanobananaapi';

let fake: FakeNanoBananaApi;
let files: FileHost;
let provider: Provider;

function makeProvider(options: Partial<NanoBananaApiOptions> = {}): Provider {
  return createNanoBananaApiProvider({ key: KEY, baseUrl: fake.url, retry: TINY, timeoutMs: 5000, ...options });
}

/** A PNG the core would hand over: the bytes plus the public URL that serves them. */
function hosted(seed: number): InputImage {
  const image = pngImage(8, 8, seed);
  return { ...image, url: files.put(image.bytes) };
}

async function download(url: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

beforeEach(async () => {
  fake = await startFakeNanoBananaApi({ key: KEY });
  files = await startFileHost();
  provider = makeProvider();
});

afterEach(async () => {
  await Promise.all([fake.close(), files.close()]);
});

describe('nanobananaapi provider against the fake', () => {
  it('declares its capabilities', () => {
    expect(provider.name).toBe('nanobananaapi');
    expect(provider.capabilities).toBe(NANOBANANAAPI_CAPABILITIES);
    expect(NANOBANANAAPI_CAPABILITIES).toEqual({
      maxInputImages: 10,
      textToImage: true,
      maxImagesPerSubmit: 1,
      outputFormats: [],
      aspectRatios: ASPECT_RATIOS,
      maxPromptLength: 5000,
      imageInput: 'url',
    });
  });

  it('runs an edit through submit, status and result', async () => {
    const images = [hosted(1), hosted(2)];
    const push = { callbackUrl: 'https://bot.example/callbacks/nanobananaapi/tok123' };
    const submission = await provider.submit(editInput({ images, aspectRatio: '4:3', outputFormat: undefined }), never, push);
    const job = fake.jobs[0]!;
    expect(submission).toEqual({ provider: 'nanobananaapi', requestId: job.taskId });

    const submit = fake.requests[0]!;
    expect(submit.path).toBe('/api/v1/nanobanana/generate');
    expect(submit.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(job.body).toEqual({
      prompt: 'make it blue',
      type: 'IMAGETOIAMGE',
      numImages: 1,
      imageUrls: [images[0]!.url, images[1]!.url],
      image_size: '4:3',
      callBackUrl: push.callbackUrl,
    });
    expect(job.inputImages).toHaveLength(2);
    expect(job.inputImages[0]!.equals(images[0]!.bytes)).toBe(true);
    expect(job.inputImages[1]!.equals(images[1]!.bytes)).toBe(true);
    expect(files.fetched).toHaveLength(2);

    expect(await provider.status(submission, never)).toEqual({ state: 'running' });
    expect(await provider.status(submission, never)).toEqual({ state: 'completed' });
    const result = await provider.result(submission, never);
    expect(result.images).toEqual([{ url: `${fake.url}/files/result/${job.taskId}.png` }]);
    const first = result.images[0] as { url: string };
    expect((await download(first.url)).length).toBeGreaterThan(0);

    const reads = fake.requests.filter((r) => r.path.startsWith('/api/')).slice(1).map((r) => r.path);
    expect(reads).toEqual(Array(3).fill(`/api/v1/nanobanana/record-info?taskId=${job.taskId}`));
    for (const r of fake.requests.filter((r) => r.path.startsWith('/api/'))) expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('sends text-to-image without imageUrls or image_size, with the placeholder callBackUrl', async () => {
    const submission = await provider.submit(editInput({ images: [], outputFormat: undefined }), never);
    expect(fake.jobs[0]!.body).toEqual({ prompt: 'make it blue', type: 'TEXTTOIAMGE', numImages: 1, callBackUrl: PLACEHOLDER });
    expect(fake.jobs[0]!.inputImages).toEqual([]);
    await provider.status(submission, never);
    expect(await provider.status(submission, never)).toEqual({ state: 'completed' });
    const url = (await provider.result(submission, never)).images[0] as { url: string };
    expect(url.url).toContain('/files/result/');
  });

  it('sends the configured watermark and tolerates a trailing slash on the base URL', async () => {
    const marked = makeProvider({ baseUrl: `${fake.url}/`, watermark: 'MyBot' });
    await marked.submit(editInput({ images: [hosted(1)] }), never);
    expect(fake.requests[0]!.path).toBe('/api/v1/nanobanana/generate');
    expect(fake.jobs[0]!.body).toMatchObject({ watermark: 'MyBot', type: 'IMAGETOIAMGE' });
    expect(fake.jobs[0]!.body).not.toHaveProperty('image_size');
  });

  it('prefers resultImageUrl and falls back to originImageUrl only when it is empty', async () => {
    fake.script.runningPolls = 0;
    const submission = await provider.submit(editInput({ images: [hosted(1)] }), never);
    expect((await provider.result(submission, never)).images).toEqual([{ url: `${fake.url}/files/result/${submission.requestId}.png` }]);

    fake.script.outcome = { kind: 'images', onlyOriginUrl: true };
    const second = await provider.submit(editInput({ images: [hosted(1)] }), never);
    expect((await provider.result(second, never)).images).toEqual([{ url: `${fake.url}/files/origin/${second.requestId}.png` }]);
  });

  it('serves the scripted result image', async () => {
    const image = pngImage(16, 16, 9).bytes;
    fake.script.outcome = { kind: 'images', images: [image] };
    fake.script.runningPolls = 0;
    const submission = await provider.submit(editInput({ images: [hosted(1)] }), never);
    const { url } = (await provider.result(submission, never)).images[0] as { url: string };
    expect((await download(url)).equals(image)).toBe(true);
  });
});

describe('nanobananaapi input guards', () => {
  it('refuses what it cannot run before sending anything', async () => {
    const cases = [
      editInput({ prompt: '   ', images: [hosted(1)] }),
      editInput({ prompt: 'x'.repeat(5001), images: [hosted(1)] }),
      editInput({ images: Array.from({ length: 11 }, (_, i) => hosted(i)) }),
      editInput({ images: [hosted(1)], aspectRatio: 'auto' as never }),
    ];
    for (const input of cases) {
      const error = await botErrorOf(provider.submit(input, never));
      expect(error.code).toBe('PROVIDER_REJECTED');
      expect(error.userDetail).toBeTruthy();
    }
    expect(fake.requests).toEqual([]);
  });

  it('treats a missing image URL or a count above 1 as a caller bug (INTERNAL), before sending', async () => {
    expect((await botErrorOf(provider.submit(editInput(), never))).code).toBe('INTERNAL');
    expect((await botErrorOf(provider.submit(editInput({ images: [hosted(1)], count: 2 }), never))).code).toBe('INTERNAL');
    expect(fake.requests).toEqual([]);
  });

  it('maps the fake refusing an unreachable image URL to PROVIDER_REJECTED with its msg', async () => {
    const gone = { ...pngImage(8, 8, 1), url: `${files.put(Buffer.from('x'))}-missing` };
    const error = await botErrorOf(provider.submit(editInput({ images: [gone] }), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail).toBe('imageUrls[0] could not be downloaded');
  });

  it('respects an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(provider.submit(editInput({ images: [hosted(1)] }), controller.signal)).rejects.toThrow('stop');
  });
});

describe('nanobananaapi status and result', () => {
  async function endedWith(outcome: { reason: string; successFlag?: 2 | 3 }): Promise<Submission> {
    fake.script.outcome = { kind: 'refused', ...outcome };
    fake.script.runningPolls = 0;
    return provider.submit(editInput({ images: [hosted(1)] }), never);
  }

  it.each([2, 3] as const)('reports successFlag %i as failed with errorMessage; result is PROVIDER_FAILED', async (flag) => {
    const submission = await endedWith({ reason: 'prompt was flagged for violating content policy', successFlag: flag });
    expect(await provider.status(submission, never)).toEqual({ state: 'failed', reason: 'prompt was flagged for violating content policy' });
    const error = await botErrorOf(provider.result(submission, never));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.message).toContain('prompt was flagged');
  });

  it('falls back to errorCode when errorMessage is empty', async () => {
    const submission = await endedWith({ reason: '' });
    expect(await provider.status(submission, never)).toEqual({ state: 'failed', reason: 'error code 400' });
  });

  it('refuses a result before the task ended', async () => {
    fake.script.runningPolls = 5;
    const submission = await provider.submit(editInput({ images: [hosted(1)] }), never);
    expect((await botErrorOf(provider.result(submission, never))).code).toBe('PROVIDER_FAILED');
  });

  it('retries record-info on HTTP 503 and 500, and maps envelope failures', async () => {
    const submission = await provider.submit(editInput({ images: [hosted(1)] }), never);
    fake.script.recordInfoFailures = [{ http: 503 }, { http: 500 }];
    expect(await provider.status(submission, never)).toEqual({ state: 'running' });

    fake.script.recordInfoFailures = [{ code: 500, msg: 'Server internal error' }];
    expect((await botErrorOf(provider.status(submission, never))).code).toBe('PROVIDER_UNAVAILABLE');
    fake.script.recordInfoFailures = [{ code: 401, msg: 'Unauthorized' }];
    expect((await botErrorOf(provider.result(submission, never))).code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('reports an unknown task as PROVIDER_FAILED', async () => {
    const ghost: Submission = { provider: 'nanobananaapi', requestId: 'no-such-task' };
    expect((await botErrorOf(provider.status(ghost, never))).code).toBe('PROVIDER_FAILED');
    expect(fake.requests[0]!.path).toBe('/api/v1/nanobanana/record-info?taskId=no-such-task');
  });

  it('reports unreadable answers as PROVIDER_PROTOCOL', async () => {
    const submission = await provider.submit(editInput({ images: [hosted(1)] }), never);
    fake.script.recordInfoFailures = [{ http: 200, body: '<html>oops</html>' }, { http: 200, body: { code: 200, msg: 'success', data: 'x' } }];
    expect((await botErrorOf(provider.status(submission, never))).code).toBe('PROVIDER_PROTOCOL');
    expect((await botErrorOf(provider.status(submission, never))).code).toBe('PROVIDER_PROTOCOL');
    fake.script.submitFailures = [{ http: 200, body: { code: 200, msg: 'success', data: {} } }];
    expect((await botErrorOf(provider.submit(editInput({ images: [hosted(1)] }), never))).code).toBe('PROVIDER_PROTOCOL');
  });

  it('cancel is a no-op that never throws', async () => {
    const submission = await provider.submit(editInput({ images: [hosted(1)] }), never);
    await fake.close();
    await expect(provider.cancel(submission)).resolves.toBeUndefined();
    fake = await startFakeNanoBananaApi({ key: KEY });
  });
});
