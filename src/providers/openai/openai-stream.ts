/**
 * OpenAI Chat Completions chunks → canonical stream parts.
 *
 * @module
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { GatewayError } from '../../core/errors.js';
import type { StreamPart, Warning } from '../../core/types.js';
import { mapFinishReason, mapUsage, responseMetadata, type OpenAIResponseDialect } from './openai-response.js';

/**
 * How a stream's failures become gateway errors and how its end is checked.
 *
 * @example
 * ```ts
 * const context: ChatStreamContext = { dialect, warnings, signal: call.abortSignal, toError: (error) => mapError(error) };
 * ```
 */
export interface ChatStreamContext {
  dialect: OpenAIResponseDialect;
  warnings: Warning[];
  signal: AbortSignal;
  /** Turns anything the SDK threw into a `GatewayError`. */
  toError(error: unknown): GatewayError;
}

interface ToolCallState {
  id: string;
  name: string;
  input: string;
}

/**
 * Maps the SDK's chunk stream to V4 stream parts: stream-start, response-metadata, reasoning and
 * text blocks, tool input (start, deltas, end, then the tool call), and finish with usage. A cut-off
 * stream (no finish reason) or an SDK failure throws a `GatewayError`; an abort throws `aborted`.
 *
 * @example
 * ```ts
 * for await (const part of mapChatStream(await client.chat.completions.create({ ...body, stream: true }), context)) console.log(part.type);
 * ```
 */
export async function* mapChatStream(
  chunks: AsyncIterable<ChatCompletionChunk>,
  context: ChatStreamContext,
): AsyncGenerator<StreamPart> {
  const { dialect } = context;
  yield { type: 'stream-start', warnings: context.warnings };
  let started = false;
  let reasoningOpen = false;
  let textOpen = false;
  let finishReason: string | undefined;
  let usage: CompletionUsage | undefined;
  let metadata: { service_tier?: string | null; system_fingerprint?: string } = {};
  const toolCalls = new Map<number, ToolCallState>();
  try {
    for await (const chunk of chunks) {
      if (!started) {
        started = true;
        yield {
          type: 'response-metadata',
          id: chunk.id,
          modelId: chunk.model,
          timestamp: new Date(chunk.created * 1000),
        };
      }
      if (chunk.usage) usage = chunk.usage;
      metadata = {
        service_tier: chunk.service_tier ?? metadata.service_tier,
        system_fingerprint: chunk.system_fingerprint ?? metadata.system_fingerprint,
      };
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const delta = choice.delta ?? {};
      const reasoning = dialect.reasoningText(delta);
      if (reasoning) {
        if (!reasoningOpen) yield { type: 'reasoning-start', id: 'reasoning-0' };
        reasoningOpen = true;
        yield { type: 'reasoning-delta', id: 'reasoning-0', delta: reasoning };
      }
      const text = delta.content || delta.refusal;
      if (text) {
        if (reasoningOpen) yield { type: 'reasoning-end', id: 'reasoning-0' };
        reasoningOpen = false;
        if (!textOpen) yield { type: 'text-start', id: 'text-0' };
        textOpen = true;
        yield { type: 'text-delta', id: 'text-0', delta: text };
      }
      for (const toolDelta of delta.tool_calls ?? []) {
        if (reasoningOpen) yield { type: 'reasoning-end', id: 'reasoning-0' };
        reasoningOpen = false;
        const piece = toolDelta.function?.arguments ?? toolDelta.custom?.input ?? '';
        let state = toolCalls.get(toolDelta.index);
        if (!state) {
          state = {
            id: toolDelta.id ?? `call_${toolDelta.index}`,
            name: toolDelta.function?.name ?? toolDelta.custom?.name ?? '',
            input: '',
          };
          toolCalls.set(toolDelta.index, state);
          yield { type: 'tool-input-start', id: state.id, toolName: state.name };
        }
        if (piece) {
          state.input += piece;
          yield { type: 'tool-input-delta', id: state.id, delta: piece };
        }
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  } catch (error) {
    throw context.toError(error);
  }
  // The SDK ends its iteration quietly when the request is aborted.
  if (context.signal.aborted) throw context.toError(context.signal.reason);
  if (finishReason === undefined) {
    throw new GatewayError(
      'provider_connection',
      `${dialect.name}: the stream ended before the response was complete`,
      { provider: dialect.name },
    );
  }
  if (reasoningOpen) yield { type: 'reasoning-end', id: 'reasoning-0' };
  if (textOpen) yield { type: 'text-end', id: 'text-0' };
  for (const state of toolCalls.values()) {
    yield { type: 'tool-input-end', id: state.id };
    yield { type: 'tool-call', toolCallId: state.id, toolName: state.name, input: state.input || '{}' };
  }
  const providerMetadata = responseMetadata(dialect.type, metadata);
  yield {
    type: 'finish',
    finishReason: mapFinishReason(finishReason),
    usage: dialect.usage ? dialect.usage(usage) : mapUsage(usage),
    ...(providerMetadata ? { providerMetadata } : {}),
  };
}
