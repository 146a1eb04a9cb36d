import type { FakeJob } from './fake-fal-job.ts';
import type { WebhookSigner } from './fake-fal-signer.ts';
import type { WebhookDelivery } from './fake-fal-types.ts';

/**
 * The documented webhook body (reference §1.8): {request_id, gateway_request_id, status:'OK', payload}
 * on success, or status 'ERROR' with `error` and the error details as `payload`.
 */
export function webhookBody(state: FakeJob, images: () => unknown[]): Record<string, unknown> {
  const failure = state.failure();
  const { outcome } = state;
  const payload = state.job.cancelled
    ? { detail: 'Request was cancelled' }
    : outcome.kind === 'error'
      ? outcome.body
      : { images: images(), description: 'Here are the edited images.' };
  return {
    request_id: state.job.requestId,
    gateway_request_id: state.job.gatewayRequestId,
    status: failure ? 'ERROR' : 'OK',
    ...(failure ? { error: failure.error } : {}),
    payload,
  };
}

/** POSTs one signed delivery (no retries), recording it and how the receiver answered. */
export function deliverWebhook(options: {
  url: string;
  requestId: string;
  body: Record<string, unknown>;
  signer: WebhookSigner;
  forged: boolean;
  record: (delivery: WebhookDelivery) => WebhookDelivery;
  onSettled: () => void;
}): void {
  const bodyText = JSON.stringify(options.body);
  const { requestId } = options;
  const headers = { 'content-type': 'application/json', ...options.signer.sign(bodyText, { requestId, forged: options.forged }) };
  const delivery = options.record({ url: options.url, requestId, headers, bodyText, body: options.body });
  void fetch(options.url, { method: 'POST', headers, body: bodyText, signal: AbortSignal.timeout(5000) })
    .then(async (answer) => {
      delivery.responseStatus = answer.status;
      await answer.arrayBuffer();
    })
    .catch((error: unknown) => {
      delivery.error = error instanceof Error ? error.message : String(error);
    })
    .finally(options.onSettled);
}
