import { appPath } from './fal-urls.ts';
import { ASPECT_RATIOS, type ProviderCapabilities } from './provider.ts';

/**
 * The Nano Banana family on fal (reference §1.15): which endpoints take `resolution` and how many
 * input images they accept. Matched on owner/app, so `fal-ai/nano-banana-pro` and its `/edit` agree.
 */

/** Newer generations: documented with `resolution` and up to 14 reference images. */
const PRO_AND_TWO_APPS = new Map<string, readonly string[]>([
  ['fal-ai/nano-banana-pro', ['1K', '2K', '4K']],
  // fal's types alias gemini-3-pro-image-preview to the nano-banana-pro input.
  ['fal-ai/gemini-3-pro-image-preview', ['1K', '2K', '4K']],
  ['fal-ai/nano-banana-2', ['0.5K', '1K', '2K', '4K']],
  // [I] Gemini 3.1 Flash Image is the model behind Nano Banana 2; its fal input is typed like nano-banana-2.
  ['fal-ai/gemini-3.1-flash-image-preview', ['0.5K', '1K', '2K', '4K']],
]);

/** The resolutions a model documents; empty when it has no `resolution` field (nano-banana, gemini-25-flash-image). */
export function falResolutions(model: string): readonly string[] {
  return PRO_AND_TWO_APPS.get(appPath(model)) ?? [];
}

/** Whether a submit to this model may carry `resolution`: sending it elsewhere could be refused. */
export function takesResolution(model: string): boolean {
  return falResolutions(model).length > 0;
}

/**
 * What fal can do with this edit model.
 * - maxInputImages: 14 for the pro and nano-banana-2 families ("edits with up to 14 reference images",
 *   fal's own page, reference §1.15). For nano-banana/edit and unknown models fal documents no cap:
 *   10 is an inferred, conservative value matching the other edit APIs of the same model.
 * - maxImagesPerSubmit 4 (seed 002: num_images 1–4), formats jpeg/png/webp (seed 002), the ten
 *   ratios of seed 002 (nano-banana-2 takes more; the core never asks for them).
 * - maxPromptLength is not documented by fal: 5000 is the most any seed allows (inferred).
 * - imageInput 'bytes': data URIs are documented (seed 001 §4), so no public URL is needed.
 */
export function falCapabilities(model: string): ProviderCapabilities {
  return {
    maxInputImages: PRO_AND_TWO_APPS.has(appPath(model)) ? 14 : 10,
    textToImage: true,
    maxImagesPerSubmit: 4,
    outputFormats: ['png', 'jpeg', 'webp'],
    aspectRatios: ASPECT_RATIOS,
    maxPromptLength: 5000,
    imageInput: 'bytes',
  };
}

/** The default model's capabilities (fal-ai/nano-banana/edit). */
export const FAL_CAPABILITIES: ProviderCapabilities = falCapabilities('fal-ai/nano-banana/edit');
