/**
 * The deadline policy: no attempt starts after the request's deadline (`deadlineMs` across every attempt).
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import type { Attempt, OpenAttempt } from '../router/attempts.js';
import type { AttemptPolicy, AttemptStep } from './policy.js';

/**
 * Refuses to start an attempt once the run's deadline has passed: the request fails with `timeout`,
 * the last attempt's failure as its cause.
 *
 * @example
 * ```ts
 * const step = wrapAttempt([retry(), deadline(), timeout()], make);
 * ```
 */
export function deadline(): AttemptPolicy {
  return {
    name: 'deadline',
    execute<Value>(attempt: Attempt<Value>, next: AttemptStep): Promise<OpenAttempt<Value>> {
      const { run } = attempt;
      if (run.deadline - Date.now() <= 0) {
        const message = `The request did not complete within its deadline of ${run.deadline - run.startTime} ms`;
        return Promise.reject(new GatewayError('timeout', message, { cause: run.lastError }));
      }
      return next(attempt);
    },
  };
}
