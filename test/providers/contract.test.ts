import { afterEach, describe, expect, it } from 'vitest';
import { BotError, isBotError } from '../../src/core/errors.ts';
import type { ImageData } from '../../src/core/images/image.ts';
import { DEFAULT_IMAGE_LIMITS } from '../../src/core/images/inspect.ts';
import { followUntilDone } from '../../src/core/jobs/follow.ts';
import { DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy } from '../../src/core/http/download-policy.ts';
import { fetchResults } from '../../src/core/jobs/results.ts';
import { ASPECT_RATIOS, OUTPUT_FORMATS, type EditInput, type InputImage, type Provider } from '../../src/core/providers/provider.ts';
import { CONTRACT_FAKES } from '../helpers/contract-fakes.ts';
import { startFileHost, type FileHost } from '../helpers/file-host.ts';
import { botErrorOf, never } from '../helpers/inputs.ts';
import { pngImage } from '../helpers/png.ts';
import type { ContractFake } from '../helpers/provider-contract.ts';

const LOOPBACK_FAKES: DownloadPolicy = { ...DEFAULT_DOWNLOAD_POLICY, configuredHosts: ['127.0.0.1'] };

/**
 * The one contract every provider keeps, run against each provider's loopback fake: the core relies
 * on exactly these behaviours (what a submit returns, how completion, refusal and outages show, that
 * cancel never throws and the key never leaks), whatever the provider's own protocol looks like.
 */

const RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const FAST = { initialMs: 5, maxMs: 20, factor: 1.5 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(factory: (typeof CONTRACT_FAKES)[number][1]): Promise<{ fake: ContractFake; files: FileHost }> {
  const fake = await factory({ retry: RETRY });
  cleanups.push(() => fake.close());
  const files = await startFileHost();
  cleanups.push(() => files.close());
  return { fake, files };
}

/** The images as the core hands them over: with a public URL for providers that fetch URLs. */
function inputsFor(provider: Provider, files: FileHost, images: readonly ImageData[]): InputImage[] {
  if (provider.capabilities.imageInput === 'bytes') return [...images];
  return images.map((image) => ({ ...image, url: files.put(image.bytes) }));
}

function input(provider: Provider, files: FileHost, overrides: Partial<EditInput> & { raw?: ImageData[] } = {}): EditInput {
  const raw = overrides.raw ?? [pngImage(16, 16, 3)];
  const format = provider.capabilities.outputFormats[0];
  return {
    prompt: 'make the sky purple',
    count: 1,
    outputFormat: format,
    ...overrides,
    images: inputsFor(provider, files, raw),
  };
}

/** Submit, follow to the end as the runner does, fetch and check the images. */
async function runToEnd(provider: Provider, editInput: EditInput): Promise<ImageData[]> {
  const signal = AbortSignal.timeout(10_000);
  const submission = await provider.submit(editInput, signal);
  expect(submission.provider).toBe(provider.name);
  expect(JSON.parse(JSON.stringify(submission))).toEqual(submission); // plain JSON: it is persisted
  const final = await followUntilDone(provider, submission, {
    policy: FAST,
    signal,
    onProgress: async () => undefined,
    onStatusError: () => undefined,
  });
  if (final.state === 'failed') throw new BotError('PROVIDER_FAILED', final.reason, { userDetail: final.reason });
  const result = await provider.result(submission, signal);
  // The fakes are on loopback: allowed as configured hosts, as the app allows every configured base URL.
  return fetchResults(result, { limits: DEFAULT_IMAGE_LIMITS, timeoutMs: 5000, signal, policy: LOOPBACK_FAKES }, () => undefined);
}

describe.each(CONTRACT_FAKES)('provider contract: %s', (name, factory) => {
  it('declares capabilities the core can plan with', async () => {
    const { fake } = await setup(factory);
    const c = fake.provider.capabilities;
    expect(fake.provider.name).toBe(name);
    expect(c.maxInputImages).toBeGreaterThanOrEqual(1);
    expect(c.maxImagesPerSubmit).toBeGreaterThanOrEqual(1);
    expect(c.maxPromptLength).toBeGreaterThanOrEqual(1000);
    for (const format of c.outputFormats) expect(OUTPUT_FORMATS).toContain(format);
    for (const ratio of c.aspectRatios) expect(ASPECT_RATIOS).toContain(ratio);
    expect(['bytes', 'url']).toContain(c.imageInput);
  });

  it('edits: the provider receives the prompt and the exact input bytes, and the result is a checked image', async () => {
    const { fake, files } = await setup(factory);
    const raw = [pngImage(24, 16, 11), pngImage(16, 24, 12)];
    const images = await runToEnd(fake.provider, input(fake.provider, files, { raw }));
    expect(images).toHaveLength(1);
    expect(images[0]!.mime).toMatch(/^image\//);
    expect(fake.jobs).toHaveLength(1);
    expect(fake.jobs[0]!.prompt).toBe('make the sky purple');
    expect(fake.jobs[0]!.inputImages.map((b) => b.toString('base64'))).toEqual(raw.map((i) => i.bytes.toString('base64')));
  });

  it('makes as many images per submit as it declares', async () => {
    const { fake, files } = await setup(factory);
    const count = Math.min(2, fake.provider.capabilities.maxImagesPerSubmit);
    const images = await runToEnd(fake.provider, input(fake.provider, files, { count }));
    expect(images).toHaveLength(count);
    expect(fake.jobs[0]!.count).toBe(count);
  });

  it('generates from text alone when it declares text-to-image', async () => {
    const { fake, files } = await setup(factory);
    if (!fake.provider.capabilities.textToImage) return;
    const images = await runToEnd(fake.provider, input(fake.provider, files, { raw: [], prompt: 'a red fox in the snow' }));
    expect(images).toHaveLength(1);
    expect(fake.jobs[0]).toMatchObject({ prompt: 'a red fox in the snow', inputImages: [] });
  });

  it('reports a model refusal after acceptance as PROVIDER_FAILED with the reason', async () => {
    const { fake, files } = await setup(factory);
    fake.setOutcome({ kind: 'refused', reason: 'content policy violation' });
    const error = await botErrorOf(runToEnd(fake.provider, input(fake.provider, files)));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(`${error.message} ${error.userDetail ?? ''}`).toMatch(/content policy violation/i);
  });

  it('says PROVIDER_UNAVAILABLE when it is down at submit, so the core can fail over, without leaking the key', async () => {
    const { fake, files } = await setup(factory);
    fake.failNextSubmits(10);
    const error = await botErrorOf(fake.provider.submit(input(fake.provider, files), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(`${error.message} ${error.userDetail ?? ''}`).not.toContain(fake.key);
    expect(fake.jobs).toHaveLength(0);
  });

  it('says PROVIDER_REJECTED when it refuses the input, with the reason for the user', async () => {
    const { fake, files } = await setup(factory);
    fake.rejectNextSubmit('prompt is not allowed here');
    const error = await botErrorOf(fake.provider.submit(input(fake.provider, files), never));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.userDetail ?? '').toMatch(/prompt is not allowed here/);
  });

  it('never throws from cancel, for a live request or an unknown one', async () => {
    const { fake, files } = await setup(factory);
    const submission = await fake.provider.submit(input(fake.provider, files), never);
    await expect(fake.provider.cancel(submission)).resolves.toBeUndefined();
    await expect(fake.provider.cancel({ provider: name, requestId: 'no-such-request' })).resolves.toBeUndefined();
  });

  it('ends an unknown request as failed (state or BotError), never as completed', async () => {
    const { fake } = await setup(factory);
    const outcome = await fake.provider.status({ provider: name, requestId: 'no-such-request' }, never).then(
      (status) => status,
      (error: unknown) => error,
    );
    if (isBotError(outcome)) expect(outcome.code).toMatch(/^PROVIDER_/);
    else expect(outcome).toMatchObject({ state: expect.stringMatching(/^(failed|queued|running)$/) });
  });

  it('sends the key only in headers, never in a URL', async () => {
    const { fake, files } = await setup(factory);
    await runToEnd(fake.provider, input(fake.provider, files));
    for (const request of fake.received) expect(request.path).not.toContain(fake.key);
  });
});
