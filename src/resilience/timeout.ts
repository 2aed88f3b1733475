/**
 * The timeout policy: bounds one attempt (a whole call, or a stream until its first content part) by the
 * request's attempt timeout, and by what is left of its deadline.
 *
 * @module
 */
import type { Attempt, OpenAttempt } from '../router/attempts.js';
import type { AttemptPolicy, AttemptStep } from './policy.js';
import { byokTimeout } from '../router/gateway-options.js';

/**
 * Sets the attempt's timeout: the run's attempt timeout (the request's `timeoutMs`, else the router's
 * `attemptTimeoutMs`; for an attempt with the caller's own key, `providerOptions.gateway.providerTimeouts.byok` of
 * its provider), or less when the deadline comes first. The attempt's abort fires at it, and the
 * attempt fails with `provider_timeout`.
 *
 * @example
 * ```ts
 * const step = wrapAttempt([retry(), deadline(), timeout()], make);
 * ```
 */
export function timeout(): AttemptPolicy {
  return {
    name: 'timeout',
    execute<Value>(attempt: Attempt<Value>, next: AttemptStep): Promise<OpenAttempt<Value>> {
      const { run } = attempt;
      const byok = attempt.credentialType === 'byok' ? byokTimeout(run.request, attempt.candidate) : undefined;
      attempt.timeoutMs = Math.min(byok ?? run.attemptTimeoutMs, run.deadline - Date.now());
      return next(attempt);
    },
  };
}
