/**
 * The OpenAI-compatible dialect: `POST /v1/chat/completions` (JSON and SSE), `POST /v1/embeddings`,
 * `GET /v1/models` and `GET /v1/models/{id}`, so the official `openai` SDK works with `baseURL` set
 * to the gateway. `model` takes any catalog id (`anthropic/claude-sonnet-4`); a bare OpenAI id
 * (`gpt-4o`) means `openai/gpt-4o`.
 *
 * @module
 */
import { openAIImagesRoute } from './images-route.js';
import { rerankRoutes } from './rerank-route.js';
import type { GatewayError } from '../../../core/errors.js';
import type { EmbedManyResult, GenerateResult, StreamResult } from '../../../router/router-types.js';
import type {
  AssistantMessage,
  FinishReason,
  JsonSchema,
  MessageInput,
  ProviderOptions,
  ReasoningEffort,
  ResponseFormat,
  StreamPart,
  TextPart,
  FilePart,
  ToolChoice,
  ToolDefinition,
  GenerateRequest,
} from '../../../core/types.js';
import { gatewayMetadata } from '../../gateway-metadata.js';
import type { GatewayHttpResponse } from '../../http-types.js';
import {
  findModel,
  listModels,
  modelNotFound,
  releasedAt,
  resolveBareModelId,
  type ListedModel,
} from '../../../catalog/model-directory.js';
import { jsonResponse } from '../../responses.js';
import { mergeProviderOptions, routingFromHeaders } from '../../routing-options.js';
import { sseEvent, type StreamEncoder } from '../../sse-stream.js';
import {
  describeValue,
  expectArray,
  expectFields,
  invalid,
  isFields,
  mapObjects,
  mapOptionalObjects,
  optionalBoolean,
  optionalEnum,
  optionalFields,
  optionalNumber,
  optionalString,
  requiredString,
  type Fields,
} from '../../validate.js';
import type { Dialect, RouteContext } from '../dialect.js';
import { DialectNotes } from '../dialect-warnings.js';
import { fileFromReference } from '../file-data.js';
import { answerEmbedding, answerGeneration, finishReasonIn, tokenCounts } from '../generation.js';
import type { ResponsesOptions } from './response-store.js';
import { responsesRoutes } from './responses-route.js';

const FINISH_REASONS: Record<FinishReason['unified'], string> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  error: 'stop',
  interrupted: 'stop',
  other: 'stop',
};
const OPENAI_FINISH_VALUES = ['stop', 'length', 'tool_calls', 'content_filter'];
const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;

/**
 * The OpenAI error body for a GatewayError: `{ error: { message, type, param, code } }`.
 *
 * @example
 * ```ts
 * openAIErrorBody(new GatewayError('unauthorized', 'Invalid gateway API key'));
 * // { error: { message: 'Invalid gateway API key', type: 'authentication_error', param: null, code: 'unauthorized' } }
 * ```
 */
export function openAIErrorBody(error: GatewayError): unknown {
  return {
    error: {
      message: error.message,
      type: openAIErrorType(error.status),
      param: error.param ?? null,
      code: error.code,
    },
  };
}

function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'insufficient_quota';
  if (status === 403) return 'permission_error';
  if (status === 424) return 'failed_dependency';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The vendor's own endpoints this gateway does not serve (a host application may serve other `/v1/` paths). */
const RESERVED_PATHS = [
  '/v1/completions',
  '/v1/images',
  '/v1/audio',
  '/v1/files',
  '/v1/uploads',
  '/v1/batches',
  '/v1/moderations',
  '/v1/assistants',
  '/v1/threads',
  '/v1/vector_stores',
  '/v1/fine_tuning',
  '/v1/realtime',
  '/v1/conversations',
  '/v1/containers',
  '/v1/evals',
  '/v1/videos',
  '/v1/chat/completions',
];
const RESERVED_HINT =
  ': it serves POST /v1/chat/completions, POST /v1/responses, POST /v1/embeddings and GET /v1/models';

/**
 * Options of the OpenAI dialect.
 *
 * @example
 * ```ts
 * const options: OpenAIDialectOptions = { responses: { ttlMs: 24 * 60 * 60 * 1000 } };
 * ```
 */
export interface OpenAIDialectOptions {
  /** Where the Responses API keeps responses for `previous_response_id`, and for how long. */
  responses?: ResponsesOptions;
}

/**
 * The OpenAI-compatible dialect.
 *
 * @example
 * ```ts
 * const dialect = createOpenAIDialect();
 * dialect.routes.map((route) => `${route.method} ${route.path}`); // ['POST /v1/chat/completions', ...]
 * ```
 */
export function createOpenAIDialect(options: OpenAIDialectOptions = {}): Dialect {
  return {
    name: 'openai',
    errorBody: openAIErrorBody,
    reservedPaths: RESERVED_PATHS.map((path) => ({ path, hint: RESERVED_HINT })),
    routes: [
      { method: 'POST', path: '/v1/chat/completions', handle: chatCompletions },
      { method: 'POST', path: '/v1/embeddings', handle: embeddings },
      {
        method: 'GET',
        path: '/v1/models',
        handle: async (context) =>
          jsonResponse(200, {
            object: 'list',
            data: listModels(context.router, context.caller.models).map(modelEntry),
          }),
      },
      { method: 'GET', path: '/v1/models/*', handle: retrieveModel },
      ...responsesRoutes(options.responses),
      openAIImagesRoute,
      ...rerankRoutes,
    ],
  };
}

async function chatCompletions(context: RouteContext): Promise<GatewayHttpResponse> {
  const body = expectFields(context.body, 'The request body');
  const notes = new DialectNotes();
  const request = chatRequest(context, body, notes);
  const stream = optionalBoolean(body, 'stream') ?? false;
  const streamOptions = optionalFields(body, 'stream_options');
  const includeUsage =
    (streamOptions && optionalBoolean(streamOptions, 'include_usage', 'stream_options.include_usage')) ?? false;
  return answerGeneration(
    context,
    request,
    stream,
    (result) => chatCompletion(context, request.model, result),
    (streamResult) => new ChatChunkEncoder(streamResult, request.model, includeUsage),
    notes,
  );
}

/** Chat Completions fields the dialect turns into canonical options (or checks, as `n`). */
const CANONICAL_FIELDS = new Set([
  'model',
  'messages',
  'max_completion_tokens',
  'max_tokens',
  'temperature',
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'user',
  'safety_identifier',
  'metadata',
  'stream',
  'stream_options',
  'n',
  'logprobs',
  'top_logprobs',
  'service_tier',
  'providerOptions',
]);
/** OpenAI-only fields, sent to OpenAI as they are (`providerOptions.openai`); other vendors have no such setting. */
const OPENAI_ONLY_FIELDS = [
  'store',
  'logit_bias',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'verbosity',
  'prediction',
  'web_search_options',
  'moderation',
] as const;
/** Fields the gateway cannot answer for (audio output, the deprecated function calling): a 400. */
const REJECTED_FIELDS: Record<string, string> = {
  audio: 'audio output is not supported by this gateway',
  functions: '`functions` is deprecated and not supported: use `tools`',
  function_call: '`function_call` is deprecated and not supported: use `tool_choice`',
};

/**
 * `service_tier` for each vendor that has one: OpenAI's as sent; Anthropic's `auto` / `standard_only`
 * for OpenAI's `auto` / `default`; Bedrock's `serviceTier` for `default`, `flex` and `priority`.
 */
function serviceTierOptions(tier: string, options: Record<string, Record<string, unknown>>, notes: DialectNotes): void {
  const honouredBy: Array<'openai' | 'anthropic' | 'bedrock'> = ['openai'];
  options.openai.service_tier = tier;
  if (tier === 'auto' || tier === 'default') {
    options.anthropic = { service_tier: tier === 'auto' ? 'auto' : 'standard_only' };
    honouredBy.push('anthropic');
  }
  if (tier === 'default' || tier === 'flex' || tier === 'priority') {
    options.bedrock = { serviceTier: { type: tier } };
    honouredBy.push('bedrock');
  }
  notes.vendorOnly('service_tier', honouredBy);
}

/**
 * The dialect's vendor options under the caller's own `providerOptions` (the caller's win).
 *
 * @example
 * ```ts
 * withVendorOptions({ openai: { store: false } }, { openai: { store: true, verbosity: 'low' } }); // { openai: { store: false, verbosity: 'low' } }
 * ```
 */
export function withVendorOptions(
  options: ProviderOptions | undefined,
  vendor: Record<string, Record<string, unknown>>,
): ProviderOptions | undefined {
  const entries = Object.entries(vendor).filter(([, fields]) => Object.keys(fields).length > 0);
  if (entries.length === 0) return options;
  const merged: ProviderOptions = { ...options };
  for (const [name, fields] of entries) merged[name] = { ...fields, ...options?.[name] };
  return merged;
}

/**
 * `providerOptions.gateway.caching: 'auto'` for a request that asked for caching, unless the caller set `caching`
 * itself.
 *
 * @example
 * ```ts
 * withCaching(undefined, true); // { gateway: { caching: 'auto' } }
 * ```
 */
export function withCaching(options: ProviderOptions | undefined, caching: boolean): ProviderOptions | undefined {
  if (!caching || options?.gateway?.caching !== undefined) return options;
  return { ...options, gateway: { ...options?.gateway, caching: 'auto' } };
}

function chatRequest(context: RouteContext, body: Fields, notes: DialectNotes): GenerateRequest {
  for (const [field, reason] of Object.entries(REJECTED_FIELDS))
    if (body[field] !== undefined && body[field] !== null) throw invalid(reason, field);
  if (Array.isArray(body.modalities) && body.modalities.includes('audio'))
    throw invalid('audio output is not supported by this gateway', 'modalities');
  // OpenAI caches on its own; a `prompt_cache_key` asks for caching, which Claude needs asked for.
  if (typeof body.prompt_cache_key === 'string')
    notes.vendorOnly('prompt_cache_key', ['openai', 'anthropic', 'vertex', 'bedrock']);
  const vendor: Record<string, Record<string, unknown>> = { openai: {} };
  for (const key of Object.keys(body)) {
    if (CANONICAL_FIELDS.has(key) || key in REJECTED_FIELDS || key === 'modalities') continue;
    if ((OPENAI_ONLY_FIELDS as readonly string[]).includes(key)) {
      if (body[key] === undefined || body[key] === null) continue;
      vendor.openai[key] = body[key];
      notes.vendorOnly(key, ['openai']);
    } else
      notes.warn({
        type: 'unsupported',
        feature: key,
        details: 'Not a Chat Completions field this gateway knows; it was ignored',
      });
  }
  const tier = optionalString(body, 'service_tier');
  if (tier !== undefined) serviceTierOptions(tier, vendor, notes);
  const safetyIdentifier = optionalString(body, 'safety_identifier');
  if (safetyIdentifier !== undefined) vendor.openai.safety_identifier = safetyIdentifier;
  if (body.top_logprobs !== undefined && body.top_logprobs !== null)
    throw invalid('`top_logprobs` is not supported by this gateway', 'top_logprobs');
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');
  const model = resolveBareModelId(
    context.router,
    requiredString(body, 'model', 'model', 'a catalog id such as "openai/gpt-4o" or "anthropic/claude-sonnet-4"'),
    'openai',
  );
  if (body.messages === undefined) throw invalid('`messages` is required: an array of chat messages', 'messages');
  const n = optionalNumber(body, 'n', { integer: true });
  if (n !== undefined && n !== 1) throw invalid('`n` must be 1: this gateway returns one choice per request', 'n');
  if (body.logprobs === true) throw invalid('`logprobs` is not supported by this gateway', 'logprobs');
  const stop = body.stop;
  if (
    stop !== undefined &&
    stop !== null &&
    typeof stop !== 'string' &&
    (!Array.isArray(stop) || stop.some((item) => typeof item !== 'string'))
  ) {
    throw invalid(`\`stop\` must be a string or an array of strings, got ${describeValue(stop)}`, 'stop');
  }
  const metadata = optionalFields(body, 'metadata');
  if (metadata && Object.values(metadata).some((value) => typeof value !== 'string'))
    throw invalid('`metadata` must be an object of string values', 'metadata');
  const tools = chatTools(body.tools);
  return {
    model,
    messages: chatMessages(expectArray(body.messages, 'messages'), notes),
    maxOutputTokens:
      optionalNumber(body, 'max_completion_tokens', { integer: true, min: 1 }) ??
      optionalNumber(body, 'max_tokens', { integer: true, min: 1 }),
    temperature: optionalNumber(body, 'temperature', { min: 0, max: 2 }),
    topP: optionalNumber(body, 'top_p', { min: 0, max: 1 }),
    presencePenalty: optionalNumber(body, 'presence_penalty', { min: -2, max: 2 }),
    frequencyPenalty: optionalNumber(body, 'frequency_penalty', { min: -2, max: 2 }),
    seed: optionalNumber(body, 'seed', { integer: true }),
    stopSequences: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? (stop as string[]) : undefined,
    ...(tools ? { tools } : {}),
    toolChoice: chatToolChoice(body.tool_choice),
    ...(parallelToolCalls === undefined ? {} : { parallelToolCalls }),
    responseFormat: chatResponseFormat(body.response_format),
    reasoning: optionalEnum(body, 'reasoning_effort', REASONING_EFFORTS) as ReasoningEffort | undefined,
    // OpenAI has replaced `user` by `safety_identifier`: either names the end user to every vendor.
    user: optionalString(body, 'user') ?? safetyIdentifier,
    ...(metadata ? { metadata: metadata as Record<string, string> } : {}),
    providerOptions: withCaching(
      withVendorOptions(
        mergeProviderOptions(body.providerOptions, routingFromHeaders(context.headers), 'providerOptions'),
        vendor,
      ),
      typeof body.prompt_cache_key === 'string',
    ),
  };
}

function textOf(content: unknown, path: string): string {
  if (typeof content === 'string') return content;
  return mapObjects(content, path, (part, partPath) => {
    if (part.type !== 'text' && part.type !== 'refusal')
      throw invalid(`\`${partPath}.type\` must be "text" here, got ${describeValue(part.type)}`, `${partPath}.type`);
    return part.type === 'text' ? requiredString(part, 'text', `${partPath}.text`) : '';
  }).join('');
}

function chatMessages(list: unknown[], notes: DialectNotes): MessageInput[] {
  if (list.length === 0) throw invalid('`messages` must contain at least one message', 'messages');
  const toolNames = new Map<string, string>();
  return list.map((entry, index): MessageInput => {
    const path = `messages[${index}]`;
    const message = expectFields(entry, path);
    const role = message.role;
    if (role === 'system' || role === 'developer')
      return { role: 'system', content: textOf(message.content, `${path}.content`) };
    if (role === 'user')
      return typeof message.content === 'string'
        ? { role: 'user', content: message.content }
        : { role: 'user', content: userParts(message.content, `${path}.content`, notes) };
    if (role === 'assistant') return assistantMessage(message, path, toolNames);
    if (role === 'tool') {
      const toolCallId = requiredString(message, 'tool_call_id', `${path}.tool_call_id`);
      const toolName = toolNames.get(toolCallId);
      if (toolName === undefined)
        throw invalid(
          `\`${path}.tool_call_id\` "${toolCallId}" does not answer any tool call of an earlier assistant message`,
          `${path}.tool_call_id`,
        );
      return {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId,
            toolName,
            output: { type: 'text', value: textOf(message.content, `${path}.content`) },
          },
        ],
      };
    }
    if (role === 'function')
      throw invalid(`\`${path}.role\` "function" is deprecated and not supported: use "tool" messages`, `${path}.role`);
    throw invalid(
      `\`${path}.role\` must be one of system, developer, user, assistant, tool, got ${describeValue(role)}`,
      `${path}.role`,
    );
  });
}

function userParts(content: unknown, path: string, notes: DialectNotes): Array<TextPart | FilePart> {
  return mapObjects(content, path, (part, partPath): TextPart | FilePart => {
    switch (part.type) {
      case 'text':
        return { type: 'text', text: requiredString(part, 'text', `${partPath}.text`) };
      case 'image_url': {
        const image = part.image_url;
        const url =
          typeof image === 'string'
            ? image
            : isFields(image)
              ? requiredString(image, 'url', `${partPath}.image_url.url`)
              : undefined;
        if (url === undefined)
          throw invalid(`\`${partPath}.image_url\` must be an object with a \`url\``, `${partPath}.image_url`);
        const detail = isFields(image)
          ? optionalEnum(image, 'detail', ['auto', 'low', 'high'] as const, `${partPath}.image_url.detail`)
          : undefined;
        if (detail !== undefined) notes.vendorOnly('image_url.detail', ['openai']);
        return {
          type: 'file',
          ...fileFromReference(url, 'image/*', `${partPath}.image_url.url`),
          ...(detail ? { providerOptions: { openai: { imageDetail: detail } } } : {}),
        };
      }
      case 'input_audio': {
        const audio = expectFields(part.input_audio, `${partPath}.input_audio`);
        const format =
          optionalEnum(audio, 'format', ['wav', 'mp3'] as const, `${partPath}.input_audio.format`) ?? 'wav';
        return {
          type: 'file',
          mediaType: format === 'mp3' ? 'audio/mpeg' : 'audio/wav',
          data: { type: 'data', data: requiredString(audio, 'data', `${partPath}.input_audio.data`) },
        };
      }
      case 'file': {
        const file = expectFields(part.file, `${partPath}.file`);
        if (file.file_id !== undefined)
          throw invalid(
            `\`${partPath}.file.file_id\` is not supported: send the file inline as \`file_data\``,
            `${partPath}.file.file_id`,
          );
        const filename = optionalString(file, 'filename', `${partPath}.file.filename`);
        return {
          type: 'file',
          ...fileFromReference(
            requiredString(file, 'file_data', `${partPath}.file.file_data`),
            'application/pdf',
            `${partPath}.file.file_data`,
          ),
          ...(filename ? { filename } : {}),
        };
      }
      default:
        throw invalid(
          `\`${partPath}.type\` must be one of text, image_url, input_audio, file, got ${describeValue(part.type)}`,
          `${partPath}.type`,
        );
    }
  });
}

function assistantMessage(message: Fields, path: string, toolNames: Map<string, string>): MessageInput {
  const content: AssistantMessage['content'] = [];
  if (message.content !== undefined && message.content !== null) {
    const text = textOf(message.content, `${path}.content`);
    if (text !== '') content.push({ type: 'text', text });
  }
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    mapObjects(message.tool_calls, `${path}.tool_calls`, (call, callPath) => {
      const toolCallId = requiredString(call, 'id', `${callPath}.id`);
      const fn = expectFields(call.function, `${callPath}.function`);
      const toolName = requiredString(fn, 'name', `${callPath}.function.name`);
      const args = optionalString(fn, 'arguments', `${callPath}.function.arguments`) ?? '{}';
      let input: unknown;
      try {
        input = args.trim() === '' ? {} : JSON.parse(args);
      } catch {
        throw invalid(`\`${callPath}.function.arguments\` must be a JSON string`, `${callPath}.function.arguments`);
      }
      toolNames.set(toolCallId, toolName);
      content.push({ type: 'tool-call', toolCallId, toolName, input });
    });
  }
  return { role: 'assistant', content };
}

function chatTools(value: unknown): ToolDefinition[] | undefined {
  return mapOptionalObjects(value, 'tools', (tool, path): ToolDefinition => {
    if (tool.type !== 'function')
      throw invalid(`\`${path}.type\` must be "function", got ${describeValue(tool.type)}`, `${path}.type`);
    const fn = expectFields(tool.function, `${path}.function`);
    const parameters =
      fn.parameters === undefined || fn.parameters === null
        ? { type: 'object', properties: {} }
        : expectFields(fn.parameters, `${path}.function.parameters`);
    const description = optionalString(fn, 'description', `${path}.function.description`);
    const strict = optionalBoolean(fn, 'strict', `${path}.function.strict`);
    return {
      type: 'function',
      name: requiredString(fn, 'name', `${path}.function.name`),
      inputSchema: parameters as JsonSchema,
      ...(description ? { description } : {}),
      ...(strict !== undefined ? { strict } : {}),
    };
  });
}

function chatToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return { type: value };
  if (
    isFields(value) &&
    value.type === 'function' &&
    isFields(value.function) &&
    typeof value.function.name === 'string'
  )
    return { type: 'tool', toolName: value.function.name };
  throw invalid(
    '`tool_choice` must be "auto", "none", "required" or { "type": "function", "function": { "name": ... } }',
    'tool_choice',
  );
}

function chatResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  const format = expectFields(value, 'response_format');
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json' };
  if (format.type === 'json_schema') {
    const spec = expectFields(format.json_schema, 'response_format.json_schema');
    const schema =
      spec.schema === undefined ? undefined : expectFields(spec.schema, 'response_format.json_schema.schema');
    const name = optionalString(spec, 'name', 'response_format.json_schema.name');
    const description = optionalString(spec, 'description', 'response_format.json_schema.description');
    return {
      type: 'json',
      ...(schema ? { schema } : {}),
      ...(name ? { name } : {}),
      ...(description ? { description } : {}),
    };
  }
  throw invalid(
    `\`response_format.type\` must be one of text, json_object, json_schema, got ${describeValue(format.type)}`,
    'response_format.type',
  );
}

function chatUsage(result: { usage: GenerateResult['usage'] }): Record<string, unknown> {
  const counts = tokenCounts(result.usage);
  return {
    prompt_tokens: counts.input,
    completion_tokens: counts.output,
    total_tokens: counts.input + counts.output,
    prompt_tokens_details: { cached_tokens: counts.cacheRead },
    completion_tokens_details: { reasoning_tokens: counts.reasoning },
  };
}

function chatCompletion(context: RouteContext, requestedModel: string, result: GenerateResult): unknown {
  const toolCalls =
    result.toolCalls.length === 0
      ? undefined
      : result.content.flatMap((part) =>
          part.type === 'tool-call'
            ? [{ id: part.toolCallId, type: 'function', function: { name: part.toolName, arguments: part.input } }]
            : [],
        );
  return {
    id: result.generationId,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: result.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: toolCalls && result.text === '' ? null : result.text,
          refusal: null,
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
          ...(result.reasoningText ? { reasoning_content: result.reasoningText } : {}),
        },
        logprobs: null,
        finish_reason: finishReasonIn(result.finishReason, FINISH_REASONS, OPENAI_FINISH_VALUES),
      },
    ],
    usage: chatUsage(result),
    provider_metadata: { ...result.providerMetadata, gateway: gatewayMetadata(context.router, requestedModel, result) },
  };
}

/** Encodes router stream parts as `chat.completion.chunk` events. */
class ChatChunkEncoder implements StreamEncoder {
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly toolIndexes = new Map<string, number>();

  constructor(
    private readonly stream: StreamResult,
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
    return sseEvent({
      id: this.stream.generationId,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  }

  start(): string {
    return this.chunk({ role: 'assistant', content: '' });
  }

  part(part: StreamPart): string {
    switch (part.type) {
      case 'text-delta':
        return part.delta ? this.chunk({ content: part.delta }) : '';
      case 'reasoning-delta':
        return part.delta ? this.chunk({ reasoning_content: part.delta }) : '';
      case 'tool-input-start':
        return this.chunk({
          tool_calls: [
            {
              index: this.toolIndex(part.id),
              id: part.id,
              type: 'function',
              function: { name: part.toolName, arguments: '' },
            },
          ],
        });
      case 'tool-input-delta':
        return this.chunk({ tool_calls: [{ index: this.toolIndex(part.id), function: { arguments: part.delta } }] });
      case 'tool-call':
        if (this.toolIndexes.has(part.toolCallId)) return '';
        return this.chunk({
          tool_calls: [
            {
              index: this.toolIndex(part.toolCallId),
              id: part.toolCallId,
              type: 'function',
              function: { name: part.toolName, arguments: part.input },
            },
          ],
        });
      case 'finish': {
        const last = this.chunk({}, finishReasonIn(part.finishReason, FINISH_REASONS, OPENAI_FINISH_VALUES));
        if (!this.includeUsage) return last;
        return (
          last +
          sseEvent({
            id: this.stream.generationId,
            object: 'chat.completion.chunk',
            created: this.created,
            model: this.model,
            choices: [],
            usage: chatUsage(part),
          })
        );
      }
      default:
        return '';
    }
  }

  private toolIndex(id: string): number {
    let index = this.toolIndexes.get(id);
    if (index === undefined) {
      index = this.toolIndexes.size;
      this.toolIndexes.set(id, index);
    }
    return index;
  }

  error(error: GatewayError): string {
    return sseEvent(openAIErrorBody(error));
  }

  end(): string {
    return 'data: [DONE]\n\n';
  }
}

async function embeddings(context: RouteContext): Promise<GatewayHttpResponse> {
  const body = expectFields(context.body, 'The request body');
  const model = resolveBareModelId(
    context.router,
    requiredString(body, 'model', 'model', 'an embedding model id such as "openai/text-embedding-3-small"'),
    'openai',
  );
  const input = body.input;
  let values: string[];
  if (typeof input === 'string') values = [input];
  else if (Array.isArray(input) && input.length > 0 && input.every((value) => typeof value === 'string'))
    values = input as string[];
  else if (input === undefined || input === null)
    throw invalid('`input` is required: a string or an array of strings', 'input');
  else if (
    Array.isArray(input) &&
    input.length > 0 &&
    input.every((value) => typeof value === 'number' || Array.isArray(value))
  )
    throw invalid('`input` as token arrays is not supported: send strings', 'input');
  else throw invalid(`\`input\` must be a non-empty string or array of strings, got ${describeValue(input)}`, 'input');
  const encoding = optionalEnum(body, 'encoding_format', ['float', 'base64'] as const) ?? 'float';
  const dimensions = optionalNumber(body, 'dimensions', { integer: true, min: 1 });
  return answerEmbedding(
    context,
    {
      model,
      values,
      ...(dimensions !== undefined ? { dimensions } : {}),
      user: optionalString(body, 'user'),
      providerOptions: mergeProviderOptions(
        body.providerOptions,
        routingFromHeaders(context.headers),
        'providerOptions',
      ),
    },
    (result: EmbedManyResult) => ({
      object: 'list',
      data: result.embeddings.map((embedding, index) => ({
        object: 'embedding',
        index,
        embedding:
          encoding === 'base64' ? Buffer.from(Float32Array.from(embedding).buffer).toString('base64') : embedding,
      })),
      model: result.model,
      usage: { prompt_tokens: result.usage.tokens, total_tokens: result.usage.tokens },
    }),
  );
}

async function retrieveModel(context: RouteContext): Promise<GatewayHttpResponse> {
  let id: string;
  try {
    id = decodeURIComponent(context.pathRest);
  } catch {
    id = context.pathRest;
  }
  const listed = findModel(context.router, resolveBareModelId(context.router, id, 'openai'), context.caller.models);
  if (!listed) throw modelNotFound(context.router, id);
  return jsonResponse(200, modelEntry(listed));
}

function modelEntry({ model, offerings }: ListedModel): Record<string, unknown> {
  return {
    id: model.id,
    object: 'model',
    created: Math.floor(releasedAt(model).getTime() / 1000),
    owned_by: model.id.split('/')[0],
    name: model.name ?? model.id,
    type: model.type ?? 'language',
    context_window: model.limits?.context ?? null,
    max_output_tokens: model.limits?.output ?? null,
    available: offerings.some((offering) => offering.available),
    providers: offerings.map((offering) => ({
      provider: offering.provider,
      provider_model_id: offering.providerModelId,
      pricing: {
        input: offering.pricing.input,
        output: offering.pricing.output,
        ...(offering.pricing.cacheRead ? { cache_read: offering.pricing.cacheRead } : {}),
        ...(offering.pricing.cacheWrite ? { cache_write: offering.pricing.cacheWrite } : {}),
        unit: 'USD per million tokens',
      },
      available: offering.available,
      state: offering.state,
    })),
  };
}
