import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { makePng, pngChunk } from '../helpers/png.ts';

/**
 * The bad files of the bad-input tables, made from real encoders (sharp) where one exists, by hand
 * where the point is a file no encoder would write (a bomb header, a cut-off upload).
 */

/** A plain text file; the tests give it a `.png` name and an image content type. */
export const TEXT_AS_PNG = Buffer.from('These are my holiday notes, not a picture.\n'.repeat(8));

/** A valid PNG cut off before its end (an interrupted upload): the header still reads perfectly. */
export function truncatedPng(): Buffer {
  const whole = makePng(64, 48, 3);
  return whole.subarray(0, whole.length - 40);
}

export async function jpeg(options: { progressive?: boolean } = {}): Promise<Buffer> {
  return sharp(makePng(96, 64, 5)).jpeg({ quality: 80, progressive: options.progressive ?? false }).toBuffer();
}

/** A JPEG cut off in the middle of its compressed data. */
export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await jpeg();
  return whole.subarray(0, Math.floor(whole.length * 0.7));
}

export async function webp(): Promise<Buffer> {
  return sharp(makePng(40, 30, 6)).webp().toBuffer();
}

export async function truncatedWebp(): Promise<Buffer> {
  const whole = await webp();
  return whole.subarray(0, whole.length - 10);
}

async function frames(): Promise<Buffer[]> {
  return [makePng(16, 16, 1), makePng(16, 16, 2)];
}

/** A two-frame animated GIF, as a GIF-making app would send it. */
export async function animatedGif(): Promise<Buffer> {
  return sharp(await frames(), { join: { animated: true } }).gif().toBuffer();
}

export async function animatedWebp(): Promise<Buffer> {
  return sharp(await frames(), { join: { animated: true } }).webp().toBuffer();
}

/** An animated PNG: an ordinary PNG with an acTL chunk after IHDR (what APNG viewers look for). */
export function animatedPng(): Buffer {
  const still = makePng(16, 16, 4);
  const ihdrEnd = 8 + 12 + 13;
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(2, 0); // frames
  actl.writeUInt32BE(0, 4); // plays: forever
  return Buffer.concat([still.subarray(0, ihdrEnd), pngChunk('acTL', actl), still.subarray(ihdrEnd)]);
}

/**
 * A PNG whose header declares 30000 × 30000 pixels (900 megapixels, about 2.7 GB decoded) in a file of
 * a few dozen bytes: refused from the header, before anything would decode it.
 */
export function pngBomb(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30_000, 0);
  ihdr.writeUInt32BE(30_000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
