/**
 * Koa 3 adapter: `app.use(createGatewayMiddleware(config))`. Requests for paths the gateway does not
 * serve go on to `next()`; served ones are answered on the raw Node response (`ctx.respond = false`),
 * streamed part by part. A body a body parser already read (`ctx.request.body`) is used.
 *
 * @module switchyard/koa
 */
import type { Context, Next } from 'koa';
import { createGatewayHandler, type GatewayHandler } from '../src/http/handler.js';
import type { GatewayHandlerConfig } from '../src/http/http-types.js';

/**
 * Koa middleware, with the handler attached (`middleware.handler`, `middleware.close()`).
 *
 * @example
 * ```ts
 * const gateway: KoaGatewayMiddleware = createGatewayMiddleware({ router });
 * await gateway.close();
 * ```
 */
export interface KoaGatewayMiddleware {
  (context: Context, next: Next): Promise<void>;
  readonly handler: GatewayHandler;
  close(): Promise<void>;
}

/**
 * Creates the gateway middleware for Koa 3.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { createGatewayMiddleware } from 'switchyard/koa';
 *
 * const app = new Koa();
 * app.use(createGatewayMiddleware({ router: { providers: { anthropic: { type: 'anthropic', apiKey: process.env.ANTHROPIC_API_KEY } } } }));
 * app.listen(3000);
 * ```
 */
export function createGatewayMiddleware(config: GatewayHandlerConfig): KoaGatewayMiddleware {
  const handler = createGatewayHandler(config);
  const middleware = async (context: Context, next: Next): Promise<void> => {
    if (!handler.match(context.req.url ?? '/')) return next();
    context.respond = false;
    handler.handleNode(context.req, context.res, { parsedBody: (context.request as { body?: unknown }).body });
  };
  return Object.assign(middleware, { handler, close: () => handler.close() });
}
