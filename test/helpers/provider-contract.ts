import type { RetryPolicy } from '../../src/core/http/retry.ts';
import type { Provider } from '../../src/core/providers/provider.ts';

/**
 * What every provider fake offers the shared contract suite (test/providers/contract.test.ts) and the
 * end-to-end tests that run the bot with one provider alone. Each fake follows its provider's
 * documented protocol; this interface only lets tests drive it the same way.
 */

/** How the next submitted job ends. */
export type ContractOutcome =
  /** Success with these result images (PNG bytes); default: `count` distinct PNGs made with makePng. */
  | { readonly kind: 'images'; readonly images?: readonly Buffer[] }
  /** Accepted, then refused by the model (content policy or generation failure) with this reason text. */
  | { readonly kind: 'refused'; readonly reason: string };

export interface ContractRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body as text ('' when empty), for leak checks. */
  readonly bodyText: string;
}

export interface ContractJob {
  readonly prompt: string;
  /** The input images as the provider received them: decoded from data URIs or inline data, or fetched from the URLs. */
  readonly inputImages: readonly Buffer[];
  /** The URLs the provider was given for its inputs (URL-taking providers), for secret checks. */
  readonly inputUrls: readonly string[];
  /** The number of images this one submit asked for (1 for providers without a count field). */
  readonly count: number;
  /** The parsed request body as received (provider-specific field names). */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface ContractFake {
  /** The provider's name in PROVIDERS. */
  readonly name: 'fal' | 'chainhub' | 'sinancode' | 'nanobananaapi' | 'gemini';
  /** A provider pointed at this fake, built with the retry policy given to the factory. */
  readonly provider: Provider;
  /** The environment variables that point the bot at this fake, key included (e.g. SINANCODE_API_KEY, SINANCODE_BASE_URL). */
  readonly env: Readonly<Record<string, string>>;
  /** The API key the fake requires; it must never appear in an error message. */
  readonly key: string;
  /** Every HTTP request the fake received, in order. */
  readonly received: readonly ContractRequest[];
  /** Every accepted submit, in order. */
  readonly jobs: readonly ContractJob[];
  /** How jobs submitted from now on end (default: images). */
  setOutcome(outcome: ContractOutcome): void;
  /** The next `n` submits fail as the provider does when it is down (HTTP 503, or its own envelope's equivalent). */
  failNextSubmits(n: number): void;
  /** The next submit is refused as invalid input (HTTP 400/422, or its own envelope's equivalent). */
  rejectNextSubmit(reason: string): void;
  close(): Promise<void>;
}

export interface ContractFakeOptions {
  /** Retry policy for the provider under test; tests pass short delays. */
  readonly retry: RetryPolicy;
}

export type ContractFakeFactory = (options: ContractFakeOptions) => Promise<ContractFake>;
