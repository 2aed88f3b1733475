/**
 * The `Router`: resolves a model into candidate offerings, ranks them with its strategy, and tries
 * them through the providers, with retries, fallbacks, timeouts, health tracking, middleware, hooks
 * and typed events. This file is the facade; the parts are beside it (see DESIGN.md).
 *
 * @module
 */
import { AbortHandle, listenTo, unlistenTo } from '../core/abort-handle.js';
import { Catalog } from '../catalog/catalog.js';
import { GatewayError } from '../core/errors.js';
import type { AccountReference } from '../core/events.js';
import { HealthTracker } from '../health/health-tracker.js';
import type { OperationName, PipelineStream, RequestMiddleware, RequestRun } from '../middleware/middleware.js';
import type { RequestLog } from '../middleware/request-log/request-log-record.js';
import { providerSecrets, RequestLogRecorder } from '../middleware/request-log/request-log.js';
import { embeddingOperation } from '../operations/embedding.js';
import { imageOperation } from '../operations/image.js';
import { generateOperation } from '../operations/language.js';
import { rerankOperation } from '../operations/rerank.js';
import type { Provider, ProviderType } from '../providers/provider.js';
import { normalizeRequest } from '../core/request.js';
import { deadline } from '../resilience/deadline.js';
import { fallback } from '../resilience/fallback.js';
import { hedge } from '../resilience/hedge.js';
import { retry } from '../resilience/retry.js';
import { timeout } from '../resilience/timeout.js';
import type {
  CallScope,
  EmbedManyRequest,
  CacheOutcome,
  EmbedManyResult,
  EmbedRequest,
  EmbedResult,
  GenerateObjectRequest,
  GenerateObjectResult,
  GenerateResult,
  ImageRequest,
  ImageResult,
  NormalizedRequest,
  ObjectOf,
  RequestHook,
  CacheHit,
  RerankRequest,
  RerankResult,
  RouterConfig,
  SchemaLike,
  StreamObjectResult,
  StreamResult,
} from './router-types.js';
import { latencyWeighted } from '../strategies/latency-weighted.js';
import type { Candidate, Strategy } from '../strategies/strategy.js';
import { StreamChannel } from '../core/stream-channel.js';
import { generateObjectWith, streamObjectWith } from './structured-output.js';
import type { GenerateRequest, JsonSchema, StreamPart } from '../core/types.js';
import { AttemptStream } from './attempt-stream.js';
import { asGatewayError, Attempts } from './attempts.js';
import { Candidates } from './candidates.js';
import { EventHub } from './event-hub.js';
import { composeMiddleware, type MiddlewareChain } from './middleware-chain.js';
import { Pipeline } from './pipeline.js';
import { ProviderRegistry } from './provider-registry.js';
import { PipelineRun, type OperationParameters } from './request-run.js';
import { withModelFallbacks } from './model-fallbacks.js';
import { checkGatewayOptions } from './gateway-options.js';
import { compileRoutingRules, type RequestRewriter, type VirtualModel } from './routing-rules.js';
import { telemetryMiddleware } from '../middleware/telemetry/open-telemetry.js';

const DEFAULT_ATTEMPT_TIMEOUT_MS = 60_000;
const DEFAULT_DEADLINE_MS = 5 * 60_000;

/**
 * The gateway's core: routes each request to the best offering, fails over, retries, and accounts.
 *
 * @example
 * ```ts
 * import { Router } from 'switchyard';
 *
 * const router = new Router({
 *   providers: {
 *     openai: { type: 'openai', apiKey: process.env.OPENAI_API_KEY },
 *     anthropic: { type: 'anthropic', apiKey: process.env.ANTHROPIC_API_KEY },
 *   },
 * });
 * router.on('usage', (event) => console.log(event.provider, event.cost.total, 'nano-USD'));
 * const result = await router.generate({ model: 'anthropic/claude-sonnet-4', prompt: 'Hi' });
 * console.log(result.text);
 * ```
 */
export class Router extends EventHub {
  /** The model catalog this router resolves ids against. */
  readonly catalog: Catalog;
  /** Per-offering health: success rates, latencies, breaker states. */
  readonly health: HealthTracker;
  /** The default ranking strategy. */
  readonly strategy: Strategy;
  /** The configured virtual models by name (listed with the models; resolved before candidates). */
  readonly virtualModels: Readonly<Record<string, VirtualModel>>;
  /** The compiled rules and virtual models, or undefined when there are none. */
  private readonly rewriter: RequestRewriter | undefined;
  /** The request log, when `requestLog` is configured: `router.logs.query({ status: 'error' })`. */
  readonly logs: RequestLog | undefined;
  private readonly providers: ProviderRegistry;
  private readonly hooks: RequestHook[];
  private readonly routing: Candidates;
  private readonly pipeline: Pipeline;
  private readonly chain: MiddlewareChain;
  private readonly attemptTimeoutMs: number;
  private readonly deadlineMs: number;
  private preloading: Promise<void> | undefined;
  /** The middleware, outermost first, as configured. */
  readonly middleware: readonly RequestMiddleware[];

  constructor(config: RouterConfig) {
    super();
    this.providers = new ProviderRegistry(config, (change) => this.emit('key', change));
    this.catalog = config.catalog instanceof Catalog ? config.catalog : new Catalog(config.catalog);
    this.health = new HealthTracker(config.health);
    this.health.onStateChange((change) => this.emit('health', change));
    this.strategy = config.strategy ?? latencyWeighted();
    this.hooks = [...(config.hooks ?? [])];
    const random = config.random ?? Math.random;
    this.attemptTimeoutMs = config.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.deadlineMs = config.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.routing = new Candidates(this.catalog, this.providers, this.strategy, this.health, random);
    this.virtualModels = { ...config.virtualModels };
    this.rewriter = compileRoutingRules(config.rules, config.virtualModels);
    this.routing.contextWindowFallbacks = config.contextWindowFallbacks;
    const attempts = new Attempts(this.health, this.hooks, this, this.providers.keyPools);
    const routing = this.routing;
    const onFallback = (run: PipelineRun, from: Candidate, to: Candidate | undefined, error: GatewayError): void =>
      attempts.fallback(run, from, to, error);
    const policies = {
      attempt: config.policies?.attempt ?? [retry(config.retry, random), deadline(), timeout()],
      // The hedge wraps the fallback (a request without hedge options goes straight to the fallback), and the
      // model fallbacks (context window, content policy) wrap both.
      candidate: withModelFallbacks(
        config.policies?.candidate ?? hedge(config.hedge, this.health, fallback(onFallback), onFallback),
        (request, operation, streamed) => routing.resolve(request, operation, streamed),
        config,
      ),
    };
    const pipeline = new Pipeline(
      this.routing,
      attempts,
      this.providers,
      this.health,
      this,
      policies,
      this.attemptTimeoutMs,
    );
    this.pipeline = pipeline;
    // Telemetry, when configured, is the outermost step: its span covers the whole pipeline, cache hits included.
    const telemetry = config.telemetry ? telemetryMiddleware(config.telemetry) : undefined;
    this.middleware = Object.freeze(
      telemetry ? [telemetry, ...(config.middleware ?? [])] : [...(config.middleware ?? [])],
    );
    for (const each of this.middleware) each.attach?.(this);
    const chain = composeMiddleware(this.middleware, {
      generate: (run) => pipeline.generate(run),
      stream: (run) => pipeline.stream(run),
      embed: (run) => pipeline.embed(run),
      image: (run) => pipeline.image(run),
      rerank: (run) => pipeline.rerank(run),
    });
    if (config.requestLog) {
      // Around the whole chain, so that a request the middleware refuses or answers is recorded too.
      const recorder = new RequestLogRecorder(config.requestLog, this, {
        secrets: providerSecrets(config.providers),
        track: (task) => pipeline.track(task),
      });
      this.logs = recorder;
      this.chain = composeMiddleware([recorder.middleware], chain);
    } else {
      this.logs = undefined;
      this.chain = chain;
    }
    if (config.preload !== false) void this.ready();
  }

  /** The configured provider instance names. */
  providerNames(): string[] {
    return [...this.providers.entries.keys()];
  }

  /**
   * The type of a configured provider instance, or undefined when no instance has the name.
   *
   * @example
   * ```ts
   * router.providerType('openai-eu'); // 'openai'
   * ```
   */
  providerType(name: string): ProviderType | undefined {
    return this.providers.entries.get(name)?.type;
  }

  /** The provider instance of a name (constructed, and its SDK loaded, at start-up or on first use). */
  provider(name: string): Promise<Provider> {
    return this.providers.provider(name);
  }

  /**
   * Resolves once every configured provider is built and its vendor SDK loaded. The router starts this
   * at construction (unless `preload: false`), in the background, so that no request's attempt timeout
   * or latency statistics include loading an SDK (0.5 to 1.5 s each); await it before serving to start
   * warm. A provider that cannot load (its SDK is not installed) is reported by a `warning` event with
   * code `provider_sdk_missing`, and its offerings are skipped. Never rejects.
   *
   * @example
   * ```ts
   * const router = new Router({ providers });
   * router.on('warning', (warning) => console.warn(warning.message));
   * await router.ready();
   * app.listen(3000);
   * ```
   */
  ready(): Promise<void> {
    if (!this.preloading) {
      const loading = this.providerNames().map((name) =>
        this.provider(name).then(
          () => undefined,
          (error: unknown) => {
            const failure = asGatewayError(error, name);
            this.emit('warning', {
              code: failure.code,
              message: `Provider '${name}' cannot serve: ${failure.message}`,
            });
          },
        ),
      );
      this.preloading = Promise.all(loading).then(() => undefined);
      this.pipeline.track(this.preloading);
    }
    return this.preloading;
  }

  /**
   * A cache is about to answer `run`: the hooks' `onCacheHit` run in order (billing records the hit, and
   * charges it when it bills hits); one that throws refuses the request. Without such a hook it returns
   * `undefined`, so the hit awaits nothing.
   *
   * @example
   * ```ts
   * const pending = router.recordCacheHit(run, { kind: 'exact', savedCostNano: 1_200, model, provider: 'openai', providerModelId: 'gpt-4o' });
   * if (pending) await pending;
   * ```
   */
  recordCacheHit(run: RequestRun, hit: CacheHit): Promise<void> | undefined {
    const hooks = this.hooks.filter((hook) => hook.onCacheHit !== undefined);
    if (hooks.length === 0) return undefined;
    const known = hit.providerType ?? this.providers.entries.get(hit.provider)?.type;
    const complete = known === undefined ? hit : { ...hit, providerType: known };
    return (async () => {
      for (const hook of hooks) await hook.onCacheHit?.(run, complete);
    })();
  }

  /** Adds a hook (billing, limits, auditing) after construction. */
  addHook(hook: RequestHook): void {
    this.hooks.push(hook);
  }

  /** Normalises a request (see {@link normalizeRequest}). */
  normalize(request: GenerateRequest & { account?: AccountReference }): NormalizedRequest {
    const normalized = normalizeRequest(request);
    return this.rewriter ? this.rewriter.apply(normalized) : normalized;
  }

  /**
   * The candidates of a request in the order they would be tried: the requested model's offerings,
   * then each fallback model's, restricted to configured providers, `only`, and capabilities.
   * Throws `no_route` saying why.
   */
  candidates(request: NormalizedRequest, operation: OperationName = 'generate'): Candidate[] {
    const kinds = { embed: embeddingOperation, image: imageOperation, rerank: rerankOperation } as const;
    const kind =
      operation === 'embed' || operation === 'image' || operation === 'rerank' ? kinds[operation] : undefined;
    return this.routing.resolve(request, kind ?? generateOperation, operation === 'stream');
  }

  /**
   * Generates a response, failing over across offerings and models as needed. `scope.abort` is the
   * caller's abort as a handle or a signal (the HTTP layer passes the client's disconnect).
   *
   * @example
   * ```ts
   * const result = await router.generate({
   *   model: 'openai/gpt-4o',
   *   prompt: 'Hello',
   *   providerOptions: { gateway: { models: ['anthropic/claude-sonnet-4'] } },
   * });
   * ```
   */
  generate(request: GenerateRequest & { account?: AccountReference }, scope?: CallScope): Promise<GenerateResult> {
    let run: PipelineRun;
    try {
      run = this.begin(this.normalize(request), 'generate', scope);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.chain.generate(run);
  }

  /**
   * Streams a response. Failover stays invisible until the first content part reaches the caller;
   * after that a failure ends the stream with an `error` part, and what was consumed is billed.
   * Returns at once; nothing is sent upstream until the stream is read or a promise is awaited.
   *
   * @example
   * ```ts
   * const stream = router.stream({ model: 'anthropic/claude-sonnet-4', prompt: 'Tell me a story' });
   * for await (const text of stream.textStream) process.stdout.write(text);
   * const { usage, cost } = await stream.result;
   * ```
   */
  stream(request: GenerateRequest & { account?: AccountReference }, scope?: CallScope): StreamResult {
    let run: PipelineRun | undefined;
    let setupError: unknown;
    try {
      run = this.begin(this.normalize(request), 'stream', scope);
    } catch (error) {
      setupError = error;
    }
    const outer = new AbortHandle();
    let finalResult: GenerateResult | undefined;
    let finalError: GatewayError | undefined;
    let cache: CacheOutcome | undefined;
    const channel = new StreamChannel<StreamPart>(
      async (send) => {
        if (!run) throw setupError;
        // The router's own warnings (gateway options it does not know) ride on the stream's first part.
        const warned = run.request.warnings;
        const push = warned
          ? (part: StreamPart) =>
              send(part.type === 'stream-start' ? { ...part, warnings: [...warned, ...part.warnings] } : part)
          : send;
        // The run's abort follows the caller's and the stream's own `abort()`.
        const caller = run.abort;
        const linked = new AbortHandle();
        const abortLinked = (): void => linked.abort(caller?.aborted ? caller.reason : outer.reason);
        if (caller?.aborted || outer.aborted) abortLinked();
        if (caller) listenTo(caller, abortLinked);
        outer.listen(abortLinked);
        run.abort = linked;
        let errorSent = false;
        try {
          const piped = await this.chain.stream(run);
          if (piped instanceof AttemptStream) {
            // No middleware wraps streams: the attempt's stream, read directly.
            for (;;) {
              const next = await piped.next();
              if (next.done) break;
              if (next.value.type === 'error') errorSent = true;
              await push(next.value);
            }
            if (!piped.outcome)
              throw piped.failure ?? new GatewayError('internal_error', 'The stream ended without a result');
            finalResult = piped.outcome;
          } else {
            cache = piped.cache;
            finalResult = await pipeStream(piped, push, () => (errorSent = true));
          }
        } catch (error) {
          finalError = asGatewayError(error);
          if (!errorSent) await push({ type: 'error', error: finalError });
        } finally {
          if (caller) unlistenTo(caller, abortLinked);
          outer.unlisten(abortLinked);
        }
      },
      () => outer.abort(),
    );
    const resultPromise = lazyPromise(async () => {
      await channel.drain();
      if (finalResult) return finalResult;
      throw finalError ?? asGatewayError(setupError);
    });
    const textStream = (): AsyncIterableIterator<string> => textOnly(channel.reader());
    return {
      requestId: run?.requestId ?? 'req_invalid',
      generationId: run?.generationId ?? 'gen_invalid',
      get fullStream() {
        return channel.reader();
      },
      get cache() {
        return cache;
      },
      get textStream() {
        return textStream();
      },
      get text() {
        return resultPromise().then((result) => result.text);
      },
      get usage() {
        return resultPromise().then((result) => result.usage);
      },
      get result() {
        return resultPromise();
      },
      abort: () => outer.abort(),
      [Symbol.asyncIterator]: () => textStream(),
    };
  }

  /**
   * Embeds one value.
   *
   * @example
   * ```ts
   * const { embedding } = await router.embed({ model: 'openai/text-embedding-3-small', value: 'sunny day at the beach' });
   * ```
   */
  async embed(request: EmbedRequest, scope?: CallScope): Promise<EmbedResult> {
    const { value, ...rest } = request;
    if (typeof value !== 'string')
      throw new GatewayError('invalid_request', '`value` must be a string', { param: 'value' });
    const { embeddings, ...result } = await this.embedMany({ ...rest, values: [value] }, scope);
    return { ...result, embedding: embeddings[0] };
  }

  /**
   * Embeds many values, batched to the vendor's limit per call, with the same routing and fallbacks
   * as text. All batches of one request go to the same offering.
   *
   * @example
   * ```ts
   * const { embeddings, usage, cost } = await router.embedMany({ model: 'cohere/embed-v4.0', values: ['a', 'b'], dimensions: 256 });
   * ```
   */
  async embedMany(request: EmbedManyRequest, scope?: CallScope): Promise<EmbedManyResult> {
    if (!request || typeof request.model !== 'string' || request.model === '') {
      const message = '`model` is required: an embedding model id such as "openai/text-embedding-3-small"';
      throw new GatewayError('invalid_request', message, { param: 'model' });
    }
    const { values, dimensions } = request;
    if (!Array.isArray(values) || values.length === 0 || values.some((value) => typeof value !== 'string')) {
      throw new GatewayError('invalid_request', '`values` must be a non-empty array of strings', { param: 'values' });
    }
    if (dimensions !== undefined && (!Number.isInteger(dimensions) || dimensions < 1)) {
      throw new GatewayError('invalid_request', '`dimensions` must be a positive integer', { param: 'dimensions' });
    }
    const gateway = request.providerOptions?.gateway;
    const normalized: NormalizedRequest = {
      model: request.model,
      prompt: [],
      providerOptions: request.providerOptions,
      abortSignal: request.abortSignal,
      headers: request.headers,
      user: request.user ?? gateway?.user,
      tags: request.tags ?? gateway?.tags ?? [],
      metadata: request.metadata ?? {},
      account: request.account,
    };
    if (gateway) normalized.warnings = checkGatewayOptions(gateway);
    return this.chain.embed(
      this.begin(this.rewriter ? this.rewriter.apply(normalized) : normalized, 'embed', scope, values, dimensions),
    );
  }

  /**
   * Generates images, with the same routing, `order`/`only`, fallbacks, billing and events as text. The
   * images of one request come from one offering (in several calls where the vendor caps images per call).
   *
   * @example
   * ```ts
   * const { images, cost } = await router.generateImage({ model: 'openai/gpt-image-1', prompt: 'A lighthouse at dusk', size: '1024x1024' });
   * await writeFile('lighthouse.png', Buffer.from(images[0].base64, 'base64'));
   * ```
   */
  async generateImage(request: ImageRequest, scope?: CallScope): Promise<ImageResult> {
    requireModel(request, 'an image model id such as "openai/gpt-image-1"');
    const { prompt, n, size, aspectRatio, seed } = request;
    if (typeof prompt !== 'string' || prompt === '')
      throw new GatewayError('invalid_request', '`prompt` must be a non-empty string', { param: 'prompt' });
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > MAX_IMAGES))
      throw new GatewayError('invalid_request', `\`n\` must be an integer from 1 to ${MAX_IMAGES}`, { param: 'n' });
    if (size !== undefined && (typeof size !== 'string' || !/^\d+x\d+$/.test(size)))
      throw new GatewayError('invalid_request', '`size` must look like "1024x1024"', { param: 'size' });
    if (aspectRatio !== undefined && (typeof aspectRatio !== 'string' || !/^\d+:\d+$/.test(aspectRatio)))
      throw new GatewayError('invalid_request', '`aspectRatio` must look like "16:9"', { param: 'aspectRatio' });
    if (seed !== undefined && !Number.isInteger(seed))
      throw new GatewayError('invalid_request', '`seed` must be an integer', { param: 'seed' });
    const parameters: OperationParameters = { n: n ?? 1, size, aspectRatio, seed };
    const normalized = routingRequest(request, prompt);
    return this.chain.image(this.begin(normalized, 'image', scope, undefined, undefined, parameters));
  }

  /**
   * Reranks documents against a query, most relevant first, with the same routing and fallbacks as text.
   *
   * @example
   * ```ts
   * const { ranking } = await router.rerank({ model: 'cohere/rerank-v3.5', query: 'capital of France', documents, topN: 3 });
   * console.log(documents[ranking[0].index], ranking[0].relevanceScore);
   * ```
   */
  async rerank(request: RerankRequest, scope?: CallScope): Promise<RerankResult> {
    requireModel(request, 'a reranking model id such as "cohere/rerank-v3.5"');
    const { query, documents, topN } = request;
    if (typeof query !== 'string' || query === '')
      throw new GatewayError('invalid_request', '`query` must be a non-empty string', { param: 'query' });
    const valid = (document: unknown): boolean =>
      typeof document === 'string' || (typeof document === 'object' && document !== null && !Array.isArray(document));
    if (!Array.isArray(documents) || documents.length === 0 || !documents.every(valid))
      throw new GatewayError('invalid_request', '`documents` must be a non-empty array of strings or objects', {
        param: 'documents',
      });
    if (topN !== undefined && (!Number.isInteger(topN) || topN < 1))
      throw new GatewayError('invalid_request', '`topN` must be a positive integer', { param: 'topN' });
    const values = documents.map((document) => (typeof document === 'string' ? document : JSON.stringify(document)));
    const normalized = routingRequest(request, query);
    return this.chain.rerank(this.begin(normalized, 'rerank', scope, values, undefined, { topN }));
  }

  /**
   * Generates an object that matches a JSON Schema or a zod schema, using each provider's native
   * structured-output mechanism; the result is parsed and validated (`invalid_object` otherwise).
   *
   * @example
   * ```ts
   * const schema = z.object({ name: z.string(), age: z.number() });
   * const { object } = await router.generateObject({ model: 'openai/gpt-4o', prompt: 'Invent a person', schema });
   * ```
   */
  generateObject<T = never, Schema extends JsonSchema | SchemaLike = JsonSchema | SchemaLike>(
    request: GenerateObjectRequest & { schema: Schema; account?: AccountReference },
    scope?: CallScope,
  ): Promise<GenerateObjectResult<ObjectOf<T, Schema>>> {
    return generateObjectWith<ObjectOf<T, Schema>>(this, request, scope);
  }

  /**
   * Streams an object: partial objects while the JSON arrives, the validated object at the end.
   *
   * @example
   * ```ts
   * const stream = router.streamObject({ model: 'openai/gpt-4o', prompt: 'Invent a person', schema });
   * for await (const partial of stream.partialObjectStream) console.log(partial);
   * ```
   */
  streamObject<T = never, Schema extends JsonSchema | SchemaLike = JsonSchema | SchemaLike>(
    request: GenerateObjectRequest & { schema: Schema; account?: AccountReference },
    scope?: CallScope,
  ): StreamObjectResult<ObjectOf<T, Schema>> {
    return streamObjectWith<ObjectOf<T, Schema>>(this, request, scope);
  }

  /** Stops health sharing, waits for pending background work and drops listeners. */
  async close(): Promise<void> {
    this.health.close();
    await this.pipeline.close();
    this.removeAllListeners();
  }

  private begin(
    request: NormalizedRequest,
    operation: OperationName,
    scope: CallScope | undefined,
    values?: string[],
    dimensions?: number,
    parameters?: OperationParameters,
  ): PipelineRun {
    const run = new PipelineRun(
      request,
      operation,
      scope?.abort,
      this.attemptTimeoutMs,
      this.deadlineMs,
      values,
      dimensions,
      parameters,
    );
    if (scope?.traceContext) run.traceContext = scope.traceContext;
    return run;
  }
}

/** The most images one `generateImage` call may ask for. */
const MAX_IMAGES = 10;

function requireModel(request: { model?: unknown } | undefined, example: string): void {
  if (!request || typeof request.model !== 'string' || request.model === '')
    throw new GatewayError('invalid_request', `\`model\` is required: ${example}`, { param: 'model' });
}

/** The routing fields of an image or rerank request, with its prompt or query as one user message. */
function routingRequest(request: ImageRequest | RerankRequest, text: string): NormalizedRequest {
  const gateway = request.providerOptions?.gateway;
  return {
    model: request.model,
    prompt: [{ role: 'user', content: [{ type: 'text', text }] }],
    providerOptions: request.providerOptions,
    abortSignal: request.abortSignal,
    headers: request.headers,
    user: request.user ?? gateway?.user,
    tags: request.tags ?? gateway?.tags ?? [],
    metadata: request.metadata ?? {},
    account: request.account,
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
  };
}

/** Reads a stream a middleware returned into the channel; resolves with its result. */
async function pipeStream(
  piped: PipelineStream,
  push: (part: StreamPart) => Promise<void>,
  onError: () => void,
): Promise<GenerateResult> {
  for await (const part of piped.parts) {
    if (part.type === 'error') onError();
    await push(part);
  }
  return piped.result;
}

function lazyPromise<T>(factory: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    if (!promise) {
      promise = factory();
      promise.catch(() => undefined);
    }
    return promise;
  };
}

async function* textOnly(parts: AsyncIterableIterator<StreamPart>): AsyncIterableIterator<string> {
  try {
    for (;;) {
      const next = await parts.next();
      if (next.done) return;
      const part = next.value;
      if (part.type === 'text-delta') yield part.delta;
      else if (part.type === 'error') throw part.error;
    }
  } finally {
    await parts.return?.();
  }
}
