import type { ImageData } from '../../src/core/images/image.ts';
import { deflateSync } from 'node:zlib';

/**
 * A real, valid PNG of the given size whose pixels depend on `seed`, so tests can tell images apart
 * by their bytes. Truecolour, 8 bits, no filter.
 */
export function makePng(width: number, height: number, seed = 1): Buffer {
  return encodePng(width, height, (x, y) => (x * 7 + y * 13 + seed * 31) & 0xff);
}

/**
 * A PNG of pseudo-random pixels, which deflate cannot shrink: about width × height × 3 bytes, for
 * sizing files (the bench's 2 MB photos). The same seed gives the same bytes.
 */
export function makeNoisePng(width: number, height: number, seed = 1): Buffer {
  let state = (seed * 2654435761) >>> 0 || 1;
  return encodePng(width, height, () => {
    // xorshift32: fast, and random enough to defeat deflate.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) & 0xff;
  });
}

/** Truecolour, 8 bits, no filter; `sample(x, y)` gives byte x of row y (three per pixel). */
function encodePng(width: number, height: number, sample: (x: number, y: number) => number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width * 3; x++) raw[row + 1 + x] = sample(x, y);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One PNG chunk (length, type, data, CRC), for building valid and deliberately broken files. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** `makePng` as the checked `ImageData` the core passes around. */
export function pngImage(width: number, height: number, seed = 1): ImageData {
  return { bytes: makePng(width, height, seed), mime: 'image/png', width, height };
}
