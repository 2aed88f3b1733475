/**
 * What the exact cache stores, and how a stored answer becomes a result or a stream again.
 *
 * A language entry holds the answer's result (without the fields that belong to one request: ids,
 * attempts, latency, cost) and, when it was streamed, its parts, replayed as they came. An embedding
 * entry holds one value's vector and its share of the call's tokens and cost.
 *
 * @module
 */
import type { CostBreakdown } from '../../core/events.js';
import type { CacheHit, EmbedManyResult, GenerateResult } from '../../router/router-types.js';
import type { ProviderMetadata, StreamPart, Usage } from '../../core/types.js';

/** What an entry keeps of a result: JSON leaves out the fields that were undefined. */
type StoredResult = Pick<
  GenerateResult,
  | 'model'
  | 'provider'
  | 'providerType'
  | 'providerModelId'
  | 'credentialType'
  | 'text'
  | 'content'
  | 'toolCalls'
  | 'finishReason'
  | 'usage'
  | 'warnings'
> & { reasoningText?: string; providerMetadata?: ProviderMetadata; responseId?: string };

/**
 * A stored language answer.
 *
 * @example
 * ```ts
 * const entry: LanguageEntry = languageEntry(result, parts, Date.now());
 * ```
 */
export interface LanguageEntry {
  v: 1;
  kind: 'language';
  /** Epoch milliseconds when the answer was made. */
  createdAt: number;
  /** What the answer cost upstream, in nano-dollars. */
  costNano: number;
  result: StoredResult;

  /** The stream parts, when the answer was streamed (dates as ISO strings). */
  parts?: StreamPart[];
}

/**
 * A stored embedding of one value.
 *
 * @example
 * ```ts
 * const entry: EmbeddingEntry = { v: 1, kind: 'embedding', createdAt: Date.now(), model, provider, providerModelId, embedding: encodeVector(vector), tokens: 3, costNano: 60 };
 * ```
 */
export interface EmbeddingEntry {
  v: 1;
  kind: 'embedding';
  createdAt: number;
  model: string;
  provider: string;
  providerModelId: string;
  /** The vector as base64 of its float64 bytes (exact, and far quicker to read back than JSON numbers). */
  embedding: string;
  /** This value's share of the call's tokens and cost (by length). */
  tokens: number;
  costNano: number;
}

/**
 * A vector as base64 of its float64 bytes (little-endian, as every platform Node runs on).
 *
 * @example
 * ```ts
 * decodeVector(encodeVector([0.1, -2])); // [0.1, -2]
 * ```
 */
export function encodeVector(vector: readonly number[]): string {
  return Buffer.from(Float64Array.from(vector).buffer).toString('base64');
}

/** The vector of {@link encodeVector}'s text. @example `decodeVector(entry.embedding)` */
export function decodeVector(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const length = bytes.byteLength >>> 3;
  // A pooled buffer may start off an 8-byte boundary: then the bytes are copied to one that does not.
  const floats =
    bytes.byteOffset % 8 === 0
      ? new Float64Array(bytes.buffer, bytes.byteOffset, length)
      : new Float64Array(new Uint8Array(bytes).buffer, 0, length);
  // An indexed copy: `Array.from` of a typed array goes through its iterator, some 20 times slower.
  const vector = new Array<number>(length);
  for (let index = 0; index < length; index += 1) vector[index] = floats[index];
  return vector;
}

/**
 * The entry of a complete language answer.
 *
 * @example
 * ```ts
 * const text = JSON.stringify(languageEntry(result, undefined, Date.now()));
 * ```
 */
export function languageEntry(
  result: GenerateResult,
  parts: StreamPart[] | undefined,
  createdAt: number,
): LanguageEntry {
  return {
    v: 1,
    kind: 'language',
    createdAt,
    costNano: result.cost.total,
    result: {
      model: result.model,
      provider: result.provider,
      providerType: result.providerType,
      providerModelId: result.providerModelId,
      credentialType: result.credentialType,
      text: result.text,
      reasoningText: result.reasoningText,
      content: result.content,
      toolCalls: result.toolCalls,
      finishReason: result.finishReason,
      usage: result.usage,
      warnings: result.warnings,
      providerMetadata: result.providerMetadata,
      responseId: result.responseId,
    },
    parts: parts?.filter((part) => part.type !== 'raw'),
  };
}

/**
 * Parses a stored entry of the expected kind, or undefined when the text is not one (another version,
 * a damaged value): such an entry is a miss.
 *
 * @example
 * ```ts
 * const entry = parseEntry(text, 'language');
 * ```
 */
export function parseEntry<K extends 'language' | 'embedding'>(
  text: string,
  kind: K,
): (K extends 'language' ? LanguageEntry : EmbeddingEntry) | undefined {
  try {
    const entry = JSON.parse(text) as { v?: unknown; kind?: unknown };
    return entry && entry.v === 1 && entry.kind === kind
      ? (entry as K extends 'language' ? LanguageEntry : EmbeddingEntry)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A cost of nothing: what a hit costs the caller. */
function zeroCost(): CostBreakdown {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
}

/** Usage with every count present (JSON leaves out the unknown ones). */
function fullUsage(usage: Usage): Usage {
  return {
    inputTokens: {
      total: usage.inputTokens?.total,
      noCache: usage.inputTokens?.noCache,
      cacheRead: usage.inputTokens?.cacheRead,
      cacheWrite: usage.inputTokens?.cacheWrite,
    },
    outputTokens: {
      total: usage.outputTokens?.total,
      text: usage.outputTokens?.text,
      reasoning: usage.outputTokens?.reasoning,
    },
  };
}

/**
 * The result a hit answers with: the stored answer, this request's ids, no attempt and no cost.
 *
 * @example
 * ```ts
 * const result = resultOfEntry(entry, run, { status: 'hit', key });
 * ```
 */
export function resultOfEntry(
  entry: LanguageEntry,
  ids: { requestId: string; generationId: string; startTime: number },
  cache: GenerateResult['cache'],
  now: number,
): GenerateResult {
  const stored = entry.result;
  return {
    requestId: ids.requestId,
    generationId: ids.generationId,
    model: stored.model,
    provider: stored.provider,
    providerType: stored.providerType,
    providerModelId: stored.providerModelId,
    credentialType: stored.credentialType,
    text: stored.text,
    reasoningText: stored.reasoningText,
    content: stored.content,
    toolCalls: stored.toolCalls,
    finishReason: stored.finishReason,
    usage: fullUsage(stored.usage),
    cost: zeroCost(),
    attempts: [],
    warnings: stored.warnings,
    providerMetadata: stored.providerMetadata,
    responseId: stored.responseId,
    latencyMs: Math.max(0, now - ids.startTime),
    cache,
  };
}

/**
 * The parts a streamed hit replays: the stored ones (dates restored, usage whole), or, for an answer that
 * was not streamed, parts made from its content, as a provider would have streamed them.
 *
 * @example
 * ```ts
 * for (const part of partsOfEntry(entry)) yield part;
 * ```
 */
export function partsOfEntry(entry: LanguageEntry): StreamPart[] {
  if (entry.parts) {
    return entry.parts.map((part) => {
      if (part.type === 'response-metadata' && part.timestamp !== undefined)
        return { ...part, timestamp: new Date(part.timestamp) };
      if (part.type === 'finish') return { ...part, usage: fullUsage(part.usage) };
      return part;
    });
  }
  const stored = entry.result;
  const parts: StreamPart[] = [{ type: 'stream-start', warnings: stored.warnings }];
  parts.push({ type: 'response-metadata', id: stored.responseId, modelId: stored.providerModelId });
  for (const [index, content] of stored.content.entries()) {
    const id = String(index);
    if (content.type === 'text' || content.type === 'reasoning') {
      const kind = content.type;
      parts.push(
        { type: `${kind}-start`, id },
        { type: `${kind}-delta`, id, delta: content.text },
        { type: `${kind}-end`, id },
      );
    } else if (content.type === 'tool-call') {
      const call = content.toolCallId;
      parts.push(
        { type: 'tool-input-start', id: call, toolName: content.toolName },
        { type: 'tool-input-delta', id: call, delta: content.input },
        { type: 'tool-input-end', id: call },
        content,
      );
    } else {
      parts.push(content);
    }
  }
  parts.push({
    type: 'finish',
    finishReason: stored.finishReason,
    usage: fullUsage(stored.usage),
    ...(stored.providerMetadata ? { providerMetadata: stored.providerMetadata } : {}),
  });
  return parts;
}

/**
 * Each value's share of an embedding call's tokens and cost, by length (whole numbers; the shares add
 * up to the totals).
 *
 * @example
 * ```ts
 * shares(10, ['ab', 'abc']); // [4, 6]
 * ```
 */
export function shares(total: number, values: readonly string[]): number[] {
  const lengths = values.map((value) => Math.max(1, value.length));
  const sum = lengths.reduce((a, b) => a + b, 0);
  let given = 0;
  return lengths.map((length, index) => {
    if (index === lengths.length - 1) return total - given;
    const share = Math.floor((total * length) / sum);
    given += share;
    return share;
  });
}

/**
 * An embedding result answered wholly from the cache.
 *
 * @example
 * ```ts
 * const result = embedResultOfEntries(entries, run, cache);
 * ```
 */
export function embedResultOfEntries(
  entries: readonly EmbeddingEntry[],
  ids: { requestId: string; generationId: string },
  cache: EmbedManyResult['cache'],
): EmbedManyResult {
  const first = entries[0];
  return {
    requestId: ids.requestId,
    generationId: ids.generationId,
    model: first?.model ?? '',
    provider: first?.provider ?? '',
    providerModelId: first?.providerModelId ?? '',
    embeddings: entries.map((entry) => decodeVector(entry.embedding)),
    usage: { tokens: 0 },
    cost: zeroCost(),
    attempts: [],
    warnings: [],
    cache,
  };
}

/**
 * What the router's hooks are told of a language hit: its saved cost and the offering that made the answer.
 *
 * @example
 * ```ts
 * const pending = router.recordCacheHit(run, { kind: 'exact', ...languageHit(entry) });
 * ```
 */
export function languageHit(entry: LanguageEntry): Omit<CacheHit, 'kind'> {
  const stored = entry.result;
  return {
    savedCostNano: entry.costNano,
    model: stored.model,
    provider: stored.provider,
    providerType: stored.providerType,
    providerModelId: stored.providerModelId,
    finishReason: stored.finishReason.unified,
  };
}
