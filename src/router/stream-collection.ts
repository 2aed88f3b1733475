/**
 * Stream collection: where a stream's first content part is (written once: the router holds the parts
 * before it so that a failure fails over invisibly, and the HTTP layer holds them so that a failure is
 * still an ordinary HTTP error), and the result a stream's parts add up to.
 *
 * @module
 */
import {
  CONTENT_PART_TYPES,
  type ContentPart,
  type ProviderMetadata,
  type StreamPart,
  type Warning,
} from '../core/types.js';

/**
 * Whether a part ends the held prefix of a stream: content (text, reasoning, a tool call, a file...) or
 * the finish.
 *
 * @example
 * ```ts
 * if (isFirstContent(part)) return part;
 * ```
 */
export function isFirstContent(part: StreamPart): boolean {
  return part.type === 'finish' || CONTENT_PART_TYPES.has(part.type);
}

/**
 * Reads a stream up to its first content part (see {@link isFirstContent}), keeping the parts before it
 * in `held`. Resolves with that part, or undefined when the stream ended before one; an `error` part
 * rejects with its error.
 *
 * @example
 * ```ts
 * const held: StreamPart[] = [];
 * const first = await readUntilContent(iterator, held);
 * ```
 */
export async function readUntilContent(
  iterator: AsyncIterator<StreamPart>,
  held: StreamPart[],
): Promise<StreamPart | undefined> {
  for (;;) {
    const next = await iterator.next();
    if (next.done) return undefined;
    const part = next.value;
    if (part.type === 'error') throw part.error;
    if (isFirstContent(part)) return part;
    held.push(part);
  }
}

/** A text or reasoning part of a streamed result while its deltas arrive. */
type TextBuffer = { type: 'text' | 'reasoning'; text: string; providerMetadata?: ProviderMetadata };

/**
 * The result the parts of a stream add up to: content, warnings, the response id and the finish.
 *
 * @example
 * ```ts
 * const collector = new StreamCollector();
 * for (const part of parts) collector.collect(part);
 * console.log(collector.content, collector.finish?.usage);
 * ```
 */
export class StreamCollector {
  readonly content: ContentPart[] = [];
  readonly warnings: Warning[] = [];
  finish: Extract<StreamPart, { type: 'finish' }> | undefined = undefined;
  responseId: string | undefined = undefined;
  private readonly buffers = new Map<string, TextBuffer>();

  /** Adds one part. */
  collect(part: StreamPart): void {
    switch (part.type) {
      case 'stream-start':
        this.warnings.push(...part.warnings);
        break;
      case 'response-metadata':
        this.responseId = part.id ?? this.responseId;
        break;
      case 'text-start':
      case 'reasoning-start': {
        const buffer: TextBuffer = { type: part.type === 'text-start' ? 'text' : 'reasoning', text: '' };
        this.buffers.set(`${buffer.type}:${part.id}`, buffer);
        this.content.push(buffer as ContentPart);
        if (part.providerMetadata) mergeMetadata(buffer, part.providerMetadata);
        break;
      }
      case 'text-delta':
      case 'reasoning-delta': {
        const kind = part.type === 'text-delta' ? 'text' : 'reasoning';
        let buffer = this.buffers.get(`${kind}:${part.id}`);
        if (!buffer) {
          buffer = { type: kind, text: '' };
          this.buffers.set(`${kind}:${part.id}`, buffer);
          this.content.push(buffer as ContentPart);
        }
        buffer.text += part.delta;
        if (part.providerMetadata) mergeMetadata(buffer, part.providerMetadata);
        break;
      }
      case 'text-end':
      case 'reasoning-end': {
        // Thinking signatures and redacted thinking arrive on the block's parts: the result keeps them, as generate's
        // does.
        const kind = part.type === 'text-end' ? 'text' : 'reasoning';
        const buffer = part.providerMetadata && this.buffers.get(`${kind}:${part.id}`);
        if (buffer) mergeMetadata(buffer, part.providerMetadata as ProviderMetadata);
        break;
      }
      case 'tool-call':
        this.content.push({
          type: 'tool-call',
          toolCallId: part.toolCallId,
          toolName: part.toolName,
          input: part.input,
          ...(part.providerMetadata ? { providerMetadata: part.providerMetadata } : {}),
        });
        break;
      case 'file':
      case 'source':
        this.content.push(part);
        break;
      case 'finish':
        this.finish = part;
        break;
    }
  }
}

/** Adds a stream part's provider metadata to a part of the result (per provider, later keys win). */
function mergeMetadata(buffer: TextBuffer, metadata: ProviderMetadata): void {
  const merged: ProviderMetadata = { ...buffer.providerMetadata };
  for (const [provider, values] of Object.entries(metadata)) merged[provider] = { ...merged[provider], ...values };
  buffer.providerMetadata = merged;
}
