/**
 * The retry policy: a retryable failure (429, 5xx, a timeout, a reset) tries the same offering again,
 * with exponential backoff and jitter, honouring the vendor's Retry-After.
 *
 * @module
 */
import { listenTo, unlistenTo, type AbortSource } from '../core/abort-handle.js';
import { isGatewayError } from '../core/errors.js';
import type { RetryOptions } from '../router/router-types.js';
import type { Attempt, OpenAttempt } from '../router/attempts.js';
import type { AttemptPolicy, AttemptStep } from './policy.js';

/**
 * Retries an attempt that failed with a retryable provider error, up to `maxRetries` times per offering,
 * while the deadline allows the wait. A Retry-After longer than `maxRetryAfterMs` moves on instead, and so
 * does a connection error (refused, reset) while another candidate can answer.
 *
 * @example
 * ```ts
 * const step = wrapAttempt([retry({ maxRetries: 2, initialDelayMs: 200 }), deadline(), timeout()], make);
 * ```
 */
export function retry(options: RetryOptions = {}, random: () => number = Math.random): AttemptPolicy {
  const maxRetries = options.maxRetries ?? 1;
  const initialDelayMs = options.initialDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 4_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  const backoffMs = (retry: number, retryAfterMs: number | undefined): number => {
    if (retryAfterMs !== undefined) return retryAfterMs;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** retry);
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
  return {
    name: 'retry',
    async execute<Value>(attempt: Attempt<Value>, next: AttemptStep): Promise<OpenAttempt<Value>> {
      for (let retry = 0; ; retry += 1) {
        attempt.retry = retry;
        try {
          return await next(attempt);
        } catch (error) {
          // Only the provider's own failures are worth another try: a refusal of the request, the gateway's
          // (credits, deadline) or the caller's abort ends the request.
          if (!isGatewayError(error) || error.scope !== 'provider') throw error;
          // Drawn before deciding (as the jitter always was), so that a seeded random source gives the same ranks.
          const waitMs = backoffMs(retry, error.retryAfterMs);
          if (!error.isRetryable || retry >= maxRetries) throw error;
          // A connection that failed is not worth a backoff here while another candidate can answer.
          if (attempt.next && error.code === 'provider_connection') throw error;
          if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfterMs) throw error;
          if (Date.now() + waitMs >= attempt.run.deadline) throw error;
          await sleep(waitMs, attempt.run.abort);
        }
      }
    },
  };
}

function sleep(milliseconds: number, abort: AbortSource | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (milliseconds <= 0 || abort?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      if (abort) unlistenTo(abort, done);
      resolve();
    }
    if (abort) listenTo(abort, done);
  });
}
