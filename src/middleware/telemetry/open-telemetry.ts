/**
 * OpenTelemetry spans and metrics, as a request middleware: a span around each request (the whole pipeline,
 * cache hits included), a child span per attempt, and the GenAI client metrics, following the OpenTelemetry
 * GenAI semantic conventions (`gen_ai.*`), with the gateway's own attributes under `switchyard.`.
 *
 * `@opentelemetry/api` is an optional peer: loaded when telemetry is configured, never when importing
 * switchyard. Without an SDK registered by the app, the API is a no-op. Message content is recorded only
 * with `recordContent: true`; provider keys never are.
 *
 * @module
 */
import type {
  Attributes as OtelAttributes,
  Context,
  Counter,
  Histogram,
  Meter,
  Span,
  Tracer,
} from '@opentelemetry/api';
import { GatewayError, isGatewayError, redactSecrets } from '../../core/errors.js';
import type { AttemptRecord, UsageEvent } from '../../core/events.js';
import { importOptional } from '../../core/optional-import.js';
import type { EmbedManyResult, GenerateResult } from '../../router/router-types.js';
import type { MiddlewareEvents, PipelineStream, RequestMiddleware, RequestRun } from '../middleware.js';
import {
  genAiFinishReason,
  genAiOperationName,
  genAiProviderName,
  inputContent,
  outputContent,
  put,
  type Attributes,
} from './gen-ai-attributes.js';
import { parseTraceparent } from './trace-context.js';

/**
 * An OpenTelemetry `Tracer` (from `@opentelemetry/api`), typed by the one method the gateway calls, so that
 * switchyard's own types need no optional package: pass `trace.getTracer('my-app')`.
 *
 * @example
 * ```ts
 * const tracer: OpenTelemetryTracer = trace.getTracer('gateway');
 * ```
 */
export interface OpenTelemetryTracer {
  startSpan(name: string, options?: never, context?: never): unknown;
}

/**
 * An OpenTelemetry `Meter` (from `@opentelemetry/api`), typed by the methods the gateway calls: pass
 * `metrics.getMeter('my-app')`.
 *
 * @example
 * ```ts
 * const meter: OpenTelemetryMeter = metrics.getMeter('gateway');
 * ```
 */
export interface OpenTelemetryMeter {
  createHistogram(name: string, options?: never): unknown;
  createCounter(name: string, options?: never): unknown;
}

/**
 * What the OpenTelemetry middleware records, and through what.
 *
 * @example
 * ```ts
 * const options: OpenTelemetryOptions = { recordContent: false, metrics: true };
 * ```
 */
export interface OpenTelemetryOptions {
  /** In code: the tracer spans go to (default: the global tracer provider's `switchyard` tracer). */
  tracer?: OpenTelemetryTracer;
  /** In code: the meter metrics go to (default: the global meter provider's `switchyard` meter). */
  meter?: OpenTelemetryMeter;
  /** Whether to make spans (default true). */
  traces?: boolean;
  /** Whether to record metrics (default true). */
  metrics?: boolean;
  /**
   * Whether spans carry the messages (`gen_ai.input.messages`, `gen_ai.output.messages`,
   * `gen_ai.system_instructions`), credentials redacted. Off by default: prompts and answers are not recorded.
   */
  recordContent?: boolean;
}

/**
 * The router's `telemetry` option: `openTelemetry: true` for spans and metrics through the global
 * OpenTelemetry API, or options.
 *
 * @example
 * ```ts
 * const router = new Router({ providers, telemetry: { openTelemetry: { recordContent: false } } });
 * ```
 */
export interface TelemetryConfig {
  openTelemetry?: boolean | OpenTelemetryOptions;
}

type OtelApi = typeof import('@opentelemetry/api');

const PACKAGE = '@opentelemetry/api';
/** Bucket boundaries the conventions give for `gen_ai.client.operation.duration` (seconds). */
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** Bucket boundaries the conventions give for `gen_ai.client.token.usage`. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

let loadingApi: Promise<OtelApi> | undefined;

/** Loads `@opentelemetry/api` once; rejects with a `config_invalid` error naming the package when it is missing. */
function loadApi(): Promise<OtelApi> {
  loadingApi ??= importOptional<OtelApi & { default?: OtelApi }>(PACKAGE).then(
    (module) => (typeof module.trace === 'object' ? module : (module.default ?? module)),
    (error: unknown) => {
      throw new GatewayError(
        'config_invalid',
        `OpenTelemetry is configured (telemetry.openTelemetry), but the package '${PACKAGE}' cannot be loaded: install it with \`npm install ${PACKAGE}\``,
        { cause: error },
      );
    },
  );
  return loadingApi;
}

interface Instruments {
  api: OtelApi;
  tracer: Tracer | undefined;
  operationDuration?: Histogram;
  tokenUsage?: Histogram;
  timeToFirstChunk?: Histogram;
  requests?: Counter;
  requestDuration?: Histogram;
  cost?: Counter;
}

interface RequestTrace {
  span: Span | undefined;
  context: Context;
  usages: UsageEvent[];
}

/**
 * The OpenTelemetry middleware. Usually configured with the router's `telemetry: { openTelemetry: ... }`
 * (then it is the outermost middleware); it may also be placed in `middleware` by hand.
 *
 * @example
 * ```ts
 * import { Router, openTelemetry } from 'switchyard';
 *
 * const router = new Router({ providers, middleware: [openTelemetry({ recordContent: false }), cache] });
 * ```
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): RequestMiddleware {
  return new OpenTelemetryMiddleware(options);
}

/**
 * The middleware a router's `telemetry` option asks for, or undefined when it asks for none.
 *
 * @example
 * ```ts
 * const middleware = telemetryMiddleware({ openTelemetry: true });
 * ```
 */
export function telemetryMiddleware(config: TelemetryConfig): RequestMiddleware | undefined {
  const given = config.openTelemetry;
  if (!given) return undefined;
  return openTelemetry(given === true ? {} : given);
}

class OpenTelemetryMiddleware implements RequestMiddleware {
  readonly name = 'open-telemetry';
  private instruments: Instruments | undefined = undefined;
  private loading: Promise<Instruments> | undefined = undefined;
  /** The requests under way, by id: where their attempts' usage events go. */
  private readonly active = new Map<string, RequestTrace>();
  private readonly recordContent: boolean;

  constructor(private readonly options: OpenTelemetryOptions) {
    this.recordContent = options.recordContent === true;
  }

  attach(events: MiddlewareEvents): void {
    this.load().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      events.emit('warning', { code: 'telemetry_unavailable', message });
    });
    events.on?.('usage', (usage: UsageEvent) => {
      this.active.get(usage.requestId)?.usages.push(usage);
    });
  }

  async wrapGenerate(run: RequestRun, next: () => Promise<GenerateResult>): Promise<GenerateResult> {
    return this.around(run, next);
  }

  async wrapEmbed(run: RequestRun, next: () => Promise<EmbedManyResult>): Promise<EmbedManyResult> {
    return this.around(run, next);
  }

  async wrapStream(run: RequestRun, next: () => Promise<PipelineStream>): Promise<PipelineStream> {
    const instruments = this.instruments ?? (await this.load());
    const trace = this.begin(instruments, run);
    let inner: PipelineStream;
    try {
      inner = await instruments.api.context.with(trace.context, next);
    } catch (error) {
      this.end(instruments, trace, run, undefined, error);
      throw error;
    }
    // The request's span ends when the stream does: its result settles once the parts have ended.
    inner.result.then(
      (result) => this.end(instruments, trace, run, result, undefined),
      (error: unknown) => this.end(instruments, trace, run, undefined, error),
    );
    return inner;
  }

  private async around<Result extends GenerateResult | EmbedManyResult>(
    run: RequestRun,
    next: () => Promise<Result>,
  ): Promise<Result> {
    const instruments = this.instruments ?? (await this.load());
    const trace = this.begin(instruments, run);
    let result: Result;
    try {
      result = await instruments.api.context.with(trace.context, next);
    } catch (error) {
      this.end(instruments, trace, run, undefined, error);
      throw error;
    }
    this.end(instruments, trace, run, result, undefined);
    return result;
  }

  private load(): Promise<Instruments> {
    this.loading ??= loadApi().then((api) => {
      const { options } = this;
      const tracer =
        options.traces === false
          ? undefined
          : ((options.tracer as Tracer | undefined) ?? api.trace.getTracer('switchyard'));
      const instruments: Instruments = { api, tracer };
      if (options.metrics !== false) {
        const meter = (options.meter as Meter | undefined) ?? api.metrics.getMeter('switchyard');
        instruments.operationDuration = meter.createHistogram('gen_ai.client.operation.duration', {
          description: 'Duration of each call to a provider (one attempt)',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        });
        instruments.timeToFirstChunk = meter.createHistogram('gen_ai.client.operation.time_to_first_chunk', {
          description: 'Time to the first chunk of a streamed attempt',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        });
        instruments.tokenUsage = meter.createHistogram('gen_ai.client.token.usage', {
          description: 'Input and output tokens of each billable attempt',
          unit: '{token}',
          advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
        });
        instruments.requests = meter.createCounter('switchyard.requests', {
          description: 'Requests through the gateway, by outcome',
          unit: '{request}',
        });
        instruments.requestDuration = meter.createHistogram('switchyard.request.duration', {
          description: 'Duration of each request through the gateway, every attempt included',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        });
        instruments.cost = meter.createCounter('switchyard.cost', {
          description: 'Cost of the attempts at list price, in nano-dollars (1 USD = 1e9)',
          unit: '{nanodollar}',
        });
      }
      this.instruments = instruments;
      return instruments;
    });
    return this.loading;
  }

  /** Opens the request's span, under the active span, else under the caller's `traceparent`. */
  private begin(instruments: Instruments, run: RequestRun): RequestTrace {
    const { api, tracer } = instruments;
    let parent = api.context.active();
    if (run.traceContext && !api.trace.getSpan(parent)) {
      const parsed = parseTraceparent(run.traceContext.traceparent);
      if (parsed) {
        const tracestate = run.traceContext.tracestate;
        parent = api.trace.setSpanContext(parent, {
          ...parsed,
          isRemote: true,
          ...(tracestate ? { traceState: api.createTraceState(tracestate) } : {}),
        });
      }
    }
    const trace: RequestTrace = { span: undefined, context: parent, usages: [] };
    if (tracer) {
      const operation = genAiOperationName(run.operation);
      const span = tracer.startSpan(
        `${operation} ${run.model}`,
        { kind: api.SpanKind.INTERNAL, attributes: this.requestAttributes(run, operation) as OtelAttributes },
        parent,
      );
      trace.span = span;
      trace.context = api.trace.setSpan(parent, span);
    }
    this.active.set(run.requestId, trace);
    return trace;
  }

  private requestAttributes(run: RequestRun, operation: string): Attributes {
    const attributes: Attributes = {
      'gen_ai.operation.name': operation,
      'gen_ai.request.model': run.model,
      'switchyard.request_id': run.requestId,
      'switchyard.generation_id': run.generationId,
      'switchyard.streamed': run.streamed,
    };
    const request = run.request;
    put(attributes, 'gen_ai.request.max_tokens', request.maxOutputTokens);
    put(attributes, 'gen_ai.request.temperature', request.temperature);
    put(attributes, 'gen_ai.request.top_p', request.topP);
    put(attributes, 'gen_ai.request.top_k', request.topK);
    put(attributes, 'gen_ai.request.frequency_penalty', request.frequencyPenalty);
    put(attributes, 'gen_ai.request.presence_penalty', request.presencePenalty);
    put(attributes, 'gen_ai.request.seed', request.seed);
    if (request.stopSequences && request.stopSequences.length > 0)
      attributes['gen_ai.request.stop_sequences'] = request.stopSequences;
    put(attributes, 'switchyard.account.id', run.account?.id);
    put(attributes, 'switchyard.api_key.id', run.account?.apiKeyId);
    if (run.byok) attributes['switchyard.byok'] = true;
    if (this.recordContent && run.operation !== 'embed') {
      const content = inputContent(request.prompt);
      put(attributes, 'gen_ai.system_instructions', content.system);
      attributes['gen_ai.input.messages'] = content.messages;
    }
    return attributes;
  }

  /** Records the attempts (child spans, metrics), then the request's own attributes, status and end. */
  private end(
    instruments: Instruments,
    trace: RequestTrace,
    run: RequestRun,
    result: GenerateResult | EmbedManyResult | undefined,
    thrown: unknown,
  ): void {
    this.active.delete(run.requestId);
    const operation = genAiOperationName(run.operation);
    const unused = trace.usages.slice();
    const attempts = run.attempts;
    let costNano = 0;
    for (const usage of trace.usages) costNano += usage.cost.total;
    let fallbacks = 0;
    for (let index = 0; index < attempts.length; index += 1) {
      const record = attempts[index];
      const previous = index > 0 ? attempts[index - 1] : undefined;
      if (previous && (previous.provider !== record.provider || previous.providerModelId !== record.providerModelId))
        fallbacks += 1;
      const usage = takeUsage(unused, record);
      this.recordAttempt(instruments, trace, operation, record, usage, index);
    }
    const final = attempts.length > 0 ? attempts[attempts.length - 1] : undefined;
    const error = thrown === undefined ? undefined : isGatewayError(thrown) ? thrown : undefined;
    const errorType = thrown === undefined ? undefined : (error?.code ?? 'internal_error');
    const providerType = result && 'providerType' in result ? result.providerType : final?.providerType;
    const provider = result?.provider ?? final?.provider;
    if (instruments.requests) {
      const attributes: Attributes = {
        'gen_ai.operation.name': operation,
        'gen_ai.request.model': run.model,
        'switchyard.outcome': errorType ?? 'success',
      };
      put(attributes, 'gen_ai.provider.name', providerType && genAiProviderName(providerType));
      put(attributes, 'error.type', errorType);
      if (result?.cache) attributes['switchyard.cache.status'] = result.cache.status;
      instruments.requests.add(1, attributes as OtelAttributes);
      instruments.requestDuration?.record((Date.now() - run.startTime) / 1000, attributes as OtelAttributes);
    }
    const span = trace.span;
    if (!span) return;
    const attributes: Attributes = {
      'switchyard.cost_nano': costNano,
      'switchyard.attempt_count': attempts.length,
      'switchyard.fallback_count': fallbacks,
      'switchyard.fallback': fallbacks > 0,
    };
    put(attributes, 'gen_ai.provider.name', providerType && genAiProviderName(providerType));
    put(attributes, 'switchyard.provider', provider);
    if (result) {
      attributes['gen_ai.response.model'] = result.model;
      if (result.cache) {
        attributes['switchyard.cache.status'] = result.cache.status;
        put(attributes, 'switchyard.cache.saved_cost_nano', result.cache.savedCostNano);
      }
      if ('finishReason' in result) {
        put(attributes, 'gen_ai.response.id', result.responseId);
        attributes['gen_ai.response.finish_reasons'] = [genAiFinishReason(result.finishReason.unified)];
        put(attributes, 'gen_ai.usage.input_tokens', result.usage.inputTokens.total);
        put(attributes, 'gen_ai.usage.output_tokens', result.usage.outputTokens.total);
        put(attributes, 'gen_ai.usage.cache_read.input_tokens', result.usage.inputTokens.cacheRead || undefined);
        put(attributes, 'gen_ai.usage.cache_creation.input_tokens', result.usage.inputTokens.cacheWrite || undefined);
        put(attributes, 'switchyard.usage.reasoning_tokens', result.usage.outputTokens.reasoning || undefined);
        put(attributes, 'switchyard.time_to_first_token_ms', result.timeToFirstTokenMs);
        if (this.recordContent) attributes['gen_ai.output.messages'] = outputContent(result);
      } else {
        attributes['gen_ai.usage.input_tokens'] = result.usage.tokens;
      }
    }
    put(attributes, 'error.type', errorType);
    span.setAttributes(attributes as OtelAttributes);
    if (thrown !== undefined) {
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      span.setStatus({ code: instruments.api.SpanStatusCode.ERROR, message: redactSecrets(message) });
    }
    span.end();
  }

  private recordAttempt(
    instruments: Instruments,
    trace: RequestTrace,
    operation: string,
    record: AttemptRecord,
    usage: UsageEvent | undefined,
    index: number,
  ): void {
    const providerName = genAiProviderName(record.providerType);
    const failed = record.outcome !== 'success';
    if (instruments.operationDuration) {
      const attributes: Attributes = {
        'gen_ai.operation.name': operation,
        'gen_ai.provider.name': providerName,
        'gen_ai.request.model': record.providerModelId,
        'switchyard.provider': record.provider,
      };
      if (!failed) attributes['gen_ai.response.model'] = record.providerModelId;
      put(attributes, 'error.type', failed ? (record.code ?? record.outcome) : undefined);
      instruments.operationDuration.record(record.latencyMs / 1000, attributes as OtelAttributes);
      if (record.timeToFirstTokenMs !== undefined)
        instruments.timeToFirstChunk?.record(record.timeToFirstTokenMs / 1000, attributes as OtelAttributes);
      if (usage) {
        // One object each: the SDK may keep the attributes it is given.
        const input: Attributes = { ...attributes, 'gen_ai.token.type': 'input' };
        const output: Attributes = { ...attributes, 'gen_ai.token.type': 'output' };
        instruments.tokenUsage?.record(usage.inputTokens, input as OtelAttributes);
        instruments.tokenUsage?.record(usage.outputTokens, output as OtelAttributes);
        if (usage.cost.total > 0) {
          const costAttributes = { ...attributes, 'switchyard.credential_type': usage.credentialType };
          instruments.cost?.add(usage.cost.total, costAttributes as OtelAttributes);
        }
      }
    }
    const { tracer, api } = instruments;
    if (!tracer) return;
    const attributes: Attributes = {
      'gen_ai.operation.name': operation,
      'gen_ai.provider.name': providerName,
      'gen_ai.request.model': record.providerModelId,
      'switchyard.provider': record.provider,
      'switchyard.model': record.model,
      'switchyard.attempt.index': index,
      'switchyard.attempt.outcome': record.outcome,
      'switchyard.attempt.latency_ms': record.latencyMs,
      'switchyard.credential_type': record.credentialType,
    };
    put(attributes, 'switchyard.attempt.retry', record.retry);
    put(attributes, 'switchyard.attempt.status', record.status);
    put(attributes, 'switchyard.time_to_first_token_ms', record.timeToFirstTokenMs);
    put(attributes, 'gen_ai.response.id', record.providerResponseId);
    if (!failed) attributes['gen_ai.response.model'] = record.providerModelId;
    if (failed) attributes['error.type'] = record.code ?? record.outcome;
    if (usage) {
      attributes['gen_ai.usage.input_tokens'] = usage.inputTokens;
      attributes['gen_ai.usage.output_tokens'] = usage.outputTokens;
      if (usage.cacheReadTokens > 0) attributes['gen_ai.usage.cache_read.input_tokens'] = usage.cacheReadTokens;
      if (usage.cacheWriteTokens > 0) attributes['gen_ai.usage.cache_creation.input_tokens'] = usage.cacheWriteTokens;
      if (usage.operation !== 'embed')
        attributes['gen_ai.response.finish_reasons'] = [genAiFinishReason(usage.finishReason)];
      attributes['switchyard.cost_nano'] = usage.cost.total;
      if (usage.estimated) attributes['switchyard.usage.estimated'] = true;
    }
    const span = tracer.startSpan(
      `${operation} ${record.providerModelId}`,
      { kind: api.SpanKind.CLIENT, startTime: record.startTime, attributes: attributes as OtelAttributes },
      trace.context,
    );
    if (failed) span.setStatus({ code: api.SpanStatusCode.ERROR, message: record.code ?? record.outcome });
    span.end(record.endTime);
  }
}

/** The usage event of an attempt (the one that ended with it, on the same offering), taken from the list. */
function takeUsage(usages: UsageEvent[], record: AttemptRecord): UsageEvent | undefined {
  const index = usages.findIndex(
    (usage) =>
      usage.timestamp === record.endTime &&
      usage.provider === record.provider &&
      usage.providerModelId === record.providerModelId,
  );
  return index < 0 ? undefined : usages.splice(index, 1)[0];
}
