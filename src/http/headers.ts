/**
 * Reading request headers as Node gives them (a value, a list of values, or none).
 *
 * @module
 */
import type { HttpHeaders } from './http-types.js';

/**
 * The first value of a header, or undefined when it is absent.
 *
 * @example
 * ```ts
 * singleHeader(request.headers['content-type']); // 'application/json'
 * ```
 */
export function singleHeader(value: HttpHeaders[string]): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
