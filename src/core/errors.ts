/**
 * `GatewayError`: every failure the gateway reports, with a stable string `code`.
 *
 * @module
 */

/** How the router treats an error: retry the same offering, move to the next, or fail the request. */
export type ErrorScope = 'request' | 'provider' | 'gateway';

interface CodeInfo {
  /** HTTP status the handler answers with. */
  status: number;
  /** Whether retrying the same offering may succeed. */
  retryable: boolean;
  /** `request`: the request itself is wrong, no other offering will do better (fail fast).
   *  `provider`: the offering failed, the next candidate may succeed.
   *  `gateway`: decided by the gateway itself (limits, routing, configuration). */
  scope: ErrorScope;
}

/**
 * The one code → HTTP table. Codes are stable strings: match on them, never on messages.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, retryable: false, scope: 'request' },
  invalid_object: { status: 422, retryable: false, scope: 'request' },
  unauthorized: { status: 401, retryable: false, scope: 'gateway' },
  forbidden: { status: 403, retryable: false, scope: 'gateway' },
  insufficient_credits: { status: 402, retryable: false, scope: 'gateway' },
  budget_exceeded: { status: 402, retryable: false, scope: 'gateway' },
  rate_limited: { status: 429, retryable: true, scope: 'gateway' },
  model_not_found: { status: 404, retryable: false, scope: 'gateway' },
  not_found: { status: 404, retryable: false, scope: 'gateway' },
  payload_too_large: { status: 413, retryable: false, scope: 'request' },
  no_route: { status: 400, retryable: false, scope: 'gateway' },
  config_invalid: { status: 500, retryable: false, scope: 'gateway' },
  provider_sdk_missing: { status: 500, retryable: false, scope: 'provider' },
  provider_invalid_request: { status: 400, retryable: false, scope: 'request' },
  provider_content_filter: { status: 400, retryable: false, scope: 'request' },
  // The prompt (plus the output budget) does not fit the model's context window: no offering of the same
  // window does better, but the router moves on to a model with a larger one (see model-fallbacks.ts).
  provider_context_length_exceeded: { status: 400, retryable: false, scope: 'request' },
  // A guardrail refused the request (or the answer): 400, like the vendors' own content-policy refusals, so
  // the openai and anthropic SDKs raise BadRequestError and @ai-sdk/gateway an invalid-request error, none of
  // which retries; 403 would read as a key without permission, 422 as a malformed body.
  guardrail_blocked: { status: 400, retryable: false, scope: 'request' },
  // A vendor rejecting the gateway's provider credentials is a failed dependency (424), never the
  // client's own 401/403: SDKs would blame the client's gateway key.
  provider_authentication: { status: 424, retryable: false, scope: 'provider' },
  provider_permission: { status: 424, retryable: false, scope: 'provider' },
  provider_not_found: { status: 404, retryable: false, scope: 'provider' },
  provider_rate_limited: { status: 429, retryable: true, scope: 'provider' },
  provider_overloaded: { status: 503, retryable: true, scope: 'provider' },
  provider_unavailable: { status: 502, retryable: true, scope: 'provider' },
  provider_timeout: { status: 504, retryable: true, scope: 'provider' },
  provider_connection: { status: 502, retryable: true, scope: 'provider' },
  provider_bad_response: { status: 502, retryable: true, scope: 'provider' },
  provider_error: { status: 500, retryable: true, scope: 'provider' },
  timeout: { status: 504, retryable: false, scope: 'gateway' },
  aborted: { status: 499, retryable: false, scope: 'request' },
  store_unavailable: { status: 503, retryable: true, scope: 'gateway' },
  internal_error: { status: 500, retryable: false, scope: 'gateway' },
} as const satisfies Record<string, CodeInfo>;

/** A stable error code. @example `'provider_rate_limited'` */
export type GatewayErrorCode = keyof typeof ERROR_CODES;

/**
 * Options for constructing a {@link GatewayError}.
 *
 * @example
 * ```ts
 * const options: GatewayErrorOptions = { provider: 'openai', status: 429, retryAfterMs: 1000 };
 * ```
 */
export interface GatewayErrorOptions {
  /** Overrides the table's HTTP status (for example to keep an upstream 529 or 503). */
  status?: number;
  /** Overrides the table's retryability. */
  isRetryable?: boolean;
  /** How long the upstream asked to wait, in milliseconds. */
  retryAfterMs?: number;
  /** The provider instance that failed, when a provider failed. */
  provider?: string;
  /** The upstream's own HTTP status, when there was one. */
  upstreamStatus?: number;
  /** The request parameter at fault, for invalid requests. */
  param?: string;
  /** The raw text, for `invalid_object`. */
  text?: string;
  /** Further details safe to show a client (never a key). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * Every failure the gateway reports. `code` is stable; `status` is the HTTP status the handler uses.
 *
 * @example
 * ```ts
 * try {
 *   await router.generate({ model: 'openai/gpt-4o', prompt: 'Hi' });
 * } catch (error) {
 *   if (error instanceof GatewayError && error.code === 'no_route') console.error(error.message);
 * }
 * ```
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly provider: string | undefined;
  readonly upstreamStatus: number | undefined;
  readonly param: string | undefined;
  readonly text: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Every attempt the router made before giving up (set by the router). */
  attempts:
    | ReadonlyArray<{
        provider: string;
        providerModelId: string;
        model: string;
        outcome: string;
        status?: number;
        code?: string;
        latencyMs: number;
        credentialType?: 'byok' | 'system';
      }>
    | undefined;

  constructor(code: GatewayErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    const info: CodeInfo = ERROR_CODES[code];
    this.code = code;
    this.status = options.status ?? info.status;
    this.isRetryable = options.isRetryable ?? info.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.param = options.param;
    this.text = options.text;
    this.details = options.details;
    this.attempts = undefined;
  }

  /** `request`, `provider` or `gateway`: see {@link ERROR_CODES}. */
  get scope(): ErrorScope {
    return ERROR_CODES[this.code].scope;
  }

  /** A plain, key-free object for logs and responses. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      isRetryable: this.isRetryable,
      retryAfterMs: this.retryAfterMs,
      provider: this.provider,
      upstreamStatus: this.upstreamStatus,
      param: this.param,
    };
  }
}

/**
 * Whether a value is a {@link GatewayError}.
 *
 * @example
 * ```ts
 * if (isGatewayError(error)) console.log(error.code);
 * ```
 */
export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

const SECRET_PATTERNS: RegExp[] = [
  /\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g, // OpenAI-style and Anthropic (sk-ant-...)
  /\bxai-[A-Za-z0-9_-]{8,}/g,
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google API keys
  /\b(AKIA|ASIA)[0-9A-Z]{12,}/g, // AWS access key ids
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /((?:api[-_]?key|x-api-key|x-goog-api-key|authorization|secret[-_]?access[-_]?key)["']?\s*[:=]\s*["']?)[^\s"',}]{6,}/gi,
];

/**
 * Removes anything that looks like a credential from a text. Vendor error messages sometimes echo
 * part of a key; every message that leaves the gateway passes through here.
 *
 * @example
 * ```ts
 * redactSecrets('Incorrect API key provided: sk-abc123456789'); // 'Incorrect API key provided: [redacted]'
 * ```
 */
export function redactSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let result = text;
  for (const secret of extraSecrets) {
    if (secret.length >= 6) result = result.split(secret).join('[redacted]');
  }
  for (const pattern of SECRET_PATTERNS) {
    result = result.replace(pattern, (match, prefix: unknown) =>
      typeof prefix === 'string' && /[:=\s]$/.test(prefix) ? `${prefix}[redacted]` : '[redacted]',
    );
  }
  return result;
}

/**
 * Parses a `Retry-After` (seconds or HTTP date) or `retry-after-ms` header value into milliseconds.
 *
 * @example
 * ```ts
 * parseRetryAfter({ 'retry-after': '2' }); // 2000
 * ```
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | Record<string, string | string[] | undefined> | undefined,
): number | undefined {
  if (!headers) return undefined;
  const read = (name: string): string | undefined => {
    if (typeof (headers as { get?: unknown }).get === 'function')
      return (headers as { get(name: string): string | null }).get(name) ?? undefined;
    const value = (headers as Record<string, string | string[] | undefined>)[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const milliseconds = read('retry-after-ms');
  if (milliseconds !== undefined && milliseconds !== '' && Number.isFinite(Number(milliseconds)))
    return Math.max(0, Number(milliseconds));
  const value = read('retry-after');
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Maps an upstream HTTP status to a gateway error code: the shared part of every provider's mapping.
 *
 * @example
 * ```ts
 * codeForUpstreamStatus(529); // 'provider_overloaded'
 * ```
 */
export function codeForUpstreamStatus(status: number | undefined): GatewayErrorCode {
  if (status === undefined) return 'provider_connection';
  if (status === 400 || status === 409 || status === 413 || status === 415 || status === 422)
    return 'provider_invalid_request';
  if (status === 401) return 'provider_authentication';
  if (status === 402 || status === 403) return 'provider_permission';
  if (status === 404) return 'provider_not_found';
  if (status === 408) return 'provider_timeout';
  if (status === 429) return 'provider_rate_limited';
  if (status === 503 || status === 529) return 'provider_overloaded';
  if (status === 504) return 'provider_timeout';
  if (status >= 500) return 'provider_unavailable';
  return 'provider_error';
}
