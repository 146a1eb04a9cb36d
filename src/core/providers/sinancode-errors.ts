import { BotError } from '../errors.ts';
import type { JsonResponse } from '../http/request.ts';
import { cleanReason } from './provider-errors.ts';

export type SinanCodeCall = 'submit' | 'status' | 'result';

/**
 * The most readable reason an error body offers. [C-3p] A third-party client reads
 * `message || error_msg || error_code` (reference §4); `error` as a plain string is a guess [I] that costs
 * nothing. `error_code` may be a number.
 */
export function describeSinanCodeBody(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const body = json as Record<string, unknown>;
  for (const key of ['message', 'error_msg', 'error_code', 'error']) {
    const text = textOf(body[key]);
    if (text) return text;
  }
  return undefined;
}

/** A task's failure reason: `error_msg`, "fallback to error_code if empty" (get-task docs). */
export function taskFailureReason(errorMsg: unknown, errorCode: unknown): string | undefined {
  return textOf(errorMsg) ?? textOf(errorCode);
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  return value.trim() || undefined;
}

function suffix(reason: string | undefined): string {
  return reason ? `: ${reason}` : '';
}

/** Statuses whose reason is about the user's input, and therefore worth showing to them. */
const INPUT_STATUSES = new Set([400, 413, 422]);

/**
 * A non-2xx answer as a BotError. SinanCode documents no error statuses at all, so this follows HTTP:
 * - 401/403: the key (never quoted). 402 [I]: no credit left. Both, like 429 and 5xx, mean "this
 *   provider cannot serve now", so the core may try the next one.
 * - submit 404/405 [I]: the endpoint is not there (a wrong SINANCODE_BASE_URL), not the user's fault.
 * - submit, other 4xx: the input was refused before anything was spent; the reason reaches the user for 400/413/422.
 * - status/result 404/410: the task is unknown (expired or never existed); waiting will not help.
 */
export function sinanCodeHttpError(provider: string, call: SinanCodeCall, res: JsonResponse, secret: string): BotError {
  const s = res.status;
  if (s === 401 || s === 403) return new BotError('PROVIDER_UNAVAILABLE', `${provider} rejected the API key (HTTP ${s})`);
  const reason = cleanReason(describeSinanCodeBody(res.json), secret);
  if (s === 402 || s === 429 || s >= 500) {
    return new BotError('PROVIDER_UNAVAILABLE', `${provider} ${call} answered HTTP ${s}${suffix(reason)}`);
  }
  if (call === 'submit') {
    if (s === 404 || s === 405) {
      return new BotError('PROVIDER_UNAVAILABLE', `${provider} has no edit endpoint at the configured base URL (HTTP ${s})`);
    }
    if (s >= 400) {
      const userDetail = INPUT_STATUSES.has(s) ? reason : undefined;
      return new BotError('PROVIDER_REJECTED', `${provider} rejected the input (HTTP ${s})${suffix(reason)}`, {
        ...(userDetail ? { userDetail } : {}),
      });
    }
  } else if (s === 404 || s === 410) {
    return new BotError('PROVIDER_FAILED', `${provider} does not know the task (HTTP ${s})${suffix(reason)}`);
  }
  return new BotError('PROVIDER_PROTOCOL', `${provider} ${call} answered unexpected HTTP ${s}${suffix(reason)}`);
}
