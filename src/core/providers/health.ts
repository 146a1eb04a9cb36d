import type { Provider } from './provider.ts';

export interface HealthOptions {
  /** First cool-down after a provider failed to accept a job; doubles on each further failure. */
  readonly cooldownMs?: number;
  readonly maxCooldownMs?: number;
  readonly now?: () => number;
}

interface Breaker {
  failures: number;
  openUntil: number;
}

/**
 * A circuit breaker per provider. A submit that failed as "unavailable" has already been retried,
 * so one such failure takes the provider out of the rotation for a cool-down: users are served by
 * the next provider instead of waiting on the failing one. After the cool-down the provider gets
 * one job again (half-open); success closes the breaker, another failure doubles the cool-down.
 */
export class ProviderHealth {
  private readonly breakers = new Map<string, Breaker>();
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly now: () => number;

  constructor(options: HealthOptions = {}) {
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxCooldownMs = options.maxCooldownMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  isCoolingDown(name: string): boolean {
    const breaker = this.breakers.get(name);
    return breaker !== undefined && breaker.openUntil > this.now();
  }

  /**
   * The providers to try, in order: those in rotation as configured, then those cooling down (soonest
   * back first) as a last resort, so a request is never refused while some provider might still work.
   */
  order(providers: readonly Provider[]): Provider[] {
    const ready = providers.filter((p) => !this.isCoolingDown(p.name));
    const cooling = providers
      .filter((p) => this.isCoolingDown(p.name))
      .sort((a, b) => (this.breakers.get(a.name)?.openUntil ?? 0) - (this.breakers.get(b.name)?.openUntil ?? 0));
    return [...ready, ...cooling];
  }

  recordSuccess(name: string): void {
    this.breakers.delete(name);
  }

  recordFailure(name: string): void {
    const failures = (this.breakers.get(name)?.failures ?? 0) + 1;
    const cooldown = Math.min(this.cooldownMs * 2 ** (failures - 1), this.maxCooldownMs);
    this.breakers.set(name, { failures, openUntil: this.now() + cooldown });
  }
}
