import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBytes } from '../../src/core/images/download.ts';

let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  servers = [];
});

/** A loopback server whose handler is the test's; returns its origin. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const SECRET_PATH = '/file/bot123456:SECRET-token/photos/file_1.jpg';
const opts = { maxBytes: 1000, timeoutMs: 2000 };

describe('downloadBytes', () => {
  it('returns the bytes and follows a same-host redirect', async () => {
    const origin = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
      else res.end(Buffer.from('image-bytes'));
    });
    expect((await downloadBytes(`${origin}/old`, opts)).toString()).toBe('image-bytes');
  });

  it('refuses a redirect to another host', async () => {
    const other = await serve((_req, res) => res.end('should not be fetched'));
    const origin = await serve((_req, res) => res.writeHead(302, { location: `${other.replace('127.0.0.1', 'localhost')}/x` }).end());
    await expect(downloadBytes(`${origin}/a`, opts)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    const origin = await serve((_req, res) => res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000)));
    await expect(downloadBytes(`${origin}/big`, opts)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
  });

  it('stops reading a chunked body once it passes the cap', async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 20; i++) res.write(Buffer.alloc(100));
      res.end();
    });
    await expect(downloadBytes(`${origin}/chunked`, opts)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
  });

  it('gives up after the timeout, and never puts the URL (which may hold a token) in the error', async () => {
    const origin = await serve(() => undefined); // never answers
    const error = await downloadBytes(`${origin}${SECRET_PATH}`, { maxBytes: 1000, timeoutMs: 100 }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(`${(error as Error).message} ${(error as Error).stack}`).not.toContain('SECRET-token');
  });

  it('reports an HTTP error status without the URL', async () => {
    const origin = await serve((_req, res) => res.writeHead(404).end());
    const error = await downloadBytes(`${origin}${SECRET_PATH}`, opts).catch((e: Error) => e);
    expect((error as Error).message).toBe('download answered HTTP 404');
  });

  it('refuses URLs that are not http(s)', async () => {
    await expect(downloadBytes('file:///etc/passwd', opts)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
  });
});
