import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiProvider, geminiCapabilities, NOT_KEPT_REASON, type GeminiOptions } from '../../src/core/providers/gemini.ts';
import type { Provider, ResultImage, Submission } from '../../src/core/providers/provider.ts';
import { startFakeGemini, type FakeGemini } from '../helpers/fake-gemini.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';
import { makePng, pngImage } from '../helpers/png.ts';

/** The Gemini provider against the loopback fake: requests, answers, held results. Errors: gemini-errors.test.ts. */

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

function bytesOf(image: ResultImage | undefined): Buffer {
  if (!image || !('bytes' in image)) throw new Error('expected an image held as bytes');
  return image.bytes;
}

describe('gemini provider: requests', () => {
  it('runs an edit in one generateContent call and holds the image for result', async () => {
    const images = [pngImage(8, 8, 1), pngImage(16, 8, 2)];
    fake.answer = { kind: 'images', text: 'Here is the car, now red.' };
    const submission = await provider.submit(editInput({ images, aspectRatio: '16:9', outputFormat: undefined }), never);
    expect(submission.provider).toBe('gemini');
    expect(submission.requestId).toMatch(/^[0-9a-f-]{36}$/);

    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(sent.headers['x-goog-api-key']).toBe(KEY);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.bodyText)).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'make it blue' },
            { inline_data: { mime_type: 'image/png', data: images[0]!.bytes.toString('base64') } },
            { inline_data: { mime_type: 'image/png', data: images[1]!.bytes.toString('base64') } },
          ],
        },
      ],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' } },
    });
    const call = fake.calls[0]!;
    expect(call.model).toBe(MODEL);
    expect(call.prompt).toBe('make it blue');
    expect(call.inputMimes).toEqual(['image/png', 'image/png']);
    expect(call.inputImages.map((b) => b.equals(images[0]!.bytes) || b.equals(images[1]!.bytes))).toEqual([true, true]);
    expect(call.inputImages[1]!.equals(images[1]!.bytes)).toBe(true);

    expect(await provider.status(submission, never)).toEqual({ state: 'completed' });
    const result = await provider.result(submission, never);
    expect(result.images).toHaveLength(1);
    expect(bytesOf(result.images[0]).equals(makePng(64, 64, 101))).toBe(true);
    expect(result.images[0]!.contentType).toBe('image/png');
    expect(result.description).toBe('Here is the car, now red.');
  });

  it('sends text-to-image as a lone text part, without imageConfig when no ratio is chosen', async () => {
    const submission = await provider.submit(editInput({ images: [], outputFormat: undefined }), never);
    expect(JSON.parse(fake.requests[0]!.bodyText)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'make it blue' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
    });
    expect(fake.calls[0]!.inputImages).toEqual([]);
    const result = await provider.result(submission, never);
    expect(result.images).toHaveLength(1);
    expect(result.description).toBeUndefined();
  });

  it('tolerates a trailing slash on the base URL and a models/ prefix on the model', async () => {
    const odd = makeProvider({ baseUrl: `${fake.url}/`, model: `models/${MODEL}` });
    await odd.submit(editInput(), never);
    expect(fake.requests[0]!.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
  });

  it('refuses an input it cannot run before sending anything', async () => {
    const tooMany = editInput({ images: [1, 2, 3, 4].map((seed) => pngImage(4, 4, seed)) });
    const error = await botErrorOf(provider.submit(tooMany, never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail).toBe('too many images (at most 3)');
    expect((await botErrorOf(provider.submit(editInput({ prompt: ' ' }), never))).code).toBe('PROVIDER_REJECTED');
    expect((await botErrorOf(provider.submit(editInput({ aspectRatio: '4:5' }), never))).userDetail).toContain('4:5');
    expect((await botErrorOf(provider.submit(editInput({ count: 2 }), never))).code).toBe('PROVIDER_REJECTED');
    expect(fake.requests).toHaveLength(0);

    // A gemini-3 image model takes up to 14.
    const pro = makeProvider({ model: 'gemini-3-pro-image-preview' });
    await pro.submit(tooMany, never);
    expect(fake.calls[0]!.inputImages).toHaveLength(4);
  });
});

describe('gemini provider: answers', () => {
  it('reads camelCase and snake_case image parts alike', async () => {
    const a = makePng(32, 32, 7);
    const b = makePng(16, 16, 8);
    fake.answer = { kind: 'images', images: [a, b], casing: 'snake', text: 'two of them' };
    const snake = await provider.result(await provider.submit(editInput(), never), never);
    expect(snake.images.map(bytesOf)).toEqual([a, b]);
    expect(snake.images.map((i) => i.contentType)).toEqual(['image/png', 'image/png']);
    expect(snake.description).toBe('two of them');

    fake.answer = { kind: 'images', images: [a] };
    const camel = await provider.result(await provider.submit(editInput(), never), never);
    expect(camel.images.map(bytesOf)).toEqual([a]);
  });

  it('skips interim "thought" images when a final one came', async () => {
    const final = makePng(32, 32, 9);
    fake.answer = { kind: 'images', images: [final], interim: [makePng(8, 8, 1), makePng(8, 8, 2)] };
    const result = await provider.result(await provider.submit(editInput(), never), never);
    expect(result.images.map(bytesOf)).toEqual([final]);
  });

  const noImage: Array<[string, FakeGemini['answer'], string]> = [
    ['IMAGE_SAFETY', { kind: 'finish', finishReason: 'IMAGE_SAFETY' }, 'the image was blocked by the safety filter (IMAGE_SAFETY)'],
    ['IMAGE_PROHIBITED_CONTENT', { kind: 'finish', finishReason: 'IMAGE_PROHIBITED_CONTENT' }, 'the image was blocked as prohibited content (IMAGE_PROHIBITED_CONTENT)'],
    ['SAFETY', { kind: 'finish', finishReason: 'SAFETY' }, 'the answer was blocked by the safety filter (SAFETY)'],
    ['PROHIBITED_CONTENT', { kind: 'finish', finishReason: 'PROHIBITED_CONTENT' }, 'the request was blocked as prohibited content (PROHIBITED_CONTENT)'],
    ['NO_IMAGE', { kind: 'finish', finishReason: 'NO_IMAGE' }, 'the model generated no image (NO_IMAGE)'],
    ['IMAGE_RECITATION', { kind: 'finish', finishReason: 'IMAGE_RECITATION' }, 'the image was blocked because it resembled existing content too closely (IMAGE_RECITATION)'],
    ['IMAGE_OTHER', { kind: 'finish', finishReason: 'IMAGE_OTHER' }, 'the image could not be generated (IMAGE_OTHER)'],
    ['an unknown finishReason', { kind: 'finish', finishReason: 'SOMETHING_NEW' }, 'the model stopped without an image (SOMETHING_NEW)'],
    [
      'a finishMessage',
      { kind: 'finish', finishReason: 'IMAGE_SAFETY', finishMessage: 'Unable to show the generated image.' },
      'the image was blocked by the safety filter (IMAGE_SAFETY): Unable to show the generated image.',
    ],
    ['a blocked prompt', { kind: 'blocked', blockReason: 'SAFETY' }, 'the prompt was blocked (SAFETY)'],
    ['a text-only answer', { kind: 'text', text: "I can't edit   this\nimage." }, "the model answered with text only: I can't edit this image."],
    ['an empty STOP', { kind: 'raw', body: { candidates: [{ content: { parts: [] }, finishReason: 'STOP' }] } }, 'the model generated no image'],
    ['snake_case block', { kind: 'raw', body: { prompt_feedback: { block_reason: 'OTHER' } } }, 'the prompt was blocked (OTHER)'],
  ];

  it.each(noImage)('turns %s into PROVIDER_FAILED with a clear userDetail, without retrying', async (_label, answer, reason) => {
    fake.answer = answer;
    const error = await botErrorOf(provider.submit(editInput(), never));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.userDetail).toBe(reason);
    expect(error.message).toContain(reason);
    expect(fake.requests).toHaveLength(1);
  });

  it('shortens a long text-only answer', async () => {
    fake.answer = { kind: 'text', text: 'word '.repeat(200) };
    const error = await botErrorOf(provider.submit(editInput(), never));
    expect(error.userDetail!.length).toBeLessThan(260);
    expect(error.userDetail).toMatch(/…$/);
  });

  it('reports an unreadable 200 as PROVIDER_PROTOCOL', async () => {
    fake.answer = { kind: 'raw', body: 'not an answer' };
    expect((await botErrorOf(provider.submit(editInput(), never))).code).toBe('PROVIDER_PROTOCOL');
    fake.answer = { kind: 'raw', body: {} };
    expect((await botErrorOf(provider.submit(editInput(), never))).code).toBe('PROVIDER_PROTOCOL');
    fake.answer = { kind: 'raw', body: { candidates: [{ content: { parts: [{ inlineData: { mimeType: 'image/png' } }] } }] } };
    expect((await botErrorOf(provider.submit(editInput(), never))).code).toBe('PROVIDER_PROTOCOL');
  });
});

describe('gemini provider: held results', () => {
  it('forgets the bytes once result has returned them', async () => {
    const submission = await provider.submit(editInput(), never);
    expect((await provider.result(submission, never)).images).toHaveLength(1);
    expect(await provider.status(submission, never)).toEqual({ state: 'failed', reason: NOT_KEPT_REASON });
    const error = await botErrorOf(provider.result(submission, never));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.userDetail).toBe(NOT_KEPT_REASON);
  });

  it('reports an unknown requestId (a restarted bot) as failed', async () => {
    const unknown: Submission = { provider: 'gemini', requestId: 'from-before-the-restart' };
    expect(await provider.status(unknown, never)).toEqual({ state: 'failed', reason: 'the result was not kept (the bot restarted)' });
    expect((await botErrorOf(provider.result(unknown, never))).code).toBe('PROVIDER_FAILED');
  });

  it('drops held results after 15 minutes', async () => {
    let now = 1_000_000;
    const timed = makeProvider({ now: () => now });
    const submission = await timed.submit(editInput(), never);
    now += 14 * 60_000;
    expect(await timed.status(submission, never)).toEqual({ state: 'completed' });
    now += 60_000;
    expect((await timed.status(submission, never)).state).toBe('failed');
  });

  it('cancel forgets the result and never throws', async () => {
    const submission = await provider.submit(editInput(), never);
    await provider.cancel(submission);
    expect((await provider.status(submission, never)).state).toBe('failed');
    await expect(provider.cancel({ provider: 'gemini', requestId: 'nothing' })).resolves.toBeUndefined();
    await expect(provider.cancel(undefined as unknown as Submission)).resolves.toBeUndefined();
  });
});

describe('gemini capabilities', () => {
  it('declares what Google documents', () => {
    expect(geminiCapabilities('gemini-2.5-flash-image')).toEqual({
      maxInputImages: 3,
      textToImage: true,
      maxImagesPerSubmit: 1,
      outputFormats: [],
      aspectRatios: ['1:1', '2:3', '3:2', '3:4', '4:3', '9:16', '16:9', '21:9'],
      maxPromptLength: 5000,
      imageInput: 'bytes',
    });
    expect(geminiCapabilities('gemini-3-pro-image-preview').maxInputImages).toBe(14);
    expect(geminiCapabilities('models/gemini-3.1-flash-image-preview').maxInputImages).toBe(14);
    expect(provider.name).toBe('gemini');
    expect(provider.capabilities.maxInputImages).toBe(3);
  });
});
