/**
 * `@google/genai` responses → canonical results and V4 stream parts: thought parts as reasoning,
 * function calls as tool calls (with stable ids, since Gemini usually sends none, and their thought
 * signatures as provider metadata), grounding sources, finish reasons and usage (Gemini's
 * `candidatesTokenCount` excludes `thoughtsTokenCount`; the output total is their sum).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Candidate, GenerateContentResponse, GenerateContentResponseUsageMetadata, Part } from '@google/genai';
import { GatewayError } from '../../core/errors.js';
import { makeUsage } from '../shared/provider-support.js';
import type { ProviderGenerateResult } from '../provider.js';
import { StreamBlocks, ToolInputs } from '../shared/stream-blocks.js';
import type { ContentPart, FinishReason, ProviderMetadata, StreamPart, Usage, Warning } from '../../core/types.js';
import type { GeminiTarget } from './google-request.js';

/** Finish reasons that mean a safety or policy filter stopped the answer. */
const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'MODEL_ARMOR',
  'ESCALATION',
  'PUP_LIMITED_DISABLED',
]);
/** Finish reasons that mean the model produced an invalid function call. */
const FAILED = new Set([
  'MALFORMED_FUNCTION_CALL',
  'UNEXPECTED_TOOL_CALL',
  'MALFORMED_RESPONSE',
  'MISSING_THOUGHT_SIGNATURE',
]);

/**
 * Maps a Gemini finish reason; `STOP` with function calls is `tool-calls` (Gemini has no own value for it).
 *
 * @example
 * ```ts
 * geminiFinishReason('MAX_TOKENS', false); // { unified: 'length', raw: 'MAX_TOKENS' }
 * ```
 */
export function geminiFinishReason(raw: string | undefined, hasToolCalls: boolean): FinishReason {
  if (raw === 'STOP') return { unified: hasToolCalls ? 'tool-calls' : 'stop', raw };
  if (raw === 'MAX_TOKENS') return { unified: 'length', raw };
  if (raw !== undefined && FILTERED.has(raw)) return { unified: 'content-filter', raw };
  if (raw !== undefined && FAILED.has(raw)) return { unified: 'error', raw };
  if (raw === undefined && hasToolCalls) return { unified: 'tool-calls' };
  return raw === undefined ? { unified: 'other' } : { unified: 'other', raw };
}

/**
 * Maps Gemini's usage metadata: the prompt count includes cached tokens; the input adds the tokens of
 * tool results fed back to the model (`toolUsePromptTokenCount`: search grounding, code execution),
 * which the prompt count leaves out; output is candidates plus thoughts (`totalTokenCount` is the sum
 * of all four).
 *
 * @example
 * ```ts
 * geminiUsage({ promptTokenCount: 120, cachedContentTokenCount: 100, candidatesTokenCount: 30, thoughtsTokenCount: 10 });
 * // input total 120 (cacheRead 100), output total 40 (reasoning 10)
 * ```
 */
export function geminiUsage(usage: GenerateContentResponseUsageMetadata | undefined): Usage {
  const candidates = usage?.candidatesTokenCount;
  const thoughts = usage?.thoughtsTokenCount;
  const output =
    candidates === undefined && thoughts === undefined
      ? usage?.promptTokenCount === undefined
        ? undefined
        : 0
      : (candidates ?? 0) + (thoughts ?? 0);
  const prompt = usage?.promptTokenCount;
  const toolUse = usage?.toolUsePromptTokenCount ?? 0;
  const input = prompt === undefined && toolUse === 0 ? undefined : (prompt ?? 0) + toolUse;
  return makeUsage({ inputTotal: input, cacheRead: usage?.cachedContentTokenCount, output, reasoning: thoughts });
}

/** Provider metadata carrying a part's thought signature, keyed by the provider type. */
function signatureMetadata(part: Part, target: GeminiTarget): { providerMetadata?: ProviderMetadata } {
  return part.thoughtSignature
    ? { providerMetadata: { [target.type]: { thoughtSignature: part.thoughtSignature } } }
    : {};
}

/** The id of a function call: the one Gemini sent, else one derived from the response id and position. */
function toolCallId(part: Part, responseKey: string, index: number): string {
  return part.functionCall?.id || `${responseKey}-call-${index}`;
}

/** Web sources a grounded answer cites. */
function sources(candidate: Candidate | undefined): Array<Extract<ContentPart, { type: 'source' }>> {
  const chunks = candidate?.groundingMetadata?.groundingChunks ?? [];
  return chunks.flatMap((chunk, index) => {
    const uri = chunk.web?.uri ?? chunk.retrievedContext?.uri;
    if (!uri) return [];
    const title = chunk.web?.title ?? chunk.retrievedContext?.title;
    return [
      {
        type: 'source' as const,
        sourceType: 'url' as const,
        id: `source-${index}`,
        url: uri,
        ...(title ? { title } : {}),
      },
    ];
  });
}

/**
 * Maps a `generateContent` response. A prompt blocked before generation (no candidates, a
 * `promptFeedback.blockReason`) finishes with `content-filter`; no candidates at all is a bad response.
 *
 * @example
 * ```ts
 * const result = geminiResult(await client.models.generateContent(params), warnings, { type: 'google', name: 'google' });
 * ```
 */
export function geminiResult(
  response: GenerateContentResponse,
  warnings: Warning[],
  target: GeminiTarget,
): ProviderGenerateResult {
  const meta = {
    ...(response.responseId ? { responseId: response.responseId } : {}),
    ...(response.modelVersion ? { responseModelId: response.modelVersion } : {}),
  };
  const candidate = response.candidates?.[0];
  if (!candidate) {
    const blockReason = response.promptFeedback?.blockReason;
    if (blockReason)
      return {
        content: [],
        finishReason: { unified: 'content-filter', raw: blockReason },
        usage: geminiUsage(response.usageMetadata),
        warnings,
        ...meta,
      };
    throw new GatewayError('provider_bad_response', `${target.name}: the response has no candidates`, {
      provider: target.name,
    });
  }
  const responseKey = response.responseId ?? randomUUID();
  const content: ContentPart[] = [];
  let calls = 0;
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) {
      const input = JSON.stringify(part.functionCall.args ?? {});
      content.push({
        type: 'tool-call',
        toolCallId: toolCallId(part, responseKey, calls),
        toolName: part.functionCall.name ?? '',
        input,
        ...signatureMetadata(part, target),
      });
      calls += 1;
    } else if (typeof part.text === 'string' && (part.text !== '' || part.thoughtSignature)) {
      content.push({ type: part.thought ? 'reasoning' : 'text', text: part.text, ...signatureMetadata(part, target) });
    } else if (part.inlineData?.data) {
      content.push({
        type: 'file',
        mediaType: part.inlineData.mimeType ?? 'application/octet-stream',
        data: part.inlineData.data,
      });
    }
  }
  content.push(...sources(candidate));
  return {
    content,
    finishReason: geminiFinishReason(candidate.finishReason, calls > 0),
    usage: geminiUsage(response.usageMetadata),
    warnings,
    ...meta,
  };
}

/**
 * A function call whose arguments arrive in pieces (Vertex AI's `streamFunctionCallArguments`): a
 * first part with the name and `willContinue`, then parts with `partialArgs` (a JSON path and a
 * value each; a string value with `willContinue` goes on in the next piece for the same path), the
 * last without `willContinue`.
 */
class StreamedCall {
  readonly args: Record<string, unknown> = {};
  signature: string | undefined;
  private readonly continuing = new Set<string>();

  constructor(
    readonly index: number,
    readonly name: string,
    readonly id: string | undefined,
  ) {}

  add(part: Part): void {
    const call = part.functionCall ?? {};
    if (part.thoughtSignature) this.signature = part.thoughtSignature;
    if (call.args) Object.assign(this.args, call.args);
    for (const piece of call.partialArgs ?? []) {
      const path = piece.jsonPath ?? '$';
      const value =
        piece.stringValue ?? piece.numberValue ?? piece.boolValue ?? (piece.nullValue !== undefined ? null : undefined);
      if (value === undefined) continue;
      const append = typeof value === 'string' && this.continuing.has(path);
      setAtJsonPath(this.args, path, value, append);
      if (piece.willContinue) this.continuing.add(path);
      else this.continuing.delete(path);
    }
  }
}

/** The steps of a JSON path (`$.a.b[0]['c']`): member names and array indices. */
function jsonPathSteps(path: string): Array<string | number> {
  const steps: Array<string | number> = [];
  const step = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const match of path.replace(/^\$/, '').matchAll(step)) {
    steps.push(match[2] !== undefined ? Number(match[2]) : (match[1] ?? match[3] ?? match[4]).replace(/\\(.)/g, '$1'));
  }
  return steps;
}

/** Sets (or, for a string going on, appends to) the value at a JSON path, making the objects and arrays on the way. */
function setAtJsonPath(root: Record<string, unknown>, path: string, value: unknown, append: boolean): void {
  const steps = jsonPathSteps(path);
  if (steps.length === 0) return;
  let container: Record<string | number, unknown> = root;
  for (const [position, key] of steps.entries()) {
    if (position === steps.length - 1) {
      const previous = container[key];
      container[key] = append && typeof previous === 'string' ? previous + (value as string) : value;
      return;
    }
    const next = container[key];
    if (typeof next !== 'object' || next === null) container[key] = typeof steps[position + 1] === 'number' ? [] : {};
    container = container[key] as Record<string | number, unknown>;
  }
}

/**
 * Maps a `generateContentStream` to V4 stream parts. Gemini usually sends each function call whole,
 * so a call becomes `tool-input-start`, one `tool-input-delta` with the whole JSON, `tool-input-end`
 * and `tool-call`; a call whose arguments are streamed in pieces (`partialArgs`, `willContinue`) is
 * gathered and ends the same way when its last piece arrives. Thought signatures on text and thought
 * parts ride on their delta parts as provider metadata. A stream that ends without a finish reason,
 * or an SDK failure (a cut connection, an error event), throws a `GatewayError` made by `toError`; an
 * abort throws `aborted`.
 *
 * @example
 * ```ts
 * const parts = geminiStreamParts(await client.models.generateContentStream(params), { target, warnings, signal, toError });
 * ```
 */
export async function* geminiStreamParts(
  chunks: AsyncIterable<GenerateContentResponse>,
  context: { target: GeminiTarget; warnings: Warning[]; signal: AbortSignal; toError(error: unknown): GatewayError },
): AsyncGenerator<StreamPart> {
  yield { type: 'stream-start', warnings: context.warnings };
  const blocks = new StreamBlocks();
  const tools = new ToolInputs();
  const cited = new Set<string>();
  let responseKey: string | undefined;
  let calls = 0;
  let finishReason: string | undefined;
  let blockReason: string | undefined;
  let usage: GenerateContentResponseUsageMetadata | undefined;
  let streamed: StreamedCall | undefined;
  const finishStreamedCall = function* (): Generator<StreamPart> {
    const call = streamed as StreamedCall;
    streamed = undefined;
    yield* tools.append(call.index, JSON.stringify(call.args));
    const metadata = call.signature
      ? { providerMetadata: { [context.target.type]: { thoughtSignature: call.signature } } }
      : {};
    yield* tools.end(call.index).map((ended) => (ended.type === 'tool-call' ? { ...ended, ...metadata } : ended));
  };
  try {
    for await (const chunk of chunks) {
      if (responseKey === undefined) {
        responseKey = chunk.responseId ?? randomUUID();
        const timestamp = chunk.createTime ? new Date(chunk.createTime) : undefined;
        yield {
          type: 'response-metadata',
          id: chunk.responseId,
          modelId: chunk.modelVersion,
          ...(timestamp && !Number.isNaN(timestamp.getTime()) ? { timestamp } : {}),
        };
      }
      if (chunk.usageMetadata) usage = chunk.usageMetadata;
      if (chunk.promptFeedback?.blockReason) blockReason = chunk.promptFeedback.blockReason;
      const candidate = chunk.candidates?.[0];
      for (const part of candidate?.content?.parts ?? []) {
        if (part.functionCall) {
          const call = part.functionCall;
          if (streamed && (!call.name || call.name === streamed.name) && (!call.id || call.id === streamed.id)) {
            // The next piece of a call whose arguments are streamed (streamFunctionCallArguments).
            streamed.add(part);
            if (!call.willContinue) yield* finishStreamedCall();
            continue;
          }
          if (streamed) yield* finishStreamedCall();
          const index = calls++;
          yield* blocks.close();
          yield* tools.start(index, toolCallId(part, responseKey, index), call.name ?? '');
          if (call.willContinue) {
            streamed = new StreamedCall(index, call.name ?? '', call.id);
            streamed.add(part);
            continue;
          }
          yield* tools.append(index, JSON.stringify(call.args ?? {}));
          const metadata = signatureMetadata(part, context.target);
          yield* tools.end(index).map((ended) => (ended.type === 'tool-call' ? { ...ended, ...metadata } : ended));
        } else if (typeof part.text === 'string') {
          const kind = part.thought ? 'reasoning' : 'text';
          const { providerMetadata } = signatureMetadata(part, context.target);
          yield* providerMetadata
            ? blocks.annotated(kind, part.text, providerMetadata)
            : kind === 'reasoning'
              ? blocks.reasoning(part.text)
              : blocks.text(part.text);
        } else if (part.inlineData?.data) {
          yield* blocks.close();
          yield {
            type: 'file',
            mediaType: part.inlineData.mimeType ?? 'application/octet-stream',
            data: part.inlineData.data,
          };
        }
      }
      for (const source of sources(candidate)) {
        if (cited.has(source.url)) continue;
        cited.add(source.url);
        yield { ...source, id: `source-${cited.size - 1}` };
      }
      if (candidate?.finishReason) finishReason = candidate.finishReason;
    }
  } catch (error) {
    throw context.toError(error);
  }
  if (context.signal.aborted) throw context.toError(context.signal.reason);
  const provider = context.target.name;
  if (finishReason === undefined && blockReason === undefined) {
    throw new GatewayError('provider_connection', `${provider}: the stream ended before the response was complete`, {
      provider,
    });
  }
  if (streamed) yield* finishStreamedCall();
  yield* blocks.close();
  const finish =
    finishReason === undefined
      ? { unified: 'content-filter' as const, raw: blockReason }
      : geminiFinishReason(finishReason, calls > 0);
  yield { type: 'finish', finishReason: finish, usage: geminiUsage(usage) };
}
