/**
 * The contract between the handler and a wire dialect: routes that turn an authenticated, parsed
 * request into a response, and the dialect's own error format. A dialect is a plain object: the
 * built-in ones (OpenAI, Anthropic, `@ai-sdk/gateway`) and a user's own (`createGatewayHandler({
 * dialects: [myDialect] })`) are mounted the same way.
 *
 * @module
 */
import type { AbortSource } from '../../core/abort-handle.js';
import type { GatewayError } from '../../core/errors.js';
import type { AdminAccess, AdminCaller } from '../admin-access.js';
import type { Caller } from '../auth.js';
import type { GatewayHttpResponse, GatewayRouter, HttpHeaders } from '../http-types.js';

/**
 * Everything a route sees of a request.
 *
 * @example
 * ```ts
 * const handle = async (context: RouteContext) => jsonResponse(200, { model: (context.body as { model: string }).model });
 * ```
 */
export interface RouteContext {
  router: GatewayRouter;
  caller: Caller;
  /** The parsed JSON body (POST, PUT, PATCH), or undefined (GET, DELETE). */
  body: unknown;
  query: URLSearchParams;
  headers: HttpHeaders;
  /** The part of the path a `*` route matched (`/v1/models/*` → the model id). */
  pathRest: string;
  /** Aborts when the client disconnects (a handle from the Node bridge, else the request's signal). */
  abort: AbortSource;
  /** The request's id, sent back in `x-request-id`: the client's own when it sent a sane one. */
  requestId: string;
  /** The admin who sent it, on a route flagged `admin` (the handler checked the key). */
  adminCaller?: AdminCaller;
  /** The admin keys, for a route that checks them itself (a page that answers a login form instead of a 401). */
  admin: AdminAccess;
}

/**
 * The methods a route can serve. @example `const method: RouteMethod = 'GET';`
 */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One endpoint of a dialect.
 *
 * @example
 * ```ts
 * const route: Route = { method: 'GET', path: '/v1/models', handle: async (context) => jsonResponse(200, { data: [] }) };
 * ```
 */
export interface Route {
  method: RouteMethod;
  /** The path under the base path (`/v1/models`); a trailing `/*` matches any rest (`/v1/models/*`). */
  path: string;
  /** When several routes share a method and path, the first that accepts the headers serves it. */
  accepts?(headers: HttpHeaders): boolean;
  /** Served without a gateway API key (a health probe, a metrics scrape). Off by default. */
  public?: boolean;
  /**
   * Served only to an admin key (`adminKeys`), never to a gateway API key: 401 otherwise. `'session'` also
   * accepts the dashboard's session cookie (for GET routes a browser page calls).
   */
  admin?: boolean | 'session';
  handle(context: RouteContext): Promise<GatewayHttpResponse>;
}

/**
 * A path a dialect owns but does not serve: answered with a JSON 404 in the dialect's format (which
 * its SDK shows as the error) instead of passing through to the host application.
 *
 * @example
 * ```ts
 * const reserved: ReservedPath = { path: '/v3/ai/', prefix: true };
 * ```
 */
export interface ReservedPath {
  path: string;
  /** Every path starting with `path` (else `path` itself and the paths below it). */
  prefix?: boolean;
  /** Appended to the 404 message (what the gateway serves instead). */
  hint?: string;
}

/**
 * A wire dialect: its routes and its error body.
 *
 * @example
 * ```ts
 * const status: Dialect = {
 *   name: 'status',
 *   routes: [{ method: 'GET', path: '/status', public: true, handle: async () => jsonResponse(200, { ok: true }) }],
 *   errorBody: (error) => ({ error: { message: error.message, code: error.code } }),
 * };
 * createGatewayHandler({ router, dialects: [status] });
 * ```
 */
export interface Dialect {
  readonly name: string;
  readonly routes: readonly Route[];
  /** The body of an error response in this dialect's format (the status is `error.status`). */
  errorBody(error: GatewayError, requestId: string): unknown;
  /** Paths the dialect owns but does not serve (answered 404 in its format). */
  readonly reservedPaths?: readonly ReservedPath[];
  /** More response headers carrying the request id, beside `x-request-id` (Anthropic's `request-id`). */
  readonly requestIdHeaders?: readonly string[];
}
