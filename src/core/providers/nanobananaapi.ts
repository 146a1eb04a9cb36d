import { BotError } from '../errors.ts';
import type { JsonRequest, JsonResponse } from '../http/request.ts';
import { requestWithRetry, type RetryRules } from '../http/retrying.ts';
import type { RetryPolicy } from '../http/retry.ts';
import { failureOf, readAnswer, RecordInfo, resultUrlOf, SubmitData, SUCCESS_FLAG, type Answer } from './nanobananaapi-answers.ts';
import { verifyNanoBananaApiCallback } from './nanobananaapi-callback.ts';
import { recordInfoError, submitError } from './nanobananaapi-errors.ts';
import { inputProblem, rejectUnfit } from './input-guard.ts';
import { NANOBANANAAPI_LIMITS, toNanoBananaApiBody } from './nanobananaapi-input.ts';
import { cleanReason, protocolError, transportError } from './provider-errors.ts';
import {
  ASPECT_RATIOS,
  type CallbackRequest,
  type CallbackVerdict,
  type EditInput,
  type Provider,
  type ProviderCapabilities,
  type ProviderResult,
  type ProviderStatus,
  type PushTarget,
  type Submission,
} from './provider.ts';

export interface NanoBananaApiOptions {
  key: string;
  /** e.g. https://api.nanobananaapi.ai; a trailing slash is tolerated. */
  baseUrl: string;
  /** Watermark text the provider draws on every image; sent only when set. */
  watermark?: string | undefined;
  /** One policy for every call; each call keeps its own rules for what is worth repeating. */
  retry?: RetryPolicy;
  /** Per HTTP call; default that of requestJson (30 s). */
  timeoutMs?: number;
}

/**
 * Documented (seed 004): text-to-image, URL inputs (`imageUrls`), the ten `image_size` ratios with no
 * 'auto' (unset means the field is left out), and no output format field.
 * Inferred: the input-image cap and the prompt length are not documented; 10 and 5000 match the other
 * APIs of the same model. maxImagesPerSubmit is 1 by choice although `numImages` allows 4: record-info
 * documents one `resultImageUrl` per task, so one task per image is the only way to be sure every paid
 * image can be fetched.
 */
export const NANOBANANAAPI_CAPABILITIES: ProviderCapabilities = {
  maxInputImages: NANOBANANAAPI_LIMITS.maxInputImages,
  textToImage: true,
  maxImagesPerSubmit: 1,
  outputFormats: [],
  aspectRatios: ASPECT_RATIOS,
  maxPromptLength: NANOBANANAAPI_LIMITS.maxPromptLength,
  imageInput: 'url',
};

const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000 };

type Call = 'submit' | 'status' | 'result';

/** A submit is not idempotent (a lost answer may hide a paid task); record-info reads change nothing. */
const SUBMIT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const READ_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

const NAME = 'nanobananaapi';

/** nanobananaapi.ai (reference §3): submit a task, read record-info for status and result, optional callback. */
export function createNanoBananaApiProvider(options: NanoBananaApiOptions): Provider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const secret = options.key;
  const policy = options.retry ?? DEFAULT_RETRY;

  const send = async (call: Call, req: Omit<JsonRequest, 'headers' | 'timeoutMs'>): Promise<JsonResponse> => {
    const rules: RetryRules =
      call === 'submit' ? { policy, statuses: SUBMIT_STATUSES, idempotent: false } : { policy, statuses: READ_STATUSES, idempotent: true };
    const full: JsonRequest = {
      ...req,
      headers: { authorization: `Bearer ${options.key}` },
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    try {
      return await requestWithRetry(full, rules);
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw transportError(NAME, call, error, secret);
    }
  };

  /** One record-info read, its envelope checked; the task's own state is left to the caller. */
  const recordInfo = async (call: 'status' | 'result', submission: Submission, signal: AbortSignal): Promise<RecordInfo> => {
    const url = `${base}/api/v1/nanobanana/record-info?taskId=${encodeURIComponent(submission.requestId)}`;
    const answer = expectAnswer(call, await send(call, { method: 'GET', url, signal }));
    if (answer.code !== 200) throw recordInfoError(NAME, call, answer, secret);
    const parsed = RecordInfo.safeParse(answer.data);
    if (!parsed.success) throw protocolError(NAME, call, 'no task record in data');
    return parsed.data;
  };

  const failedReason = (info: RecordInfo): string => cleanReason(failureOf(info), secret) ?? 'failed';

  return {
    name: NAME,

    capabilities: NANOBANANAAPI_CAPABILITIES,

    // resultImageUrl is on tempfile.aiquickdraw.com (reference §3); "our server" may also mean its own domain.
    resultHosts: ['*.aiquickdraw.com', '*.nanobananaapi.ai'],

    async submit(input: EditInput, signal: AbortSignal, push?: PushTarget): Promise<Submission> {
      // The core checks first; this guard keeps a bad input from ever costing money.
      rejectUnfit(NAME, inputProblem(input, NANOBANANAAPI_CAPABILITIES));
      const body = toNanoBananaApiBody(input, options.watermark, push);
      const res = await send('submit', { method: 'POST', url: `${base}/api/v1/nanobanana/generate`, body, signal });
      const answer = expectAnswer('submit', res);
      if (answer.code !== 200) throw submitError(NAME, answer, secret);
      const parsed = SubmitData.safeParse(answer.data);
      if (!parsed.success) throw protocolError(NAME, 'submit', 'no data.taskId');
      return { provider: NAME, requestId: parsed.data.taskId };
    },

    async status(submission: Submission, signal: AbortSignal): Promise<ProviderStatus> {
      const info = await recordInfo('status', submission, signal);
      switch (info.successFlag) {
        // [I] A record read the instant it was created may not carry a flag yet.
        case undefined:
        case null:
        case SUCCESS_FLAG.generating:
          return { state: 'running' };
        case SUCCESS_FLAG.success:
          return { state: 'completed' };
        case SUCCESS_FLAG.createFailed:
        case SUCCESS_FLAG.generateFailed:
          return { state: 'failed', reason: failedReason(info) };
        default:
          throw protocolError(NAME, 'status', `unknown successFlag ${info.successFlag}`);
      }
    },

    async result(submission: Submission, signal: AbortSignal): Promise<ProviderResult> {
      const info = await recordInfo('result', submission, signal);
      if (info.successFlag === SUCCESS_FLAG.success) {
        const url = resultUrlOf(info);
        if (!url) throw protocolError(NAME, 'result', 'successFlag 1 without resultImageUrl or originImageUrl');
        return { images: [{ url }] };
      }
      if (info.successFlag === SUCCESS_FLAG.createFailed || info.successFlag === SUCCESS_FLAG.generateFailed) {
        const reason = failedReason(info);
        throw new BotError('PROVIDER_FAILED', `${NAME} task failed: ${reason}`, { userDetail: reason });
      }
      throw new BotError('PROVIDER_FAILED', `${NAME} task has no result (successFlag ${String(info.successFlag)})`);
    },

    async cancel(): Promise<void> {
      // No cancel endpoint is documented: the task runs to its end and its callback, if any, is ignored.
    },

    async verifyCallback(request: CallbackRequest): Promise<CallbackVerdict> {
      return verifyNanoBananaApiCallback(request);
    },
  };
}

/** The envelope of an answer, or PROVIDER_PROTOCOL when a 2xx answer has none. */
function expectAnswer(call: Call, res: JsonResponse): Answer {
  const answer = readAnswer(res);
  if (!answer) throw protocolError(NAME, call, `HTTP ${res.status} without a {code, msg, data} envelope`);
  return answer;
}
