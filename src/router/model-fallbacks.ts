/**
 * Fallbacks by kind of failure, around the router's candidate policy (fallback, or a hedge): a vendor's
 * "context length exceeded" moves on to the next candidate with a larger context window (among the
 * request's own fallback models, then the configured `contextWindowFallbacks`); a vendor's content-filter
 * refusal moves on to the configured `contentPolicyFallbacks` (off unless configured). Both refusals end
 * the request at once otherwise (no other offering of the same window or policy would do better).
 *
 * @module
 */
import { isGatewayError, type GatewayError } from '../core/errors.js';
import type { Operation } from '../operations/operation.js';
import type { CandidatePolicy, CandidateSteps } from '../resilience/policy.js';
import type { Candidate } from '../strategies/strategy.js';
import type { OpenAttempt } from './attempts.js';
import type { PipelineRun } from './request-run.js';
import type { NormalizedRequest } from './router-types.js';

/**
 * Fallback models by the model that failed, for one kind of failure.
 *
 * @example
 * ```ts
 * const fallbacks: ModelFallbacks = { 'openai/gpt-4o': ['openai/gpt-4.1', 'google/gemini-2.5-pro'] };
 * ```
 */
export type ModelFallbacks = Readonly<Record<string, readonly string[]>>;

/**
 * The configured fallbacks by kind of failure.
 *
 * @example
 * ```ts
 * const options: ModelFallbackOptions = { contentPolicyFallbacks: { 'openai/gpt-4o': ['anthropic/claude-sonnet-4'] } };
 * ```
 */
export interface ModelFallbackOptions {
  contextWindowFallbacks?: ModelFallbacks;
  contentPolicyFallbacks?: ModelFallbacks;
}

/** Resolves the candidates of a request (the router's `Candidates.resolve`). */
type Resolve = (request: NormalizedRequest, operation: Operation<unknown, unknown>, streamed: boolean) => Candidate[];

const MAX_MOVES = 8;

function key(candidate: Candidate): string {
  return `${candidate.provider}\u0000${candidate.providerModelId}`;
}

/**
 * Wraps a candidate policy with the context-window and content-policy fallbacks.
 *
 * @example
 * ```ts
 * const policy = withModelFallbacks(fallback(), (request, operation, streamed) => candidates.resolve(request, operation, streamed), config);
 * ```
 */
export function withModelFallbacks(
  inner: CandidatePolicy,
  resolve: Resolve,
  options: ModelFallbackOptions,
): CandidatePolicy {
  const contentPolicy = options.contentPolicyFallbacks;
  const hasContentPolicy = contentPolicy !== undefined && Object.keys(contentPolicy).length > 0;

  /** The candidates of fallback models, for a request like this one without its own fallbacks. */
  const candidatesOf = (
    run: PipelineRun,
    operation: Operation<unknown, unknown>,
    models: readonly string[] | undefined,
  ): Candidate[] => {
    const found: Candidate[] = [];
    for (const model of models ?? []) {
      const gateway = run.request.providerOptions?.gateway;
      const request: NormalizedRequest = {
        ...run.request,
        model,
        providerOptions: { ...run.request.providerOptions, gateway: { ...gateway, models: [] } },
      };
      try {
        found.push(...resolve(request, operation, run.streamed));
      } catch {
        // a fallback model no configured provider can serve (or that is too small) is skipped
      }
    }
    return found;
  };

  /** The candidate whose attempt failed last (the run's last attempt record). */
  const failedCandidate = (run: PipelineRun, candidates: readonly Candidate[]): Candidate | undefined => {
    const record = run.attempts.at(-1);
    if (!record) return undefined;
    return candidates.find(
      (candidate) => candidate.provider === record.provider && candidate.providerModelId === record.providerModelId,
    );
  };

  /** A content-filter refusal that answered (a finish reason, not an error): tries the configured fallbacks. */
  const replaceRefused = async <Value>(
    run: PipelineRun,
    operation: Operation<Value, unknown>,
    candidates: readonly Candidate[],
    steps: CandidateSteps,
    opened: OpenAttempt<Value>,
    tried: Set<string>,
    moves: number,
  ): Promise<OpenAttempt<Value>> => {
    const models = contentPolicy?.[opened.candidate.model];
    const fallbacks = candidatesOf(run, operation as Operation<unknown, unknown>, models);
    const next = fallbacks.filter(
      (candidate) => !tried.has(key(candidate)) && key(candidate) !== key(opened.candidate),
    );
    if (next.length === 0 || moves >= MAX_MOVES) return opened;
    for (const candidate of candidates) tried.add(key(candidate));
    let replacement: OpenAttempt<Value>;
    try {
      replacement = await execute(run, operation, next, steps, tried, moves + 1);
    } catch {
      return opened; // the refused answer is kept (and billed) unless a fallback answers
    }
    await steps.discard(opened);
    return replacement;
  };

  // Not async: the path of a request that succeeds adds one `then` and nothing else.
  const execute = <Value>(
    run: PipelineRun,
    operation: Operation<Value, unknown>,
    candidates: readonly Candidate[],
    steps: CandidateSteps,
    tried: Set<string> | undefined,
    moves: number,
  ): Promise<OpenAttempt<Value>> => {
    const recover = (error: unknown): Promise<OpenAttempt<Value>> => {
      if (!isGatewayError(error) || moves >= MAX_MOVES) throw error;
      const seen = tried ?? new Set<string>();
      const next = nextCandidates(run, operation as Operation<unknown, unknown>, candidates, error, seen);
      if (!next || next.length === 0) throw error;
      return execute(run, operation, next, steps, seen, moves + 1);
    };
    const attempt = inner.execute(run, operation, candidates, steps);
    if (!hasContentPolicy) return attempt.then(undefined, recover);
    return attempt.then(
      (opened) =>
        isFiltered(opened.value)
          ? replaceRefused(run, operation, candidates, steps, opened, tried ?? new Set(), moves)
          : opened,
      recover,
    );
  };

  const nextCandidates = (
    run: PipelineRun,
    operation: Operation<unknown, unknown>,
    candidates: readonly Candidate[],
    error: GatewayError,
    tried: Set<string>,
  ): Candidate[] | undefined => {
    const context = error.code === 'provider_context_length_exceeded';
    if (!context && !(error.code === 'provider_content_filter' && hasContentPolicy)) return undefined;
    const failed = failedCandidate(run, candidates);
    if (!failed) return undefined;
    const index = candidates.indexOf(failed);
    for (const candidate of candidates.slice(0, index + 1)) tried.add(key(candidate));
    if (!context) {
      const fallbacks = candidatesOf(run, operation, contentPolicy?.[failed.model]);
      return fallbacks.filter((candidate) => !tried.has(key(candidate)));
    }
    const window = failed.offering.limits?.context;
    const larger = (candidate: Candidate): boolean => {
      const limit = candidate.offering.limits?.context;
      // Only a known, larger window: an offering of unknown size may well refuse the same prompt.
      return limit !== undefined && (window === undefined || limit > window);
    };
    const rest = candidates.slice(index + 1).filter(larger);
    const configured = candidatesOf(run, operation, options.contextWindowFallbacks?.[failed.model]).filter(larger);
    const seen = new Set(rest.map(key));
    for (const candidate of configured) {
      if (seen.has(key(candidate))) continue;
      seen.add(key(candidate));
      rest.push(candidate);
    }
    return rest.filter((candidate) => !tried.has(key(candidate)));
  };

  return {
    name: `${inner.name}+model-fallbacks`,
    execute: <Value>(
      run: PipelineRun,
      operation: Operation<Value, unknown>,
      candidates: readonly Candidate[],
      steps: CandidateSteps,
    ): Promise<OpenAttempt<Value>> => execute(run, operation, candidates, steps, undefined, 0),
  };
}

function isFiltered(value: unknown): boolean {
  const reason = (value as { finishReason?: { unified?: string } } | null | undefined)?.finishReason;
  return reason?.unified === 'content-filter';
}
