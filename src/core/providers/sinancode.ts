import { z } from 'zod';
import { BotError } from '../errors.ts';
import type { JsonRequest, JsonResponse } from '../http/request.ts';
import type { RetryPolicy } from '../http/retry.ts';
import { requestWithRetry, type RetryRules } from '../http/retrying.ts';
import { cleanReason, protocolError, transportError } from './provider-errors.ts';
import { ASPECT_RATIOS, type EditInput, type Provider, type ProviderCapabilities, type ProviderResult, type ProviderStatus, type Submission } from './provider.ts';
import { sinanCodeHttpError, taskFailureReason, type SinanCodeCall } from './sinancode-errors.ts';
import { rejectUnfit } from './input-guard.ts';
import { checkSinanCodeInput, SINANCODE_FORMATS, SINANCODE_MAX_IMAGES, SINANCODE_MAX_PROMPT, toSinanCodeBody } from './sinancode-input.ts';

export interface SinanCodeOptions {
  key: string;
  /** e.g. https://api.sinancode.com; a trailing slash is tolerated. */
  baseUrl: string;
  /** One policy for every call; default SINANCODE_RETRY_DEFAULT. */
  retry?: RetryPolicy;
  /** Per HTTP call; default that of requestJson (30 s). */
  timeoutMs?: number;
}

/**
 * Documented (seed 003): up to 10 image URLs, prompt up to 5000 characters, the ratios of ASPECT_RATIOS
 * plus 'auto', png or jpeg, and only the edit endpoint. Inferred: one image per submit, since the body
 * has no count field.
 */
export const SINANCODE_CAPABILITIES: ProviderCapabilities = {
  maxInputImages: SINANCODE_MAX_IMAGES,
  textToImage: false,
  maxImagesPerSubmit: 1,
  outputFormats: SINANCODE_FORMATS,
  aspectRatios: ASPECT_RATIOS,
  maxPromptLength: SINANCODE_MAX_PROMPT,
  imageInput: 'url',
};

/** [I] SinanCode documents no rate limits or retry advice; these are the fal client's status defaults. */
export const SINANCODE_RETRY_DEFAULT: RetryPolicy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000 };

const GATEWAY = [429, 502, 503, 504];
/** A submit is not idempotent (a repeat may pay twice); the task GET changes nothing, so a 500 is worth another try. */
const RETRY_STATUSES: Readonly<Record<SinanCodeCall, ReadonlySet<number>>> = {
  submit: new Set(GATEWAY),
  status: new Set([...GATEWAY, 500]),
  result: new Set([...GATEWAY, 500]),
};

const SubmitAnswer = z.object({ task_id: z.string().min(1) });

/** `GET /v1/tasks/{id}` (get-task docs): `id` and `status` are required; `result` is read only by `result`. */
const TaskAnswer = z.object({
  status: z.string(),
  error_code: z.union([z.string(), z.number()]).nullish(),
  error_msg: z.string().nullish(),
  result: z.unknown(),
});
type TaskAnswer = z.infer<typeof TaskAnswer>;

/** One stored version of the docs says `string[]`, the other `{type, url}[]`: both are accepted. */
const ResultUrls = z.array(z.union([z.string(), z.object({ type: z.string().nullish(), url: z.string() })])).nullish();

/** SinanCode (reference §4): submit an edit, poll the task, read its result URLs. No webhooks, no cancel. */
export function createSinanCodeProvider(options: SinanCodeOptions): Provider {
  const name = 'sinancode';
  const base = options.baseUrl.replace(/\/+$/, '');
  const secret = options.key;
  const authorization = `Bearer ${options.key}`;
  const policy = options.retry ?? SINANCODE_RETRY_DEFAULT;

  const send = async (call: SinanCodeCall, req: Omit<JsonRequest, 'headers' | 'timeoutMs'>): Promise<JsonResponse> => {
    const full: JsonRequest = {
      ...req,
      headers: { authorization },
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    const rules: RetryRules = { policy, statuses: RETRY_STATUSES[call], idempotent: call !== 'submit' };
    try {
      return await requestWithRetry(full, rules);
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw transportError(name, call, error, secret);
    }
  };

  const getTask = async (call: 'status' | 'result', submission: Submission, signal: AbortSignal): Promise<TaskAnswer> => {
    const url = `${base}/v1/tasks/${encodeURIComponent(submission.requestId)}`;
    const res = await send(call, { method: 'GET', url, signal });
    if (res.status < 200 || res.status > 299) throw sinanCodeHttpError(name, call, res, secret);
    const parsed = TaskAnswer.safeParse(res.json);
    if (!parsed.success) throw protocolError(name, call, 'no status field');
    return parsed.data;
  };

  const failureOf = (task: TaskAnswer): string =>
    cleanReason(taskFailureReason(task.error_msg, task.error_code), secret) ?? 'the task failed without a reason';

  return {
    name,

    capabilities: SINANCODE_CAPABILITIES,

    // Results are served from its temporary image host, temppic.sinancode.com (reference §4).
    resultHosts: ['*.sinancode.com'],

    async submit(input: EditInput, signal: AbortSignal): Promise<Submission> {
      // `push` is ignored: SinanCode documents no webhook or callback.
      // The core checks first; this guard keeps a bad input from ever costing money.
      rejectUnfit(name, checkSinanCodeInput(input, SINANCODE_CAPABILITIES));
      const body = toSinanCodeBody(name, input);
      const res = await send('submit', { method: 'POST', url: `${base}/v1/generate/k/nano-banana-edit`, body, signal });
      if (res.status < 200 || res.status > 299) throw sinanCodeHttpError(name, 'submit', res, secret);
      const parsed = SubmitAnswer.safeParse(res.json);
      if (!parsed.success) throw protocolError(name, 'submit', 'no task_id');
      return { provider: name, requestId: parsed.data.task_id };
    },

    async status(submission: Submission, signal: AbortSignal): Promise<ProviderStatus> {
      const task = await getTask('status', submission, signal);
      switch (task.status.trim().toLowerCase()) {
        case 'processing':
          return { state: 'running' };
        case 'completed':
          return { state: 'completed' };
        case 'failed':
          return { state: 'failed', reason: failureOf(task) };
        default:
          // [I] Only `processing` is documented; the waiting value (pending? queued?) is not, so anything
          // else is taken as still waiting. The job's own deadline ends a task that never moves on.
          return { state: 'queued' };
      }
    },

    async result(submission: Submission, signal: AbortSignal): Promise<ProviderResult> {
      const task = await getTask('result', submission, signal);
      const status = task.status.trim().toLowerCase();
      if (status === 'failed') throw new BotError('PROVIDER_FAILED', `${name} task failed: ${failureOf(task)}`);
      if (status !== 'completed') {
        const shown = cleanReason(task.status, secret) ?? '';
        throw new BotError('PROVIDER_FAILED', `${name} task has no result: it is not completed (status "${shown}")`);
      }
      const parsed = ResultUrls.safeParse(task.result);
      if (!parsed.success) throw protocolError(name, 'result', 'expected result: [url] or [{type, url}]');
      const urls = (parsed.data ?? [])
        .map((item) => (typeof item === 'string' ? item : item.url).trim())
        .filter((url) => url !== '');
      if (urls.length === 0) throw new BotError('PROVIDER_FAILED', `${name} task completed without any result image`);
      return { images: urls.map((url) => ({ url })) };
    },

    async cancel(): Promise<void> {
      // Nothing to call: SinanCode documents no way to cancel a task. The job is given up on either way.
    },
  };
}
