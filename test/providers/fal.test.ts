import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFalProvider, type FalOptions } from '../../src/core/providers/fal.ts';
import type { Provider, Submission } from '../../src/core/providers/provider.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';
import { pngImage } from '../helpers/png.ts';

const KEY = 'fal-test-key-Zq8vW3xL9pT2';
const TINY = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 };

const png = pngImage;


let fake: FakeFal;
let provider: Provider;

function makeProvider(options: Partial<FalOptions> = {}): Provider {
  return createFalProvider({
    key: KEY,
    queueUrl: fake.url,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    retry: { submit: TINY, status: TINY, result: TINY, cancel: TINY },
    timeoutMs: 5000,
    ...options,
  });
}

const byMethod = (method: string) => fake.requests.filter((r) => r.method === method);

beforeEach(async () => {
  fake = await startFakeFal({ key: KEY });
  provider = makeProvider();
});

afterEach(async () => {
  await fake.close();
});

describe('fal provider against the fake queue', () => {
  it('runs an edit through IN_QUEUE, IN_PROGRESS and COMPLETED', async () => {
    const images = [png(8, 8, 1), png(16, 8, 2)];
    const submission = await provider.submit(
      editInput({ images, count: 2, aspectRatio: '4:3', outputFormat: 'webp' }),
      never,
    );
    const job = fake.jobs[0]!;
    expect(fake.jobs).toHaveLength(1);
    expect(submission.provider).toBe('fal');
    expect(submission.requestId).toBe(job.requestId);
    expect(submission.urls?.status).not.toContain('/edit');

    const submit = fake.requests[0]!;
    expect(submit.method).toBe('POST');
    expect(submit.path).toBe('/fal-ai/nano-banana/edit');
    expect(submit.headers.authorization).toBe(`Key ${KEY}`);
    expect(job.modelPath).toBe('fal-ai/nano-banana/edit');
    expect(job.input).toMatchObject({ prompt: 'make it blue', num_images: 2, output_format: 'webp', aspect_ratio: '4:3' });
    expect(job.input.image_urls).toHaveLength(2);
    expect(job.input.image_urls[0]).toMatch(/^data:image\/png;base64,/);
    expect(job.inputImages).toHaveLength(2);
    expect(job.inputImages[0]!.equals(images[0]!.bytes)).toBe(true);
    expect(job.inputImages[1]!.equals(images[1]!.bytes)).toBe(true);

    expect(await provider.status(submission, never)).toEqual({ state: 'queued', position: 2 });
    expect(await provider.status(submission, never)).toEqual({ state: 'running' });
    expect(await provider.status(submission, never)).toEqual({ state: 'completed' });
    const result = await provider.result(submission, never);

    const statusPath = `/fal-ai/nano-banana/requests/${job.requestId}/status?logs=0`;
    expect(byMethod('GET').map((r) => r.path)).toEqual([
      statusPath,
      statusPath,
      statusPath,
      `/fal-ai/nano-banana/requests/${job.requestId}`,
    ]);
    for (const r of fake.requests) expect(r.headers.authorization).toBe(`Key ${KEY}`);

    expect(result.images).toHaveLength(2);
    expect(result.description).toBeTypeOf('string');
    const first = result.images[0]!;
    expect('url' in first && first.url.startsWith(`${fake.url}/files/`)).toBe(true);
    expect(first.contentType).toBe('image/png');
    const downloaded = Buffer.from(await (await fetch((first as { url: string }).url)).arrayBuffer());
    expect(downloaded.equals(job.resultImages[0]!)).toBe(true);
  });

  it('sends text-to-image to the text model without image_urls or aspect_ratio', async () => {
    const submission = await provider.submit(editInput({ images: [], outputFormat: 'jpeg' }), never);
    expect(fake.requests[0]!.path).toBe('/fal-ai/nano-banana');
    const job = fake.jobs[0]!;
    expect(job.modelPath).toBe('fal-ai/nano-banana');
    expect(job.input).toEqual({ prompt: 'make it blue', num_images: 1, output_format: 'jpeg' });
    expect(job.inputImages).toEqual([]);
    expect(submission.urls?.response).toBe(`${fake.url}/fal-ai/nano-banana/requests/${job.requestId}`);
  });

  it('tolerates a trailing slash on the queue URL', async () => {
    const slashed = makeProvider({ queueUrl: `${fake.url}/` });
    await slashed.submit(editInput(), never);
    expect(fake.requests[0]!.path).toBe('/fal-ai/nano-banana/edit');
  });

  it('reports a job that ends in an error: status failed, result PROVIDER_FAILED', async () => {
    fake.script.statuses = [];
    fake.script.outcome = {
      kind: 'error',
      httpStatus: 422,
      body: { detail: [{ loc: ['body', 'prompt'], msg: 'content policy violation', type: 'content_policy_violation' }] },
      error: 'Invalid status code: 422',
    };
    const submission = await provider.submit(editInput(), never);
    const status = await provider.status(submission, never);
    expect(status.state).toBe('failed');
    expect(status.state === 'failed' && status.reason).toContain('Invalid status code: 422');
    const error = await botErrorOf(provider.result(submission, never));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.message).toContain('prompt: content policy violation');
    expect(error.userDetail).toBe('prompt: content policy violation');
  });

  it('turns a 5xx result into PROVIDER_FAILED without retrying it', async () => {
    fake.script.statuses = [];
    fake.script.outcome = { kind: 'error', httpStatus: 500, body: { detail: 'Internal server error' } };
    const submission = await provider.submit(editInput(), never);
    expect((await provider.status(submission, never)).state).toBe('failed');
    const error = await botErrorOf(provider.result(submission, never));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.message).toContain('Internal server error');
    expect(byMethod('GET').filter((r) => !r.path.includes('/status'))).toHaveLength(1);
  });

  it('rejects a malformed result as PROVIDER_PROTOCOL', async () => {
    fake.script.statuses = [];
    fake.script.outcome = { kind: 'error', httpStatus: 200, body: { images: 'not a list' } };
    const submission = await provider.submit(editInput(), never);
    await provider.status(submission, never);
    expect((await botErrorOf(provider.result(submission, never))).code).toBe('PROVIDER_PROTOCOL');
  });

  it("maps the fake's own 422 to PROVIDER_REJECTED naming the field", async () => {
    // A misconfigured text model that is really an edit endpoint: fal wants image_urls.
    const wrong = makeProvider({ textModel: 'fal-ai/nano-banana/edit' });
    const error = await botErrorOf(wrong.submit(editInput({ images: [] }), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail).toBe('image_urls: field required');
    expect(fake.jobs).toHaveLength(0);
  });

  it('maps a 422 with nested loc or a string detail to a readable userDetail', async () => {
    fake.script.submitFailures = [
      { status: 422, body: { detail: [{ loc: ['body', 'image_urls', 1], msg: 'image too large', type: 'image_too_large' }] } },
      { status: 422, body: { detail: 'Unsupported image' } },
    ];
    const nested = await botErrorOf(provider.submit(editInput(), never));
    expect(nested.code).toBe('PROVIDER_REJECTED');
    expect(nested.userDetail).toBe('image_urls[1]: image too large');
    const plain = await botErrorOf(provider.submit(editInput(), never));
    expect(plain.userDetail).toBe('Unsupported image');
    expect(byMethod('POST')).toHaveLength(2);
  });

  it('refuses an invalid input before any request is sent', async () => {
    const error = await botErrorOf(provider.submit(editInput({ prompt: '  ' }), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(fake.requests).toHaveLength(0);
  });

  it('retries a 429 on submit and then runs the job', async () => {
    fake.script.submitFailures = [{ status: 429, body: { detail: 'Too many requests' }, headers: { 'retry-after': '0' } }];
    const submission = await provider.submit(editInput(), never);
    expect(byMethod('POST')).toHaveLength(2);
    expect(fake.jobs).toHaveLength(1);
    while ((await provider.status(submission, never)).state !== 'completed');
    expect((await provider.result(submission, never)).images).toHaveLength(1);
  });

  it('waits as long as a numeric Retry-After says rather than its own backoff', async () => {
    // The policy's own backoff would be about a minute; Retry-After: 0 makes the retry immediate.
    // The 5 s signal turns "ignored the header" into a clear failure instead of a hang.
    fake.script.submitFailures = [{ status: 429, headers: { 'retry-after': '0' } }];
    const patient = makeProvider({ retry: { submit: { maxRetries: 1, baseDelayMs: 60_000, maxDelayMs: 60_000 } } });
    await patient.submit(editInput(), AbortSignal.timeout(5000));
    expect(byMethod('POST')).toHaveLength(2);
  });

  it('gives up with PROVIDER_UNAVAILABLE when every submit answers 503', async () => {
    fake.script.submitFailures = Array.from({ length: 10 }, () => ({ status: 503 }));
    const twice = makeProvider({ retry: { submit: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } } });
    const error = await botErrorOf(twice.submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toContain('503');
    expect(byMethod('POST')).toHaveLength(3);
    expect(fake.jobs).toHaveLength(0);
  });

  it('retries a gateway 504 but never a 504 for the caller’s own start timeout', async () => {
    fake.script.submitFailures = [{ status: 504 }];
    await provider.submit(editInput(), never);
    expect(byMethod('POST')).toHaveLength(2);

    fake.script.submitFailures = [
      {
        status: 504,
        body: { detail: 'Request timed out', error_type: 'request_timeout' },
        headers: { 'x-fal-request-timeout-type': 'user' },
      },
    ];
    const error = await botErrorOf(provider.submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(byMethod('POST')).toHaveLength(3);
  });

  it('does not retry other 4xx on submit', async () => {
    fake.script.submitFailures = [{ status: 400, body: { detail: 'Bad request' } }, { status: 400 }];
    const error = await botErrorOf(provider.submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(byMethod('POST')).toHaveLength(1);
  });

  it('retries a status 500 once and then reads the status', async () => {
    const submission = await provider.submit(editInput(), never);
    fake.script.statusFailures = [{ status: 500 }];
    expect(await provider.status(submission, never)).toEqual({ state: 'queued', position: 2 });
    expect(byMethod('GET')).toHaveLength(2);
  });

  it('treats an unknown status value as completed and unreadable status as PROVIDER_PROTOCOL', async () => {
    const submission = await provider.submit(editInput(), never);
    fake.script.statusFailures = [{ status: 200, body: { status: 'FAILED' } }, { status: 200, body: 'garbage' }];
    expect(await provider.status(submission, never)).toEqual({ state: 'completed' });
    expect((await botErrorOf(provider.status(submission, never))).code).toBe('PROVIDER_PROTOCOL');
  });

  it('builds the follow-up URLs without the sub-path when a submission has none', async () => {
    const submission = await provider.submit(editInput(), never);
    const bare: Submission = { provider: 'fal', requestId: submission.requestId };
    expect(await provider.status(bare, never)).toEqual({ state: 'queued', position: 2 });
    expect(fake.requests.at(-1)!.path).toBe(`/fal-ai/nano-banana/requests/${submission.requestId}/status?logs=0`);
  });

  it('cancels at the fake and never throws', async () => {
    const submission = await provider.submit(editInput(), never);
    await provider.cancel(submission);
    expect(fake.jobs[0]!.cancelled).toBe(true);
    const put = byMethod('PUT');
    expect(put).toHaveLength(1);
    expect(put[0]!.path).toBe(`/fal-ai/nano-banana/requests/${submission.requestId}/cancel`);
    expect(put[0]!.headers.authorization).toBe(`Key ${KEY}`);

    await expect(provider.cancel({ provider: 'fal', requestId: 'no-such-request' })).resolves.toBeUndefined();
    await fake.close();
    await expect(provider.cancel(submission)).resolves.toBeUndefined();
  });

  it('uses the Bearer scheme for a fal-compatible proxy, and reports a refused key', async () => {
    await fake.close();
    fake = await startFakeFal({ key: KEY, authScheme: 'Bearer' });
    const proxy = makeProvider({ name: 'chainhub', authScheme: 'Bearer' });
    const submission = await proxy.submit(editInput(), never);
    expect(submission.provider).toBe('chainhub');
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);

    const error = await botErrorOf(makeProvider({ name: 'chainhub' }).submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toBe('chainhub rejected the API key (HTTP 401)');
  });

  it('stops at once, even in a backoff sleep, when the signal aborts', async () => {
    fake.script.submitFailures = Array.from({ length: 10 }, () => ({ status: 503 }));
    const slow = makeProvider({ retry: { submit: { maxRetries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } } });
    const controller = new AbortController();
    const reason = new Error('job deadline');
    const pending = slow.submit(editInput(), controller.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1));
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(fake.requests).toHaveLength(1);
  });
});
