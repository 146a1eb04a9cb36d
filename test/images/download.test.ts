import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy } from '../../src/core/http/download-policy.ts';
import { downloadBytes } from '../../src/core/images/download.ts';

let servers: Server[] = [];
/** Paths each test server was asked for, by origin. */
let fetched: Map<string, string[]> = new Map();
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  servers = [];
  fetched = new Map();
});

/** A loopback server whose handler is the test's; returns its origin. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    handler?.(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fetched.set(origin, seen);
  return origin;
}

/** Loopback servers are private addresses: these tests configure 127.0.0.1 as the operator would a local server. */
const LOOPBACK: DownloadPolicy = { publicHosts: [], configuredHosts: ['127.0.0.1'] };

const SECRET_PATH = '/file/bot123456:SECRET-token/photos/file_1.jpg';
const opts = { maxBytes: 1000, timeoutMs: 2000, policy: LOOPBACK };

describe('downloadBytes', () => {
  it('returns the bytes and follows a same-host redirect', async () => {
    const origin = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
      else res.end(Buffer.from('image-bytes'));
    });
    expect((await downloadBytes(`${origin}/old`, opts)).toString()).toBe('image-bytes');
  });

  it('refuses a redirect to a host the policy does not allow, without fetching it', async () => {
    const other = await serve((_req, res) => res.end('should not be fetched'));
    const origin = await serve((_req, res) => res.writeHead(302, { location: `${other.replace('127.0.0.1', 'localhost')}/x` }).end());
    const error = await downloadBytes(`${origin}/a`, opts).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/localhost is not an allowed download host/) });
    expect(fetched.get(other)).toEqual([]);
  });

  it('judges every hop: follows a redirect to another allowed host, without the first host\'s headers', async () => {
    let headerSeen: string | undefined = 'unset';
    const other = await serve((req, res) => {
      headerSeen = req.headers.authorization;
      res.end('moved-bytes');
    });
    const origin = await serve((_req, res) => res.writeHead(307, { location: `${other}/there` }).end());
    const bytes = await downloadBytes(`${origin}/here`, { ...opts, headers: { authorization: 'Bearer only-for-the-first-host' } });
    expect(bytes.toString()).toBe('moved-bytes');
    expect(headerSeen).toBeUndefined();

    // The same two servers, but only the first one's host and port configured: the second hop is refused.
    const onlyFirst: DownloadPolicy = { publicHosts: [], configuredHosts: [new URL(origin).host] };
    await expect(downloadBytes(`${origin}/here`, { ...opts, policy: onlyFirst })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(fetched.get(other)).toEqual(['/there']);
  });

  it('stops after maxRedirects hops', async () => {
    const origin = await serve((req, res) => res.writeHead(302, { location: `${req.url}x` }).end());
    await expect(downloadBytes(`${origin}/a`, { ...opts, maxRedirects: 2 })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/redirect/) });
    expect(fetched.get(origin)).toEqual(['/a', '/ax', '/axx']);
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
    const error = await downloadBytes(`${origin}${SECRET_PATH}`, { maxBytes: 1000, timeoutMs: 100, policy: LOOPBACK }).catch((e: Error) => e);
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

describe('downloadBytes without a configured host: public addresses only', () => {
  it('refuses loopback and private addresses written in the URL, before connecting', async () => {
    const origin = await serve((_req, res) => res.end('secret-internal-bytes'));
    const port = new URL(origin).port;
    for (const url of [`${origin}/x`, `http://[::1]:${port}/x`, `http://0x7f.1:${port}/x`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/x', `http://[::ffff:127.0.0.1]:${port}/x`]) {
      const error = await downloadBytes(url, { maxBytes: 1000, timeoutMs: 2000, policy: DEFAULT_DOWNLOAD_POLICY }).catch((e: Error) => e);
      expect(error, url).toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/^download refused: .* is a private or loopback address$/) });
    }
    expect(fetched.get(origin)).toEqual([]);
  });

  it('refuses a host name that resolves to loopback when it connects, even a host the policy lists', async () => {
    const origin = await serve((_req, res) => res.end('secret-internal-bytes'));
    const byName = origin.replace('127.0.0.1', 'localhost');
    // `localhost` passes the host check as a listed public host; its addresses are judged as the socket connects.
    for (const policy of [DEFAULT_DOWNLOAD_POLICY, { publicHosts: ['localhost'], configuredHosts: [] }]) {
      const error = await downloadBytes(`${byName}${SECRET_PATH}`, { maxBytes: 1000, timeoutMs: 2000, policy }).catch((e: Error) => e);
      expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', message: 'download refused: localhost resolves to a private or loopback address' });
      expect(`${(error as Error).message} ${(error as Error).stack}`).not.toContain('SECRET-token');
    }
    expect(fetched.get(origin)).toEqual([]);
  });

  it('reaches the same loopback server once the operator configured its host (any port) or its host and port', async () => {
    const origin = await serve((_req, res) => res.end('local-bytes'));
    const byName = origin.replace('127.0.0.1', 'localhost');
    for (const configured of ['localhost', new URL(byName).host, 'LOCALHOST.']) {
      const policy = { publicHosts: [], configuredHosts: [configured] };
      expect((await downloadBytes(`${byName}/ok`, { maxBytes: 1000, timeoutMs: 2000, policy })).toString(), configured).toBe('local-bytes');
    }
    const otherPort = { publicHosts: [], configuredHosts: ['localhost:1'] };
    await expect(downloadBytes(`${byName}/ok`, { maxBytes: 1000, timeoutMs: 2000, policy: otherPort })).rejects.toMatchObject({
      message: expect.stringMatching(/localhost is not an allowed download host/),
    });
  });
});

describe('downloadBytes given no policy', () => {
  it('still refuses private, link-local and metadata addresses', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/x', 'http://192.168.1.1/x', 'http://[fd00::1]/x']) {
      const error = await downloadBytes(url, { maxBytes: 1000, timeoutMs: 2000 }).catch((e: Error) => e);
      expect(error, url).toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/private or loopback address$/) });
    }
  });
});
