/**
 * The request middleware contract: what a cache, a guardrail, a span or a user's own step sees of a
 * request, and how it wraps the rest of the pipeline. Modelled on the AI SDK's `wrapLanguageModel`
 * (`transformParams`, `wrapGenerate`, `wrapStream`).
 *
 * The router composes its `middleware: [a, b, c]` once, in its constructor, outermost first: `a` sees
 * the request first and the answer last. With none configured, a call goes straight to the innermost
 * step (routing, candidates, resilience policies, attempts, billing), at no cost.
 *
 * @module
 */
import type { AbortSource } from '../core/abort-handle.js';
import type { AccountReference, AttemptRecord, RouterEventName, RouterEvents, UsageEvent } from '../core/events.js';
import type {
  CacheHit,
  CacheOutcome,
  EmbedManyRequest,
  EmbedManyResult,
  GenerateResult,
  NormalizedRequest,
} from '../router/router-types.js';
import type { StreamPart } from '../core/types.js';
import type { TraceContext } from './telemetry/trace-context.js';

/** The kind of request a run carries. New operations (image, rerank) add their names here. */
export type OperationName = UsageEvent['operation'];

/**
 * One request as it passes through the pipeline. One object of a fixed shape per request, made before the
 * first middleware runs; the attempts, the billing hooks and the events read the same object.
 *
 * A middleware keeps its own per-request state in the closure of its `wrap*` call, or in a
 * `WeakMap<RequestRun, ...>`; the run has no open bag of fields, so that its shape stays fixed.
 *
 * @example
 * ```ts
 * const tagger: RequestMiddleware = {
 *   name: 'tagger',
 *   transformRequest(run) {
 *     run.request = { ...run.request, tags: [...run.request.tags, `team:${run.account?.id ?? 'none'}`] };
 *   },
 * };
 * ```
 */
export interface RequestRun {
  /** `req_<ulid>`: this request. */
  readonly requestId: string;
  /** `gen_<ulid>`: the generation id in usage events, reports and `/v1/generation`. */
  readonly generationId: string;
  readonly operation: OperationName;
  /** Whether the caller reads a stream (`router.stream()`, `stream: true` over HTTP). */
  readonly streamed: boolean;
  /** The model the caller asked for (a catalog id, an alias already resolved, or `provider:model`). */
  readonly model: string;
  /**
   * The canonical request (for `generate` and `stream`; for `embed` its routing fields). A middleware's
   * `transformRequest` may replace it with a changed copy; it must not change the object it was given.
   */
  request: NormalizedRequest;
  /** For `embed`: the values to embed. A middleware may replace the array (not change it in place). */
  values: string[] | undefined;
  /** For `embed`: the dimensions asked for, when the request names them. */
  readonly dimensions?: number;
  /** The account billed, when known (the HTTP handler sets it from the gateway API key). */
  readonly account: AccountReference | undefined;
  readonly user: string | undefined;
  readonly tags: string[];
  readonly metadata: Record<string, string>;
  /** Whether the caller brought its own provider keys (BYOK) for any provider. */
  readonly byok: boolean;
  /** Epoch milliseconds when the request arrived. */
  readonly startTime: number;
  /** Epoch milliseconds after which no new attempt starts. */
  readonly deadline: number;
  /** Every attempt so far, in the order they started. */
  readonly attempts: AttemptRecord[];
  /** The caller's abort, when it can abort (its `abortSignal`, or the HTTP client's disconnect). */
  readonly abort: AbortSource | undefined;
  /** The caller's W3C trace context (an HTTP request's `traceparent`), for the telemetry middleware. */
  readonly traceContext?: TraceContext;
}

/**
 * A stream as it passes back through the middleware chain: the parts the caller will read, and the final
 * result, which settles once `parts` has ended (it rejects when the stream failed before any content).
 *
 * A middleware that changes the parts (a redaction) also returns a `result` that agrees with them (its `text`
 * and `content`); one that answers from elsewhere (a cache hit) makes both.
 *
 * @example
 * ```ts
 * const upper: RequestMiddleware = {
 *   name: 'upper',
 *   async wrapStream(run, next) {
 *     const inner = await next();
 *     return {
 *       parts: (async function* () {
 *         for await (const part of inner.parts) yield part.type === 'text-delta' ? { ...part, delta: part.delta.toUpperCase() } : part;
 *       })(),
 *       result: inner.result.then((result) => ({ ...result, text: result.text.toUpperCase() })),
 *     };
 *   },
 * };
 * ```
 */
export interface PipelineStream {
  readonly parts: AsyncIterable<StreamPart>;
  readonly result: Promise<GenerateResult>;
  /** What a response cache did (known before the first part: the HTTP layer sends it as a header). */
  readonly cache?: CacheOutcome;
}

/**
 * What a middleware may do with the router's events: emit one (listeners are guarded as for every event).
 *
 * @example
 * ```ts
 * const counter: RequestMiddleware = {
 *   name: 'counter',
 *   attach(events) {
 *     events.emit('warning', { code: 'counter_attached', message: 'counting requests' });
 *   },
 * };
 * ```
 */
export interface MiddlewareEvents {
  emit<E extends RouterEventName>(event: E, ...args: RouterEvents[E]): unknown;
  /** Subscribes to the router's events (the router passes itself; a listener never fails a request). */
  on?<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): unknown;
}

/**
 * What the router a middleware is given to offers it: its events, and its own embedding path (a semantic
 * cache embeds requests through it: routed, failed over and billed as any other call).
 *
 * @example
 * ```ts
 * const embedder: RequestMiddleware = {
 *   name: 'embedder',
 *   attach(host) {
 *     void host.embedMany({ model: 'openai/text-embedding-3-small', values: ['warm up'] });
 *   },
 * };
 * ```
 */
export interface MiddlewareHost extends MiddlewareEvents {
  embedMany(request: EmbedManyRequest): Promise<EmbedManyResult>;
  /**
   * A cache is about to answer `run` (a hit): the router's hooks see it (`onCacheHit`: billing records it,
   * and charges it when it bills hits), and may refuse it by throwing. Returns `undefined` when no hook
   * listens, so that a hit without billing awaits nothing.
   */
  recordCacheHit(run: RequestRun, hit: CacheHit): Promise<void> | undefined;
}

/**
 * One step of the request pipeline. Every method is optional; a middleware implements the ones it needs.
 *
 * - `transformRequest` runs for every operation, outermost middleware first, before any `wrap*`: it may
 *   replace `run.request` (or `run.values`), or throw a `GatewayError` to refuse the request.
 * - `wrapGenerate`, `wrapStream` and `wrapEmbed` wrap the rest of the pipeline for their operation. Call
 *   `next()` to go on (at most once), or answer without calling it (a cache hit). What `next()` returns
 *   (or throws) is the rest of the pipeline's answer: routing, failover, retries, billing and events
 *   included.
 *
 * Billing's guarantees hold under any middleware: each attempt is reserved before it starts and
 * settled exactly once, inside `next()`. A request answered without `next()` makes no attempt, so it is
 * neither reserved nor billed.
 *
 * @example
 * ```ts
 * import { Router, type RequestMiddleware } from 'switchyard';
 *
 * const logging: RequestMiddleware = {
 *   name: 'logging',
 *   async wrapGenerate(run, next) {
 *     const started = Date.now();
 *     const result = await next();
 *     console.log(run.requestId, result.provider, `${Date.now() - started} ms`);
 *     return result;
 *   },
 * };
 * const router = new Router({ providers: { openai: { apiKey: process.env.OPENAI_API_KEY } }, middleware: [logging] });
 * ```
 */
export interface RequestMiddleware {
  /** Names the middleware in errors, warnings and events. */
  readonly name: string;
  /**
   * Called once by the router the middleware is given to, in its constructor: where the middleware's own
   * events (`cache`, `guardrail`, `warning`...) go. A middleware that emits nothing leaves it out.
   */
  attach?(host: MiddlewareHost): void;
  transformRequest?(run: RequestRun): void | Promise<void>;
  wrapGenerate?(run: RequestRun, next: () => Promise<GenerateResult>): Promise<GenerateResult>;
  wrapStream?(run: RequestRun, next: () => Promise<PipelineStream>): Promise<PipelineStream>;
  wrapEmbed?(run: RequestRun, next: () => Promise<EmbedManyResult>): Promise<EmbedManyResult>;
}
