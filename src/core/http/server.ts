import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALLBACK_PATH, type CallbackRegistry } from '../jobs/callbacks.ts';
import type { Logger } from '../log.ts';
import { INPUT_PATH, type InputHost } from './input-host.ts';

export interface HttpServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default: all interfaces (a reverse proxy or the provider must reach it). */
  readonly host?: string;
  readonly callbacks?: CallbackRegistry | undefined;
  readonly inputs?: InputHost | undefined;
  readonly logger: Logger;
}

export interface RunningHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Callback bodies are small JSON documents; anything bigger is not one. */
const MAX_CALLBACK_BYTES = 1024 * 1024;

/**
 * The bot's HTTP server: `/healthz`, provider callbacks (`/callbacks/<token>`) and hosted input
 * images (`/inputs/<name>`). Nothing here needs a framework: three routes on node:http.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const log = options.logger.child({ component: 'http' });
  const server = createServer((req, res) => {
    route(req, res, options).catch((error: unknown) => {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'http request failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://bot').pathname;
  if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    return json(res, 200, { status: 'ok' });
  }
  if (path.startsWith(CALLBACK_PATH) && options.callbacks) {
    if (req.method !== 'POST') return json(res, 405, { error: 'POST only' });
    const body = await readBody(req, MAX_CALLBACK_BYTES);
    if (!body) return json(res, 413, { error: 'body too large' });
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value[0] : value;
    const answer = await options.callbacks.receive(path.slice(CALLBACK_PATH.length), { headers, body });
    if (answer.status !== 200) {
      options.logger.warn({ component: 'http', status: answer.status, reason: answer.reason }, 'callback refused');
    }
    return json(res, answer.status, answer.status === 200 ? { ok: true } : { error: 'refused' });
  }
  if (path.startsWith(INPUT_PATH) && options.inputs && (req.method === 'GET' || req.method === 'HEAD')) {
    const image = options.inputs.lookup(path.slice(INPUT_PATH.length));
    if (!image) return json(res, 404, { error: 'not found' });
    res.writeHead(200, { 'content-type': image.mime, 'content-length': image.bytes.length, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : image.bytes);
    return;
  }
  return json(res, 404, { error: 'not found' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** The whole body, or null when it is larger than `max` (the rest is drained, not kept). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total <= max) chunks.push(chunk);
  }
  return total > max ? null : Buffer.concat(chunks);
}
