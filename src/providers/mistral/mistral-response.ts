/**
 * `@mistralai/mistralai` responses and stream events → canonical results and V4 stream parts.
 *
 * @module
 */
import type {
  ChatCompletionResponse,
  CompletionEvent,
  ContentChunk,
  ToolCall,
  UsageInfo,
} from '@mistralai/mistralai/models/components';
import { GatewayError } from '../../core/errors.js';
import { makeUsage } from '../shared/provider-support.js';
import type { ProviderGenerateResult } from '../provider.js';
import { StreamBlocks, ToolInputs } from '../shared/stream-blocks.js';
import type { ContentPart, FinishReason, StreamPart, Usage, Warning } from '../../core/types.js';

/**
 * Mistral's finish reason, unified: `model_length` (the context is full) counts as `length`.
 *
 * @example
 * ```ts
 * mistralFinishReason('tool_calls'); // { unified: 'tool-calls', raw: 'tool_calls' }
 * ```
 */
export function mistralFinishReason(raw: string | null | undefined): FinishReason {
  switch (raw) {
    case 'stop':
      return { unified: 'stop', raw };
    case 'length':
    case 'model_length':
      return { unified: 'length', raw };
    case 'tool_calls':
      return { unified: 'tool-calls', raw };
    case 'error':
      return { unified: 'error', raw };
    default:
      return raw ? { unified: 'other', raw } : { unified: 'other' };
  }
}

/**
 * Mistral's usage: `prompt_tokens` includes the cached prompt tokens the API reports in
 * `prompt_tokens_details.cached_tokens` (kept by the SDK as an extra field).
 *
 * @example
 * ```ts
 * mistralUsage({ promptTokens: 10, completionTokens: 5, prompt_tokens_details: { cached_tokens: 8 } }).inputTokens.cacheRead; // 8
 * ```
 */
export function mistralUsage(usage: UsageInfo | undefined): Usage {
  if (!usage) return makeUsage({});
  const details = usage.prompt_tokens_details as { cached_tokens?: unknown } | undefined;
  const cached = typeof details?.cached_tokens === 'number' ? details.cached_tokens : undefined;
  return makeUsage({
    inputTotal: usage.promptTokens,
    output: usage.completionTokens,
    ...(cached === undefined ? {} : { cacheRead: cached }),
  });
}

/** Text and reasoning pieces of a message or delta content (a string, or text/thinking chunks). */
function contentPieces(
  content: string | ContentChunk[] | null | undefined,
): Array<{ kind: 'text' | 'reasoning'; text: string }> {
  if (typeof content === 'string') return content ? [{ kind: 'text', text: content }] : [];
  const pieces: Array<{ kind: 'text' | 'reasoning'; text: string }> = [];
  for (const chunk of content ?? []) {
    if (chunk.type === 'text' && 'text' in chunk) pieces.push({ kind: 'text', text: chunk.text });
    else if (chunk.type === 'thinking' && 'thinking' in chunk) {
      const text = chunk.thinking
        .map((item) => ('text' in item && typeof item.text === 'string' ? item.text : ''))
        .join('');
      if (text) pieces.push({ kind: 'reasoning', text });
    }
  }
  return pieces;
}

/** A tool call's arguments as a JSON string (Mistral may send a string or an object). */
function argumentsText(call: ToolCall): string {
  const args = call.function.arguments;
  return typeof args === 'string' ? args : JSON.stringify(args ?? {});
}

/** A tool call's id; the SDK fills a missing id with the string `'null'`. */
function toolCallId(call: ToolCall, fallback: string): string {
  return call.id && call.id !== 'null' ? call.id : fallback;
}

/**
 * Maps a chat completion to the provider result.
 *
 * @example
 * ```ts
 * const result = mistralResult(await client.chat.complete(request), warnings, 'mistral');
 * ```
 */
export function mistralResult(
  response: ChatCompletionResponse,
  warnings: Warning[],
  provider: string,
): ProviderGenerateResult {
  const choice = response.choices?.[0];
  if (!choice)
    throw new GatewayError('provider_bad_response', `${provider}: the response has no choices`, { provider });
  const message = choice.message;
  const content: ContentPart[] = contentPieces(message?.content).map((piece) => ({
    type: piece.kind,
    text: piece.text,
  }));
  for (const [index, call] of (message?.toolCalls ?? []).entries()) {
    content.push({
      type: 'tool-call',
      toolCallId: toolCallId(call, `${response.id}-${index}`),
      toolName: call.function.name,
      input: argumentsText(call),
    });
  }
  return {
    content,
    finishReason: mistralFinishReason(choice.finishReason),
    usage: mistralUsage(response.usage),
    warnings,
    responseId: response.id,
    responseModelId: response.model,
  };
}

/**
 * Maps the SDK's event stream to V4 stream parts. A stream that ends without a finish reason, or an
 * SDK failure, throws a `GatewayError` (made by `toError`); an abort throws `aborted`.
 *
 * @example
 * ```ts
 * const parts = mistralStreamParts(await client.chat.stream(request), { provider: 'mistral', warnings, signal, toError });
 * ```
 */
export async function* mistralStreamParts(
  events: AsyncIterable<CompletionEvent>,
  context: { provider: string; warnings: Warning[]; signal: AbortSignal; toError(error: unknown): GatewayError },
): AsyncGenerator<StreamPart> {
  yield { type: 'stream-start', warnings: context.warnings };
  const blocks = new StreamBlocks();
  const tools = new ToolInputs();
  let started = false;
  let finishReason: string | undefined;
  let usage: UsageInfo | undefined;
  try {
    for await (const { data: chunk } of events) {
      if (!started) {
        started = true;
        yield {
          type: 'response-metadata',
          id: chunk.id,
          modelId: chunk.model,
          ...(chunk.created ? { timestamp: new Date(chunk.created * 1000) } : {}),
        };
      }
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      for (const piece of contentPieces(choice.delta.content))
        yield* piece.kind === 'text' ? blocks.text(piece.text) : blocks.reasoning(piece.text);
      for (const call of choice.delta.toolCalls ?? []) {
        const index = call.index ?? 0;
        if (!tools.has(index))
          yield* [
            ...blocks.close(),
            ...tools.start(index, toolCallId(call, `${chunk.id}-${index}`), call.function.name),
          ];
        yield* tools.append(index, argumentsText(call));
      }
      if (choice.finishReason) finishReason = choice.finishReason;
    }
  } catch (error) {
    throw context.toError(error);
  }
  if (context.signal.aborted) throw context.toError(context.signal.reason);
  if (finishReason === undefined) {
    throw new GatewayError(
      'provider_connection',
      `${context.provider}: the stream ended before the response was complete`,
      { provider: context.provider },
    );
  }
  yield* blocks.close();
  yield* tools.finish();
  yield { type: 'finish', finishReason: mistralFinishReason(finishReason), usage: mistralUsage(usage) };
}
