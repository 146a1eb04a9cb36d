import { createChainHubProvider } from '../../src/core/providers/chainhub.ts';
import { createFalProvider } from '../../src/core/providers/fal.ts';
import type { Provider } from '../../src/core/providers/provider.ts';
import { startFakeFal } from './fake-fal-server.ts';
import type { FakeFal } from './fake-fal-types.ts';
import type { ContractFake, ContractFakeFactory } from './provider-contract.ts';

/** The shared contract's view of the loopback fal queue (test/helpers/provider-contract.ts). */

const FAL_KEY = 'contract-fal-key-9f3b7c2e5a1d';
const CHAINHUB_KEY = 'contract-chainhub-key-4e8a2c6b0d7f';
const MODEL = 'fal-ai/nano-banana/edit';
const TEXT_MODEL = 'fal-ai/nano-banana';

function contractOf(
  name: 'fal' | 'chainhub',
  fake: FakeFal,
  provider: Provider,
  key: string,
  env: Record<string, string>,
): ContractFake {
  return {
    name,
    provider,
    env,
    key,
    get received() {
      return fake.requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, bodyText: r.bodyText }));
    },
    get jobs() {
      return fake.jobs.map((job) => ({
        prompt: String(job.input?.prompt ?? ''),
        inputImages: job.inputImages,
        // fal takes the images as data URIs: no URL ever reaches it.
        inputUrls: [],
        count: typeof job.input?.num_images === 'number' ? job.input.num_images : 1,
        body: job.input as Record<string, unknown>,
      }));
    },
    setOutcome(outcome) {
      fake.script.outcome =
        outcome.kind === 'images'
          ? { kind: 'images', ...(outcome.images ? { images: [...outcome.images] } : {}) }
          : {
              kind: 'error',
              httpStatus: 422,
              body: { detail: [{ loc: ['body', 'prompt'], msg: outcome.reason, type: 'content_policy_violation' }] },
              error: outcome.reason,
            };
    },
    failNextSubmits(n) {
      for (let i = 0; i < n; i++) fake.script.submitFailures.push({ status: 503, body: { detail: 'Service Unavailable' } });
    },
    rejectNextSubmit(reason) {
      fake.script.submitFailures.push({ status: 422, body: { detail: reason } });
    },
    close: () => fake.close(),
  };
}

export const startFalContractFake: ContractFakeFactory = async ({ retry }) => {
  const fake = await startFakeFal({ key: FAL_KEY });
  const provider = createFalProvider({
    key: FAL_KEY,
    queueUrl: fake.url,
    model: MODEL,
    textModel: TEXT_MODEL,
    retry: { submit: retry, status: retry, result: retry, cancel: retry },
    jwksUrl: fake.jwksUrl,
  });
  return contractOf('fal', fake, provider, FAL_KEY, { FAL_KEY, FAL_QUEUE_URL: fake.url, FAL_JWKS_URL: fake.jwksUrl });
};

export const startChainHubContractFake: ContractFakeFactory = async ({ retry }) => {
  const fake = await startFakeFal({ key: CHAINHUB_KEY, flavour: 'chainhub' });
  const provider = createChainHubProvider({ key: CHAINHUB_KEY, baseUrl: fake.url, model: MODEL, textModel: TEXT_MODEL, retry });
  return contractOf('chainhub', fake, provider, CHAINHUB_KEY, { CHAINHUB_API_KEY: CHAINHUB_KEY, CHAINHUB_BASE_URL: fake.url });
};
