/**
 * Rate limits per gateway API key: requests per minute (counted when a request arrives) and tokens
 * per minute (counted from each attempt's actual usage; a request is let in while the last minute's
 * tokens are under the limit).
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import type { WindowSpec } from '../store/store.js';
import { assertInteger } from '../store/store.js';

/**
 * Rate limits of one API key (or of an account's requests without a key).
 *
 * @example
 * ```ts
 * const limits: RateLimits = { requestsPerMinute: 60, tokensPerMinute: 100_000 };
 * ```
 */
export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/**
 * The rolling minute rate limits are counted over (5-second slices: a window of 60 to 65 seconds,
 * so no 60-second interval ever holds more than the limit).
 *
 * @example
 * ```ts
 * await store.windowAdd({ key: 'rpm:acme:key_1', amount: 1, limit: 60, window: RATE_WINDOW });
 * ```
 */
export const RATE_WINDOW: WindowSpec = { windowMs: 60_000, slices: 12 };

/**
 * Checks rate limits, throwing `invalid_request` with what is wrong.
 *
 * @example
 * ```ts
 * validateRateLimits({ requestsPerMinute: 60 });
 * ```
 */
export function validateRateLimits(limits: RateLimits): void {
  for (const name of ['requestsPerMinute', 'tokensPerMinute'] as const) {
    const value = limits[name];
    if (value === undefined) continue;
    assertInteger(value, name);
    if (value < 1)
      throw new GatewayError('invalid_request', `Invalid rate limit: ${name} must be at least 1, got ${value}`, {
        param: name,
      });
  }
}

/**
 * The limits that apply to a key: each limit from the key's own setting, else the account's, else
 * the configured default.
 *
 * @example
 * ```ts
 * resolveRateLimits([{ tokensPerMinute: 5_000 }, undefined, { requestsPerMinute: 60 }]); // { requestsPerMinute: 60, tokensPerMinute: 5_000 }
 * ```
 */
export function resolveRateLimits(layers: ReadonlyArray<RateLimits | undefined>): RateLimits {
  const pick = (name: keyof RateLimits): number | undefined =>
    layers.find((layer) => layer?.[name] !== undefined)?.[name];
  const requestsPerMinute = pick('requestsPerMinute');
  const tokensPerMinute = pick('tokensPerMinute');
  return {
    ...(requestsPerMinute !== undefined ? { requestsPerMinute } : {}),
    ...(tokensPerMinute !== undefined ? { tokensPerMinute } : {}),
  };
}

/**
 * The 429 for an exceeded limit, with `retryAfterMs`.
 *
 * @example
 * ```ts
 * throw rateLimitError('requests', 60, 'API key key_1', 4_200);
 * ```
 */
export function rateLimitError(
  kind: 'requests' | 'tokens',
  limit: number,
  subject: string,
  retryAfterMs: number,
): GatewayError {
  return new GatewayError(
    'rate_limited',
    `Rate limit exceeded: ${subject} may use at most ${limit} ${kind} per minute; retry in ${Math.ceil(retryAfterMs / 1000)} s.`,
    {
      retryAfterMs,
      details: { limit, kind },
    },
  );
}
