/**
 * What every dialect does once it has a canonical request: check the caller's key may use the
 * models, attach the account and the client's abort signal, and answer with JSON or a stream.
 *
 * @module
 */
import type { AccountReference } from '../../core/events.js';
import { GatewayError } from '../../core/errors.js';
import type {
  CallScope,
  EmbedManyRequest,
  EmbedManyResult,
  GenerateResult,
  ImageRequest,
  ImageResult,
  RerankRequest,
  RerankResult,
  StreamResult,
} from '../../router/router-types.js';
import type { FinishReason, GenerateRequest } from '../../core/types.js';
import { authorizeModels } from '../auth.js';
import type { GatewayHttpResponse } from '../http-types.js';
import { jsonResponse } from '../responses.js';
import { validateByokCredentials } from '../byok-credentials.js';
import { requestedModels } from '../routing-options.js';
import { streamResponse, type StreamEncoder } from '../sse-stream.js';
import { CACHE_HEADER, cacheHeaders } from '../cache-headers.js';
import type { RouteContext } from './dialect.js';
import { warningsHeader, type DialectNotes } from './dialect-warnings.js';

/**
 * Response header naming the generation (for `GET /v1/generation?id=`). @example
 * `response.headers.get(GENERATION_ID_HEADER)`
 */
export const GENERATION_ID_HEADER = 'x-gateway-generation-id';

/**
 * Generates or streams a canonical request for the caller: JSON through `toJson`, or SSE through the
 * encoder `createEncoder` builds for the stream. The request's warnings (the dialect's `notes` and
 * the provider's) go in the `x-gateway-warnings` header.
 *
 * @example
 * ```ts
 * return answerGeneration(context, request, body.stream === true, (result) => toChatCompletion(result), (stream) => new ChatChunkEncoder(stream));
 * ```
 */
export async function answerGeneration(
  context: RouteContext,
  request: GenerateRequest,
  streaming: boolean,
  toJson: (result: GenerateResult) => unknown,
  createEncoder: (stream: StreamResult) => StreamEncoder,
  notes?: DialectNotes,
): Promise<GatewayHttpResponse> {
  const routed = forCaller(context, request);
  if (!streaming) {
    const result = await context.router.generate(routed, scopeOf(context));
    const warnings =
      notes && !notes.empty ? [...notes.warningsFor(result.providerType), ...result.warnings] : result.warnings;
    return jsonResponse(200, toJson(result), {
      [GENERATION_ID_HEADER]: result.generationId,
      ...warningsHeader(warnings),
      ...cacheHeaders(result.cache),
    });
  }
  const stream = context.router.stream(routed, scopeOf(context));
  return streamResponse(
    stream,
    context.abort,
    createEncoder(stream),
    { [GENERATION_ID_HEADER]: stream.generationId },
    notes && !notes.empty ? notes.warningsFor(undefined) : undefined,
  );
}

/**
 * Embeds for the caller and answers with `toJson` of the result.
 *
 * @example
 * ```ts
 * return answerEmbedding(context, { model, values }, (result) => ({ embeddings: result.embeddings }));
 * ```
 */
export async function answerEmbedding(
  context: RouteContext,
  request: EmbedManyRequest,
  toJson: (result: EmbedManyResult) => unknown,
): Promise<GatewayHttpResponse> {
  const result = await context.router.embedMany(forCaller(context, request), scopeOf(context));
  return jsonResponse(200, toJson(result), {
    [GENERATION_ID_HEADER]: result.generationId,
    ...cacheHeaders(result.cache),
  });
}

/**
 * Generates images for the caller and answers with `toJson` of the result (its warnings also in the
 * `x-gateway-warnings` header).
 *
 * @example
 * ```ts
 * return answerImage(context, { model, prompt, n: 1 }, (result) => ({ data: result.images.map((image) => ({ b64_json: image.base64 })) }));
 * ```
 */
export async function answerImage(
  context: RouteContext,
  request: ImageRequest,
  toJson: (result: ImageResult) => unknown,
): Promise<GatewayHttpResponse> {
  const router = context.router;
  if (!router.generateImage) throw new GatewayError('not_found', 'This gateway does not generate images');
  const result = await router.generateImage(forCaller(context, request), { abort: context.abort });
  return jsonResponse(200, toJson(result), {
    [GENERATION_ID_HEADER]: result.generationId,
    ...warningsHeader(result.warnings),
  });
}

/**
 * Reranks for the caller and answers with `toJson` of the result.
 *
 * @example
 * ```ts
 * return answerRerank(context, { model, query, documents }, (result) => ({ results: result.ranking }));
 * ```
 */
export async function answerRerank(
  context: RouteContext,
  request: RerankRequest,
  toJson: (result: RerankResult) => unknown,
): Promise<GatewayHttpResponse> {
  const router = context.router;
  if (!router.rerank) throw new GatewayError('not_found', 'This gateway does not rerank');
  const result = await router.rerank(forCaller(context, request), { abort: context.abort });
  return jsonResponse(200, toJson(result), {
    [GENERATION_ID_HEADER]: result.generationId,
    ...warningsHeader(result.warnings),
  });
}

export { CACHE_HEADER, cacheHeaders };

/** The router call's scope: the client's abort, and its W3C trace context when it sent a `traceparent`. */
function scopeOf(context: RouteContext): CallScope {
  const traceparent = context.headers.traceparent;
  if (typeof traceparent !== 'string') return { abort: context.abort };
  const tracestate = context.headers.tracestate;
  return {
    abort: context.abort,
    traceContext: typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent },
  };
}

function forCaller<T extends { model: string; providerOptions?: GenerateRequest['providerOptions'] }>(
  context: RouteContext,
  request: T,
): T & { account: AccountReference } {
  authorizeModels(context.caller, requestedModels(request.model, request.providerOptions));
  // The dialect checked the credentials' shape by provider type name; a configured instance name
  // (`openai-eu`) is checked here against its type.
  const byok = request.providerOptions?.gateway?.byok;
  const router = context.router;
  if (byok !== undefined && router.providerType)
    validateByokCredentials(byok, 'providerOptions.gateway.byok', (name) => router.providerType?.(name));
  // The dialect built `request` for this call alone: set the fields rather than copy it (a spread
  // costs microseconds on the request path).
  const routed = request as T & { account: AccountReference };
  routed.account = context.caller.account;
  return routed;
}

export { tokenCounts } from '../../router/usage-metering.js';

/**
 * A finish reason in a dialect's vocabulary: the vendor's raw value when it is one of the dialect's
 * own values (Anthropic's `stop_sequence` through the Anthropic dialect), else the unified reason
 * mapped through `names`.
 *
 * @example
 * ```ts
 * finishReasonIn({ unified: 'tool-calls', raw: 'tool_use' }, { stop: 'stop', length: 'length', 'tool-calls': 'tool_calls', 'content-filter': 'content_filter', error: 'stop', interrupted: 'stop', other: 'stop' }, ['stop', 'length', 'tool_calls']); // 'tool_calls'
 * ```
 */
export function finishReasonIn(
  reason: FinishReason,
  names: Record<FinishReason['unified'], string>,
  dialectValues: readonly string[],
): string {
  return reason.raw !== undefined && dialectValues.includes(reason.raw) ? reason.raw : names[reason.unified];
}
