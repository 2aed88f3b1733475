/**
 * Canonical call options → an Anthropic Messages API request body: system blocks, alternating
 * messages, cache-control breakpoints, tools, tool choice, JSON output through a forced tool,
 * extended thinking, sampling options and provider-option passthrough.
 *
 * @module
 */
import type {
  CacheControlEphemeral,
  ContentBlockParam,
  MessageCreateParamsBase,
  MessageParam,
  TextBlockParam,
  ThinkingConfigParam,
  Tool,
  ToolChoice as AnthropicToolChoice,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import { GatewayError } from '../../core/errors.js';
import type { ProviderCall } from '../provider.js';
import { fileDataToBase64, parseToolInput, toolResultToText } from '../shared/provider-support.js';
import type {
  FilePart,
  JsonSchema,
  Message,
  ProviderOptions,
  ReasoningEffort,
  ToolResultOutput,
  Warning,
} from '../../core/types.js';

/**
 * The body sent to `messages.create`: exactly the SDK's request type. The API version the SDK sends
 * (2026-10-21) has no `temperature`, `top_p` or `top_k`: they are dropped with a warning.
 *
 * @example
 * ```ts
 * const body: AnthropicRequestBody = { model: 'claude-sonnet-4-20250514', max_tokens: 1024, messages: [] };
 * ```
 */
export type AnthropicRequestBody = MessageCreateParamsBase;

/**
 * A prepared request: the body, the warnings about dropped options, the extra headers, and the name
 * of the tool that carries a JSON response when JSON output was requested.
 *
 * @example
 * ```ts
 * const plan: AnthropicRequestPlan = buildMessagesRequest(call, 'anthropic');
 * ```
 */
export interface AnthropicRequestPlan {
  body: AnthropicRequestBody;
  warnings: Warning[];
  headers: Record<string, string>;
  jsonToolName?: string;
}

/**
 * Used for `max_tokens` (which Anthropic requires) when the call sets no `maxOutputTokens`; never
 * above the model's own limit.
 *
 * @example
 * ```ts
 * const maxTokens = call.maxOutputTokens ?? DEFAULT_MAX_TOKENS;
 * ```
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** Output-token limits of known models (first match wins); unknown models are not clamped. */
const OUTPUT_LIMITS: Array<[RegExp, number]> = [
  [/^claude-3-(opus|sonnet|haiku)/, 4096],
  [/^claude-3-5-/, 8192],
  [/^claude-3-7-sonnet/, 64_000],
  [/^claude-opus-4(-(0|1|2025)|@)/, 32_000],
  [/^claude-(sonnet|haiku)-4/, 64_000],
  [/^claude-opus-4-5/, 64_000],
];

/** Thinking budgets for each reasoning effort. */
const THINKING_BUDGETS: Record<Exclude<ReasoningEffort, 'provider-default' | 'none'>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16_384,
  xhigh: 32_000,
  max: 48_000,
};

/**
 * Provider-option keys this module interprets (the AI SDK's `@ai-sdk/anthropic` options among them);
 * every other key is merged into the body, camelCase keys in the wire's snake_case.
 */
const INTERPRETED_OPTIONS = [
  'cacheControl',
  'cache_control',
  'betas',
  'disableParallelToolUse',
  'thinking',
  'signature',
  'redactedData',
  'effort',
  'sendReasoning',
  'structuredOutputMode',
  'toolStreaming',
  'output_config',
  'outputConfig',
] as const;

/** `inferenceGeo` → `inference_geo`: the AI SDK's option names in the Messages API's spelling. */
function wireName(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * The output-token limit of a known Anthropic model, or `undefined`.
 *
 * @example
 * ```ts
 * maxOutputTokensFor('claude-sonnet-4-20250514'); // 64000
 * ```
 */
export function maxOutputTokensFor(modelId: string): number | undefined {
  return OUTPUT_LIMITS.find(([pattern]) => pattern.test(modelId))?.[1];
}

/**
 * The Anthropic options of a call, part or message: `providerOptions.anthropic` overlaid with
 * `providerOptions[<instance name>]`.
 *
 * @example
 * ```ts
 * anthropicOptions({ anthropic: { cacheControl: { type: 'ephemeral' } } }, 'anthropic'); // { cacheControl: { type: 'ephemeral' } }
 * ```
 */
export function anthropicOptions(options: ProviderOptions | undefined, providerName: string): Record<string, unknown> {
  if (!options) return {};
  return { ...options.anthropic, ...(providerName === 'anthropic' ? undefined : options[providerName]) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts the prompt, collecting warnings about parts Anthropic cannot take. */
class PromptConverter {
  readonly system: TextBlockParam[] = [];
  readonly messages: MessageParam[] = [];

  constructor(
    private readonly providerName: string,
    private readonly warnings: Warning[],
    /** `providerOptions.anthropic.sendReasoning: false` leaves reasoning parts out of the prompt. */
    private readonly sendReasoning = true,
  ) {}

  private cacheControl(options: ProviderOptions | undefined): { cache_control?: CacheControlEphemeral } {
    const value = anthropicOptions(options, this.providerName);
    const marker = value.cacheControl ?? value.cache_control;
    return isRecord(marker) ? { cache_control: marker as unknown as CacheControlEphemeral } : {};
  }

  convert(prompt: Message[]): void {
    for (const message of prompt) {
      if (message.role === 'system') {
        this.system.push({ type: 'text', text: message.content, ...this.cacheControl(message.providerOptions) });
        continue;
      }
      const blocks =
        message.role === 'assistant'
          ? this.assistantBlocks(message.content)
          : message.role === 'user'
            ? message.content.map((part) => this.userPart(part))
            : message.content.map((part) => this.toolResult(part.toolCallId, part.output, part.providerOptions));
      if (blocks.length === 0) continue;
      const messageMarker = this.cacheControl(message.providerOptions);
      if (messageMarker.cache_control) Object.assign(blocks[blocks.length - 1], messageMarker);
      const role = message.role === 'assistant' ? 'assistant' : 'user';
      const previous = this.messages[this.messages.length - 1];
      if (previous && previous.role === role && Array.isArray(previous.content)) previous.content.push(...blocks);
      else this.messages.push({ role, content: blocks });
    }
    this.trimFinalAssistantText();
  }

  /** Anthropic rejects a final assistant message (a prefill) whose text ends with whitespace. */
  private trimFinalAssistantText(): void {
    const last = this.messages[this.messages.length - 1];
    if (!last || last.role !== 'assistant' || !Array.isArray(last.content)) return;
    const block = last.content[last.content.length - 1];
    if (block && block.type === 'text') block.text = block.text.trimEnd();
  }

  private userPart(part: Extract<Message, { role: 'user' }>['content'][number]): ContentBlockParam {
    if (part.type === 'text') return { type: 'text', text: part.text, ...this.cacheControl(part.providerOptions) };
    return { ...fileBlock(part), ...this.cacheControl(part.providerOptions) };
  }

  private assistantBlocks(parts: Extract<Message, { role: 'assistant' }>['content']): ContentBlockParam[] {
    const blocks: ContentBlockParam[] = [];
    for (const part of parts) {
      const marker = this.cacheControl(part.providerOptions);
      switch (part.type) {
        case 'text':
          if (part.text !== '') blocks.push({ type: 'text', text: part.text, ...marker });
          break;
        case 'reasoning': {
          if (!this.sendReasoning) break;
          const options = anthropicOptions(part.providerOptions, this.providerName);
          if (typeof options.signature === 'string')
            blocks.push({ type: 'thinking', thinking: part.text, signature: options.signature });
          else if (typeof options.redactedData === 'string')
            blocks.push({ type: 'redacted_thinking', data: options.redactedData });
          else
            this.warnings.push({
              type: 'other',
              message:
                'A reasoning part without providerOptions.anthropic.signature was not sent: Anthropic only accepts signed thinking blocks',
            });
          break;
        }
        case 'tool-call':
          blocks.push({
            type: 'tool_use',
            id: part.toolCallId,
            name: part.toolName,
            input: typeof part.input === 'string' ? parseToolInput(part.input) : (part.input ?? {}),
            ...marker,
          });
          break;
        case 'tool-result':
          blocks.push(this.toolResult(part.toolCallId, part.output, part.providerOptions));
          break;
        case 'file':
          this.warnings.push({
            type: 'unsupported',
            feature: 'assistant file parts',
            details: 'Anthropic assistant messages cannot contain files; the part was dropped',
          });
          break;
      }
    }
    return blocks;
  }

  private toolResult(
    toolCallId: string,
    output: ToolResultOutput,
    options: ProviderOptions | undefined,
  ): ToolResultBlockParam {
    const isError = output.type === 'error-text' || output.type === 'error-json';
    let content: ToolResultBlockParam['content'];
    if (output.type === 'content') {
      content = output.value.map((item) =>
        item.type === 'text'
          ? { type: 'text' as const, text: item.text }
          : fileBlock({ type: 'file', mediaType: item.mediaType, data: { type: 'data', data: item.data } }),
      ) as ToolResultBlockParam['content'];
    } else content = toolResultToText(output);
    return {
      type: 'tool_result',
      tool_use_id: toolCallId,
      content,
      ...(isError ? { is_error: true } : {}),
      ...this.cacheControl(options),
    };
  }
}

/** A file part as an image or document block. */
function fileBlock(part: FilePart): ContentBlockParam {
  const url = part.data.type === 'url' && /^https?:\/\//i.test(part.data.url) ? part.data.url : undefined;
  if (part.mediaType.startsWith('image/')) {
    if (url) return { type: 'image', source: { type: 'url', url } };
    return {
      type: 'image',
      source: { type: 'base64', media_type: part.mediaType as 'image/png', data: fileDataToBase64(part.data) },
    };
  }
  const title = part.filename ? { title: part.filename } : {};
  if (part.mediaType === 'application/pdf') {
    if (url) return { type: 'document', source: { type: 'url', url }, ...title };
    return {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: fileDataToBase64(part.data) },
      ...title,
    };
  }
  if (part.mediaType === 'text/plain' && !url) {
    return {
      type: 'document',
      source: {
        type: 'text',
        media_type: 'text/plain',
        data: Buffer.from(fileDataToBase64(part.data), 'base64').toString('utf8'),
      },
      ...title,
    };
  }
  throw new GatewayError(
    'invalid_request',
    `Anthropic does not accept files of type '${part.mediaType}'${url ? ' by URL' : ''}`,
    { param: 'prompt' },
  );
}

function toolChoiceFor(choice: ProviderCall['toolChoice']): AnthropicToolChoice | undefined {
  switch (choice?.type) {
    case undefined:
      return undefined;
    case 'auto':
      return { type: 'auto' };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any' };
    case 'tool':
      return { type: 'tool', name: choice.toolName };
  }
}

/**
 * The thinking configuration: the passthrough option wins over the reasoning effort. The option may
 * be written in the wire's spelling (`budget_tokens`) or the AI SDK's (`budgetTokens`).
 */
function thinkingFor(call: ProviderCall, options: Record<string, unknown>): ThinkingConfigParam | undefined {
  if (isRecord(options.thinking)) {
    const thinking: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options.thinking))
      if (value !== undefined) thinking[wireName(key)] = value;
    return thinking as unknown as ThinkingConfigParam;
  }
  // Anthropic's own effort (`output_config.effort`) replaces a thinking budget derived from the call's.
  if (options.effort !== undefined) return undefined;
  const effort = call.reasoning;
  if (effort === undefined || effort === 'provider-default' || effort === 'none') return undefined;
  return { type: 'enabled', budget_tokens: THINKING_BUDGETS[effort] };
}

/** Sets `max_tokens` (thinking budget on top of the output tokens), clamped to the model's limit. */
function applyMaxTokens(body: AnthropicRequestBody, call: ProviderCall, warnings: Warning[]): void {
  const thinking = body.thinking;
  const budget =
    thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 0;
  const limit = maxOutputTokensFor(call.modelId);
  let maxTokens = (call.maxOutputTokens ?? Math.min(DEFAULT_MAX_TOKENS, limit ?? DEFAULT_MAX_TOKENS)) + budget;
  if (limit !== undefined && maxTokens > limit) {
    warnings.push({
      type: 'compatibility',
      feature: 'maxOutputTokens',
      details: `max_tokens ${maxTokens} (output plus thinking budget) was clamped to the model's limit of ${limit}`,
    });
    maxTokens = limit;
    if (thinking?.type === 'enabled' && budget >= limit)
      body.thinking = { ...thinking, budget_tokens: Math.max(1024, limit - DEFAULT_MAX_TOKENS) };
  }
  body.max_tokens = maxTokens;
}

/**
 * Sampling options. The Messages API version the SDK sends has no `temperature`, `top_p` or `top_k`
 * (current models reject any but their defaults), so they are dropped, with a warning unless the
 * value is the default anyway (temperature 1, top-p 1).
 */
function applySampling(body: AnthropicRequestBody, call: ProviderCall, warnings: Warning[]): void {
  const sampling: Array<['temperature' | 'topP' | 'topK', string, number | undefined]> = [
    ['temperature', 'temperature', 1],
    ['topP', 'top_p', 1],
    ['topK', 'top_k', undefined],
  ];
  for (const [option, field, neutral] of sampling) {
    const value = call[option];
    if (typeof value !== 'number' || value === neutral) continue;
    warnings.push({
      type: 'unsupported',
      feature: option,
      details: `The Anthropic Messages API (version 2026-10-21) has no \`${field}\`; it was not sent`,
    });
  }
  if (call.stopSequences && call.stopSequences.length > 0) body.stop_sequences = call.stopSequences;
  for (const option of ['seed', 'presencePenalty', 'frequencyPenalty'] as const) {
    if (call[option] !== undefined)
      warnings.push({
        type: 'unsupported',
        feature: option,
        details: 'The Anthropic Messages API has no such parameter',
      });
  }
}

/** Tools and tool choice, plus the forced tool that carries a JSON response. */
function applyTools(
  body: AnthropicRequestBody,
  call: ProviderCall,
  options: Record<string, unknown>,
  providerName: string,
  warnings: Warning[],
): string | undefined {
  const tools: Tool[] = (call.tools ?? []).map((tool) => {
    const marker = anthropicOptions(tool.providerOptions, providerName).cacheControl;
    return {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      input_schema: { type: 'object', ...tool.inputSchema } as Tool.InputSchema,
      ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      ...(isRecord(marker) ? { cache_control: marker as unknown as CacheControlEphemeral } : {}),
    };
  });
  let toolChoice = tools.length > 0 ? toolChoiceFor(call.toolChoice) : undefined;
  let jsonToolName: string | undefined;
  if (
    call.responseFormat?.type === 'json' &&
    options.structuredOutputMode === 'outputFormat' &&
    call.responseFormat.schema
  ) {
    body.output_config = { ...body.output_config, format: { type: 'json_schema', schema: call.responseFormat.schema } };
  } else if (call.responseFormat?.type === 'json') {
    const format = call.responseFormat;
    const requested = format.name && /^[a-zA-Z0-9_-]{1,64}$/.test(format.name) ? format.name : 'json';
    jsonToolName = tools.some((tool) => tool.name === requested) ? `${requested}_response` : requested;
    tools.push({
      name: jsonToolName,
      description: format.description ?? 'Respond with a JSON object that matches the input schema.',
      input_schema: {
        type: 'object',
        ...(format.schema ?? { additionalProperties: true }),
      } as JsonSchema as Tool.InputSchema,
    });
    const thinking = body.thinking !== undefined && body.thinking.type !== 'disabled';
    if (thinking) {
      toolChoice = { type: 'auto' };
      warnings.push({
        type: 'compatibility',
        feature: 'responseFormat',
        details: 'With thinking enabled Anthropic cannot force the JSON tool; the model may answer in plain text',
      });
    } else toolChoice = tools.length > 1 ? { type: 'any' } : { type: 'tool', name: jsonToolName };
  }
  if ((options.disableParallelToolUse === true || call.parallelToolCalls === false) && tools.length > 0) {
    const choice = toolChoice ?? { type: 'auto' };
    toolChoice = choice.type === 'none' ? choice : { ...choice, disable_parallel_tool_use: true };
  }
  if (tools.length > 0) body.tools = tools;
  if (toolChoice) body.tool_choice = toolChoice;
  return jsonToolName;
}

function hasCacheBreakpoint(body: AnthropicRequestBody): boolean {
  const marked = (block: unknown): boolean => isRecord(block) && block.cache_control !== undefined;
  if (Array.isArray(body.system) && body.system.some(marked)) return true;
  if (body.tools?.some(marked)) return true;
  return body.messages.some((message) => Array.isArray(message.content) && message.content.some(marked));
}

/**
 * Builds the Messages API request for a canonical call.
 *
 * @example
 * ```ts
 * const { body, warnings } = buildMessagesRequest({ modelId: 'claude-sonnet-4-20250514', prompt, abortSignal }, 'anthropic');
 * ```
 */
export function buildMessagesRequest(call: ProviderCall, providerName: string): AnthropicRequestPlan {
  const warnings: Warning[] = [];
  const options = anthropicOptions(call.providerOptions, providerName);
  const converter = new PromptConverter(providerName, warnings, options.sendReasoning !== false);
  converter.convert(call.prompt);
  const body: AnthropicRequestBody = { model: call.modelId, max_tokens: 0, messages: converter.messages };
  if (converter.system.length > 0)
    body.system = converter.system.some((block) => block.cache_control)
      ? converter.system
      : converter.system.map((block) => block.text).join('\n\n');
  const thinking = thinkingFor(call, options);
  if (thinking) body.thinking = thinking;
  const outputConfig = options.output_config ?? options.outputConfig;
  if (isRecord(outputConfig)) body.output_config = { ...outputConfig };
  if (typeof options.effort === 'string')
    body.output_config = {
      ...body.output_config,
      effort: options.effort as NonNullable<AnthropicRequestBody['output_config']>['effort'],
    };
  applyMaxTokens(body, call, warnings);
  applySampling(body, call, warnings);
  const jsonToolName = applyTools(body, call, options, providerName, warnings);
  const callMarker = options.cacheControl ?? options.cache_control;
  if (isRecord(callMarker)) body.cache_control = callMarker as unknown as CacheControlEphemeral;
  // `providerOptions.gateway.caching: 'auto'` (Vercel AI Gateway's option): with no breakpoint of the
  // caller's, the API's own top-level marker caches up to the last cacheable block.
  else if (call.providerOptions?.gateway?.caching === 'auto' && !hasCacheBreakpoint(body))
    body.cache_control = { type: 'ephemeral' };
  if (call.user !== undefined) body.metadata = { user_id: call.user };

  const passthrough: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!(INTERPRETED_OPTIONS as readonly string[]).includes(key)) passthrough[wireName(key)] = value;
  }
  Object.assign(body, passthrough);

  const headers: Record<string, string> = {};
  if (Array.isArray(options.betas) && options.betas.length > 0)
    headers['anthropic-beta'] = options.betas.map(String).join(',');
  return { body, warnings, headers, ...(jsonToolName ? { jsonToolName } : {}) };
}
