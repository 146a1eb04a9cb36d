/**
 * Work the bot started without awaiting it (a job can take minutes and must not hold up other
 * updates). Kept so that shutdown can wait for it, within a bound.
 */
export class InFlight {
  readonly #running = new Set<Promise<void>>();

  get size(): number {
    return this.#running.size;
  }

  /** Runs `work` in the background; `onError` sees its rejection (it must not throw). */
  track(work: Promise<unknown>, onError: (error: unknown) => void): void {
    const entry: Promise<void> = work.then(
      () => undefined,
      (error: unknown) => {
        try {
          onError(error);
        } catch {
          // A failing error handler must not become an unhandled rejection that kills the process.
        }
      },
    );
    this.#running.add(entry);
    void entry.finally(() => this.#running.delete(entry));
  }

  /** Waits until nothing is running or `timeoutMs` passed; resolves to how much is still running. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
      });
      await Promise.race([Promise.allSettled([...this.#running]), timeout]);
      clearTimeout(timer);
    }
    return this.#running.size;
  }
}
