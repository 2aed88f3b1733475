/**
 * switchyard: an embeddable AI gateway for Node servers.
 *
 * @example
 * ```ts
 * import { Router } from 'switchyard';
 * const router = new Router({ providers: { openai: { type: 'openai', apiKey: process.env.OPENAI_API_KEY } } });
 * const { text } = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
 * ```
 *
 * @module switchyard
 */
export { Router } from './router/router.js';
export type {
  MiddlewareEvents,
  OperationName,
  PipelineStream,
  RequestMiddleware,
  RequestRun,
} from './middleware/middleware.js';
export * from './middleware/guardrails/index.js';
export type * from './router/router-types.js';
export type { RoutingRule, RuleAction, RuleMatch, VirtualModel } from './router/routing-rules.js';
export type { ModelFallbacks, ModelFallbackOptions } from './router/model-fallbacks.js';
export { CAPABILITY_TAGS, KNOWN_GATEWAY_OPTIONS } from './router/gateway-options.js';
export type * from './core/types.js';
export { CONTENT_PART_TYPES, emptyUsage } from './core/types.js';
export {
  ERROR_CODES,
  GatewayError,
  isGatewayError,
  redactSecrets,
  type ErrorScope,
  type GatewayErrorCode,
  type GatewayErrorOptions,
} from './core/errors.js';
export type * from './core/events.js';
export {
  Catalog,
  parseRawModelId,
  type Capabilities,
  type CatalogConfig,
  type Limits,
  type ModelDefinition,
  type Offering,
  type Pricing,
  type ProviderFacts,
  type ResolvedOffering,
} from './catalog/catalog.js';
export { BUILT_IN_MODELS, BUILT_IN_PROVIDER_FACTS } from './catalog/built-in-models.js';
export { computeCost, dollarsToNano, nanoToDollars, tokenCost, type BillableTokens } from './billing/cost.js';
export {
  HealthTracker,
  MAX_RECENT_FAILURES,
  percentile,
  type BreakerState,
  type HealthFailure,
  type HealthOptions,
  type HealthReader,
  type HealthSample,
  type HealthSnapshot,
} from './health/health-tracker.js';
export * from './strategies/index.js';
export {
  hedge,
  validateHedgeOptions,
  type FirstContentPercentiles,
  type HedgeAfter,
  type HedgeOperation,
  type HedgeOptions,
} from './resilience/hedge.js';
export {
  PROVIDER_TYPES,
  type Provider,
  type ProviderCall,
  type ProviderConfig,
  type ProviderEmbedCall,
  type ProviderEmbedResult,
  type ProviderFactory,
  type ProviderGenerateResult,
  type ProviderStreamResult,
  type ProviderType,
} from './providers/provider.js';
export type { SdkLogger } from './providers/shared/sdk-logger.js';
export { createProvider } from './providers/registry.js';
export {
  configureNodeFetch,
  nodeFetch,
  transportSignalOptions,
  type CallAbort,
  type NodeFetchOptions,
  type NodeFetchQueuedEvent,
  type TransportAbort,
  type TransportFetchOptions,
} from './providers/shared/node-fetch.js';
export { leanOpenAIClass, type OpenAIClientClass } from './providers/openai/lean-openai-client.js';
export { normalizeRequest } from './core/request.js';
export { parsePartialJson, toJsonSchema } from './router/structured-output.js';
export { estimatePromptTokens, estimateTextTokens } from './core/tokens.js';
export { createGenerationId, createRequestId, createUlid } from './core/ids.js';
export * from './http/index.js';
export * from './billing/index.js';
export * from './store/index.js';
export { createGateway, gatewayHandlerFor, isGateway, type Gateway, type GatewaySource } from './gateway.js';
export {
  configError,
  configProblems,
  validateGatewayConfig,
  type BillingConfig,
  type ConfigProblem,
  type GatewayCacheConfig,
  type GatewayConfig,
  type StoreConfig,
  type StrategyConfig,
} from './gateway-config.js';
export * from './middleware/cache/index.js';
export * from './middleware/telemetry/index.js';
export * from './middleware/request-log/index.js';
