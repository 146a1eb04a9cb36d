/**
 * The loopback fal queue and its parts: the server (fake-fal-server.ts), per-job progress
 * (fake-fal-job.ts), the status stream (fake-fal-stream.ts), webhook signing and delivery
 * (fake-fal-signer.ts, fake-fal-delivery.ts), and the contract fakes for fal and ChainHub
 * (fake-fal-contract.ts).
 */
export { startFakeFal } from './fake-fal-server.ts';
export { startChainHubContractFake, startFalContractFake } from './fake-fal-contract.ts';
export { signFalWebhook } from './fake-fal-signer.ts';
export {
  defaultFalScript,
  type FakeFal,
  type FakeFalJob,
  type FakeFalOptions,
  type FalScript,
  type ReceivedRequest,
  type ScriptedStatus,
  type SignOptions,
  type WebhookDelivery,
} from './fake-fal-types.ts';
