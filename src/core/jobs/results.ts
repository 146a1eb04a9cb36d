import { BotError } from '../errors.ts';
import type { DownloadPolicy } from '../http/download-policy.ts';
import { downloadBytes } from '../images/download.ts';
import type { ImageData } from '../images/image.ts';
import { inspectImage, type ImageLimits } from '../images/inspect.ts';
import type { ProviderResult } from '../providers/provider.ts';

/**
 * Turns a provider's result into checked images: URLs are downloaded with the same guards as inputs
 * (byte cap, timeout, no cross-host redirects), inline bytes are inspected as they are.
 * An image that fails the checks is left out; none at all is a provider failure.
 */
export async function fetchResults(
  result: ProviderResult,
  options: { limits: ImageLimits; timeoutMs: number; policy?: DownloadPolicy | undefined; signal: AbortSignal },
  onSkip: (error: BotError) => void,
): Promise<ImageData[]> {
  const images: ImageData[] = [];
  for (const item of result.images) {
    try {
      const bytes =
        'bytes' in item
          ? item.bytes
          : await downloadBytes(item.url, { maxBytes: options.limits.maxBytes, timeoutMs: options.timeoutMs, policy: options.policy, signal: options.signal });
      images.push(inspectImage(bytes, options.limits));
    } catch (error) {
      if (options.signal.aborted) throw error;
      if (!(error instanceof BotError)) throw error;
      onSkip(error);
    }
  }
  if (images.length === 0) {
    throw new BotError('PROVIDER_FAILED', 'the provider returned no usable image');
  }
  return images;
}
