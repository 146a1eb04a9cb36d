import { imageSize } from 'image-size';
import { BotError } from '../errors.ts';
import type { ImageData, ImageMime } from './image.ts';

export interface ImageLimits {
  /** Largest file we accept, in bytes. */
  readonly maxBytes: number;
  /** Largest width × height we accept; a small file can still decode to gigabytes (image bombs). */
  readonly maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };

const MIME_BY_TYPE: Readonly<Record<string, ImageMime>> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/**
 * Checks the type from the magic bytes and the dimensions from the header, without decoding pixels.
 * Throws IMAGE_UNSUPPORTED or IMAGE_TOO_LARGE.
 */
export function inspectImage(bytes: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): ImageData {
  if (bytes.length > limits.maxBytes) {
    throw new BotError('IMAGE_TOO_LARGE', `image of ${bytes.length} bytes exceeds ${limits.maxBytes}`);
  }
  const mime = sniffMime(bytes);
  if (!mime) throw new BotError('IMAGE_UNSUPPORTED', 'bytes are not JPEG, PNG or WebP');
  let size: { width?: number; height?: number; type?: string };
  try {
    size = imageSize(bytes);
  } catch (error) {
    throw new BotError('IMAGE_UNSUPPORTED', 'image header could not be read', { cause: error });
  }
  const { width, height } = size;
  if (!width || !height || MIME_BY_TYPE[size.type ?? ''] !== mime) {
    throw new BotError('IMAGE_UNSUPPORTED', 'image header is inconsistent');
  }
  if (width * height > limits.maxPixels) {
    throw new BotError('IMAGE_TOO_LARGE', `image of ${width}x${height} exceeds ${limits.maxPixels} pixels`);
  }
  return { bytes, mime, width, height };
}

/** Magic bytes only: JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A, WebP RIFF....WEBP. */
export function sniffMime(bytes: Buffer): ImageMime | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  return null;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
