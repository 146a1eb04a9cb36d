import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Lets a callback cut a poller's sleep short. A wake that arrives while nobody sleeps is kept, so a
 * callback that beats the first poll is not lost.
 */
export class Wakeup {
  private pending = false;
  private interrupt: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.interrupt?.();
  }

  /** Waits up to `ms`; true when woken (now or earlier), false when the time ran out. */
  async sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.consume()) return true;
    const cut = new AbortController();
    this.interrupt = () => cut.abort();
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([signal, cut.signal]) });
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
    } finally {
      this.interrupt = undefined;
    }
    return this.consume();
  }

  private consume(): boolean {
    const woken = this.pending;
    this.pending = false;
    return woken;
  }
}
