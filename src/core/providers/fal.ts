import { z } from 'zod';
import { BotError } from '../errors.ts';
import type { JsonRequest } from '../http/request.ts';
import type { RetryPolicy } from '../http/retry.ts';
import { cleanReason, resultError, statusError, submitError, transportError } from './fal-errors.ts';
import { checkFalInput, toFalBody } from './fal-input.ts';
import { FAL_RETRY_DEFAULTS, falRequest, type FalCall } from './fal-retry.ts';
import { buildRequestUrls, pinToQueue, trimBase, trimModel, withoutLogs, type FalRequestUrls } from './fal-urls.ts';
import type { EditInput, Provider, ProviderResult, ProviderStatus, Submission } from './provider.ts';

export interface FalOptions {
  /** Default 'fal'; a fal-compatible proxy gets its own name. */
  name?: string;
  key: string;
  /** e.g. https://queue.fal.run; a trailing slash is tolerated. */
  queueUrl: string;
  /** Edit model, e.g. 'fal-ai/nano-banana/edit'. */
  model: string;
  /** Text-to-image model, e.g. 'fal-ai/nano-banana'. */
  textModel: string;
  /** Default 'Key' (fal); a fal-compatible proxy uses 'Bearer'. */
  authScheme?: 'Key' | 'Bearer';
  retry?: Partial<Record<FalCall, RetryPolicy>>;
  /** Per HTTP call; default that of requestJson (30 s). */
  timeoutMs?: number;
}

const SubmitAnswer = z.object({
  request_id: z.string().min(1),
  status_url: z.string().nullish(),
  response_url: z.string().nullish(),
  cancel_url: z.string().nullish(),
});

const StatusAnswer = z.object({
  status: z.string(),
  queue_position: z.number().nullish(),
  error: z.string().nullish(),
  error_type: z.string().nullish(),
});

const ResultAnswer = z.object({
  images: z.array(z.object({ url: z.string().min(1), content_type: z.string().nullish() })),
  description: z.string().nullish(),
});

/** How long a best-effort cancel may take in all, retries included. */
const CANCEL_BUDGET_MS = 30_000;

/** The fal queue API (reference §1), also serving any fal-compatible proxy by base URL and auth scheme. */
export function createFalProvider(options: FalOptions): Provider {
  const name = options.name ?? 'fal';
  const queueUrl = trimBase(options.queueUrl);
  const secret = options.key;
  const authorization = `${options.authScheme ?? 'Key'} ${options.key}`;

  const policy = (call: FalCall): RetryPolicy => options.retry?.[call] ?? FAL_RETRY_DEFAULTS[call];

  const send = async (call: FalCall, req: Omit<JsonRequest, 'headers' | 'timeoutMs'>) => {
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
  };

  /** Follow-up URLs: those the submit answer gave (pinned to our origin), else built by the sub-path rule. */
  const urlsOf = (submission: Submission): FalRequestUrls => {
    const built = buildRequestUrls(queueUrl, options.model, submission.requestId);
    const urls = submission.urls ?? {};
    return {
      status: pinToQueue(queueUrl, urls.status) ?? built.status,
      response: pinToQueue(queueUrl, urls.response) ?? built.response,
      cancel: pinToQueue(queueUrl, urls.cancel) ?? built.cancel,
    };
  };

  const protocol = (call: FalCall, problem: string) =>
    new BotError('PROVIDER_PROTOCOL', `${name} ${call} answer is unreadable: ${problem}`);

  return {
    name,

    check(input: EditInput): string | null {
      return checkFalInput(input);
    },

    async submit(input: EditInput, signal: AbortSignal): Promise<Submission> {
      const problem = checkFalInput(input);
      // The core checks first; this guard keeps a bad input from ever costing money.
      if (problem) throw new BotError('PROVIDER_REJECTED', `${name} cannot run the input: ${problem}`, { userDetail: problem });
      const model = trimModel(input.images.length > 0 ? options.model : options.textModel);
      // Built once: retries resend the same body instead of re-encoding every image.
      const body = toFalBody(input);
      const res = await send('submit', { method: 'POST', url: `${queueUrl}/${model}`, body, signal });
      if (res.status < 200 || res.status > 299) throw submitError(name, res, secret);
      const parsed = SubmitAnswer.safeParse(res.json);
      if (!parsed.success) throw protocol('submit', 'no request_id');
      const answer = parsed.data;
      const built = buildRequestUrls(queueUrl, model, answer.request_id);
      return {
        provider: name,
        requestId: answer.request_id,
        urls: {
          status: pinToQueue(queueUrl, answer.status_url ?? undefined) ?? built.status,
          response: pinToQueue(queueUrl, answer.response_url ?? undefined) ?? built.response,
          cancel: pinToQueue(queueUrl, answer.cancel_url ?? undefined) ?? built.cancel,
        },
      };
    },

    async status(submission: Submission, signal: AbortSignal): Promise<ProviderStatus> {
      const url = withoutLogs(urlsOf(submission).status);
      const res = await send('status', { method: 'GET', url, signal });
      if (res.status < 200 || res.status > 299) throw statusError(name, res, secret);
      const parsed = StatusAnswer.safeParse(res.json);
      if (!parsed.success) throw protocol('status', 'no status field');
      const answer = parsed.data;
      switch (answer.status) {
        case 'IN_QUEUE':
          return { state: 'queued', position: answer.queue_position ?? undefined };
        case 'IN_PROGRESS':
          return { state: 'running' };
        case 'COMPLETED': {
          const failure = [answer.error, answer.error_type].filter((v): v is string => !!v && v.trim() !== '');
          if (failure.length === 0) return { state: 'completed' };
          return { state: 'failed', reason: cleanReason(failure.join(' / '), secret) ?? 'failed' };
        }
        default:
          // Unknown values (FAILED, CANCELED in third-party schemas) are terminal: the result GET decides.
          return { state: 'completed' };
      }
    },

    async result(submission: Submission, signal: AbortSignal): Promise<ProviderResult> {
      const res = await send('result', { method: 'GET', url: urlsOf(submission).response, signal });
      if (res.status < 200 || res.status > 299) throw resultError(name, res, secret);
      const parsed = ResultAnswer.safeParse(res.json);
      if (!parsed.success) throw protocol('result', 'expected {images: [{url}], description}');
      return {
        images: parsed.data.images.map((image) => ({ url: image.url, contentType: image.content_type ?? undefined })),
        description: parsed.data.description ?? undefined,
      };
    },

    async cancel(submission: Submission): Promise<void> {
      try {
        await send('cancel', { method: 'PUT', url: urlsOf(submission).cancel, signal: AbortSignal.timeout(CANCEL_BUDGET_MS) });
      } catch {
        // Best effort by contract: the job is being given up on either way.
      }
    },
  };
}
