import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, MAX_CALLBACK_BYTES, type RunningHttpServer } from '../../src/core/http/server.ts';
import { CallbackRegistry } from '../../src/core/jobs/callbacks.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Provider } from '../../src/core/providers/provider.ts';

/**
 * Every body-taking route has a cap, and a body over it is refused with 413 without being read
 * whole: the answer comes while the client is still sending, and the connection closes. Routes that
 * take no body answer without reading one either.
 */

let server: RunningHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const acceptingProvider = { name: 'any', verifyCallback: async () => ({ ok: true, requestId: 'r' }) } as unknown as Provider;

interface RawAnswer {
  /** The status line, or `no answer` when none came while the client was still sending. */
  readonly status: string;
  readonly closedByServer: boolean;
}

/**
 * Sends `head` and then `parts` of a body that is never finished, and reports the answer the
 * server gives meanwhile. A server that waits for the whole body gives none: after `patienceMs`
 * the client gives up and that is the result.
 */
function sendUnfinished(port: number, head: string, parts: readonly Buffer[], patienceMs = 3000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let data = '';
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: data.split('\r\n')[0] || 'no answer', closedByServer });
    };
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      for (const part of parts) socket.write(part);
    });
    socket.on('data', (chunk) => void (data += chunk.toString('latin1')));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    const timer = setTimeout(() => finish(false), patienceMs);
  });
}

const chunk = (bytes: number) => Buffer.concat([Buffer.from(`${bytes.toString(16)}\r\n`), Buffer.alloc(bytes, 0x61), Buffer.from('\r\n')]);

describe('HTTP body limits', () => {
  it('refuses a callback that declares more than its cap with 413, before reading the body', async () => {
    const callbacks = new CallbackRegistry('https://bot.example.com');
    server = await startHttpServer({ port: 0, host: '127.0.0.1', callbacks, logger: silentLogger });
    const path = new URL(callbacks.open(acceptingProvider).push.callbackUrl).pathname;
    const answer = await sendUnfinished(server.port, `POST ${path} HTTP/1.1\r\nHost: bot\r\nContent-Length: 100000000\r\n\r\n`, [Buffer.alloc(1000)]);
    expect(answer).toEqual({ status: 'HTTP/1.1 413 Payload Too Large', closedByServer: true });
  });

  it('stops reading a chunked callback once it passes the cap, and answers 413 while the client still sends', async () => {
    const callbacks = new CallbackRegistry('https://bot.example.com');
    server = await startHttpServer({ port: 0, host: '127.0.0.1', callbacks, logger: silentLogger });
    const path = new URL(callbacks.open(acceptingProvider).push.callbackUrl).pathname;
    const parts = [chunk(MAX_CALLBACK_BYTES), chunk(1024)];
    const answer = await sendUnfinished(server.port, `POST ${path} HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n`, parts);
    expect(answer).toEqual({ status: 'HTTP/1.1 413 Payload Too Large', closedByServer: true });
    // Just under the cap is still a callback.
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', body: Buffer.alloc(MAX_CALLBACK_BYTES, 0x61) });
    expect(res.status).toBe(200);
  });

  it('applies an added route\'s own cap the same way, and never calls its handler', async () => {
    server = await startHttpServer({ port: 0, host: '127.0.0.1', logger: silentLogger });
    let calls = 0;
    server.addRoute('/hook', async () => ({ status: 200, body: { n: ++calls } }), { maxBodyBytes: 64 });
    const declared = await sendUnfinished(server.port, 'POST /hook HTTP/1.1\r\nHost: bot\r\nContent-Length: 65\r\n\r\n', [Buffer.alloc(10)]);
    expect(declared.status).toBe('HTTP/1.1 413 Payload Too Large');
    const chunked = await sendUnfinished(server.port, 'POST /hook HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n', [chunk(40), chunk(40)]);
    expect(chunked.status).toBe('HTTP/1.1 413 Payload Too Large');
    expect(calls).toBe(0);
    // A client that sends the whole oversized body still reads the 413.
    expect((await fetch(`http://127.0.0.1:${server.port}/hook`, { method: 'POST', body: Buffer.alloc(4 * 1024 * 1024) })).status).toBe(413);
    expect((await fetch(`http://127.0.0.1:${server.port}/hook`, { method: 'POST', body: 'small' })).status).toBe(200);
    expect(calls).toBe(1);
  });

  it('answers routes that take no body without reading one, closing the connection', async () => {
    server = await startHttpServer({ port: 0, host: '127.0.0.1', logger: silentLogger });
    for (const [method, path, status] of [
      ['GET', '/healthz', 'HTTP/1.1 200 OK'],
      ['POST', '/nothing-here', 'HTTP/1.1 404 Not Found'],
      ['POST', '/callbacks/unknown', 'HTTP/1.1 404 Not Found'],
    ] as const) {
      const answer = await sendUnfinished(server.port, `${method} ${path} HTTP/1.1\r\nHost: bot\r\nContent-Length: 100000000\r\n\r\n`, [Buffer.alloc(1000)]);
      expect(answer, path).toEqual({ status, closedByServer: true });
    }
    // Without a body the connection stays open for the next request, as usual.
    const plain = await sendUnfinished(server.port, 'GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n', [], 300);
    expect(plain).toEqual({ status: 'HTTP/1.1 200 OK', closedByServer: false });
  });
});
