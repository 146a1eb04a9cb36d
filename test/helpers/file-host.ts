import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback static host for tests of URL-taking providers: `put(bytes)` returns a URL that serves
 * exactly those bytes, as the bot's own input host or a platform CDN would.
 */
export interface FileHost {
  put(bytes: Buffer, contentType?: string): string;
  /** Paths fetched so far. */
  readonly fetched: readonly string[];
  close(): Promise<void>;
}

export async function startFileHost(): Promise<FileHost> {
  const files = new Map<string, { bytes: Buffer; contentType: string }>();
  const fetched: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    fetched.push(path);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length }).end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    put(bytes, contentType = 'image/png') {
      const path = `/files/${randomBytes(12).toString('hex')}.png`;
      files.set(path, { bytes, contentType });
      return `${base}${path}`;
    },
    fetched,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
