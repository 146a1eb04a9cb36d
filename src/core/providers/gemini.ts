import { BotError } from '../errors.ts';
import { scrubSecrets } from '../secrets.ts';
import type { JsonResponse } from '../http/request.ts';
import { requestWithRetry, type RetryRules } from '../http/retrying.ts';
import type { RetryPolicy } from '../http/retry.ts';
import { readGeminiAnswer } from './gemini-answer.ts';
import { generateContentError } from './gemini-errors.ts';
import { createHeldResults } from './gemini-held.ts';
import { rejectUnfit } from './input-guard.ts';
import { checkGeminiInput, GEMINI_ASPECT_RATIOS, generateContentUrl, toGeminiBody } from './gemini-request.ts';
import { cleanReason, protocolError, transportError } from './provider-errors.ts';
import type { EditInput, Provider, ProviderCapabilities, ProviderResult, ProviderStatus, Submission } from './provider.ts';

export interface GeminiOptions {
  key: string;
  /** e.g. https://generativelanguage.googleapis.com; a trailing slash is tolerated. */
  baseUrl: string;
  /** e.g. gemini-2.5-flash-image, gemini-3-pro-image-preview. */
  model: string;
  retry?: RetryPolicy;
  /** Per HTTP call; default 120 s because the call does the whole generation. */
  timeoutMs?: number;
  /** Clock for the expiry of held results; tests move it. Default Date.now. */
  now?: () => number;
}

/**
 * Documented: the input caps (Google's limitations page: "a maximum of three images" for 2.5 Flash
 * Image, 14 for Gemini 3 Pro Image; other gemini-3 image models are assumed alike), the ratios
 * (js-genai `ImageConfig`), no count field (the model "might not create the exact number you ask
 * for", so the core makes one call per image) and no format field (`outputMimeType` is "not
 * supported in Gemini API"). Inferred: the prompt length; Google states no limit for image prompts,
 * so 5000 matches the other providers. Unknown models get the cautious cap of 3.
 */
export function geminiCapabilities(model: string): ProviderCapabilities {
  const id = model.replace(/^\/*(models\/)?/, '');
  return {
    maxInputImages: id.startsWith('gemini-3') ? 14 : 3,
    textToImage: true,
    maxImagesPerSubmit: 1,
    outputFormats: [],
    aspectRatios: GEMINI_ASPECT_RATIOS,
    maxPromptLength: 5000,
    imageInput: 'bytes',
  };
}

export const GEMINI_RETRY_DEFAULT: RetryPolicy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000 };
const DEFAULT_TIMEOUT_MS = 120_000;
/** How long a result waits for `result` to fetch it. */
const HOLD_MS = 15 * 60_000;
/**
 * The answer carries the images as base64: a 4K PNG from a Pro model is tens of megabytes, far
 * above requestJson's 2 MiB default for plain JSON.
 */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/**
 * These statuses mean nothing was generated (rate limit, overload, internal error), so sending the
 * same request again is safe. The call is not idempotent otherwise: a transport error after the
 * body was sent may have been paid for and is not repeated.
 */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

export const NOT_KEPT_REASON = 'the result was not kept (the bot restarted)';

/** Google's own API (reference §5). Synchronous: `submit` makes the image and holds it for `result`. */
export function createGeminiProvider(options: GeminiOptions): Provider {
  const name = 'gemini';
  const secret = options.key;
  const url = generateContentUrl(options.baseUrl, options.model);
  const capabilities = geminiCapabilities(options.model);
  const rules: RetryRules = { policy: options.retry ?? GEMINI_RETRY_DEFAULT, statuses: RETRY_STATUSES, idempotent: false };
  const held = createHeldResults({ ttlMs: HOLD_MS, ...(options.now ? { now: options.now } : {}) });

  const generate = async (body: Record<string, unknown>, signal: AbortSignal): Promise<JsonResponse> => {
    try {
      return await requestWithRetry(
        {
          method: 'POST',
          url,
          // The header, never `?key=`: URLs end up in logs.
          headers: { 'x-goog-api-key': options.key },
          body,
          signal,
          timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          maxBytes: MAX_ANSWER_BYTES,
        },
        rules,
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw transportError(name, 'generateContent', error, secret);
    }
  };

  return {
    name,

    capabilities,

    // Images come inline in the answer: nothing to download.
    resultHosts: [],

    async submit(input: EditInput, signal: AbortSignal): Promise<Submission> {
      // The core checks first; this guard keeps a bad input from ever costing money.
      rejectUnfit(name, checkGeminiInput(input, capabilities));
      // Built once: a retry resends the same body instead of re-encoding every image.
      const res = await generate(toGeminiBody(input), signal);
      if (res.status < 200 || res.status > 299) throw generateContentError(name, res, secret);
      const outcome = readGeminiAnswer(res.json);
      if (!outcome) throw protocolError(name, 'generateContent', 'expected {candidates: [{content: {parts}}]}');
      if (outcome.kind === 'no-image') {
        // Accepted and answered, just without an image: a failure the core refunds.
        const reason = cleanReason(outcome.reason, secret) ?? 'no image';
        throw new BotError('PROVIDER_FAILED', `${name} made no image: ${reason}`, { userDetail: reason });
      }
      // Scrubbed in case the model repeats something it should not; not shortened: it is the model's caption.
      const description = outcome.text === undefined ? undefined : scrubSecrets(outcome.text, [secret]);
      const requestId = held.hold({
        images: outcome.images.map((image) => ({ bytes: image.bytes, contentType: image.contentType })),
        description,
      });
      return { provider: name, requestId };
    },

    async status(submission: Submission): Promise<ProviderStatus> {
      return held.has(submission.requestId) ? { state: 'completed' } : { state: 'failed', reason: NOT_KEPT_REASON };
    },

    async result(submission: Submission): Promise<ProviderResult> {
      const result = held.take(submission.requestId);
      if (!result) throw new BotError('PROVIDER_FAILED', `${name}: ${NOT_KEPT_REASON}`, { userDetail: NOT_KEPT_REASON });
      return result;
    },

    async cancel(submission: Submission): Promise<void> {
      // Nothing runs remotely after submit; dropping the held bytes is all there is to cancel.
      try {
        held.forget(submission.requestId);
      } catch {
        // Never throws by contract, whatever it is given.
      }
    },
  };
}
