import { Base64Text } from '../http/json-body.ts';
import { inputProblem } from './input-guard.ts';
import type { AspectRatio, EditInput, ProviderCapabilities } from './provider.ts';

/**
 * The request side of Google's generateContent (reference §5): the URL, the JSON body, and the
 * checks that keep an input Gemini cannot run from ever being sent.
 */

/** `ImageConfig.aspectRatio` values (js-genai `src/types.ts`) that are also in our ASPECT_RATIOS. */
export const GEMINI_ASPECT_RATIOS: readonly AspectRatio[] = ['1:1', '2:3', '3:2', '3:4', '4:3', '9:16', '16:9', '21:9'];

/**
 * `{base}/v1beta/models/{model}:generateContent`. A `models/` prefix (as the API itself names models)
 * is tolerated. The key never goes in the query: URLs end up in logs.
 */
export function generateContentUrl(baseUrl: string, model: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const id = model.replace(/^\/+|\/+$/g, '').replace(/^models\//, '');
  return `${base}/v1beta/models/${encodeURIComponent(id)}:generateContent`;
}

/** Why Gemini cannot run this input; null when it can. One call makes one image: the core splits larger counts. */
export function checkGeminiInput(input: EditInput, capabilities: ProviderCapabilities): string | null {
  return inputProblem(input, capabilities) ?? (input.count !== 1 ? 'one image per request' : null);
}

/**
 * The JSON body. Images travel inline as base64 built from the bytes we hold (REST accepts the
 * snake_case `inline_data`/`mime_type`, reference §5); no platform URL ever reaches Google. The prompt
 * comes first, as in Google's own edit examples. `outputFormat` has no field: `outputMimeType` is "not
 * supported in Gemini API". `imageConfig` is left out when no ratio was chosen so that an edit keeps
 * its input's ratio.
 */
export function toGeminiBody(input: EditInput): Record<string, unknown> {
  const parts: Record<string, unknown>[] = [{ text: input.prompt }];
  for (const image of input.images) {
    parts.push({ inline_data: { mime_type: image.mime, data: new Base64Text(image.bytes) } });
  }
  const generationConfig: Record<string, unknown> = { responseModalities: ['TEXT', 'IMAGE'] };
  if (input.aspectRatio !== undefined) generationConfig.imageConfig = { aspectRatio: input.aspectRatio };
  return { contents: [{ role: 'user', parts }], generationConfig };
}
