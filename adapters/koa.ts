/**
 * Koa 3 adapter: `app.use(createGatewayMiddleware(config))`. Requests for paths the gateway does not
 * serve go on to `next()`; served ones are answered on the raw Node response (`ctx.respond = false`),
 * streamed part by part. The middleware resolves once that response is finished (or its client went
 * away), so a middleware before it (a logger, a timer) sees the real status and duration. A body a body
 * parser already read (`ctx.request.body`) is used.
 *
 * @module switchyard/koa
 */
import type { Context, Next } from 'koa';
import { gatewayHandlerFor, type GatewaySource } from '../src/gateway.js';
import type { GatewayHandler } from '../src/http/gateway-handler.js';

/**
 * Koa middleware, with the handler attached (`middleware.handler`, `middleware.close()`: closes what the
 * middleware built from a configuration; a gateway passed in is closed by its owner).
 *
 * @example
 * ```ts
 * const gateway: KoaGatewayMiddleware = createGatewayMiddleware({ providers: { anthropic: { apiKey } } });
 * await gateway.close();
 * ```
 */
export interface KoaGatewayMiddleware {
  (context: Context, next: Next): Promise<void>;
  readonly handler: GatewayHandler;
  close(): Promise<void>;
}

/**
 * Creates the gateway middleware for Koa 3, from a gateway made by `createGateway()`, a gateway
 * configuration (`{ providers, apiKeys, billing, ... }`), or the handler's (`{ router, apiKeys }`).
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { createGatewayMiddleware } from 'switchyard/koa';
 *
 * const app = new Koa();
 * app.use(createGatewayMiddleware({ providers: { anthropic: { apiKey: process.env.ANTHROPIC_API_KEY } } }));
 * app.listen(3000);
 * ```
 */
export function createGatewayMiddleware(config: GatewaySource): KoaGatewayMiddleware {
  const { handler, close } = gatewayHandlerFor(config);
  const middleware = async (context: Context, next: Next): Promise<void> => {
    if (!handler.match(context.req.url ?? '/')) return next();
    context.respond = false;
    const done = responseDone(context.res);
    handler.handleNode(context.req, context.res, { parsedBody: (context.request as { body?: unknown }).body });
    // Middleware before this one (loggers, timers) resume once the answer is complete, with its real status.
    await done;
  };
  return Object.assign(middleware, { handler, close });
}

/** Resolves when the response has been sent in full, or its connection closed first. */
function responseDone(response: Context['res']): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      response.off('finish', settle);
      response.off('close', settle);
      resolve();
    };
    response.on('finish', settle);
    response.on('close', settle);
  });
}
