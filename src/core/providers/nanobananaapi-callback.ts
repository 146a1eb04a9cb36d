import { z } from 'zod';
import type { CallbackRequest, CallbackVerdict } from './provider.ts';

/**
 * Both documented callback bodies name the task in `data.taskId`: the generate/edit one
 * `{code, msg, data:{taskId, info:{resultImageUrl}}}` and the generate-2 one, a record-info-like
 * `{code, msg, data:{taskId, successFlag, response, …}}`. Nothing else in them is read.
 */
const CallbackBody = z.object({ data: z.object({ taskId: z.string().trim().min(1) }) });

/**
 * nanobananaapi signs nothing, so a callback is only a hint: its protection is the per-job token in
 * the URL (checked by the core) and the record-info read the core does next. Neither the verdict nor
 * the result URL is taken from the body. Never throws.
 */
export function verifyNanoBananaApiCallback(request: CallbackRequest): CallbackVerdict {
  let json: unknown;
  try {
    json = JSON.parse(request.body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  const parsed = CallbackBody.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'the body names no data.taskId' };
  return { ok: true, requestId: parsed.data.data.taskId };
}
