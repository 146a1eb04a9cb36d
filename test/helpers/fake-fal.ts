import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makePng } from './png.ts';

/**
 * A loopback fal queue (reference §1): submit, status, result, cancel and the result files, with
 * the sub-path rule enforced (status/result/cancel under owner/alias only, never `/edit`).
 */

export interface FalScript {
  /** Status answers before COMPLETED, one per status poll; default [{status:'IN_QUEUE', queue_position: 2}, {status:'IN_PROGRESS'}]. */
  statuses: Array<{ status: 'IN_QUEUE'; queue_position: number } | { status: 'IN_PROGRESS' }>;
  /** What the job ends with: result images (PNG bytes; default: num_images images made with makePng(64, 64, 100 + i)), or an error. */
  outcome: { kind: 'images'; images?: Buffer[] } | { kind: 'error'; httpStatus: number; body: unknown; error?: string };
  /** HTTP failures answered to the next submits before one is accepted, e.g. [{status: 429}] then success. */
  submitFailures: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>;
  /** Same for status polls. */
  statusFailures: Array<{ status: number; body?: unknown }>;
}
export interface ReceivedRequest {
  method: string;
  /** As sent, query included (e.g. `/fal-ai/nano-banana/requests/<id>/status?logs=0`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, the raw text when not JSON, undefined when empty. */
  body: unknown;
  at: number;
}
export interface FakeFalJob {
  requestId: string;
  modelPath: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary input fields
  input: any;
  inputImages: Buffer[];
  resultImages: Buffer[];
  cancelled: boolean;
}
export interface FakeFal {
  /** http://127.0.0.1:PORT — use as the provider's queueUrl. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Accepted submissions in order; inputImages decoded from the data URIs. */
  readonly jobs: FakeFalJob[];
  /** Mutable between jobs; statuses and outcome apply to jobs submitted after the change. */
  script: FalScript;
  /** Resolves when the count-th job (default 1) was submitted; rejects after timeoutMs (default 5000). */
  waitForJob(count?: number, timeoutMs?: number): Promise<FakeFalJob>;
  close(): Promise<void>;
}

export function defaultFalScript(): FalScript {
  return {
    statuses: [{ status: 'IN_QUEUE', queue_position: 2 }, { status: 'IN_PROGRESS' }],
    outcome: { kind: 'images' },
    submitFailures: [],
    statusFailures: [],
  };
}

function copyScript(script: FalScript): FalScript {
  return {
    statuses: [...script.statuses],
    outcome: script.outcome,
    submitFailures: [...script.submitFailures],
    statusFailures: [...script.statusFailures],
  };
}

/** Per-job state the tests do not see: the script as it was at submission, and how far polling got. */
interface JobState {
  readonly job: FakeFalJob;
  readonly appPath: string;
  readonly statuses: FalScript['statuses'];
  readonly outcome: FalScript['outcome'];
  polls: number;
  completed: boolean;
}

/**
 * Starts the fake. `key`: when given, `Authorization: <authScheme> <key>` is required (401 otherwise);
 * `authScheme` defaults to 'Key' ('Bearer' for a fal-compatible proxy).
 */
export async function startFakeFal(
  options: { key?: string; authScheme?: 'Key' | 'Bearer'; script?: Partial<FalScript> } = {},
): Promise<FakeFal> {
  const requests: ReceivedRequest[] = [];
  const jobs: FakeFalJob[] = [];
  const states = new Map<string, JobState>();
  const files = new Map<string, Buffer>();
  const waiters = new Set<() => void>();
  let base = '';

  const fake: FakeFal = {
    get url() {
      return base;
    },
    requests,
    jobs,
    // Copied: the fake consumes the failure lists, and must not empty the caller's arrays.
    script: copyScript({ ...defaultFalScript(), ...options.script }),
    waitForJob(count = 1, timeoutMs = 5000) {
      return new Promise<FakeFalJob>((resolve, reject) => {
        const check = () => {
          const job = jobs[count - 1];
          if (!job) return false;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(job);
          return true;
        };
        const waiter = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`fake fal: job ${count} not submitted within ${timeoutMs} ms (have ${jobs.length})`));
        }, timeoutMs);
        if (!check()) waiters.add(waiter);
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  const authorized = (req: IncomingMessage) =>
    options.key === undefined || req.headers.authorization === `${options.authScheme ?? 'Key'} ${options.key}`;

  const handle = (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    // Result files are public, like fal's CDN: no key.
    if (method === 'GET' && path.startsWith('/files/')) {
      const bytes = files.get(path.slice('/files/'.length));
      if (!bytes) return json(res, 404, { detail: 'File not found' });
      res.writeHead(200, { 'content-type': mimeOf(bytes), 'content-length': bytes.length });
      return res.end(bytes);
    }
    if (!authorized(req)) return json(res, 401, { detail: 'No user found for Key ID and Secret' });

    const follow = /^\/(.+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path);
    if (follow) {
      const state = states.get(decodeURIComponent(follow[2]!));
      // Enforces the sub-path rule: `/fal-ai/nano-banana/edit/requests/…` is not a route.
      if (!state || state.appPath !== follow[1]) return json(res, 404, { detail: 'Request not found' });
      if (follow[3] === '/status' && method === 'GET') return status(res, state);
      if (follow[3] === '/cancel' && method === 'PUT') {
        state.job.cancelled = true;
        return json(res, 202, { status: 'CANCELLATION_REQUESTED' });
      }
      if (follow[3] === undefined && method === 'GET') return result(res, state);
      return json(res, 405, { detail: 'Method Not Allowed' });
    }
    if (method === 'POST') return submit(res, path, body);
    return json(res, 404, { detail: 'Not Found' });
  };

  const submit = (res: ServerResponse, path: string, body: unknown) => {
    const failure = fake.script.submitFailures.shift();
    if (failure) return json(res, failure.status, failure.body ?? { detail: `HTTP ${failure.status}` }, failure.headers);
    const modelPath = path.replace(/^\/+|\/+$/g, '');
    const segments = modelPath.split('/');
    if (segments.length < 2) return json(res, 404, { detail: 'Application not found' });
    const input = (body ?? {}) as Record<string, unknown>;
    if (typeof input.prompt !== 'string' || input.prompt.trim() === '') return missing(res, 'prompt');
    const isEdit = segments[segments.length - 1] === 'edit';
    const urls = input.image_urls;
    if (isEdit && (!Array.isArray(urls) || urls.length === 0)) return missing(res, 'image_urls');
    const inputImages: Buffer[] = [];
    for (const [i, uri] of (Array.isArray(urls) ? urls : []).entries()) {
      const bytes = decodeDataUri(uri);
      if (!bytes) {
        return json(res, 422, {
          detail: [{ loc: ['body', 'image_urls', i], msg: 'could not decode the data URI', type: 'invalid_data_uri' }],
        });
      }
      inputImages.push(bytes);
    }
    const requestId = randomUUID();
    const appPath = segments.slice(0, 2).join('/');
    const { statuses, outcome } = fake.script;
    const count = typeof input.num_images === 'number' ? input.num_images : 1;
    const resultImages =
      outcome.kind === 'images'
        ? (outcome.images ?? Array.from({ length: count }, (_, i) => makePng(64, 64, 100 + i)))
        : [];
    const job: FakeFalJob = { requestId, modelPath, input, inputImages, resultImages, cancelled: false };
    states.set(requestId, { job, appPath, statuses: [...statuses], outcome, polls: 0, completed: false });
    resultImages.forEach((bytes, n) => files.set(`${requestId}-${n}.${extOf(bytes)}`, bytes));
    jobs.push(job);
    for (const waiter of [...waiters]) waiter();
    const first = statuses[0];
    json(res, 200, {
      status: 'IN_QUEUE',
      request_id: requestId,
      ...followUrls(appPath, requestId),
      queue_position: first?.status === 'IN_QUEUE' ? first.queue_position : 0,
    });
  };

  const followUrls = (appPath: string, requestId: string) => {
    const response_url = `${base}/${appPath}/requests/${requestId}`;
    return { response_url, status_url: `${response_url}/status`, cancel_url: `${response_url}/cancel` };
  };

  const status = (res: ServerResponse, state: JobState) => {
    const failure = fake.script.statusFailures.shift();
    if (failure) return json(res, failure.status, failure.body ?? { detail: `HTTP ${failure.status}` });
    const { requestId } = state.job;
    const common = { request_id: requestId, ...followUrls(state.appPath, requestId) };
    // A cancelled job ends at once, as a failure ([I]: fal's exact answer is not documented).
    const next = state.job.cancelled ? undefined : state.statuses[state.polls];
    if (next) {
      state.polls++;
      return json(res, 202, next.status === 'IN_QUEUE' ? { ...common, ...next } : { ...common, ...next, logs: [] });
    }
    state.completed = true;
    json(res, 200, { ...common, status: 'COMPLETED', logs: [], metrics: { inference_time: 1.5 }, ...failureOf(state) });
  };

  const failureOf = (state: JobState): { error: string; error_type: string } | undefined => {
    if (state.job.cancelled) return { error: 'Request was cancelled', error_type: 'request_cancelled' };
    const { outcome } = state;
    if (outcome.kind !== 'error') return undefined;
    const bodyType = (outcome.body as { error_type?: unknown } | null)?.error_type;
    return {
      error: outcome.error ?? `Request failed with HTTP ${outcome.httpStatus}`,
      error_type: typeof bodyType === 'string' ? bodyType : 'runner_error',
    };
  };

  const result = (res: ServerResponse, state: JobState) => {
    // [I] fal's answer before completion is undocumented; refusing it catches a bot that skips polling.
    if (!state.completed) return json(res, 400, { detail: 'Request is still in progress' });
    if (state.job.cancelled) return json(res, 400, { detail: 'Request was cancelled' });
    const { outcome } = state;
    if (outcome.kind === 'error') return json(res, outcome.httpStatus, outcome.body);
    const { requestId } = state.job;
    json(res, 200, {
      images: state.job.resultImages.map((bytes, n) => ({
        url: `${base}/files/${requestId}-${n}.${extOf(bytes)}`,
        content_type: mimeOf(bytes),
        file_name: `image-${n}.${extOf(bytes)}`,
        file_size: bytes.length,
        ...pngSize(bytes),
      })),
      description: 'Here are the edited images.',
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, body, at: Date.now() });
      try {
        handle(req, res, body);
      } catch (error) {
        json(res, 500, { detail: `fake fal crashed: ${(error as Error).message}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

function missing(res: ServerResponse, field: string): void {
  json(res, 422, { detail: [{ loc: ['body', field], msg: 'field required', type: 'value_error.missing' }] });
}

/** Only base64 data URIs: a plain URL here would mean a platform URL (maybe with a token) leaked to fal. */
function decodeDataUri(uri: unknown): Buffer | undefined {
  if (typeof uri !== 'string') return undefined;
  const match = /^data:[a-z]+\/[a-z0-9.+-]+;base64,([A-Za-z0-9+/]+={0,2})$/i.exec(uri);
  if (!match) return undefined;
  const bytes = Buffer.from(match[1]!, 'base64');
  return bytes.length > 0 ? bytes : undefined;
}

function mimeOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  return 'image/png';
}

function extOf(bytes: Buffer): string {
  return mimeOf(bytes).slice('image/'.length).replace('jpeg', 'jpg');
}

function pngSize(bytes: Buffer): { width?: number; height?: number } {
  if (mimeOf(bytes) !== 'image/png' || bytes.length < 24) return {};
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
