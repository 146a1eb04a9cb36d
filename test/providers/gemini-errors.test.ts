import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BotError } from '../../src/core/errors.ts';
import { createGeminiProvider, type GeminiOptions } from '../../src/core/providers/gemini.ts';
import type { Provider } from '../../src/core/providers/provider.ts';
import { googleError, startFakeGemini, type FakeGemini } from '../helpers/fake-gemini.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';

/** The Gemini provider's HTTP errors, retries, aborts and secret hygiene, against the loopback fake. */

const KEY = 'AIzaGeminiTestKey-Hq7vN2pX9sL4';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const MODEL = 'gemini-2.5-flash-image';

let fake: FakeGemini;
let provider: Provider;

function makeProvider(options: Partial<GeminiOptions> = {}): Provider {
  return createGeminiProvider({ key: KEY, baseUrl: fake.url, model: MODEL, retry: TINY, timeoutMs: 5000, ...options });
}

beforeEach(async () => {
  fake = await startFakeGemini({ key: KEY });
  provider = makeProvider();
});

afterEach(async () => {
  await fake.close();
});

describe('gemini provider: HTTP errors and retries', () => {
  it('maps 400 INVALID_ARGUMENT to PROVIDER_REJECTED with Google’s message, without retrying', async () => {
    fake.rejectNext('Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
    const error = await botErrorOf(provider.submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail).toMatch(/^Unable to process input image/);
    expect(error.message).toContain('HTTP 400 INVALID_ARGUMENT');
    expect(fake.requests).toHaveLength(1);
    expect(fake.calls).toHaveLength(0);
  });

  it('retries 429 RESOURCE_EXHAUSTED and 503 and then succeeds', async () => {
    fake.failNext(1, 429);
    fake.failNext(1, 503);
    const submission = await provider.submit(editInput(), never);
    expect(fake.requests).toHaveLength(3);
    expect(fake.calls).toHaveLength(1);
    expect((await provider.result(submission, never)).images).toHaveLength(1);
  });

  it('retries a 500 as well', async () => {
    fake.failNext(1, 500);
    await provider.submit(editInput(), never);
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up with PROVIDER_UNAVAILABLE when 503 persists', async () => {
    fake.failNext(10, 503);
    const error = await botErrorOf(provider.submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toContain('HTTP 503 UNAVAILABLE');
    expect(fake.requests).toHaveLength(TINY.maxRetries + 1);
    expect(fake.calls).toHaveLength(0);
  });

  it('maps a refused key (403, or 400 API_KEY_INVALID) to PROVIDER_UNAVAILABLE without quoting it', async () => {
    const wrong = makeProvider({ key: 'AIzaWrongKey-000000000000' });
    const refused = await botErrorOf(wrong.submit(editInput(), never));
    expect(refused.code).toBe('PROVIDER_UNAVAILABLE');
    expect(refused.message).toBe('gemini rejected the API key (HTTP 403)');
    expect(refused.userDetail).toBeUndefined();
    expect(fake.requests).toHaveLength(1);

    fake.failures.push({
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
        },
      },
    });
    const invalid = await botErrorOf(provider.submit(editInput(), never));
    expect(invalid.code).toBe('PROVIDER_UNAVAILABLE');
    expect(invalid.message).toBe('gemini rejected the API key (HTTP 400)');
    expect(invalid.userDetail).toBeUndefined();
  });

  it('maps an account problem (FAILED_PRECONDITION) and an unknown model (404) to PROVIDER_UNAVAILABLE', async () => {
    fake.failures.push({
      status: 400,
      body: { error: { code: 400, message: 'User location is not supported for the API use.', status: 'FAILED_PRECONDITION' } },
    });
    const location = await botErrorOf(provider.submit(editInput(), never));
    expect(location.code).toBe('PROVIDER_UNAVAILABLE');
    expect(location.message).toContain('User location is not supported');

    fake.failures.push({ status: 404, body: googleError(404, 'models/nope is not found for API version v1beta') });
    expect((await botErrorOf(provider.submit(editInput(), never))).code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('does not repeat a call whose connection broke after the body was sent', async () => {
    fake.failures.push({ status: 0, drop: true });
    const error = await botErrorOf(provider.submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(fake.requests).toHaveLength(1);
  });

  it('stops at once, even in a backoff sleep, when the signal aborts', async () => {
    fake.failNext(5, 503);
    const slow = makeProvider({ retry: { maxRetries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const controller = new AbortController();
    const reason = new Error('job deadline');
    setTimeout(() => controller.abort(reason), 50);
    await expect(slow.submit(editInput(), controller.signal)).rejects.toBe(reason);
    expect(fake.requests).toHaveLength(1);
  });

  it('never lets the key into an error, even when the server echoes it', async () => {
    const errors: BotError[] = [];
    fake.rejectNext(`bad request for key ${KEY}`);
    errors.push(await botErrorOf(provider.submit(editInput(), never)));
    fake.failures.push(...Array.from({ length: 3 }, () => ({ status: 503, body: googleError(503, `overloaded (${KEY})`) })));
    errors.push(await botErrorOf(provider.submit(editInput(), never)));
    fake.answer = { kind: 'text', text: `your key is ${KEY}` };
    errors.push(await botErrorOf(provider.submit(editInput(), never)));
    fake.answer = { kind: 'finish', finishReason: 'IMAGE_SAFETY', finishMessage: KEY };
    errors.push(await botErrorOf(provider.submit(editInput(), never)));
    errors.push(await botErrorOf(makeProvider({ key: `${KEY}x` }).submit(editInput(), never)));
    await fake.close();
    errors.push(await botErrorOf(provider.submit(editInput(), never)));

    expect(errors.map((e) => e.code)).toEqual([
      'PROVIDER_REJECTED',
      'PROVIDER_UNAVAILABLE',
      'PROVIDER_FAILED',
      'PROVIDER_FAILED',
      'PROVIDER_UNAVAILABLE',
      'PROVIDER_UNAVAILABLE',
    ]);
    for (const error of errors) {
      expect(`${error.message} ${error.userDetail ?? ''} ${error.stack ?? ''}`).not.toContain(KEY);
    }
    expect(errors[0]!.userDetail).toBe('bad request for key [redacted]');
    // The key travels in the header only, never in a URL.
    for (const request of fake.requests) expect(request.path).not.toContain(KEY);
  });
});
