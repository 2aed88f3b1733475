/**
 * Canonical call options → an OpenAI Chat Completions request body (shared by every provider that
 * speaks the OpenAI protocol through the `openai` SDK: `openai`, `xai`).
 *
 * @module
 */
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { GatewayError } from '../../core/errors.js';
import { fileDataToBase64, fileToUrl, toolResultToText } from '../shared/provider-support.js';
import type { ProviderCall } from '../provider.js';
import type {
  AssistantMessage,
  FilePart,
  Message,
  ProviderOptions,
  ReasoningEffort,
  TextPart,
  ToolCallPart,
  Warning,
} from '../../core/types.js';

/** A sampling setting of the call options that a model may not accept. @example `'presencePenalty'` */
export type SamplingSetting =
  | 'temperature'
  | 'topP'
  | 'topK'
  | 'presencePenalty'
  | 'frequencyPenalty'
  | 'stopSequences'
  | 'seed';

/**
 * What differs between vendors that speak the OpenAI protocol. The provider classes implement it.
 *
 * @example
 * ```ts
 * const dialect: OpenAIChatDialect = {
 *   type: 'openai', name: 'openai',
 *   reasoningEffort: (effort) => (effort === 'provider-default' ? undefined : effort),
 *   unsupportedSettings: () => new Set(['topK']),
 *   reasoningText: () => undefined,
 * };
 * ```
 */
export interface OpenAIChatDialect {
  /** The provider type: a key of `providerOptions` and of the result's `providerMetadata`. */
  readonly type: string;
  /** The instance name: also a key of `providerOptions`. */
  readonly name: string;
  /**
   * The wire `reasoning_effort` for a canonical effort, or `undefined` to send none (with warnings where it changes the
   * request).
   */
  reasoningEffort(effort: ReasoningEffort, modelId: string, warnings: Warning[]): string | undefined;
  /** The sampling settings the model does not accept (dropped with an `unsupported` warning). */
  unsupportedSettings(modelId: string, reasoningEffort: string | undefined): ReadonlySet<SamplingSetting>;
  /** Reasoning text carried by a response message or a stream delta, if the vendor sends any. */
  reasoningText(source: object): string | undefined;
  /** The wire field for the call's end user: `user` by default; OpenAI has replaced it by `safety_identifier`. */
  readonly endUserField?: 'user' | 'safety_identifier';
}

/**
 * A request body ready for `client.chat.completions.create`, and the warnings about what was changed.
 *
 * @example
 * ```ts
 * const { body, warnings } = buildChatRequest(call, dialect);
 * ```
 */
export interface ChatRequest {
  body: ChatCompletionCreateParamsBase;
  warnings: Warning[];
}

const SAMPLING_FIELDS: ReadonlyArray<[SamplingSetting, keyof ChatCompletionCreateParamsBase | undefined]> = [
  ['temperature', 'temperature'],
  ['topP', 'top_p'],
  ['topK', undefined],
  ['presencePenalty', 'presence_penalty'],
  ['frequencyPenalty', 'frequency_penalty'],
  ['stopSequences', 'stop'],
  ['seed', 'seed'],
];

/**
 * providerOptions keys the provider reads itself instead of passing them on: `@ai-sdk/openai`
 * options that are no wire field (`structuredOutputs`, `systemMessageMode`, `forceReasoning`,
 * `reasoningSummary`) and `logprobs`, which the AI SDK also takes as a number.
 */
const CONSUMED_OPTIONS = new Set([
  'strictJsonSchema',
  'strict_json_schema',
  'structuredOutputs',
  'systemMessageMode',
  'forceReasoning',
  'reasoningSummary',
  'logprobs',
]);
/** AI SDK option names whose wire name is not their snake_case form. */
const OPTION_ALIASES: Readonly<Record<string, string>> = { textVerbosity: 'verbosity' };
/** AI SDK options whose nested keys are camelCase too (`@ai-sdk/xai`'s `searchParameters.returnCitations`). */
const NESTED_CAMEL_OPTIONS = new Set(['searchParameters']);

function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [wireName(key), snakeKeys(inner)]));
}

/**
 * Builds the Chat Completions body for a call: messages, sampling settings, tools, tool choice,
 * response format, reasoning effort, and the vendor passthrough of `providerOptions[type]` and
 * `providerOptions[name]` (top-level keys in camelCase are sent in snake_case).
 *
 * @example
 * ```ts
 * const { body } = buildChatRequest({ modelId: 'gpt-4o-mini', prompt, abortSignal, maxOutputTokens: 100 }, dialect);
 * body.max_completion_tokens; // 100
 * ```
 */
export function buildChatRequest(call: ProviderCall, dialect: OpenAIChatDialect): ChatRequest {
  const warnings: Warning[] = [];
  const systemMode = readOption(call.providerOptions, dialect, 'systemMessageMode');
  const body: ChatCompletionCreateParamsBase = {
    model: call.modelId,
    messages: convertPrompt(
      call.prompt,
      dialect,
      warnings,
      systemMode === 'developer' || systemMode === 'remove' ? systemMode : 'system',
    ),
  };
  const passthrough = passthroughOptions(call.providerOptions, dialect);
  applyAiSdkOptions(body, call, dialect, warnings);
  if (call.maxOutputTokens !== undefined) body.max_completion_tokens = call.maxOutputTokens;
  const effort =
    call.reasoning === undefined ? undefined : dialect.reasoningEffort(call.reasoning, call.modelId, warnings);
  if (effort !== undefined) body.reasoning_effort = effort as ChatCompletionCreateParamsBase['reasoning_effort'];
  const unsupported = dialect.unsupportedSettings(
    call.modelId,
    (passthrough.reasoning_effort as string | undefined) ?? effort,
  );
  for (const [setting, field] of SAMPLING_FIELDS) {
    const value = call[setting];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (field === undefined || unsupported.has(setting)) warnings.push({ type: 'unsupported', feature: setting });
    else Object.assign(body, { [field]: value });
  }
  if (call.tools && call.tools.length > 0) {
    body.tools = call.tools.map(
      (tool): ChatCompletionTool => ({
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          parameters: tool.inputSchema,
          ...(tool.strict === undefined ? {} : { strict: tool.strict }),
        },
      }),
    );
    if (call.toolChoice) body.tool_choice = toolChoice(call.toolChoice);
    if (call.parallelToolCalls !== undefined) body.parallel_tool_calls = call.parallelToolCalls;
  } else if (call.toolChoice && call.toolChoice.type !== 'auto' && call.toolChoice.type !== 'none') {
    warnings.push({ type: 'unsupported', feature: 'toolChoice', details: 'no tools were given' });
  }
  if (call.responseFormat?.type === 'json') {
    const format = call.responseFormat;
    const strict = readOption(call.providerOptions, dialect, 'strictJsonSchema') !== false;
    body.response_format =
      format.schema && readOption(call.providerOptions, dialect, 'structuredOutputs') !== false
        ? {
            type: 'json_schema',
            json_schema: {
              name: format.name ?? 'response',
              ...(format.description === undefined ? {} : { description: format.description }),
              schema: format.schema,
              strict,
            },
          }
        : { type: 'json_object' };
  }
  if (call.user !== undefined) Object.assign(body, { [dialect.endUserField ?? 'user']: call.user });
  Object.assign(body, passthrough);
  return { body, warnings };
}

/**
 * The `@ai-sdk/openai` options that are not a wire field of their own name: `logprobs` as a number, `reasoningSummary`.
 */
function applyAiSdkOptions(
  body: ChatCompletionCreateParamsBase,
  call: ProviderCall,
  dialect: OpenAIChatDialect,
  warnings: Warning[],
): void {
  const logprobs = readOption(call.providerOptions, dialect, 'logprobs');
  if (typeof logprobs === 'number') {
    body.logprobs = true;
    body.top_logprobs = logprobs;
  } else if (typeof logprobs === 'boolean') body.logprobs = logprobs;
  if (readOption(call.providerOptions, dialect, 'reasoningSummary') !== undefined) {
    warnings.push({
      type: 'unsupported',
      feature: 'reasoningSummary',
      details: 'Reasoning summaries are a Responses API setting; Chat Completions has none',
    });
  }
}

/**
 * The vendor passthrough for a call: `providerOptions[type]` then `providerOptions[name]`, with
 * camelCase keys turned into the wire's snake_case, minus the options the provider reads itself.
 *
 * @example
 * ```ts
 * passthroughOptions({ openai: { serviceTier: 'flex', user: 'u1' } }, dialect); // { service_tier: 'flex', user: 'u1' }
 * ```
 */
export function passthroughOptions(
  options: ProviderOptions | undefined,
  dialect: Pick<OpenAIChatDialect, 'type' | 'name'>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const sources =
    dialect.name === dialect.type ? [options?.[dialect.type]] : [options?.[dialect.type], options?.[dialect.name]];
  for (const source of sources) {
    for (const [key, value] of Object.entries(source ?? {})) {
      if (!CONSUMED_OPTIONS.has(key)) result[wireName(key)] = NESTED_CAMEL_OPTIONS.has(key) ? snakeKeys(value) : value;
    }
  }
  return result;
}

function readOption(options: ProviderOptions | undefined, dialect: OpenAIChatDialect, key: string): unknown {
  return options?.[dialect.name]?.[key] ?? options?.[dialect.type]?.[key];
}

function wireName(key: string): string {
  return OPTION_ALIASES[key] ?? key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function toolChoice(choice: NonNullable<ProviderCall['toolChoice']>): ChatCompletionToolChoiceOption {
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.toolName } } : choice.type;
}

function convertPrompt(
  prompt: Message[],
  dialect: OpenAIChatDialect,
  warnings: Warning[],
  systemMode: 'system' | 'developer' | 'remove',
): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  for (const message of prompt) {
    const extra = passthroughOptions(message.providerOptions, dialect);
    switch (message.role) {
      case 'system':
        if (systemMode === 'remove')
          warnings.push({ type: 'other', message: 'A system message was left out (systemMessageMode: remove)' });
        else messages.push({ role: systemMode, content: message.content, ...extra });
        break;
      case 'user': {
        const parts = message.content.map((part) =>
          part.type === 'text' ? textPart(part, dialect) : filePart(part, dialect),
        );
        const plain = parts.length === 1 && parts[0].type === 'text' && Object.keys(parts[0]).length === 2;
        messages.push({ role: 'user', content: plain ? (parts[0] as { text: string }).text : parts, ...extra });
        break;
      }
      case 'assistant':
        messages.push({ ...assistantMessage(message, warnings), ...extra });
        break;
      case 'tool':
        for (const result of message.content) {
          messages.push({
            role: 'tool',
            tool_call_id: result.toolCallId,
            content: toolResultToText(result.output),
            ...extra,
          });
        }
        break;
    }
  }
  return messages;
}

function textPart(part: TextPart, dialect: OpenAIChatDialect): ChatCompletionContentPart {
  return { type: 'text', text: part.text, ...passthroughOptions(part.providerOptions, dialect) };
}

function filePart(part: FilePart, dialect: OpenAIChatDialect): ChatCompletionContentPart {
  const { image_detail: imageDetail, detail, ...extra } = passthroughOptions(part.providerOptions, dialect);
  if (part.mediaType.startsWith('image/')) {
    const chosen = (imageDetail ?? detail) as 'auto' | 'low' | 'high' | undefined;
    return {
      type: 'image_url',
      image_url: { url: fileToUrl(part), ...(chosen === undefined ? {} : { detail: chosen }) },
      ...extra,
    };
  }
  if (part.mediaType === 'audio/wav' || part.mediaType === 'audio/mpeg' || part.mediaType === 'audio/mp3') {
    return {
      type: 'input_audio',
      input_audio: { data: fileDataToBase64(part.data), format: part.mediaType === 'audio/wav' ? 'wav' : 'mp3' },
      ...extra,
    };
  }
  if (part.mediaType === 'application/pdf') {
    return {
      type: 'file',
      file: {
        filename: part.filename ?? 'document.pdf',
        file_data: `data:application/pdf;base64,${fileDataToBase64(part.data)}`,
      },
      ...extra,
    };
  }
  throw new GatewayError(
    'invalid_request',
    `${dialect.name}: files of type ${part.mediaType} are not supported in chat messages`,
    { param: 'prompt', provider: dialect.name },
  );
}

function assistantMessage(message: AssistantMessage, warnings: Warning[]): ChatCompletionMessageParam {
  const text = message.content
    .filter((part): part is TextPart => part.type === 'text')
    .map((part) => part.text)
    .join('');
  const calls = message.content.filter((part): part is ToolCallPart => part.type === 'tool-call');
  if (message.content.some((part) => part.type === 'file')) {
    warnings.push({ type: 'other', message: 'Files in assistant messages are not supported and were left out' });
  }
  return {
    role: 'assistant',
    content: text === '' && calls.length > 0 ? null : text,
    ...(calls.length === 0
      ? {}
      : {
          tool_calls: calls.map((part) => ({
            id: part.toolCallId,
            type: 'function' as const,
            function: { name: part.toolName, arguments: toolInputText(part.input) },
          })),
        }),
  };
}

/** Tool input as the JSON text the wire carries: parsed input is serialized, JSON text is kept. */
function toolInputText(input: unknown): string {
  if (typeof input === 'string') {
    try {
      const parsed: unknown = JSON.parse(input);
      if (typeof parsed === 'object' && parsed !== null) return input;
    } catch {
      /* a plain string input */
    }
  }
  return JSON.stringify(input ?? {});
}
