/**
 * The contract between the handler and a wire dialect: routes that turn an authenticated, parsed
 * request into a response, and the dialect's own error format.
 *
 * @module
 */
import type { AbortSource } from '../../abort-handle.js';
import type { GatewayError } from '../../errors.js';
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
  /** The parsed JSON body (POST), or undefined (GET). */
  body: unknown;
  query: URLSearchParams;
  headers: HttpHeaders;
  /** The part of the path a `*` route matched (`/v1/models/*` → the model id). */
  pathRest: string;
  /** Aborts when the client disconnects (a handle from the Node bridge, else the request's signal). */
  abort: AbortSource;
}

/**
 * One endpoint of a dialect.
 *
 * @example
 * ```ts
 * const route: Route = { method: 'GET', path: '/v1/models', handle: async (context) => jsonResponse(200, { data: [] }) };
 * ```
 */
export interface Route {
  method: 'GET' | 'POST';
  /** The path under the base path; a trailing `/*` matches any rest. */
  path: string;
  /** When several routes share a method and path, the first that accepts the headers serves it. */
  accepts?(headers: HttpHeaders): boolean;
  handle(context: RouteContext): Promise<GatewayHttpResponse>;
}

/**
 * A wire dialect: its routes and its error body.
 *
 * @example
 * ```ts
 * const dialect: Dialect = { name: 'openai', routes: [], errorBody: (error) => ({ error: { message: error.message } }) };
 * ```
 */
export interface Dialect {
  readonly name: string;
  readonly routes: Route[];
  /** The body of an error response in this dialect's format (the status is `error.status`). */
  errorBody(error: GatewayError): unknown;
}
