import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImageData } from '../../src/core/images/image.ts';
import { inspectImage } from '../../src/core/images/inspect.ts';
import { fitWithin } from '../../src/core/images/reencode.ts';
import { pngImage } from '../helpers/png.ts';

/** Random pixels: they compress badly in any format, so only smaller dimensions make them fit. */
async function noisyPng(width: number, height: number): Promise<ImageData> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .png()
    .toBuffer();
  return { bytes, mime: 'image/png', width, height };
}

describe('fitWithin', () => {
  it('returns the image itself when it already fits', async () => {
    const image = pngImage(32, 32, 1);
    expect(await fitWithin(image, image.bytes.length)).toBe(image);
  });

  it('re-encodes an oversized PNG as a JPEG of the same size when a lower quality is enough', async () => {
    const image = await noisyPng(256, 128);
    const limit = Math.floor(image.bytes.length * 0.6);
    const fitted = await fitWithin(image, limit);
    expect(fitted).not.toBeNull();
    expect(fitted!.bytes.length).toBeLessThanOrEqual(limit);
    expect(inspectImage(fitted!.bytes)).toMatchObject({ mime: 'image/jpeg', width: 256, height: 128 });
    expect(fitted).toMatchObject({ mime: 'image/jpeg', width: 256, height: 128 });
  });

  it('shrinks the dimensions, keeping the shape, when no quality is enough', async () => {
    const image = await noisyPng(400, 200);
    const limit = 8 * 1024;
    const fitted = await fitWithin(image, limit);
    expect(fitted).not.toBeNull();
    expect(fitted!.bytes.length).toBeLessThanOrEqual(limit);
    const seen = inspectImage(fitted!.bytes);
    expect(seen).toMatchObject({ mime: 'image/jpeg', width: fitted!.width, height: fitted!.height });
    expect(seen.width).toBeLessThan(400);
    expect(seen.width / seen.height).toBeCloseTo(2, 1);
  });

  it('turns transparency white, since JPEG has none', async () => {
    const bytes = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const fitted = await fitWithin({ bytes, mime: 'image/png', width: 64, height: 64 }, bytes.length - 1);
    expect(fitted?.mime).toBe('image/jpeg');
    const { data } = await sharp(fitted!.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(240);
  });

  it('gives up with null when even a tiny image does not fit', async () => {
    const image = await noisyPng(200, 200);
    expect(await fitWithin(image, 200)).toBeNull();
  });

  it('refuses bytes it cannot decode with IMAGE_UNSUPPORTED', async () => {
    const broken: ImageData = { bytes: Buffer.from('not really a png at all, just text'), mime: 'image/png', width: 10, height: 10 };
    await expect(fitWithin(broken, 10)).rejects.toMatchObject({ code: 'IMAGE_UNSUPPORTED' });
  });
});
