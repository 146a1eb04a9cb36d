/**
 * Unexpected failures are `BotError`s with a stable `code`; expected outcomes (quota denied, job failed)
 * are values, not exceptions. `messages.ts` is the one place that turns a code into words for a user.
 *
 * `message` is for operators (logs) and must never hold a secret; `userDetail` is optional extra text
 * that is safe to show a user (for example which input field a provider rejected).
 */
export type ErrorCode =
  | 'INPUT_INVALID' // the user's request is malformed (no prompt, too many images, bad option)
  | 'IMAGE_UNSUPPORTED' // bytes are not JPEG, PNG or WebP
  | 'IMAGE_TOO_LARGE' // over the byte cap or the pixel cap
  | 'DOWNLOAD_FAILED' // an input or result could not be fetched
  | 'PROVIDER_REJECTED' // the provider refused the input (422 and the like); nothing was charged
  | 'PROVIDER_UNAVAILABLE' // network error, 5xx or 429 after retries
  | 'PROVIDER_FAILED' // the provider accepted the job and then reported a failure
  | 'PROVIDER_PROTOCOL' // the provider answered with something we cannot read
  | 'TIMED_OUT' // the job's overall deadline passed
  | 'CANCELLED' // the requester cancelled the job before its results were in hand
  | 'STORE_UNAVAILABLE' // the store failed: requests are denied, never let through
  | 'DELIVERY_FAILED' // the platform refused the result upload
  | 'INTERNAL';

export class BotError extends Error {
  readonly code: ErrorCode;
  readonly userDetail: string | undefined;

  constructor(code: ErrorCode, message: string, options: { userDetail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BotError';
    this.code = code;
    this.userDetail = options.userDetail;
  }
}

export function isBotError(error: unknown): error is BotError {
  return error instanceof BotError;
}

/** Wraps anything thrown into a BotError, keeping an existing code. */
export function toBotError(error: unknown, fallback: ErrorCode = 'INTERNAL'): BotError {
  if (isBotError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BotError(fallback, message, { cause: error });
}
