import { Base64Text } from '../http/json-body.ts';
import { FAL_CAPABILITIES } from './fal-models.ts';
import { inputProblem } from './input-guard.ts';
import type { EditInput, ProviderCapabilities } from './provider.ts';

/**
 * Why fal cannot run this input, in words a user understands; null when it can. The core checks the
 * capabilities first; this is the submit-time guard that keeps a bad input from ever costing money.
 */
export function checkFalInput(input: EditInput, capabilities: ProviderCapabilities = FAL_CAPABILITIES): string | null {
  const max = capabilities.maxImagesPerSubmit;
  const countFits = Number.isInteger(input.count) && input.count >= 1 && input.count <= max;
  return inputProblem(input, capabilities) ?? (countFits ? null : `the number of images must be a whole number from 1 to ${max}`);
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
    body.image_urls = input.images.map((image) => new Base64Text(image.bytes, `data:${image.mime};base64,`));
  }
  if (input.aspectRatio !== undefined) body.aspect_ratio = input.aspectRatio;
  if (extras.resolution !== undefined && extras.resolution !== '') body.resolution = extras.resolution;
  return body;
}
