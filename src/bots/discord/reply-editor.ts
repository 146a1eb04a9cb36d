/**
 * Orders and throttles the edits of one deferred reply. Progress updates arrive faster than Discord
 * wants webhook edits (and the job should never wait on them), so a status is coalesced: while one
 * edit is in flight or the minimum gap has not passed, only the newest text is kept. The final action
 * (result, error, or whatever replaces the reply) always goes out last: it waits for an edit in
 * flight and drops a pending status.
 */
export interface ReplyEditorOptions<P> {
  /** Performs one edit of the reply; rejections of final edits reach the caller. */
  readonly edit: (payload: P) => Promise<unknown>;
  readonly statusPayload: (text: string) => P;
  /** Minimum time between two status edits. */
  readonly minIntervalMs: number;
  /** A failed status edit must not fail the job; it is only reported. */
  readonly onStatusError: (error: unknown) => void;
  /** Asked right before each status edit; false skips it (e.g. the interaction token has expired). */
  readonly canEditStatus?: () => boolean;
}

export class ReplyEditor<P> {
  readonly #options: ReplyEditorOptions<P>;
  /** Every edit is chained here so that Discord sees them in call order. */
  #chain: Promise<void> = Promise.resolve();
  #pending: string | undefined;
  #scheduled = false;
  #lastText: string | undefined;
  #lastEditAt = 0;
  #finalised = false;
  #gapTimer: { timer: NodeJS.Timeout; resolve: () => void } | undefined;

  constructor(options: ReplyEditorOptions<P>) {
    this.#options = options;
  }

  /** True once a final edit was requested. */
  get finalised(): boolean {
    return this.#finalised;
  }

  /** Schedules a status edit and returns at once; identical or superseded texts are skipped. */
  status(text: string): void {
    if (this.#finalised || text === (this.#pending ?? this.#lastText)) return;
    this.#pending = text;
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#chain = this.#chain.then(() => this.#flushStatus());
  }

  /** The last edit of the reply. Resolves with what `edit` returned; rejects when it failed. */
  final(payload: P): Promise<unknown> {
    return this.finalRun(() => this.#options.edit(payload));
  }

  /**
   * The last word, when it is more than one edit (delete the reply and answer privately, or post
   * elsewhere once the token is dead). Runs after every earlier edit; resolves or rejects as `action`.
   */
  finalRun<T>(action: () => Promise<T>): Promise<T> {
    this.#finalised = true;
    this.#pending = undefined;
    this.#cutGap();
    const run = this.#chain.then(action);
    this.#chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Resolves when every edit requested so far has been attempted. */
  async idle(): Promise<void> {
    await this.#chain;
  }

  async #flushStatus(): Promise<void> {
    const wait = this.#lastEditAt + this.#options.minIntervalMs - Date.now();
    if (wait > 0 && !this.#finalised) await this.#sleepGap(wait);
    this.#scheduled = false;
    const text = this.#pending;
    this.#pending = undefined;
    if (text === undefined || this.#finalised || text === this.#lastText) return;
    if (this.#options.canEditStatus?.() === false) return;
    try {
      await this.#options.edit(this.#options.statusPayload(text));
      this.#lastText = text;
    } catch (error) {
      this.#options.onStatusError(error);
    } finally {
      this.#lastEditAt = Date.now();
    }
  }

  #sleepGap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#gapTimer = undefined;
        resolve();
      }, ms);
      this.#gapTimer = { timer, resolve };
    });
  }

  /** A final edit should not sit out the status throttle. */
  #cutGap(): void {
    const gap = this.#gapTimer;
    if (!gap) return;
    this.#gapTimer = undefined;
    clearTimeout(gap.timer);
    gap.resolve();
  }
}
