/**
 * The HTTP gateway: one framework-agnostic handler speaking the OpenAI, Anthropic and
 * `@ai-sdk/gateway` wire dialects, with a Node bridge and a Web-standard bridge.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createGatewayHandler } from 'switchyard';
 *
 * const handler = createGatewayHandler({ router: { providers: { openai: { type: 'openai', apiKey: process.env.OPENAI_API_KEY } } } });
 * createServer((request, response) => {
 *   if (!handler.handleNode(request, response)) response.writeHead(404).end();
 * }).listen(8080);
 * ```
 *
 * @module
 */
export { createGatewayHandler, GatewayHandler } from './gateway-handler.js';
export { BUILT_IN_DIALECTS, HttpHandler } from './handler.js';
export { RouteTable, type PathEntry, type RouteMatch } from './route-table.js';
export type { Dialect, ReservedPath, Route, RouteContext, RouteMethod } from './dialects/dialect.js';
export { jsonResponse } from './responses.js';
export { handleNodeRequest, readNodeBody, writeNodeResponse, type NodeBridgeOptions } from './node-bridge.js';
export { handleWebRequest, readWebBody } from './web-bridge.js';
export { KeyAuthenticator, authorizeModels, modelAllowed, type Caller } from './auth.js';
export {
  AdminAccess,
  ADMIN_SESSION_COOKIE,
  MIN_ADMIN_KEY_LENGTH,
  type AdminCaller,
  type AdminKey,
} from './admin-access.js';
export { routingFromHeaders, mergeProviderOptions } from './routing-options.js';
export { gatewayMetadata, type MetadataSource } from './gateway-metadata.js';
export { openAIErrorBody } from './dialects/openai/openai-dialect.js';
export { anthropicErrorBody } from './dialects/anthropic/anthropic-dialect.js';
export { aiGatewayErrorBody } from './dialects/ai-gateway/ai-gateway-dialect.js';
export { creditsBody, generationBody, reportBody } from './dialects/ai-gateway/billing-dialect.js';
export { createMetricsDialect, DEFAULT_METRICS_PATH, type MetricsDialect } from './dialects/metrics/metrics-dialect.js';
export {
  createDashboardDialect,
  DEFAULT_DASHBOARD_PATH,
  type DashboardDialectOptions,
} from './dialects/dashboard/dashboard-dialect.js';
export {
  checkReadiness,
  createHealthDialect,
  type HealthDialectOptions,
  type Readiness,
} from './dialects/health/health-dialect.js';
export { createAdminDialect, type AdminDialectOptions } from './dialects/admin/admin-dialect.js';
export { StoredApiKeys, type NewApiKey, type StoredApiKey } from './stored-api-keys.js';
export type {
  CorsOptions,
  DashboardOptions,
  DialectName,
  GatewayApiKey,
  GatewayBilling,
  GatewayHandlerConfig,
  GatewayHttpRequest,
  GatewayHttpResponse,
  GatewayKeyIdentity,
  GatewayKeyLookup,
  GatewayLogger,
  GatewayRouter,
  HttpHeaders,
  ReportQuery,
} from './http-types.js';
