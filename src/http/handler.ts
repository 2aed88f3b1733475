/**
 * The framework-agnostic gateway handler: the only code that knows HTTP. It matches a request to a
 * route of the route table (or lets it pass through), authenticates it, parses its body within the
 * size limit, and answers in the dialect's format. It never throws: every failure is a response.
 * It knows no bridge: the Node and Web bridges (node-bridge.ts, web-bridge.ts) call it, and
 * gateway-handler.ts puts them together as the public `GatewayHandler`.
 *
 * @module
 */
import { Router } from '../router/router.js';
import { GatewayError, redactSecrets } from '../core/errors.js';
import { createRequestId } from '../core/ids.js';
import { AdminAccess } from './admin-access.js';
import { KeyAuthenticator } from './auth.js';
import { bodyTooLarge, DEFAULT_BODY_LIMIT_BYTES } from './body-limit.js';
import { createBillingDialect } from './dialects/ai-gateway/billing-dialect.js';
import { cachesOf, createCacheDialect } from './dialects/cache/cache-dialect.js';
import { aiGatewayErrorBody, createAiGatewayDialect } from './dialects/ai-gateway/ai-gateway-dialect.js';
import { createAnthropicDialect } from './dialects/anthropic/anthropic-dialect.js';
import { createDashboardDialect } from './dialects/dashboard/dashboard-dialect.js';
import { createLogsDialect } from './dialects/logs/logs-dialect.js';
import type { Dialect } from './dialects/dialect.js';
import { createOpenAIDialect } from './dialects/openai/openai-dialect.js';
import { createMetricsDialect, type MetricsDialect } from './dialects/metrics/metrics-dialect.js';
import { singleHeader } from './headers.js';
import type {
  CorsOptions,
  DialectName,
  GatewayHandlerConfig,
  GatewayHttpRequest,
  GatewayHttpResponse,
  GatewayLogger,
  GatewayRouter,
  HttpHeaders,
} from './http-types.js';
import { errorResponse, jsonResponse, toGatewayError } from './responses.js';
import { RouteTable, type RouteMatch } from './route-table.js';

export type { PathEntry, RouteMatch } from './route-table.js';

/**
 * The built-in dialects, mounted when a config names none. @example
 * `createGatewayHandler({ router, dialects: [...BUILT_IN_DIALECTS, myDialect] })`
 */
export const BUILT_IN_DIALECTS: readonly DialectName[] = ['openai', 'anthropic', 'ai-gateway'];

const BUILDERS: Record<DialectName, (config: GatewayHandlerConfig) => Dialect> = {
  openai: (config) => createOpenAIDialect({ responses: config.responses }),
  anthropic: createAnthropicDialect,
  'ai-gateway': createAiGatewayDialect,
};

/**
 * The handler without a bridge: match a URL, answer a matched request. {@link GatewayHandler}
 * (gateway-handler.ts) adds the Node and Web entry points; a bridge for another runtime needs only this.
 *
 * @example
 * ```ts
 * const match = handler.match('/v1/models');
 * const response = match && (await handler.handleMatched(match, request));
 * ```
 */
export class HttpHandler {
  /** The router requests go to. */
  readonly router: GatewayRouter;
  private readonly ownsRouter: boolean;
  private readonly basePath: string;
  private readonly bodyLimit: number;
  private readonly auth: KeyAuthenticator;
  private readonly admin: AdminAccess;
  private readonly cors: CorsOptions | undefined;
  private readonly logger: GatewayLogger | undefined;
  private readonly table: RouteTable;
  private readonly metrics: MetricsDialect | undefined;

  constructor(config: GatewayHandlerConfig) {
    if (!config || typeof config !== 'object' || !config.router)
      throw new GatewayError(
        'config_invalid',
        'createGatewayHandler needs `router`: a Router or a router configuration',
      );
    const given = config.router;
    this.ownsRouter = !isRouter(given);
    this.router = isRouter(given) ? given : new Router(given);
    this.basePath = normalizeBasePath(config.basePath);
    this.bodyLimit = config.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    this.auth = new KeyAuthenticator(config.apiKeys, config.defaultAccount, config.storedKeys);
    this.admin = new AdminAccess(config.adminKeys);
    if (Array.isArray(config.apiKeys) && config.apiKeys.some((entry) => this.admin.isAdminKey(entry.key)))
      throw new GatewayError('config_invalid', 'An admin key must not also be a gateway API key');
    this.cors = config.cors === true ? { origin: '*' } : config.cors || undefined;
    this.logger = config.logger === false ? undefined : (config.logger ?? console);
    const dialects = mountedDialects(config, this.router);
    this.metrics = config.metrics ? createMetricsDialect(config.metrics, this.router) : undefined;
    if (this.metrics) dialects.push(this.metrics);
    this.table = new RouteTable(dialects);
    if (config.dashboard && !this.admin.enabled)
      this.logger?.warn(
        'switchyard: the dashboard is on but no `adminKeys` are configured, so nobody can sign in to it',
      );
    if (!this.auth.enabled) {
      const message =
        'switchyard: gateway API keys are not configured, so auth is OFF: every request is accepted and billed to the default account. Set `apiKeys` to require keys.';
      this.logger?.warn(message);
      const emitter = this.router as {
        emit?: (event: 'warning', payload: { code: string; message: string }) => boolean;
      };
      if (typeof emitter.emit === 'function') emitter.emit('warning', { code: 'auth_disabled', message });
    }
  }

  /**
   * The route a URL maps to, or undefined when the handler does not serve the path (the
   * request should pass through to the application).
   *
   * @example
   * ```ts
   * if (!handler.match(request.url)) return next();
   * ```
   */
  match(url: string): RouteMatch | undefined {
    const queryStart = url.indexOf('?');
    let path = queryStart < 0 ? url : url.slice(0, queryStart);
    if (this.basePath) {
      if (!path.startsWith(this.basePath) || (path.length > this.basePath.length && path[this.basePath.length] !== '/'))
        return undefined;
      path = path.slice(this.basePath.length) || '/';
    }
    while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const found = this.table.lookup(path);
    if (!found) return undefined;
    return {
      entry: found.entry,
      path,
      query: queryStart < 0 ? '' : url.slice(queryStart + 1),
      pathRest: found.pathRest,
    };
  }

  /**
   * Handles a request; resolves to undefined when the path is not served (pass it on). Never rejects.
   *
   * @example
   * ```ts
   * const response = await handler.handle({ method: 'GET', url: '/v1/models', headers: {}, readBody: async () => '', signal: AbortSignal.timeout(30_000) });
   * ```
   */
  async handle(request: GatewayHttpRequest): Promise<GatewayHttpResponse | undefined> {
    const match = this.match(request.url);
    return match ? this.handleMatched(match, request) : undefined;
  }

  /**
   * Handles a request already matched by {@link HttpHandler.match}. Never rejects. Every response
   * carries `x-request-id` (and the dialect's own request id headers).
   *
   * @example
   * ```ts
   * const response = await handler.handleMatched(match, request);
   * ```
   */
  async handleMatched(match: RouteMatch, request: GatewayHttpRequest): Promise<GatewayHttpResponse> {
    const corsHeaders = this.cors ? this.corsHeaders(request.headers) : undefined;
    const requestId = requestIdOf(request.headers);
    let dialect = match.entry.dialect;
    let response: GatewayHttpResponse;
    try {
      const method = request.method.toUpperCase();
      if (method === 'OPTIONS' && corsHeaders) {
        response = { status: 204, headers: this.preflightHeaders(match, request.headers), body: '' };
      } else if (match.entry.reserved) {
        const hint = match.entry.reserved.hint ?? '';
        throw new GatewayError(
          'not_found',
          `This gateway does not serve ${method} ${this.basePath}${match.path}${hint}`,
          { param: 'path' },
        );
      } else {
        const chosen = match.entry.routes.find(
          ({ route }) => route.method === method && (!route.accepts || route.accepts(request.headers)),
        );
        if (!chosen) {
          const allowed = [...new Set(match.entry.routes.map(({ route }) => route.method))].join(', ');
          throw new GatewayError(
            'invalid_request',
            `Method ${method} is not allowed on ${this.basePath}${match.path}; use ${allowed}`,
            { status: 405 },
          );
        }
        dialect = chosen.dialect;
        const route = chosen.route;
        const adminCaller = route.admin
          ? this.admin.authenticate(request.headers, { session: route.admin === 'session' && method === 'GET' })
          : undefined;
        const caller =
          route.public || adminCaller ? this.auth.anonymous : await this.auth.authenticate(request.headers);
        const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : await this.readJson(request);
        response = await route.handle({
          router: this.router,
          caller,
          body,
          query: new URLSearchParams(match.query),
          headers: request.headers,
          pathRest: match.pathRest,
          abort: request.abort ?? request.signal,
          requestId,
          adminCaller,
          admin: this.admin,
        });
      }
    } catch (thrown) {
      response = this.errorFor(dialect, thrown, requestId);
    }
    const headers = response.headers;
    headers['x-request-id'] = requestId;
    if (dialect.requestIdHeaders) for (const name of dialect.requestIdHeaders) headers[name] = requestId;
    if (corsHeaders) Object.assign(headers, corsHeaders);
    return response;
  }

  private errorFor(dialect: Dialect, thrown: unknown, requestId: string): GatewayHttpResponse {
    const error = toGatewayError(thrown);
    if (
      error.code === 'internal_error' ||
      error.code === 'config_invalid' ||
      (error.details?.credentialType === 'system' &&
        (error.code === 'provider_authentication' || error.code === 'provider_permission'))
    ) {
      this.logger?.error(
        redactSecrets(
          `switchyard: ${error.code}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`,
        ),
      );
    }
    try {
      const response = errorResponse(error, dialect.errorBody(error, requestId));
      if (error.status === 413) response.headers.connection = 'close';
      return response;
    } catch {
      return jsonResponse(500, {
        error: { message: 'The gateway failed to handle the request', type: 'internal_server_error' },
      });
    }
  }

  private async readJson(request: GatewayHttpRequest): Promise<unknown> {
    const contentType = singleHeader(request.headers['content-type']);
    if (contentType && !/json|^text\/plain/i.test(contentType)) {
      throw new GatewayError('invalid_request', `Content-Type must be application/json, got '${contentType}'`, {
        status: 415,
        param: 'content-type',
      });
    }
    const encoding = singleHeader(request.headers['content-encoding'])?.trim().toLowerCase();
    if (encoding && encoding !== 'identity' && !request.parsedBody) {
      throw new GatewayError(
        'invalid_request',
        `Content-Encoding '${encoding}' is not supported: send the JSON body uncompressed`,
        { status: 415, param: 'content-encoding' },
      );
    }
    let raw: Uint8Array | string;
    if (request.parsedBody) {
      const value = request.parsedBody.value;
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) return value;
      raw = value;
    } else {
      const declared = Number(singleHeader(request.headers['content-length']));
      if (declared > this.bodyLimit) throw bodyTooLarge(this.bodyLimit);
      raw = await request.readBody(this.bodyLimit);
    }
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
    if (size > this.bodyLimit) throw bodyTooLarge(this.bodyLimit);
    const text =
      typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    if (!/\S/.test(text))
      throw new GatewayError('invalid_request', 'The request body is empty: send a JSON object', { param: 'body' });
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new GatewayError(
        'invalid_request',
        `The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
        { param: 'body' },
      );
    }
  }

  private corsHeaders(headers: HttpHeaders): Record<string, string> | undefined {
    const cors = this.cors as CorsOptions;
    const origin = singleHeader(headers.origin);
    if (cors.origin === '*')
      return { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS };
    if (!origin) return undefined;
    const allowed = typeof cors.origin === 'function' ? cors.origin(origin) : cors.origin.includes(origin);
    if (!allowed) return undefined;
    return {
      'access-control-allow-origin': origin,
      vary: 'Origin',
      'access-control-expose-headers': EXPOSED_HEADERS,
      ...(cors.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
    };
  }

  private preflightHeaders(match: RouteMatch, headers: HttpHeaders): Record<string, string> {
    const methods = [...new Set(match.entry.routes.map(({ route }) => route.method)), 'OPTIONS'].join(', ');
    return {
      'access-control-allow-methods': methods,
      'access-control-allow-headers':
        singleHeader(headers['access-control-request-headers']) ?? 'authorization, content-type, x-api-key',
      'access-control-max-age': String((this.cors as CorsOptions).maxAgeSeconds ?? 600),
      'content-length': '0',
    };
  }

  /**
   * The 404 answer for a path the handler does not serve (for hosts without a "next" to pass to).
   *
   * @example
   * ```ts
   * const answer = handler.notFound('/v1/unknown');
   * ```
   */
  notFound(url: string): GatewayHttpResponse {
    const path = url.split('?')[0];
    const error = new GatewayError('not_found', `No gateway endpoint at ${path}`, { param: 'path' });
    return jsonResponse(404, aiGatewayErrorBody(error), { 'x-request-id': createRequestId() });
  }

  /**
   * Closes the router when the handler built it.
   *
   * @example
   * ```ts
   * await handler.close();
   * ```
   */
  async close(): Promise<void> {
    this.metrics?.close();
    if (this.ownsRouter) await this.router.close?.();
  }
}

const EXPOSED_HEADERS =
  'x-gateway-generation-id, x-gateway-warnings, x-gateway-cache, x-gateway-cache-similarity, age, x-request-id, retry-after, retry-after-ms';

/** A client's request id worth echoing: a short token of safe characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/**
 * The id an error response carries (`x-request-id`): the client's own `x-request-id` when it is a
 * sane token, else a new `req_<ulid>`.
 */
function requestIdOf(headers: HttpHeaders): string {
  const sent = singleHeader(headers['x-request-id'])?.trim();
  return sent !== undefined && SANE_REQUEST_ID.test(sent) ? sent : createRequestId();
}

function mountedDialects(config: GatewayHandlerConfig, router: GatewayRouter): Dialect[] {
  const given = config.dialects ?? [];
  const named = given.filter((item): item is DialectName => typeof item === 'string');
  for (const name of named) {
    if (!BUILT_IN_DIALECTS.includes(name)) {
      throw new GatewayError(
        'config_invalid',
        `Unknown dialect '${String(name)}'; known dialects: ${BUILT_IN_DIALECTS.join(', ')}`,
      );
    }
  }
  const dialects = (
    named.length > 0 ? BUILT_IN_DIALECTS.filter((name) => named.includes(name)) : BUILT_IN_DIALECTS
  ).map((name) => BUILDERS[name](config));
  if (config.billing) dialects.push(createBillingDialect(config.billing));
  if (cachesOf(router).length > 0) dialects.push(createCacheDialect());
  if (router.logs) dialects.push(createLogsDialect(router.logs));
  if (config.dashboard) dialects.push(dashboardDialect(config));
  for (const item of given) {
    if (typeof item === 'string') continue;
    if (
      !item ||
      typeof item !== 'object' ||
      typeof item.name !== 'string' ||
      !Array.isArray(item.routes) ||
      typeof item.errorBody !== 'function'
    ) {
      throw new GatewayError(
        'config_invalid',
        'A dialect must be a built-in name or an object with `name`, `routes` and `errorBody`',
      );
    }
    dialects.push(item);
  }
  return dialects;
}

function dashboardDialect(config: GatewayHandlerConfig): Dialect {
  const options = config.dashboard === true ? {} : config.dashboard || {};
  const users = new Map<string, Set<string>>();
  const keys = Array.isArray(config.apiKeys) ? config.apiKeys : [];
  for (const key of keys) {
    const set = users.get(key.account) ?? new Set<string>();
    if (key.user) set.add(key.user);
    users.set(key.account, set);
  }
  if (!config.apiKeys || config.defaultAccount) users.set(config.defaultAccount?.id ?? 'anonymous', new Set());
  return createDashboardDialect({
    path: options.path,
    basePath: normalizeBasePath(config.basePath),
    billing: config.billing,
    accounts: [...users].map(([id, set]) => ({ id, users: [...set] })),
  });
}

function isRouter(value: GatewayRouter | GatewayHandlerConfig['router']): value is GatewayRouter {
  return typeof (value as GatewayRouter).generate === 'function';
}

function normalizeBasePath(basePath: string | undefined): string {
  if (!basePath || basePath === '/') return '';
  const withSlash = basePath.startsWith('/') ? basePath : `/${basePath}`;
  return withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}
