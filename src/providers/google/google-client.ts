/**
 * The HTTP side of the `google` and `vertex` providers: the per-call `fetch` handed to `@google/genai`
 * (records the response status and headers the SDK's `ApiError` drops, applies the configured timeout
 * until the response starts), a fixed-token auth client for Vertex AI, and the mapping of the SDK's
 * errors to what `toGatewayError` needs.
 *
 * @module
 */
import type { GoogleGenAIOptions } from '@google/genai';
import type { UpstreamErrorInfo } from '../shared/provider-support.js';

/**
 * The `fetch` signature `@google/genai` accepts in `httpOptions.fetch`. @example
 * `const send: GeminiFetch = (input, init) => fetch(input, init);`
 */
export type GeminiFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** The `authClient` type of `googleAuthOptions` (a google-auth-library `AuthClient`). */
type AuthClient = NonNullable<NonNullable<GoogleGenAIOptions['googleAuthOptions']>['authClient']>;

const UNDICI_GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * The SDK sends its requests through a dispatcher without undici's own 300 s header and body
 * timeouts (long generations would die on them); a custom `fetch` loses it, so the same dispatcher
 * is rebuilt here: it delegates to Node's global dispatcher with both timeouts off.
 */
const NO_TIMEOUT_DISPATCHER = {
  dispatch(options: Record<string, unknown>, handler: unknown): boolean {
    let global = (
      globalThis as Record<symbol, { dispatch?: (options: unknown, handler: unknown) => boolean } | undefined>
    )[UNDICI_GLOBAL_DISPATCHER];
    if (!global) {
      new Headers(); // makes Node initialise its undici global dispatcher
      global = (
        globalThis as Record<symbol, { dispatch?: (options: unknown, handler: unknown) => boolean } | undefined>
      )[UNDICI_GLOBAL_DISPATCHER];
    }
    if (typeof global?.dispatch !== 'function') throw new Error('undici global dispatcher is not available');
    return global.dispatch({ ...options, headersTimeout: 0, bodyTimeout: 0 }, handler);
  },
};

/**
 * One upstream call as seen by the `fetch` given to the SDK for it: whether a request left, and the
 * status and headers of the response (the SDK's `ApiError` keeps only the status and body text, so a
 * `Retry-After` header would otherwise be lost).
 *
 * @example
 * ```ts
 * const exchange = new UpstreamExchange(30_000);
 * await client.models.generateContent({ model, contents, config: { httpOptions: { fetch: exchange.fetch } } });
 * exchange.headers?.get('retry-after');
 * ```
 */
export class UpstreamExchange {
  /** Whether the SDK sent a request (errors before that are the SDK's own validation or auth errors). */
  sent = false;
  status: number | undefined;
  headers: Headers | undefined;

  /**
   * @param timeoutMs Time allowed until the response headers arrive (the body may take longer).
   * @param delegate The `fetch` to send with (a custom one from the client options), else the global one.
   */
  constructor(
    private readonly timeoutMs: number | undefined,
    private readonly delegate?: GeminiFetch,
  ) {}

  /** The `fetch` to pass as the call's `httpOptions.fetch`. */
  readonly fetch: GeminiFetch = async (input, init) => {
    this.sent = true;
    const timeout = this.timeoutMs !== undefined && this.timeoutMs > 0 ? this.timeoutMs : undefined;
    const controller = timeout === undefined ? undefined : new AbortController();
    const callerSignal = init?.signal ?? undefined;
    if (controller && callerSignal) {
      if (callerSignal.aborted) controller.abort(callerSignal.reason);
      else callerSignal.addEventListener('abort', () => controller.abort(callerSignal.reason), { once: true });
    }
    const timer =
      controller &&
      setTimeout(() => controller.abort(new DOMException(`No response within ${timeout} ms`, 'TimeoutError')), timeout);
    try {
      const request: RequestInit & { dispatcher?: unknown } = { ...init, signal: controller?.signal ?? callerSignal };
      if (!this.delegate) request.dispatcher = NO_TIMEOUT_DISPATCHER;
      const response = await (this.delegate ?? fetch)(input, request);
      this.status = response.status;
      this.headers = response.headers;
      return response;
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * A google-auth-library auth client that always answers with one OAuth access token (for a token
 * obtained elsewhere: `gcloud auth print-access-token`, workload identity, a BYOK call). It never
 * refreshes: when the token expires, Vertex AI answers 401.
 *
 * @example
 * ```ts
 * new GoogleGenAI({ vertexai: true, project, location, googleAuthOptions: { authClient: accessTokenAuthClient(token) } });
 * ```
 */
export function accessTokenAuthClient(accessToken: string): AuthClient {
  const client = {
    async getRequestHeaders(): Promise<Headers> {
      return new Headers({ authorization: `Bearer ${accessToken}` });
    },
    async getAccessToken(): Promise<{ token: string }> {
      return { token: accessToken };
    },
  };
  return client as unknown as AuthClient;
}

/** Google's error body, `{ error: { code, message, status, details } }`, from an `ApiError` message. */
function errorBody(
  message: string,
): { code?: unknown; message?: unknown; status?: unknown; details?: unknown } | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = JSON.parse(message.slice(start)) as { error?: unknown };
    return typeof parsed.error === 'object' && parsed.error !== null
      ? (parsed.error as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The `RetryInfo.retryDelay` of an error's details (`"38s"`), in seconds. */
function retryDelaySeconds(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as Array<{ '@type'?: unknown; retryDelay?: unknown }>) {
    if (
      typeof detail?.['@type'] === 'string' &&
      detail['@type'].endsWith('google.rpc.RetryInfo') &&
      typeof detail.retryDelay === 'string'
    ) {
      const seconds = Number.parseFloat(detail.retryDelay);
      if (Number.isFinite(seconds)) return String(seconds);
    }
  }
  return undefined;
}

/** Whether an error body says the API key is invalid (Google answers 400 for that). */
function isInvalidKey(body: { message?: unknown; details?: unknown }): boolean {
  const reasons = Array.isArray(body.details)
    ? (body.details as Array<{ reason?: unknown }>).map((detail) => detail?.reason)
    : [];
  return (
    reasons.includes('API_KEY_INVALID') ||
    reasons.includes('API_KEY_EXPIRED') ||
    /API key (not valid|expired)/i.test(String(body.message ?? ''))
  );
}

/**
 * Reads an `@google/genai` failure: an `ApiError` (HTTP status, Google's error body in its message,
 * also for error events inside a stream), with the headers the call's {@link UpstreamExchange}
 * recorded; a `Retry-After` header, else the body's `RetryInfo`, gives the retry delay. An invalid API
 * key (a 400 from Google) counts as an authentication failure. An error thrown before any request
 * left is the SDK's own: a missing credential, or a request it refused to build.
 *
 * @example
 * ```ts
 * toGatewayError(error, { provider: 'google', extract: (error) => extractGeminiError(error, exchange) });
 * ```
 */
export function extractGeminiError(error: unknown, exchange: UpstreamExchange): UpstreamErrorInfo | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as Error & { status?: unknown }).status;
  if (error.name === 'ApiError' && typeof status === 'number') {
    const body = errorBody(error.message);
    const retry = exchange.headers?.get('retry-after') ?? retryDelaySeconds(body?.details);
    const message = body
      ? `${status} ${typeof body.status === 'string' ? `${body.status}: ` : ''}${String(body.message ?? '')}`
      : error.message;
    return {
      status,
      headers: retry === undefined ? undefined : { 'retry-after': retry },
      message,
      code: body && isInvalidKey(body) ? 'provider_authentication' : undefined,
    };
  }
  if (!exchange.sent && error.name !== 'AbortError' && error.name !== 'TimeoutError') {
    const credentials = /credential|authenticat|access token|api key|unauthori[sz]ed/i.test(error.message);
    return { code: credentials ? 'provider_authentication' : 'provider_invalid_request', message: error.message };
  }
  return undefined;
}
