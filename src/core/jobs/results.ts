import { BotError } from '../errors.ts';
import type { DownloadPolicy } from '../http/download-policy.ts';
import { withRetry, type RetryPolicy } from '../http/retry.ts';
import { downloadBytes, TransientDownloadError } from '../images/download.ts';
import type { ImageData } from '../images/image.ts';
import { inspectImage, type ImageLimits } from '../images/inspect.ts';
import type { ProviderResult } from '../providers/provider.ts';

/**
 * A result image is paid for: a broken connection or a 5xx from the file host is tried again (a
 * 404 or 403, a file gone or a link expired, is not).
 */
export const RESULT_DOWNLOAD_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 300, maxDelayMs: 3_000 };

/**
 * Turns a provider's result into checked images: URLs are downloaded with the same guards as inputs
 * (byte cap, timeout, no cross-host redirects), inline bytes are inspected as they are.
 * An image that fails the checks is left out; none at all is a provider failure.
 */
export async function fetchResults(
  result: ProviderResult,
  options: { limits: ImageLimits; timeoutMs: number; policy?: DownloadPolicy | undefined; signal: AbortSignal; retry?: RetryPolicy },
  onSkip: (error: BotError) => void,
): Promise<ImageData[]> {
  const images: ImageData[] = [];
  for (const item of result.images) {
    try {
      const bytes =
        'bytes' in item
          ? item.bytes
          : await withRetry(
              () => downloadBytes(item.url, { maxBytes: options.limits.maxBytes, timeoutMs: options.timeoutMs, policy: options.policy, signal: options.signal }),
              { policy: options.retry ?? RESULT_DOWNLOAD_RETRY, isRetryable: (error) => error instanceof TransientDownloadError, signal: options.signal },
            );
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
