import { createServer } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { BotError } from '../../src/core/errors.ts';
import { createFalProvider } from '../../src/core/providers/fal.ts';
import type { Provider } from '../../src/core/providers/provider.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { botErrorOf, editInput, never } from '../helpers/inputs.ts';
import { pngImage } from '../helpers/png.ts';

/** Distinctive, so that a leak anywhere cannot be a coincidence. */
const KEY = 'SECRET-fal-key-7c1e9a4b2f6d8e03';
const TINY = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 };
const input = editInput({ prompt: 'add a hat', images: [pngImage(8, 8, 3)] });

let fake: FakeFal;

function providerAt(queueUrl: string, key = KEY): Provider {
  return createFalProvider({
    key,
    queueUrl,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    retry: { submit: TINY, status: TINY, result: TINY, cancel: TINY },
  });
}

/** Everything an error could show: message, userDetail, stack, and the same for every cause. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', String((current as BotError).userDetail ?? ''));
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join('\n');
}


beforeEach(async () => {
  fake = await startFakeFal({ key: KEY });
});

afterEach(async () => {
  await fake.close();
});

it('never puts the key into any thrown error, even when the server echoes it', async () => {
  const provider = providerAt(fake.url);
  const errors: Array<[string, BotError]> = [];

  // The server echoes the key back in error bodies: a careless mapping would quote it.
  fake.script.submitFailures = [{ status: 400, body: { detail: `invalid header: Key ${KEY}` } }];
  errors.push(['400 echo', await botErrorOf(provider.submit(input, never))]);
  fake.script.submitFailures = [
    { status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: `refused for ${KEY}`, type: 'x' }] } },
  ];
  errors.push(['422 echo', await botErrorOf(provider.submit(input, never))]);
  fake.script.submitFailures = [{ status: 503, body: { detail: KEY } }, { status: 503, body: { error: KEY } }];
  errors.push(['503 echo', await botErrorOf(provider.submit(input, never))]);

  // A job that fails with the key in its error texts.
  fake.script.statuses = [];
  fake.script.outcome = { kind: 'error', httpStatus: 500, body: { detail: `runner saw ${KEY}` }, error: `boom ${KEY}` };
  const submission = await provider.submit(input, never);
  const status = await provider.status(submission, never);
  expect(status.state).toBe('failed');
  expect(JSON.stringify(status)).not.toContain(KEY);
  expect(JSON.stringify(submission)).not.toContain(KEY);
  errors.push(['result echo', await botErrorOf(provider.result(submission, never))]);

  fake.script.statusFailures = [{ status: 502, body: { detail: KEY } }, { status: 502, body: { detail: KEY } }];
  errors.push(['status 502 echo', await botErrorOf(provider.status(submission, never))]);

  // A wrong key: the fake answers 401; the message must name neither key.
  errors.push(['401', await botErrorOf(providerAt(fake.url, `${KEY}-wrong`).submit(input, never))]);

  // Nobody listening: a transport error after retries.
  const closed = await unusedPort();
  errors.push(['refused', await botErrorOf(providerAt(`http://127.0.0.1:${closed}`).submit(input, never))]);

  // The key really was in play: the fake received it on every authorised call.
  expect(fake.requests.some((r) => r.headers.authorization === `Key ${KEY}`)).toBe(true);
  expect(errors.map(([, e]) => e.code)).toEqual([
    'PROVIDER_REJECTED',
    'PROVIDER_REJECTED',
    'PROVIDER_UNAVAILABLE',
    'PROVIDER_FAILED',
    'PROVIDER_UNAVAILABLE',
    'PROVIDER_UNAVAILABLE',
    'PROVIDER_UNAVAILABLE',
  ]);
  for (const [label, error] of errors) {
    expect(everythingIn(error), label).not.toContain(KEY);
  }
  // The echoes were quoted, scrubbed, rather than dropped: the test would see a leak.
  expect(errors[0]![1].message).toContain('[redacted]');
  expect(errors[1]![1].userDetail).toBe('prompt: refused for [redacted]');
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
