import { describe, expect, it } from 'vitest';
import { inspectImage } from '../../src/core/images/inspect.ts';
import { makePng, pngChunk } from '../helpers/png.ts';
import {
  animatedGif, animatedPng, animatedWebp, jpeg, pngBomb, TEXT_AS_PNG, truncatedJpeg, truncatedPng, truncatedWebp, webp,
} from './files.ts';

/**
 * inspectImage on the bad files of the bad-input table: the checks every input (and every provider
 * result) goes through before it costs anything. None of them decodes pixels.
 */

const refusedAs = (code: string, message?: RegExp) => expect.objectContaining({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });

describe('inspectImage on bad input', () => {
  it('accepts whole still images from real encoders: PNG, baseline and progressive JPEG, WebP', async () => {
    expect(inspectImage(makePng(64, 48))).toMatchObject({ mime: 'image/png', width: 64, height: 48 });
    expect(inspectImage(await jpeg())).toMatchObject({ mime: 'image/jpeg', width: 96, height: 64 });
    expect(inspectImage(await jpeg({ progressive: true }))).toMatchObject({ mime: 'image/jpeg', width: 96, height: 64 });
    expect(inspectImage(await webp())).toMatchObject({ mime: 'image/webp', width: 40, height: 30 });
  });

  it('accepts bytes after the end of a JPEG or PNG (some apps append data)', async () => {
    const tail = Buffer.from('trailing bytes some phone added');
    expect(inspectImage(Buffer.concat([await jpeg(), tail])).mime).toBe('image/jpeg');
    expect(inspectImage(Buffer.concat([makePng(8, 8), tail])).mime).toBe('image/png');
  });

  it('refuses a text file, whatever it is called', () => {
    expect(() => inspectImage(TEXT_AS_PNG)).toThrow(refusedAs('IMAGE_UNSUPPORTED'));
  });

  it('refuses truncated PNG, JPEG and WebP files whose headers are intact', async () => {
    const [cutJpeg, cutWebp] = [await truncatedJpeg(), await truncatedWebp()];
    expect(() => inspectImage(truncatedPng())).toThrow(refusedAs('IMAGE_UNSUPPORTED', /truncated/));
    expect(() => inspectImage(cutJpeg)).toThrow(refusedAs('IMAGE_UNSUPPORTED', /truncated/));
    expect(() => inspectImage(cutWebp)).toThrow(refusedAs('IMAGE_UNSUPPORTED', /truncated/));
    // Cut right after the header: nothing but dimensions.
    expect(() => inspectImage(makePng(8, 8).subarray(0, 33))).toThrow(refusedAs('IMAGE_UNSUPPORTED'));
  });

  it('walks JPEG segments by their lengths, so an end marker inside EXIF data does not hide a cut-off scan', async () => {
    const whole = await jpeg();
    const exif = Buffer.from([0xff, 0xe1, 0x00, 0x08, 0x45, 0x78, 0xff, 0xd9, 0x00, 0x00]);
    const withExif = Buffer.concat([whole.subarray(0, 2), exif, whole.subarray(2)]);
    expect(inspectImage(withExif).mime).toBe('image/jpeg');
    expect(() => inspectImage(withExif.subarray(0, withExif.length - 200))).toThrow(refusedAs('IMAGE_UNSUPPORTED', /truncated/));
  });

  it('refuses animated images: GIF (not taken to its first frame), animated WebP and APNG', async () => {
    expect(() => inspectImage(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toThrow(refusedAs('IMAGE_UNSUPPORTED', /GIF/));
    const [gif, animated] = [await animatedGif(), await animatedWebp()];
    expect(() => inspectImage(gif)).toThrow(refusedAs('IMAGE_UNSUPPORTED', /GIF/));
    expect(() => inspectImage(animated)).toThrow(refusedAs('IMAGE_UNSUPPORTED', /animated/));
    expect(() => inspectImage(animatedPng())).toThrow(refusedAs('IMAGE_UNSUPPORTED', /animated/));
  });

  it('refuses a PNG declaring 30000×30000 pixels in a tiny file from its header', () => {
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(200);
    expect(() => inspectImage(bomb)).toThrow(refusedAs('IMAGE_TOO_LARGE', /30000x30000/));
  });

  it('refuses a PNG without image data', () => {
    const ihdr = makePng(8, 8).subarray(8, 8 + 25);
    const empty = Buffer.concat([makePng(8, 8).subarray(0, 8), ihdr, pngChunk('IEND', Buffer.alloc(0))]);
    expect(() => inspectImage(empty)).toThrow(refusedAs('IMAGE_UNSUPPORTED', /without image data/));
  });
});
