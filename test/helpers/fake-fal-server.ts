import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { deliverWebhook, webhookBody } from './fake-fal-delivery.ts';
import { decodeDataUri, extOf, fail, json, mimeOf, missing, pngSize } from './fake-fal-http.ts';
import { createWaiters } from './fake-http.ts';
import { FakeJob } from './fake-fal-job.ts';
import { createWebhookSigner } from './fake-fal-signer.ts';
import { serveStatusStream } from './fake-fal-stream.ts';
import { copyScript, defaultFalScript, type FakeFal, type FakeFalJob, type FakeFalOptions, type ReceivedRequest, type ScriptedStatus } from './fake-fal-types.ts';
import { startLoopbackServer } from './fake-http.ts';
import { makePng } from './png.ts';

/**
 * A loopback fal queue (reference §1): submit (with `fal_webhook`), status, status stream, result,
 * cancel, the result files and the webhook JWKS, with the sub-path rule enforced (status/result/cancel
 * under owner/alias only, never `/edit`). Signed webhooks are POSTed when a job completes.
 */
export async function startFakeFal(options: FakeFalOptions = {}): Promise<FakeFal> {
  const chainhub = options.flavour === 'chainhub';
  const scheme = options.authScheme ?? (chainhub ? 'Bearer' : 'Key');
  const requests: ReceivedRequest[] = [];
  const jobs: FakeFalJob[] = [];
  const states = new Map<string, FakeJob>();
  /** Result files by name, and the status a script gave them instead of their bytes. */
  const files = new Map<string, { bytes: Buffer; status?: number | undefined }>();
  const signer = createWebhookSigner();
  const jobWaiters = createWaiters();
  const webhookWaiters = createWaiters();
  let finishedWebhooks = 0;
  let closed = false;
  let base = '';

  const fake: FakeFal = {
    get url() {
      return base;
    },
    get jwksUrl() {
      return `${base}/.well-known/jwks.json`;
    },
    requests,
    jobs,
    webhooks: [],
    webhookUserId: signer.userId,
    script: copyScript({ ...defaultFalScript(), ...options.script }),
    forgeWebhooks: false,
    rotateWebhookKey: (rotate) => signer.rotate(rotate?.keepOld),
    signWebhook: (body, sign) => signer.sign(body, sign),
    waitForJob: (count = 1, timeoutMs = 5000) =>
      jobWaiters.wait(() => jobs[count - 1], timeoutMs, () => `fake fal: job ${count} not submitted within ${timeoutMs} ms (have ${jobs.length})`),
    waitForWebhook: (count = 1, timeoutMs = 5000) =>
      webhookWaiters.wait(
        () => (finishedWebhooks >= count ? fake.webhooks[count - 1] : undefined),
        timeoutMs,
        () => `fake fal: webhook ${count} not delivered within ${timeoutMs} ms (have ${finishedWebhooks})`,
      ),
    close() {
      closed = true;
      for (const state of states.values()) state.dispose();
      return server.close();
    },
  };

  const authorized = (req: IncomingMessage) => options.key === undefined || req.headers.authorization === `${scheme} ${options.key}`;

  const handle = (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    // Result files are public, like fal's CDN, and so are the webhook keys: no key.
    if (method === 'GET' && path.startsWith('/files/')) {
      const file = files.get(path.slice('/files/'.length));
      if (!file) return json(res, 404, { detail: 'File not found' });
      const failure = fake.script.fileFailures?.shift();
      if (failure) return fail(res, failure);
      if (file.status !== undefined) return json(res, file.status, { detail: file.status === 404 ? 'File not found' : 'Request has expired' });
      res.writeHead(200, { 'content-type': mimeOf(file.bytes), 'content-length': file.bytes.length });
      return res.end(file.bytes);
    }
    if (method === 'GET' && path === '/.well-known/jwks.json') return json(res, 200, signer.jwks());
    if (!authorized(req)) return json(res, 401, { detail: 'No user found for Key ID and Secret' });

    const follow = /^\/(.+)\/requests\/([^/]+)(\/status\/stream|\/status|\/cancel)?$/.exec(path);
    if (follow) {
      const state = states.get(decodeURIComponent(follow[2]!));
      // Enforces the sub-path rule: `/fal-ai/nano-banana/edit/requests/…` is not a route. ChainHub
      // also documents `auto` as the model name.
      const appOk = state && (state.appPath === follow[1] || (chainhub && follow[1] === 'fal-ai/auto'));
      if (!state || !appOk) return json(res, 404, { detail: 'Request not found' });
      const route = follow[3];
      // Routes ChainHub does not document (or that a test removes) do not exist.
      if ((route === '/status/stream' && chainhub) || (route === '/status' && options.statusRoute === 'missing')) {
        return json(res, 404, { detail: 'Not Found' });
      }
      if (route === '/status/stream' && method === 'GET') return stream(res, state);
      if (route === '/status' && method === 'GET') return status(res, state);
      if (route === '/cancel' && method === 'PUT') {
        state.cancel();
        return json(res, 202, { status: 'CANCELLATION_REQUESTED' });
      }
      if (route === undefined && method === 'GET') return result(res, state);
      return json(res, 405, { detail: 'Method Not Allowed' });
    }
    if (method === 'POST') return submit(res, path, body, url.searchParams.get('fal_webhook') ?? undefined);
    return json(res, 404, { detail: 'Not Found' });
  };

  const submit = (res: ServerResponse, path: string, body: unknown, webhookUrl: string | undefined) => {
    const failure = fake.script.submitFailures.shift();
    if (failure) return fail(res, failure);
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
    const script = fake.script;
    const count = typeof input.num_images === 'number' ? input.num_images : 1;
    const resultImages =
      script.outcome.kind === 'images'
        ? (script.outcome.images ?? Array.from({ length: count }, (_, i) => makePng(64, 64, 100 + i)))
        : [];
    const gatewayRequestId = randomUUID();
    const job: FakeFalJob = { requestId, gatewayRequestId, modelPath, input, inputImages, resultImages, cancelled: false, webhookUrl };
    states.set(requestId, new FakeJob({ job, appPath, script, onComplete }));
    resultImages.forEach((bytes, n) => files.set(`${requestId}-${n}.${extOf(bytes)}`, { bytes, status: script.fileStatus }));
    jobs.push(job);
    jobWaiters.notify();
    // With a webhook, fal's docs show only the two ids (reference §1.2): the client builds the URLs.
    if (webhookUrl !== undefined && !chainhub) return json(res, 200, { request_id: requestId, gateway_request_id: gatewayRequestId });
    const first = script.statuses[0];
    json(res, 200, {
      status: 'IN_QUEUE',
      request_id: requestId,
      ...followUrls(appPath, requestId),
      ...(chainhub ? { logs: null, metrics: {} } : {}),
      queue_position: first?.status === 'IN_QUEUE' ? first.queue_position : 0,
    });
  };

  /** fal's own URLs; ChainHub's answers point at queue.fal.run too, so its clients must swap the host. */
  const followUrls = (appPath: string, requestId: string) => {
    const response_url = `${chainhub ? 'https://queue.fal.run' : base}/${appPath}/requests/${requestId}`;
    return { response_url, status_url: `${response_url}/status`, cancel_url: `${response_url}/cancel` };
  };

  /** The status object for a scripted status, or COMPLETED (with error fields when it failed). */
  const statusBody = (state: FakeJob, next: ScriptedStatus | undefined) => {
    const { requestId } = state.job;
    const common = { request_id: requestId, ...followUrls(state.appPath, requestId) };
    if (next) return next.status === 'IN_QUEUE' ? { ...common, ...next } : { ...common, ...next, logs: [] };
    return { ...common, status: 'COMPLETED', logs: [], metrics: { inference_time: 1.5 }, ...state.failure() };
  };

  const status = (res: ServerResponse, state: FakeJob) => {
    const failure = fake.script.statusFailures.shift();
    if (failure) return fail(res, failure);
    const next = state.poll();
    json(res, next ? 202 : 200, statusBody(state, next));
  };

  const stream = (res: ServerResponse, state: FakeJob) => {
    const failure = fake.script.streamFailures?.shift();
    if (failure) return fail(res, failure);
    serveStatusStream(res, state, {
      keepAliveMs: options.keepAliveMs ?? 15_000,
      stepMs: options.streamStepMs ?? 10,
      body: (next) => statusBody(state, next),
    });
  };

  const imagesOf = (state: FakeJob) =>
    state.job.resultImages.map((bytes, n) => ({
      url: `${base}/files/${state.job.requestId}-${n}.${extOf(bytes)}`,
      content_type: mimeOf(bytes),
      file_name: `image-${n}.${extOf(bytes)}`,
      file_size: bytes.length,
      ...pngSize(bytes),
    }));

  const result = (res: ServerResponse, state: FakeJob) => {
    // Without a status route, asking for the result is how a client polls: it moves the job on.
    if (options.statusRoute === 'missing' && state.durationMs === undefined) state.poll();
    // [I] fal's answer before completion is undocumented; refusing it catches a bot that skips polling.
    if (!state.done()) return json(res, 400, { detail: 'Request is still in progress' });
    if (state.job.cancelled) return json(res, 400, { detail: 'Request was cancelled' });
    const failure = fake.script.resultFailures?.shift();
    if (failure) return fail(res, failure);
    const { outcome } = state;
    if (outcome.kind === 'error') return json(res, outcome.httpStatus, outcome.body);
    json(res, 200, { images: imagesOf(state), description: 'Here are the edited images.' });
  };

  /** Signed and POSTed when a job submitted with `fal_webhook` completes. */
  function onComplete(state: FakeJob): void {
    const { webhookUrl, requestId } = state.job;
    if (webhookUrl === undefined || closed) return;
    deliverWebhook({
      url: webhookUrl,
      requestId,
      body: webhookBody(state, () => imagesOf(state)),
      signer,
      forged: fake.forgeWebhooks,
      record: (delivery) => fake.webhooks[fake.webhooks.push(delivery) - 1]!,
      onSettled: () => {
        finishedWebhooks++;
        webhookWaiters.notify();
      },
    });
  }

  const server = await startLoopbackServer(
    (req, res, received) => {
      // Unlike the other fakes, a body that is not JSON is kept as its text.
      const body = received.body === undefined && received.bodyText !== '' ? received.bodyText : received.body;
      requests.push({ ...received, body });
      handle(req, res, body);
    },
    (res, error) => json(res, 500, { detail: `fake fal crashed: ${error.message}` }),
  );
  base = server.url;
  return fake;
}
