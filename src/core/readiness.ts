import type { Storage } from './store/storage.ts';

/** A check answers true when its part can work now; a throw or a late answer counts as false. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

/** A check that has not answered by then is not ready: /readyz must answer a prober quickly. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * What /readyz reports: the store is reachable and each platform adapter is connected. The app adds
 * the store; main.ts adds each adapter once it runs (before that, the process is not ready).
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all([...this.checks].map(async ([name, check]) => [name, await passes(check)] as const));
    return { ready: entries.every(([, ok]) => ok), checks: Object.fromEntries(entries) };
  }
}

/** The store answers a read (of a record nobody writes: the cheapest read there is). */
export function storeCheck(storage: Storage): ReadinessCheck {
  return async () => {
    await storage.read('readiness', 'probe');
    return true;
  };
}

async function passes(check: ReadinessCheck): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve().then(check), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
