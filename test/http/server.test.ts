import { afterEach, describe, expect, it } from 'vitest';
import { InputHost } from '../../src/core/http/input-host.ts';
import { startHttpServer, type RunningHttpServer } from '../../src/core/http/server.ts';
import { CallbackRegistry } from '../../src/core/jobs/callbacks.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Provider } from '../../src/core/providers/provider.ts';
import { pngImage } from '../helpers/png.ts';

let server: RunningHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A provider whose callbacks name the request id given in the body, and refuse anything else. */
const echoProvider = {
  name: 'echo',
  async verifyCallback(request) {
    const body = request.body.toString();
    return body.startsWith('id=') ? { ok: true, requestId: body.slice(3) } : { ok: false, reason: 'bad body' };
  },
} as Provider;

describe('HTTP server', () => {
  it('answers /healthz, serves hosted inputs until they are withdrawn, and 404s the rest', async () => {
    let now = 0;
    const inputs = new InputHost('https://bot.example.com/', { maxAgeMs: 1000, now: () => now });
    server = await startHttpServer({ port: 0, host: '127.0.0.1', inputs, logger: silentLogger });
    const base = `http://127.0.0.1:${server.port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });

    const image = pngImage(8, 8, 4);
    const published = inputs.publish([image]);
    expect(published.urls[0]).toMatch(/^https:\/\/bot\.example\.com\/inputs\/[\w-]{32}\.png$/);
    const path = new URL(published.urls[0]!).pathname;
    const res = await fetch(`${base}${path}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(image.bytes)).toBe(true);

    published.release();
    expect((await fetch(`${base}${path}`)).status).toBe(404);
    const again = inputs.publish([image]);
    now = 1000; // expired even if never released
    expect((await fetch(`${base}${new URL(again.urls[0]!).pathname}`)).status).toBe(404);
    expect((await fetch(`${base}/inputs/guess.png`)).status).toBe(404);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });

  it('routes a callback to its job by token and wakes the right request, even before it waits', async () => {
    const callbacks = new CallbackRegistry('https://bot.example.com');
    server = await startHttpServer({ port: 0, host: '127.0.0.1', callbacks, logger: silentLogger });
    const route = callbacks.open(echoProvider);
    const url = `http://127.0.0.1:${server.port}${new URL(route.push.callbackUrl).pathname}`;
    expect(route.push.callbackUrl.startsWith('https://bot.example.com/callbacks/')).toBe(true);

    expect((await fetch(url, { method: 'POST', body: 'id=req-1' })).status).toBe(200);
    const signal = AbortSignal.timeout(2000);
    expect(await route.wakeupFor('req-1').sleep(60_000, signal)).toBe(true); // kept from before
    expect(await route.wakeupFor('req-2').sleep(10, signal)).toBe(false);

    expect((await fetch(url, { method: 'POST', body: 'forged' })).status).toBe(401);
    expect((await fetch(url, { method: 'GET' })).status).toBe(405);
    expect((await fetch(url, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024) })).status).toBe(413);
    route.close();
    expect((await fetch(url, { method: 'POST', body: 'id=req-1' })).status).toBe(404);
  });

  it('serves a route an adapter adds: exact path, whole body within its cap, until it is removed', async () => {
    server = await startHttpServer({ port: 0, host: '127.0.0.1', logger: silentLogger });
    const base = `http://127.0.0.1:${server.port}`;
    const seen: Array<{ method: string; path: string; header: string | undefined; body: string }> = [];
    const remove = server.addRoute(
      '/hooks/chat',
      async (request) => {
        seen.push({ method: request.method, path: request.path, header: request.headers['x-hook-token'], body: request.body.toString() });
        return { status: 202, body: { took: request.body.length } };
      },
      { maxBodyBytes: 16 },
    );

    const res = await fetch(`${base}/hooks/chat?x=1`, { method: 'POST', headers: { 'X-Hook-Token': 't1' }, body: 'hello' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ took: 5 });
    expect(seen).toEqual([{ method: 'POST', path: '/hooks/chat', header: 't1', body: 'hello' }]);

    expect((await fetch(`${base}/hooks/chat`, { method: 'POST', body: 'x'.repeat(17) })).status).toBe(413);
    expect((await fetch(`${base}/hooks/chat/more`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await fetch(`${base}/hooks`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect(seen).toHaveLength(1);

    expect(() => server!.addRoute('/hooks/chat', async () => ({ status: 200 }))).toThrow(/already served/);
    expect(() => server!.addRoute('/healthz', async () => ({ status: 200 }))).toThrow(/already served/);
    expect(() => server!.addRoute('/callbacks/x', async () => ({ status: 200 }))).toThrow(/already served/);
    expect(() => server!.addRoute('hooks', async () => ({ status: 200 }))).toThrow(/starting with \//);

    remove();
    expect((await fetch(`${base}/hooks/chat`, { method: 'POST', body: 'hello' })).status).toBe(404);
    expect(seen).toHaveLength(1);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
