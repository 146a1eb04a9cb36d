import { BotError } from '../errors.ts';
import type { JsonResponse } from '../http/request.ts';
import { cleanReason } from './provider-errors.ts';

/**
 * Non-2xx answers of generateContent. Google's envelope is `{error:{code, message, status, details}}`
 * (reference §5); a wrong key comes back as HTTP 400 INVALID_ARGUMENT with an `ErrorInfo` detail whose
 * reason is API_KEY_INVALID [C-3p: many public bug reports quote it], so a 400 is checked for that first.
 */

interface GoogleError {
  readonly message: string | undefined;
  readonly status: string | undefined;
  readonly reasons: readonly string[];
}

export function readGoogleError(json: unknown): GoogleError {
  const error = (json as { error?: unknown } | null | undefined)?.error;
  if (error === null || typeof error !== 'object') {
    return { message: typeof error === 'string' && error.trim() ? error.trim() : undefined, status: undefined, reasons: [] };
  }
  const { message, status, details } = error as { message?: unknown; status?: unknown; details?: unknown };
  const reasons = Array.isArray(details)
    ? details.flatMap((d) => {
        const reason = (d as { reason?: unknown } | null)?.reason;
        return typeof reason === 'string' ? [reason] : [];
      })
    : [];
  return {
    message: typeof message === 'string' && message.trim() ? message.trim() : undefined,
    status: typeof status === 'string' ? status : undefined,
    reasons,
  };
}

/** A key that is missing, wrong, expired or not allowed to call this API. */
function isKeyProblem(error: GoogleError): boolean {
  return error.reasons.some((r) => r.startsWith('API_KEY_')) || /api[ _-]?key/i.test(error.message ?? '');
}

function suffix(reason: string | undefined): string {
  return reason ? `: ${reason}` : '';
}

export function generateContentError(provider: string, res: JsonResponse, secret: string): BotError {
  const s = res.status;
  const error = readGoogleError(res.json);
  if (s === 401 || s === 403 || (s === 400 && isKeyProblem(error))) {
    // Never quote anything about the key, not even Google's own message.
    return new BotError('PROVIDER_UNAVAILABLE', `${provider} rejected the API key (HTTP ${s})`);
  }
  const reason = cleanReason(error.message, secret);
  const label = error.status ? `HTTP ${s} ${error.status}` : `HTTP ${s}`;
  if (s === 429 || s >= 500) {
    return new BotError('PROVIDER_UNAVAILABLE', `${provider} generateContent answered ${label}${suffix(reason)}`);
  }
  // FAILED_PRECONDITION is about the account, not the input ("User location is not supported for the
  // API use", billing not enabled); 404 is a model id Google does not know. Another provider may do.
  if (error.status === 'FAILED_PRECONDITION' || s === 404) {
    return new BotError('PROVIDER_UNAVAILABLE', `${provider} cannot serve requests (${label})${suffix(reason)}`);
  }
  if (s >= 400) {
    // 400 INVALID_ARGUMENT and 413 are about the input, and Google's message says what is wrong.
    const userDetail = s === 400 || s === 413 ? reason : undefined;
    return new BotError('PROVIDER_REJECTED', `${provider} rejected the input (${label})${suffix(reason)}`, {
      ...(userDetail ? { userDetail } : {}),
    });
  }
  return new BotError('PROVIDER_PROTOCOL', `${provider} generateContent answered unexpected ${label}`);
}
