import { BotError } from '../errors.ts';
import { inputProblem } from './input-guard.ts';
import type { AspectRatio, EditInput, OutputFormat, ProviderCapabilities } from './provider.ts';

/** Limits of the edit endpoint as documented (seed 003): 1–10 image URLs, a prompt of 1–5000 characters. */
export const SINANCODE_MAX_IMAGES = 10;
export const SINANCODE_MAX_PROMPT = 5000;
export const SINANCODE_FORMATS: readonly OutputFormat[] = ['png', 'jpeg'];

/** The JSON body of `POST /v1/generate/k/nano-banana-edit`, field names as SinanCode spells them. */
export interface SinanCodeBody {
  readonly image_urls: readonly string[];
  readonly prompt: string;
  readonly image_size: AspectRatio | 'auto';
  readonly output_format: 'png' | 'jpeg';
}

/** Why SinanCode cannot run this input; null when it can. No count field: the core submits once per image. */
export function checkSinanCodeInput(input: EditInput, capabilities: ProviderCapabilities): string | null {
  return inputProblem(input, capabilities) ?? (input.count !== 1 ? 'this provider makes one image per request' : null);
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The submit body. SinanCode fetches its inputs itself, so each image must come with the public URL
 * the core is meant to fill in (capabilities.imageInput 'url'); one missing is the caller's bug, not the
 * user's, and is reported as INTERNAL before anything is sent. The URL is never quoted: it is the core's.
 * `image_size` is always explicit: SinanCode's default is 1:1, while an unset ratio means "keep the
 * input's", which is what 'auto' asks for. `output_format` is optional there; png is sent when unset.
 */
export function toSinanCodeBody(provider: string, input: EditInput): SinanCodeBody {
  const imageUrls = input.images.map((image, i) => {
    if (typeof image.url !== 'string' || !isHttpUrl(image.url)) {
      throw new BotError('INTERNAL', `${provider} needs a public http(s) URL for input image ${i + 1}, and none was given`);
    }
    return image.url;
  });
  return {
    image_urls: imageUrls,
    prompt: input.prompt,
    image_size: input.aspectRatio ?? 'auto',
    output_format: input.outputFormat === 'jpeg' ? 'jpeg' : 'png',
  };
}
