/**
 * The `openai` SDK's client with less work per request, for the requests the gateway sends most: a
 * JSON `POST` (chat completions, embeddings) over {@link nodeFetch}. It takes over two of the SDK's
 * own extension points and nothing else:
 *
 * - `buildRequest`, which the SDK documents as replaceable ("complete replacement builders"). The
 *   SDK's builder assembles about fifteen headers through undici `Headers`, generators and sets on
 *   every request. Here the SDK builds them once per client (with its own `buildRequest`, so they
 *   are exactly the SDK's: user agent, platform, auth, organization, project, default headers), and
 *   each request copies them, adds the retry count and its own headers, and serializes its body.
 *   A test checks the result against the SDK's builder, header for header and byte for byte.
 * - `fetchWithTimeout`, which wraps every fetch in a signal, a listener and a timer. Here the timeout
 *   and the SDK's abort controller go to `nodeFetch` ({@link withTransportDeadline}), which keeps one
 *   timer and reads the controller only for an event stream.
 *
 * Everything else (retries, response parsing, streams, errors) is the SDK's. Any request outside the
 * common case (a query, a per-request timeout or idempotency key, a non-JSON body, a helper method,
 * credentials from a function, workload identity, another fetch, a subclass such as `AzureOpenAI`
 * that shapes requests itself) goes through the SDK unchanged.
 *
 * @module
 */
import type { OpenAI as OpenAIClient } from 'openai';
import { nodeFetch, withTransportDeadline } from '../shared/node-fetch.js';

type RequestOptions = Parameters<OpenAIClient['buildRequest']>[0];
type BuiltRequest = Awaited<ReturnType<OpenAIClient['buildRequest']>>;

/** Header names the SDK accepts (it rejects others; such a request takes the SDK's path and its error). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RETRY_COUNT_HEADER = 'x-stainless-retry-count';

/** Client options under which the SDK authenticates or addresses requests in ways the lean path does not copy. */
const SDK_ONLY_OPTIONS = [
  'adminAPIKey',
  'workloadIdentity',
  'credential',
  'provider',
  'defaultQuery',
  'dataResidency',
] as const;

/** What of the SDK's client the lean builder reads (protected or untyped in the SDK's declarations). */
interface ClientInternals {
  _options: Record<string, unknown>;
  fetch: unknown;
  fetchOptions?: RequestInit;
  timeout: number;
}

const leanClasses = new WeakMap<typeof OpenAIClient, typeof OpenAIClient>();

/** The SDK hooks a subclass (such as the SDK's own `AzureOpenAI`) may override to shape its requests. */
const REQUEST_HOOKS = [
  'buildRequest',
  'buildURL',
  'fetchWithTimeout',
  'fetchWithAuth',
  'prepareOptions',
  'prepareRequest',
  'authHeaders',
  'defaultHeaders',
];

const overridesByBase = new WeakMap<typeof OpenAIClient, boolean>();

/**
 * Whether a class overrides a request hook below the SDK's root client (as the SDK's own `AzureOpenAI`
 * does): its requests keep the SDK's path, since the lean builder would skip the override.
 */
function overridesRequestHooks(Base: typeof OpenAIClient): boolean {
  let overrides = overridesByBase.get(Base);
  if (overrides === undefined) {
    overrides = false;
    for (let prototype = Base.prototype as object; ; prototype = Object.getPrototypeOf(prototype) as object) {
      const parent = Object.getPrototypeOf(prototype) as object | null;
      if (!parent || !('buildRequest' in parent)) break; // the SDK's root client
      if (REQUEST_HOOKS.some((hook) => Object.hasOwn(prototype, hook))) overrides = true;
    }
    overridesByBase.set(Base, overrides);
  }
  return overrides;
}

/**
 * An `openai` SDK client class (`OpenAI`, `AzureOpenAI`, a subclass), as {@link leanOpenAIClass} takes it:
 * typed by shape, so that an app without the `openai` package type-checks against switchyard.
 *
 * @example
 * ```ts
 * const { default: OpenAI } = await import('openai');
 * const Client: OpenAIClientClass = OpenAI;
 * ```
 */
export type OpenAIClientClass = new (...args: never[]) => object;

/**
 * The lean subclass of an `openai` SDK client class (one per class, cached). Its instances behave as
 * the SDK's in every observable way: same wire request, same responses, errors and streams.
 *
 * @example
 * ```ts
 * const { default: OpenAI } = await import('openai');
 * const LeanOpenAI = leanOpenAIClass(OpenAI);
 * const client = new LeanOpenAI({ apiKey: process.env.OPENAI_API_KEY, fetch: nodeFetch, maxRetries: 0 });
 * ```
 */
export function leanOpenAIClass<Base extends OpenAIClientClass>(Base: Base): Base {
  // Typed structurally in the signature, so switchyard's declarations do not import the optional `openai`.
  const Root = Base as unknown as typeof OpenAIClient;
  let Lean = leanClasses.get(Root);
  if (!Lean) {
    // Named `OpenAI`: the SDK's user agent is built from the class name.
    Lean = class OpenAI extends Root {
      /** The SDK's own headers for a JSON POST, without the per-request retry count; built on first use. */
      private leanHeaders: Promise<Record<string, string>> | undefined;
      /** URLs by request path (an SDK client calls a handful). */
      private readonly leanUrls = new Map<string, string>();
      private leanEligible: boolean | undefined;

      override async buildRequest(
        options: RequestOptions,
        context: { retryCount?: number } = {},
      ): Promise<BuiltRequest> {
        const extraHeaders = leanRequestHeaders(options);
        if (extraHeaders === false || !this.takesLeanPath()) return super.buildRequest(options, context);
        this.leanHeaders ??= this.sdkHeaders(options.path).catch((error: unknown) => {
          this.leanHeaders = undefined;
          throw error;
        });
        const headers = { ...(await this.leanHeaders) };
        headers[RETRY_COUNT_HEADER] = String(context.retryCount ?? 0);
        if (extraHeaders) {
          for (const name in extraHeaders) {
            const value = extraHeaders[name];
            if (value === null) delete headers[name.toLowerCase()];
            else if (value !== undefined) headers[name.toLowerCase()] = value;
          }
        }
        const body = options.body as Record<string, unknown>;
        // As the SDK does for a body that carries the stream flag: the parser follows the body.
        if (options.__metadata?.['streamFromBody'] === true) options.stream = body['stream'] === true;
        const internals = this as unknown as ClientInternals;
        const req: RequestInit = { method: options.method, headers };
        if (options.signal) req.signal = options.signal;
        req.body = JSON.stringify(body);
        if (internals.fetchOptions) Object.assign(req, internals.fetchOptions);
        if (options.fetchOptions) Object.assign(req, options.fetchOptions);
        return { req: req as BuiltRequest['req'], url: this.leanUrl(options.path), timeout: internals.timeout };
      }

      override fetchWithTimeout(
        url: RequestInfo,
        init: RequestInit | undefined,
        ms: number,
        controller: AbortController,
      ): Promise<Response> {
        if (!init || init.signal || typeof init.body !== 'string' || typeof url !== 'string' || !this.takesLeanPath()) {
          return super.fetchWithTimeout(url, init, ms, controller);
        }
        // `init` is the request this client's builder made for this attempt alone: no copy needed.
        init.method = (init.method ?? 'get').toUpperCase();
        return nodeFetch(url, withTransportDeadline(init, ms, controller));
      }

      /**
       * Whether this client's requests may take the lean path: string key, `nodeFetch`, no SDK-only auth or addressing.
       */
      private takesLeanPath(): boolean {
        if (this.leanEligible === undefined) {
          const internals = this as unknown as ClientInternals;
          const options = internals._options;
          this.leanEligible =
            !overridesRequestHooks(Root) &&
            internals.fetch === nodeFetch &&
            typeof options['apiKey'] === 'string' &&
            SDK_ONLY_OPTIONS.every((name) => options[name] === undefined || options[name] === null) &&
            !this.baseURL.includes('?') &&
            // nodeFetch hands anything but http(s) to the global fetch, which would not keep the deadline.
            /^https?:\/\//.test(this.baseURL);
        }
        return this.leanEligible;
      }

      /** The headers the SDK's own builder sends with a JSON POST, less the retry count. */
      private async sdkHeaders(path: string): Promise<Record<string, string>> {
        const built = await super.buildRequest({ method: 'post', path, body: {} });
        const headers: Record<string, string> = {};
        built.req.headers.forEach((value, name) => (headers[name] = value));
        delete headers[RETRY_COUNT_HEADER];
        return headers;
      }

      private leanUrl(path: string): string {
        let url = this.leanUrls.get(path);
        if (url === undefined) {
          url = this.buildURL(path, undefined);
          this.leanUrls.set(path, url);
        }
        return url;
      }
    };
    leanClasses.set(Root, Lean);
  }
  return Lean as unknown as Base;
}

/**
 * A request's own headers if it is one the lean builder takes (undefined when it has none), or
 * `false` when it must go through the SDK's builder.
 */
function leanRequestHeaders(options: RequestOptions): Record<string, string | null | undefined> | undefined | false {
  if (
    options.method !== 'post' ||
    options.query ||
    options.defaultBaseURL ||
    options.idempotencyKey ||
    'timeout' in options
  )
    return false;
  const body = options.body;
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    Object.getPrototypeOf(body) !== Object.prototype
  )
    return false;
  const metadata = options.__metadata;
  if (metadata) for (const key in metadata) if (key !== 'streamFromBody') return false;
  const security = options.__security;
  if (security && (security.bearerAuth !== true || Object.keys(security).length !== 1)) return false;
  const headers = options.headers;
  if (headers === undefined || headers === null) return undefined;
  if (
    typeof headers !== 'object' ||
    Array.isArray(headers) ||
    headers instanceof Headers ||
    Object.getPrototypeOf(headers) !== Object.prototype
  )
    return false;
  const record = headers as Record<string, unknown>;
  for (const name in record) {
    const value = record[name];
    if (!HEADER_NAME.test(name) || (typeof value !== 'string' && value !== null && value !== undefined)) return false;
  }
  return record as Record<string, string | null | undefined>;
}
