import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSinanCodeProvider } from '../../src/core/providers/sinancode.ts';
import { startLoopbackServer } from './fake-http.ts';
import { makePng } from './png.ts';
import type { ContractFake, ContractFakeFactory } from './provider-contract.ts';

/**
 * A loopback SinanCode (seed 003, reference §4): the edit submit, the task GET, and result files served
 * by the fake itself. It validates bodies as the docs describe and fetches every input URL with a real
 * GET, as the real service must, so tests see exactly the bytes a provider would have received.
 */

export const SINANCODE_IMAGE_SIZES = ['1:1', '9:16', '16:9', '3:4', '4:3', '3:2', '2:3', '5:4', '4:5', '21:9', 'auto'];

export interface SinanCodeScript {
  /** Status values answered before the final one, one per poll; default ['pending', 'processing']. */
  statuses: string[];
  /** How tasks end: result images (PNG bytes; default one makePng(64, 64, 100 + task number)), or a failure. */
  outcome: { kind: 'images'; images?: Buffer[] } | { kind: 'failed'; error_code?: string; error_msg?: string };
  /** How `result` lists the URLs: `["url"]` or `[{type: 'image', url}]` (the docs show both). */
  resultShape: 'strings' | 'objects';
  /** Answers given to the next submits instead of accepting them (503, 400 with a body, even a 200 without task_id). */
  submitFailures: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>;
  /** Same for task GETs. */
  statusFailures: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>;
}
export interface SinanCodeReceived {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  bodyText: string;
  /** Parsed JSON, undefined when empty or not JSON. */
  body: unknown;
}
export interface FakeSinanCodeTask {
  id: string;
  /** The body as received. */
  body: Record<string, unknown>;
  inputUrls: string[];
  /** Fetched from inputUrls at submit. */
  inputImages: Buffer[];
  resultImages: Buffer[];
}
export interface FakeSinanCode {
  /** http://127.0.0.1:PORT — the provider's baseUrl. */
  readonly url: string;
  readonly requests: SinanCodeReceived[];
  /** Accepted submits in order. */
  readonly tasks: FakeSinanCodeTask[];
  /** Mutable; statuses, outcome and resultShape apply to tasks submitted after the change. */
  script: SinanCodeScript;
  close(): Promise<void>;
}

export function defaultSinanCodeScript(): SinanCodeScript {
  return { statuses: ['pending', 'processing'], outcome: { kind: 'images' }, resultShape: 'strings', submitFailures: [], statusFailures: [] };
}

interface TaskState {
  readonly task: FakeSinanCodeTask;
  readonly statuses: readonly string[];
  readonly outcome: SinanCodeScript['outcome'];
  readonly shape: SinanCodeScript['resultShape'];
  polls: number;
}

/** `key`: when given, `Authorization: Bearer <key>` is required (401 otherwise). */
export async function startFakeSinanCode(options: { key?: string; script?: Partial<SinanCodeScript> } = {}): Promise<FakeSinanCode> {
  const requests: SinanCodeReceived[] = [];
  const tasks: FakeSinanCodeTask[] = [];
  const states = new Map<string, TaskState>();
  const files = new Map<string, Buffer>();
  let base = '';
  const initial = { ...defaultSinanCodeScript(), ...options.script };

  const fake: FakeSinanCode = {
    get url() {
      return base;
    },
    requests,
    tasks,
    // Copied: the fake consumes the failure lists and must not empty the caller's arrays.
    script: { ...initial, statuses: [...initial.statuses], submitFailures: [...initial.submitFailures], statusFailures: [...initial.statusFailures] },
    close: () => server.close(),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    const path = new URL(req.url ?? '/', base).pathname;
    const method = req.method ?? 'GET';
    // Result files are public, like SinanCode's temporary image host: no key.
    if (method === 'GET' && path.startsWith('/files/')) {
      const bytes = files.get(path.slice('/files/'.length));
      if (!bytes) return json(res, 404, { message: 'file not found' });
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length });
      res.end(bytes);
      return;
    }
    if (options.key !== undefined && req.headers.authorization !== `Bearer ${options.key}`) {
      return json(res, 401, { error_code: 'unauthorized', message: 'Invalid API token' });
    }
    if (path === '/v1/generate/k/nano-banana-edit') {
      if (method !== 'POST') return json(res, 405, { message: 'Method Not Allowed' });
      return submit(res, body);
    }
    const taskPath = /^\/v1\/tasks\/([^/]+)$/.exec(path);
    if (taskPath && method === 'GET') return task(res, decodeURIComponent(taskPath[1]!));
    return json(res, 404, { message: 'Not Found' });
  };

  const submit = async (res: ServerResponse, body: unknown): Promise<void> => {
    const failure = fake.script.submitFailures.shift();
    if (failure) return json(res, failure.status, failure.body ?? { message: `HTTP ${failure.status}` }, failure.headers);
    const problem = validate(body);
    if (problem) return invalid(res, problem);
    const input = body as Record<string, unknown>;
    const inputUrls = input.image_urls as string[];
    const inputImages: Buffer[] = [];
    for (const [i, url] of inputUrls.entries()) {
      const bytes = await fetchImage(url);
      if (!bytes) return invalid(res, `image_urls[${i}] could not be downloaded`);
      inputImages.push(bytes);
    }
    const { statuses, outcome, resultShape } = fake.script;
    const id = randomUUID();
    const resultImages = outcome.kind === 'images' ? (outcome.images ?? [makePng(64, 64, 100 + tasks.length)]) : [];
    resultImages.forEach((bytes, n) => files.set(`${id}-${n}.png`, bytes));
    const created: FakeSinanCodeTask = { id, body: input, inputUrls, inputImages, resultImages };
    tasks.push(created);
    states.set(id, { task: created, statuses: [...statuses], outcome, shape: resultShape, polls: 0 });
    json(res, 200, { task_id: id });
  };

  const task = (res: ServerResponse, id: string): void => {
    const failure = fake.script.statusFailures.shift();
    if (failure) return json(res, failure.status, failure.body ?? { message: `HTTP ${failure.status}` }, failure.headers);
    const state = states.get(id);
    if (!state) return json(res, 404, { error_code: 'task_not_found', error_msg: 'Task not found' });
    const running = state.statuses[state.polls];
    if (running !== undefined) {
      state.polls++;
      return json(res, 200, { id, status: running, error_code: '', error_msg: '', result: null });
    }
    const { outcome } = state;
    if (outcome.kind === 'failed') {
      return json(res, 200, { id, status: 'failed', error_code: outcome.error_code ?? '', error_msg: outcome.error_msg ?? '', result: null });
    }
    const urls = state.task.resultImages.map((_, n) => `${base}/files/${id}-${n}.png`);
    const result = state.shape === 'strings' ? urls : urls.map((url) => ({ type: 'image', url }));
    json(res, 200, { id, status: 'completed', error_code: '', error_msg: '', result });
  };

  const server = await startLoopbackServer(
    (req, res, { method, path, headers, bodyText, body }) => {
      requests.push({ method, path, headers, bodyText, body });
      return handle(req, res, body);
    },
    (res, error) => json(res, 500, { message: `fake sinancode crashed: ${error.message}` }),
  );
  base = server.url;
  return fake;
}

/** The documented constraints of the edit body (seed 003); the first one broken, or null. */
export function validate(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'the body must be a JSON object';
  const input = body as Record<string, unknown>;
  const urls = input.image_urls;
  if (!Array.isArray(urls) || urls.length < 1 || urls.length > 10) return 'image_urls must hold 1 to 10 URLs';
  for (const [i, url] of urls.entries()) if (!isHttpUrl(url)) return `image_urls[${i}] is not an http(s) URL`;
  const { prompt } = input;
  if (typeof prompt !== 'string' || [...prompt].length < 1 || [...prompt].length > 5000) {
    return 'prompt must be 1 to 5000 characters';
  }
  if (input.image_size !== undefined && !SINANCODE_IMAGE_SIZES.includes(input.image_size as string)) {
    return `image_size must be one of ${SINANCODE_IMAGE_SIZES.join(', ')}`;
  }
  if (input.output_format !== undefined && input.output_format !== 'png' && input.output_format !== 'jpeg') {
    return 'output_format must be png or jpeg';
  }
  return null;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

async function fetchImage(url: string): Promise<Buffer | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
    if (!res.ok) return undefined;
    const bytes = Buffer.from(await res.arrayBuffer());
    return bytes.length > 0 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

function invalid(res: ServerResponse, problem: string): void {
  json(res, 400, { error_code: 'invalid_request', error_msg: problem });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/** The shared contract's view of this fake (test/helpers/provider-contract.ts). */
export const startSinanCodeContractFake: ContractFakeFactory = async ({ retry }) => {
  const key = `sinancode-contract-${randomUUID()}`;
  const fake = await startFakeSinanCode({ key });
  const contract: ContractFake = {
    name: 'sinancode',
    provider: createSinanCodeProvider({ key, baseUrl: fake.url, retry, timeoutMs: 5000 }),
    env: { SINANCODE_API_KEY: key, SINANCODE_BASE_URL: fake.url },
    key,
    received: fake.requests,
    get jobs() {
      return fake.tasks.map((t) => ({
        prompt: String(t.body.prompt),
        inputImages: t.inputImages,
        inputUrls: t.inputUrls,
        count: 1,
        body: t.body,
      }));
    },
    setOutcome(outcome) {
      fake.script.outcome =
        outcome.kind === 'images'
          ? { kind: 'images', ...(outcome.images ? { images: [...outcome.images] } : {}) }
          : { kind: 'failed', error_code: 'generation_failed', error_msg: outcome.reason };
    },
    failNextSubmits(n) {
      for (let i = 0; i < n; i++) fake.script.submitFailures.push({ status: 503, body: { message: 'Service Unavailable' } });
    },
    rejectNextSubmit(reason) {
      fake.script.submitFailures.push({ status: 400, body: { error_code: 'invalid_request', error_msg: reason } });
    },
    close: () => fake.close(),
  };
  return contract;
};
