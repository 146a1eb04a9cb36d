import { BotError } from '../errors.ts';
import type { JsonResponse } from '../http/request.ts';
import { isRetryableStatus } from './fal-retry.ts';
import { cleanReason } from './provider-errors.ts';

/**
 * fal's `detail` in words: `[{loc:['body','prompt'], msg:'field required'}]` → "prompt: field required".
 * `detail` may also be a plain string (APIs not yet migrated, reference §1.7).
 */
export function formatDetail(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail.trim() || undefined;
  if (!Array.isArray(detail)) return undefined;
  const parts: string[] = [];
  for (const item of detail) {
    if (item === null || typeof item !== 'object') continue;
    const { loc, msg } = item as { loc?: unknown; msg?: unknown };
    if (typeof msg !== 'string') continue;
    const field = Array.isArray(loc) ? fieldName(loc) : '';
    parts.push(field ? `${field}: ${msg}` : msg);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** `['body','image_urls',0]` → `image_urls[0]`; the leading 'body' says nothing to a user. */
function fieldName(loc: readonly unknown[]): string {
  const path = loc[0] === 'body' ? loc.slice(1) : loc;
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string') out += out ? `.${part}` : part;
  }
  return out;
}

/** The most readable reason an error body offers, or undefined. */
export function describeFalBody(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const body = json as Record<string, unknown>;
  const detail = formatDetail(body.detail);
  if (detail) return detail;
  for (const key of ['error', 'message', 'error_type']) {
    const value = body[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

function suffix(reason: string | undefined): string {
  return reason ? `: ${reason}` : '';
}

/** Statuses whose reason is about the user's input, and therefore worth showing to them. */
const INPUT_STATUSES = new Set([400, 413, 422]);

export function submitError(provider: string, res: JsonResponse, secret: string): BotError {
  const s = res.status;
  if (s === 401 || s === 403) {
    // Never quote anything about the key, not even fal's own message.
    return new BotError('PROVIDER_UNAVAILABLE', `${provider} rejected the API key (HTTP ${s})`);
  }
  const reason = cleanReason(describeFalBody(res.json), secret);
  if (s === 429 || s >= 500) {
    return new BotError('PROVIDER_UNAVAILABLE', `${provider} submit answered HTTP ${s}${suffix(reason)}`);
  }
  if (s >= 400) {
    const userDetail = INPUT_STATUSES.has(s) ? reason : undefined;
    return new BotError('PROVIDER_REJECTED', `${provider} rejected the input (HTTP ${s})${suffix(reason)}`, {
      ...(userDetail ? { userDetail } : {}),
    });
  }
  return new BotError('PROVIDER_PROTOCOL', `${provider} submit answered unexpected HTTP ${s}`);
}

export function statusError(provider: string, res: JsonResponse, secret: string): BotError {
  const s = res.status;
  if (s === 401 || s === 403) return new BotError('PROVIDER_UNAVAILABLE', `${provider} rejected the API key (HTTP ${s})`);
  const reason = cleanReason(describeFalBody(res.json), secret);
  if (s === 429 || s >= 500) {
    return new BotError('PROVIDER_UNAVAILABLE', `${provider} status answered HTTP ${s}${suffix(reason)}`);
  }
  // The queue no longer (or never) knew this request: nothing more will come of it.
  if (s === 404 || s === 410) return new BotError('PROVIDER_FAILED', `${provider} does not know the request (HTTP ${s})`);
  return new BotError('PROVIDER_PROTOCOL', `${provider} status answered unexpected HTTP ${s}${suffix(reason)}`);
}

/**
 * A non-2xx result is the request's verdict (fal has no FAILED status, reference §0), so it is
 * PROVIDER_FAILED; only a rate limit or a gateway error (502, 503, 504) that outlived the retries
 * says "try later" instead: it is about the way to the result, not the result, and no prompt
 * rewording would help.
 */
export function resultError(provider: string, res: JsonResponse, secret: string): BotError {
  const s = res.status;
  if (isRetryableStatus('result', res)) return new BotError('PROVIDER_UNAVAILABLE', `${provider} result answered HTTP ${s}`);
  if (s === 401 || s === 403) {
    return new BotError('PROVIDER_FAILED', `${provider} refused the result: it rejected the API key (HTTP ${s})`);
  }
  const reason = cleanReason(describeFalBody(res.json), secret);
  const userDetail = INPUT_STATUSES.has(s) ? reason : undefined;
  return new BotError('PROVIDER_FAILED', `${provider} request failed (HTTP ${s})${suffix(reason)}`, {
    ...(userDetail ? { userDetail } : {}),
  });
}
