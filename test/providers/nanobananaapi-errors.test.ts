import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNanoBananaApiProvider } from '../../src/core/providers/nanobananaapi.ts';
import type { InputImage, Provider } from '../../src/core/providers/provider.ts';
import { startFakeNanoBananaApi, type FakeNanoBananaApi } from '../helpers/fake-nanobananaapi.ts';
import { startFileHost, type FileHost } from '../helpers/file-host.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';
import { pngImage } from '../helpers/png.ts';

const KEY = 'nba-test-key-Hk29xQp7Lw4z';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

let fake: FakeNanoBananaApi;
let files: FileHost;
let provider: Provider;
let image: InputImage;

const submits = () => fake.requests.filter((r) => r.method === 'POST').length;
const submitOnce = () => provider.submit(editInput({ images: [image] }), never);

beforeEach(async () => {
  fake = await startFakeNanoBananaApi({ key: KEY });
  files = await startFileHost();
  provider = createNanoBananaApiProvider({ key: KEY, baseUrl: fake.url, retry: TINY, timeoutMs: 5000 });
  const png = pngImage(8, 8, 1);
  image = { ...png, url: files.put(png.bytes) };
});

afterEach(async () => {
  await Promise.all([fake.close(), files.close()]);
});

describe('nanobananaapi submit errors (HTTP 200, verdict in the envelope code)', () => {
  it('maps code 400 to PROVIDER_REJECTED with msg as userDetail, without retrying', async () => {
    fake.script.submitFailures = [{ code: 400, msg: 'prompt is too vague' }];
    const error = await botErrorOf(submitOnce());
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail).toBe('prompt is too vague');
    expect(submits()).toBe(1);
  });

  it.each([
    [401, 'Unauthorized'],
    [402, 'Credits insufficient'],
    [403, 'Forbidden'],
  ])('maps code %i to PROVIDER_UNAVAILABLE without quoting msg', async (code, msg) => {
    fake.script.submitFailures = [{ code, msg }];
    const error = await botErrorOf(submitOnce());
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).not.toContain(msg);
    expect(error.userDetail).toBeUndefined();
    expect(submits()).toBe(1);
  });

  it.each([429, 455, 500, 501, 505, 503])('maps code %i to PROVIDER_UNAVAILABLE', async (code) => {
    fake.script.submitFailures = [{ code, msg: 'try later' }];
    const error = await botErrorOf(submitOnce());
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toContain(`code ${code}`);
    expect(submits()).toBe(1);
  });

  it('says so when the wrong key is sent (the fake answers code 401)', async () => {
    const wrong = createNanoBananaApiProvider({ key: 'wrong-key-Ab12Cd34', baseUrl: fake.url, retry: TINY });
    const error = await botErrorOf(wrong.submit(editInput({ images: [image] }), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).not.toContain('wrong-key-Ab12Cd34');
    expect(fake.jobs).toEqual([]);
  });
});

describe('nanobananaapi submit retries (HTTP statuses)', () => {
  it('repeats a submit answered HTTP 503, then succeeds', async () => {
    fake.script.submitFailures = [{ http: 503 }, { http: 429 }];
    await submitOnce();
    expect(submits()).toBe(3);
    expect(fake.jobs).toHaveLength(1);
  });

  it('gives up with PROVIDER_UNAVAILABLE when HTTP 503 persists', async () => {
    fake.script.submitFailures = [{ http: 503 }, { http: 503 }, { http: 503 }, { http: 503 }];
    const error = await botErrorOf(submitOnce());
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(submits()).toBe(TINY.maxRetries + 1);
  });

  it('never repeats a submit answered HTTP 500 (it may have created a task)', async () => {
    fake.script.submitFailures = [{ http: 500 }];
    expect((await botErrorOf(submitOnce())).code).toBe('PROVIDER_UNAVAILABLE');
    expect(submits()).toBe(1);
  });

  it('reads an envelope code sent with a non-2xx HTTP status', async () => {
    fake.script.submitFailures = [{ http: 400, body: { code: 402, msg: 'Credits insufficient' } }];
    const error = await botErrorOf(submitOnce());
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toContain('insufficient credits');
  });

  it('maps a refused connection to PROVIDER_UNAVAILABLE', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = createNanoBananaApiProvider({ key: KEY, baseUrl: `http://127.0.0.1:${port}`, retry: TINY });
    const error = await botErrorOf(down.submit(editInput({ images: [image] }), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).not.toContain(KEY);
  });
});

describe('nanobananaapi keeps the key out of errors', () => {
  it('scrubs a key echoed in a msg, a userDetail or an errorMessage', async () => {
    fake.script.submitFailures = [
      { code: 500, msg: `bad request from ${KEY}` },
      { code: 400, msg: `key ${KEY} is not allowed to do that` },
    ];
    const down = await botErrorOf(submitOnce());
    const rejected = await botErrorOf(submitOnce());
    for (const error of [down, rejected]) {
      expect(error.message).not.toContain(KEY);
      expect(error.message).toContain('[redacted]');
    }
    expect(rejected.userDetail).not.toContain(KEY);

    fake.script.outcome = { kind: 'refused', reason: `failed for Bearer ${KEY}` };
    fake.script.runningPolls = 0;
    const submission = await submitOnce();
    const status = await provider.status(submission, never);
    expect(status.state === 'failed' && status.reason).toBe('failed for Bearer [redacted]');
    const failed = await botErrorOf(provider.result(submission, never));
    expect(failed.message).not.toContain(KEY);
    expect(failed.userDetail).not.toContain(KEY);
  });
});
