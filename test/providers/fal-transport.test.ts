import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createFalProvider } from '../../src/core/providers/fal.ts';
import type { Provider } from '../../src/core/providers/provider.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';
import { pngImage } from '../helpers/png.ts';

/**
 * A server that reads the request and then drops the connection: the body may have arrived, so a
 * submit must not be repeated (it could have created a paid job), while a status poll may be.
 */
const input = editInput({ prompt: 'add a hat', images: [pngImage(8, 8, 3)] });

let server: Server;
let connections: number;
let provider: Provider;
const sockets = new Set<Socket>();

beforeEach(async () => {
  connections = 0;
  server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.once('data', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const tiny = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 };
  provider = createFalProvider({
    key: 'k',
    queueUrl: `http://127.0.0.1:${port}`,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    retry: { submit: tiny, status: tiny, result: tiny, cancel: tiny },
  });
});

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});


it('does not repeat a submit whose connection dropped after sending', async () => {
  const error = await botErrorOf(provider.submit(input, never));
  expect(error.code).toBe('PROVIDER_UNAVAILABLE');
  expect(connections).toBe(1);
});

it('repeats a status poll whose connection dropped', async () => {
  const error = await botErrorOf(provider.status({ provider: 'fal', requestId: 'r1' }, never));
  expect(error.code).toBe('PROVIDER_UNAVAILABLE');
  expect(connections).toBe(3);
});

it('repeats a result fetch whose connection dropped', async () => {
  const error = await botErrorOf(provider.result({ provider: 'fal', requestId: 'r1' }, never));
  expect(error.code).toBe('PROVIDER_UNAVAILABLE');
  expect(connections).toBe(3);
});
