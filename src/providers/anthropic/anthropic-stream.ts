/**
 * Anthropic's server-sent message events → canonical stream parts.
 *
 * @module
 */
import type { RawMessageStreamEvent, StopReason } from '@anthropic-ai/sdk/resources/messages';
import { GatewayError } from '../../core/errors.js';
import type { StreamPart, Warning } from '../../core/types.js';
import {
  anthropicMetadata,
  mapFinishReason,
  mapUsage,
  reasoningMetadata,
  type AnthropicUsage,
} from './anthropic-response.js';

/** What one open content block is, while its deltas arrive. */
type OpenBlock =
  | { kind: 'text'; id: string }
  | { kind: 'reasoning'; id: string; signature?: string }
  | { kind: 'tool'; id: string; toolName: string; input: string; startInput: unknown }
  | { kind: 'json'; id: string; sentText: boolean; startInput: unknown }
  | { kind: 'ignored' };

/**
 * What the stream mapper needs besides the events.
 *
 * @example
 * ```ts
 * const context: MessageStreamContext = { warnings: [], jsonToolName: undefined, provider: 'anthropic', signal, toError: (error) => toGatewayError(error, { provider: 'anthropic', signal }) };
 * ```
 */
export interface MessageStreamContext {
  warnings: Warning[];
  jsonToolName: string | undefined;
  provider: string;
  signal: AbortSignal;
  toError: (error: unknown) => GatewayError;
}

/** Input that arrived whole in `content_block_start` rather than as deltas. */
function initialInput(input: unknown): string {
  return input !== null && typeof input === 'object' && Object.keys(input).length > 0 ? JSON.stringify(input) : '';
}

/** Maps the events of one message; keeps the state between them. */
class MessageStreamMapper {
  private readonly blocks = new Map<number, OpenBlock>();
  private usage: AnthropicUsage = {};
  private stopReason: StopReason | null = null;
  private stopSequence: string | null = null;
  private calledRealTools = false;
  private started = false;
  finished = false;

  constructor(
    private readonly jsonToolName: string | undefined,
    private readonly provider: string,
  ) {}

  *map(event: RawMessageStreamEvent): Generator<StreamPart> {
    switch (event.type) {
      case 'message_start':
        // One stream is one message: a second message_start before message_stop is not Anthropic's protocol.
        if (this.started)
          throw new GatewayError(
            'provider_bad_response',
            `${this.provider}: the stream started a second message before message_stop`,
            { provider: this.provider },
          );
        this.started = true;
        this.usage = { ...event.message.usage };
        yield { type: 'response-metadata', id: event.message.id, modelId: event.message.model };
        break;
      case 'content_block_start':
        yield* this.start(event.index, event.content_block);
        break;
      case 'content_block_delta':
        yield* this.delta(event.index, event.delta);
        break;
      case 'content_block_stop':
        yield* this.stop(event.index);
        break;
      case 'message_delta': {
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        this.stopSequence = event.delta.stop_sequence ?? this.stopSequence;
        const update: AnthropicUsage = event.usage;
        for (const key of [
          'input_tokens',
          'cache_read_input_tokens',
          'cache_creation_input_tokens',
          'cache_creation',
          'output_tokens',
          'output_tokens_details',
        ] as const) {
          if (update[key] !== undefined && update[key] !== null) Object.assign(this.usage, { [key]: update[key] });
        }
        break;
      }
      case 'message_stop':
        this.finished = true;
        yield {
          type: 'finish',
          finishReason: mapFinishReason(this.stopReason, this.calledRealTools),
          usage: mapUsage(this.usage),
          providerMetadata: anthropicMetadata(this.usage, this.stopSequence),
        };
        break;
    }
  }

  private *start(
    index: number,
    block: Extract<RawMessageStreamEvent, { type: 'content_block_start' }>['content_block'],
  ): Generator<StreamPart> {
    const id = String(index);
    switch (block.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text', id });
        yield { type: 'text-start', id };
        if (block.text) yield { type: 'text-delta', id, delta: block.text };
        return;
      case 'thinking':
        this.blocks.set(index, { kind: 'reasoning', id, signature: block.signature || undefined });
        yield { type: 'reasoning-start', id };
        if (block.thinking) yield { type: 'reasoning-delta', id, delta: block.thinking };
        return;
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'ignored' });
        yield { type: 'reasoning-start', id, providerMetadata: reasoningMetadata({ redactedData: block.data }) };
        yield { type: 'reasoning-end', id, providerMetadata: reasoningMetadata({ redactedData: block.data }) };
        return;
      case 'tool_use':
        if (block.name === this.jsonToolName) {
          this.blocks.set(index, { kind: 'json', id, sentText: false, startInput: block.input });
          yield { type: 'text-start', id };
          return;
        }
        this.calledRealTools = true;
        this.blocks.set(index, {
          kind: 'tool',
          id: block.id,
          toolName: block.name,
          input: '',
          startInput: block.input,
        });
        yield { type: 'tool-input-start', id: block.id, toolName: block.name };
        return;
      default:
        this.blocks.set(index, { kind: 'ignored' }); // server-tool blocks
    }
  }

  private *delta(
    index: number,
    delta: Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>['delta'],
  ): Generator<StreamPart> {
    const block = this.blocks.get(index);
    if (!block || block.kind === 'ignored') return;
    if (delta.type === 'text_delta' && block.kind === 'text')
      yield { type: 'text-delta', id: block.id, delta: delta.text };
    else if (delta.type === 'thinking_delta' && block.kind === 'reasoning')
      yield { type: 'reasoning-delta', id: block.id, delta: delta.thinking };
    else if (delta.type === 'signature_delta' && block.kind === 'reasoning')
      block.signature = (block.signature ?? '') + delta.signature;
    else if (delta.type === 'input_json_delta' && delta.partial_json !== '') {
      if (block.kind === 'json') {
        block.sentText = true;
        yield { type: 'text-delta', id: block.id, delta: delta.partial_json };
      } else if (block.kind === 'tool') {
        block.input += delta.partial_json;
        yield { type: 'tool-input-delta', id: block.id, delta: delta.partial_json };
      }
    }
  }

  private *stop(index: number): Generator<StreamPart> {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    if (!block) return;
    switch (block.kind) {
      case 'text':
        yield { type: 'text-end', id: block.id };
        return;
      case 'reasoning':
        yield {
          type: 'reasoning-end',
          id: block.id,
          ...(block.signature ? { providerMetadata: reasoningMetadata({ signature: block.signature }) } : {}),
        };
        return;
      case 'json': {
        const whole = initialInput(block.startInput);
        if (!block.sentText) yield { type: 'text-delta', id: block.id, delta: whole || '{}' };
        yield { type: 'text-end', id: block.id };
        return;
      }
      case 'tool': {
        let input = block.input;
        if (input === '') {
          input = initialInput(block.startInput);
          if (input !== '') yield { type: 'tool-input-delta', id: block.id, delta: input };
        }
        yield { type: 'tool-input-end', id: block.id };
        yield { type: 'tool-call', toolCallId: block.id, toolName: block.toolName, input: input || '{}' };
        return;
      }
    }
  }
}

/**
 * Maps the SDK's event stream to canonical parts: `stream-start` first, `finish` at `message_stop`.
 * An upstream failure, an abort, a stream that ends before `message_stop` or one that starts a second
 * message before it (`provider_bad_response`) makes the iteration throw a `GatewayError`.
 *
 * @example
 * ```ts
 * for await (const part of mapMessageStream(sdkStream, context)) console.log(part.type);
 * ```
 */
export async function* mapMessageStream(
  events: AsyncIterable<RawMessageStreamEvent>,
  context: MessageStreamContext,
): AsyncGenerator<StreamPart> {
  yield { type: 'stream-start', warnings: context.warnings };
  const mapper = new MessageStreamMapper(context.jsonToolName, context.provider);
  try {
    for await (const event of events) {
      if (mapper.finished) continue;
      yield* mapper.map(event);
    }
  } catch (error) {
    throw context.toError(error);
  }
  // The SDK ends its iteration quietly when the request is aborted.
  if (context.signal.aborted) throw context.toError(context.signal.reason);
  if (!mapper.finished) {
    throw new GatewayError('provider_connection', `${context.provider}: the stream ended before message_stop`, {
      provider: context.provider,
    });
  }
}
