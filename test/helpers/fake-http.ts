import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP plumbing the loopback provider fakes share: listen on 127.0.0.1 with a free port, read each
 * request's whole body, hand it over as a `LoopbackRequest`, and close with every connection dropped.
 */

export interface LoopbackRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body ('' when empty). */
  bodyText: string;
  /** Parsed JSON, undefined when empty or not JSON. */
  body: unknown;
  /** Date.now() once the body was read. */
  at: number;
}

/** Answers one request; a throw, or a rejection of what it returns, is answered by the server's `crashed`. */
export type LoopbackHandler = (req: IncomingMessage, res: ServerResponse, received: LoopbackRequest) => unknown;

export interface LoopbackServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handle: LoopbackHandler,
  crashed: (res: ServerResponse, error: Error) => void,
): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const bodyText = Buffer.concat(chunks).toString('utf8');
      const received = { method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, bodyText, body: parseJson(bodyText), at: Date.now() };
      const fail = (error: unknown) => crashed(res, error as Error);
      try {
        void Promise.resolve(handle(req, res, received)).catch(fail);
      } catch (error) {
        fail(error);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Resolves when `ready()` gives a value, re-checked on every `notify()`; rejects after timeoutMs. */
export function createWaiters() {
  const waiters = new Set<() => void>();
  return {
    notify(): void {
      for (const waiter of [...waiters]) waiter();
    },
    wait<T>(ready: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const value = ready();
          if (value === undefined) return false;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(value);
          return true;
        };
        const waiter = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(what()));
        }, timeoutMs);
        if (!check()) waiters.add(waiter);
      });
    },
  };
}
