import { BotError } from '../errors.ts';
import { ASPECT_RATIOS, type AspectRatio, type EditInput, type OutputFormat } from './provider.ts';

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

/**
 * Counted in code points, as a person counts characters. [I] The docs do not say how SinanCode counts;
 * code points never exceed UTF-16 units, so an emoji-heavy prompt may pass here and be refused there
 * with a 400, which maps to PROVIDER_REJECTED like any other refusal.
 */
function characters(text: string): number {
  return [...text].length;
}

/** Why SinanCode cannot run this input, in words a user understands; null when it can. */
export function checkSinanCodeInput(input: EditInput): string | null {
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '') return 'the prompt is empty';
  if (characters(input.prompt) > SINANCODE_MAX_PROMPT) {
    return `the prompt is longer than ${SINANCODE_MAX_PROMPT} characters`;
  }
  if (input.images.length === 0) return 'this provider only edits images: attach at least one image';
  if (input.images.length > SINANCODE_MAX_IMAGES) return `at most ${SINANCODE_MAX_IMAGES} images can be edited at once`;
  // No count field: one submit is one image, and the core submits again for more.
  if (input.count !== 1) return 'this provider makes one image per request';
  if (input.aspectRatio !== undefined && !(ASPECT_RATIOS as readonly string[]).includes(input.aspectRatio)) {
    return `aspect ratio "${String(input.aspectRatio)}" is not supported (use one of ${ASPECT_RATIOS.join(', ')})`;
  }
  if (input.outputFormat !== undefined && !SINANCODE_FORMATS.includes(input.outputFormat)) {
    return `output format "${String(input.outputFormat)}" is not supported (use ${SINANCODE_FORMATS.join(' or ')})`;
  }
  return null;
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
