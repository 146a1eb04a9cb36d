import { BotError } from '../errors.ts';
import type { JsonResponse } from '../http/request.ts';
import type { RetryPolicy } from '../http/retry.ts';
import { createFalClient } from './fal-client.ts';
import { describeFalBody } from './fal-errors.ts';
import { FalStatusAnswer, readStatusResponse, toProviderStatus } from './fal-status.ts';
import { withoutLogs } from './fal-urls.ts';
import { createFalProvider, type FalOptions } from './fal.ts';
import { cleanReason } from './provider-errors.ts';
import type { Provider, ProviderStatus, Submission } from './provider.ts';

/**
 * ChainHub (seed 000, reference §2): a fal-compatible proxy. Documented: the fal submit with Bearer
 * auth on its own host, answers in the fal queue shape whose *_url fields point at queue.fal.run (the
 * client swaps the host: `pinToQueue` does), and the result route. Not documented: status, cancel,
 * webhooks, the status stream. So stream and webhooks are off; status tries the host-swapped fal status
 * URL and, if that route does not exist, reads the result endpoint instead; cancel is best effort.
 */
export interface ChainHubOptions {
  key: string;
  /** e.g. https://api.chainhub.tech */
  baseUrl: string;
  /** Edit model, e.g. 'fal-ai/nano-banana/edit'. */
  model: string;
  /** Text-to-image model, e.g. 'fal-ai/nano-banana'. */
  textModel: string;
  retry?: RetryPolicy | undefined;
  /** Per HTTP call; default 30 s. */
  timeoutMs?: number | undefined;
}

/** Statuses that outlived the retries: the proxy is struggling, which says nothing about the job. */
const TRANSIENT = new Set([401, 403, 429, 502, 503, 504]);

/** How a proxy says "not finished yet" on the result route (fal's own 400 text, reference §1.5 [I]). */
const NOT_READY = /still in progress|in progress|in queue|queued|not (yet )?(ready|completed|finished)/i;

/**
 * The result route read as a status: 2xx is done; a "still running" answer is running; any other
 * error is the job's verdict, as for fal, whose result GET has the final word (reference §0).
 */
export function statusFromResult(provider: string, res: JsonResponse, secret: string): ProviderStatus {
  const answer = FalStatusAnswer.safeParse(res.json);
  const hasImages = Array.isArray((res.json as { images?: unknown } | null)?.images);
  if (answer.success && !hasImages && (answer.data.status === 'IN_QUEUE' || answer.data.status === 'IN_PROGRESS')) {
    return toProviderStatus(answer.data, secret);
  }
  if (res.status === 202) return { state: 'running' };
  if (res.status >= 200 && res.status <= 299) return { state: 'completed' };
  if (TRANSIENT.has(res.status)) {
    const why = res.status === 401 || res.status === 403 ? 'rejected the API key' : 'answered';
    throw new BotError('PROVIDER_UNAVAILABLE', `${provider} result ${why} (HTTP ${res.status})`);
  }
  const reason = cleanReason(describeFalBody(res.json), secret);
  if (res.status === 400 && reason !== undefined && NOT_READY.test(reason)) return { state: 'running' };
  return { state: 'failed', reason: reason ?? `HTTP ${res.status}` };
}

export function createChainHubProvider(options: ChainHubOptions): Provider {
  const retry = options.retry;
  const falOptions: FalOptions = {
    name: 'chainhub',
    key: options.key,
    queueUrl: options.baseUrl,
    model: options.model,
    textModel: options.textModel,
    authScheme: 'Bearer',
    stream: false,
    webhooks: false,
    ...(retry ? { retry: { submit: retry, status: retry, result: retry, cancel: retry } } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const fal = createFalProvider(falOptions);
  const client = createFalClient(falOptions);
  /** Learnt once per instance: the status route answered 404 or 405. */
  let statusRouteMissing = false;

  const readResult = (submission: Submission, signal: AbortSignal) =>
    client.send('result', { method: 'GET', url: client.urlsOf(submission).response, signal });

  return {
    ...fal,
    async status(submission: Submission, signal: AbortSignal): Promise<ProviderStatus> {
      if (statusRouteMissing) return statusFromResult(client.name, await readResult(submission, signal), client.secret);
      const url = withoutLogs(client.urlsOf(submission).status);
      const res = await client.send('status', { method: 'GET', url, signal });
      if (res.status !== 404 && res.status !== 405) return readStatusResponse(client.name, res, client.secret);
      const fallback = await readResult(submission, signal);
      // A 404 may only mean "no such request": the route is missing when the result route knows the request.
      if (res.status === 405 || fallback.status !== 404) statusRouteMissing = true;
      return statusFromResult(client.name, fallback, client.secret);
    },
  };
}
