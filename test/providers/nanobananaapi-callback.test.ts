import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNanoBananaApiProvider } from '../../src/core/providers/nanobananaapi.ts';
import type { CallbackRequest, InputImage, Provider } from '../../src/core/providers/provider.ts';
import { startFakeNanoBananaApi, startNanoBananaApiContractFake, type FakeNanoBananaApi } from '../helpers/fake-nanobananaapi.ts';
import { startFileHost, type FileHost } from '../helpers/file-host.ts';
import { editInput, never } from '../helpers/inputs.ts';
import { pngImage } from '../helpers/png.ts';
import type { ContractFake } from '../helpers/provider-contract.ts';

const KEY = 'nba-test-key-Hk29xQp7Lw4z';
const TINY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

/** A loopback stand-in for the bot's callback route: records each POST as the core would receive it. */
interface Receiver {
  readonly url: string;
  readonly received: Array<CallbackRequest & { path: string }>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      received.push({ path: req.url ?? '', headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const asRequest = (json: unknown): CallbackRequest => ({ headers: {}, body: Buffer.from(JSON.stringify(json)) });

let fake: FakeNanoBananaApi;
let files: FileHost;
let receiver: Receiver;
let provider: Provider;
let image: InputImage;
let contract: ContractFake | undefined;

beforeEach(async () => {
  [fake, files, receiver] = await Promise.all([startFakeNanoBananaApi({ key: KEY }), startFileHost(), startReceiver()]);
  provider = createNanoBananaApiProvider({ key: KEY, baseUrl: fake.url, retry: TINY, timeoutMs: 5000 });
  const png = pngImage(8, 8, 1);
  image = { ...png, url: files.put(png.bytes) };
});

afterEach(async () => {
  await Promise.all([fake.close(), files.close(), receiver.close(), contract?.close()]);
  contract = undefined;
});

describe('nanobananaapi verifyCallback', () => {
  it('accepts the generate/edit callback and the generate-2 variant by their taskId', async () => {
    const edit = { code: 200, msg: 'Image generated successfully.', data: { taskId: 't-1', info: { resultImageUrl: 'https://x/r.jpg' } } };
    expect(await provider.verifyCallback!(asRequest(edit))).toEqual({ ok: true, requestId: 't-1' });
    const failed = { code: 400, msg: 'prompt was flagged for violating content policy', data: { taskId: 't-2', info: {} } };
    expect(await provider.verifyCallback!(asRequest(failed))).toEqual({ ok: true, requestId: 't-2' });
    const v2 = { code: 200, msg: 'success', data: { taskId: 't-3', successFlag: 1, errorCode: 0, response: { resultImageUrl: 'https://x' } } };
    expect(await provider.verifyCallback!(asRequest(v2))).toEqual({ ok: true, requestId: 't-3' });
  });

  it('refuses bodies without a taskId, and never throws', async () => {
    const bad: CallbackRequest[] = [
      { headers: {}, body: Buffer.from('not json') },
      { headers: {}, body: Buffer.alloc(0) },
      asRequest(null),
      asRequest({ code: 200, msg: 'ok' }),
      asRequest({ code: 200, data: { taskId: '  ' } }),
      asRequest({ code: 200, data: { taskId: 42 } }),
    ];
    for (const request of bad) {
      const verdict = await provider.verifyCallback!(request);
      expect(verdict.ok).toBe(false);
      expect(!verdict.ok && verdict.reason).toBeTruthy();
    }
  });
});

describe('the fake calls back', () => {
  it('reaches a loopback receiver before any poll when the task ends at submit', async () => {
    fake.script.runningPolls = 0;
    const push = { callbackUrl: `${receiver.url}/callbacks/nanobananaapi/tok-abc` };
    const submission = await provider.submit(editInput({ images: [image] }), never, push);
    const sent = await fake.waitForCallback();
    expect(sent.status).toBe(200);
    expect(fake.requests.some((r) => r.path.startsWith('/api/v1/nanobanana/record-info'))).toBe(false);

    const callback = receiver.received[0]!;
    expect(callback.path).toBe('/callbacks/nanobananaapi/tok-abc');
    expect(callback.headers['content-type']).toBe('application/json');
    expect(JSON.parse(callback.body.toString())).toEqual({
      code: 200,
      msg: 'Image generated successfully.',
      data: { taskId: submission.requestId, info: { resultImageUrl: `${fake.url}/files/result/${submission.requestId}.png` } },
    });
    expect(await provider.verifyCallback!(callback)).toEqual({ ok: true, requestId: submission.requestId });
    expect(await provider.status(submission, never)).toEqual({ state: 'completed' });
  });

  it('sends a failure callback without resultImageUrl, when the task ends by a poll or by complete()', async () => {
    fake.script.outcome = { kind: 'refused', reason: 'Image generation task failed', callbackCode: 501 };
    const push = { callbackUrl: `${receiver.url}/cb` };
    const polled = await provider.submit(editInput({ images: [image] }), never, push);
    await provider.status(polled, never);
    expect(await provider.status(polled, never)).toMatchObject({ state: 'failed' });
    await fake.waitForCallback(1);

    fake.script.runningPolls = 10;
    const forced = await provider.submit(editInput({ images: [image] }), never, push);
    await fake.complete(forced.requestId);
    expect(receiver.received.map((r) => JSON.parse(r.body.toString()))).toEqual([
      { code: 501, msg: 'Image generation task failed', data: { taskId: polled.requestId, info: {} } },
      { code: 501, msg: 'Image generation task failed', data: { taskId: forced.requestId, info: {} } },
    ]);
    expect(await provider.status(forced, never)).toMatchObject({ state: 'failed' });
  });

  it('sends nothing to the placeholder URL, nor when callbacks are off', async () => {
    fake.script.runningPolls = 0;
    const placeholder = await provider.submit(editInput({ images: [image] }), never);
    expect(fake.jobs[0]!.callBackUrl).toBe('https://callback.invalid/nanobananaapi');
    fake.script.callbacks = false;
    await provider.submit(editInput({ images: [image] }), never, { callbackUrl: `${receiver.url}/cb` });
    await fake.complete(placeholder.requestId);
    expect(fake.callbacks).toEqual([]);
    expect(receiver.received).toEqual([]);
  });
});

describe('startNanoBananaApiContractFake', () => {
  it('offers the contract: env, outcomes, submit failures and rejections', async () => {
    contract = await startNanoBananaApiContractFake({ retry: TINY });
    expect(contract.name).toBe('nanobananaapi');
    expect(Object.keys(contract.env).sort()).toEqual(['NANOBANANAAPI_API_KEY', 'NANOBANANAAPI_BASE_URL']);
    expect(contract.env.NANOBANANAAPI_API_KEY).toBe(contract.key);

    const wanted = pngImage(12, 12, 5).bytes;
    contract.setOutcome({ kind: 'images', images: [wanted] });
    contract.failNextSubmits(1);
    const submission = await contract.provider.submit(editInput({ images: [image] }), never);
    expect(contract.received.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(contract.jobs[0]!.inputImages[0]!.equals(image.bytes)).toBe(true);
    expect(contract.jobs[0]!.inputUrls).toEqual([image.url]);
    expect(contract.jobs[0]!.count).toBe(1);
    await contract.provider.status(submission, never);
    expect(await contract.provider.status(submission, never)).toEqual({ state: 'completed' });
    const { url } = (await contract.provider.result(submission, never)).images[0] as { url: string };
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(wanted)).toBe(true);

    contract.rejectNextSubmit('that prompt is not allowed');
    await expect(contract.provider.submit(editInput({ images: [image] }), never)).rejects.toMatchObject({
      code: 'PROVIDER_REJECTED',
      userDetail: 'that prompt is not allowed',
    });

    contract.setOutcome({ kind: 'refused', reason: 'content policy' });
    const refused = await contract.provider.submit(editInput({ images: [image] }), never);
    await contract.provider.status(refused, never);
    expect(await contract.provider.status(refused, never)).toEqual({ state: 'failed', reason: 'content policy' });
  });
});
