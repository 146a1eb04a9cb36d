import { z } from 'zod';
import { createFalClient, type FalConnection } from './fal-client.ts';
import { resultError, submitError } from './fal-errors.ts';
import { checkFalInput, toFalBody } from './fal-input.ts';
import { rejectUnfit } from './input-guard.ts';
import { falCapabilities, takesResolution } from './fal-models.ts';
import { readStatusResponse } from './fal-status.ts';
import { watchFalStatus } from './fal-stream.ts';
import { trimModel, withoutLogs } from './fal-urls.ts';
import { createFalWebhookVerifier } from './fal-webhook.ts';
import { protocolError } from './provider-errors.ts';
import type { EditInput, Provider, ProviderResult, ProviderStatus, PushTarget, Submission } from './provider.ts';

export { falCapabilities, falResolutions, FAL_CAPABILITIES } from './fal-models.ts';

export interface FalOptions extends FalConnection {
  /** Text-to-image model, e.g. 'fal-ai/nano-banana'. */
  textModel: string;
  /** FAL_RESOLUTION (e.g. 1K, 2K, 4K): sent only to models that take it (reference §1.15). */
  resolution?: string | undefined;
  /** Offer `watch` over fal's status stream; default true. A proxy without the stream turns it off. */
  stream?: boolean | undefined;
  /** Offer webhooks (`fal_webhook` on submit, `verifyCallback`); default true. */
  webhooks?: boolean | undefined;
  /** Where the webhook signing keys are; default https://rest.alpha.fal.ai/.well-known/jwks.json. */
  jwksUrl?: string | undefined;
  /** Clock for the webhook timestamp check, in ms since the epoch; tests move it. */
  now?: (() => number) | undefined;
  /** Longest silence on the status stream before giving up; default 30 s (fal comments every 15 s). */
  streamIdleMs?: number | undefined;
}

const SubmitAnswer = z.object({
  request_id: z.string().min(1),
  status_url: z.string().nullish(),
  response_url: z.string().nullish(),
  cancel_url: z.string().nullish(),
});

const ResultAnswer = z.object({
  images: z.array(z.object({ url: z.string().min(1), content_type: z.string().nullish() })),
  description: z.string().nullish(),
});

/** How long a best-effort cancel may take in all, retries included. */
const CANCEL_BUDGET_MS = 30_000;

/** `?fal_webhook=<url>` on the submit URL (reference §1.2, §1.8). */
function withWebhook(submitUrl: string, push: PushTarget | undefined): string {
  return push ? `${submitUrl}?fal_webhook=${encodeURIComponent(push.callbackUrl)}` : submitUrl;
}

/** fal's CDN (`fal.media`, `v3.fal.media`, …) and the Google Cloud Storage bucket older results are served from. */
export const FAL_RESULT_HOSTS: readonly string[] = ['fal.media', '*.fal.media', 'storage.googleapis.com'];

/** The fal queue API (reference §1), also serving any fal-compatible proxy by base URL and auth scheme. */
export function createFalProvider(options: FalOptions): Provider {
  const client = createFalClient(options);
  const { name, secret, queueUrl } = client;
  const capabilities = falCapabilities(options.model);
  const webhooks = options.webhooks ?? true;

  const provider: Provider = {
    name,

    capabilities,

    resultHosts: FAL_RESULT_HOSTS,

    async submit(input: EditInput, signal: AbortSignal, push?: PushTarget): Promise<Submission> {
      // The core checks first; this guard keeps a bad input from ever costing money.
      rejectUnfit(name, checkFalInput(input, capabilities));
      const model = trimModel(input.images.length > 0 ? options.model : options.textModel);
      const resolution = takesResolution(model) ? options.resolution : undefined;
      // Built once: retries resend the same body instead of re-encoding every image.
      const body = toFalBody(input, { resolution });
      const url = withWebhook(`${queueUrl}/${model}`, webhooks ? push : undefined);
      const res = await client.send('submit', { method: 'POST', url, body, signal });
      if (res.status < 200 || res.status > 299) throw submitError(name, res, secret);
      const parsed = SubmitAnswer.safeParse(res.json);
      if (!parsed.success) throw protocolError(name, 'submit', 'no request_id');
      const answer = parsed.data;
      // With a webhook fal may answer only {request_id, gateway_request_id}: the URLs are then built.
      return {
        provider: name,
        requestId: answer.request_id,
        urls: {
          ...client.urlsFromAnswer(model, answer.request_id, {
            status: answer.status_url ?? undefined,
            response: answer.response_url ?? undefined,
            cancel: answer.cancel_url ?? undefined,
          }),
        },
      };
    },

    async status(submission: Submission, signal: AbortSignal): Promise<ProviderStatus> {
      const url = withoutLogs(client.urlsOf(submission).status);
      const res = await client.send('status', { method: 'GET', url, signal });
      return readStatusResponse(name, res, secret);
    },

    async result(submission: Submission, signal: AbortSignal): Promise<ProviderResult> {
      const res = await client.send('result', { method: 'GET', url: client.urlsOf(submission).response, signal });
      if (res.status < 200 || res.status > 299) throw resultError(name, res, secret);
      const parsed = ResultAnswer.safeParse(res.json);
      if (!parsed.success) throw protocolError(name, 'result', 'expected {images: [{url}], description}');
      return {
        images: parsed.data.images.map((image) => ({ url: image.url, contentType: image.content_type ?? undefined })),
        description: parsed.data.description ?? undefined,
      };
    },

    async cancel(submission: Submission): Promise<void> {
      try {
        await client.send('cancel', {
          method: 'PUT',
          url: client.urlsOf(submission).cancel,
          signal: AbortSignal.timeout(CANCEL_BUDGET_MS),
        });
      } catch {
        // Best effort by contract: the job is being given up on either way.
      }
    },
  };

  if (options.stream ?? true) {
    provider.watch = (submission, signal) =>
      watchFalStatus({
        provider: name,
        statusUrl: client.urlsOf(submission).status,
        authorization: client.authorization,
        secret,
        signal,
        idleMs: options.streamIdleMs,
      });
  }
  if (webhooks) provider.verifyCallback = createFalWebhookVerifier({ jwksUrl: options.jwksUrl, now: options.now });
  return provider;
}
