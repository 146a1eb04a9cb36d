import type { RetryPolicy } from '../http/retry.ts';
import { createFalProvider, type FalOptions } from './fal.ts';
import type { Provider } from './provider.ts';

export interface ProviderSettings {
  readonly fal?: Omit<FalOptions, 'retry'> | undefined;
  /** Tests shorten the retry delays; production uses each provider's defaults. */
  readonly retry?: RetryPolicy | undefined;
}

/** Builds the providers in the configured order. A name without settings is a configuration error. */
export function createProviders(names: readonly string[], settings: ProviderSettings): Provider[] {
  const retry = settings.retry
    ? { submit: settings.retry, status: settings.retry, result: settings.retry, cancel: settings.retry }
    : undefined;
  return names.map((name) => {
    if (name === 'fal' && settings.fal) return createFalProvider({ ...settings.fal, retry });
    throw new Error(`provider "${name}" is not configured`);
  });
}
