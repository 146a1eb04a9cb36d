import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Reads a request body of at most `max` bytes. Resolves null as soon as the body is known to be
 * larger — from Content-Length before reading anything, or once the chunks read pass `max` — and
 * stops reading there: the rest is never read. The caller then answers with `refuseTooLarge`.
 */
export function readBodyWithin(req: IncomingMessage, max: number): Promise<Buffer | null> {
  if (declaredLength(req) > max) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= max) return void chunks.push(chunk);
      done();
      req.pause();
      resolve(null);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    // The client went away before the end: nothing to answer.
    const onClose = () => {
      done();
      reject(new Error('the request was aborted'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** 413, and the connection closes after it: the unread rest of the body is dropped, not drained. */
export function refuseTooLarge(res: ServerResponse): void {
  const text = JSON.stringify({ error: 'body too large' });
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
}

/**
 * Whether a request carries a body. A route that takes none answers with the connection closing, so
 * that Node does not read (and throw away) a body of any size to keep the connection open.
 */
export function hasBody(req: IncomingMessage): boolean {
  return declaredLength(req) > 0 || req.headers['transfer-encoding'] !== undefined;
}

function declaredLength(req: IncomingMessage): number {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) ? declared : 0;
}
