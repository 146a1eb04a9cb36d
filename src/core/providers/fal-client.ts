import type { JsonRequest, JsonResponse } from '../http/request.ts';
import type { RetryPolicy } from '../http/retry.ts';
import { transportError } from './provider-errors.ts';
import { FAL_RETRY_DEFAULTS, falRequest, type FalCall } from './fal-retry.ts';
import { buildRequestUrls, pinToQueue, trimBase, type FalRequestUrls } from './fal-urls.ts';
import type { Submission } from './provider.ts';

/** Where and how to reach a fal queue, or a fal-compatible proxy. */
export interface FalConnection {
  /** Default 'fal'; a fal-compatible proxy gets its own name. */
  name?: string;
  key: string;
  /** e.g. https://queue.fal.run; a trailing slash is tolerated. */
  queueUrl: string;
  /** Edit model, e.g. 'fal-ai/nano-banana/edit'. */
  model: string;
  /** Default 'Key' (fal); a fal-compatible proxy uses 'Bearer'. */
  authScheme?: 'Key' | 'Bearer';
  retry?: Partial<Record<FalCall, RetryPolicy>>;
  /** Per HTTP call; default that of requestJson (30 s). */
  timeoutMs?: number;
}

export interface FalClient {
  readonly name: string;
  /** The key, for scrubbing server text quoted in errors; never put into a message. */
  readonly secret: string;
  readonly queueUrl: string;
  readonly authorization: string;
  /** One call with its retry rules; transport failures become BotErrors, an abort rethrows the signal's reason. */
  send(call: FalCall, req: Omit<JsonRequest, 'headers' | 'timeoutMs'>): Promise<JsonResponse>;
  /** Follow-up URLs: those the submit answer gave (pinned to our origin), else built by the sub-path rule. */
  urlsOf(submission: Submission): FalRequestUrls;
  /** The follow-up URLs of a fresh submit answer, pinned to our origin. */
  urlsFromAnswer(model: string, requestId: string, returned: Partial<Record<keyof FalRequestUrls, string | undefined>>): FalRequestUrls;
}

export function createFalClient(options: FalConnection): FalClient {
  const name = options.name ?? 'fal';
  const queueUrl = trimBase(options.queueUrl);
  const secret = options.key;
  const authorization = `${options.authScheme ?? 'Key'} ${options.key}`;
  const policy = (call: FalCall): RetryPolicy => options.retry?.[call] ?? FAL_RETRY_DEFAULTS[call];

  const urlsFromAnswer: FalClient['urlsFromAnswer'] = (model, requestId, returned) => {
    const built = buildRequestUrls(queueUrl, model, requestId);
    return {
      status: pinToQueue(queueUrl, returned.status) ?? built.status,
      response: pinToQueue(queueUrl, returned.response) ?? built.response,
      cancel: pinToQueue(queueUrl, returned.cancel) ?? built.cancel,
    };
  };

  return {
    name,
    secret,
    queueUrl,
    authorization,
    async send(call, req) {
      const full: JsonRequest = {
        ...req,
        headers: { authorization },
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      };
      try {
        return await falRequest(call, full, policy(call));
      } catch (error) {
        if (req.signal?.aborted) throw req.signal.reason;
        throw transportError(name, call, error, secret);
      }
    },
    urlsOf: (submission) => urlsFromAnswer(options.model, submission.requestId, submission.urls ?? {}),
    urlsFromAnswer,
  };
}
