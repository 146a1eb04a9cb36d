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
 * Checks the type from the magic bytes, the dimensions from the header, and that the file is whole
 * and a still image by walking its container structure, without decoding pixels.
 * Throws IMAGE_UNSUPPORTED (not JPEG/PNG/WebP, truncated, animated) or IMAGE_TOO_LARGE.
 */
export function inspectImage(bytes: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): ImageData {
  if (bytes.length > limits.maxBytes) {
    throw new BotError('IMAGE_TOO_LARGE', `image of ${bytes.length} bytes exceeds ${limits.maxBytes}`);
  }
  const mime = sniffMime(bytes);
  if (!mime) {
    // GIFs are refused rather than cut to their first frame: one rule for every animated image.
    const what = bytes.toString('latin1', 0, 4) === 'GIF8' ? 'GIF' : 'not JPEG, PNG or WebP';
    throw new BotError('IMAGE_UNSUPPORTED', `bytes are ${what}`);
  }
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
  // Before anything reads further: a 30000×30000 PNG of a few hundred bytes stops here.
  if (width * height > limits.maxPixels) {
    throw new BotError('IMAGE_TOO_LARGE', `image of ${width}x${height} exceeds ${limits.maxPixels} pixels`);
  }
  const problem = structureProblem(bytes, mime);
  if (problem) throw new BotError('IMAGE_UNSUPPORTED', `${mime} is ${problem}`);
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

/**
 * Why the file cannot be used whole as a still image ('truncated', 'animated', …), or null. The header
 * alone says nothing about the rest: a cut-off upload has a perfect header, and a provider would be
 * paid to fail on it (or to edit a grey half).
 */
function structureProblem(bytes: Buffer, mime: ImageMime): string | null {
  if (mime === 'image/png') return pngProblem(bytes);
  if (mime === 'image/jpeg') return jpegProblem(bytes);
  return webpProblem(bytes);
}

/** Walks the chunks (length, type, data, CRC) to IEND; an acTL chunk makes it an animated PNG. */
function pngProblem(bytes: Buffer): string | null {
  let pos = PNG_SIGNATURE.length;
  let sawData = false;
  while (pos + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (end > bytes.length) return 'truncated';
    if (type === 'acTL') return 'animated';
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') return sawData ? null : 'without image data';
    pos = end;
  }
  return 'truncated';
}

/** Markers that stand alone, without a length: TEM, RST0–7, SOI. */
function standalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);
}

/**
 * Walks the segments to the EOI marker, skipping entropy-coded data after each SOS (where a 0xFF byte
 * is always followed by 0x00 or a restart marker). Several scans (progressive JPEGs) are fine.
 */
function jpegProblem(bytes: Buffer): string | null {
  let pos = 2;
  for (;;) {
    pos = bytes.indexOf(0xff, pos);
    if (pos < 0) return 'truncated';
    // Fill bytes: any number of 0xFF may precede a marker.
    while (bytes[pos + 1] === 0xff) pos++;
    if (pos + 1 >= bytes.length) return 'truncated';
    const marker = bytes[pos + 1]!;
    if (marker === 0xd9) return null;
    if (standalone(marker)) {
      pos += 2;
      continue;
    }
    if (pos + 4 > bytes.length) return 'truncated';
    const end = pos + 2 + bytes.readUInt16BE(pos + 2);
    if (end > bytes.length) return 'truncated';
    pos = marker === 0xda ? skipScan(bytes, end) : end;
    if (pos < 0) return 'truncated';
  }
}

/** The position of the marker that ends an entropy-coded scan starting at `from`, or -1. */
function skipScan(bytes: Buffer, from: number): number {
  let pos = from;
  for (;;) {
    pos = bytes.indexOf(0xff, pos);
    if (pos < 0 || pos + 1 >= bytes.length) return -1;
    const next = bytes[pos + 1]!;
    if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) return pos;
    pos += next === 0xff ? 1 : 2;
  }
}

/**
 * The RIFF header states the size of everything after it: a shorter file was cut off. An animated
 * WebP must start with the extended header (VP8X) and set its animation flag.
 */
function webpProblem(bytes: Buffer): string | null {
  const declared = bytes.readUInt32LE(4) + 8;
  if (bytes.length < declared) return 'truncated';
  const first = bytes.toString('latin1', 12, 16);
  if (first === 'VP8X' && bytes.length > 20 && (bytes[20]! & 0x02) !== 0) return 'animated';
  return null;
}
