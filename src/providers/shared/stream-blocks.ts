/**
 * Vendor-neutral bookkeeping for turning a vendor's deltas into V4 stream parts: text and reasoning
 * blocks that open and close around their deltas, and tool input that starts, grows and ends in a
 * tool call.
 *
 * @module
 */
import type { ProviderMetadata, StreamPart } from '../../core/types.js';

/**
 * Opens and closes text and reasoning blocks: a delta of one kind closes an open block of the other,
 * and each block gets its own id (`text-0`, `reasoning-1`, ...). A reasoning delta with other
 * provider metadata than the open block's (say, a tool plan after thinking) starts a new block, whose
 * start part carries that metadata.
 *
 * @example
 * ```ts
 * const blocks = new StreamBlocks();
 * blocks.reasoning('Thinking'); // [reasoning-start, reasoning-delta]
 * blocks.text('Hi');            // [reasoning-end, text-start, text-delta]
 * blocks.close();               // [text-end]
 * ```
 */
export class StreamBlocks {
  private open: { kind: 'text' | 'reasoning'; id: string; metadata: string } | undefined;
  private count = 0;

  /** Parts for a text delta. */
  text(delta: string): StreamPart[] {
    return this.delta('text', delta);
  }

  /** Parts for a reasoning delta. */
  reasoning(delta: string, providerMetadata?: ProviderMetadata): StreamPart[] {
    return this.delta('reasoning', delta, providerMetadata);
  }

  /**
   * Parts for a text or reasoning delta that carries provider metadata of its own (a thought
   * signature): the delta part holds the metadata, and is sent even when its text is empty.
   */
  annotated(kind: 'text' | 'reasoning', delta: string, providerMetadata: ProviderMetadata): StreamPart[] {
    return this.delta(kind, delta, undefined, providerMetadata);
  }

  /** The end part of the open block, if any. */
  close(): StreamPart[] {
    const open = this.open;
    this.open = undefined;
    if (!open) return [];
    return [open.kind === 'text' ? { type: 'text-end', id: open.id } : { type: 'reasoning-end', id: open.id }];
  }

  private delta(
    kind: 'text' | 'reasoning',
    delta: string,
    providerMetadata?: ProviderMetadata,
    deltaMetadata?: ProviderMetadata,
  ): StreamPart[] {
    if (delta === '' && !deltaMetadata) return [];
    const parts: StreamPart[] = [];
    const metadata = providerMetadata ? JSON.stringify(providerMetadata) : '';
    if (this.open?.kind !== kind || this.open.metadata !== metadata) {
      parts.push(...this.close());
      const id = `${kind}-${this.count++}`;
      this.open = { kind, id, metadata };
      const extra = providerMetadata ? { providerMetadata } : {};
      parts.push(kind === 'text' ? { type: 'text-start', id, ...extra } : { type: 'reasoning-start', id, ...extra });
    }
    const id = (this.open as { id: string }).id;
    const own = deltaMetadata ? { providerMetadata: deltaMetadata } : {};
    parts.push(
      kind === 'text' ? { type: 'text-delta', id, delta, ...own } : { type: 'reasoning-delta', id, delta, ...own },
    );
    return parts;
  }
}

/**
 * Tool calls whose input arrives in pieces, keyed by the vendor's index: `start` and `append` give
 * the `tool-input-start` / `tool-input-delta` parts, `finish` the `tool-input-end` and `tool-call`
 * parts of every call (an empty input becomes `{}`).
 *
 * @example
 * ```ts
 * const calls = new ToolInputs();
 * calls.start(0, 'call_1', 'weather'); // [tool-input-start]
 * calls.append(0, '{"city":"Paris"}'); // [tool-input-delta]
 * calls.finish();                      // [tool-input-end, tool-call]
 * ```
 */
export class ToolInputs {
  private readonly calls = new Map<number, { id: string; name: string; input: string; ended: boolean }>();

  /** Whether a call with this index has started. */
  has(index: number): boolean {
    return this.calls.has(index);
  }

  /** Starts a call (a second start of the same index is ignored). */
  start(index: number, id: string, name: string): StreamPart[] {
    if (this.calls.has(index)) return [];
    this.calls.set(index, { id, name, input: '', ended: false });
    return [{ type: 'tool-input-start', id, toolName: name }];
  }

  /** Appends a piece of a call's JSON input. */
  append(index: number, piece: string): StreamPart[] {
    const call = this.calls.get(index);
    if (!call || piece === '') return [];
    call.input += piece;
    return [{ type: 'tool-input-delta', id: call.id, delta: piece }];
  }

  /** Ends one call: its `tool-input-end` and `tool-call` parts. */
  end(index: number): StreamPart[] {
    const call = this.calls.get(index);
    if (!call || call.ended) return [];
    call.ended = true;
    return [
      { type: 'tool-input-end', id: call.id },
      { type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.input || '{}' },
    ];
  }

  /** Ends every call not ended yet, in index order. */
  finish(): StreamPart[] {
    return [...this.calls.keys()].sort((a, b) => a - b).flatMap((index) => this.end(index));
  }
}
