import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALLBACK_PATH, type CallbackRegistry } from '../jobs/callbacks.ts';
import { BotError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ReadinessReport } from '../readiness.ts';
import { INPUT_PATH, type InputHost } from './input-host.ts';
import { hasBody, readBodyWithin, refuseTooLarge } from './request-body.ts';

export interface HttpServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default: all interfaces (a reverse proxy or the provider must reach it). */
  readonly host?: string;
  readonly callbacks?: CallbackRegistry | undefined;
  readonly inputs?: InputHost | undefined;
  /** Served at /readyz: 200 when every check passes, else 503; the checks' results as JSON either way. */
  readonly readiness?: (() => Promise<ReadinessReport>) | undefined;
  /** Served at /metrics (Prometheus text format). */
  readonly metrics?: (() => Promise<{ readonly contentType: string; readonly body: string }>) | undefined;
  readonly logger: Logger;
}

/** A request to a route an adapter added: the whole body, already read within the route's cap. */
export interface HttpRouteRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-case names; a repeated header gives its first value. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}
/** What the route answers; `body` is sent as JSON. */
export interface HttpRouteAnswer {
  readonly status: number;
  readonly body?: unknown;
}
export type HttpRouteHandler = (request: HttpRouteRequest) => Promise<HttpRouteAnswer>;

/** Lets an adapter serve a path (Telegram's webhook) without the core knowing the adapter. */
export interface HttpRoutes {
  /**
   * Serves requests whose path is exactly `path`, with bodies up to `maxBodyBytes` (default 1 MiB;
   * larger ones get 413 without reaching the handler). Returns the function that removes the route.
   */
  addRoute(path: string, handler: HttpRouteHandler, options?: { readonly maxBodyBytes?: number }): () => void;
}

export interface RunningHttpServer extends HttpRoutes {
  readonly port: number;
  close(): Promise<void>;
}

interface AddedRoute {
  readonly handler: HttpRouteHandler;
  readonly maxBodyBytes: number;
}

/** Callback bodies are small JSON documents (a status and a few result URLs); anything bigger is not one. */
export const MAX_CALLBACK_BYTES = 256 * 1024;
const DEFAULT_ROUTE_MAX_BYTES = 1024 * 1024;
/** A whole request must arrive within the first, its headers within the second: a slow sender holds no socket for long. */
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
/** Paths the server itself answers; an added route must not hide them. */
const BUILT_IN_PATHS = ['/healthz', '/readyz', '/metrics', CALLBACK_PATH, INPUT_PATH];

/**
 * The bot's HTTP server: `/healthz` (alive), `/readyz` (connected), `/metrics`, provider callbacks (`/callbacks/<token>`), hosted input
 * images (`/inputs/<name>`) and the routes adapters add (Telegram's webhook). Nothing here needs a
 * framework: a few routes on node:http.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const log = options.logger.child({ component: 'http' });
  const added = new Map<string, AddedRoute>();
  const server = createServer((req, res) => {
    route(req, res, options, added).catch((error: unknown) => {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'http request failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    addRoute(path, handler, routeOptions = {}) {
      if (!path.startsWith('/')) throw new BotError('INTERNAL', `an HTTP route must be a path starting with /: ${path}`);
      if (added.has(path) || BUILT_IN_PATHS.some((taken) => path === taken || path.startsWith(taken))) {
        throw new BotError('INTERNAL', `the HTTP path ${path} is already served`);
      }
      const entry = { handler, maxBodyBytes: routeOptions.maxBodyBytes ?? DEFAULT_ROUTE_MAX_BYTES };
      added.set(path, entry);
      return () => {
        // Only this registration: a later one on the same path stays.
        if (added.get(path) === entry) added.delete(path);
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions, added: ReadonlyMap<string, AddedRoute>): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://bot').pathname;
  const own = added.get(path);
  const takesBody = (path.startsWith(CALLBACK_PATH) && options.callbacks !== undefined) || own !== undefined;
  // A body sent where none is taken is never read: the connection closes after the answer instead.
  if (!takesBody && hasBody(req)) res.setHeader('connection', 'close');
  if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    return json(res, 200, { status: 'ok' });
  }
  const isGet = req.method === 'GET' || req.method === 'HEAD';
  if (path === '/readyz' && options.readiness && isGet) {
    const report = await options.readiness();
    return json(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  }
  if (path === '/metrics' && options.metrics && isGet) {
    const { contentType, body } = await options.metrics();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (path.startsWith(CALLBACK_PATH) && options.callbacks) {
    if (req.method !== 'POST') {
      if (hasBody(req)) res.setHeader('connection', 'close');
      return json(res, 405, { error: 'POST only' });
    }
    const body = await readBodyWithin(req, MAX_CALLBACK_BYTES);
    if (!body) return refuseTooLarge(res);
    const answer = await options.callbacks.receive(path.slice(CALLBACK_PATH.length), { headers: headersOf(req), body });
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
  if (own) {
    const body = await readBodyWithin(req, own.maxBodyBytes);
    if (!body) return refuseTooLarge(res);
    const answer = await own.handler({ method: req.method ?? 'GET', path, headers: headersOf(req), body });
    return json(res, answer.status, answer.body ?? {});
  }
  return json(res, 404, { error: 'not found' });
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value[0] : value;
  return headers;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
