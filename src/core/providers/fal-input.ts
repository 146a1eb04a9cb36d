import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB, OUTPUT_FORMATS, type EditInput, type ProviderCapabilities } from './provider.ts';

/**
 * Why fal cannot run this input, in words a user understands; null when it can. The core checks the
 * capabilities first; this is the submit-time guard that keeps a bad input from ever costing money.
 */
export function checkFalInput(input: EditInput, capabilities?: ProviderCapabilities): string | null {
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '') return 'the prompt is empty';
  if (capabilities && input.prompt.length > capabilities.maxPromptLength) {
    return `the prompt is too long (at most ${capabilities.maxPromptLength} characters)`;
  }
  if (capabilities && input.images.length > capabilities.maxInputImages) {
    return `too many input images (at most ${capabilities.maxInputImages})`;
  }
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_IMAGES_PER_JOB) {
    return `the number of images must be a whole number from 1 to ${MAX_IMAGES_PER_JOB}`;
  }
  if (input.aspectRatio !== undefined && !(ASPECT_RATIOS as readonly string[]).includes(input.aspectRatio)) {
    return `aspect ratio "${String(input.aspectRatio)}" is not supported (use one of ${ASPECT_RATIOS.join(', ')})`;
  }
  if (input.outputFormat !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(input.outputFormat)) {
    return `output format "${String(input.outputFormat)}" is not supported (use one of ${OUTPUT_FORMATS.join(', ')})`;
  }
  return null;
}

/** Fields of a submit that come from configuration rather than from the user's request. */
export interface FalBodyExtras {
  /** Only given when the submitted model takes it (see `takesResolution`). */
  readonly resolution?: string | undefined;
}

/**
 * The JSON body of a fal nano-banana submit (seed 002). Images travel as data URIs built from the bytes
 * we hold: a platform URL must never reach fal (a Telegram file URL contains the bot token).
 * `output_format` is always explicit because fal's default drifted from jpeg to png; `aspect_ratio`
 * is left out when not chosen so that an edit keeps its input's ratio.
 */
export function toFalBody(input: EditInput, extras: FalBodyExtras = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    prompt: input.prompt,
    num_images: input.count,
    output_format: input.outputFormat ?? 'png',
  };
  if (input.images.length > 0) {
    body.image_urls = input.images.map((image) => `data:${image.mime};base64,${image.bytes.toString('base64')}`);
  }
  if (input.aspectRatio !== undefined) body.aspect_ratio = input.aspectRatio;
  if (extras.resolution !== undefined && extras.resolution !== '') body.resolution = extras.resolution;
  return body;
}
