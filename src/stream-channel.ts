/**
 * A pull-driven, replayable channel: one producer, any number of readers. The producer runs only
 * while some reader waits (or a reader asked to drain), so a slow reader slows the upstream call
 * (backpressure) instead of filling memory; every reader sees every part from the start.
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
  private readonly parts: T[] = [];
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
   * @param produce pushes parts; `push` resolves when a reader wants more. Its rejection ends the channel with that error.
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

  /** The parts produced so far. */
  get produced(): readonly T[] {
    return this.parts;
  }

  /** A new reader from the first part. */
  reader(): AsyncIterableIterator<T> {
    let cursor = 0;
    let closed = false;
    this.activeReaders += 1;
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.activeReaders -= 1;
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
        while (cursor >= this.parts.length && !this.finished) {
          this.waitingReaders += 1;
          this.demand();
          await new Promise<void>((resolve) => this.notifyReaders.push(resolve));
          this.waitingReaders -= 1;
        }
        if (cursor < this.parts.length) {
          const value = this.parts[cursor];
          cursor += 1;
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
