import { describe, expect, it } from 'vitest';
import { describeFalBody, formatDetail } from '../../src/core/providers/fal-errors.ts';
import { checkFalInput } from '../../src/core/providers/fal-input.ts';
import { isRetryableTransport, retryAfterMs } from '../../src/core/http/retrying.ts';
import { isRetryableStatus } from '../../src/core/providers/fal-retry.ts';
import { appPath, buildRequestUrls, pinToQueue, withoutLogs } from '../../src/core/providers/fal-urls.ts';
import type { EditInput } from '../../src/core/providers/provider.ts';

const base: EditInput = { prompt: 'a cat', images: [], count: 1, outputFormat: 'png' };

describe('checkFalInput', () => {
  it('accepts a text-to-image input with no images', () => {
    expect(checkFalInput(base)).toBeNull();
    expect(checkFalInput({ ...base, count: 4, aspectRatio: '21:9', outputFormat: 'webp' })).toBeNull();
  });

  it('explains each problem', () => {
    expect(checkFalInput({ ...base, prompt: ' \n ' })).toMatch(/prompt is empty/);
    expect(checkFalInput({ ...base, count: 0 })).toMatch(/1 to 4/);
    expect(checkFalInput({ ...base, count: 5 })).toMatch(/1 to 4/);
    expect(checkFalInput({ ...base, count: 1.5 })).toMatch(/whole number/);
    expect(checkFalInput({ ...base, aspectRatio: '7:3' as never })).toMatch(/aspect ratio "7:3"/);
    expect(checkFalInput({ ...base, outputFormat: 'gif' as never })).toMatch(/output format "gif"/);
  });
});

describe('fal URLs', () => {
  it('drops the sub-path for follow-up URLs', () => {
    expect(appPath('fal-ai/nano-banana/edit')).toBe('fal-ai/nano-banana');
    expect(appPath('/fal-ai/nano-banana/')).toBe('fal-ai/nano-banana');
    expect(appPath('workflows/me/flow/run')).toBe('workflows/me/flow');
    expect(buildRequestUrls('https://queue.fal.run/', 'fal-ai/nano-banana/edit', 'abc')).toEqual({
      status: 'https://queue.fal.run/fal-ai/nano-banana/requests/abc/status',
      response: 'https://queue.fal.run/fal-ai/nano-banana/requests/abc',
      cancel: 'https://queue.fal.run/fal-ai/nano-banana/requests/abc/cancel',
    });
  });

  it('keeps returned URLs on our origin and swaps any other host for ours (the key goes only there)', () => {
    const same = 'https://queue.fal.run/fal-ai/nano-banana/requests/abc/status';
    expect(pinToQueue('https://queue.fal.run', same)).toBe(same);
    expect(pinToQueue('https://api.proxy.example/', same)).toBe(
      'https://api.proxy.example/fal-ai/nano-banana/requests/abc/status',
    );
    expect(pinToQueue('https://queue.fal.run', undefined)).toBeUndefined();
    expect(pinToQueue('https://queue.fal.run', 'not a url')).toBeUndefined();
  });

  it('appends logs=0 to a URL with or without a query', () => {
    expect(withoutLogs('https://q.example/a/requests/1/status')).toBe('https://q.example/a/requests/1/status?logs=0');
    expect(withoutLogs('https://q.example/s?x=1&logs=1')).toBe('https://q.example/s?x=1&logs=0');
  });
});

describe('fal retry rules', () => {
  const res = (status: number, headers: Record<string, string> = {}) => ({ status, headers });

  it('retries gateway statuses, and 500 only for status polls', () => {
    for (const s of [429, 502, 503, 504]) {
      expect(isRetryableStatus('submit', res(s))).toBe(true);
      expect(isRetryableStatus('result', res(s))).toBe(true);
      expect(isRetryableStatus('cancel', res(s))).toBe(true);
    }
    expect(isRetryableStatus('status', res(500))).toBe(true);
    expect(isRetryableStatus('submit', res(500))).toBe(false);
    expect(isRetryableStatus('result', res(500))).toBe(false);
    expect(isRetryableStatus('submit', res(422))).toBe(false);
    expect(isRetryableStatus('status', res(504, { 'x-fal-request-timeout-type': 'user' }))).toBe(false);
  });

  it('repeats a submit only when the transport error proves nothing was sent', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNTIMEOUT']) {
      expect(isRetryableTransport({ idempotent: false }, code)).toBe(true);
    }
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'EPIPE']) {
      expect(isRetryableTransport({ idempotent: false }, code)).toBe(false);
      expect(isRetryableTransport({ idempotent: true }, code)).toBe(true);
    }
  });

  it('reads a numeric Retry-After only', () => {
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    expect(retryAfterMs({ 'retry-after': '0.5' })).toBe(500);
    expect(retryAfterMs({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' })).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': '' })).toBeUndefined();
    expect(retryAfterMs({})).toBeUndefined();
  });
});

describe('fal error texts', () => {
  it('formats detail lists and strings', () => {
    expect(formatDetail([{ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' }])).toBe(
      'prompt: field required',
    );
    expect(formatDetail([{ loc: ['body'], msg: 'bad body' }, { loc: ['body', 'num_images'], msg: 'too many' }])).toBe(
      'bad body; num_images: too many',
    );
    expect(formatDetail('Request timed out')).toBe('Request timed out');
    expect(formatDetail(42)).toBeUndefined();
  });

  it('falls back to error, message and error_type', () => {
    expect(describeFalBody({ error: 'Invalid status code: 422' })).toBe('Invalid status code: 422');
    expect(describeFalBody({ error_type: 'runner_disconnected' })).toBe('runner_disconnected');
    expect(describeFalBody('text')).toBeUndefined();
  });
});
