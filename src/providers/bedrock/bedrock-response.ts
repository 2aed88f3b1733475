/**
 * Converse responses and ConverseStream events → canonical content, stream parts, usage and finish reasons.
 *
 * @module
 */
import type { ContentBlock, ConverseStreamOutput, TokenUsage } from '@aws-sdk/client-bedrock-runtime';
import { GatewayError } from '../../core/errors.js';
import type { ContentPart, FinishReason, ProviderMetadata, StreamPart, Usage } from '../../core/types.js';
import { makeUsage } from '../shared/provider-support.js';
import { JSON_TOOL_NAME } from './bedrock-request.js';

const FINISH_REASONS: Record<string, FinishReason['unified']> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  content_filtered: 'content-filter',
  guardrail_intervened: 'content-filter',
  malformed_model_output: 'error',
  malformed_tool_use: 'error',
};

/**
 * A Converse stop reason as a finish reason; in JSON mode a call of only the JSON tool is the
 * answer, so that `tool_use` is a normal stop (a call of a real tool stays `tool-calls`).
 *
 * @example
 * ```ts
 * finishReason('max_tokens', false); // { unified: 'length', raw: 'max_tokens' }
 * finishReason('tool_use', true, true); // { unified: 'tool-calls', raw: 'tool_use' }
 * ```
 */
export function finishReason(stopReason: string | undefined, jsonMode: boolean, calledRealTools = false): FinishReason {
  if (stopReason === undefined) return { unified: 'other' };
  if (jsonMode && stopReason === 'tool_use' && !calledRealTools) return { unified: 'stop', raw: stopReason };
  return { unified: FINISH_REASONS[stopReason] ?? 'other', raw: stopReason };
}

/**
 * Bedrock token usage as a V4 usage record. Bedrock's `inputTokens` excludes cached tokens, so the
 * input total adds `cacheReadInputTokens` and `cacheWriteInputTokens`. When the answer held
 * reasoning (`reasoned`), the text/reasoning split of the output is unknown.
 *
 * @example
 * ```ts
 * bedrockUsage({ inputTokens: 20, outputTokens: 5, totalTokens: 125, cacheReadInputTokens: 100 }).inputTokens.total; // 120
 * ```
 */
export function bedrockUsage(usage: TokenUsage | undefined, reasoned = false): Usage {
  const cacheRead = usage?.cacheReadInputTokens;
  const cacheWrite = usage?.cacheWriteInputTokens;
  const input = usage?.inputTokens;
  const result = makeUsage({
    inputTotal: input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    cacheRead,
    cacheWrite,
    output: usage?.outputTokens,
  });
  // 1-hour cache writes cost more than 5-minute ones: keep the split.
  const oneHour =
    usage?.cacheDetails?.reduce((sum, detail) => sum + (detail.ttl === '1h' ? (detail.inputTokens ?? 0) : 0), 0) ?? 0;
  if (oneHour > 0) result.inputTokens.cacheWriteOneHour = Math.min(oneHour, cacheWrite ?? 0);
  // Bedrock counts reasoning inside outputTokens without breaking it out: the split is unknown.
  if (reasoned) result.outputTokens = { total: result.outputTokens.total, text: undefined, reasoning: undefined };
  return result;
}

function reasoningMetadata(
  signature: string | undefined,
  redacted: Uint8Array | undefined,
): ProviderMetadata | undefined {
  if (redacted) return { bedrock: { redactedData: Buffer.from(redacted).toString('base64') } };
  return signature ? { bedrock: { signature } } : undefined;
}

/**
 * The content blocks of a Converse answer as canonical content parts. In JSON mode the `json`
 * tool's input becomes the text.
 *
 * @example
 * ```ts
 * convertContent([{ text: 'Hello' }], false); // [{ type: 'text', text: 'Hello' }]
 * ```
 */
export function convertContent(blocks: ContentBlock[], jsonMode: boolean): ContentPart[] {
  const content: ContentPart[] = [];
  for (const block of blocks) {
    if (typeof block.text === 'string') {
      content.push({ type: 'text', text: block.text });
    } else if (block.reasoningContent) {
      const reasoning = block.reasoningContent;
      const metadata = reasoningMetadata(reasoning.reasoningText?.signature, reasoning.redactedContent);
      content.push({
        type: 'reasoning',
        text: reasoning.reasoningText?.text ?? '',
        ...(metadata ? { providerMetadata: metadata } : {}),
      });
    } else if (block.toolUse) {
      const input = JSON.stringify(block.toolUse.input ?? {});
      if (jsonMode && block.toolUse.name === JSON_TOOL_NAME) content.push({ type: 'text', text: input });
      else
        content.push({
          type: 'tool-call',
          toolCallId: block.toolUse.toolUseId ?? '',
          toolName: block.toolUse.name ?? '',
          input,
        });
    }
  }
  return content;
}

interface OpenBlock {
  kind: 'text' | 'reasoning' | 'tool' | 'json';
  id: string;
  toolName: string;
  input: string;
  signature?: string;
  redacted?: Uint8Array;
}

/** The stream member names that carry an exception (the SDK normally throws these itself). */
const STREAM_EXCEPTIONS = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const;

/**
 * Turns ConverseStream events into V4 stream parts (text, reasoning, tool input, finish). A stream
 * that ends before `messageStop` throws `provider_connection`; errors from the SDK propagate for the
 * caller to map.
 *
 * @example
 * ```ts
 * for await (const part of convertStream(response.stream, { jsonMode: false })) console.log(part.type);
 * ```
 */
export async function* convertStream(
  events: AsyncIterable<ConverseStreamOutput>,
  options: { jsonMode: boolean; provider: string },
): AsyncGenerator<StreamPart> {
  const open = new Map<number, OpenBlock>();
  let stopReason: string | undefined;
  let usage: TokenUsage | undefined;
  let reasoned = false;
  let calledRealTools = false;
  let latencyMs: number | undefined;

  const start = (index: number, kind: OpenBlock['kind'], id = String(index), toolName = ''): OpenBlock => {
    const block: OpenBlock = { kind, id, toolName, input: '' };
    open.set(index, block);
    return block;
  };
  const startPart = (block: OpenBlock): StreamPart => {
    if (block.kind === 'text' || block.kind === 'json') return { type: 'text-start', id: block.id };
    if (block.kind === 'reasoning') return { type: 'reasoning-start', id: block.id };
    return { type: 'tool-input-start', id: block.id, toolName: block.toolName };
  };
  const end = function* (block: OpenBlock): Generator<StreamPart> {
    if (block.kind === 'json' && block.input === '') yield { type: 'text-delta', id: block.id, delta: '{}' };
    if (block.kind === 'text' || block.kind === 'json') yield { type: 'text-end', id: block.id };
    else if (block.kind === 'reasoning') {
      const metadata = reasoningMetadata(block.signature, block.redacted);
      yield { type: 'reasoning-end', id: block.id, ...(metadata ? { providerMetadata: metadata } : {}) };
    } else {
      yield { type: 'tool-input-end', id: block.id };
      yield { type: 'tool-call', toolCallId: block.id, toolName: block.toolName, input: block.input || '{}' };
    }
  };

  for await (const event of events) {
    if (event.contentBlockStart) {
      const toolUse = event.contentBlockStart.start?.toolUse;
      if (toolUse) {
        const kind = options.jsonMode && toolUse.name === JSON_TOOL_NAME ? 'json' : 'tool';
        if (kind === 'tool') calledRealTools = true;
        const index = event.contentBlockStart.contentBlockIndex ?? 0;
        yield startPart(
          start(index, kind, kind === 'json' ? String(index) : (toolUse.toolUseId ?? ''), toolUse.name ?? ''),
        );
      }
    } else if (event.contentBlockDelta) {
      const index = event.contentBlockDelta.contentBlockIndex ?? 0;
      const delta = event.contentBlockDelta.delta;
      if (!delta) continue;
      let block = open.get(index);
      if (typeof delta.text === 'string') {
        if (!block) yield startPart((block = start(index, 'text')));
        if (delta.text.length > 0) yield { type: 'text-delta', id: block.id, delta: delta.text };
      } else if (delta.reasoningContent) {
        reasoned = true;
        if (!block) yield startPart((block = start(index, 'reasoning')));
        const reasoning = delta.reasoningContent;
        if (typeof reasoning.text === 'string' && reasoning.text.length > 0)
          yield { type: 'reasoning-delta', id: block.id, delta: reasoning.text };
        if (typeof reasoning.signature === 'string') block.signature = (block.signature ?? '') + reasoning.signature;
        if (reasoning.redactedContent) block.redacted = reasoning.redactedContent;
      } else if (delta.toolUse && block) {
        const piece = delta.toolUse.input ?? '';
        block.input += piece;
        if (piece.length > 0)
          yield block.kind === 'json'
            ? { type: 'text-delta', id: block.id, delta: piece }
            : { type: 'tool-input-delta', id: block.id, delta: piece };
      }
    } else if (event.contentBlockStop) {
      const index = event.contentBlockStop.contentBlockIndex ?? 0;
      const block = open.get(index);
      if (block) {
        open.delete(index);
        yield* end(block);
      }
    } else if (event.messageStop) {
      stopReason = event.messageStop.stopReason ?? 'end_turn';
    } else if (event.metadata) {
      usage = event.metadata.usage;
      latencyMs = event.metadata.metrics?.latencyMs;
    } else {
      for (const name of STREAM_EXCEPTIONS) {
        const exception = (event as unknown as Record<string, unknown>)[name] as { message?: string } | undefined;
        if (exception)
          throw Object.assign(new Error(exception.message ?? name), { name: name[0].toUpperCase() + name.slice(1) });
      }
    }
  }
  if (stopReason === undefined) {
    throw new GatewayError(
      'provider_connection',
      `${options.provider}: the stream ended before the model finished (no messageStop event)`,
      { provider: options.provider },
    );
  }
  for (const block of open.values()) yield* end(block);
  yield {
    type: 'finish',
    finishReason: finishReason(stopReason, options.jsonMode, calledRealTools),
    usage: bedrockUsage(usage, reasoned),
    ...(latencyMs === undefined ? {} : { providerMetadata: { bedrock: { latencyMs } } }),
  };
}
