/**
 * The framework-agnostic gateway handler: the only code that knows HTTP. It matches a request to a
 * dialect route (or lets it pass through), authenticates it, parses its body within the size limit,
 * and answers in the dialect's format. It never throws: every failure is a response.
 *
 * @module
 */
import { CALLER_ABORT } from '../abort-handle.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from '../router.js';
import { GatewayError, redactSecrets } from '../errors.js';
import { createRequestId } from '../ids.js';
import { KeyAuthenticator } from './auth.js';
import { createBillingDialect } from './dialects/billing-dialect.js';
import { aiGatewayErrorBody, createAiGatewayDialect } from './dialects/ai-gateway-dialect.js';
import { createAnthropicDialect } from './dialects/anthropic-dialect.js';
import type { Dialect, Route } from './dialects/dialect.js';
import { createOpenAIDialect } from './dialects/openai-dialect.js';
import type { CorsOptions, DialectName, GatewayHandlerConfig, GatewayHttpRequest, GatewayHttpResponse, GatewayLogger, GatewayRouter, HttpHeaders } from './http-types.js';
import { handleNodeRequest, type NodeBridgeOptions } from './node-bridge.js';
import { errorResponse, jsonResponse, toGatewayError } from './responses.js';
import { answerWebRequest, handleWebRequest } from './web-bridge.js';

const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;
const ALL_DIALECTS: readonly DialectName[] = ['openai', 'anthropic', 'ai-gateway'];

/**
 * The routes served at one path (internal to the handler; part of {@link RouteMatch}).
 *
 * @example
 * ```ts
 * const methods = match.entry.routes.map(({ route }) => route.method);
 * ```
 */
export interface PathEntry {
  dialect: Dialect;
  routes: Array<{ route: Route; dialect: Dialect }>;
  /** Set for a vendor API path the gateway knows but does not serve: answered 404 in `dialect`'s format. */
  unserved?: true;
}

/**
 * A request matched to a path the handler serves.
 *
 * @example
 * ```ts
 * const match = handler.match('/v1/chat/completions?x=1');
 * ```
 */
export interface RouteMatch {
  entry: PathEntry;
  path: string;
  query: string;
  pathRest: string;
}

/**
 * The gateway handler. Build it with {@link createGatewayHandler}.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const handler = createGatewayHandler({ router });
 * createServer((request, response) => {
 *   if (!handler.handleNode(request, response)) response.writeHead(404).end();
 * }).listen(8080);
 * ```
 */
export class GatewayHandler {
  /** The router requests go to. */
  readonly router: GatewayRouter;
  private readonly ownsRouter: boolean;
  private readonly basePath: string;
  private readonly bodyLimit: number;
  private readonly auth: KeyAuthenticator;
  private readonly cors: CorsOptions | undefined;
  private readonly logger: GatewayLogger | undefined;
  private readonly exact = new Map<string, PathEntry>();
  private readonly prefixes: Array<{ prefix: string; entry: PathEntry }> = [];
  private readonly unserved: Array<{ path: string; prefix: boolean; entry: PathEntry }>;

  constructor(config: GatewayHandlerConfig) {
    if (!config || typeof config !== 'object' || !config.router) throw new GatewayError('config_invalid', 'createGatewayHandler needs `router`: a Router or a router configuration');
    const given = config.router;
    this.ownsRouter = !isRouter(given);
    this.router = isRouter(given) ? given : new Router(given);
    this.basePath = normalizeBasePath(config.basePath);
    this.bodyLimit = config.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
    this.auth = new KeyAuthenticator(config.apiKeys, config.defaultAccount);
    this.cors = config.cors === true ? { origin: '*' } : config.cors || undefined;
    this.logger = config.logger === false ? undefined : (config.logger ?? console);
    const names = config.dialects ?? ALL_DIALECTS;
    for (const name of names) if (!ALL_DIALECTS.includes(name)) throw new GatewayError('config_invalid', `Unknown dialect '${String(name)}'; known dialects: ${ALL_DIALECTS.join(', ')}`);
    const dialects: Dialect[] = [];
    if (names.includes('openai')) dialects.push(createOpenAIDialect());
    if (names.includes('anthropic')) dialects.push(createAnthropicDialect());
    if (names.includes('ai-gateway')) dialects.push(createAiGatewayDialect());
    if (config.billing) dialects.push(createBillingDialect(config.billing));
    for (const dialect of dialects) for (const route of dialect.routes) this.add(dialect, route);
    this.unserved = unservedEntries(dialects);
    if (!this.auth.enabled) {
      const message = 'switchyard: gateway API keys are not configured, so auth is OFF: every request is accepted and billed to the default account. Set `apiKeys` to require keys.';
      this.logger?.warn(message);
      const emitter = this.router as { emit?: (event: 'warning', payload: { code: string; message: string }) => boolean };
      if (typeof emitter.emit === 'function') emitter.emit('warning', { code: 'auth_disabled', message });
    }
  }

  private add(dialect: Dialect, route: Route): void {
    const wildcard = route.path.endsWith('/*');
    const path = wildcard ? route.path.slice(0, -1) : route.path;
    const existing = wildcard ? this.prefixes.find((item) => item.prefix === path)?.entry : this.exact.get(path);
    const entry = existing ?? { dialect, routes: [] };
    // A route that picks requests by their headers goes before a catch-all one on the same path.
    if (route.accepts) entry.routes.unshift({ route, dialect });
    else entry.routes.push({ route, dialect });
    if (existing) return;
    if (wildcard) this.prefixes.push({ prefix: path, entry });
    else this.exact.set(path, entry);
  }

  /**
   * The route a URL maps to, or undefined when the handler does not serve the path (the
   * request should pass through to the application).
   */
  match(url: string): RouteMatch | undefined {
    const queryStart = url.indexOf('?');
    let path = queryStart < 0 ? url : url.slice(0, queryStart);
    if (this.basePath) {
      if (!path.startsWith(this.basePath) || (path.length > this.basePath.length && path[this.basePath.length] !== '/')) return undefined;
      path = path.slice(this.basePath.length) || '/';
    }
    while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const query = queryStart < 0 ? '' : url.slice(queryStart + 1);
    const entry = this.exact.get(path);
    if (entry) return { entry, path, query, pathRest: '' };
    for (const { prefix, entry: prefixed } of this.prefixes) {
      if (path.startsWith(prefix) && path.length > prefix.length) return { entry: prefixed, path, query, pathRest: path.slice(prefix.length) };
    }
    for (const unserved of this.unserved) {
      if (path === unserved.path || (path.startsWith(unserved.path) && (unserved.prefix || path[unserved.path.length] === '/'))) return { entry: unserved.entry, path, query, pathRest: '' };
    }
    return undefined;
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

  /** Handles a request already matched by {@link GatewayHandler.match}. Never rejects. */
  async handleMatched(match: RouteMatch, request: GatewayHttpRequest): Promise<GatewayHttpResponse> {
    const corsHeaders = this.cors ? this.corsHeaders(request.headers) : undefined;
    let dialect = match.entry.dialect;
    let response: GatewayHttpResponse;
    try {
      const method = request.method.toUpperCase();
      if (method === 'OPTIONS' && corsHeaders) {
        response = { status: 204, headers: this.preflightHeaders(match, request.headers), body: '' };
      } else if (match.entry.unserved) {
        const hint = BILLING_PATHS.includes(match.path) ? ': billing is not configured on this gateway' : UNSERVED_HINTS[dialect.name];
        throw new GatewayError('not_found', `This gateway does not serve ${method} ${this.basePath}${match.path}${hint}`, { param: 'path' });
      } else {
        const chosen = match.entry.routes.find(({ route }) => route.method === method && (!route.accepts || route.accepts(request.headers)));
        if (!chosen) {
          const allowed = [...new Set(match.entry.routes.map(({ route }) => route.method))].join(', ');
          throw new GatewayError('invalid_request', `Method ${method} is not allowed on ${this.basePath}${match.path}; use ${allowed}`, { status: 405 });
        }
        dialect = chosen.dialect;
        const caller = await this.auth.authenticate(request.headers);
        const body = chosen.route.method === 'POST' ? await this.readJson(request) : undefined;
        response = await chosen.route.handle({
          router: this.router,
          caller,
          body,
          query: new URLSearchParams(match.query),
          headers: request.headers,
          pathRest: match.pathRest,
          abort: request[CALLER_ABORT] ?? request.signal,
        });
      }
    } catch (thrown) {
      response = this.errorFor(dialect, thrown, requestIdOf(request.headers));
    }
    if (corsHeaders) Object.assign(response.headers, corsHeaders);
    return response;
  }

  private errorFor(dialect: Dialect, thrown: unknown, requestId: string): GatewayHttpResponse {
    const error = toGatewayError(thrown);
    if (error.code === 'internal_error' || error.code === 'config_invalid' || (error.details?.credentialType === 'system' && (error.code === 'provider_authentication' || error.code === 'provider_permission'))) {
      this.logger?.error(redactSecrets(`switchyard: ${error.code}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`));
    }
    try {
      const body = dialect.errorBody(error);
      // Anthropic's own error body carries the request id (and its SDK reads the `request-id` header).
      if (dialect.name === 'anthropic' && body !== null && typeof body === 'object') (body as Record<string, unknown>).request_id = requestId;
      const response = errorResponse(error, body);
      response.headers['x-request-id'] = requestId;
      if (dialect.name === 'anthropic') response.headers['request-id'] = requestId;
      if (error.status === 413) response.headers.connection = 'close';
      return response;
    } catch {
      return jsonResponse(500, { error: { message: 'The gateway failed to handle the request', type: 'internal_server_error' } }, { 'x-request-id': requestId });
    }
  }

  private async readJson(request: GatewayHttpRequest): Promise<unknown> {
    const contentType = single(request.headers['content-type']);
    if (contentType && !/json|^text\/plain/i.test(contentType)) {
      throw new GatewayError('invalid_request', `Content-Type must be application/json, got '${contentType}'`, { status: 415, param: 'content-type' });
    }
    const encoding = single(request.headers['content-encoding'])?.trim().toLowerCase();
    if (encoding && encoding !== 'identity' && !request.parsedBody) {
      throw new GatewayError('invalid_request', `Content-Encoding '${encoding}' is not supported: send the JSON body uncompressed`, { status: 415, param: 'content-encoding' });
    }
    let raw: Uint8Array | string;
    if (request.parsedBody) {
      const value = request.parsedBody.value;
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) return value;
      raw = value;
    } else {
      const declared = Number(single(request.headers['content-length']));
      if (declared > this.bodyLimit) throw tooLarge(this.bodyLimit);
      raw = await request.readBody(this.bodyLimit);
    }
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
    if (size > this.bodyLimit) throw tooLarge(this.bodyLimit);
    const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    if (!/\S/.test(text)) throw new GatewayError('invalid_request', 'The request body is empty: send a JSON object', { param: 'body' });
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new GatewayError('invalid_request', `The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { param: 'body' });
    }
  }

  private corsHeaders(headers: HttpHeaders): Record<string, string> | undefined {
    const cors = this.cors as CorsOptions;
    const origin = single(headers.origin);
    if (cors.origin === '*') return { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS };
    if (!origin) return undefined;
    const allowed = typeof cors.origin === 'function' ? cors.origin(origin) : cors.origin.includes(origin);
    if (!allowed) return undefined;
    return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': EXPOSED_HEADERS, ...(cors.credentials ? { 'access-control-allow-credentials': 'true' } : {}) };
  }

  private preflightHeaders(match: RouteMatch, headers: HttpHeaders): Record<string, string> {
    const methods = [...new Set(match.entry.routes.map(({ route }) => route.method)), 'OPTIONS'].join(', ');
    return {
      'access-control-allow-methods': methods,
      'access-control-allow-headers': single(headers['access-control-request-headers']) ?? 'authorization, content-type, x-api-key',
      'access-control-max-age': String((this.cors as CorsOptions).maxAgeSeconds ?? 600),
      'content-length': '0',
    };
  }

  /**
   * Serves a Node request (node:http, Express, Koa, Next Pages). Returns false, without touching the
   * response, when the path is not served: call the next middleware.
   *
   * @example
   * ```ts
   * app.use((request, response, next) => { if (!handler.handleNode(request, response)) next(); });
   * ```
   */
  handleNode(request: IncomingMessage, response: ServerResponse, options?: NodeBridgeOptions): boolean {
    return handleNodeRequest(this, request, response, options);
  }

  /**
   * Serves a Web-standard request (Next App Router, any fetch-style runtime); resolves to undefined
   * when the path is not served.
   *
   * @example
   * ```ts
   * export async function POST(request: Request) { return (await handler.handleWeb(request)) ?? new Response('Not found', { status: 404 }); }
   * ```
   */
  handleWeb(request: Request): Promise<Response | undefined> {
    return handleWebRequest(this, request);
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
    return jsonResponse(404, aiGatewayErrorBody(error));
  }

  /**
   * Serves a Web-standard request, answering 404 for paths the handler does not serve.
   *
   * @example
   * ```ts
   * export const GET = (request: Request) => handler.answerWeb(request);
   * ```
   */
  answerWeb(request: Request): Promise<Response> {
    return answerWebRequest(this, request);
  }

  /** Closes the router when the handler built it. */
  async close(): Promise<void> {
    if (this.ownsRouter) await this.router.close?.();
  }
}

/**
 * Vendor API paths the gateway does not serve, under the prefixes it owns. They get a JSON 404 in
 * the dialect's format (which SDKs show as the error) instead of falling through to the host
 * application: every path under `/v3/ai/` and `/v4/ai/`; under `/v1/`, the vendors' own endpoints
 * only (a host application may serve other `/v1/` paths of its own).
 */
const BILLING_PATHS = ['/v1/credits', '/v1/report', '/v1/generation'];
const UNSERVED_PATHS: Record<'openai' | 'anthropic' | 'ai-gateway', Array<{ path: string; prefix?: true }>> = {
  openai: ['/v1/responses', '/v1/completions', '/v1/images', '/v1/audio', '/v1/files', '/v1/uploads', '/v1/batches', '/v1/moderations', '/v1/assistants', '/v1/threads', '/v1/vector_stores', '/v1/fine_tuning', '/v1/realtime', '/v1/conversations', '/v1/containers', '/v1/evals', '/v1/videos', '/v1/chat/completions'].map((path) => ({ path })),
  anthropic: ['/v1/messages', '/v1/complete', '/v1/skills', '/v1/organizations'].map((path) => ({ path })),
  'ai-gateway': [{ path: '/v3/ai/', prefix: true }, { path: '/v4/ai/', prefix: true }, ...BILLING_PATHS.map((path) => ({ path }))],
};

const UNSERVED_HINTS: Record<string, string> = {
  openai: ': it serves POST /v1/chat/completions, POST /v1/embeddings and GET /v1/models',
  anthropic: ': it serves POST /v1/messages and GET /v1/models',
  'ai-gateway': ': it serves POST language-model, POST embedding-model and GET config under /v3/ai and /v4/ai',
};


function unservedEntries(dialects: Dialect[]): Array<{ path: string; prefix: boolean; entry: PathEntry }> {
  const entries: Array<{ path: string; prefix: boolean; entry: PathEntry }> = [];
  for (const dialect of dialects) {
    const paths = UNSERVED_PATHS[dialect.name as keyof typeof UNSERVED_PATHS];
    if (!paths) continue;
    for (const { path, prefix } of paths) entries.push({ path, prefix: prefix === true, entry: { dialect, routes: [], unserved: true } });
  }
  return entries;
}


const EXPOSED_HEADERS = 'x-gateway-generation-id, x-gateway-warnings, x-gateway-cache, age, x-request-id, retry-after, retry-after-ms';

/** A client's request id worth echoing: a short token of safe characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:\/+=-]{1,128}$/;

/**
 * The id an error response carries (`x-request-id`): the client's own `x-request-id` when it is a
 * sane token, else a new `req_<ulid>`.
 */
function requestIdOf(headers: HttpHeaders): string {
  const sent = single(headers['x-request-id'])?.trim();
  return sent !== undefined && SANE_REQUEST_ID.test(sent) ? sent : createRequestId();
}

/**
 * Creates the gateway handler.
 *
 * @example
 * ```ts
 * const handler = createGatewayHandler({
 *   router: { providers: { openai: { type: 'openai', apiKey: process.env.OPENAI_API_KEY } } },
 *   apiKeys: [{ key: process.env.GATEWAY_KEY!, id: 'key_1', account: 'team_acme' }],
 * });
 * ```
 */
export function createGatewayHandler(config: GatewayHandlerConfig): GatewayHandler {
  return new GatewayHandler(config);
}

function isRouter(value: GatewayRouter | GatewayHandlerConfig['router']): value is GatewayRouter {
  return typeof (value as GatewayRouter).generate === 'function';
}

function normalizeBasePath(basePath: string | undefined): string {
  if (!basePath || basePath === '/') return '';
  const withSlash = basePath.startsWith('/') ? basePath : `/${basePath}`;
  return withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('payload_too_large', `The request body is larger than the limit of ${limit} bytes`, { param: 'body' });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
