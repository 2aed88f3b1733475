/**
 * Express 4 and 5 adapter: `app.use(createGatewayMiddleware(config))`. Requests for paths the gateway
 * does not serve go on to the next middleware. Works with or without a body parser before it: a
 * body `express.json()` already parsed is used, otherwise the raw body is read (within the limit).
 *
 * Mount it at the application root so the host-root endpoints (`/v1/credits`, ...) of the
 * `@ai-sdk/gateway` client reach it; use the handler's `basePath` to serve under a prefix.
 *
 * @module switchyard/express
 */
import type { NextFunction, Request, Response } from 'express';
import { gatewayHandlerFor, type GatewaySource } from '../src/gateway.js';
import type { GatewayHandler } from '../src/http/gateway-handler.js';

/**
 * Express middleware, with the handler attached (`middleware.handler`, `middleware.close()`: closes what
 * the middleware built from a configuration; a gateway passed in is closed by its owner).
 *
 * @example
 * ```ts
 * const gateway: GatewayMiddleware = createGatewayMiddleware({ providers: { openai: { apiKey } } });
 * await gateway.close();
 * ```
 */
export interface GatewayMiddleware {
  (request: Request, response: Response, next: NextFunction): void;
  readonly handler: GatewayHandler;
  close(): Promise<void>;
}

/**
 * Creates the gateway middleware for Express 4 or 5, from a gateway made by `createGateway()`, a gateway
 * configuration (`{ providers, apiKeys, billing, ... }`), or the handler's (`{ router, apiKeys }`).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createGatewayMiddleware } from 'switchyard/express';
 *
 * const app = express();
 * app.use(createGatewayMiddleware({ providers: { openai: { apiKey: process.env.OPENAI_API_KEY } } }));
 * app.listen(3000);
 * ```
 */
export function createGatewayMiddleware(config: GatewaySource): GatewayMiddleware {
  const { handler, close } = gatewayHandlerFor(config);
  const middleware = (request: Request, response: Response, next: NextFunction): void => {
    if (!handler.handleNode(request, response, { parsedBody: request.body as unknown })) next();
  };
  return Object.assign(middleware, { handler, close });
}
