/**
 * The language operations: `generate` (one answer) and `stream` (parts as they arrive; an attempt counts
 * once its first content part arrived, so that a failure before it fails over invisibly).
 *
 * @module
 */
import { ATTEMPT_ABORT, type TransportAbort } from '../core/abort-handle.js';
import type { Catalog } from '../catalog/catalog.js';
import type { GatewayError } from '../core/errors.js';
import type { CostBreakdown } from '../core/events.js';
import type { Provider, ProviderCall, ProviderGenerateResult } from '../providers/provider.js';
import { PROVIDER_TRAITS } from '../providers/registry.js';
import { requiredCapabilities } from '../core/request.js';
import type { GenerateResult, NormalizedRequest, ToolCall } from '../router/router-types.js';
import type { Attempt, AttemptCall, AttemptAbort } from '../router/attempts.js';
import type { PipelineRun } from '../router/request-run.js';
import { readUntilContent, StreamCollector } from '../router/stream-collection.js';
import { estimateUsage, needsEstimate, type Metered } from '../router/usage-metering.js';
import type { Candidate } from '../strategies/strategy.js';
import { estimatedInputTokens } from '../router/gateway-options.js';
import type { ContentPart, FinishReason, ProviderCredentials, StreamPart, Usage } from '../core/types.js';
import type { Eligibility, Operation } from './operation.js';

const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;
/** What a background probe of a half-open offering sends: one token of the gateway's own. */
const PROBE_PROMPT: ProviderCall['prompt'] = [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }];

/** What a language request needs of an offering (tools, file input, JSON, file URLs). */
class LanguageEligibility implements Eligibility {
  readonly key: string;
  private readonly tools: boolean;
  private readonly images: boolean;
  private readonly json: boolean;
  private readonly fileUrls: boolean;
  private readonly documents: boolean;

  constructor(request: NormalizedRequest) {
    const needs = requiredCapabilities(request);
    this.tools = needs.tools;
    this.images = needs.images;
    this.json = needs.json;
    this.fileUrls = needs.fileUrls;
    this.documents = needs.documents;
    this.key = `${needs.tools ? 1 : 0}${needs.images ? 1 : 0}${needs.json ? 1 : 0}${needs.fileUrls ? 1 : 0}${needs.documents ? 1 : 0}`;
  }

  ineligible(candidate: Candidate, _catalog: Catalog): string | undefined {
    const capabilities = candidate.offering.capabilities;
    if (capabilities.embeddings) return `${candidate.model} is an embedding model`;
    if (capabilities.imageGeneration) return `${candidate.model} is an image model`;
    if (capabilities.reranking) return `${candidate.model} is a reranking model`;
    const missing = (['tools', 'images', 'json'] as const).filter((need) => this[need] && capabilities[need] === false);
    if (missing.length > 0) {
      // A PDF is not an image: say "files" when the request's files are documents.
      const names = missing.map((need) =>
        need === 'images' && this.documents ? 'file input (documents such as PDFs)' : need,
      );
      return `${candidate.provider} (${candidate.providerModelId}) does not support ${names.join(', ')}`;
    }
    if (this.fileUrls && !PROVIDER_TRAITS[candidate.providerType].fileUrls)
      return `${candidate.provider} takes files as inline bytes, not URLs`;
    return undefined;
  }
}

/** The parts shared by `generate` and `stream`. */
const language = {
  kind: 'language' as const,
  eligibility(request: NormalizedRequest): Eligibility {
    return new LanguageEligibility(request);
  },
  plan(run: PipelineRun, candidate: Candidate): { estimatedInputTokens: number; maxOutputTokens: number } {
    const request = run.request;
    return {
      estimatedInputTokens: estimatedInputTokens(request),
      maxOutputTokens: request.maxOutputTokens ?? candidate.offering.limits?.output ?? DEFAULT_MAX_OUTPUT_TOKENS,
    };
  },
  probe(provider: Provider, providerModelId: string, abort: TransportAbort): Promise<unknown> {
    const call: ProviderCall = {
      modelId: providerModelId,
      prompt: PROBE_PROMPT,
      maxOutputTokens: 1,
      get abortSignal(): AbortSignal {
        return abort.signal;
      },
    };
    (call as AttemptCall)[ATTEMPT_ABORT] = abort as AttemptAbort;
    return provider.generate(call);
  },
};

/**
 * `router.generate()`: one provider call per attempt; the usage the vendor reports, estimated where it
 * gave none.
 *
 * @example
 * ```ts
 * const result = await pipeline.run(run, generateOperation);
 * ```
 */
export const generateOperation: Operation<ProviderGenerateResult, GenerateResult> = {
  ...language,
  call(run: PipelineRun, attempt: Attempt): Promise<ProviderGenerateResult> {
    return attempt.provider.generate(providerCall(run.request, attempt));
  },
  meter(run: PipelineRun, value: ProviderGenerateResult): Metered {
    const estimated = needsEstimate(value.usage);
    const usage = estimated ? estimateUsage(value.usage, run.request, value.content) : value.usage;
    return {
      usage,
      estimated,
      finishReason: value.finishReason,
      outputTokens: usage.outputTokens.total,
      responseId: value.responseId,
      timeToFirstTokenMs: undefined,
    };
  },
  result(
    run: PipelineRun,
    attempt: Attempt,
    value: ProviderGenerateResult,
    metered: Metered,
    cost: CostBreakdown,
  ): GenerateResult {
    return languageResult(run, attempt, value.content, metered, cost, value.warnings, value.providerMetadata);
  },
};

/**
 * A stream as it is opened by an attempt: the parts read up to the first content part, the reader of the
 * rest, and what the parts add up to.
 *
 * @example
 * ```ts
 * const opened = await streamOperation.call(run, attempt);
 * console.log(opened.held.length, opened.first?.type);
 * ```
 */
export class OpenedStream {
  readonly collector = new StreamCollector();
  readonly held: StreamPart[] = [];
  first: StreamPart | undefined = undefined;
  timeToFirstTokenMs: number | undefined = undefined;
  /** Why the stream ended before its finish, once it did. */
  failure: GatewayError | undefined = undefined;

  constructor(readonly iterator: AsyncIterator<StreamPart>) {}
}

/**
 * `router.stream()`: an attempt counts once the stream's first content part arrived (the parts before it
 * are held); its usage is measured when the stream ended, also when it failed or was aborted midway.
 *
 * @example
 * ```ts
 * const opened = await policies(run, candidates, streamOperation);
 * ```
 */
export const streamOperation: Operation<OpenedStream, GenerateResult> = {
  ...language,
  async call(run: PipelineRun, attempt: Attempt): Promise<OpenedStream> {
    const { stream } = await attempt.provider.stream(providerCall(run.request, attempt));
    const opened = new OpenedStream(stream[Symbol.asyncIterator]());
    // Hold everything until the first content part: a failure before it fails over invisibly.
    opened.first = await readUntilContent(opened.iterator, opened.held);
    if (opened.first) opened.timeToFirstTokenMs = Date.now() - attempt.startTime;
    return opened;
  },
  meter(run: PipelineRun, value: OpenedStream): Metered {
    const { collector, failure } = value;
    const finish = collector.finish;
    const finishReason: FinishReason = finish?.finishReason ?? {
      unified: failure?.code === 'aborted' ? 'other' : 'error',
      raw: failure?.code,
    };
    const reported = finish?.usage;
    const estimated = needsEstimate(reported);
    const usage = estimated ? estimateUsage(reported, run.request, collector.content) : (reported as Usage);
    return {
      usage,
      estimated,
      finishReason,
      outputTokens: usage.outputTokens.total,
      responseId: collector.responseId,
      timeToFirstTokenMs: value.timeToFirstTokenMs,
    };
  },
  result(
    run: PipelineRun,
    attempt: Attempt,
    value: OpenedStream,
    metered: Metered,
    cost: CostBreakdown,
  ): GenerateResult {
    const { collector } = value;
    const result = languageResult(
      run,
      attempt,
      collector.content,
      metered,
      cost,
      collector.warnings,
      collector.finish?.providerMetadata,
    );
    if (metered.timeToFirstTokenMs !== undefined) result.timeToFirstTokenMs = metered.timeToFirstTokenMs;
    return result;
  },
};

function providerCall(request: NormalizedRequest, attempt: Attempt): ProviderCall {
  const credentials: ProviderCredentials | undefined = attempt.credentials;
  // Written out like normalizeRequest's copy, not spread: a spread costs microseconds per request, and
  // an object literal keeps the compiler checking every field.
  const call: ProviderCall = {
    modelId: attempt.candidate.providerModelId,
    prompt: request.prompt,
    maxOutputTokens: request.maxOutputTokens,
    temperature: request.temperature,
    topP: request.topP,
    topK: request.topK,
    stopSequences: request.stopSequences,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    seed: request.seed,
    responseFormat: request.responseFormat,
    tools: request.tools,
    toolChoice: request.toolChoice,
    reasoning: request.reasoning,
    parallelToolCalls: request.parallelToolCalls,
    user: request.user,
    providerOptions: request.providerOptions,
    headers: request.headers,
    // Built on first read (a spread of the call reads it too): see AttemptAbort.
    get abortSignal(): AbortSignal {
      return (this as unknown as AttemptCall)[ATTEMPT_ABORT].signal;
    },
    credentials,
  };
  (call as AttemptCall)[ATTEMPT_ABORT] = attempt.abort as AttemptAbort;
  return call;
}

function languageResult(
  run: PipelineRun,
  attempt: Attempt,
  content: ContentPart[],
  metered: Metered,
  cost: CostBreakdown,
  warnings: GenerateResult['warnings'],
  providerMetadata: GenerateResult['providerMetadata'],
): GenerateResult {
  let text = '';
  let reasoning: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const part of content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning') reasoning = (reasoning ?? '') + part.text;
    else if (part.type === 'tool-call')
      toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: parseJsonOrText(part.input) });
  }
  const { candidate } = attempt;
  // The same seven leading fields as the usage event, written out for the same reason as there.
  return {
    requestId: run.requestId,
    generationId: run.generationId,
    model: candidate.model,
    provider: candidate.provider,
    providerType: candidate.providerType,
    providerModelId: candidate.providerModelId,
    credentialType: attempt.credentialType,
    text,
    reasoningText: reasoning,
    content,
    toolCalls,
    finishReason: metered.finishReason,
    usage: metered.usage,
    cost,
    attempts: run.attempts,
    warnings: run.request.warnings ? [...run.request.warnings, ...warnings] : warnings,
    providerMetadata,
    responseId: metered.responseId,
    latencyMs: Date.now() - run.startTime,
  };
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
