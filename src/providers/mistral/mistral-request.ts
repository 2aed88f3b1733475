/**
 * Canonical call options → the `@mistralai/mistralai` chat and embedding requests (the SDK's
 * camelCase input types, which it serialises to Mistral's wire fields).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type {
  ChatCompletionRequest,
  ChatCompletionRequestMessage,
  ContentChunk,
  EmbeddingRequest,
  ResponseFormat,
  ToolCall,
} from '@mistralai/mistralai/models/components';
import { GatewayError } from '../../core/errors.js';
import { fileDataToBytes, fileToUrl, toolResultToText } from '../shared/provider-support.js';
import type { ProviderCall, ProviderEmbedCall } from '../provider.js';
import type {
  AssistantMessage,
  FilePart,
  Message,
  ProviderOptions,
  ToolResultOutput,
  ToolResultPart,
  Warning,
} from '../../core/types.js';

/** The provider instance a request is built for. @example `{ type: 'mistral', name: 'mistral-eu' }` */
export interface MistralTarget {
  readonly type: string;
  readonly name: string;
}

const TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Mistral accepts only tool-call ids of 9 characters from `[a-zA-Z0-9]`. Ids of that form are kept;
 * any other id (from another vendor, or written by hand) is mapped to one deterministically, so that
 * an assistant's tool call and the tool result that answers it keep matching.
 *
 * @example
 * ```ts
 * mistralToolCallId('call_1') === mistralToolCallId('call_1'); // true, and 9 characters long
 * mistralToolCallId('aB3dE5gH9'); // 'aB3dE5gH9'
 * ```
 */
export function mistralToolCallId(id: string): string {
  if (TOOL_CALL_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  return Array.from(digest.subarray(0, 9), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

/**
 * The vendor passthrough options of a call: `providerOptions[type]` merged with
 * `providerOptions[instance name]` (the instance's win).
 *
 * @example
 * ```ts
 * mistralVendorOptions({ mistral: { safePrompt: true } }, { type: 'mistral', name: 'mistral' }); // { safePrompt: true }
 * ```
 */
export function mistralVendorOptions(
  options: ProviderOptions | undefined,
  target: MistralTarget,
): Record<string, unknown> {
  return { ...options?.[target.type], ...(target.name === target.type ? {} : options?.[target.name]) };
}

/** `safe_prompt` → `safePrompt`: passthrough keys may use the wire's or the SDK's spelling. */
function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * Passthrough options in the SDK's spelling. Keys the SDK's request schema does not know would be
 * dropped by its serialiser, so they are dropped here with a warning instead.
 */
function passthrough(
  options: Record<string, unknown>,
  knownFields: ReadonlySet<string> | undefined,
  warnings: Warning[],
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const field = camelCase(key);
    if (knownFields && !knownFields.has(field)) {
      warnings.push({
        type: 'other',
        message: `providerOptions key '${key}' is not a Mistral request field and was dropped`,
      });
      continue;
    }
    result[field] = value;
  }
  return result;
}

/** A file in a user message: images as `image_url`, PDFs as `document_url`, text files inline. */
function fileChunk(part: FilePart): ContentChunk {
  if (part.mediaType.startsWith('image/')) return { type: 'image_url', imageUrl: fileToUrl(part) };
  if (part.mediaType === 'application/pdf')
    return {
      type: 'document_url',
      documentUrl: fileToUrl(part),
      ...(part.filename ? { documentName: part.filename } : {}),
    };
  if (part.mediaType.startsWith('text/') && part.data.type === 'data')
    return { type: 'text', text: Buffer.from(fileDataToBytes(part.data)).toString('utf8') };
  throw new GatewayError('invalid_request', `Mistral does not accept files of type ${part.mediaType} in a prompt`, {
    param: 'prompt',
  });
}

/** A chunk list as a plain string when it holds only text (the most compatible form). */
function simplify(chunks: ContentChunk[]): string | ContentChunk[] {
  return chunks.every((chunk) => chunk.type === 'text')
    ? chunks.map((chunk) => (chunk as { text: string }).text).join('')
    : chunks;
}

/** A tool result's content: text, or text and image chunks for `content` outputs. */
function toolResultContent(output: ToolResultOutput): string | ContentChunk[] {
  if (output.type !== 'content') return toolResultToText(output);
  return simplify(
    output.value.map(
      (item): ContentChunk =>
        item.type === 'text'
          ? { type: 'text', text: item.text }
          : item.mediaType.startsWith('image/')
            ? { type: 'image_url', imageUrl: `data:${item.mediaType};base64,${item.data}` }
            : { type: 'text', text: `[${item.mediaType}]` },
    ),
  );
}

function toolMessage(part: ToolResultPart): ChatCompletionRequestMessage {
  return {
    role: 'tool',
    toolCallId: mistralToolCallId(part.toolCallId),
    name: part.toolName,
    content: toolResultContent(part.output),
  };
}

function assistantMessages(message: AssistantMessage, target: MistralTarget): ChatCompletionRequestMessage[] {
  const chunks: ContentChunk[] = [];
  const toolCalls: ToolCall[] = [];
  const results: ChatCompletionRequestMessage[] = [];
  for (const part of message.content) {
    if (part.type === 'text') chunks.push({ type: 'text', text: part.text });
    else if (part.type === 'reasoning')
      chunks.push({ type: 'thinking', thinking: [{ type: 'text', text: part.text }] });
    else if (part.type === 'tool-call') {
      toolCalls.push({
        id: mistralToolCallId(part.toolCallId),
        type: 'function',
        function: {
          name: part.toolName,
          arguments: typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {}),
        },
      });
    } else if (part.type === 'tool-result') results.push(toolMessage(part));
    else
      throw new GatewayError('invalid_request', 'Mistral does not accept files in assistant messages', {
        param: 'prompt',
      });
  }
  const prefix = mistralVendorOptions(message.providerOptions, target).prefix === true;
  const assistant: ChatCompletionRequestMessage = {
    role: 'assistant',
    ...(chunks.length > 0 ? { content: simplify(chunks) } : {}),
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(prefix ? { prefix } : {}),
  };
  return [assistant, ...results];
}

/**
 * The canonical prompt as Mistral messages.
 *
 * @example
 * ```ts
 * mistralMessages([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], target); // [{ role: 'user', content: 'Hi' }]
 * ```
 */
export function mistralMessages(prompt: Message[], target: MistralTarget): ChatCompletionRequestMessage[] {
  return prompt.flatMap((message): ChatCompletionRequestMessage[] => {
    switch (message.role) {
      case 'system':
        return [{ role: 'system', content: message.content }];
      case 'user':
        return [
          {
            role: 'user',
            content: simplify(
              message.content.map((part) =>
                part.type === 'text' ? { type: 'text' as const, text: part.text } : fileChunk(part),
              ),
            ),
          },
        ];
      case 'assistant':
        return assistantMessages(message, target);
      case 'tool':
        return message.content.map(toolMessage);
    }
  });
}

/**
 * The response format; `@ai-sdk/mistral`'s `structuredOutputs: false` asks for plain JSON mode,
 * `strictJsonSchema: false` for a lax schema.
 */
function responseFormat(call: ProviderCall, options: Record<string, unknown>): ResponseFormat | undefined {
  const format = call.responseFormat;
  if (!format || format.type === 'text') return undefined;
  if (!format.schema || options.structuredOutputs === false) return { type: 'json_object' };
  return {
    type: 'json_schema',
    jsonSchema: {
      name: format.name ?? 'response',
      ...(format.description ? { description: format.description } : {}),
      schemaDefinition: format.schema,
      strict: options.strictJsonSchema !== false,
    },
  };
}

/** `@ai-sdk/mistral` options that are no request field: read above, never passed through. */
const AI_SDK_ONLY_OPTIONS = ['structuredOutputs', 'strictJsonSchema'];

function toolChoice(call: ProviderCall): ChatCompletionRequest['toolChoice'] {
  const choice = call.toolChoice;
  if (!choice || !call.tools?.length) return undefined;
  if (choice.type === 'tool') return { type: 'function', function: { name: choice.toolName } };
  return choice.type === 'required' ? 'any' : choice.type;
}

/**
 * The wire `reasoning_effort`. Mistral's SDK types list six efforts, but its published API spec and
 * its adjustable-reasoning docs list `none` and `high` only: `minimal` is sent as `none`, the rest
 * as `high`, with a warning when that changes the effort.
 */
function reasoningEffort(call: ProviderCall, warnings: Warning[]): ChatCompletionRequest['reasoningEffort'] {
  const effort = call.reasoning;
  if (effort === undefined || effort === 'provider-default') return undefined;
  if (effort === 'none' || effort === 'high') return effort;
  const mapped = effort === 'minimal' ? 'none' : 'high';
  warnings.push({
    type: 'compatibility',
    feature: 'reasoning',
    details: `Mistral takes reasoning effort 'none' or 'high'; '${effort}' was sent as '${mapped}'`,
  });
  return mapped;
}

/**
 * Builds the SDK's chat request and the warnings for what Mistral cannot honour (`topK`).
 * `knownFields` (the SDK's request fields, when known) lets unknown passthrough keys be reported.
 *
 * @example
 * ```ts
 * const { request, warnings } = buildMistralChatRequest(call, { type: 'mistral', name: 'mistral' });
 * await client.chat.complete(request);
 * ```
 */
export function buildMistralChatRequest(
  call: ProviderCall,
  target: MistralTarget,
  knownFields?: ReadonlySet<string>,
): { request: ChatCompletionRequest; warnings: Warning[] } {
  const warnings: Warning[] = [];
  if (call.topK !== undefined)
    warnings.push({ type: 'unsupported', feature: 'topK', details: 'Mistral has no top-k sampling; topK was dropped' });
  const tools = call.tools?.map((tool) => ({
    type: 'function' as const,
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.inputSchema,
      ...(tool.strict === undefined ? {} : { strict: tool.strict }),
    },
  }));
  const request: ChatCompletionRequest = {
    model: call.modelId,
    messages: mistralMessages(call.prompt, target),
    ...(call.maxOutputTokens === undefined ? {} : { maxTokens: call.maxOutputTokens }),
    ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
    ...(call.topP === undefined ? {} : { topP: call.topP }),
    ...(call.stopSequences?.length ? { stop: call.stopSequences } : {}),
    ...(call.seed === undefined ? {} : { randomSeed: call.seed }),
    ...(call.presencePenalty === undefined ? {} : { presencePenalty: call.presencePenalty }),
    ...(call.frequencyPenalty === undefined ? {} : { frequencyPenalty: call.frequencyPenalty }),
    ...(tools?.length ? { tools } : {}),
  };
  const choice = toolChoice(call);
  if (choice !== undefined) request.toolChoice = choice;
  const vendorOptions = mistralVendorOptions(call.providerOptions, target);
  const format = responseFormat(call, vendorOptions);
  if (format) request.responseFormat = format;
  for (const key of AI_SDK_ONLY_OPTIONS) delete vendorOptions[key];
  const effort = reasoningEffort(call, warnings);
  if (effort !== undefined) request.reasoningEffort = effort;
  if (call.parallelToolCalls !== undefined && tools?.length) request.parallelToolCalls = call.parallelToolCalls;
  Object.assign(request, passthrough(vendorOptions, knownFields, warnings));
  return { request, warnings };
}

/**
 * Builds the SDK's embedding request. Only `codestral-embed` takes an output dimension; for other
 * models `dimensions` is dropped with a warning.
 *
 * @example
 * ```ts
 * const { request } = buildMistralEmbeddingRequest({ modelId: 'mistral-embed', values: ['hi'], abortSignal }, target);
 * ```
 */
export function buildMistralEmbeddingRequest(
  call: ProviderEmbedCall,
  target: MistralTarget,
  knownFields?: ReadonlySet<string>,
): { request: EmbeddingRequest; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const request: EmbeddingRequest = { model: call.modelId, inputs: call.values };
  if (call.dimensions !== undefined) {
    if (call.modelId.startsWith('codestral-embed')) request.outputDimension = call.dimensions;
    else
      warnings.push({
        type: 'unsupported',
        feature: 'dimensions',
        details: `${call.modelId} has a fixed output dimension; dimensions was dropped`,
      });
  }
  Object.assign(request, passthrough(mistralVendorOptions(call.providerOptions, target), knownFields, warnings));
  return { request, warnings };
}
