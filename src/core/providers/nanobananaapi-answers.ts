import { z } from 'zod';
import type { JsonResponse } from '../http/request.ts';

/**
 * The shapes nanobananaapi.ai answers with (reference §3). Every answer is an envelope
 * `{code, msg, data}` whose `code` carries the real verdict: the documented example answers HTTP 200
 * with `code: 400/401/500` inside, so HTTP status and `code` are read separately.
 */

/** A whole number, also when sent as a numeric string (cheap tolerance; the docs say integer). */
const Int = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

const Envelope = z.object({
  code: Int,
  msg: z.string().nullish(),
  data: z.unknown().optional(),
});

export interface Answer {
  /** The verdict: the envelope `code`, or the HTTP status when that says more (see `readAnswer`). */
  readonly code: number;
  /** The provider's own words; untrusted, scrub before quoting. */
  readonly msg: string | undefined;
  readonly data: unknown;
}

/**
 * The verdict of one answer, or undefined when a 2xx answer is not an envelope at all.
 * A non-2xx HTTP status wins unless the envelope names a more specific failure code (a gateway's
 * HTML 503 has no envelope; an API 4xx may carry `code: 402` inside).
 */
export function readAnswer(res: JsonResponse): Answer | undefined {
  const parsed = Envelope.safeParse(res.json);
  const envelope = parsed.success ? parsed.data : undefined;
  const httpOk = res.status >= 200 && res.status <= 299;
  if (httpOk) {
    return envelope ? { code: envelope.code, msg: envelope.msg?.trim() || undefined, data: envelope.data } : undefined;
  }
  const code = envelope && envelope.code !== 200 ? envelope.code : res.status;
  return { code, msg: envelope?.msg?.trim() || undefined, data: envelope?.data };
}

export const SubmitData = z.object({ taskId: z.string().min(1) });

/** `data` of record-info. `response` is read separately: while a task runs it may be empty or null. */
export const RecordInfo = z.object({
  taskId: z.string().nullish(),
  successFlag: Int.nullish(),
  errorCode: z.union([z.number(), z.string()]).nullish(),
  errorMessage: z.string().nullish(),
  response: z.unknown().optional(),
});
export type RecordInfo = z.infer<typeof RecordInfo>;

const ResultUrls = z.object({
  resultImageUrl: z.string().nullish(),
  originImageUrl: z.string().nullish(),
});

/**
 * The image of a finished task: `resultImageUrl` (on nanobananaapi's own server, "longer availability")
 * in preference to `originImageUrl` (the upstream copy, valid for 10 minutes only). Undefined when
 * neither is an http(s) URL.
 */
export function resultUrlOf(info: RecordInfo): string | undefined {
  const parsed = ResultUrls.safeParse(info.response);
  if (!parsed.success) return undefined;
  const candidates = [parsed.data.resultImageUrl, parsed.data.originImageUrl];
  return candidates.map((url) => url?.trim()).find((url): url is string => !!url && /^https?:\/\//i.test(url));
}

/** The documented `successFlag` values (Get Task Details): 0 running, 1 done, 2 and 3 the two failure kinds. */
export const SUCCESS_FLAG = { generating: 0, success: 1, createFailed: 2, generateFailed: 3 } as const;

/** Why a task with successFlag 2 or 3 failed: `errorMessage`, else `errorCode`, else what the flag says. */
export function failureOf(info: RecordInfo): string {
  const message = info.errorMessage?.trim();
  if (message) return message;
  const code = String(info.errorCode ?? '').trim();
  if (code !== '' && code !== '0') return `error code ${code}`;
  return info.successFlag === SUCCESS_FLAG.createFailed ? 'task creation failed' : 'image generation failed';
}
