/**
 * A pull-driven, replayable channel: one producer, any number of readers. The producer runs only
 * while some reader waits (or a reader asked to drain), so a slow reader slows the upstream call
 * (backpressure) instead of filling memory. A part is held only while a consumer may still need
 * it: until no reader has opened, every part (a reader opened after `drain`, say after awaiting a
 * result, still sees the stream from the start); once one has, until every open reader has passed
 * it. Readers opened together all see every part; a reader opened later starts at the oldest part
 * still held.
 *
 * @module
 */

/**
 * A replayable channel of parts.
 *
 * @example
 * ```ts
 * const channel = new StreamChannel<string>(async (push) => { await push('a'); await push('b'); });
 * for await (const part of channel.reader()) console.log(part);
 * ```
 */
export class StreamChannel<T> {
  /** The parts held: those from absolute index `base` on. */
  private parts: T[] = [];
  private base = 0;
  /** The open readers' positions (absolute part indices), once a reader has opened. */
  private readonly cursors = new Set<{ at: number }>();
  private readerOpened = false;
  private finished = false;
  private failure: { error: unknown } | undefined;
  private started = false;
  private draining = false;
  private waitingReaders = 0;
  private activeReaders = 0;
  private notifyReaders: Array<() => void> = [];
  private notifyProducer: (() => void) | undefined;
  private readonly completion: Promise<void>;
  private resolveCompletion!: () => void;

  /**
   * @param produce pushes parts; `push` resolves when a reader wants more. Its rejection ends the channel with that
   *   error.
   * @param onAbandon called when every reader stopped early and nobody drains (the caller aborts upstream).
   */
  constructor(
    private readonly produce: (push: (part: T) => Promise<void>) => Promise<void>,
    private readonly onAbandon?: () => void,
  ) {
    this.completion = new Promise<void>((resolve) => {
      this.resolveCompletion = resolve;
    });
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.produce((part) => this.push(part)).then(
      () => this.finish(undefined),
      (error: unknown) => this.finish({ error }),
    );
  }

  private finish(failure: { error: unknown } | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = failure;
    this.wakeReaders();
    this.resolveCompletion();
  }

  private wakeReaders(): void {
    const waiting = this.notifyReaders;
    this.notifyReaders = [];
    for (const wake of waiting) wake();
  }

  private push(part: T): Promise<void> {
    this.parts.push(part);
    this.wakeReaders();
    if (this.draining || this.waitingReaders > 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.notifyProducer = resolve;
    });
  }

  private demand(): void {
    const wake = this.notifyProducer;
    this.notifyProducer = undefined;
    wake?.();
  }

  /** Runs the producer to the end without a reader (for the promises). Resolves when it ends. */
  drain(): Promise<void> {
    this.draining = true;
    this.start();
    this.demand();
    return this.completion;
  }

  /** Whether the producer has finished. */
  get done(): boolean {
    return this.finished;
  }

  /** The parts still held (see the module's note on which), oldest first. */
  get produced(): readonly T[] {
    return this.parts;
  }

  /** Lets go of the parts every open reader has passed. */
  private release(): void {
    if (!this.readerOpened) return;
    let oldest = this.base + this.parts.length;
    for (const cursor of this.cursors) if (cursor.at < oldest) oldest = cursor.at;
    const passed = oldest - this.base;
    if (passed <= 0) return;
    // All of them (the common case: one reader keeping up), or in batches, so that each part costs O(1).
    if (passed === this.parts.length) this.parts = [];
    else if (passed >= 32) this.parts.splice(0, passed);
    else return;
    this.base = oldest;
  }

  /** A new reader from the first part. */
  reader(): AsyncIterableIterator<T> {
    const cursor = { at: this.base };
    let closed = false;
    this.activeReaders += 1;
    this.readerOpened = true;
    this.cursors.add(cursor);
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.activeReaders -= 1;
      this.cursors.delete(cursor);
      this.release();
      if (this.activeReaders === 0 && !this.draining && !this.finished && this.onAbandon) {
        // Nobody reads any more: let the producer run to its end (it sees the abort) without waiting for demand.
        this.draining = true;
        this.onAbandon();
        this.demand();
      }
    };
    const iterator: AsyncIterableIterator<T> = {
      next: async (): Promise<IteratorResult<T>> => {
        if (closed) return { done: true, value: undefined };
        this.start();
        while (cursor.at >= this.base + this.parts.length && !this.finished) {
          this.waitingReaders += 1;
          this.demand();
          await new Promise<void>((resolve) => this.notifyReaders.push(resolve));
          this.waitingReaders -= 1;
        }
        if (cursor.at < this.base + this.parts.length) {
          const value = this.parts[cursor.at - this.base];
          cursor.at += 1;
          this.release();
          return { done: false, value };
        }
        close();
        if (this.failure) throw this.failure.error;
        return { done: true, value: undefined };
      },
      return: async (): Promise<IteratorResult<T>> => {
        close();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
