/**
 * Bytes that go into a JSON body as one base64 string (with an optional prefix such as
 * `data:image/png;base64,`). Encoded straight into the body's buffer by `encodeJson`, in small
 * pieces: a 2 MB photo never becomes a 2.7 MB JavaScript string, then a JSON string twice that, on
 * the V8 heap, which grows to hold them and gives the memory back slowly. JSON.stringify (a log
 * line, a test) still sees the full string through toJSON.
 */
export class Base64Text {
  readonly bytes: Buffer;
  readonly prefix: string;

  constructor(bytes: Buffer, prefix = '') {
    this.bytes = bytes;
    this.prefix = prefix;
  }

  toJSON(): string {
    return `${this.prefix}${this.bytes.toString('base64')}`;
  }
}

/** Raw bytes per piece: a multiple of 3, so the pieces' base64 joins without padding in between. */
const PIECE = 3 * 64 * 1024;

/** Base64 length of `n` bytes. */
const base64Length = (n: number): number => 4 * Math.ceil(n / 3);

/**
 * `JSON.stringify(value)` as UTF-8 bytes, with every Base64Text written piece by piece straight into
 * the one buffer of the body (its length is known beforehand), so no copy of the bytes is made on
 * the way besides the body itself.
 */
export function encodeJson(value: unknown): Buffer {
  const pieces: Array<string | Base64Text> = [];
  collect(value, pieces);
  let length = 0;
  for (const piece of pieces) length += typeof piece === 'string' ? Buffer.byteLength(piece) : base64Length(piece.bytes.length);
  const body = Buffer.allocUnsafe(length);
  let at = 0;
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      at += body.write(piece, at, 'utf8');
      continue;
    }
    for (let from = 0; from < piece.bytes.length; from += PIECE) {
      at += body.write(piece.bytes.subarray(from, from + PIECE).toString('base64'), at, 'latin1');
    }
  }
  return body;
}

/** The body as JSON text pieces, Base64Text left whole (its prefix and quotes are text pieces). */
function collect(value: unknown, pieces: Array<string | Base64Text>): void {
  if (value instanceof Base64Text) {
    // The prefix is JSON-escaped like any string; base64 needs no escaping.
    pieces.push(JSON.stringify(value.prefix).slice(0, -1), value, '"');
    return;
  }
  if (Array.isArray(value)) {
    pieces.push('[');
    value.forEach((item, i) => {
      if (i > 0) pieces.push(',');
      // As JSON.stringify: what has no JSON form is null inside an array.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') pieces.push('null');
      else collect(item, pieces);
    });
    pieces.push(']');
    return;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    pieces.push('{');
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      // As JSON.stringify: such properties are left out of an object.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      pieces.push(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      collect(item, pieces);
    }
    pieces.push('}');
    return;
  }
  // Strings, numbers, booleans, null, and objects of other kinds (dates, toJSON): JSON.stringify's own.
  pieces.push(JSON.stringify(value) ?? 'null');
}
