/**
 * Canonical call options → `cohere-ai` v2 chat and embed requests (the SDK's camelCase input types,
 * which it serialises to Cohere's wire fields; keys it does not know pass through unchanged).
 *
 * @module
 */
import type { Cohere } from 'cohere-ai';
import { GatewayError } from '../../core/errors.js';
import { fileDataToBytes, fileToUrl, toolResultToText } from '../shared/provider-support.js';
import type { ProviderCall, ProviderEmbedCall } from '../provider.js';
import type {
  AssistantMessage,
  FilePart,
  Message,
  ProviderOptions,
  ReasoningEffort,
  TextPart,
  Warning,
} from '../../core/types.js';

/** The provider instance a request is built for. @example `{ type: 'cohere', name: 'cohere' }` */
export interface CohereTarget {
  readonly type: string;
  readonly name: string;
}

/**
 * The fields of the SDK's chat request: a passthrough key in wire spelling (`safety_mode`) is renamed to the SDK's
 * (`safetyMode`).
 */
const CHAT_FIELDS: ReadonlySet<string> = new Set<keyof Cohere.V2ChatRequest>([
  'model',
  'messages',
  'tools',
  'strictTools',
  'documents',
  'citationOptions',
  'responseFormat',
  'safetyMode',
  'maxTokens',
  'stopSequences',
  'temperature',
  'seed',
  'frequencyPenalty',
  'presencePenalty',
  'k',
  'p',
  'logprobs',
  'toolChoice',
  'thinking',
  'priority',
]);
const EMBED_FIELDS: ReadonlySet<string> = new Set<keyof Cohere.V2EmbedRequest>([
  'texts',
  'images',
  'model',
  'inputType',
  'inputs',
  'maxTokens',
  'outputDimension',
  'embeddingTypes',
  'truncate',
  'priority',
]);

/** Thinking token budgets for the canonical reasoning efforts. */
const THINKING_BUDGETS: Record<Exclude<ReasoningEffort, 'provider-default' | 'none'>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
  max: 65536,
};

/**
 * The vendor passthrough options of a call (`providerOptions[type]`, then `providerOptions[name]`),
 * with wire-spelled keys of known SDK fields renamed to the SDK's spelling; other keys are kept as
 * they are, and the SDK sends them unchanged.
 *
 * @example
 * ```ts
 * cohereVendorOptions({ cohere: { safety_mode: 'STRICT' } }, { type: 'cohere', name: 'cohere' }, 'chat'); // { safetyMode: 'STRICT' }
 * ```
 */
export function cohereVendorOptions(
  options: ProviderOptions | undefined,
  target: CohereTarget,
  kind: 'chat' | 'embed',
): Record<string, unknown> {
  const merged = { ...options?.[target.type], ...(target.name === target.type ? {} : options?.[target.name]) };
  const known = kind === 'chat' ? CHAT_FIELDS : EMBED_FIELDS;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(merged)) {
    const camel = key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    result[known.has(camel) ? camel : key] = value;
  }
  return result;
}

/** A user part: text, or an image as `image_url` (Cohere's vision models); text files are inlined. */
function userContent(part: TextPart | FilePart): Cohere.Content {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.mediaType.startsWith('image/')) return { type: 'image_url', imageUrl: { url: fileToUrl(part) } };
  if (part.mediaType.startsWith('text/') && part.data.type === 'data')
    return { type: 'text', text: Buffer.from(fileDataToBytes(part.data)).toString('utf8') };
  throw new GatewayError('invalid_request', `Cohere does not accept files of type ${part.mediaType} in a prompt`, {
    param: 'prompt',
  });
}

/**
 * An assistant message: text and thinking as content, tool calls with their arguments as JSON text,
 * and reasoning that came from a tool plan (`providerOptions.cohere.toolPlan`) back as `toolPlan`.
 */
function assistantMessages(message: AssistantMessage, target: CohereTarget): Cohere.ChatMessageV2[] {
  const content: Cohere.AssistantMessageV2ContentOneItem[] = [];
  const toolCalls: Cohere.ToolCallV2[] = [];
  const toolPlan: string[] = [];
  const results: Cohere.ChatMessageV2[] = [];
  for (const part of message.content) {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    else if (part.type === 'reasoning') {
      if (part.providerOptions?.[target.type]?.toolPlan === true) toolPlan.push(part.text);
      else content.push({ type: 'thinking', thinking: part.text });
    } else if (part.type === 'tool-call') {
      toolCalls.push({
        id: part.toolCallId,
        type: 'function',
        function: {
          name: part.toolName,
          arguments: typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {}),
        },
      });
    } else if (part.type === 'tool-result')
      results.push({ role: 'tool', toolCallId: part.toolCallId, content: toolResultToText(part.output) });
    else
      throw new GatewayError('invalid_request', 'Cohere does not accept files in assistant messages', {
        param: 'prompt',
      });
  }
  const assistant: Cohere.ChatMessageV2 = {
    role: 'assistant',
    ...(content.length > 0
      ? {
          content: content.every((item) => item.type === 'text')
            ? content.map((item) => (item as { text: string }).text).join('')
            : content,
        }
      : {}),
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(toolPlan.length > 0 ? { toolPlan: toolPlan.join('') } : {}),
  };
  return [assistant, ...results];
}

/**
 * The canonical prompt as Cohere v2 messages.
 *
 * @example
 * ```ts
 * cohereMessages([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], target); // [{ role: 'user', content: 'Hi' }]
 * ```
 */
export function cohereMessages(prompt: Message[], target: CohereTarget): Cohere.ChatMessageV2[] {
  return prompt.flatMap((message): Cohere.ChatMessageV2[] => {
    switch (message.role) {
      case 'system':
        return [{ role: 'system', content: message.content }];
      case 'user': {
        const content = message.content.map(userContent);
        return [
          {
            role: 'user',
            content: content.every((item) => item.type === 'text')
              ? content.map((item) => (item as { text: string }).text).join('')
              : content,
          },
        ];
      }
      case 'assistant':
        return assistantMessages(message, target);
      case 'tool':
        return message.content.map(
          (part): Cohere.ChatMessageV2 => ({
            role: 'tool',
            toolCallId: part.toolCallId,
            content: toolResultToText(part.output),
          }),
        );
    }
  });
}

/** Tools and tool choice: Cohere has no "this tool" choice, so it is sent as only that tool, required. */
function toolSettings(
  call: ProviderCall,
  warnings: Warning[],
): Pick<Cohere.V2ChatRequest, 'tools' | 'toolChoice' | 'strictTools'> {
  const choice = call.toolChoice;
  const chosen = choice?.type === 'tool' ? call.tools?.filter((tool) => tool.name === choice.toolName) : call.tools;
  if (choice?.type === 'tool' && !chosen?.length)
    throw new GatewayError('invalid_request', `toolChoice names the tool '${choice.toolName}', which is not in tools`, {
      param: 'toolChoice',
    });
  if (!chosen?.length) return {};
  const tools: Cohere.ToolV2[] = chosen.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.inputSchema,
    },
  }));
  const strict = chosen.filter((tool) => tool.strict === true).length;
  if (strict > 0 && strict < chosen.length) {
    warnings.push({
      type: 'compatibility',
      feature: 'strict',
      details: 'Cohere applies strict tool schemas to all tools or none; strict_tools was set for all',
    });
  }
  const toolChoice =
    choice?.type === 'required' || choice?.type === 'tool' ? 'REQUIRED' : choice?.type === 'none' ? 'NONE' : undefined;
  return { tools, ...(toolChoice ? { toolChoice } : {}), ...(strict > 0 ? { strictTools: true } : {}) };
}

function thinking(effort: ReasoningEffort | undefined): Cohere.Thinking | undefined {
  if (effort === undefined || effort === 'provider-default') return undefined;
  if (effort === 'none') return { type: 'disabled' };
  return { type: 'enabled', tokenBudget: THINKING_BUDGETS[effort] };
}

/**
 * Builds the SDK's chat request (every canonical option has a Cohere field) and its warnings.
 *
 * @example
 * ```ts
 * const { request } = buildCohereChatRequest(call, { type: 'cohere', name: 'cohere' });
 * await client.chat(request);
 * ```
 */
export function buildCohereChatRequest(
  call: ProviderCall,
  target: CohereTarget,
): { request: Cohere.V2ChatRequest; warnings: Warning[] } {
  const warnings: Warning[] = [];
  if (call.parallelToolCalls === false && call.tools?.length)
    warnings.push({
      type: 'unsupported',
      feature: 'parallelToolCalls',
      details: 'Cohere has no setting for parallel tool calls',
    });
  const format = call.responseFormat;
  const reasoning = thinking(call.reasoning);
  const request: Cohere.V2ChatRequest = {
    model: call.modelId,
    messages: cohereMessages(call.prompt, target),
    ...toolSettings(call, warnings),
    ...(call.maxOutputTokens === undefined ? {} : { maxTokens: call.maxOutputTokens }),
    ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
    ...(call.topP === undefined ? {} : { p: call.topP }),
    ...(call.topK === undefined ? {} : { k: call.topK }),
    ...(call.stopSequences?.length ? { stopSequences: call.stopSequences } : {}),
    ...(call.seed === undefined ? {} : { seed: call.seed }),
    ...(call.presencePenalty === undefined ? {} : { presencePenalty: call.presencePenalty }),
    ...(call.frequencyPenalty === undefined ? {} : { frequencyPenalty: call.frequencyPenalty }),
    ...(format?.type === 'json'
      ? { responseFormat: { type: 'json_object', ...(format.schema ? { jsonSchema: format.schema } : {}) } }
      : {}),
    ...(reasoning ? { thinking: reasoning } : {}),
    ...cohereVendorOptions(call.providerOptions, target, 'chat'),
  };
  return { request, warnings };
}

/**
 * Builds the SDK's embed request: float embeddings, `inputType` `search_document` unless the
 * passthrough options say otherwise, and an output dimension for `embed-v4` models only (other
 * models drop `dimensions` with a warning).
 *
 * @example
 * ```ts
 * const { request } = buildCohereEmbedRequest({ modelId: 'embed-v4.0', values: ['hi'], dimensions: 256, abortSignal }, target);
 * ```
 */
export function buildCohereEmbedRequest(
  call: ProviderEmbedCall,
  target: CohereTarget,
): { request: Cohere.V2EmbedRequest; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const request: Cohere.V2EmbedRequest = {
    model: call.modelId,
    texts: call.values,
    inputType: 'search_document',
    embeddingTypes: ['float'],
  };
  if (call.dimensions !== undefined) {
    if (call.modelId.startsWith('embed-v4')) request.outputDimension = call.dimensions;
    else
      warnings.push({
        type: 'unsupported',
        feature: 'dimensions',
        details: `${call.modelId} has a fixed output dimension; dimensions was dropped`,
      });
  }
  return { request: { ...request, ...cohereVendorOptions(call.providerOptions, target, 'embed') }, warnings };
}
