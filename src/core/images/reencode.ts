import sharp from 'sharp';
import { BotError } from '../errors.ts';
import { DEFAULT_IMAGE_LIMITS } from './inspect.ts';
import type { ImageData } from './image.ts';

/** JPEG qualities tried at full size, best first: most results fit after the first step. */
const FULL_SIZE_QUALITIES = [85, 72, 60] as const;
/** The quality kept while the dimensions shrink; lower looks worse without saving much more. */
const SHRINK_QUALITY = 72;
/** Never shrink a side below this: such an image is no longer the result the user asked for. */
const MIN_SIDE = 16;
/** Bounds the work on an absurdly small limit; each step shrinks by at least 10 %. */
const MAX_SHRINK_STEPS = 30;

/**
 * The image as it is if it fits `maxBytes`; otherwise a JPEG that fits: first at lower qualities,
 * then at smaller dimensions, keeping the aspect ratio. Null when even the smallest try does not fit.
 * Platform-neutral: every platform with an upload limit can use it.
 */
export async function fitWithin(image: ImageData, maxBytes: number): Promise<ImageData | null> {
  if (image.bytes.length <= maxBytes) return image;
  // Decoded once; every try encodes from the same pixels. Transparency becomes white (JPEG has none),
  // and the orientation is applied because JPEG output drops the metadata that carried it.
  const { data: pixels, info } = await sharp(image.bytes, { limitInputPixels: DEFAULT_IMAGE_LIMITS.maxPixels })
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new BotError('IMAGE_UNSUPPORTED', 'result image could not be decoded for re-encoding', { cause: error });
    });
  const source = { pixels, width: info.width, height: info.height, channels: info.channels };

  let last: Buffer | undefined;
  for (const quality of FULL_SIZE_QUALITIES) {
    last = await encodeJpeg(source, source.width, source.height, quality);
    if (last.length <= maxBytes) return { bytes: last, mime: 'image/jpeg', width: source.width, height: source.height };
  }

  let width = source.width;
  let height = source.height;
  for (let step = 0; step < MAX_SHRINK_STEPS && last !== undefined; step++) {
    // Bytes grow roughly with the pixel count: aim a little under the limit, but always shrink by 10 % or more.
    const scale = Math.min(0.9, Math.sqrt(maxBytes / last.length) * 0.95);
    width = Math.round(width * scale);
    height = Math.round(height * scale);
    if (width < MIN_SIDE || height < MIN_SIDE) return null;
    last = await encodeJpeg(source, width, height, SHRINK_QUALITY);
    if (last.length <= maxBytes) return { bytes: last, mime: 'image/jpeg', width, height };
  }
  return null;
}

interface RawPixels {
  readonly pixels: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

function encodeJpeg(source: RawPixels, width: number, height: number, quality: number): Promise<Buffer> {
  const pipeline = sharp(source.pixels, { raw: { width: source.width, height: source.height, channels: source.channels } });
  const sized = width === source.width && height === source.height ? pipeline : pipeline.resize(width, height, { fit: 'fill' });
  return sized.jpeg({ quality }).toBuffer();
}
