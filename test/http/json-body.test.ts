import { describe, expect, it } from 'vitest';
import { Base64Text, encodeJson } from '../../src/core/http/json-body.ts';

describe('encodeJson', () => {
  it('writes what JSON.stringify writes, Base64Text as its base64 string, across piece boundaries', () => {
    // Lengths around the 192 KiB piece size, so padding may fall anywhere.
    for (const length of [0, 1, 2, 3, 196_607, 196_608, 196_609, 600_001]) {
      const bytes = Buffer.alloc(length, 0).map((_, i) => (i * 31 + 7) & 0xff);
      const value = {
        prompt: 'a "quoted" prompt — with ünïcode\n',
        num_images: 2,
        skipped: undefined,
        flag: false,
        none: null,
        image_urls: [new Base64Text(Buffer.from(bytes), 'data:image/png;base64,'), undefined, 'plain'],
        nested: { data: new Base64Text(Buffer.from(bytes)), when: new Date(0) },
      };
      const expected = JSON.stringify(value);
      expect(encodeJson(value).toString('utf8')).toBe(expected);
      expect(JSON.parse(expected).image_urls[0]).toBe(`data:image/png;base64,${Buffer.from(bytes).toString('base64')}`);
    }
  });

  it('encodes plain values as JSON.stringify does', () => {
    for (const value of ['x', 1.5, true, null, [], {}, [1, [2, { a: 'b' }]]]) expect(encodeJson(value).toString('utf8')).toBe(JSON.stringify(value));
  });
});
