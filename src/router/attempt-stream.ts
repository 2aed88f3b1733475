/**
 * The stream of the attempt that counted, as the innermost step hands it to the middleware: the parts held
 * before its first content, then the rest as they are pulled, and the result once it ended. Failover is
 * over by then: a failure now ends the parts with an `error` part, and what was consumed is billed.
 *
 * @module
 */
import { listenTo, unlistenTo } from '../core/abort-handle.js';
import { GatewayError } from '../core/errors.js';
import type { PipelineStream } from '../middleware/middleware.js';
import { streamOperation, type OpenedStream } from '../operations/language.js';
import type { GenerateResult } from './router-types.js';
import type { StreamPart } from '../core/types.js';
import { asGatewayError, type OpenAttempt } from './attempts.js';
import type { Pipeline } from './pipeline.js';
import type { PipelineRun } from './request-run.js';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

function ignore(): void {}

/**
 * One streamed attempt: its parts (this object is their iterator) and its result.
 *
 * @example
 * ```ts
 * for await (const part of (await pipeline.stream(run)).parts) console.log(part.type);
 * ```
 */
export class AttemptStream implements PipelineStream, AsyncIterableIterator<StreamPart> {
  /** The result once the stream ended well. */
  outcome: GenerateResult | undefined = undefined;
  /** The error once it failed. */
  failure: GatewayError | undefined = undefined;
  private heldIndex = 0;
  private firstTaken = false;
  private ended = false;
  private settledResult: Promise<GenerateResult> | undefined = undefined;
  private resolveResult: ((result: GenerateResult) => void) | undefined = undefined;
  private rejectResult: ((error: unknown) => void) | undefined = undefined;
  private readonly opened: OpenedStream;
  private readonly abortUpstream: () => void;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly attempt: OpenAttempt<OpenedStream>,
    private readonly run: PipelineRun,
  ) {
    this.opened = attempt.value;
    const linked = run.abort;
    this.abortUpstream = (): void => attempt.abort.abort(linked?.reason);
    if (linked) listenTo(linked, this.abortUpstream);
  }

  get parts(): AsyncIterable<StreamPart> {
    return this;
  }

  /** Settles once the parts ended: rejects when the stream failed. */
  get result(): Promise<GenerateResult> {
    if (!this.settledResult) {
      if (this.outcome) this.settledResult = Promise.resolve(this.outcome);
      else if (this.failure) this.settledResult = Promise.reject(this.failure);
      else {
        this.settledResult = new Promise<GenerateResult>((resolve, reject) => {
          this.resolveResult = resolve;
          this.rejectResult = reject;
        });
      }
      this.settledResult.catch(ignore); // a middleware may answer without it
    }
    return this.settledResult;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamPart> {
    return this;
  }

  async next(): Promise<IteratorResult<StreamPart>> {
    if (this.ended) return DONE;
    const opened = this.opened;
    let part: StreamPart | undefined;
    try {
      if (this.heldIndex < opened.held.length) part = opened.held[this.heldIndex++];
      else if (!this.firstTaken && opened.first) {
        this.firstTaken = true;
        part = opened.first;
      } else part = await this.pull();
    } catch (error) {
      return this.fail(error);
    }
    opened.collector.collect(part);
    if (part.type !== 'finish') return { done: false, value: part };
    this.ended = true;
    this.detach();
    try {
      this.settle(await this.pipeline.finish(this.attempt, streamOperation, undefined), undefined);
    } catch (error) {
      const failure = asGatewayError(error);
      this.settle(undefined, failure);
      return { done: false, value: { type: 'error', error: failure } };
    }
    return { done: false, value: part };
  }

  /** Stops reading (the caller let go): the upstream call is aborted and what was consumed is billed. */
  async return(): Promise<IteratorResult<StreamPart>> {
    if (!this.ended)
      await this.fail(
        new GatewayError('aborted', 'The stream was aborted', { provider: this.attempt.candidate.provider }),
      );
    return DONE;
  }

  /** The next part from upstream (never an `error` part: its error is thrown). */
  private async pull(): Promise<StreamPart> {
    const provider = this.attempt.candidate.provider;
    if (this.run.abort?.aborted) throw new GatewayError('aborted', 'The stream was aborted', { provider });
    const next = await this.opened.iterator.next();
    if (next.done)
      throw new GatewayError('provider_bad_response', `${provider} ended the stream without a finish`, { provider });
    if (next.value.type === 'error') throw next.value.error;
    return next.value;
  }

  private async fail(error: unknown): Promise<IteratorResult<StreamPart>> {
    this.ended = true;
    const { attempt, opened } = this;
    const provider = attempt.candidate.provider;
    const failure = this.run.abort?.aborted
      ? new GatewayError('aborted', 'The stream was aborted', { provider })
      : asGatewayError(error, provider);
    opened.failure = failure;
    attempt.abort.abort(failure);
    void opened.iterator.return?.().catch(ignore);
    this.detach();
    let final = failure;
    try {
      await this.pipeline.finish(attempt, streamOperation, failure);
    } catch (thrown) {
      final = asGatewayError(thrown);
    }
    this.settle(undefined, final);
    return { done: false, value: { type: 'error', error: final } };
  }

  private detach(): void {
    if (this.run.abort) unlistenTo(this.run.abort, this.abortUpstream);
  }

  private settle(result: GenerateResult | undefined, failure: GatewayError | undefined): void {
    this.outcome = result;
    this.failure = failure;
    if (result) this.resolveResult?.(result);
    else this.rejectResult?.(failure);
  }
}
