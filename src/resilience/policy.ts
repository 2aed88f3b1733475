/**
 * How resilience policies compose, after cockatiel's one-policy-per-file and `wrap()`: attempt policies
 * (retry, deadline, timeout) wrap one attempt of one candidate; a candidate policy (fallback; later hedge)
 * decides which candidates are tried and when. The router composes its policies once, at construction.
 *
 * @module
 */
import type { AbortHandle } from '../core/abort-handle.js';
import type { Operation } from '../operations/operation.js';
import type { Attempt, OpenAttempt } from '../router/attempts.js';
import type { PipelineRun } from '../router/request-run.js';
import type { Candidate } from '../strategies/strategy.js';

/**
 * One step of an attempt: the attempt itself, or the attempt wrapped by the policies inside this one.
 * Resolves with the attempt once it counts; rejects with its GatewayError.
 *
 * @example
 * ```ts
 * const step: AttemptStep = (attempt) => attempts.make(attempt);
 * ```
 */
export type AttemptStep = <Value>(attempt: Attempt<Value>) => Promise<OpenAttempt<Value>>;

/**
 * A policy around one attempt of one candidate (retry, deadline, timeout). It calls `next` once or more
 * (a retry), or refuses to (a deadline that has passed).
 *
 * @example
 * ```ts
 * const logging: AttemptPolicy = {
 *   name: 'logging',
 *   async execute(attempt, next) {
 *     console.log('trying', attempt.candidate.provider);
 *     return next(attempt);
 *   },
 * };
 * ```
 */
export interface AttemptPolicy {
  readonly name: string;
  execute<Value>(attempt: Attempt<Value>, next: AttemptStep): Promise<OpenAttempt<Value>>;
}

/**
 * Tries one candidate, with the attempt policies around it: what a candidate policy calls. `next` is the
 * candidate tried after it, if any. `cancel` aborts this try alone (a hedge's slower attempt, once another
 * answered): it then rejects with the handle's reason, and an attempt that was under way is billed (its
 * `usage` event estimated where the vendor sent no count).
 *
 * @example
 * ```ts
 * const opened = await tryCandidate(run, operation, candidates[0], candidates[1]);
 * ```
 */
export type CandidateStep = <Value>(
  run: PipelineRun,
  operation: Operation<Value, unknown>,
  candidate: Candidate,
  next: Candidate | undefined,
  cancel?: AbortHandle,
) => Promise<OpenAttempt<Value>>;

/**
 * What a candidate policy may do: try a candidate (with the attempt policies around it), and discard an
 * attempt that counted but is not used (a hedge's slower attempt): it is aborted, and billed for what it
 * consumed, with its own `usage` event.
 *
 * @example
 * ```ts
 * const opened = await steps.tryCandidate(run, operation, candidates[0], candidates[1]);
 * ```
 */
export interface CandidateSteps {
  readonly tryCandidate: CandidateStep;
  discard(attempt: OpenAttempt<unknown>): Promise<void>;
}

/**
 * A policy that decides which candidates are tried and when (fallback: in turn; hedge: a second one
 * while the first is slow). Resolves with the attempt that counts; any other attempt it started it aborts.
 *
 * @example
 * ```ts
 * const firstOnly: CandidatePolicy = {
 *   name: 'first-only',
 *   execute: (run, operation, candidates, steps) => steps.tryCandidate(run, operation, candidates[0], undefined),
 * };
 * ```
 */
export interface CandidatePolicy {
  readonly name: string;
  execute<Value>(
    run: PipelineRun,
    operation: Operation<Value, unknown>,
    candidates: readonly Candidate[],
    steps: CandidateSteps,
  ): Promise<OpenAttempt<Value>>;
}

/**
 * Composes attempt policies around an innermost step, outermost first, once: each level is one function
 * made here, so that a request allocates nothing to go through them.
 *
 * @example
 * ```ts
 * const step = wrapAttempt([retry(options), deadline(), timeout()], (attempt) => attempts.make(attempt));
 * ```
 */
export function wrapAttempt(policies: readonly AttemptPolicy[], innermost: AttemptStep): AttemptStep {
  let step = innermost;
  for (let index = policies.length - 1; index >= 0; index -= 1) {
    const policy = policies[index];
    const next = step;
    step = <Value>(attempt: Attempt<Value>) => policy.execute(attempt, next);
  }
  return step;
}
