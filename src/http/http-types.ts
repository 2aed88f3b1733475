/**
 * The HTTP handler's public contracts: its configuration, the request and response shapes every
 * bridge (Node, Web) speaks, the router and billing interfaces it calls, and gateway API keys.
 *
 * @module
 */
import type { AbortSource } from '../core/abort-handle.js';
import type { AdminKey } from './admin-access.js';
import type { AccountBalance } from '../billing/billing.js';
import type { SpendReport, SpendReportQuery } from '../billing/spend-report.js';
import type { GenerationSummary } from '../billing/usage-record.js';
import type { DirectorySource } from '../catalog/model-directory.js';
import type { AccountReference } from '../core/events.js';
import type {
  CallScope,
  EmbedManyRequest,
  EmbedManyResult,
  ImageRequest,
  ImageResult,
  RerankRequest,
  RerankResult,
  GenerateResult,
  RouterConfig,
  StreamResult,
} from '../router/router-types.js';
import type { ProviderType } from '../providers/provider.js';
import type { RequestLog } from '../middleware/request-log/request-log-record.js';
import type { Dialect } from './dialects/dialect.js';
import type { RequestMiddleware } from '../middleware/middleware.js';
import type { ResponsesOptions } from './dialects/openai/response-store.js';
import type { GenerateRequest } from '../core/types.js';
import type { MetricsConfig } from '../middleware/telemetry/prometheus-metrics.js';

/**
 * What the handler needs of a router: what the model directory reads (catalog, health, provider
 * names, candidates) and the calls. `Router` satisfies it.
 *
 * @example
 * ```ts
 * import { Router } from 'switchyard';
 * const router: GatewayRouter = new Router({ providers: { openai: { type: 'openai', apiKey } } });
 * ```
 */
export interface GatewayRouter extends DirectorySource {
  generate(request: GenerateRequest & { account?: AccountReference }, scope?: CallScope): Promise<GenerateResult>;
  stream(request: GenerateRequest & { account?: AccountReference }, scope?: CallScope): StreamResult;
  embedMany(request: EmbedManyRequest, scope?: CallScope): Promise<EmbedManyResult>;
  /** Image generation (`Router` has it; the image routes answer 404 without it). */
  generateImage?(request: ImageRequest, scope?: CallScope): Promise<ImageResult>;
  /** Reranking (`Router` has it; the rerank routes answer 404 without it). */
  rerank?(request: RerankRequest, scope?: CallScope): Promise<RerankResult>;
  /** The type of a configured provider instance (`Router` has it; checks BYOK credentials' shape). */
  providerType?(name: string): ProviderType | undefined;
  /** The router's middleware (`Router` has it): the cache endpoint finds the caches there. */
  readonly middleware?: readonly RequestMiddleware[];
  /** The request log, when configured (`Router` has it with `requestLog`): served at `GET /v1/logs`. */
  readonly logs?: RequestLog | undefined;
  close?(): Promise<void> | void;
}

/**
 * The billing endpoints' data source (`GET /v1/credits`, `/v1/report`, `/v1/generation`), in domain
 * types (nano-dollars, camelCase, Dates): the ai-gateway dialect shapes the wire JSON. The billing
 * layer's class satisfies it; any object with these methods will do.
 *
 * @example
 * ```ts
 * const billing: GatewayBilling = {
 *   getCredits: async () => ({ balanceNano: 10_000_000_000, totalUsedNano: 250_000_000 }),
 *   getReport: async (_account, query) => ({ groupBy: query.groupBy ?? 'day', rows: [] }),
 *   getGeneration: async () => undefined,
 * };
 * ```
 */
export interface GatewayBilling {
  getCredits(account: AccountReference): Promise<Pick<AccountBalance, 'balanceNano' | 'totalUsedNano'>>;
  getReport(account: AccountReference, query: ReportQuery): Promise<SpendReport>;
  getGeneration(account: AccountReference, id: string): Promise<GenerationSummary | undefined>;
}

/**
 * The query of `GET /v1/report`, as the ai-gateway dialect parsed it: billing's {@link SpendReportQuery}.
 *
 * @example
 * ```ts
 * const query: ReportQuery = { from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 0, 31, 23, 59, 59, 999), groupBy: 'model' };
 * ```
 */
export type ReportQuery = SpendReportQuery;

/**
 * A gateway API key: the secret, its id, the account it bills and what it may use. The secret is
 * hashed (SHA-256) when the handler is created and never kept in clear.
 *
 * @example
 * ```ts
 * const key: GatewayApiKey = { key: process.env.TEAM_ACME_KEY!, id: 'key_acme_1', account: 'team_acme', models: ['openai/*'] };
 * ```
 */
export interface GatewayApiKey {
  /** The secret the client sends (`Authorization: Bearer <key>` or `x-api-key`). */
  key: string;
  /** The key's id: shown in events and reports instead of the key. */
  id: string;
  /** The account (team) billed for requests made with the key. */
  account: string;
  /** The end user the key belongs to, when it is a personal key. */
  user?: string;
  /** Models the key may use: exact ids or prefixes ending in `*` (`openai/*`). All when absent. */
  models?: string[];
}

/**
 * A key as a lookup function returns it (no secret).
 *
 * @example
 * ```ts
 * const identity: GatewayKeyIdentity = { id: 'key_1', account: 'team_acme', models: ['anthropic/*'] };
 * ```
 */
export type GatewayKeyIdentity = Omit<GatewayApiKey, 'key'>;

/**
 * Resolves a presented key to its identity, or `undefined` for an unknown key. Receives the key and
 * its SHA-256 hex digest (store digests, not keys).
 *
 * @example
 * ```ts
 * const lookup: GatewayKeyLookup = async (_key, sha256) => keysByHash.get(sha256);
 * ```
 */
export type GatewayKeyLookup = (
  key: string,
  sha256Hex: string,
) => GatewayKeyIdentity | undefined | Promise<GatewayKeyIdentity | undefined>;

/** The wire dialects the handler can mount. @example `['openai', 'ai-gateway']` */
export type DialectName = 'openai' | 'anthropic' | 'ai-gateway';

/**
 * CORS settings. `true` allows every origin.
 *
 * @example
 * ```ts
 * const cors: CorsOptions = { origin: ['https://app.example.com'], maxAgeSeconds: 600 };
 * ```
 */
export interface CorsOptions {
  /** Allowed origins: `'*'`, a list, or a predicate. */
  origin: '*' | string[] | ((origin: string) => boolean);
  /** Preflight cache lifetime (default 600 s). */
  maxAgeSeconds?: number;
  /** Send `Access-Control-Allow-Credentials: true` (never with `'*'`). */
  credentials?: boolean;
}

/**
 * Where the handler writes its few operational messages (the auth-off warning, unexpected errors).
 *
 * @example
 * ```ts
 * const logger: GatewayLogger = { warn: (message) => log.warn(message), error: (message) => log.error(message) };
 * ```
 */
export interface GatewayLogger {
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Configuration of {@link createGatewayHandler} and of every adapter.
 *
 * @example
 * ```ts
 * const config: GatewayHandlerConfig = {
 *   router: { providers: { openai: { type: 'openai', apiKey: process.env.OPENAI_API_KEY } } },
 *   apiKeys: [{ key: process.env.GATEWAY_KEY!, id: 'key_1', account: 'team_acme' }],
 *   basePath: '/ai',
 *   cors: true,
 * };
 * ```
 */
export interface GatewayHandlerConfig {
  /** A router, or the configuration to build one (then the handler owns and closes it). */
  router: GatewayRouter | RouterConfig;
  /** Path prefix every route is served under (default `''`: `/v1/chat/completions`). */
  basePath?: string;
  /**
   * Gateway API keys: a list, or a lookup function. When absent, auth is off: every request is
   * accepted as `defaultAccount`, and the handler warns once at start-up.
   */
  apiKeys?: GatewayApiKey[] | GatewayKeyLookup;
  /** The account billed when auth is off (default `{ id: 'anonymous' }`). */
  defaultAccount?: AccountReference;
  /**
   * Admin keys (at least 16 characters each): they open the dashboard, `/v1/logs` and `/admin/*`, sent as
   * `Authorization: Bearer <key>`. A gateway API key never does. With none, those routes answer 401.
   */
  adminKeys?: Array<AdminKey | string>;
  /** Largest accepted request body in bytes (default 10 MiB); larger bodies get 413. */
  bodyLimitBytes?: number;
  /** CORS: `true` for every origin, or options. Off by default. */
  cors?: boolean | CorsOptions;
  /**
   * The dialects to mount: built-in names pick built-in dialects (all three when none is named), and
   * dialect objects add your own routes (`dialects: [statusDialect]` serves the three built-ins and
   * yours; `dialects: ['openai', statusDialect]` only OpenAI's and yours).
   */
  dialects?: Array<DialectName | Dialect>;
  /** Serves `/v1/credits`, `/v1/report` and `/v1/generation` from this source. */
  /**
   * Consulted for a key that `apiKeys` does not know: the keys made through the admin API, kept hashed in
   * the store (`createGateway` sets it when `adminKeys` is set). Turns auth on.
   */
  storedKeys?: GatewayKeyLookup;
  billing?: GatewayBilling;
  /**
   * The OpenAI Responses API's store (`previous_response_id`, `GET /v1/responses/{id}`): a key-value store
   * (default: in memory, made on first use; share a Redis one across instances), the TTL (default 30 days), or
   * `{ store: false }` to keep nothing.
   */
  responses?: ResponsesOptions;
  /**
   * Prometheus metrics at `GET /metrics` (optional peer `prom-client`): `true`, or `{ path, key, labels }`.
   * Off by default; with it off, nothing listens to the router's events for it.
   */
  metrics?: boolean | MetricsConfig;
  /**
   * Serves the dashboard page (models and prices, live availability, spend, the request log) at `/dashboard`
   * (or `path`), to admin keys only (`adminKeys`). Off by default.
   */
  dashboard?: boolean | DashboardOptions;
  /** Operational messages (default `console`); `false` silences them. */
  logger?: GatewayLogger | false;
}

/**
 * Options of the dashboard page.
 *
 * @example
 * ```ts
 * const dashboard: DashboardOptions = { path: '/ops/dashboard' };
 * ```
 */
export interface DashboardOptions {
  /** Where the page is served, under the base path (default `/dashboard`). */
  path?: string;
}

/**
 * Header values as Node gives them: lower-case names.
 *
 * @example
 * ```ts
 * const headers: HttpHeaders = { authorization: 'Bearer sk-gw-1', 'content-type': 'application/json' };
 * ```
 */
export type HttpHeaders = Record<string, string | string[] | undefined>;

/**
 * A request as a bridge hands it to the handler.
 *
 * @example
 * ```ts
 * const request: GatewayHttpRequest = {
 *   method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'application/json' },
 *   readBody: async () => Buffer.from('{"model":"openai/gpt-4o","messages":[]}'),
 *   signal: new AbortController().signal,
 * };
 * ```
 */
export interface GatewayHttpRequest {
  method: string;
  /** Path and query, as on the request line (`/v1/report?start_date=...`). */
  url: string;
  headers: HttpHeaders;
  /** Reads the raw body; rejects with a `payload_too_large` GatewayError past `limitBytes`. */
  readBody(limitBytes: number): Promise<Uint8Array | string>;
  /** A body a framework already parsed (Express `req.body` after `express.json()`), if any. */
  parsedBody?: { value: unknown };
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /**
   * Internal to the gateway's bridges: the client's going away as a handle, standing in for `signal` (built from it
   * only if read).
   */
  abort?: AbortSource;
}

/**
 * What the handler answers: a whole body, or a stream of text chunks to write in order (each one
 * written and flushed as it comes; the bridge waits for the socket to drain before pulling the next).
 *
 * @example
 * ```ts
 * const response: GatewayHttpResponse = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
 * ```
 */
export type GatewayHttpResponse =
  | { status: number; headers: Record<string, string>; body: string; stream?: undefined }
  | { status: number; headers: Record<string, string>; body?: undefined; stream: AsyncIterable<string> };
