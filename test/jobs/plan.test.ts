import { describe, expect, it } from 'vitest';
import { planFor } from '../../src/core/jobs/plan.ts';
import { ProviderHealth } from '../../src/core/providers/health.ts';
import type { ASPECT_RATIOS} from '../../src/core/providers/provider.ts';
import { type Provider, type ProviderCapabilities } from '../../src/core/providers/provider.ts';
import { pngImage } from '../helpers/png.ts';

const caps: ProviderCapabilities = {
  maxInputImages: 2,
  textToImage: false,
  maxImagesPerSubmit: 1,
  outputFormats: ['png', 'jpeg'],
  aspectRatios: ['1:1', '16:9'],
  maxPromptLength: 20,
  imageInput: 'bytes',
};
const request = { prompt: 'a cat', images: [pngImage(8, 8, 1)], count: 3, outputFormat: 'webp' as const };

describe('planFor', () => {
  it('splits the count over several submits and picks PNG for a missing format', () => {
    const planned = planFor(caps, request);
    expect(planned).toMatchObject({ ok: true, plan: { counts: [1, 1, 1], input: { count: 1, outputFormat: 'png' } } });
    if (planned.ok) expect(planned.plan.adaptations).toHaveLength(2);
    expect(planFor({ ...caps, maxImagesPerSubmit: 4 }, request)).toMatchObject({ ok: true, plan: { counts: [3] } });
    expect(planFor({ ...caps, maxImagesPerSubmit: 2 }, request)).toMatchObject({ ok: true, plan: { counts: [2, 1] } });
  });

  it('leaves the format to a provider without a format field, and keeps one it has', () => {
    expect(planFor({ ...caps, outputFormats: [] }, request)).toMatchObject({ ok: true, plan: { input: { outputFormat: undefined } } });
    expect(planFor(caps, { ...request, outputFormat: 'jpeg' })).toMatchObject({ ok: true, plan: { input: { outputFormat: 'jpeg' }, adaptations: [expect.stringMatching(/submits/)] } });
  });

  it('refuses with a reason that says what to change', () => {
    const reason = (r: Partial<typeof request> & { aspectRatio?: (typeof ASPECT_RATIOS)[number] }) => {
      const planned = planFor(caps, { ...request, ...r });
      return planned.ok ? null : planned.reason;
    };
    expect(reason({ prompt: 'x'.repeat(21) })).toMatch(/shorten it to 20 characters/);
    expect(reason({ images: [] })).toMatch(/can only edit: attach an image/);
    expect(reason({ images: [pngImage(8, 8, 1), pngImage(8, 8, 2), pngImage(8, 8, 3)] })).toMatch(/at most 2 input image/);
    expect(reason({ aspectRatio: '4:3' })).toMatch(/4:3 is not available here: choose one of 1:1, 16:9/);
    expect(reason({ aspectRatio: '16:9' })).toBeNull();
  });
});

describe('ProviderHealth', () => {
  const p = (name: string) => ({ name }) as Provider;

  it('moves a failed provider behind the others for a cool-down that doubles, and restores it on success', () => {
    let now = 0;
    const health = new ProviderHealth({ cooldownMs: 1000, maxCooldownMs: 3000, now: () => now });
    const providers = [p('a'), p('b'), p('c')];
    health.recordFailure('a');
    expect(health.order(providers).map((x) => x.name)).toEqual(['b', 'c', 'a']);
    now = 1000;
    expect(health.order(providers).map((x) => x.name)).toEqual(['a', 'b', 'c']);
    health.recordFailure('a'); // half-open trial failed: 2 s now
    now = 2999;
    expect(health.isCoolingDown('a')).toBe(true);
    health.recordFailure('b');
    expect(health.order(providers).map((x) => x.name)).toEqual(['c', 'a', 'b']); // a is back sooner (3000 < 3999)
    health.recordSuccess('a');
    expect(health.isCoolingDown('a')).toBe(false);
    for (let i = 0; i < 5; i++) health.recordFailure('c');
    now = 2999 + 3000;
    expect(health.isCoolingDown('c')).toBe(false); // capped at maxCooldownMs
  });
});
