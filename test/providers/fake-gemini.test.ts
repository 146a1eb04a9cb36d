import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGemini, startGeminiContractFake, type FakeGemini } from '../helpers/fake-gemini.ts';
import type { ContractFake } from '../helpers/provider-contract.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';

/** The fake Gemini API itself, and the contract factory built on it. */

const KEY = 'AIzaGeminiTestKey-Hq7vN2pX9sL4';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const MODEL = 'gemini-2.5-flash-image';

let fake: FakeGemini;
let contract: ContractFake | undefined;

beforeEach(async () => {
  fake = await startFakeGemini({ key: KEY });
});

afterEach(async () => {
  await fake.close();
  await contract?.close();
  contract = undefined;
});

describe('the fake Gemini API', () => {
  const post = (body: unknown, key = KEY) =>
    fetch(`${fake.url}/v1beta/models/${MODEL}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify(body),
    });

  it('answers 400 INVALID_ARGUMENT to a malformed body and 403 to a missing key', async () => {
    const badBase64 = await post({ contents: [{ parts: [{ text: 'x' }, { inline_data: { mime_type: 'image/png', data: '@@@' } }] }] });
    expect(badBase64.status).toBe(400);
    expect(((await badBase64.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
    expect((await post({ contents: [] })).status).toBe(400);
    expect((await post({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { imageConfig: { aspectRatio: '7:3' } } })).status).toBe(400);
    const noKey = await post({ contents: [{ parts: [{ text: 'x' }] }] }, '');
    expect(noKey.status).toBe(403);
    expect(((await noKey.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED');
    expect(fake.calls).toHaveLength(0);
  });

  it('answers text only when IMAGE is not among the response modalities', async () => {
    fake.answer = { kind: 'images', text: 'only words' };
    const res = await post({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { responseModalities: ['TEXT'] } });
    const body = (await res.json()) as { candidates: [{ content: { parts: unknown[] } }] };
    expect(body.candidates[0].content.parts).toEqual([{ text: 'only words' }]);
  });

  it('offers the shared contract factory', async () => {
    contract = await startGeminiContractFake({ retry: TINY });
    expect(contract.name).toBe('gemini');
    expect(Object.keys(contract.env).sort()).toEqual(['GEMINI_API_KEY', 'GEMINI_BASE_URL']);
    const submission = await contract.provider.submit(editInput(), never);
    expect((await contract.provider.result(submission, never)).images).toHaveLength(1);
    expect(contract.jobs).toEqual([expect.objectContaining({ prompt: 'make it blue', count: 1, inputUrls: [] })]);
    expect(contract.jobs[0]!.inputImages[0]!.equals(editInput().images[0]!.bytes)).toBe(true);
    expect(contract.received[0]!.headers['x-goog-api-key']).toBe(contract.key);

    contract.setOutcome({ kind: 'refused', reason: 'policy says no' });
    const refused = await botErrorOf(contract.provider.submit(editInput(), never));
    expect(refused.code).toBe('PROVIDER_FAILED');
    expect(refused.userDetail).toContain('policy says no');

    contract.setOutcome({ kind: 'images' });
    contract.failNextSubmits(1);
    await contract.provider.submit(editInput(), never);
    // Exactly as many as the provider tries (1 + maxRetries), so nothing is left for the next step.
    contract.failNextSubmits(TINY.maxRetries + 1);
    expect((await botErrorOf(contract.provider.submit(editInput(), never))).code).toBe('PROVIDER_UNAVAILABLE');
    contract.rejectNextSubmit('bad image');
    const rejected = await botErrorOf(contract.provider.submit(editInput(), never));
    expect(rejected.code).toBe('PROVIDER_REJECTED');
    expect(rejected.userDetail).toBe('bad image');
  });
});
