import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFalProvider, falCapabilities, falResolutions, type FalOptions } from '../../src/core/providers/fal.ts';
import type { Provider } from '../../src/core/providers/provider.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';
import { pngImage } from '../helpers/png.ts';

const KEY = 'fal-options-key-Qm4rT8vX2';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

let fake: FakeFal;

function makeProvider(options: Partial<FalOptions> = {}): Provider {
  return createFalProvider({
    key: KEY,
    queueUrl: fake.url,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    retry: { submit: TINY, status: TINY, result: TINY, cancel: TINY },
    jwksUrl: fake.jwksUrl,
    ...options,
  });
}

beforeEach(async () => {
  fake = await startFakeFal({ key: KEY });
});

afterEach(async () => {
  await fake.close();
});

describe('resolution (FAL_RESOLUTION)', () => {
  const newer = [
    'fal-ai/nano-banana-pro',
    'fal-ai/nano-banana-pro/edit',
    'fal-ai/nano-banana-2',
    'fal-ai/nano-banana-2/edit',
    'fal-ai/gemini-3-pro-image-preview',
    'fal-ai/gemini-3-pro-image-preview/edit',
    'fal-ai/gemini-3.1-flash-image-preview',
    'fal-ai/gemini-3.1-flash-image-preview/edit',
  ];
  const older = ['fal-ai/nano-banana', 'fal-ai/nano-banana/edit', 'fal-ai/gemini-25-flash-image', 'fal-ai/gemini-25-flash-image/edit'];

  it.each(newer)('is sent to %s', async (model) => {
    const provider = makeProvider({ model, textModel: model, resolution: '2K' });
    const images = model.endsWith('/edit') ? [pngImage(8, 8, 1)] : [];
    await provider.submit(editInput({ images }), never);
    expect(fake.requests[0]!.path).toBe(`/${model}`);
    expect(fake.jobs[0]!.input.resolution).toBe('2K');
  });

  it.each(older)('is left out for %s', async (model) => {
    const provider = makeProvider({ model, textModel: model, resolution: '2K' });
    const images = model.endsWith('/edit') ? [pngImage(8, 8, 1)] : [];
    await provider.submit(editInput({ images }), never);
    expect(fake.jobs[0]!.input).not.toHaveProperty('resolution');
  });

  it('follows the model each submit goes to: pro edits, plain text-to-image', async () => {
    const provider = makeProvider({ model: 'fal-ai/nano-banana-pro/edit', textModel: 'fal-ai/nano-banana', resolution: '4K' });
    await provider.submit(editInput(), never);
    await provider.submit(editInput({ images: [] }), never);
    expect(fake.jobs.map((j) => [j.modelPath, j.input.resolution])).toEqual([
      ['fal-ai/nano-banana-pro/edit', '4K'],
      ['fal-ai/nano-banana', undefined],
    ]);
  });

  it('is not sent when not configured', async () => {
    await makeProvider({ model: 'fal-ai/nano-banana-pro/edit' }).submit(editInput(), never);
    expect(fake.jobs[0]!.input).not.toHaveProperty('resolution');
  });

  it('lists the documented values per model', () => {
    expect(falResolutions('fal-ai/nano-banana-pro/edit')).toEqual(['1K', '2K', '4K']);
    expect(falResolutions('fal-ai/nano-banana-2/edit')).toEqual(['0.5K', '1K', '2K', '4K']);
    expect(falResolutions('fal-ai/nano-banana/edit')).toEqual([]);
  });
});

describe('capabilities per model', () => {
  it('takes 14 input images for the pro and nano-banana-2 families, 10 otherwise', () => {
    expect(falCapabilities('fal-ai/nano-banana-pro/edit').maxInputImages).toBe(14);
    expect(falCapabilities('fal-ai/gemini-3-pro-image-preview/edit').maxInputImages).toBe(14);
    expect(falCapabilities('fal-ai/nano-banana-2/edit').maxInputImages).toBe(14);
    expect(falCapabilities('fal-ai/gemini-3.1-flash-image-preview/edit').maxInputImages).toBe(14);
    expect(falCapabilities('fal-ai/nano-banana/edit').maxInputImages).toBe(10);
    expect(falCapabilities('fal-ai/gemini-25-flash-image/edit').maxInputImages).toBe(10);
    expect(falCapabilities('fal-ai/nano-banana/edit')).toMatchObject({
      textToImage: true,
      maxImagesPerSubmit: 4,
      outputFormats: ['png', 'jpeg', 'webp'],
      imageInput: 'bytes',
    });
  });

  it('declares the edit model’s capabilities and refuses more images than they allow before sending', async () => {
    const provider = makeProvider();
    expect(provider.capabilities.maxInputImages).toBe(10);
    const images = Array.from({ length: 11 }, (_, i) => pngImage(4, 4, i));
    const error = await botErrorOf(provider.submit(editInput({ images }), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail).toMatch(/at most 10/);
    expect(fake.requests).toHaveLength(0);
    await makeProvider({ model: 'fal-ai/nano-banana-pro/edit' }).submit(editInput({ images }), never);
    expect(fake.jobs[0]!.inputImages).toHaveLength(11);
  });
});

describe('webhooks on submit', () => {
  const callbackUrl = 'https://bot.example.com/callbacks/fal/job-1?token=a b&x=1';

  it('adds ?fal_webhook=<urlencoded callback> and follows the job though fal answers only the ids', async () => {
    const provider = makeProvider();
    const submission = await provider.submit(editInput(), never, { callbackUrl });
    const submit = fake.requests[0]!;
    expect(submit.path).toBe(`/fal-ai/nano-banana/edit?fal_webhook=${encodeURIComponent(callbackUrl)}`);
    expect(fake.jobs[0]!.webhookUrl).toBe(callbackUrl);
    // The fake answers {request_id, gateway_request_id} as documented: the URLs are built by the sub-path rule.
    expect(submission.urls).toEqual({
      status: `${fake.url}/fal-ai/nano-banana/requests/${submission.requestId}/status`,
      response: `${fake.url}/fal-ai/nano-banana/requests/${submission.requestId}`,
      cancel: `${fake.url}/fal-ai/nano-banana/requests/${submission.requestId}/cancel`,
    });
    expect(await provider.status(submission, never)).toEqual({ state: 'queued', position: 2 });
  });

  it('sends no fal_webhook without a push target, or when webhooks are off', async () => {
    await makeProvider().submit(editInput(), never);
    await makeProvider({ webhooks: false }).submit(editInput(), never, { callbackUrl });
    expect(fake.requests.map((r) => r.path)).toEqual(['/fal-ai/nano-banana/edit', '/fal-ai/nano-banana/edit']);
  });
});

describe('optional features', () => {
  it('offers watch and verifyCallback by default, and neither when a proxy turns them off', () => {
    const full = makeProvider();
    expect(full.watch).toBeTypeOf('function');
    expect(full.verifyCallback).toBeTypeOf('function');
    const bare = makeProvider({ stream: false, webhooks: false });
    expect(bare.watch).toBeUndefined();
    expect(bare.verifyCallback).toBeUndefined();
    expect('watch' in bare || 'verifyCallback' in bare).toBe(false);
  });
});
