/**
 * Next.js adapter, with no `next` import: App Router route handlers are Web-standard
 * `(request: Request) => Promise<Response>`, and Pages API routes take Node's `IncomingMessage` and
 * `ServerResponse`, so both are typed structurally here.
 *
 * App Router: `app/api/[...gateway]/route.ts` with
 * `export const { GET, POST, OPTIONS } = createGatewayRouteHandlers({ providers, basePath: '/api' })`.
 * Pages: `pages/api/[...gateway].ts` with `export default createPagesApiHandler({ providers, basePath: '/api' })`
 * (and `export const config = { api: { bodyParser: false } }` to let the gateway enforce its body limit).
 *
 * The handler is built on the first request, not when the route module is imported: `next build`
 * imports route modules, and a CI build has no runtime secrets. A bad configuration (a missing gateway
 * key, an unknown provider type) is then logged once and every request gets a 500 with the code
 * `config_invalid`. Pass a function to read the configuration (or fetch secrets) at that point.
 *
 * @module switchyard/next
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, redactSecrets } from '../src/core/errors.js';
import { aiGatewayErrorBody } from '../src/http/dialects/ai-gateway/ai-gateway-dialect.js';
import { gatewayHandlerFor, isGateway, type GatewaySource } from '../src/gateway.js';
import type { GatewayHandler } from '../src/http/gateway-handler.js';
import type { GatewayHttpResponse, GatewayLogger } from '../src/http/http-types.js';
import { writeNodeResponse } from '../src/http/node-bridge.js';
import { errorResponse } from '../src/http/responses.js';

/** An App Router route handler. @example `export const { GET, POST, OPTIONS } = createGatewayRouteHandlers(config);` */
export type RouteHandler = (request: Request) => Promise<Response>;

/** A Pages API route handler. @example `export default createPagesApiHandler(config) satisfies PagesApiHandler;` */
export type PagesApiHandler = (
  request: IncomingMessage & { body?: unknown },
  response: ServerResponse,
) => Promise<void>;

/**
 * The configuration of a Next route: a gateway configuration (`{ providers, apiKeys, ... }`, or the
 * handler's `{ router, ... }`), a gateway from `createGateway()`, or a function returning one of those (or a
 * promise of it), called on the first request. A function that throws or rejects is called again on
 * the next request; a configuration the gateway rejects is not.
 *
 * @example
 * ```ts
 * const config: NextGatewayConfig = async () => ({ providers: await loadProviders(), apiKeys: await loadGatewayKeys() });
 * ```
 */
export type NextGatewayConfig = GatewaySource | (() => GatewaySource | Promise<GatewaySource>);

interface LazyHandler {
  /** The handler, or the answer to give while the configuration is bad. */
  get(): Promise<GatewayHandler | GatewayHttpResponse>;
}

const NOT_CONFIGURED = 'The gateway is not configured correctly; the server log says why';
/** Distinct configuration failures logged per route (each once), so a failing config function cannot flood the log. */
const MAX_LOGGED = 20;

function lazyHandler(config: NextGatewayConfig): LazyHandler {
  let built: GatewayHandler | GatewayHttpResponse | undefined;
  let pending: Promise<GatewayHandler | GatewayHttpResponse> | undefined;
  const logged = new Set<string>();
  const fail = (thrown: unknown, logger: { error(message: string): void } | undefined): GatewayHttpResponse => {
    const code = thrown instanceof GatewayError ? thrown.code : 'config_invalid';
    const message = redactSecrets(
      `switchyard: the Next route cannot start the gateway (${code}): ${thrown instanceof Error ? thrown.message : String(thrown)}`,
    );
    if (!logged.has(message) && logged.size < MAX_LOGGED) {
      logged.add(message);
      logger?.error(message);
    }
    const error = new GatewayError('config_invalid', NOT_CONFIGURED);
    return errorResponse(error, aiGatewayErrorBody(error));
  };
  const build = async (): Promise<GatewayHandler | GatewayHttpResponse> => {
    let resolved: GatewaySource;
    try {
      resolved = typeof config === 'function' ? await config() : config;
    } catch (thrown) {
      pending = undefined; // a function that failed (a secret store down) is asked again next time
      return fail(thrown, console);
    }
    const given = loggerOf(resolved);
    const logger = given === false ? undefined : (given ?? console);
    try {
      built = gatewayHandlerFor(resolved).handler;
    } catch (thrown) {
      built = fail(thrown, logger);
    }
    return built;
  };
  return {
    get: () => (built ? Promise.resolve(built) : (pending ??= build())),
  };
}

function loggerOf(source: GatewaySource): GatewayLogger | false | undefined {
  if (!source || typeof source !== 'object') return undefined;
  return isGateway(source) ? source.config.logger : source.logger;
}

function isHandler(value: GatewayHandler | GatewayHttpResponse): value is GatewayHandler {
  return typeof (value as GatewayHandler).answerWeb === 'function';
}

function webResponse(answer: GatewayHttpResponse): Response {
  return new Response(answer.body ?? '', { status: answer.status, headers: answer.headers });
}

/**
 * Route handlers for an App Router catch-all route. The gateway handler is built on the first
 * request (see {@link NextGatewayConfig}), so `next build` needs no runtime secrets.
 *
 * @example
 * ```ts
 * // app/api/[...gateway]/route.ts
 * export const { GET, POST, OPTIONS } = createGatewayRouteHandlers({ providers, basePath: '/api' });
 * ```
 */
export function createGatewayRouteHandlers(config: NextGatewayConfig): {
  GET: RouteHandler;
  POST: RouteHandler;
  OPTIONS: RouteHandler;
} {
  const lazy = lazyHandler(config);
  const serve: RouteHandler = async (request) => {
    const handler = await lazy.get();
    return isHandler(handler) ? handler.answerWeb(request) : webResponse(handler);
  };
  return { GET: serve, POST: serve, OPTIONS: serve };
}

/**
 * A Pages API route handler (`pages/api/[...gateway].ts`); resolves when the response is complete.
 * The gateway handler is built on the first request (see {@link NextGatewayConfig}).
 *
 * @example
 * ```ts
 * export default createPagesApiHandler({ providers, basePath: '/api' });
 * export const config = { api: { bodyParser: false } };
 * ```
 */
export function createPagesApiHandler(config: NextGatewayConfig): PagesApiHandler {
  const lazy = lazyHandler(config);
  return async (request, response) => {
    const handler = await lazy.get();
    if (!isHandler(handler)) return writeNodeResponse(response, handler);
    return new Promise<void>((resolve) => {
      response.once('close', () => resolve());
      handler.handleNode(request, response, { parsedBody: request.body, answerUnknownPaths: true });
    });
  };
}
