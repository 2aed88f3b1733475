/**
 * Router stream parts as the Responses API's named server-sent events, in the order OpenAI sends them:
 * `response.created`, `response.in_progress`, then per output item `response.output_item.added`, its content
 * (`response.content_part.added`, `response.output_text.delta` / `.done`, `response.content_part.done`;
 * `response.function_call_arguments.delta` / `.done`; `response.reasoning_summary_*`),
 * `response.output_item.done`, and last `response.completed` (or `response.incomplete`) with the whole
 * response and its usage. Every event carries a `sequence_number`. A failure after content began is an
 * `error` event, which the openai SDK raises.
 *
 * @module
 */
import type { GatewayError } from '../../../core/errors.js';
import type { ProviderMetadata, StreamPart } from '../../../core/types.js';
import { sseEvent, type StreamEncoder } from '../../sse-stream.js';
import {
  encryptedReasoning,
  functionCallItem,
  itemId,
  outputText,
  reasoningItem,
  responseObject,
  responseStatus,
  responseUsage,
  type ResponseOutputItem,
} from './responses-output.js';
import type { ResponseSettings } from './responses-validation.js';

interface OpenItem {
  item: ResponseOutputItem;
  index: number;
  kind: 'message' | 'reasoning' | 'function_call';
  text: string;
  /** For reasoning: the stream part id it holds, whether its summary part was announced, its vendor metadata. */
  partId?: string;
  summaryOpen?: boolean;
  metadata?: ProviderMetadata;
}

/**
 * Encodes one router stream as Responses API events; `onFinish` sees the final response (to store it) before
 * `response.completed` is sent.
 *
 * @example
 * ```ts
 * const encoder = new ResponseEventEncoder('resp_1', settings, async (response) => store.save(account, { response, items }));
 * return streamResponse(stream, context.abort, encoder);
 * ```
 */
export class ResponseEventEncoder implements StreamEncoder {
  private sequence = 0;
  private readonly createdAt = Math.floor(Date.now() / 1000);
  private readonly output: ResponseOutputItem[] = [];
  /** The open message or reasoning item (at most one). */
  private open: OpenItem | undefined;
  /** Function calls whose arguments are still streaming, by call id. */
  private readonly calls = new Map<string, OpenItem>();
  /** The metadata of a `reasoning-start` whose item opens with its first delta. */
  private pendingMetadata: ProviderMetadata | undefined;

  constructor(
    private readonly id: string,
    private readonly settings: ResponseSettings,
    private readonly onFinish?: (response: Record<string, unknown>, output: ResponseOutputItem[]) => Promise<void>,
  ) {}

  private event(type: string, fields: Record<string, unknown>): string {
    return sseEvent({ type, sequence_number: this.sequence++, ...fields }, type);
  }

  private snapshot(status: 'in_progress'): Record<string, unknown> {
    return responseObject({
      id: this.id,
      createdAt: this.createdAt,
      settings: this.settings,
      status,
      output: [],
      usage: null,
    });
  }

  start(): string {
    return (
      this.event('response.created', { response: this.snapshot('in_progress') }) +
      this.event('response.in_progress', { response: this.snapshot('in_progress') })
    );
  }

  part(part: StreamPart): string | Promise<string> {
    switch (part.type) {
      case 'text-delta':
        if (!part.delta) return '';
        return this.ensureOpen('message') + this.textDelta(part.delta);
      case 'reasoning-start': {
        const text = this.open?.kind === 'reasoning' && this.open.partId !== part.id ? this.closeOpen() : '';
        this.pendingMetadata = part.providerMetadata;
        return text;
      }
      case 'reasoning-delta':
        if (!part.delta) return '';
        return this.ensureOpen('reasoning', part.id) + this.reasoningDelta(part.delta, part.providerMetadata);
      case 'reasoning-end': {
        const metadata = mergeMetadata(this.pendingMetadata, part.providerMetadata);
        this.pendingMetadata = undefined;
        if (this.open?.kind !== 'reasoning' || this.open.partId !== part.id) {
          // Reasoning without text (redacted thinking) is still an item, for its metadata.
          if (!metadata) return '';
          const text = this.ensureOpen('reasoning', part.id);
          (this.open as OpenItem).metadata = metadata;
          return text + this.closeOpen();
        }
        this.open.metadata = mergeMetadata(this.open.metadata, metadata);
        return this.closeOpen();
      }
      case 'tool-input-start':
        return this.closeOpen() + this.startCall(part.id, part.toolName);
      case 'tool-input-delta': {
        const call = this.calls.get(part.id);
        if (!call || !part.delta) return '';
        call.text += part.delta;
        return this.event('response.function_call_arguments.delta', {
          item_id: call.item.id,
          output_index: call.index,
          delta: part.delta,
        });
      }
      case 'tool-call': {
        let text = '';
        if (!this.calls.has(part.toolCallId)) text += this.closeOpen() + this.startCall(part.toolCallId, part.toolName);
        return text + this.finishCall(part.toolCallId, part.input);
      }
      case 'finish':
        return this.finish(part);
      default:
        return '';
    }
  }

  private ensureOpen(kind: 'message' | 'reasoning', partId?: string): string {
    if (this.open?.kind === kind && (kind === 'message' || this.open.partId === partId)) return '';
    let text = this.closeOpen();
    const index = this.output.length;
    if (kind === 'message') {
      const item: ResponseOutputItem = {
        id: itemId('msg'),
        type: 'message',
        status: 'in_progress',
        role: 'assistant',
        content: [],
      };
      this.output.push(item);
      this.open = { item, index, kind, text: '' };
      text += this.event('response.output_item.added', { output_index: index, item: structuredClone(item) });
      text += this.event('response.content_part.added', {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: outputText(''),
      });
    } else {
      const item: ResponseOutputItem = { id: itemId('rs'), type: 'reasoning', summary: [] };
      this.output.push(item);
      this.open = { item, index, kind, text: '', partId, summaryOpen: false, metadata: this.pendingMetadata };
      this.pendingMetadata = undefined;
      text += this.event('response.output_item.added', { output_index: index, item: structuredClone(item) });
    }
    return text;
  }

  private textDelta(delta: string): string {
    const open = this.open as OpenItem;
    open.text += delta;
    return this.event('response.output_text.delta', {
      item_id: open.item.id,
      output_index: open.index,
      content_index: 0,
      delta,
      logprobs: [],
    });
  }

  private reasoningDelta(delta: string, metadata: ProviderMetadata | undefined): string {
    const open = this.open as OpenItem;
    open.text += delta;
    open.metadata = mergeMetadata(open.metadata, metadata);
    let text = '';
    if (!open.summaryOpen) {
      open.summaryOpen = true;
      text += this.event('response.reasoning_summary_part.added', {
        item_id: open.item.id,
        output_index: open.index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
    }
    return (
      text +
      this.event('response.reasoning_summary_text.delta', {
        item_id: open.item.id,
        output_index: open.index,
        summary_index: 0,
        delta,
      })
    );
  }

  /** Ends the open message or reasoning item. */
  private closeOpen(status: 'completed' | 'incomplete' = 'completed'): string {
    const open = this.open;
    if (!open) return '';
    this.open = undefined;
    const { item, index } = open;
    if (open.kind === 'message') {
      const part = outputText(open.text);
      item.status = status;
      item.content = [part];
      return (
        this.event('response.output_text.done', {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          text: open.text,
          logprobs: [],
        }) +
        this.event('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part }) +
        this.event('response.output_item.done', { output_index: index, item: structuredClone(item) })
      );
    }
    const final = reasoningItem(item.id, open.text, encryptedReasoning(open.metadata));
    Object.assign(item, final);
    let text = '';
    if (open.summaryOpen) {
      const part = { type: 'summary_text', text: open.text };
      text +=
        this.event('response.reasoning_summary_text.done', {
          item_id: item.id,
          output_index: index,
          summary_index: 0,
          text: open.text,
        }) +
        this.event('response.reasoning_summary_part.done', {
          item_id: item.id,
          output_index: index,
          summary_index: 0,
          part,
        });
    }
    return text + this.event('response.output_item.done', { output_index: index, item: structuredClone(item) });
  }

  private startCall(callId: string, name: string): string {
    const index = this.output.length;
    const item = functionCallItem(itemId('fc'), callId, name, '', 'in_progress');
    this.output.push(item);
    this.calls.set(callId, { item, index, kind: 'function_call', text: '' });
    return this.event('response.output_item.added', { output_index: index, item: structuredClone(item) });
  }

  private finishCall(
    callId: string,
    args: string | undefined,
    status: 'completed' | 'incomplete' = 'completed',
  ): string {
    const call = this.calls.get(callId);
    if (!call) return '';
    this.calls.delete(callId);
    const { item, index } = call;
    const final = args ?? call.text;
    let text = '';
    // A call whose arguments arrived whole (no deltas) still gets one delta, as OpenAI always sends one.
    if (call.text === '' && final !== '')
      text += this.event('response.function_call_arguments.delta', {
        item_id: item.id,
        output_index: index,
        delta: final,
      });
    item.arguments = final;
    item.status = status;
    text += this.event('response.function_call_arguments.done', {
      item_id: item.id,
      output_index: index,
      name: item.name,
      arguments: final,
    });
    return text + this.event('response.output_item.done', { output_index: index, item: structuredClone(item) });
  }

  private async finish(part: Extract<StreamPart, { type: 'finish' }>): Promise<string> {
    const { status, incompleteDetails } = responseStatus(part.finishReason);
    let text = this.closeOpen(status);
    for (const callId of [...this.calls.keys()]) text += this.finishCall(callId, undefined, status);
    const response = responseObject({
      id: this.id,
      createdAt: this.createdAt,
      settings: this.settings,
      status,
      output: this.output,
      usage: responseUsage(part.usage),
      incompleteDetails,
    });
    await this.onFinish?.(response, this.output);
    return text + this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
  }

  error(error: GatewayError): string {
    return this.event('error', { code: error.code, message: error.message, param: error.param ?? null });
  }

  end(): string {
    return '';
  }
}

function mergeMetadata(
  first: ProviderMetadata | undefined,
  second: ProviderMetadata | undefined,
): ProviderMetadata | undefined {
  if (!first) return second;
  if (!second) return first;
  const merged: ProviderMetadata = { ...first };
  for (const [vendor, fields] of Object.entries(second)) merged[vendor] = { ...merged[vendor], ...fields };
  return merged;
}
