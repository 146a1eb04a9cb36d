/**
 * At most `size` holders at once; the rest wait in arrival order. Bounds the phases of a job that
 * hold image bytes (inputs while they are loaded and submitted, results while they are fetched and
 * delivered), so memory stays bounded however many jobs are in flight: a job waiting at the
 * provider holds nothing. A wait ends early when the job's signal aborts (cancel, deadline,
 * shutdown), with the signal's reason.
 */
export class Slots {
  readonly #size: number;
  #busy = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots: size must be a positive integer, got ${size}`);
    this.#size = size;
  }

  /** Holders right now, and waiting. */
  get busy(): number {
    return this.#busy;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    await this.#acquire(signal);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#busy < this.#size) {
      this.#busy++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', abandon);
        this.#busy++;
        resolve();
      };
      const abandon = (): void => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abandon, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release(): void {
    this.#busy--;
    this.#waiting.shift()?.();
  }
}
