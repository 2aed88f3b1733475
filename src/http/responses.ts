/**
 * Building responses: JSON bodies, and error responses in a dialect's format with the status,
 * `Retry-After` and `x-should-retry` headers that clients act on.
 *
 * @module
 */
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { GatewayHttpResponse } from './http-types.js';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * A JSON response.
 *
 * @example
 * ```ts
 * return jsonResponse(200, { object: 'list', data: [] });
 * ```
 */
export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): GatewayHttpResponse {
  // Copied key by key rather than spread: this runs on every response.
  const all: Record<string, string> = { 'content-type': JSON_CONTENT_TYPE };
  if (headers) for (const name in headers) all[name] = headers[name];
  return { status, headers: all, body: JSON.stringify(body) };
}

/**
 * Any thrown value as a GatewayError. Unknown errors become a 500 `internal_error` whose message
 * reveals nothing of the cause.
 *
 * @example
 * ```ts
 * const error = toGatewayError(thrown);
 * ```
 */
export function toGatewayError(thrown: unknown): GatewayError {
  if (isGatewayError(thrown))
    return thrown.code === 'provider_authentication' || thrown.code === 'provider_permission'
      ? credentialFailure(thrown)
      : thrown;
  return new GatewayError('internal_error', 'The gateway failed to handle the request', { cause: thrown });
}

/**
 * A vendor's 401/403/402 for a provider credential, as the client sees it: 424 saying whose
 * credential failed (the gateway's own, or the BYOK one the caller sent) without the vendor's text,
 * which may quote part of the key. The original stays as the cause (for the operator's log).
 * Idempotent: an error already rewritten is returned as it is.
 *
 * @example
 * ```ts
 * credentialFailure(error).message; // "The provider 'openai' rejected the gateway's credentials for it (HTTP 401) ..."
 * ```
 */
export function credentialFailure(error: GatewayError): GatewayError {
  if (error.details?.credentialType !== undefined) return error;
  const provider = error.provider ?? 'upstream';
  const attempt = error.attempts?.findLast((item) => item.provider === provider) ?? error.attempts?.at(-1);
  const byok = attempt?.credentialType === 'byok';
  const status = error.upstreamStatus === undefined ? '' : ` (HTTP ${error.upstreamStatus})`;
  const message = byok
    ? `The provider '${provider}' rejected the credentials sent for it in providerOptions.gateway.byok${status}: check that key; your gateway API key is fine`
    : `The provider '${provider}' rejected the gateway's own credentials for it${status}: the gateway's provider configuration needs fixing by its operator; your gateway API key is fine`;
  const rewritten = new GatewayError(error.code, message, {
    status: error.status,
    isRetryable: error.isRetryable,
    provider: error.provider,
    upstreamStatus: error.upstreamStatus,
    ...(byok ? { param: 'providerOptions.gateway.byok' } : {}),
    details: { ...error.details, credentialType: byok ? 'byok' : 'system' },
    cause: error,
  });
  rewritten.attempts = error.attempts;
  return rewritten;
}

/**
 * An error response: `error.status`, the dialect's body, and retry headers (`Retry-After` in seconds
 * and `retry-after-ms` when the error says how long to wait; `x-should-retry` always).
 *
 * @example
 * ```ts
 * return errorResponse(error, openAIErrorBody(error));
 * ```
 */
export function errorResponse(error: GatewayError, body: unknown): GatewayHttpResponse {
  return jsonResponse(error.status, body, retryHeaders(error));
}

/**
 * The headers telling a client whether and when to retry.
 *
 * @example
 * ```ts
 * retryHeaders(new GatewayError('rate_limited', 'Slow down', { retryAfterMs: 1500 })); // { 'retry-after': '2', 'retry-after-ms': '1500', 'x-should-retry': 'true' }
 * ```
 */
export function retryHeaders(error: GatewayError): Record<string, string> {
  const headers: Record<string, string> = { 'x-should-retry': String(error.isRetryable) };
  if (error.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(0, Math.ceil(error.retryAfterMs / 1000)));
    headers['retry-after-ms'] = String(Math.max(0, Math.round(error.retryAfterMs)));
  }
  return headers;
}
