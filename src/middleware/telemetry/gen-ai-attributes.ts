/**
 * The OpenTelemetry GenAI semantic conventions as switchyard maps them: provider names, operation names,
 * finish reasons, and (only when content recording is opted in) messages in the conventions' JSON shape.
 * The gateway's own attributes are under `switchyard.`.
 *
 * @module
 */
import { redactSecrets } from '../../core/errors.js';
import type { FinishReason, Message } from '../../core/types.js';
import type { GenerateResult } from '../../router/router-types.js';
import type { OperationName } from '../middleware.js';

/**
 * A span or metric attribute value (the OpenTelemetry API's `AttributeValue`, without arrays of mixed type).
 *
 * @example
 * ```ts
 * const value: AttributeValue = ['stop'];
 * ```
 */
export type AttributeValue = string | number | boolean | string[] | number[];

/**
 * Attributes by name.
 *
 * @example
 * ```ts
 * const attributes: Attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'openai/gpt-4o' };
 * ```
 */
export type Attributes = Record<string, AttributeValue>;

/** The `gen_ai.provider.name` of each provider type (the conventions' well-known values). */
const PROVIDER_NAMES: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  mistral: 'mistral_ai',
  bedrock: 'aws.bedrock',
  cohere: 'cohere',
  xai: 'x_ai',
};

/**
 * The `gen_ai.provider.name` of a provider type: the conventions' value (`aws.bedrock`, `gcp.gemini`...), or
 * the type itself for one the conventions do not name.
 *
 * @example
 * ```ts
 * genAiProviderName('bedrock'); // 'aws.bedrock'
 * ```
 */
export function genAiProviderName(providerType: string): string {
  return PROVIDER_NAMES[providerType] ?? providerType;
}

/**
 * The `gen_ai.operation.name` of an operation: `chat` for text (generated or streamed), `embeddings`.
 *
 * @example
 * ```ts
 * genAiOperationName('stream'); // 'chat'
 * ```
 */
export function genAiOperationName(operation: OperationName): string {
  return operation === 'embed' ? 'embeddings' : 'chat';
}

const FINISH_REASONS: Record<FinishReason['unified'], string> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  error: 'error',
  interrupted: 'interrupted',
  other: 'other',
};

/**
 * A finish reason as `gen_ai.response.finish_reasons` spells it (`tool_calls`, `content_filter`, ...).
 *
 * @example
 * ```ts
 * genAiFinishReason('tool-calls'); // 'tool_calls'
 * ```
 */
export function genAiFinishReason(reason: FinishReason['unified']): string {
  return FINISH_REASONS[reason] ?? reason;
}

/**
 * Sets an attribute when the value is defined (OpenTelemetry drops `undefined` with a warning).
 *
 * @example
 * ```ts
 * put(attributes, 'gen_ai.request.temperature', request.temperature);
 * ```
 */
export function put(attributes: Attributes, key: string, value: AttributeValue | undefined): void {
  if (value !== undefined) attributes[key] = value;
}

interface ContentPartJson {
  type: string;
  [key: string]: unknown;
}

/**
 * The prompt as the conventions' opt-in attributes: `gen_ai.system_instructions` and `gen_ai.input.messages`,
 * as JSON strings, with anything that looks like a credential redacted. Only called when content recording
 * is opted in.
 *
 * @example
 * ```ts
 * inputContent([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
 * // { messages: '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]' }
 * ```
 */
export function inputContent(prompt: readonly Message[]): { system?: string; messages: string } {
  const system: ContentPartJson[] = [];
  const messages: Array<{ role: string; parts: ContentPartJson[] }> = [];
  for (const message of prompt) {
    if (message.role === 'system') {
      system.push({ type: 'text', content: message.content });
      continue;
    }
    const parts: ContentPartJson[] = [];
    for (const part of message.content) {
      if (part.type === 'text') parts.push({ type: 'text', content: part.text });
      else if (part.type === 'reasoning') parts.push({ type: 'reasoning', content: part.text });
      else if (part.type === 'file') parts.push({ type: 'blob', mime_type: part.mediaType });
      else if (part.type === 'tool-call')
        parts.push({ type: 'tool_call', id: part.toolCallId, name: part.toolName, arguments: part.input });
      else if (part.type === 'tool-result')
        parts.push({
          type: 'tool_call_response',
          id: part.toolCallId,
          result: 'value' in part.output ? part.output.value : part.output,
        });
    }
    messages.push({ role: message.role, parts });
  }
  return {
    ...(system.length > 0 ? { system: redactSecrets(JSON.stringify(system)) } : {}),
    messages: redactSecrets(JSON.stringify(messages)),
  };
}

/**
 * The answer as `gen_ai.output.messages` (a JSON string, credentials redacted). Only called when content
 * recording is opted in.
 *
 * @example
 * ```ts
 * outputContent(result); // '[{"role":"assistant","parts":[{"type":"text","content":"Hello!"}],"finish_reason":"stop"}]'
 * ```
 */
export function outputContent(result: GenerateResult): string {
  const parts: ContentPartJson[] = [];
  if (result.text) parts.push({ type: 'text', content: result.text });
  for (const call of result.toolCalls)
    parts.push({ type: 'tool_call', id: call.toolCallId, name: call.toolName, arguments: call.input });
  const message = { role: 'assistant', parts, finish_reason: genAiFinishReason(result.finishReason.unified) };
  return redactSecrets(JSON.stringify([message]));
}
