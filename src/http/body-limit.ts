/**
 * The request body limit: its default and the one `payload_too_large` error every body reader throws.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';

/**
 * The default largest accepted request body: 10 MiB. @example
 * `createGatewayHandler({ router, bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES / 10 })`
 */
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * The error of a body larger than the limit (413 in every dialect's format).
 *
 * @example
 * ```ts
 * if (size > limitBytes) throw bodyTooLarge(limitBytes);
 * ```
 */
export function bodyTooLarge(limitBytes: number): GatewayError {
  return new GatewayError('payload_too_large', `The request body is larger than the limit of ${limitBytes} bytes`, {
    param: 'body',
  });
}
