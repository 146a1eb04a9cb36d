import type { AspectRatio, EditInput, InputImage, OutputFormat, ProviderCapabilities } from '../providers/provider.ts';

/** A request as the user made it, before it is fitted to one provider. */
export interface PlanRequest {
  readonly prompt: string;
  readonly images: readonly InputImage[];
  readonly count: number;
  readonly aspectRatio?: AspectRatio | undefined;
  readonly outputFormat: OutputFormat;
}

/** How one provider will run a request: the input to send and how many images each submit asks for. */
export interface SubmitPlan {
  readonly input: EditInput;
  /** One entry per submit; they add up to the requested count. */
  readonly counts: readonly number[];
  /** What was changed to fit the provider (for the log). */
  readonly adaptations: readonly string[];
}

export type PlanResult = { readonly ok: true; readonly plan: SubmitPlan } | { readonly ok: false; readonly reason: string };

/**
 * Checks a request against a provider's capabilities before any money is spent. Adapts where the
 * user loses nothing that matters: several submits for a provider that makes fewer images per call,
 * or another file format. Anything else is refused with a reason that says what to change.
 */
export function planFor(capabilities: ProviderCapabilities, request: PlanRequest): PlanResult {
  const reason = refusal(capabilities, request);
  if (reason) return { ok: false, reason };

  const adaptations: string[] = [];
  const outputFormat = fitFormat(capabilities.outputFormats, request.outputFormat);
  if (outputFormat !== request.outputFormat) {
    adaptations.push(`format ${request.outputFormat} → ${outputFormat ?? "the provider's choice"}`);
  }
  const counts = splitCount(request.count, capabilities.maxImagesPerSubmit);
  if (counts.length > 1) adaptations.push(`${request.count} images in ${counts.length} submits`);
  const input: EditInput = {
    prompt: request.prompt,
    images: request.images,
    count: counts[0] ?? 1,
    aspectRatio: request.aspectRatio,
    outputFormat,
  };
  return { ok: true, plan: { input, counts, adaptations } };
}

function refusal(capabilities: ProviderCapabilities, request: PlanRequest): string | null {
  if (request.prompt.length > capabilities.maxPromptLength) {
    return `the prompt is too long for this image service: shorten it to ${capabilities.maxPromptLength} characters`;
  }
  if (request.images.length === 0 && !capabilities.textToImage) {
    return 'this image service can only edit: attach an image, or use /edit instead of /imagine';
  }
  if (request.images.length > capabilities.maxInputImages) {
    return `this image service takes at most ${capabilities.maxInputImages} input image(s): send fewer`;
  }
  if (request.aspectRatio !== undefined && !capabilities.aspectRatios.includes(request.aspectRatio)) {
    return `the aspect ratio ${request.aspectRatio} is not available here: choose one of ${capabilities.aspectRatios.join(', ')}`;
  }
  return null;
}

/** The asked format when available; else PNG (lossless) when available; else the first; none when the provider picks. */
function fitFormat(available: readonly OutputFormat[], asked: OutputFormat): OutputFormat | undefined {
  if (available.length === 0) return undefined;
  if (available.includes(asked)) return asked;
  return available.includes('png') ? 'png' : available[0];
}

function splitCount(count: number, perSubmit: number): number[] {
  const size = Math.max(1, perSubmit);
  const counts: number[] = [];
  for (let left = count; left > 0; left -= size) counts.push(Math.min(size, left));
  return counts;
}
