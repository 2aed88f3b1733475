/**
 * `cohere-ai` v2 chat responses and stream events → canonical results and V4 stream parts.
 *
 * @module
 */
import type { Cohere } from 'cohere-ai';
import { GatewayError } from '../../core/errors.js';
import { makeUsage } from '../shared/provider-support.js';
import type { ProviderGenerateResult } from '../provider.js';
import { StreamBlocks, ToolInputs } from '../shared/stream-blocks.js';
import type { ContentPart, FinishReason, ProviderMetadata, StreamPart, Usage, Warning } from '../../core/types.js';

/**
 * Cohere's finish reason, unified.
 *
 * @example
 * ```ts
 * cohereFinishReason('MAX_TOKENS'); // { unified: 'length', raw: 'MAX_TOKENS' }
 * ```
 */
export function cohereFinishReason(raw: string | undefined): FinishReason {
  switch (raw) {
    case 'COMPLETE':
    case 'STOP_SEQUENCE':
      return { unified: 'stop', raw };
    case 'MAX_TOKENS':
      return { unified: 'length', raw };
    case 'TOOL_CALL':
      return { unified: 'tool-calls', raw };
    case 'ERROR':
    case 'TIMEOUT':
      return { unified: 'error', raw };
    default:
      return raw ? { unified: 'other', raw } : { unified: 'other' };
  }
}

/**
 * Cohere's usage. The billed units are what Cohere charges: they leave out its prompt template and
 * the prompt tokens served from its cache (`cached_tokens`, which `tokens` counts), so with billed
 * units the input is the billed input, none of it a cache read (the cached tokens are kept in the
 * provider metadata). Without billed units, `tokens` is the input and `cached_tokens` its cache reads.
 *
 * @example
 * ```ts
 * cohereUsage({ billedUnits: { inputTokens: 12, outputTokens: 3 }, tokens: { inputTokens: 507, outputTokens: 3 }, cachedTokens: 448 }).inputTokens;
 * // { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }
 * ```
 */
export function cohereUsage(usage: Cohere.Usage | undefined): Usage {
  const billed = usage?.billedUnits;
  const input = billed?.inputTokens;
  return makeUsage({
    inputTotal: input ?? usage?.tokens?.inputTokens,
    output: billed?.outputTokens ?? usage?.tokens?.outputTokens,
    ...(input !== undefined || usage?.cachedTokens === undefined ? {} : { cacheRead: usage.cachedTokens }),
  });
}

/** The token counts Cohere reports beside the billed units, as provider metadata. */
function usageMetadata(type: string, usage: Cohere.Usage | undefined, error?: string): ProviderMetadata | undefined {
  const tokens = usage?.tokens;
  const fields = {
    ...(tokens
      ? { tokens: { inputTokens: tokens.inputTokens ?? null, outputTokens: tokens.outputTokens ?? null } }
      : {}),
    ...(typeof usage?.cachedTokens === 'number' ? { cachedTokens: usage.cachedTokens } : {}),
    ...(error ? { error } : {}),
  };
  return Object.keys(fields).length > 0 ? { [type]: fields } : undefined;
}

/**
 * A call's input: Cohere sends the arguments of a call without any as `"null"` (or nothing); the input is then `{}`.
 */
function toolInput(args: string | undefined): string {
  const trimmed = args?.trim();
  return trimmed === undefined || trimmed === '' || trimmed === 'null' ? '{}' : (args as string);
}

/** Stream parts with each tool call's input made an object (see {@link toolInput}). */
function withObjectInput(parts: StreamPart[]): StreamPart[] {
  return parts.map((part) => (part.type === 'tool-call' ? { ...part, input: toolInput(part.input) } : part));
}

/** Metadata that marks reasoning that came from a tool plan, so that it goes back as `tool_plan`. */
function toolPlanMetadata(type: string): ProviderMetadata {
  return { [type]: { toolPlan: true } };
}

/**
 * Maps a v2 chat response to the provider result. The SDK does not validate the body, so one that
 * is not Cohere's format fails here with `provider_bad_response`.
 *
 * @example
 * ```ts
 * const result = cohereResult(await client.chat(request), warnings, { type: 'cohere', name: 'cohere' });
 * ```
 */
export function cohereResult(
  response: Cohere.V2ChatResponse,
  warnings: Warning[],
  target: { type: string; name: string },
): ProviderGenerateResult {
  const message = response?.message as Cohere.AssistantMessageResponse | undefined;
  if (typeof response?.finishReason !== 'string' || typeof message !== 'object' || message === null) {
    throw new GatewayError('provider_bad_response', `${target.name}: the response is not in Cohere's format`, {
      provider: target.name,
    });
  }
  const content: ContentPart[] = [];
  for (const item of message.content ?? []) {
    if (item.type === 'thinking') content.push({ type: 'reasoning', text: item.thinking });
    else if (item.type === 'text') content.push({ type: 'text', text: item.text });
  }
  if (message.toolPlan)
    content.push({ type: 'reasoning', text: message.toolPlan, providerMetadata: toolPlanMetadata(target.type) });
  for (const call of message.toolCalls ?? []) {
    content.push({
      type: 'tool-call',
      toolCallId: call.id,
      toolName: call.function?.name ?? '',
      input: toolInput(call.function?.arguments),
    });
  }
  const providerMetadata = usageMetadata(target.type, response.usage);
  return {
    content,
    finishReason: cohereFinishReason(response.finishReason),
    usage: cohereUsage(response.usage),
    warnings,
    responseId: response.id,
    ...(providerMetadata ? { providerMetadata } : {}),
  };
}

/**
 * Maps the SDK's v2 stream events to V4 stream parts. A stream that ends without `message-end`, or
 * an SDK failure, throws a `GatewayError` (made by `toError`); an abort throws `aborted`.
 *
 * @example
 * ```ts
 * const parts = cohereStreamParts(await client.chatStream(request), { target, warnings, signal, toError });
 * ```
 */
export async function* cohereStreamParts(
  events: AsyncIterable<Cohere.V2ChatStreamResponse>,
  context: {
    target: { type: string; name: string };
    modelId: string;
    warnings: Warning[];
    signal: AbortSignal;
    toError(error: unknown): GatewayError;
  },
): AsyncGenerator<StreamPart> {
  const { target } = context;
  yield { type: 'stream-start', warnings: context.warnings };
  const blocks = new StreamBlocks();
  const tools = new ToolInputs();
  let end: Cohere.ChatMessageEndEventDelta | undefined;
  try {
    for await (const event of events) {
      switch (event.type) {
        case 'message-start':
          yield { type: 'response-metadata', ...(event.id ? { id: event.id } : {}), modelId: context.modelId };
          break;
        case 'content-delta': {
          const piece = event.delta?.message?.content;
          if (piece?.thinking) yield* blocks.reasoning(piece.thinking);
          if (piece?.text) yield* blocks.text(piece.text);
          break;
        }
        case 'content-end':
          yield* blocks.close();
          break;
        case 'tool-plan-delta':
          yield* blocks.reasoning(event.delta?.message?.toolPlan ?? '', toolPlanMetadata(target.type));
          break;
        case 'tool-call-start': {
          const call = event.delta?.message?.toolCalls;
          const index = event.index ?? 0;
          yield* blocks.close();
          yield* tools.start(index, call?.id ?? `${target.name}-tool-${index}`, call?.function?.name ?? '');
          yield* tools.append(index, call?.function?.arguments ?? '');
          break;
        }
        case 'tool-call-delta':
          yield* tools.append(event.index ?? 0, event.delta?.message?.toolCalls?.function?.arguments ?? '');
          break;
        case 'tool-call-end':
          yield* withObjectInput(tools.end(event.index ?? 0));
          break;
        case 'message-end':
          end = event.delta ?? {};
          break;
      }
    }
  } catch (error) {
    throw context.toError(error);
  }
  if (context.signal.aborted) throw context.toError(context.signal.reason);
  if (end === undefined)
    throw new GatewayError('provider_connection', `${target.name}: the stream ended before the response was complete`, {
      provider: target.name,
    });
  yield* blocks.close();
  yield* withObjectInput(tools.finish());
  const providerMetadata = usageMetadata(target.type, end.usage, end.error);
  yield {
    type: 'finish',
    finishReason: cohereFinishReason(end.finishReason),
    usage: cohereUsage(end.usage),
    ...(providerMetadata ? { providerMetadata } : {}),
  };
}
