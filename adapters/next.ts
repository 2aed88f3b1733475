/**
 * Next.js adapter, with no `next` import: App Router route handlers are Web-standard
 * `(request: Request) => Promise<Response>`, and Pages API routes take Node's `IncomingMessage` and
 * `ServerResponse`, so both are typed structurally here.
 *
 * App Router: `app/api/[...gateway]/route.ts` with
 * `export const { GET, POST, OPTIONS } = createGatewayRouteHandlers({ router, basePath: '/api' })`.
 * Pages: `pages/api/[...gateway].ts` with `export default createPagesApiHandler({ router, basePath: '/api' })`
 * (and `export const config = { api: { bodyParser: false } }` to let the gateway enforce its body limit).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGatewayHandler } from '../src/http/handler.js';
import type { GatewayHandlerConfig } from '../src/http/http-types.js';

/** An App Router route handler. @example `export const { GET, POST, OPTIONS } = createGatewayRouteHandlers(config);` */
export type RouteHandler = (request: Request) => Promise<Response>;

/** A Pages API route handler. @example `export default createPagesApiHandler(config) satisfies PagesApiHandler;` */
export type PagesApiHandler = (request: IncomingMessage & { body?: unknown }, response: ServerResponse) => Promise<void>;

/**
 * Route handlers for an App Router catch-all route.
 *
 * @example
 * ```ts
 * // app/api/[...gateway]/route.ts
 * export const { GET, POST, OPTIONS } = createGatewayRouteHandlers({ router, basePath: '/api' });
 * ```
 */
export function createGatewayRouteHandlers(config: GatewayHandlerConfig): { GET: RouteHandler; POST: RouteHandler; OPTIONS: RouteHandler } {
  const handler = createGatewayHandler(config);
  const serve: RouteHandler = (request) => handler.answerWeb(request);
  return { GET: serve, POST: serve, OPTIONS: serve };
}

/**
 * A Pages API route handler (`pages/api/[...gateway].ts`); resolves when the response is complete.
 *
 * @example
 * ```ts
 * export default createPagesApiHandler({ router, basePath: '/api' });
 * export const config = { api: { bodyParser: false } };
 * ```
 */
export function createPagesApiHandler(config: GatewayHandlerConfig): PagesApiHandler {
  const handler = createGatewayHandler(config);
  return (request, response) =>
    new Promise<void>((resolve) => {
      response.once('close', () => resolve());
      handler.handleNode(request, response, { parsedBody: request.body, answerUnknownPaths: true });
    });
}
