import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createNanoBananaApiProvider } from '../../src/core/providers/nanobananaapi.ts';
import {
  callbackBody,
  envelope,
  fetchInput,
  invalidSubmit,
  isLoopbackHttp,
  postCallback,
  type SentCallback,
} from './fake-nanobananaapi-parts.ts';
import { createWaiters, startLoopbackServer } from './fake-http.ts';
import { makePng } from './png.ts';
import type { ContractFakeFactory, ContractJob, ContractRequest } from './provider-contract.ts';

export type { SentCallback } from './fake-nanobananaapi-parts.ts';

/**
 * A loopback nanobananaapi.ai (reference §3, seed 004): generate, record-info, credit, the result files
 * it serves itself, and the callbacks a finished task POSTs to a loopback callBackUrl. Every verdict
 * travels in the `{code, msg, data}` envelope with HTTP 200, as the docs show; scripted failures can
 * also answer a real HTTP error.
 */

export type FakeNanoOutcome =
  /** Success. Task k under this outcome serves images[k % length]; default a distinct PNG per task. */
  | { kind: 'images'; images?: Buffer[]; onlyOriginUrl?: boolean }
  /** Accepted, then failed: successFlag 3 (default) or 2, errorMessage = reason; callback code 400 (default) or 501. */
  | { kind: 'refused'; reason: string; successFlag?: 2 | 3; errorCode?: number; callbackCode?: number };

/**
 * An answer given instead of the real one: an HTTP status (e.g. 503; `body`, when given, is sent as is:
 * a string as HTML, anything else as JSON) or an envelope code with HTTP 200 (e.g. 500, 455, 400).
 */
export type FakeNanoFailure = { http: number; body?: unknown } | { code: number; msg?: string };

export interface FakeNanoScript {
  /** successFlag-0 answers before a task ends; 0 ends it at submit, so its callback comes before any poll. Default 1. */
  runningPolls: number;
  outcome: FakeNanoOutcome;
  /** Answered to the next submits, in order, before one is accepted. */
  submitFailures: FakeNanoFailure[];
  /** Answered to the next record-info reads. */
  recordInfoFailures: FakeNanoFailure[];
  /** Whether an ending task POSTs its loopback callBackUrl. Default true. */
  callbacks: boolean;
}

export interface FakeNanoRequest extends ContractRequest {
  /** Parsed JSON, undefined when empty or not JSON. */
  readonly body: unknown;
}

export interface FakeNanoTask extends ContractJob {
  readonly taskId: string;
  readonly type: string;
  readonly callBackUrl: string;
  ended: boolean;
}

export interface FakeNanoBananaApi {
  /** http://127.0.0.1:PORT: the provider's baseUrl. */
  readonly url: string;
  readonly requests: FakeNanoRequest[];
  /** Accepted tasks in order, their input images fetched from imageUrls. */
  readonly jobs: FakeNanoTask[];
  /** Callbacks sent, in order; `status`/`error` fill in when the POST ends. */
  readonly callbacks: SentCallback[];
  /** Applies to tasks submitted after a change (failure lists are consumed as used). */
  script: FakeNanoScript;
  /** Ends a task now (default the latest), sending its callback; resolves when that POST is done. */
  complete(taskId?: string): Promise<void>;
  waitForJob(count?: number, timeoutMs?: number): Promise<FakeNanoTask>;
  /** Resolves when the count-th callback POST has ended. */
  waitForCallback(count?: number, timeoutMs?: number): Promise<SentCallback>;
  close(): Promise<void>;
}

interface TaskState {
  readonly task: FakeNanoTask;
  readonly outcome: FakeNanoOutcome;
  readonly runningPolls: number;
  readonly image: Buffer | undefined;
  readonly createTime: string;
  polls: number;
  completeTime: string;
}

export async function startFakeNanoBananaApi(options: { key: string; script?: Partial<FakeNanoScript> }): Promise<FakeNanoBananaApi> {
  const requests: FakeNanoRequest[] = [];
  const jobs: FakeNanoTask[] = [];
  const callbacks: SentCallback[] = [];
  const states = new Map<string, TaskState>();
  const waiters = createWaiters();
  const pending = new Set<Promise<void>>();
  const closing = new AbortController();
  // Which image of a scripted list the next task serves; restarts when the outcome is replaced.
  let servedUnderOutcome = 0;
  let countedOutcome: FakeNanoOutcome | undefined;
  let base = '';
  const notify = () => waiters.notify();

  const fake: FakeNanoBananaApi = {
    get url() {
      return base;
    },
    requests,
    jobs,
    callbacks,
    script: { runningPolls: 1, outcome: { kind: 'images' }, submitFailures: [], recordInfoFailures: [], callbacks: true, ...options.script },
    complete(taskId) {
      const state = taskId === undefined ? [...states.values()].at(-1) : states.get(taskId);
      if (!state) return Promise.reject(new Error(`fake nanobananaapi: no task ${taskId ?? '(none submitted)'}`));
      return end(state);
    },
    waitForJob: (count = 1, timeoutMs = 5000) =>
      waiters.wait(() => jobs[count - 1], timeoutMs, () => `fake nanobananaapi: job ${count} not submitted within ${timeoutMs} ms`),
    waitForCallback: (count = 1, timeoutMs = 5000) =>
      waiters.wait(
        () => {
          const sent = callbacks[count - 1];
          return sent && (sent.status !== undefined || sent.error !== undefined) ? sent : undefined;
        },
        timeoutMs,
        () => `fake nanobananaapi: callback ${count} not delivered within ${timeoutMs} ms`,
      ),
    async close() {
      closing.abort();
      await Promise.allSettled([...pending]);
      await server.close();
    },
  };

  const fileUrl = (kind: 'result' | 'origin', taskId: string) => `${base}/files/${kind}/${taskId}.png`;

  /** The task ends: from now on record-info shows its outcome, and its callback goes out. */
  const end = async (state: TaskState): Promise<void> => {
    if (state.task.ended) return;
    state.task.ended = true;
    state.completeTime = new Date().toISOString();
    const { task, outcome } = state;
    if (!fake.script.callbacks || !isLoopbackHttp(task.callBackUrl)) return;
    const ending =
      outcome.kind === 'images'
        ? { resultImageUrl: fileUrl('result', task.taskId) }
        : { code: outcome.callbackCode ?? 400, msg: outcome.reason };
    const sent: SentCallback = { taskId: task.taskId, url: task.callBackUrl, body: callbackBody(task.taskId, ending) };
    callbacks.push(sent);
    const posting = postCallback(sent, closing.signal).finally(() => {
      pending.delete(posting);
      notify();
    });
    pending.add(posting);
    await posting;
  };

  const scripted = (res: ServerResponse, failure: FakeNanoFailure) => {
    if (!('http' in failure)) return envelope(res, failure.code, failure.msg ?? `code ${failure.code}`);
    if (failure.body === undefined) return envelope(res, failure.http, `HTTP ${failure.http}`, null, failure.http);
    // A raw answer: a gateway's HTML page, or JSON that is no envelope.
    const text = typeof failure.body === 'string' ? failure.body : JSON.stringify(failure.body);
    res.writeHead(failure.http, { 'content-type': typeof failure.body === 'string' ? 'text/html' : 'application/json' });
    res.end(text);
  };

  const submit = async (res: ServerResponse, body: unknown) => {
    const failure = fake.script.submitFailures.shift();
    if (failure) return scripted(res, failure);
    const problem = invalidSubmit(body);
    if (problem) return envelope(res, 400, problem);
    const b = body as Record<string, unknown>;
    const inputUrls = (b.imageUrls as string[] | undefined) ?? [];
    const inputImages: Buffer[] = [];
    for (const [i, url] of inputUrls.entries()) {
      const bytes = await fetchInput(url);
      if (!bytes) return envelope(res, 400, `imageUrls[${i}] could not be downloaded`);
      inputImages.push(bytes);
    }
    const taskId = randomBytes(16).toString('hex');
    const { outcome, runningPolls } = fake.script;
    if (outcome !== countedOutcome) [countedOutcome, servedUnderOutcome] = [outcome, 0];
    const k = servedUnderOutcome++;
    const image = outcome.kind === 'images' ? (outcome.images?.[k % outcome.images.length] ?? makePng(64, 64, 100 + k)) : undefined;
    const task: FakeNanoTask = {
      taskId,
      type: b.type as string,
      callBackUrl: b.callBackUrl as string,
      prompt: b.prompt as string,
      inputImages,
      inputUrls,
      count: typeof b.numImages === 'number' ? b.numImages : 1,
      body: b,
      ended: false,
    };
    const state: TaskState = { task, outcome, runningPolls, image, createTime: new Date().toISOString(), polls: 0, completeTime: '' };
    states.set(taskId, state);
    jobs.push(task);
    notify();
    envelope(res, 200, 'success', { taskId });
    if (runningPolls <= 0) void end(state);
  };

  const recordInfo = (res: ServerResponse, taskId: string | null) => {
    const failure = fake.script.recordInfoFailures.shift();
    if (failure) return scripted(res, failure);
    if (!taskId) return envelope(res, 400, 'taskId is required');
    const state = states.get(taskId);
    // [I] kie.ai's wording for an unknown task.
    if (!state) return envelope(res, 422, 'recordInfo is null');
    if (!state.task.ended && state.polls < state.runningPolls) state.polls++;
    else void end(state);
    envelope(res, 200, 'success', recordOf(state));
  };

  const recordOf = (state: TaskState) => {
    const { task, outcome } = state;
    const common = { taskId: task.taskId, paramJson: JSON.stringify(task.body), createTime: state.createTime, completeTime: state.completeTime };
    if (!task.ended) return { ...common, response: null, successFlag: 0, errorCode: 0, errorMessage: '' };
    if (outcome.kind === 'refused') {
      return { ...common, response: null, successFlag: outcome.successFlag ?? 3, errorCode: outcome.errorCode ?? 400, errorMessage: outcome.reason };
    }
    const resultImageUrl = outcome.onlyOriginUrl ? '' : fileUrl('result', task.taskId);
    return { ...common, response: { originImageUrl: fileUrl('origin', task.taskId), resultImageUrl }, successFlag: 1, errorCode: 0, errorMessage: '' };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    // Result files are public, like the real tempfile host: no key.
    const file = /^\/files\/(result|origin)\/([0-9a-f]+)\.png$/.exec(url.pathname);
    if (method === 'GET' && file) {
      const image = states.get(file[2]!)?.image;
      if (!image) return envelope(res, 404, 'file not found', null, 404);
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length });
      return res.end(image);
    }
    if (req.headers.authorization !== `Bearer ${options.key}`) return envelope(res, 401, 'Unauthorized');
    if (method === 'POST' && url.pathname === '/api/v1/nanobanana/generate') return submit(res, body);
    if (method === 'GET' && url.pathname === '/api/v1/nanobanana/record-info') return recordInfo(res, url.searchParams.get('taskId'));
    if (method === 'GET' && url.pathname === '/api/v1/common/credit') return envelope(res, 200, 'success', 1000);
    envelope(res, 404, 'Not Found', null, 404);
  };

  const server = await startLoopbackServer(
    (req, res, { method, path, headers, bodyText, body }) => {
      requests.push({ method, path, headers, bodyText, body });
      return handle(req, res, body);
    },
    (res, error) => envelope(res, 500, `fake crashed: ${error.message}`, null, 500),
  );
  base = server.url;
  return fake;
}

/** The fake behind the shared provider contract suite and the end-to-end tests. */
export const startNanoBananaApiContractFake: ContractFakeFactory = async ({ retry }) => {
  const key = `nba-contract-${randomBytes(12).toString('hex')}`;
  const fake = await startFakeNanoBananaApi({ key });
  return {
    name: 'nanobananaapi',
    provider: createNanoBananaApiProvider({ key, baseUrl: fake.url, retry, timeoutMs: 5000 }),
    env: { NANOBANANAAPI_API_KEY: key, NANOBANANAAPI_BASE_URL: fake.url },
    key,
    received: fake.requests,
    jobs: fake.jobs,
    setOutcome(outcome) {
      fake.script.outcome =
        outcome.kind === 'images' ? { kind: 'images', ...(outcome.images ? { images: [...outcome.images] } : {}) } : { kind: 'refused', reason: outcome.reason };
    },
    failNextSubmits(n) {
      for (let i = 0; i < n; i++) fake.script.submitFailures.push({ http: 503 });
    },
    rejectNextSubmit(reason) {
      fake.script.submitFailures.push({ code: 400, msg: reason });
    },
    close: () => fake.close(),
  };
};
