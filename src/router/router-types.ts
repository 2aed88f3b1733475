/**
 * The router's configuration, results and hook contracts.
 *
 * @module
 */
import type { HedgeOptions } from '../resilience/hedge.js';
import type { AbortSource } from '../core/abort-handle.js';
import type { Catalog, CatalogConfig, Pricing } from '../catalog/catalog.js';
import type { AccountReference, AttemptRecord, CostBreakdown, CredentialType, UsageEvent } from '../core/events.js';
import type { HealthOptions } from '../health/health-tracker.js';
import type { ProviderConfig, ProviderType } from '../providers/provider.js';
import type { SdkLogger } from '../providers/shared/sdk-logger.js';
import type { RequestMiddleware } from '../middleware/middleware.js';
import type { TelemetryConfig } from '../middleware/telemetry/open-telemetry.js';
import type { TraceContext } from '../middleware/telemetry/trace-context.js';
import type { RequestLogConfig } from '../middleware/request-log/request-log.js';
import type { AttemptPolicy, CandidatePolicy } from '../resilience/policy.js';
import type { Strategy } from '../strategies/strategy.js';
import type { ModelFallbacks } from './model-fallbacks.js';
import type { RoutingRule, VirtualModel } from './routing-rules.js';
import type {
  ContentPart,
  FinishReason,
  GenerateRequest,
  JsonObject,
  JsonSchema,
  Message,
  ProviderMetadata,
  StreamPart,
  Usage,
  Warning,
} from '../core/types.js';

/**
 * Retry policy for retryable errors (429, 5xx, timeouts, resets) on one offering, before the router
 * moves on to the next candidate.
 *
 * @example
 * ```ts
 * const retry: RetryOptions = { maxRetries: 2, initialDelayMs: 200, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 };
 * ```
 */
export interface RetryOptions {
  /** Retries per offering after the first try (default 1). */
  maxRetries?: number;
  /** First backoff delay; doubles each retry, with full jitter (default 250 ms). */
  initialDelayMs?: number;
  /** Cap of a backoff delay (default 4 s). */
  maxDelayMs?: number;
  /** A Retry-After longer than this moves on to the next candidate instead of waiting (default 10 s). */
  maxRetryAfterMs?: number;
}

/**
 * One provider instance in a router config: a {@link ProviderConfig} whose `type` may be left out when
 * the instance is named after its type.
 *
 * @example
 * ```ts
 * const providers: Record<string, ProviderInstanceConfig> = { openai: { apiKey: process.env.OPENAI_API_KEY }, 'openai-eu': { type: 'openai', baseURL: 'https://eu.api.openai.com/v1' } };
 * ```
 */
export type ProviderInstanceConfig = Omit<ProviderConfig, 'type'> & { type?: ProviderType };

/**
 * Router configuration.
 *
 * @example
 * ```ts
 * const config: RouterConfig = {
 *   providers: {
 *     openai: { apiKey: process.env.OPENAI_API_KEY },
 *     'anthropic-eu': { type: 'anthropic', apiKey: process.env.ANTHROPIC_API_KEY },
 *   },
 *   retry: { maxRetries: 1 },
 *   attemptTimeoutMs: 30_000,
 * };
 * ```
 */
export interface RouterConfig {
  /**
   * Provider instances by name; the name is what `order`/`only` and catalog offerings refer to. An
   * instance named after a provider type (`openai`, `anthropic`, ...) needs no `type`:
   * `{ openai: { apiKey } }`.
   */
  providers: Record<string, ProviderInstanceConfig>;
  /** Where the vendor SDKs' own warnings and errors go (default: nowhere; a provider's `logger` overrides). */
  logger?: SdkLogger;
  /** Catalog additions and overrides, or a ready catalog. */
  catalog?: CatalogConfig | Catalog;
  /** How candidates are ranked (default `latencyWeighted()`). */
  strategy?: Strategy;
  retry?: RetryOptions;
  /** Timeout of one attempt: the whole call, or until the first content part of a stream (default 60 s). */
  attemptTimeoutMs?: number;
  /** Overall deadline of a request across every attempt (default 5 min). */
  deadlineMs?: number;
  health?: HealthOptions;
  /** Hooks around requests and attempts (billing, limits, auditing). */
  hooks?: RequestHook[];
  /**
   * Request middleware (cache, guardrails, telemetry, your own), outermost first: the first sees the
   * request first and the answer last. Composed once, here; with none, a call costs nothing extra.
   */
  middleware?: RequestMiddleware[];
  /**
   * Replaces the resilience policies: `attempt` around each attempt, outermost first (default
   * `[retry(config.retry), deadline(), timeout()]`), `candidate` across candidates (default `fallback()`).
   * For policies of your own (a hedge); the defaults follow `retry`, `attemptTimeoutMs` and `deadlineMs`.
   */
  policies?: { attempt?: AttemptPolicy[]; candidate?: CandidatePolicy };
  /**
   * Hedged requests: when an attempt has produced no first content by `after` (milliseconds, or a
   * percentile of the offering's recent time to first content such as `'p95'`), one more attempt starts
   * on the next candidate; the first to produce content wins and the other is cancelled (and billed).
   * Off by default; a request may also ask for it (`providerOptions.gateway.hedge`) or turn it off (`false`).
   *
   * @example
   * ```ts
   * const config: RouterConfig = { providers, hedge: { after: 'p95', maxExtra: 1, operations: ['stream'] } };
   * ```
   */
  hedge?: HedgeOptions;
  /** Random source for strategies and jitter (tests pass a seeded one). */
  random?: () => number;
  /**
   * Whether the router builds its providers and loads their vendor SDKs at construction, in the
   * background (default true; await `router.ready()` to know when it is done). With `false`, each is
   * loaded on its first request, still outside that attempt's timeout and the health statistics.
   */
  preload?: boolean;
  /**
   * Routing rules, evaluated in order before candidates: each whose `match` fits the request acts
   * (`rewrite` the model, `deny` with a 403 naming the rule, `route` with order / only / models / sort).
   * Compiled once, here; with none, nothing runs per request.
   */
  rules?: RoutingRule[];
  /**
   * Saved model names with their routing (`'acme/fast': { model, fallbacks, providerOptions, tags }`), listed with the
   * models.
   */
  virtualModels?: Record<string, VirtualModel>;
  /** Models to move on to when a model's vendor answers "context length exceeded" (only those with a larger window). */
  contextWindowFallbacks?: ModelFallbacks;
  /** Models to move on to when a model's vendor refuses a request by its content policy (off unless set). */
  contentPolicyFallbacks?: ModelFallbacks;
  /**
   * OpenTelemetry spans and metrics (optional peer `@opentelemetry/api`, loaded only when set): a span per
   * request, a child span per attempt, GenAI metrics. Off by default, and then it costs nothing.
   */
  telemetry?: TelemetryConfig;
  /**
   * The request log: one record per request (attempts, fallback chain, tokens, cost, outcome), read with
   * `router.logs.query()` and served at `GET /v1/logs`. `true` keeps the last 1,000 in memory; options set
   * the ring's `size`, Redis's `maxRecords` and `ttlSeconds`, `logContent`, or a `store`. Off by default.
   */
  requestLog?: RequestLogConfig | false;
}

/**
 * A request after normalisation: messages with parts, gateway options resolved.
 *
 * @example
 * ```ts
 * const normalized: NormalizedRequest = router.normalize({ model: 'openai/gpt-4o', prompt: 'Hi' });
 * ```
 */
export interface NormalizedRequest extends Omit<GenerateRequest, 'prompt' | 'messages' | 'system'> {
  prompt: Message[];
  tags: string[];
  metadata: Record<string, string>;
  /** The account billed (set by the HTTP handler or the caller). */
  account?: AccountReference;
  /** The router's own warnings about the request (gateway options it does not know), added to the result's. */
  warnings?: Warning[];
}

/**
 * What a caller passes beside a request, for this call only.
 *
 * @example
 * ```ts
 * const abort = new AbortHandle();
 * response.on('close', () => abort.abort());
 * await router.generate({ model: 'openai/gpt-4o', prompt: 'Hi' }, { abort });
 * ```
 */
export interface CallScope {
  /**
   * The caller's abort, as an `AbortSignal` or a cheaper `TransportAbort` (the HTTP layer passes a
   * client's disconnect so, building no `AbortSignal` for a request nobody aborts). Stands in for the
   * request's `abortSignal`; hooks see a signal built from it.
   */
  abort?: AbortSource;
  /** The caller's W3C trace context, continued by the telemetry middleware (the HTTP handler passes `traceparent`). */
  traceContext?: TraceContext;
}

/**
 * What hooks see of a request: the fields of the run ({@link RequestRun}) they read. The router passes
 * the run itself, one object per request.
 *
 *
 * @example
 * ```ts
 * const hook: RequestHook = { onRequest: (context: RequestContext) => console.log(context.requestId, context.model) };
 * ```
 */
export interface RequestContext {
  requestId: string;
  model: string;
  operation: UsageEvent['operation'];
  streamed: boolean;
  user?: string;
  tags: string[];
  metadata: Record<string, string>;
  account?: AccountReference;
  /** Whether the caller brought its own provider keys for any provider. */
  byok: boolean;
  request: NormalizedRequest;
  /** For embeddings: the values to embed. */
  values?: string[];
}

/**
 * One planned attempt, as hooks see it before it starts.
 *
 * @example
 * ```ts
 * const maxCost = plan.maxCostNano; // reserve this much before the attempt
 * ```
 */
export interface AttemptPlan {
  /** The attempt's number within its request, from 0: `${requestId}:${attempt}` names it uniquely. */
  attempt: number;
  provider: string;
  providerType: ProviderType;
  providerModelId: string;
  model: string;
  pricing: Pricing;
  credentialType: CredentialType;
  /** The input tokens estimated from the request text. */
  estimatedInputTokens: number;
  /** The output tokens the attempt may produce at most (the request's maxOutputTokens or the model's limit). */
  maxOutputTokens: number;
  /** The most this attempt can cost at list price, in nano-dollars (input estimate + max output). */
  maxCostNano: number;
}

/**
 * A reservation held for one attempt: settled with the attempt's usage, or released when the attempt
 * was not billable.
 *
 * @example
 * ```ts
 * const lease: AttemptLease = { settle: async (usage) => ledger.settle(id, usage.cost.total), release: async () => ledger.release(id) };
 * ```
 */
export interface AttemptLease {
  settle(usage: UsageEvent): void | Promise<void>;
  release(): void | Promise<void>;
}

/**
 * Hooks around requests and attempts. A hook that throws a `GatewayError` rejects the request (402,
 * 429...). The billing layer is one such hook.
 *
 * @example
 * ```ts
 * const auditHook: RequestHook = {
 *   onRequest: (context) => { if (!context.account) throw new GatewayError('unauthorized', 'No account'); },
 * };
 * const router = new Router({ providers, hooks: [auditHook] });
 * ```
 */
export interface RequestHook {
  /** Before any attempt. */
  onRequest?(context: RequestContext): void | Promise<void>;
  /** Before each attempt; a returned lease is settled with that attempt's usage or released. */
  onAttempt?(context: RequestContext, plan: AttemptPlan): AttemptLease | void | Promise<AttemptLease | void>;
  /**
   * When a cache is about to answer the request (no attempt follows). Throwing refuses the request, as from
   * `onRequest`; billing records the hit here, and charges it when it bills cache hits.
   */
  onCacheHit?(context: RequestContext, hit: CacheHit): void | Promise<void>;
}

/**
 * A cache hit as hooks see it, before the cached answer is served: which cache, what the stored answer
 * cost when it was made (at the price of the offering that made it), and that offering.
 *
 * @example
 * ```ts
 * const hook: RequestHook = {
 *   onCacheHit: (context, hit) => console.log(context.requestId, hit.kind, `saved ${hit.savedCostNano} nano-dollars`),
 * };
 * ```
 */
export interface CacheHit {
  kind: 'exact' | 'semantic';
  /** What the stored answer cost upstream when it was made, in nano-dollars (list price). */
  savedCostNano: number;
  /** The model that made the stored answer, and the offering it came from. */
  model: string;
  provider: string;
  providerType?: ProviderType;
  providerModelId: string;
  /** The stored answer's finish reason (language answers). */
  finishReason?: FinishReason['unified'];
  /** For embeddings: how many values the cache answered. */
  values?: number;
}

/**
 * A tool call in a result, with its input parsed.
 *
 * @example
 * ```ts
 * for (const call of result.toolCalls) console.log(call.toolName, call.input);
 * ```
 */
export interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/**
 * The result of `router.generate()`.
 *
 * @example
 * ```ts
 * const result: GenerateResult = await router.generate({ model: 'openai/gpt-4o', prompt: 'Hi' });
 * console.log(result.text, result.provider, result.cost.total);
 * ```
 */
export interface GenerateResult {
  requestId: string;
  /** `gen_<ulid>`: the id of this generation in usage events and reports. */
  generationId: string;
  /** The catalog model that answered (a fallback model when the requested one failed). */
  model: string;
  /** The provider instance that answered. */
  provider: string;
  providerType: ProviderType;
  providerModelId: string;
  credentialType: CredentialType;
  text: string;
  reasoningText: string | undefined;
  content: ContentPart[];
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  cost: CostBreakdown;
  /** Every attempt, in order; the last one succeeded. */
  attempts: AttemptRecord[];
  warnings: Warning[];
  providerMetadata: ProviderMetadata | undefined;
  /** The vendor's own response id. */
  responseId: string | undefined;
  latencyMs: number;
  timeToFirstTokenMs?: number;
  /** What the response cache did, when one is configured (absent otherwise). */
  cache?: CacheOutcome;
}

/**
 * What the response cache did for one request, on its result (and in the `x-gateway-cache` header).
 *
 * @example
 * ```ts
 * const result = await router.generate(request);
 * if (result.cache?.status === 'hit') console.log(`saved ${result.cache.savedCostNano} nano-dollars`);
 * ```
 */
export interface CacheOutcome {
  /** `hit`: answered from the cache (no attempt, no cost); `miss`: answered upstream; `skip`: cache not read. */
  status: 'hit' | 'miss' | 'skip';
  /** The first 16 hex digits of the entry's key. */
  key?: string;
  /** On a hit: the entry's age in whole seconds (the HTTP `age` header). */
  ageSeconds?: number;
  /** On a hit: what the answer cost when it was made, in nano-dollars. */
  savedCostNano?: number;
  /** For embeddings: how many values came from the cache. */
  hitValues?: number;
  /** On a semantic hit: `semantic` (absent for the exact cache). */
  kind?: 'semantic';
  /** On a semantic hit: the cosine similarity of the request to the entry's, and the entry's id. */
  similarity?: number;
  entryId?: string;
}

/**
 * The result of `router.stream()`: async iterables of parts and text, and promises for the end.
 * Iterating the object itself yields text deltas.
 *
 * @example
 * ```ts
 * const stream = router.stream({ model: 'anthropic/claude-sonnet-4', prompt: 'Tell a story' });
 * for await (const text of stream) process.stdout.write(text);
 * console.log((await stream.result).cost.total);
 * ```
 */
export interface StreamResult extends AsyncIterable<string> {
  readonly requestId: string;
  readonly generationId: string;
  /** Every stream part. A failure after content began ends with an `error` part. */
  readonly fullStream: AsyncIterable<StreamPart>;
  /** Text deltas only. */
  readonly textStream: AsyncIterable<string>;
  readonly text: Promise<string>;
  readonly usage: Promise<Usage>;
  /** The final result (rejects with the GatewayError when the stream failed). */
  readonly result: Promise<GenerateResult>;
  /** What a response cache did, once the first part arrived (undefined without a cache). */
  readonly cache?: CacheOutcome;
  /** Stops the stream and the upstream call; what was consumed is billed. */
  abort(): void;
}

/**
 * An embedding request for one value (`embed`) or many (`embedMany`).
 *
 * @example
 * ```ts
 * const request: EmbedManyRequest = { model: 'openai/text-embedding-3-small', values: ['a', 'b'], dimensions: 256 };
 * ```
 */
export interface EmbedManyRequest {
  model: string;
  values: string[];
  dimensions?: number;
  providerOptions?: GenerateRequest['providerOptions'];
  abortSignal?: AbortSignal;
  headers?: Record<string, string>;
  user?: string;
  tags?: string[];
  metadata?: Record<string, string>;
  account?: AccountReference;
}

/** An embedding request for one value. @example `{ model: 'openai/text-embedding-3-small', value: 'hello' }` */
export interface EmbedRequest extends Omit<EmbedManyRequest, 'values'> {
  value: string;
}

/**
 * The result of `router.embedMany()`.
 *
 * @example
 * ```ts
 * const { embeddings, usage, cost } = await router.embedMany({ model: 'openai/text-embedding-3-small', values: ['a', 'b'] });
 * ```
 */
export interface EmbedManyResult {
  requestId: string;
  generationId: string;
  model: string;
  provider: string;
  providerModelId: string;
  embeddings: number[][];
  usage: { tokens: number };
  cost: CostBreakdown;
  attempts: AttemptRecord[];
  warnings: Warning[];
  /** What the response cache did, when one is configured (per value: `hit` only when every value was). */
  cache?: CacheOutcome;
}

/**
 * An image generation request (`router.generateImage()`): the fields of the AI SDK's image model call.
 * `size` is `WIDTHxHEIGHT` (`'1024x1024'`), `aspectRatio` is `W:H` (`'16:9'`); a vendor that takes only one
 * of them answers the other with an `unsupported` warning. `providerOptions.<provider>` passes vendor fields
 * through (`{ openai: { quality: 'hd' } }`).
 *
 * @example
 * ```ts
 * const request: ImageRequest = { model: 'openai/gpt-image-1', prompt: 'A lighthouse at dusk', n: 2, size: '1024x1024' };
 * ```
 */
export interface ImageRequest {
  model: string;
  prompt: string;
  /** How many images (default 1). */
  n?: number;
  size?: `${number}x${number}`;
  aspectRatio?: `${number}:${number}`;
  seed?: number;
  providerOptions?: GenerateRequest['providerOptions'];
  abortSignal?: AbortSignal;
  headers?: Record<string, string>;
  user?: string;
  tags?: string[];
  metadata?: Record<string, string>;
  account?: AccountReference;
  /** Timeout of one attempt in milliseconds (default: the router's `attemptTimeoutMs`). */
  timeoutMs?: number;
}

/**
 * One generated image: its bytes as base64 and their media type.
 *
 * @example
 * ```ts
 * const image: GeneratedImage = { base64: 'iVBORw0KGgo...', mediaType: 'image/png' };
 * ```
 */
export interface GeneratedImage {
  base64: string;
  mediaType: string;
}

/**
 * The result of `router.generateImage()`. `usage` has the vendor's token counts where it bills tokens
 * (gpt-image-1), else zeros; `cost.images` is the per-image part of the cost.
 *
 * @example
 * ```ts
 * const { images, cost } = await router.generateImage({ model: 'openai/dall-e-3', prompt: 'A fox' });
 * fs.writeFileSync('fox.png', Buffer.from(images[0].base64, 'base64'));
 * ```
 */
export interface ImageResult {
  requestId: string;
  generationId: string;
  model: string;
  provider: string;
  providerModelId: string;
  images: GeneratedImage[];
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  cost: CostBreakdown;
  attempts: AttemptRecord[];
  warnings: Warning[];
  providerMetadata?: ProviderMetadata;
}

/**
 * A rerank request (`router.rerank()`): documents as texts, or JSON objects (sent to the vendor as their
 * JSON text).
 *
 * @example
 * ```ts
 * const request: RerankRequest = { model: 'cohere/rerank-v3.5', query: 'capital of France', documents: ['Paris is...', 'Berlin is...'], topN: 1 };
 * ```
 */
export interface RerankRequest {
  model: string;
  query: string;
  documents: Array<string | JsonObject>;
  /** How many of the best documents to return (default: all). */
  topN?: number;
  providerOptions?: GenerateRequest['providerOptions'];
  abortSignal?: AbortSignal;
  headers?: Record<string, string>;
  user?: string;
  tags?: string[];
  metadata?: Record<string, string>;
  account?: AccountReference;
  timeoutMs?: number;
}

/**
 * The result of `router.rerank()`: the documents' indexes, most relevant first, with their scores.
 *
 * @example
 * ```ts
 * const { ranking } = await router.rerank({ model: 'cohere/rerank-v3.5', query, documents });
 * const best = documents[ranking[0].index];
 * ```
 */
export interface RerankResult {
  requestId: string;
  generationId: string;
  model: string;
  provider: string;
  providerModelId: string;
  ranking: Array<{ index: number; relevanceScore: number }>;
  usage: { searchUnits: number };
  cost: CostBreakdown;
  attempts: AttemptRecord[];
  warnings: Warning[];
}

/** The result of `router.embed()`. @example `const { embedding } = await router.embed({ model, value: 'hello' });` */
export interface EmbedResult extends Omit<EmbedManyResult, 'embeddings'> {
  embedding: number[];
}

/**
 * A structured-output request: a JSON Schema, or a zod schema (anything with a Standard Schema
 * `~standard` property and zod's `toJSONSchema`).
 *
 * @example
 * ```ts
 * const request: GenerateObjectRequest = { model: 'openai/gpt-4o', prompt: 'A person', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } };
 * ```
 */
export interface GenerateObjectRequest extends Omit<GenerateRequest, 'responseFormat' | 'tools' | 'toolChoice'> {
  schema: JsonSchema | SchemaLike;
  schemaName?: string;
  schemaDescription?: string;
}

/**
 * A schema object from a validation library (zod 4 and others implementing Standard Schema).
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const schema: SchemaLike = z.object({ name: z.string() });
 * ```
 */
export interface SchemaLike {
  '~standard': { validate(value: unknown): unknown; vendor: string; types?: { input: unknown; output: unknown } };
}

/**
 * The type of the object a schema describes: a zod (Standard Schema) schema's output type, or
 * `unknown` for a JSON Schema. `generateObject` and `streamObject` infer it from `schema`.
 *
 * @example
 * ```ts
 * const schema = z.object({ name: z.string() });
 * type Person = SchemaOutput<typeof schema>; // { name: string }
 * ```
 */
export type SchemaOutput<Schema> = Schema extends { '~standard': { types?: { output: infer Output } } }
  ? Output
  : unknown;

/**
 * The object type of `generateObject<T>` / `streamObject<T>`: `T` when given, else inferred from the schema.
 *
 * @example
 * ```ts
 * type Person = ObjectOf<never, typeof schema>; // the schema's output type
 * ```
 */
export type ObjectOf<Given, Schema> = [Given] extends [never] ? SchemaOutput<Schema> : Given;

/**
 * The result of `router.generateObject()`.
 *
 * @example
 * ```ts
 * const { object } = await router.generateObject<{ name: string }>({ model: 'openai/gpt-4o', prompt: 'A person', schema });
 * ```
 */
export interface GenerateObjectResult<T> extends GenerateResult {
  object: T;
}

/**
 * The result of `router.streamObject()`.
 *
 * @example
 * ```ts
 * const stream = router.streamObject({ model: 'openai/gpt-4o', prompt: 'A person', schema });
 * for await (const partial of stream.partialObjectStream) console.log(partial);
 * const person = await stream.object;
 * ```
 */
export interface StreamObjectResult<T> {
  readonly requestId: string;
  readonly generationId: string;
  /** Each growing partial object parsed from the text so far. */
  readonly partialObjectStream: AsyncIterable<Partial<T>>;
  readonly textStream: AsyncIterable<string>;
  /** The final, validated object (rejects with `invalid_object`). */
  readonly object: Promise<T>;
  readonly result: Promise<GenerateObjectResult<T>>;
  abort(): void;
}
