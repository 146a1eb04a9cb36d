/**
 * Runs tasks one after another per key, in the order they arrived (FIFO), and tasks on different
 * keys in parallel. Used so that transactions on one record inside one process never contend with
 * each other; only other processes can race them.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous; // never rejects: it only ever waits on `done` promises
    try {
      return await task();
    } finally {
      release();
      // The last task in line removes the key, so the map does not grow with every record ever touched.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
