import { BotError } from '../errors.ts';
import type { ImageData, ImageSource } from '../images/image.ts';
import { inspectImage, type ImageLimits } from '../images/inspect.ts';

/** A checked input image and, when the platform has one, a public URL serving the same bytes. */
export interface LoadedInput {
  readonly image: ImageData;
  readonly publicUrl?: string | undefined;
}

/**
 * Loads the input images: refuses what the platform already says is too large before downloading,
 * then checks every download's real type and dimensions.
 */
export async function loadInputs(
  sources: readonly ImageSource[],
  limits: ImageLimits,
  signal: AbortSignal,
): Promise<LoadedInput[]> {
  for (const source of sources) {
    if (source.declaredBytes !== undefined && source.declaredBytes > limits.maxBytes) {
      throw new BotError('IMAGE_TOO_LARGE', `declared ${source.declaredBytes} bytes exceeds ${limits.maxBytes}`);
    }
    const { declaredWidth: w, declaredHeight: h } = source;
    if (w !== undefined && h !== undefined && w * h > limits.maxPixels) {
      throw new BotError('IMAGE_TOO_LARGE', `declared ${w}x${h} exceeds ${limits.maxPixels} pixels`);
    }
  }
  const loaded: LoadedInput[] = [];
  for (const source of sources) {
    loaded.push({ image: inspectImage(await source.load(signal), limits), publicUrl: source.publicUrl });
  }
  return loaded;
}
