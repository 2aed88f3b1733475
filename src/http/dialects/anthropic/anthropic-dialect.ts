/**
 * The Anthropic-compatible dialect: `POST /v1/messages` (JSON and its SSE event stream: message_start,
 * content_block_start/delta/stop, message_delta, message_stop), with tools, system and images, and
 * `GET /v1/models` for requests carrying `anthropic-version`. The Anthropic SDK works with `baseURL`
 * set to the gateway and the gateway key as `apiKey` (x-api-key) or `authToken` (Bearer). `model`
 * takes any catalog id; a bare Claude id (`claude-sonnet-4-20250514`) means that Anthropic model.
 *
 * @module
 */
import { parseRawModelId } from '../../../catalog/catalog.js';
import type { GatewayError } from '../../../core/errors.js';
import { estimatePromptTokens, estimateTextTokens } from '../../../core/tokens.js';
import type { GenerateResult, StreamResult } from '../../../router/router-types.js';
import type {
  AssistantMessage,
  FilePart,
  FinishReason,
  GenerateRequest,
  JsonSchema,
  Message,
  MessageInput,
  ProviderOptions,
  ReasoningEffort,
  ResponseFormat,
  StreamPart,
  TextPart,
  ToolChoice,
  ToolDefinition,
  ToolResultOutput,
  ToolResultPart,
} from '../../../core/types.js';
import { authorizeModels } from '../../auth.js';
import type { GatewayHttpResponse, HttpHeaders } from '../../http-types.js';
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
  optionalStringArray,
  requiredString,
  type Fields,
} from '../../validate.js';
import type { Dialect, RouteContext } from '../dialect.js';
import { DialectNotes } from '../dialect-warnings.js';
import { fileFromReference } from '../file-data.js';
import { answerGeneration, finishReasonIn, tokenCounts } from '../generation.js';

const STOP_REASONS: Record<FinishReason['unified'], string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
  error: 'end_turn',
  interrupted: 'end_turn',
  other: 'end_turn',
};
const ANTHROPIC_STOP_VALUES = ['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal'];

/**
 * The Anthropic error body for a GatewayError: `{ type: 'error', error: { type, message } }`.
 *
 * @example
 * ```ts
 * anthropicErrorBody(new GatewayError('rate_limited', 'Slow down')); // { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } }
 * ```
 */
export function anthropicErrorBody(error: GatewayError, requestId?: string): unknown {
  const body = {
    type: 'error',
    error: { type: anthropicErrorType(error.status), message: error.message, code: error.code },
  };
  // Anthropic's own error body carries the request id (and its SDK reads the `request-id` header).
  return requestId === undefined ? body : { ...body, request_id: requestId };
}

function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    401: 'authentication_error',
    402: 'billing_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    424: 'api_error',
    429: 'rate_limit_error',
    503: 'overloaded_error',
    529: 'overloaded_error',
    504: 'timeout_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

const RESERVED_HINT = ': it serves POST /v1/messages and GET /v1/models';

const speaksAnthropic = (headers: HttpHeaders): boolean => headers['anthropic-version'] !== undefined;

/**
 * The Anthropic-compatible dialect.
 *
 * @example
 * ```ts
 * const dialect = createAnthropicDialect();
 * dialect.routes[0].path; // '/v1/messages'
 * ```
 */
export function createAnthropicDialect(): Dialect {
  return {
    name: 'anthropic',
    errorBody: anthropicErrorBody,
    requestIdHeaders: ['request-id'],
    reservedPaths: ['/v1/messages', '/v1/complete', '/v1/skills', '/v1/organizations'].map((path) => ({
      path,
      hint: RESERVED_HINT,
    })),
    routes: [
      { method: 'POST', path: '/v1/messages', handle: messages },
      { method: 'POST', path: '/v1/messages/count_tokens', handle: countTokens },
      {
        method: 'GET',
        path: '/v1/models',
        accepts: speaksAnthropic,
        handle: async (context) => {
          const data = listModels(context.router, context.caller.models).map(modelInfo);
          return jsonResponse(200, {
            data,
            has_more: false,
            first_id: data[0]?.id ?? null,
            last_id: data[data.length - 1]?.id ?? null,
          });
        },
      },
      {
        method: 'GET',
        path: '/v1/models/*',
        accepts: speaksAnthropic,
        handle: async (context) => {
          let id = context.pathRest;
          try {
            id = decodeURIComponent(context.pathRest);
          } catch {
            // a malformed escape (`%`, `%E0%A4%A`): look the id up as it was sent
          }
          const listed = findModel(
            context.router,
            resolveBareModelId(context.router, id, 'anthropic'),
            context.caller.models,
          );
          if (!listed) throw modelNotFound(context.router, id);
          return jsonResponse(200, modelInfo(listed));
        },
      },
    ],
  };
}

function modelInfo({ model }: ListedModel): { type: 'model'; id: string; display_name: string; created_at: string } {
  return {
    type: 'model',
    id: model.id,
    display_name: model.name ?? model.id,
    created_at: releasedAt(model).toISOString().replace('.000Z', 'Z'),
  };
}

async function messages(context: RouteContext): Promise<GatewayHttpResponse> {
  const body = expectFields(context.body, 'The request body');
  const notes = new DialectNotes();
  const request = messagesRequest(context, body, notes);
  return answerGeneration(
    context,
    request,
    optionalBoolean(body, 'stream') ?? false,
    (result) => message(result),
    (stream) => new MessageEventEncoder(stream, request.model),
    notes,
  );
}

/**
 * The top-level fields of a Messages request (the SDK's `MessageCreateParamsBase`, plus the older
 * sampling fields and the gateway's `providerOptions`). Anything else is a 400, as Anthropic answers.
 * The README's field table says what becomes of each.
 */
const MESSAGE_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'stream',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'metadata',
  'cache_control',
  'output_config',
  'service_tier',
  'speed',
  'inference_geo',
  'container',
  'diagnostics',
  'user_profile_id',
  'workspace_id',
  'providerOptions',
]);
/**
 * Fields only Claude served by Anthropic itself (or Claude on Vertex AI, which reads the same options) can take: sent
 * as they are.
 */
const CLAUDE_ONLY_FIELDS = ['service_tier', 'speed', 'inference_geo', 'container', 'diagnostics'] as const;
/** The provider types that read `providerOptions.anthropic` into a Messages API body. */
const MESSAGES_API_PROVIDERS = ['anthropic', 'vertex'] as const;
const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;

/**
 * `POST /v1/messages/count_tokens`: an estimate (about four characters a token, plus a fixed amount
 * per image or file: `estimatePromptTokens`), not the vendor's tokenizer. It says so: the
 * `x-gateway-token-count: estimate` header and `estimated: true` in the body. The request is
 * validated as a message request (without `max_tokens`), and the key must be allowed the model.
 */
async function countTokens(context: RouteContext): Promise<GatewayHttpResponse> {
  const body = expectFields(context.body, 'The request body');
  const request = messagesRequest(context, { ...body, max_tokens: 1 }, new DialectNotes());
  authorizeModels(context.caller, [request.model]);
  if (!parseRawModelId(request.model)) context.router.catalog.resolve(request.model); // model_not_found, with "did you mean"
  const system = request.system === undefined ? 0 : estimateTextTokens(request.system);
  const inputTokens = system + estimatePromptTokens((request.messages ?? []) as Message[], request.tools ?? []);
  return jsonResponse(200, { input_tokens: inputTokens, estimated: true }, { 'x-gateway-token-count': 'estimate' });
}

function messagesRequest(context: RouteContext, body: Fields, notes: DialectNotes): GenerateRequest {
  for (const key of Object.keys(body))
    if (!MESSAGE_FIELDS.has(key)) throw invalid(`\`${key}\`: Extra inputs are not permitted`, key);
  const model = resolveBareModelId(
    context.router,
    requiredString(body, 'model', 'model', 'a catalog id such as "anthropic/claude-sonnet-4"'),
    'anthropic',
  );
  if (body.max_tokens === undefined)
    throw invalid('`max_tokens` is required: the most tokens the reply may have', 'max_tokens');
  if (body.messages === undefined)
    throw invalid('`messages` is required: an array of user and assistant messages', 'messages');
  const maxOutputTokens = optionalNumber(body, 'max_tokens', { integer: true, min: 1 });
  const metadata = optionalFields(body, 'metadata');
  if (metadata)
    for (const key of Object.keys(metadata))
      if (key !== 'user_id')
        throw invalid(
          `\`metadata.${key}\`: Extra inputs are not permitted (metadata takes user_id only)`,
          `metadata.${key}`,
        );
  const tools = messageTools(body.tools);
  const claude: Record<string, unknown> = {};
  const thinking = thinkingOf(body.thinking);
  if (thinking) claude.thinking = thinking.config;
  const output = outputConfig(body.output_config);
  if (output.effort) claude.effort = output.effort;
  const marker = cacheControlOf(body, 'cache_control');
  if (marker) claude.cacheControl = marker;
  for (const field of CLAUDE_ONLY_FIELDS) {
    if (body[field] === undefined || body[field] === null) continue;
    claude[field] = body[field];
    notes.vendorOnly(field, MESSAGES_API_PROVIDERS);
  }
  for (const field of ['user_profile_id', 'workspace_id'] as const) {
    if (body[field] !== undefined)
      notes.warn({
        type: 'unsupported',
        feature: field,
        details: "It names the caller's own Anthropic organisation, not the gateway's; it was not sent",
      });
  }
  const choice = messageToolChoice(body.tool_choice);
  return {
    model,
    messages: [...systemMessages(body.system), ...convertMessages(expectArray(body.messages, 'messages'))],
    maxOutputTokens,
    temperature: optionalNumber(body, 'temperature', { min: 0, max: 1 }),
    topP: optionalNumber(body, 'top_p', { min: 0, max: 1 }),
    topK: optionalNumber(body, 'top_k', { integer: true, min: 0 }),
    stopSequences: optionalStringArray(body, 'stop_sequences'),
    ...(tools ? { tools } : {}),
    toolChoice: choice?.toolChoice,
    ...(choice?.disableParallel ? { parallelToolCalls: false } : {}),
    ...(output.format ? { responseFormat: output.format } : {}),
    reasoning: thinking?.effort ?? output.effort,
    user: metadata ? optionalString(metadata, 'user_id', 'metadata.user_id') : undefined,
    providerOptions: withClaudeOptions(
      mergeProviderOptions(body.providerOptions, routingFromHeaders(context.headers), 'providerOptions'),
      claude,
    ),
  };
}

/** The request's Messages API settings under `providerOptions.anthropic`, below the caller's own. */
function withClaudeOptions(
  options: ProviderOptions | undefined,
  claude: Record<string, unknown>,
): ProviderOptions | undefined {
  if (Object.keys(claude).length === 0) return options;
  return { ...options, anthropic: { ...claude, ...options?.anthropic } };
}

/** A block's `cache_control` (`{ type: 'ephemeral', ttl?: '5m' | '1h' }`), validated. */
function cacheControlOf(block: Fields, path: string): Record<string, string> | undefined {
  const value = block.cache_control;
  if (value === undefined || value === null) return undefined;
  const marker = expectFields(value, path);
  if (marker.type !== 'ephemeral')
    throw invalid(`\`${path}.type\` must be "ephemeral", got ${describeValue(marker.type)}`, `${path}.type`);
  const ttl = optionalEnum(marker, 'ttl', ['5m', '1h'] as const, `${path}.ttl`);
  return ttl ? { type: 'ephemeral', ttl } : { type: 'ephemeral' };
}

/** A block's cache breakpoint as the canonical part or message option (`providerOptions.anthropic.cacheControl`). */
function cacheOptions(block: Fields, path: string): { providerOptions?: ProviderOptions } {
  const marker = cacheControlOf(block, `${path}.cache_control`);
  return marker ? { providerOptions: { anthropic: { cacheControl: marker } } } : {};
}

/** `system` as leading system messages: one per text block, each keeping its cache breakpoint. */
function systemMessages(value: unknown): MessageInput[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ role: 'system', content: value }];
  return expectArray(value, 'system').map((block, index): MessageInput => {
    const path = `system[${index}]`;
    const fields = expectFields(block, path);
    if (fields.type !== 'text')
      throw invalid(`\`${path}.type\` must be "text", got ${describeValue(fields.type)}`, `${path}.type`);
    return { role: 'system', content: requiredString(fields, 'text', `${path}.text`), ...cacheOptions(fields, path) };
  });
}

/**
 * `thinking`: kept exactly for Claude (`providerOptions.anthropic.thinking`), and as a reasoning effort for other
 * vendors.
 */
function thinkingOf(
  value: unknown,
): { config: Record<string, unknown>; effort: ReasoningEffort | undefined } | undefined {
  if (value === undefined || value === null) return undefined;
  const thinking = expectFields(value, 'thinking');
  const type = optionalEnum(thinking, 'type', ['enabled', 'disabled', 'adaptive'] as const, 'thinking.type');
  const display = optionalEnum(thinking, 'display', ['summarized', 'omitted'] as const, 'thinking.display');
  if (type === 'disabled') return { config: { type }, effort: 'none' };
  if (type === 'adaptive') return { config: { type, ...(display ? { display } : {}) }, effort: 'medium' };
  const budget = optionalNumber(thinking, 'budget_tokens', { integer: true, min: 1 }, 'thinking.budget_tokens');
  if (budget === undefined)
    throw invalid('`thinking.budget_tokens` is required when thinking is enabled', 'thinking.budget_tokens');
  return {
    config: { type: 'enabled', budget_tokens: budget, ...(display ? { display } : {}) },
    effort: budget <= 2_048 ? 'low' : budget <= 8_192 ? 'medium' : 'high',
  };
}

/**
 * `output_config`: `format` (JSON Schema output) becomes the canonical response format; `effort` a reasoning effort.
 */
function outputConfig(value: unknown): { format?: ResponseFormat; effort?: (typeof EFFORTS)[number] } {
  if (value === undefined || value === null) return {};
  const config = expectFields(value, 'output_config');
  for (const key of Object.keys(config))
    if (key !== 'format' && key !== 'effort')
      throw invalid(`\`output_config.${key}\`: Extra inputs are not permitted`, `output_config.${key}`);
  const effort = config.effort === null ? undefined : optionalEnum(config, 'effort', EFFORTS, 'output_config.effort');
  if (config.format === undefined || config.format === null) return effort ? { effort } : {};
  const format = expectFields(config.format, 'output_config.format');
  if (format.type !== 'json_schema')
    throw invalid(
      `\`output_config.format.type\` must be "json_schema", got ${describeValue(format.type)}`,
      'output_config.format.type',
    );
  const schema = expectFields(format.schema, 'output_config.format.schema') as JsonSchema;
  return { format: { type: 'json', schema }, ...(effort ? { effort } : {}) };
}

function convertMessages(list: unknown[]): MessageInput[] {
  if (list.length === 0) throw invalid('`messages` must contain at least one message', 'messages');
  const toolNames = new Map<string, string>();
  const converted: MessageInput[] = [];
  list.forEach((entry, index) => {
    const path = `messages[${index}]`;
    const message = expectFields(entry, path);
    const role = message.role;
    if (role !== 'user' && role !== 'assistant')
      throw invalid(`\`${path}.role\` must be "user" or "assistant", got ${describeValue(role)}`, `${path}.role`);
    if (typeof message.content === 'string') {
      converted.push({ role, content: message.content });
      return;
    }
    const blocks = mapObjects(message.content, `${path}.content`, (block) => block);
    if (role === 'assistant') {
      converted.push(assistantMessage(blocks, path, toolNames));
      return;
    }
    const results: ToolResultPart[] = [];
    const parts: Array<TextPart | FilePart> = [];
    blocks.forEach((block, blockIndex) => {
      const blockPath = `${path}.content[${blockIndex}]`;
      if (block.type === 'tool_result') results.push(toolResult(block, blockPath, toolNames));
      else parts.push(userPart(block, blockPath));
    });
    if (results.length > 0) converted.push({ role: 'tool', content: results });
    if (parts.length > 0) converted.push({ role: 'user', content: parts });
  });
  return converted;
}

function userPart(block: Fields, path: string): TextPart | FilePart {
  const cache = cacheOptions(block, path);
  if (block.type === 'text') return { type: 'text', text: requiredString(block, 'text', `${path}.text`), ...cache };
  if (block.type === 'image' || block.type === 'document') {
    const source = expectFields(block.source, `${path}.source`);
    const fallback = block.type === 'image' ? 'image/*' : 'application/pdf';
    if (source.type === 'base64')
      return {
        type: 'file',
        mediaType: optionalString(source, 'media_type', `${path}.source.media_type`) ?? fallback,
        data: { type: 'data', data: requiredString(source, 'data', `${path}.source.data`) },
        ...cache,
      };
    if (source.type === 'url')
      return {
        type: 'file',
        ...fileFromReference(requiredString(source, 'url', `${path}.source.url`), fallback, `${path}.source.url`),
        ...cache,
      };
    if (source.type === 'text' && block.type === 'document')
      return {
        type: 'file',
        mediaType: 'text/plain',
        data: {
          type: 'data',
          data: Buffer.from(requiredString(source, 'data', `${path}.source.data`)).toString('base64'),
        },
        ...cache,
      };
    throw invalid(
      `\`${path}.source.type\` must be "base64" or "url", got ${describeValue(source.type)}`,
      `${path}.source.type`,
    );
  }
  throw invalid(
    `\`${path}.type\` must be one of text, image, document, tool_result in a user message, got ${describeValue(block.type)}`,
    `${path}.type`,
  );
}

function toolResult(block: Fields, path: string, toolNames: Map<string, string>): ToolResultPart {
  const toolCallId = requiredString(block, 'tool_use_id', `${path}.tool_use_id`);
  const toolName = toolNames.get(toolCallId);
  if (toolName === undefined)
    throw invalid(
      `\`${path}.tool_use_id\` "${toolCallId}" does not answer any tool_use block of an earlier assistant message`,
      `${path}.tool_use_id`,
    );
  const isError = optionalBoolean(block, 'is_error', `${path}.is_error`) ?? false;
  const content = block.content;
  // A breakpoint on the result or on a block inside it: the canonical result carries one for the whole.
  let cache = cacheOptions(block, path);
  if (Array.isArray(content))
    content.forEach((inner, index) => {
      if (isFields(inner) && inner.cache_control !== undefined && inner.cache_control !== null)
        cache = cacheOptions(inner, `${path}.content[${index}]`);
    });
  let output: ToolResultOutput;
  if (content === undefined || content === null || typeof content === 'string') {
    output = { type: isError ? 'error-text' : 'text', value: content ?? '' };
  } else {
    const items = mapObjects(content, `${path}.content`, userPart);
    if (isError || items.every((item) => item.type === 'text')) {
      output = {
        type: isError ? 'error-text' : 'text',
        value: items.map((item) => (item.type === 'text' ? item.text : '')).join(''),
      };
    } else {
      output = {
        type: 'content',
        value: items.map((item) => {
          if (item.type === 'text') return { type: 'text', text: item.text };
          if (item.data.type !== 'data')
            throw invalid(`\`${path}.content\` images in a tool result must be base64, not URLs`, `${path}.content`);
          return {
            type: 'media',
            data: typeof item.data.data === 'string' ? item.data.data : Buffer.from(item.data.data).toString('base64'),
            mediaType: item.mediaType,
          };
        }),
      };
    }
  }
  return { type: 'tool-result', toolCallId, toolName, output, ...cache };
}

function assistantMessage(blocks: Fields[], path: string, toolNames: Map<string, string>): MessageInput {
  const content: AssistantMessage['content'] = [];
  blocks.forEach((block, index) => {
    const blockPath = `${path}.content[${index}]`;
    switch (block.type) {
      case 'text':
        content.push({
          type: 'text',
          text: requiredString(block, 'text', `${blockPath}.text`),
          ...cacheOptions(block, blockPath),
        });
        break;
      case 'tool_use': {
        const toolCallId = requiredString(block, 'id', `${blockPath}.id`);
        const toolName = requiredString(block, 'name', `${blockPath}.name`);
        toolNames.set(toolCallId, toolName);
        content.push({
          type: 'tool-call',
          toolCallId,
          toolName,
          input: expectFields(block.input ?? {}, `${blockPath}.input`),
          ...cacheOptions(block, blockPath),
        });
        break;
      }
      case 'thinking': {
        if (block.cache_control !== undefined)
          throw invalid(
            `\`${blockPath}.cache_control\`: thinking blocks cannot be cache breakpoints`,
            `${blockPath}.cache_control`,
          );
        const signature = optionalString(block, 'signature', `${blockPath}.signature`);
        content.push({
          type: 'reasoning',
          text: requiredString(block, 'thinking', `${blockPath}.thinking`),
          ...(signature ? { providerOptions: { anthropic: { signature } } } : {}),
        });
        break;
      }
      case 'redacted_thinking':
        break;
      default:
        throw invalid(
          `\`${blockPath}.type\` must be one of text, tool_use, thinking in an assistant message, got ${describeValue(block.type)}`,
          `${blockPath}.type`,
        );
    }
  });
  return { role: 'assistant', content };
}

function messageTools(value: unknown): ToolDefinition[] | undefined {
  return mapOptionalObjects(value, 'tools', (tool, path): ToolDefinition => {
    if (tool.type !== undefined && tool.type !== 'custom')
      throw invalid(
        `\`${path}.type\` ${describeValue(tool.type)}: server tools are not supported by this gateway; declare client tools with name and input_schema`,
        `${path}.type`,
      );
    const description = optionalString(tool, 'description', `${path}.description`);
    const strict = optionalBoolean(tool, 'strict', `${path}.strict`);
    return {
      type: 'function',
      name: requiredString(tool, 'name', `${path}.name`),
      inputSchema: expectFields(tool.input_schema, `${path}.input_schema`) as JsonSchema,
      ...(description ? { description } : {}),
      ...(strict === undefined ? {} : { strict }),
      ...cacheOptions(tool, path),
    };
  });
}

/** `tool_choice`, and whether it turns parallel tool use off (`disable_parallel_tool_use`). */
function messageToolChoice(value: unknown): { toolChoice: ToolChoice; disableParallel: boolean } | undefined {
  if (value === undefined || value === null) return undefined;
  const choice = expectFields(value, 'tool_choice');
  const disableParallel =
    optionalBoolean(choice, 'disable_parallel_tool_use', 'tool_choice.disable_parallel_tool_use') === true;
  switch (choice.type) {
    case 'auto':
      return { toolChoice: { type: 'auto' }, disableParallel };
    case 'any':
      return { toolChoice: { type: 'required' }, disableParallel };
    case 'none':
      return { toolChoice: { type: 'none' }, disableParallel: false };
    case 'tool':
      return {
        toolChoice: { type: 'tool', toolName: requiredString(choice, 'name', 'tool_choice.name') },
        disableParallel,
      };
    default:
      throw invalid(
        `\`tool_choice.type\` must be one of auto, any, tool, none, got ${describeValue(choice.type)}`,
        'tool_choice.type',
      );
  }
}

function messageUsage(usage: GenerateResult['usage']): Record<string, number> {
  const counts = tokenCounts(usage);
  return {
    input_tokens: counts.noCacheInput,
    output_tokens: counts.output,
    cache_creation_input_tokens: counts.cacheWrite,
    cache_read_input_tokens: counts.cacheRead,
  };
}

function signatureOf(metadata: GenerateResult['providerMetadata']): string {
  const signature = metadata?.anthropic?.signature;
  return typeof signature === 'string' ? signature : '';
}

function message(result: GenerateResult): unknown {
  const content = result.content.flatMap((part): Array<Record<string, unknown>> => {
    if (part.type === 'text') return [{ type: 'text', text: part.text }];
    if (part.type === 'reasoning')
      return [{ type: 'thinking', thinking: part.text, signature: signatureOf(part.providerMetadata) }];
    if (part.type === 'tool-call')
      return [{ type: 'tool_use', id: part.toolCallId, name: part.toolName, input: parseToolInput(part.input) }];
    return [];
  });
  return {
    id: result.generationId,
    type: 'message',
    role: 'assistant',
    model: result.model,
    content,
    stop_reason: finishReasonIn(result.finishReason, STOP_REASONS, ANTHROPIC_STOP_VALUES),
    stop_sequence: null,
    usage: messageUsage(result.usage),
  };
}

function parseToolInput(input: string): unknown {
  try {
    return JSON.parse(input || '{}');
  } catch {
    return {};
  }
}

/** Encodes router stream parts as Anthropic message events. */
class MessageEventEncoder implements StreamEncoder {
  private nextIndex = 0;
  /** Open content blocks by the stream part id that opened them. */
  private readonly open = new Map<string, number>();
  private readonly streamedTools = new Set<string>();

  constructor(
    private readonly stream: StreamResult,
    private readonly model: string,
  ) {}

  start(): string {
    return sseEvent(
      {
        type: 'message_start',
        message: {
          id: this.stream.generationId,
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      'message_start',
    );
  }

  private begin(key: string, block: Record<string, unknown>): string {
    const index = this.nextIndex++;
    this.open.set(key, index);
    return sseEvent({ type: 'content_block_start', index, content_block: block }, 'content_block_start');
  }

  private delta(key: string, opening: Record<string, unknown>, delta: Record<string, unknown>): string {
    const prefix = this.open.has(key) ? '' : this.begin(key, opening);
    return `${prefix}${sseEvent({ type: 'content_block_delta', index: this.open.get(key), delta }, 'content_block_delta')}`;
  }

  private stop(key: string, before = ''): string {
    const index = this.open.get(key);
    if (index === undefined) return '';
    this.open.delete(key);
    return `${before}${sseEvent({ type: 'content_block_stop', index }, 'content_block_stop')}`;
  }

  part(part: StreamPart): string {
    switch (part.type) {
      case 'text-start':
        return this.begin(`text:${part.id}`, { type: 'text', text: '' });
      case 'text-delta':
        return this.delta(`text:${part.id}`, { type: 'text', text: '' }, { type: 'text_delta', text: part.delta });
      case 'text-end':
        return this.stop(`text:${part.id}`);
      case 'reasoning-start':
        return this.begin(`reasoning:${part.id}`, { type: 'thinking', thinking: '', signature: '' });
      case 'reasoning-delta':
        return this.delta(
          `reasoning:${part.id}`,
          { type: 'thinking', thinking: '', signature: '' },
          { type: 'thinking_delta', thinking: part.delta },
        );
      case 'reasoning-end': {
        const key = `reasoning:${part.id}`;
        const signature = signatureOf(part.providerMetadata);
        return this.stop(
          key,
          signature && this.open.has(key)
            ? sseEvent(
                {
                  type: 'content_block_delta',
                  index: this.open.get(key),
                  delta: { type: 'signature_delta', signature },
                },
                'content_block_delta',
              )
            : '',
        );
      }
      case 'tool-input-start':
        this.streamedTools.add(part.id);
        return this.begin(`tool:${part.id}`, { type: 'tool_use', id: part.id, name: part.toolName, input: {} });
      case 'tool-input-delta':
        return this.open.has(`tool:${part.id}`)
          ? sseEvent(
              {
                type: 'content_block_delta',
                index: this.open.get(`tool:${part.id}`),
                delta: { type: 'input_json_delta', partial_json: part.delta },
              },
              'content_block_delta',
            )
          : '';
      case 'tool-input-end':
        return this.stop(`tool:${part.id}`);
      case 'tool-call': {
        const key = `tool:${part.toolCallId}`;
        if (this.streamedTools.has(part.toolCallId)) return this.stop(key);
        return (
          this.begin(key, { type: 'tool_use', id: part.toolCallId, name: part.toolName, input: {} }) +
          sseEvent(
            {
              type: 'content_block_delta',
              index: this.open.get(key),
              delta: { type: 'input_json_delta', partial_json: part.input },
            },
            'content_block_delta',
          ) +
          this.stop(key)
        );
      }
      case 'finish': {
        let text = '';
        for (const key of [...this.open.keys()]) text += this.stop(key);
        text += sseEvent(
          {
            type: 'message_delta',
            delta: {
              stop_reason: finishReasonIn(part.finishReason, STOP_REASONS, ANTHROPIC_STOP_VALUES),
              stop_sequence: null,
            },
            usage: messageUsage(part.usage),
          },
          'message_delta',
        );
        return text + sseEvent({ type: 'message_stop' }, 'message_stop');
      }
      default:
        return '';
    }
  }

  error(error: GatewayError): string {
    return sseEvent(anthropicErrorBody(error), 'error');
  }

  end(): string {
    return '';
  }
}
