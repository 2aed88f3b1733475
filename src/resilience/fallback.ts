/**
 * The fallback policy: tries the candidates in their ranked order until one answers.
 *
 * @module
 */
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { Operation } from '../operations/operation.js';
import type { OpenAttempt } from '../router/attempts.js';
import type { PipelineRun } from '../router/request-run.js';
import type { Candidate } from '../strategies/strategy.js';
import type { CandidatePolicy, CandidateSteps } from './policy.js';

/**
 * Tries each candidate in turn (with the attempt policies around each): a provider's failure moves on to
 * the next, with a `fallback` event (through `onFallback`); a refusal of the request, the gateway's own
 * failure or the caller's abort ends the request at once.
 *
 * @example
 * ```ts
 * const policy = fallback((run, from, to, error) => console.log(from.provider, '->', to?.provider, error.code));
 * ```
 */
export function fallback(
  onFallback?: (run: PipelineRun, from: Candidate, to: Candidate | undefined, error: GatewayError) => void,
): CandidatePolicy {
  return {
    name: 'fallback',
    async execute<Value>(
      run: PipelineRun,
      operation: Operation<Value, unknown>,
      candidates: readonly Candidate[],
      steps: CandidateSteps,
    ): Promise<OpenAttempt<Value>> {
      let lastError: unknown;
      for (let index = 0; index < candidates.length; index += 1) {
        const candidate = candidates[index];
        const next = candidates[index + 1];
        try {
          return await steps.tryCandidate<Value>(run, operation, candidate, next);
        } catch (error) {
          if (!isGatewayError(error) || error.scope !== 'provider') throw error;
          lastError = error;
          onFallback?.(run, candidate, next, error);
        }
      }
      throw lastError ?? new GatewayError('no_route', 'No candidate could be tried');
    },
  };
}
