import { describe, expect, it } from 'vitest';
import { inspectImage, sniffMime } from '../../src/core/images/inspect.ts';
import { makePng } from '../helpers/png.ts';

/** A minimal baseline JPEG header: SOI, a JFIF APP0 segment, then a SOF0 segment declaring the size. */
function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

/** A minimal lossless WebP header (VP8L) declaring the size. */
function webpHeader(width: number, height: number): Buffer {
  const bits = (width - 1) | ((height - 1) << 14);
  const vp8l = Buffer.from([0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >> 24) & 0xff, 0, 0, 0]);
  const chunk = Buffer.concat([Buffer.from('VP8L'), Buffer.from([vp8l.length, 0, 0, 0]), vp8l]);
  return Buffer.concat([Buffer.from('RIFF'), Buffer.from([(chunk.length + 4) & 0xff, 0, 0, 0]), Buffer.from('WEBP'), chunk]);
}

describe('inspectImage', () => {
  it('reads type and size of PNG, JPEG and WebP from their headers', () => {
    expect(inspectImage(makePng(3, 2))).toMatchObject({ mime: 'image/png', width: 3, height: 2 });
    expect(inspectImage(jpegHeader(640, 480))).toMatchObject({ mime: 'image/jpeg', width: 640, height: 480 });
    expect(inspectImage(webpHeader(100, 50))).toMatchObject({ mime: 'image/webp', width: 100, height: 50 });
  });

  it('refuses bytes that are not an image, whatever the file is called', () => {
    expect(() => inspectImage(Buffer.from('hello, this is text'))).toThrow(expect.objectContaining({ code: 'IMAGE_UNSUPPORTED' }));
    expect(() => inspectImage(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toThrow(expect.objectContaining({ code: 'IMAGE_UNSUPPORTED' }));
    expect(sniffMime(Buffer.alloc(0))).toBeNull();
  });

  it('refuses a huge pixel count from the header alone (image bomb) and files over the byte cap', () => {
    expect(() => inspectImage(jpegHeader(60000, 60000))).toThrow(expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }));
    expect(() => inspectImage(makePng(10, 10), { maxBytes: 10, maxPixels: 1e6 })).toThrow(expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }));
  });
});
