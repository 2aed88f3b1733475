/**
 * The innermost step of every request, after the middleware: the candidates, the `request` event, the
 * request hooks, the resilience policies trying attempts, and the attempt/usage sequence that finishes
 * the attempt that counted. Written once, for every operation.
 *
 * @module
 */
import { signalOf, type AbortHandle } from '../core/abort-handle.js';
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { UsageEvent } from '../core/events.js';
import type { HealthTracker } from '../health/health-tracker.js';
import { embeddingOperation } from '../operations/embedding.js';
import { imageOperation } from '../operations/image.js';
import { rerankOperation } from '../operations/rerank.js';
import { generateOperation, OpenedStream, streamOperation } from '../operations/language.js';
import type { Operation } from '../operations/operation.js';
import {
  wrapAttempt,
  type AttemptPolicy,
  type AttemptStep,
  type CandidatePolicy,
  type CandidateSteps,
} from '../resilience/policy.js';
import type { EmbedManyResult, GenerateResult, ImageResult, RerankResult } from './router-types.js';
import type { Candidate } from '../strategies/strategy.js';
import { AttemptStream } from './attempt-stream.js';
import {
  asGatewayError,
  Attempt,
  AttemptAbort,
  type AttemptEvents,
  type Attempts,
  type OpenAttempt,
} from './attempts.js';
import type { Candidates } from './candidates.js';
import type { ProviderRegistry } from './provider-registry.js';
import type { PipelineRun } from './request-run.js';
import type { Metered } from './usage-metering.js';

/**
 * The resilience policies of a router: around each attempt (outermost first), and across candidates.
 *
 * @example
 * ```ts
 * const policies: Policies = { attempt: [retry(), deadline(), timeout()], candidate: fallback() };
 * ```
 */
export interface Policies {
  attempt: readonly AttemptPolicy[];
  candidate: CandidatePolicy;
}

/**
 * The innermost step of a router's requests.
 *
 * @example
 * ```ts
 * const pipeline = new Pipeline(candidates, attempts, providers, health, router, policies, 60_000);
 * const result = await pipeline.generate(run);
 * ```
 */
export class Pipeline {
  /** Background work (start-up loading, probes) that `close()` waits for. */
  private readonly background = new Set<Promise<unknown>>();
  private readonly probes = new Set<AttemptAbort>();
  private readonly steps: CandidateSteps;
  private readonly candidatePolicy: CandidatePolicy;

  constructor(
    private readonly candidates: Candidates,
    private readonly attempts: Attempts,
    private readonly providers: ProviderRegistry,
    private readonly health: HealthTracker,
    private readonly events: AttemptEvents,
    policies: Policies,
    private readonly attemptTimeoutMs: number,
  ) {
    const attemptStep: AttemptStep = wrapAttempt(policies.attempt, (attempt) => attempts.make(attempt));
    this.candidatePolicy = policies.candidate;
    const tryCandidate = <Value>(
      run: PipelineRun,
      operation: Operation<Value, unknown>,
      candidate: Candidate,
      next: Candidate | undefined,
      cancel?: AbortHandle,
    ) => {
      const provider = providers.built(candidate.provider);
      if (provider) return attemptStep(new Attempt(run, operation, candidate, next, provider, cancel));
      // Building the provider and loading its SDK (when start-up has not finished it) is not part of the
      // attempt: it counts neither in the attempt's timeout nor in the offering's latency statistics.
      return providers.provider(candidate.provider).then(
        (built) => attemptStep(new Attempt(run, operation, candidate, next, built, cancel)),
        (error: unknown) => {
          throw attempts.unavailable(run, candidate, error);
        },
      );
    };
    this.steps = { tryCandidate, discard: (attempt) => this.discard(attempt) };
  }

  /** `generate`: the answer of the first attempt that succeeds. */
  async generate(run: PipelineRun): Promise<GenerateResult> {
    const attempt = await this.open(run, generateOperation);
    attempt.abort.cleanup();
    return this.finish(attempt, generateOperation, undefined);
  }

  /** `embed`: the vectors of the first attempt that succeeds. */
  async embed(run: PipelineRun): Promise<EmbedManyResult> {
    const attempt = await this.open(run, embeddingOperation);
    attempt.abort.cleanup();
    return this.finish(attempt, embeddingOperation, undefined);
  }

  /** `image`: the images of the first attempt that succeeds. */
  async image(run: PipelineRun): Promise<ImageResult> {
    const attempt = await this.open(run, imageOperation);
    attempt.abort.cleanup();
    return this.finish(attempt, imageOperation, undefined);
  }

  /** `rerank`: the ranking of the first attempt that succeeds. */
  async rerank(run: PipelineRun): Promise<RerankResult> {
    const attempt = await this.open(run, rerankOperation);
    attempt.abort.cleanup();
    return this.finish(attempt, rerankOperation, undefined);
  }

  /** `stream`: resolves once an attempt's first content part arrived (a failure before it fails over). */
  async stream(run: PipelineRun): Promise<AttemptStream> {
    const attempt = await this.open(run, streamOperation);
    attempt.abort.cleanup(); // the attempt timeout covers the time to first token only
    return new AttemptStream(this, attempt, run);
  }

  /**
   * Finishes the attempt that counted, with the one attempt/usage sequence: meter, finish the record,
   * the `usage` event and the leases settled, then the result and the `response` event. With a failure
   * (a stream that failed midway), what was consumed is billed and the request fails.
   */
  finish<Value, Result>(
    attempt: OpenAttempt<Value>,
    operation: Operation<Value, Result>,
    failure: GatewayError | undefined,
  ): Result | Promise<Result> {
    const metered = operation.meter(attempt.run, attempt.value);
    const usage = this.attempts.settle(attempt, metered, failure);
    if (usage instanceof Promise)
      return usage.then((event) => this.answer(attempt, operation, metered, event, failure));
    return this.answer(attempt, operation, metered, usage, failure);
  }

  /** The result (and `response` event) of a finished attempt, or its failure as the request's. */
  private answer<Value, Result>(
    attempt: OpenAttempt<Value>,
    operation: Operation<Value, Result>,
    metered: Metered,
    usage: UsageEvent,
    failure: GatewayError | undefined,
  ): Result {
    const run = attempt.run;
    if (failure) throw this.attempts.finalError(run, failure);
    const result = operation.result(run, attempt, attempt.value, metered, usage.cost);
    if (operation.kind === 'language' && this.events.listenerCount('response') > 0) {
      const answer = result as GenerateResult;
      this.events.emit('response', {
        requestId: run.requestId,
        generationId: run.generationId,
        model: answer.model,
        provider: answer.provider,
        providerModelId: answer.providerModelId,
        finishReason: answer.finishReason.unified,
        latencyMs: answer.latencyMs,
        streamed: run.streamed,
        attempts: run.attempts,
      });
    }
    return result;
  }

  /** Aborts an attempt that counted but is not used, and bills what it consumed (see {@link CandidateSteps}). */
  private async discard(attempt: OpenAttempt<unknown>): Promise<void> {
    const { candidate } = attempt;
    const failure = new GatewayError('aborted', 'Another attempt answered first', { provider: candidate.provider });
    attempt.abort.cleanup();
    attempt.abort.abort(failure);
    const value = attempt.value;
    if (value instanceof OpenedStream) {
      value.failure = failure;
      void value.iterator.return?.().catch(() => undefined);
    }
    await this.attempts.settle(attempt, attempt.operation.meter(attempt.run, value), failure, 'answered');
  }

  /** Keeps track of background work for {@link close}. */
  track(task: Promise<unknown>): void {
    this.background.add(task);
    const forget = (): void => void this.background.delete(task);
    task.then(forget, forget);
  }

  /** Aborts the probes under way and waits for the background work. */
  async close(): Promise<void> {
    for (const probe of this.probes) probe.abort(new GatewayError('aborted', 'The router closed'));
    await Promise.allSettled([...this.background]);
  }

  /** The candidates, the `request` event, the hooks, and the policies: resolves with the attempt that counts. */
  private async open<Value>(run: PipelineRun, operation: Operation<Value, unknown>): Promise<OpenAttempt<Value>> {
    let candidates = this.candidates.resolve(run.request, operation, run.streamed);
    if (this.events.listenerCount('request') > 0) {
      this.events.emit('request', {
        requestId: run.requestId,
        model: run.model,
        streamed: run.streamed,
        operation: run.operation,
        candidates: candidates.map((candidate) => ({
          provider: candidate.provider,
          providerModelId: candidate.providerModelId,
          model: candidate.model,
        })),
        user: run.user,
        tags: run.tags,
        account: run.account,
      });
    }
    if (this.attempts.hooked) {
      // Hooks see the caller's abort as a signal, also when the caller passed a handle instead.
      const request = run.request;
      if (request.abortSignal === undefined && run.abort !== undefined) request.abortSignal = signalOf(run.abort);
      try {
        await this.attempts.beforeRequest(run);
      } catch (error) {
        // A hook's refusal (a rate limit, a budget) ends the request for good: the `error` event says so.
        // What the caller gets is unchanged: a hook's own unexpected error is not turned into a GatewayError
        // here (the HTTP handler answers it as an internal error, without its message).
        const failure = this.attempts.finalError(run, asGatewayError(error));
        throw isGatewayError(error) ? failure : error;
      }
    }
    if (!this.health.allClosed)
      candidates = this.candidates.deferHalfOpen(candidates, (candidate) => this.probe(candidate, operation));
    try {
      return await this.candidatePolicy.execute(run, operation, candidates, this.steps);
    } catch (error) {
      throw this.attempts.finalError(run, asGatewayError(error));
    }
  }

  /**
   * Probes a half-open offering in the background, unless a probe is already under way: one request
   * of the gateway's own (see each operation's `probe`), with the provider's configured credentials and the
   * attempt timeout. An answer, even a refusal of the request itself (a 400), closes the breaker; a provider
   * failure opens it for another cooldown. The probe is not a sample of the offering's statistics and is
   * billed to no account (a few tokens per cooldown while an offering recovers).
   */
  private probe(candidate: Candidate, operation: Operation<unknown, unknown>): void {
    const { provider: name, providerModelId } = candidate;
    if (!this.health.isAvailable(name, providerModelId)) return; // a probe is under way
    this.health.begin(name, providerModelId);
    const abort = new AttemptAbort(undefined, this.attemptTimeoutMs);
    this.probes.add(abort);
    const task = (async (): Promise<void> => {
      let success: boolean;
      try {
        await operation.probe(await this.providers.provider(name), providerModelId, abort);
        success = true;
      } catch (thrown) {
        const error = abort.timedOut
          ? new GatewayError('provider_timeout', `${name} did not answer the probe`, { provider: name })
          : asGatewayError(thrown, name);
        success = error.scope === 'request' && error.code !== 'aborted';
      } finally {
        abort.cleanup();
        this.probes.delete(abort);
      }
      if (abort.aborted && !abort.timedOut)
        this.health.cancel(name, providerModelId); // the router closed
      else this.health.recordProbe(name, providerModelId, success);
    })();
    this.track(task);
  }
}
