import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFalProvider } from '../../src/core/providers/fal.ts';
import type { CallbackRequest, Provider } from '../../src/core/providers/provider.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { editInput, never } from '../helpers/inputs.ts';

const KEY = 'fal-webhook-key-Lp3sW9cV1';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

let fake: FakeFal;
let clock: number;
let provider: Provider;

function makeProvider(jwksUrl = fake.jwksUrl): Provider {
  return createFalProvider({
    key: KEY,
    queueUrl: fake.url,
    model: 'fal-ai/nano-banana/edit',
    textModel: 'fal-ai/nano-banana',
    retry: { submit: TINY, status: TINY, result: TINY, cancel: TINY },
    jwksUrl,
    now: () => clock,
  });
}

const seconds = () => Math.floor(clock / 1000);
const jwksFetches = () => fake.requests.filter((r) => r.path === '/.well-known/jwks.json').length;

/** A delivery as fal makes it: the body bytes and the X-Fal-Webhook-* headers signed over them. */
function delivery(
  requestId: string,
  options: { bodyId?: string; timestamp?: number; forged?: boolean; body?: string } = {},
): CallbackRequest {
  const body = options.body ?? JSON.stringify({ request_id: options.bodyId ?? requestId, status: 'OK', payload: { images: [] } });
  const headers = fake.signWebhook(body, {
    requestId,
    timestamp: options.timestamp ?? seconds(),
    ...(options.forged ? { forged: true } : {}),
  });
  return { headers, body: Buffer.from(body) };
}

beforeEach(async () => {
  fake = await startFakeFal({ key: KEY });
  clock = Date.now();
  provider = makeProvider();
});

afterEach(async () => {
  await fake.close();
});

describe('fal webhook signature', () => {
  it('accepts a delivery signed with a key of the JWKS and names its request id', async () => {
    expect(await provider.verifyCallback!(delivery('req-1'))).toEqual({ ok: true, requestId: 'req-1' });
    expect(jwksFetches()).toBe(1);
    // Cached: the second delivery costs no fetch.
    expect(await provider.verifyCallback!(delivery('req-2'))).toEqual({ ok: true, requestId: 'req-2' });
    expect(jwksFetches()).toBe(1);
  });

  it('refuses a forged signature', async () => {
    const verdict = await provider.verifyCallback!(delivery('req-1', { forged: true }));
    expect(verdict).toEqual({ ok: false, reason: 'signature does not verify' });
  });

  it('refuses a timestamp more than 300 s away, either way', async () => {
    expect((await provider.verifyCallback!(delivery('a', { timestamp: seconds() - 301 }))).ok).toBe(false);
    expect((await provider.verifyCallback!(delivery('b', { timestamp: seconds() + 301 }))).ok).toBe(false);
    expect((await provider.verifyCallback!(delivery('c', { timestamp: seconds() - 299 }))).ok).toBe(true);
    // The same delivery replayed later is refused.
    const captured = delivery('d');
    clock += 301_000;
    expect(await provider.verifyCallback!(captured)).toMatchObject({ ok: false, reason: expect.stringMatching(/timestamp/) });
  });

  it('refuses a body that is not the one signed', async () => {
    const signed = delivery('req-1');
    const tampered = Buffer.from(signed.body.toString('utf8').replace('"OK"', '"ERROR"'));
    expect(await provider.verifyCallback!({ headers: signed.headers, body: tampered })).toMatchObject({ ok: false });
  });

  it('refuses a body whose request_id differs from the signed header', async () => {
    const verdict = await provider.verifyCallback!(delivery('req-header', { bodyId: 'req-body' }));
    expect(verdict).toEqual({ ok: false, reason: 'body request_id differs from the signed header' });
  });

  it('refuses missing headers, a malformed signature and a body that is not JSON, without throwing', async () => {
    const good = delivery('req-1');
    const without = { ...good.headers, 'x-fal-webhook-signature': undefined };
    expect((await provider.verifyCallback!({ headers: without, body: good.body })).ok).toBe(false);
    const notHex = { ...good.headers, 'x-fal-webhook-signature': 'zz' };
    expect((await provider.verifyCallback!({ headers: notHex, body: good.body })).ok).toBe(false);
    expect((await provider.verifyCallback!(delivery('req-2', { body: 'not json' }))).ok).toBe(false);
    expect((await provider.verifyCallback!({ headers: {}, body: Buffer.alloc(0) })).ok).toBe(false);
  });

  it('follows a key rotation: refetches the JWKS when no cached key verifies, at most once a minute', async () => {
    expect((await provider.verifyCallback!(delivery('before'))).ok).toBe(true);
    expect(jwksFetches()).toBe(1);
    fake.rotateWebhookKey();

    clock += 10_000;
    // Fetched 10 s ago: no refetch yet, so the new key is not known.
    expect((await provider.verifyCallback!(delivery('soon'))).ok).toBe(false);
    expect(jwksFetches()).toBe(1);

    clock += 51_000;
    expect(await provider.verifyCallback!(delivery('after'))).toEqual({ ok: true, requestId: 'after' });
    expect(jwksFetches()).toBe(2);
    // A forger cannot make us refetch more than once a minute.
    expect((await provider.verifyCallback!(delivery('x', { forged: true }))).ok).toBe(false);
    expect((await provider.verifyCallback!(delivery('y', { forged: true }))).ok).toBe(false);
    expect(jwksFetches()).toBe(2);
  });

  it('refetches the keys after 24 h even when they still verify', async () => {
    await provider.verifyCallback!(delivery('a'));
    clock += 24 * 3600 * 1000 + 1;
    expect((await provider.verifyCallback!(delivery('b'))).ok).toBe(true);
    expect(jwksFetches()).toBe(2);
  });

  it('refuses everything, without throwing, while the JWKS cannot be fetched', async () => {
    const blind = makeProvider(`${fake.url}/no-such-jwks.json`);
    expect(await blind.verifyCallback!(delivery('req-1'))).toEqual({ ok: false, reason: 'fal JWKS unavailable' });
    const nowhere = makeProvider('http://127.0.0.1:1/.well-known/jwks.json');
    expect((await nowhere.verifyCallback!(delivery('req-1'))).ok).toBe(false);
  });
});

describe('webhooks delivered by the fake', () => {
  let receiver: Server;
  let received: CallbackRequest[];
  let receiverUrl: string;

  beforeEach(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value[0] : value;
        received.push({ headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callbacks/fal/job-1?token=t0k`;
  });

  afterEach(async () => {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('POSTs a signed OK delivery at completion that the provider accepts', async () => {
    fake.script.durationMs = 30;
    clock = Date.now();
    const submission = await provider.submit(editInput({ count: 2 }), never, { callbackUrl: receiverUrl });
    const sent = await fake.waitForWebhook();
    expect(sent.responseStatus).toBe(200);
    expect(received).toHaveLength(1);
    const body = JSON.parse(received[0]!.body.toString('utf8'));
    expect(body).toMatchObject({ request_id: submission.requestId, status: 'OK', gateway_request_id: expect.any(String) });
    expect(body.payload.images).toHaveLength(2);
    expect(received[0]!.headers['x-fal-webhook-user-id']).toBe(fake.webhookUserId);
    expect(await provider.verifyCallback!(received[0]!)).toEqual({ ok: true, requestId: submission.requestId });
    expect(await provider.status(submission, never)).toEqual({ state: 'completed' });
  });

  it('POSTs an ERROR delivery with the error and its details for a failed job', async () => {
    fake.script.durationMs = 10;
    const detail = [{ loc: ['body', 'prompt'], msg: 'content policy violation', type: 'content_policy_violation' }];
    fake.script.outcome = { kind: 'error', httpStatus: 422, body: { detail }, error: 'Invalid status code: 422' };
    const submission = await provider.submit(editInput(), never, { callbackUrl: receiverUrl });
    await fake.waitForWebhook();
    const body = JSON.parse(received[0]!.body.toString('utf8'));
    expect(body).toMatchObject({ request_id: submission.requestId, status: 'ERROR', error: 'Invalid status code: 422', payload: { detail } });
    clock = Date.now();
    expect((await provider.verifyCallback!(received[0]!)).ok).toBe(true);
  });

  it('signs with a key outside the JWKS when told to forge', async () => {
    fake.script.durationMs = 10;
    fake.forgeWebhooks = true;
    await provider.submit(editInput(), never, { callbackUrl: receiverUrl });
    await fake.waitForWebhook();
    clock = Date.now();
    expect(await provider.verifyCallback!(received[0]!)).toEqual({ ok: false, reason: 'signature does not verify' });
  });
});
