import { BotError } from '../errors.ts';
import type { EditInput, PushTarget } from './provider.ts';

/** Limits of the capabilities, repeated here so the guard and the declaration cannot drift apart. */
export const NANOBANANAAPI_LIMITS = { maxInputImages: 10, maxPromptLength: 5000 } as const;

/**
 * callBackUrl is schema-required, but a bot without a public URL has nowhere to be called. The `.invalid`
 * TLD is reserved by RFC 2606 and never resolves, so the provider's callback fails at DNS and no third
 * party ever receives our task data (a dummy like example.com would be a real, foreign host).
 */
export const PLACEHOLDER_CALLBACK_URL = 'https://callback.invalid/nanobananaapi';

/**
 * The JSON body of `POST /api/v1/nanobanana/generate` (seed 004). Throws INTERNAL for what only a
 * caller bug produces (the core splits counts and fills image URLs), before anything is sent.
 */
export function toNanoBananaApiBody(input: EditInput, watermark: string | undefined, push: PushTarget | undefined): Record<string, unknown> {
  if (input.count !== 1) {
    throw new BotError('INTERNAL', `nanobananaapi takes one image per submit, was asked for ${input.count}`);
  }
  const imageUrls = input.images.map((image, i) => {
    const url = image.url?.trim();
    if (!url) throw new BotError('INTERNAL', `nanobananaapi needs input image ${i + 1} as a URL, and it has none`);
    return url;
  });
  const body: Record<string, unknown> = {
    prompt: input.prompt,
    // The misspelt values are the API's literal enum.
    type: imageUrls.length > 0 ? 'IMAGETOIAMGE' : 'TEXTTOIAMGE',
    // Always 1: record-info documents a single resultImageUrl per task, so a task asked for more
    // images could leave paid images we can never fetch. The core submits once per image instead.
    numImages: 1,
    callBackUrl: push?.callbackUrl ?? PLACEHOLDER_CALLBACK_URL,
  };
  if (imageUrls.length > 0) body.imageUrls = imageUrls;
  // No 'auto' value exists: leaving the field out lets an edit keep its input's ratio.
  if (input.aspectRatio !== undefined) body.image_size = input.aspectRatio;
  if (watermark) body.watermark = watermark;
  return body;
}
