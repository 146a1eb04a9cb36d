import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGeminiProvider } from '../../src/core/providers/gemini.ts';
import { startLoopbackServer } from './fake-http.ts';
import { makePng } from './png.ts';
import type { ContractFake, ContractFakeFactory, ContractJob, ContractRequest } from './provider-contract.ts';

/**
 * A loopback Gemini API (reference §5): `POST /v1beta/models/{model}:generateContent`, synchronous,
 * key in `x-goog-api-key`, errors in Google's envelope `{error:{code,message,status}}`.
 */

/** How the next accepted calls are answered. */
export type GeminiAnswer =
  /** Image parts (default one makePng per call), optionally a text part first; camelCase unless `casing: 'snake'`. */
  | { kind: 'images'; images?: Buffer[]; text?: string; casing?: 'camel' | 'snake'; interim?: Buffer[] }
  /** A candidate that ended without an image, e.g. finishReason IMAGE_SAFETY. */
  | { kind: 'finish'; finishReason: string; finishMessage?: string; text?: string }
  /** The prompt itself was blocked: promptFeedback.blockReason and no candidates. */
  | { kind: 'blocked'; blockReason: string }
  /** Only a text part, finishReason STOP (the model "might only create text"). */
  | { kind: 'text'; text: string }
  /** Any 200 body at all, for protocol tests. */
  | { kind: 'raw'; body: unknown };

export interface GeminiFailure {
  status: number;
  /** Close the connection without any answer instead (a reset after the body was sent). */
  drop?: boolean;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeGeminiRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  bodyText: string;
}

export interface FakeGeminiCall {
  model: string;
  /** The text parts, joined. */
  prompt: string;
  inputImages: Buffer[];
  inputMimes: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary body fields
  body: any;
}

export interface FakeGemini {
  /** http://127.0.0.1:PORT — the provider's baseUrl. */
  readonly url: string;
  readonly key: string;
  readonly requests: FakeGeminiRequest[];
  /** Accepted calls, in order. */
  readonly calls: FakeGeminiCall[];
  /** Answer to every accepted call from now on. */
  answer: GeminiAnswer;
  /** Consumed one per call (after the key check), before the body is even looked at. */
  failures: GeminiFailure[];
  /** The next `n` calls answer `status` (503 UNAVAILABLE, 429 RESOURCE_EXHAUSTED, 500 INTERNAL). */
  failNext(n: number, status?: 429 | 500 | 503): void;
  /** The next call answers 400 INVALID_ARGUMENT with this message. */
  rejectNext(message: string): void;
  close(): Promise<void>;
}

const GOOGLE_STATUS: Readonly<Record<number, [string, string]>> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  403: ['PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.'],
  404: ['NOT_FOUND', 'Requested entity was not found.'],
  429: ['RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.'],
  500: ['INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'],
  503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
};

export function googleError(code: number, message?: string): { error: { code: number; message: string; status: string } } {
  const [status, text] = GOOGLE_STATUS[code] ?? ['UNKNOWN', `HTTP ${code}`];
  return { error: { code, message: message ?? text, status } };
}

const RATIOS = new Set(['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Checks a generateContent body as Google would; returns the call or the INVALID_ARGUMENT message. */
function readCall(model: string, body: unknown): FakeGeminiCall | string {
  const contents = (body as { contents?: unknown } | null)?.contents;
  if (!Array.isArray(contents) || contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  const texts: string[] = [];
  const inputImages: Buffer[] = [];
  const inputMimes: string[] = [];
  for (const [c, content] of contents.entries()) {
    const parts = (content as { parts?: unknown } | null)?.parts;
    if (!Array.isArray(parts) || parts.length === 0) return `* GenerateContentRequest.contents[${c}].parts: contents.parts must not be empty.`;
    for (const [p, part] of parts.entries()) {
      const { text, inline_data, inlineData } = (part ?? {}) as Record<string, unknown>;
      const inline = (inline_data ?? inlineData) as { mime_type?: unknown; mimeType?: unknown; data?: unknown } | undefined;
      if (typeof text === 'string') texts.push(text);
      else if (inline && typeof inline === 'object') {
        const mime = inline.mime_type ?? inline.mimeType;
        if (typeof mime !== 'string' || !mime.startsWith('image/')) return `contents[${c}].parts[${p}]: unsupported MIME type: ${String(mime)}`;
        if (typeof inline.data !== 'string' || inline.data === '' || !BASE64.test(inline.data)) {
          return `Invalid value at 'contents[${c}].parts[${p}].inline_data.data' (TYPE_BYTES), Base64 decoding failed`;
        }
        inputImages.push(Buffer.from(inline.data, 'base64'));
        inputMimes.push(mime);
      } else return `* GenerateContentRequest.contents[${c}].parts[${p}].data: required oneof field 'data' must have one initialized field`;
    }
  }
  const ratio = (body as { generationConfig?: { imageConfig?: { aspectRatio?: unknown } } }).generationConfig?.imageConfig?.aspectRatio;
  if (ratio !== undefined && !RATIOS.has(String(ratio))) return `Unsupported aspect ratio: ${String(ratio)}`;
  return { model, prompt: texts.join('\n'), inputImages, inputMimes, body };
}

function answerBody(answer: GeminiAnswer, seed: number, imageAllowed: boolean): unknown {
  const usageMetadata = { promptTokenCount: 10, candidatesTokenCount: 1290, totalTokenCount: 1300 };
  if (answer.kind === 'raw') return answer.body;
  if (answer.kind === 'blocked') return { promptFeedback: { blockReason: answer.blockReason }, usageMetadata };
  if (answer.kind === 'finish') {
    const parts = answer.text ? [{ text: answer.text }] : undefined;
    const candidate = { ...(parts ? { content: { role: 'model', parts } } : {}), finishReason: answer.finishReason, index: 0 };
    return { candidates: [{ ...candidate, ...(answer.finishMessage ? { finishMessage: answer.finishMessage } : {}) }], usageMetadata };
  }
  const text = answer.text;
  const images = answer.kind === 'images' && imageAllowed ? (answer.images ?? [makePng(64, 64, seed)]) : [];
  const snake = answer.kind === 'images' && answer.casing === 'snake';
  const inline = (bytes: Buffer, thought: boolean) => ({
    ...(thought ? { thought: true } : {}),
    ...(snake
      ? { inline_data: { mime_type: mimeOf(bytes), data: bytes.toString('base64') } }
      : { inlineData: { mimeType: mimeOf(bytes), data: bytes.toString('base64') } }),
  });
  const interim = answer.kind === 'images' && imageAllowed ? (answer.interim ?? []) : [];
  const parts = [
    ...interim.map((bytes) => inline(bytes, true)),
    ...(text ? [{ text }] : []),
    ...images.map((bytes) => inline(bytes, false)),
  ];
  const candidate = { content: { role: 'model', parts }, [snake ? 'finish_reason' : 'finishReason']: 'STOP', index: 0 };
  return { candidates: [candidate], [snake ? 'usage_metadata' : 'usageMetadata']: usageMetadata };
}

function mimeOf(bytes: Buffer): string {
  return bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : 'image/png';
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeGemini(options: { key?: string } = {}): Promise<FakeGemini> {
  const key = options.key ?? 'AIzaFakeGeminiKey-7tQ2mW9xR4vL';
  const requests: FakeGeminiRequest[] = [];
  const calls: FakeGeminiCall[] = [];
  let base = '';

  const fake: FakeGemini = {
    get url() {
      return base;
    },
    key,
    requests,
    calls,
    answer: { kind: 'images' },
    failures: [],
    failNext(n, status = 503) {
      for (let i = 0; i < n; i++) fake.failures.push({ status, body: googleError(status) });
    },
    rejectNext(message) {
      fake.failures.push({ status: 400, body: googleError(400, message) });
    },
    close: () => server.close(),
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const url = new URL(req.url ?? '/', base);
    const route = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(url.pathname);
    if (req.method !== 'POST' || !route) return send(res, 404, googleError(404));
    if (req.headers['x-goog-api-key'] !== key) return send(res, 403, googleError(403));
    const failure = fake.failures.shift();
    if (failure?.drop) return void req.socket.destroy();
    if (failure) return send(res, failure.status, failure.body ?? googleError(failure.status), failure.headers);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return send(res, 400, googleError(400, 'Invalid JSON payload received.'));
    }
    const call = readCall(decodeURIComponent(route[1]!), body);
    if (typeof call === 'string') return send(res, 400, googleError(400, call));
    calls.push(call);
    const modalities = call.body.generationConfig?.responseModalities;
    const imageAllowed = !Array.isArray(modalities) || modalities.includes('IMAGE');
    send(res, 200, answerBody(fake.answer, 100 + calls.length, imageAllowed));
  };

  const server = await startLoopbackServer(
    (req, res, { method, path, headers, bodyText }) => {
      requests.push({ method, path, headers, bodyText });
      handle(req, res, bodyText);
    },
    (res, error) => send(res, 500, googleError(500, `fake gemini crashed: ${error.message}`)),
  );
  base = server.url;
  return fake;
}

/** The fake behind the shared provider contract: each accepted generateContent call is one job of count 1. */
export const startGeminiContractFake: ContractFakeFactory = async ({ retry }) => {
  const fake = await startFakeGemini();
  const provider = createGeminiProvider({ key: fake.key, baseUrl: fake.url, model: 'gemini-2.5-flash-image', retry, timeoutMs: 10_000 });
  const contract: ContractFake = {
    name: 'gemini',
    provider,
    env: { GEMINI_API_KEY: fake.key, GEMINI_BASE_URL: fake.url },
    key: fake.key,
    get received(): readonly ContractRequest[] {
      return fake.requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, bodyText: r.bodyText }));
    },
    get jobs(): readonly ContractJob[] {
      return fake.calls.map((c) => ({ prompt: c.prompt, inputImages: c.inputImages, inputUrls: [], count: 1, body: c.body }));
    },
    setOutcome(outcome) {
      fake.answer =
        outcome.kind === 'images'
          ? { kind: 'images', ...(outcome.images ? { images: [...outcome.images] } : {}) }
          : { kind: 'finish', finishReason: 'IMAGE_SAFETY', finishMessage: outcome.reason };
    },
    failNextSubmits(n) {
      fake.failNext(n, 503);
    },
    rejectNextSubmit(reason) {
      fake.rejectNext(reason);
    },
    close: () => fake.close(),
  };
  return contract;
};
