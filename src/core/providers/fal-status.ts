import { z } from 'zod';
import type { JsonResponse } from '../http/request.ts';
import { statusError } from './fal-errors.ts';
import { cleanReason, protocolError } from './provider-errors.ts';
import type { ProviderStatus } from './provider.ts';

/** A fal queue status object (reference §1.3), as polled or as one `data:` event of the stream (§1.4). */
export const FalStatusAnswer = z.object({
  status: z.string(),
  queue_position: z.number().nullish(),
  error: z.string().nullish(),
  error_type: z.string().nullish(),
});
export type FalStatusAnswer = z.infer<typeof FalStatusAnswer>;

/** fal's status values in ours. fal has no FAILED: a failure is COMPLETED with `error`/`error_type`. */
export function toProviderStatus(answer: FalStatusAnswer, secret: string): ProviderStatus {
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
}

export function isTerminal(status: ProviderStatus): boolean {
  return status.state === 'completed' || status.state === 'failed';
}

/** One status GET answer (200 when complete, 202 while queued or running) as a ProviderStatus. */
export function readStatusResponse(provider: string, res: JsonResponse, secret: string): ProviderStatus {
  if (res.status < 200 || res.status > 299) throw statusError(provider, res, secret);
  const parsed = FalStatusAnswer.safeParse(res.json);
  if (!parsed.success) throw protocolError(provider, 'status', 'no status field');
  return toProviderStatus(parsed.data, secret);
}
