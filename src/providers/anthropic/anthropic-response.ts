/**
 * Anthropic Messages API responses → canonical content, finish reasons, usage and metadata.
 *
 * @module
 */
import type { ContentBlock, Message, StopReason } from '@anthropic-ai/sdk/resources/messages';
import { makeUsage } from '../shared/provider-support.js';
import type { ContentPart, FinishReason, ProviderMetadata, Usage } from '../../core/types.js';

/**
 * The usage fields Anthropic reports, in a message, a `message_start` or a `message_delta` event.
 *
 * @example
 * ```ts
 * const usage: AnthropicUsage = { input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 40 };
 * ```
 */
export interface AnthropicUsage {
  input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  /** The cache writes by lifetime (absent in `message_delta`, and from older API versions). */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  output_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
  service_tier?: string | null;
}

/**
 * Canonical usage from Anthropic's: the input total adds the cache reads and writes, which Anthropic
 * reports apart from `input_tokens`.
 *
 * @example
 * ```ts
 * mapUsage({ input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 40 }).inputTokens.total; // 120
 * mapUsage({ input_tokens: 5, cache_creation_input_tokens: 900, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 900 }, output_tokens: 3 }).inputTokens.cacheWriteOneHour; // 900
 * ```
 */
export function mapUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const input = usage.input_tokens ?? undefined;
  const mapped = makeUsage({
    inputTotal: input === undefined ? undefined : input + cacheRead + cacheWrite,
    cacheRead,
    cacheWrite,
    output: usage.output_tokens ?? undefined,
    reasoning: usage.output_tokens_details?.thinking_tokens ?? undefined,
  });
  // 1-hour writes cost more than 5-minute ones: keep the split (never more than the writes reported).
  const oneHour = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  if (oneHour > 0) mapped.inputTokens.cacheWriteOneHour = Math.min(oneHour, cacheWrite);
  return mapped;
}

/**
 * The unified finish reason. A `tool_use` stop that only called the JSON-response tool is a `stop`.
 *
 * @example
 * ```ts
 * mapFinishReason('max_tokens', false); // { unified: 'length', raw: 'max_tokens' }
 * ```
 */
export function mapFinishReason(
  stopReason: StopReason | string | null | undefined,
  calledRealTools: boolean,
): FinishReason {
  const raw = stopReason ?? undefined;
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return { unified: 'stop', raw };
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { unified: 'length', raw };
    case 'tool_use':
      return { unified: calledRealTools ? 'tool-calls' : 'stop', raw };
    case 'refusal':
      return { unified: 'content-filter', raw };
    default:
      return { unified: 'other', raw };
  }
}

/**
 * Anthropic-specific metadata of a response: cache token counts and the stop sequence that matched.
 *
 * @example
 * ```ts
 * anthropicMetadata(usage, 'END'); // { anthropic: { cacheCreationInputTokens: 0, cacheReadInputTokens: 100, stopSequence: 'END' } }
 * ```
 */
export function anthropicMetadata(usage: AnthropicUsage, stopSequence: string | null | undefined): ProviderMetadata {
  return {
    anthropic: {
      cacheCreationInputTokens: usage.cache_creation_input_tokens ?? 0,
      cacheReadInputTokens: usage.cache_read_input_tokens ?? 0,
      stopSequence: stopSequence ?? null,
      ...(usage.service_tier ? { serviceTier: usage.service_tier } : {}),
    },
  };
}

/**
 * The metadata kept on a reasoning part so that it can be sent back as a thinking block.
 *
 * @example
 * ```ts
 * reasoningMetadata({ signature: 'EqQBCkYIARgC...' }); // { anthropic: { signature: 'EqQBCkYIARgC...' } }
 * ```
 */
export function reasoningMetadata(block: { signature?: string; redactedData?: string }): ProviderMetadata {
  return {
    anthropic: block.signature !== undefined ? { signature: block.signature } : { redactedData: block.redactedData },
  };
}

function mapBlock(block: ContentBlock, jsonToolName: string | undefined): ContentPart | undefined {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'thinking':
      return {
        type: 'reasoning',
        text: block.thinking,
        providerMetadata: reasoningMetadata({ signature: block.signature }),
      };
    case 'redacted_thinking':
      return { type: 'reasoning', text: '', providerMetadata: reasoningMetadata({ redactedData: block.data }) };
    case 'tool_use':
      if (block.name === jsonToolName) return { type: 'text', text: JSON.stringify(block.input ?? {}) };
      return {
        type: 'tool-call',
        toolCallId: block.id,
        toolName: block.name,
        input: JSON.stringify(block.input ?? {}),
      };
    default:
      return undefined; // server-tool blocks: not part of the canonical result
  }
}

/**
 * A non-streaming message as canonical content, finish reason, usage and metadata.
 *
 * @example
 * ```ts
 * const { content, finishReason, usage } = mapMessage(message, undefined);
 * ```
 */
export function mapMessage(
  message: Message,
  jsonToolName: string | undefined,
): { content: ContentPart[]; finishReason: FinishReason; usage: Usage; providerMetadata: ProviderMetadata } {
  const content = message.content
    .map((block) => mapBlock(block, jsonToolName))
    .filter((part): part is ContentPart => part !== undefined);
  const calledRealTools = content.some((part) => part.type === 'tool-call');
  return {
    content,
    finishReason: mapFinishReason(message.stop_reason, calledRealTools),
    usage: mapUsage(message.usage),
    providerMetadata: anthropicMetadata(message.usage, message.stop_sequence),
  };
}
