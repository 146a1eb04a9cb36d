import type { RetryPolicy } from '../http/retry.ts';
import { createChainHubProvider, type ChainHubOptions } from './chainhub.ts';
import { createFalProvider, type FalOptions } from './fal.ts';
import { createGeminiProvider, type GeminiOptions } from './gemini.ts';
import { createNanoBananaApiProvider, type NanoBananaApiOptions } from './nanobananaapi.ts';
import type { Provider } from './provider.ts';
import { createSinanCodeProvider, type SinanCodeOptions } from './sinancode.ts';

type Settings<T> = Omit<T, 'retry'> | undefined;

/** Each provider's settings (from the configuration); only those named in the list are needed. */
export interface ProviderSettings {
  readonly fal?: Settings<FalOptions>;
  readonly chainhub?: Settings<ChainHubOptions>;
  readonly sinancode?: Settings<SinanCodeOptions>;
  readonly nanobananaapi?: Settings<NanoBananaApiOptions>;
  readonly gemini?: Settings<GeminiOptions>;
  /** Tests shorten the retry delays; production uses each provider's defaults. */
  readonly retry?: RetryPolicy | undefined;
}

/** Builds the providers in the configured order. A name without settings is a configuration error. */
export function createProviders(names: readonly string[], settings: ProviderSettings): Provider[] {
  const retry = settings.retry;
  const falRetry = retry ? { submit: retry, status: retry, result: retry, cancel: retry } : undefined;
  return names.map((name) => {
    const provider = build(name, settings, retry, falRetry);
    if (!provider) throw new Error(`provider "${name}" is not configured`);
    return provider;
  });
}

function build(
  name: string,
  settings: ProviderSettings,
  retry: RetryPolicy | undefined,
  falRetry: FalOptions['retry'],
): Provider | undefined {
  switch (name) {
    case 'fal':
      return settings.fal && createFalProvider({ ...settings.fal, retry: falRetry });
    case 'chainhub':
      return settings.chainhub && createChainHubProvider({ ...settings.chainhub, retry });
    case 'sinancode':
      return settings.sinancode && createSinanCodeProvider({ ...settings.sinancode, retry });
    case 'nanobananaapi':
      return settings.nanobananaapi && createNanoBananaApiProvider({ ...settings.nanobananaapi, retry });
    case 'gemini':
      return settings.gemini && createGeminiProvider({ ...settings.gemini, retry });
    default:
      return undefined;
  }
}
