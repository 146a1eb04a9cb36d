import { BotError, toBotError } from '../errors.ts';
import type { InputHost } from '../http/input-host.ts';
import type { Logger } from '../log.ts';
import type { ProviderHealth } from '../providers/health.ts';
import type { EditInput, InputImage, Provider, Submission } from '../providers/provider.ts';
import type { CallbackRegistry, CallbackRoute } from './callbacks.ts';
import type { LoadedInput } from './inputs.ts';
import { planFor, type PlanRequest } from './plan.ts';

export interface DispatchDeps {
  /** In the configured order. */
  readonly providers: readonly Provider[];
  readonly health: ProviderHealth;
  /** Present when the bot has a public URL: providers that can call back are given a route. */
  readonly callbacks?: CallbackRegistry | undefined;
  /** Present when the bot has a public URL: serves inputs to providers that only take URLs. */
  readonly inputs?: InputHost | undefined;
}

export type DispatchRequest = Omit<PlanRequest, 'images'> & { readonly inputs: readonly LoadedInput[] };

/** A job accepted by one provider: what to follow, and what to tidy up when the job ends. */
export interface Dispatched {
  readonly provider: Provider;
  /** The submits that were accepted (one per planned submit, unless some failed). */
  readonly submissions: readonly Submission[];
  /** How many images the accepted submits asked for. */
  readonly requested: number;
  readonly route?: CallbackRoute | undefined;
  /** Withdraws hosted inputs and the callback route. */
  release(): void;
}

/**
 * Hands a job to the first provider in rotation that can run it: each is checked against its
 * capabilities first (nothing spent), and one that is down before accepting is skipped for the next.
 * Once a provider accepted the job, the job stays with it.
 */
export async function dispatch(deps: DispatchDeps, request: DispatchRequest, signal: AbortSignal, log: Logger): Promise<Dispatched> {
  const hosted = lazyHosting(deps.inputs, request.inputs);
  const refusals: string[] = [];
  let lastError: BotError | undefined;
  try {
    for (const provider of deps.health.order(deps.providers)) {
      const images = imagesFor(provider, request.inputs, hosted);
      if (typeof images === 'string') {
        refusals.push(images);
        continue;
      }
      const planned = planFor(provider.capabilities, { ...request, images });
      if (!planned.ok) {
        refusals.push(planned.reason);
        continue;
      }
      if (planned.plan.adaptations.length > 0) log.info({ provider: provider.name, adaptations: planned.plan.adaptations }, 'request adapted');
      const route = provider.verifyCallback && deps.callbacks ? deps.callbacks.open(provider) : undefined;
      try {
        const accepted = await submitAll(provider, planned.plan.input, planned.plan.counts, signal, route, log);
        deps.health.recordSuccess(provider.name);
        // The job now waits, maybe minutes, holding this object: it must not keep the inputs' bytes.
        hosted.settle();
        return {
          provider,
          ...accepted,
          route,
          release: () => {
            route?.close();
            hosted.release();
          },
        };
      } catch (error) {
        route?.close();
        if (signal.aborted) throw error;
        lastError = toBotError(error);
        if (lastError.code !== 'PROVIDER_UNAVAILABLE') throw lastError;
        deps.health.recordFailure(provider.name);
        log.warn({ provider: provider.name, err: lastError.message }, 'provider unavailable; trying the next');
      }
    }
  } catch (error) {
    hosted.release();
    throw error;
  }
  hosted.release();
  if (lastError) throw lastError;
  throw new BotError('PROVIDER_REJECTED', `no provider can run this request: ${refusals.join('; ')}`, {
    ...(refusals[0] ? { userDetail: refusals[0] } : {}),
  });
}

/**
 * All planned submits at once (a provider without a count field gets one per image). If some are
 * accepted and others fail, the job goes on with what was accepted and the rest is refunded.
 */
async function submitAll(
  provider: Provider,
  input: EditInput,
  counts: readonly number[],
  signal: AbortSignal,
  route: CallbackRoute | undefined,
  log: Logger,
): Promise<{ submissions: Submission[]; requested: number }> {
  const settled = await Promise.allSettled(counts.map((count) => provider.submit({ ...input, count }, signal, route?.push)));
  const submissions: Submission[] = [];
  let requested = 0;
  settled.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') {
      submissions.push(outcome.value);
      requested += counts[i] ?? 0;
    }
  });
  const failures = settled.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => toBotError(o.reason));
  if (submissions.length === 0) throw failures[0] ?? new BotError('INTERNAL', 'nothing was submitted');
  for (const failure of failures) log.warn({ provider: provider.name, code: failure.code, err: failure.message }, 'one of several submits failed');
  log.info({ provider: provider.name, requestIds: submissions.map((s) => s.requestId) }, 'submitted');
  return { submissions, requested };
}

/** The images as this provider takes them, or why it cannot get them. */
function imagesFor(provider: Provider, inputs: readonly LoadedInput[], hosted: LazyHosting): InputImage[] | string {
  const images = inputs.map((input) => input.image);
  if (provider.capabilities.imageInput === 'bytes' || inputs.length === 0) return images;
  if (inputs.every((input) => input.publicUrl)) return inputs.map((input) => ({ ...input.image, url: input.publicUrl }));
  const urls = hosted.urls();
  if (!urls) return `${provider.name} needs images as public URLs, and this bot has no PUBLIC_URL to serve them from`;
  return inputs.map((input, i) => ({ ...input.image, url: input.publicUrl ?? urls[i] }));
}

interface LazyHosting {
  /** The hosted URLs of every input (published on first use), or null without a host. */
  urls(): string[] | null;
  /** Submitted: lets go of the inputs (what was published stays until `release`). */
  settle(): void;
  release(): void;
}

function lazyHosting(host: InputHost | undefined, inputs: readonly LoadedInput[]): LazyHosting {
  // Only `unsent` is seen by the methods, so `settle` really drops the inputs.
  let unsent: readonly LoadedInput[] | undefined = inputs;
  let published: { urls: string[]; release: () => void } | undefined;
  return {
    urls() {
      if (!host) return null;
      if (!published && unsent) published = host.publish(unsent.map((input) => input.image));
      return published?.urls ?? null;
    },
    settle() {
      unsent = undefined;
    },
    release() {
      unsent = undefined;
      published?.release();
      published = undefined;
    },
  };
}
