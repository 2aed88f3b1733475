/**
 * The OpenAI Responses API request (`POST /v1/responses`) checked and turned into the canonical request:
 * `input` (a string, or message, `function_call` and `function_call_output` items), `instructions`, function
 * tools, `tool_choice`, `text.format`, `reasoning.effort`, sampling and token limits. Bad input is a 400 that
 * names the field. The settings the response object echoes are kept beside the request.
 *
 * @module
 */
import type {
  AssistantMessage,
  FilePart,
  GenerateRequest,
  JsonSchema,
  JsonValue,
  MessageInput,
  ReasoningEffort,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  ToolResultOutput,
} from '../../../core/types.js';
import { resolveBareModelId } from '../../../catalog/model-directory.js';
import { mergeProviderOptions, routingFromHeaders } from '../../routing-options.js';
import {
  describeValue,
  expectFields,
  invalid,
  isFields,
  mapObjects,
  optionalBoolean,
  optionalEnum,
  optionalFields,
  optionalNumber,
  optionalString,
  requiredString,
  type Fields,
} from '../../validate.js';
import type { RouteContext } from '../dialect.js';
import type { DialectNotes } from '../dialect-warnings.js';
import { fileFromReference } from '../file-data.js';
import { withCaching, withVendorOptions } from './openai-dialect.js';
import { reasoningOptions } from './responses-output.js';

const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;

/**
 * What the response object echoes of the request (OpenAI's `Response` fields of the same names).
 *
 * @example
 * ```ts
 * const settings: ResponseSettings = { model: 'openai/gpt-4o', instructions: null, tools: [], tool_choice: 'auto', text: { format: { type: 'text' } } };
 * ```
 */
export interface ResponseSettings {
  model: string;
  instructions: string | null;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: string;
  user: string | null;
  metadata: Record<string, string>;
}

/**
 * A checked Responses API request: the canonical request without its messages (they need the previous
 * response's conversation first), the input items, and what the response echoes.
 *
 * @example
 * ```ts
 * const parsed = parseResponsesRequest(context, body, notes);
 * parsed.request.messages = inputMessages([...previous.items, ...parsed.inputItems]);
 * ```
 */
export interface ResponsesRequest {
  request: GenerateRequest;
  /** `input` as items (a string is one user message). */
  inputItems: unknown[];
  stream: boolean;
  store: boolean;
  previousResponseId: string | undefined;
  settings: ResponseSettings;
}

/** Responses API fields the dialect maps or checks. */
const KNOWN_FIELDS = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'max_output_tokens',
  'temperature',
  'top_p',
  'metadata',
  'user',
  'safety_identifier',
  'store',
  'stream',
  'stream_options',
  'previous_response_id',
  'include',
  'truncation',
  'top_logprobs',
  'providerOptions',
]);
/** OpenAI-only fields: sent to OpenAI as they are, a warning when another vendor serves. */
const OPENAI_ONLY_FIELDS = ['service_tier', 'prompt_cache_key', 'prompt_cache_retention'] as const;
/** Fields the gateway cannot honour: a 400 that says so. */
const REJECTED_FIELDS: Record<string, string> = {
  background: 'background responses are not supported by this gateway: send `background: false` or leave it out',
  conversation: 'conversations are not supported by this gateway: continue with `previous_response_id`',
  prompt: 'prompt templates are not supported by this gateway: send `input` and `instructions`',
};

/**
 * Checks a Responses API body and maps it to the canonical request (messages left for {@link inputMessages}).
 *
 * @example
 * ```ts
 * const parsed = parseResponsesRequest(context, { model: 'anthropic/claude-sonnet-4', input: 'Hi' }, new DialectNotes());
 * parsed.request.model; // 'anthropic/claude-sonnet-4'
 * ```
 */
export function parseResponsesRequest(context: RouteContext, body: Fields, notes: DialectNotes): ResponsesRequest {
  for (const [field, reason] of Object.entries(REJECTED_FIELDS))
    if (body[field] !== undefined && body[field] !== null && body[field] !== false) throw invalid(reason, field);
  const vendor: Record<string, Record<string, unknown>> = { openai: {} };
  for (const key of Object.keys(body)) {
    if (KNOWN_FIELDS.has(key) || key in REJECTED_FIELDS) continue;
    if ((OPENAI_ONLY_FIELDS as readonly string[]).includes(key)) {
      if (body[key] === undefined || body[key] === null) continue;
      vendor.openai[key] = body[key];
      notes.vendorOnly(key, ['openai']);
    } else
      notes.warn({
        type: 'unsupported',
        feature: key,
        details: 'Not a Responses API field this gateway knows; it was ignored',
      });
  }
  const model = resolveBareModelId(
    context.router,
    requiredString(body, 'model', 'model', 'a catalog id such as "openai/gpt-4o" or "anthropic/claude-sonnet-4"'),
    'openai',
  );
  const previousResponseId = optionalString(body, 'previous_response_id');
  if (body.input === undefined || body.input === null)
    throw invalid('`input` is required: a string or an array of input items', 'input');
  const inputItems = inputItemsOf(body.input);
  const instructions = optionalString(body, 'instructions');
  const topLogprobs = optionalNumber(body, 'top_logprobs', { integer: true, min: 0 });
  if (topLogprobs) throw invalid('`top_logprobs` is not supported by this gateway', 'top_logprobs');
  const include = body.include;
  if (
    include !== undefined &&
    include !== null &&
    (!Array.isArray(include) || include.some((x) => typeof x !== 'string'))
  )
    throw invalid('`include` must be an array of strings', 'include');
  const truncation = optionalEnum(body, 'truncation', ['auto', 'disabled'] as const) ?? 'disabled';
  const metadata = optionalFields(body, 'metadata');
  if (metadata && Object.values(metadata).some((value) => typeof value !== 'string'))
    throw invalid('`metadata` must be an object of string values', 'metadata');
  const tools = responseTools(body.tools);
  const toolChoice = responseToolChoice(body.tool_choice);
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');
  const text = optionalFields(body, 'text');
  const { responseFormat, echo: formatEcho } = textFormat(text);
  const verbosity = text && optionalEnum(text, 'verbosity', ['low', 'medium', 'high'] as const, 'text.verbosity');
  if (verbosity !== undefined) {
    vendor.openai.verbosity = verbosity;
    notes.vendorOnly('text.verbosity', ['openai']);
  }
  const reasoning = optionalFields(body, 'reasoning');
  const effort = reasoning
    ? (optionalEnum(reasoning, 'effort', REASONING_EFFORTS, 'reasoning.effort') as ReasoningEffort | undefined)
    : undefined;
  const summary = reasoning
    ? optionalEnum(reasoning, 'summary', ['auto', 'concise', 'detailed'] as const, 'reasoning.summary')
    : undefined;
  const safetyIdentifier = optionalString(body, 'safety_identifier');
  const user = optionalString(body, 'user') ?? safetyIdentifier;
  if (safetyIdentifier !== undefined) vendor.openai.safety_identifier = safetyIdentifier;
  const maxOutputTokens = optionalNumber(body, 'max_output_tokens', { integer: true, min: 1 });
  const temperature = optionalNumber(body, 'temperature', { min: 0, max: 2 });
  const topP = optionalNumber(body, 'top_p', { min: 0, max: 1 });
  const store = optionalBoolean(body, 'store') ?? true;
  const stream = optionalBoolean(body, 'stream') ?? false;
  optionalFields(body, 'stream_options');

  const request: GenerateRequest = {
    model,
    ...(instructions ? { system: instructions } : {}),
    maxOutputTokens,
    temperature,
    topP,
    ...(tools ? { tools: tools.definitions } : {}),
    toolChoice,
    ...(parallelToolCalls === undefined ? {} : { parallelToolCalls }),
    responseFormat,
    reasoning: effort,
    user,
    ...(metadata ? { metadata: metadata as Record<string, string> } : {}),
    providerOptions: withCaching(
      withVendorOptions(
        mergeProviderOptions(body.providerOptions, routingFromHeaders(context.headers), 'providerOptions'),
        vendor,
      ),
      typeof body.prompt_cache_key === 'string',
    ),
  };
  return {
    request,
    inputItems,
    stream,
    store,
    previousResponseId,
    settings: {
      model,
      instructions: instructions ?? null,
      max_output_tokens: maxOutputTokens ?? null,
      parallel_tool_calls: parallelToolCalls ?? true,
      previous_response_id: previousResponseId ?? null,
      reasoning: { effort: effort ?? null, summary: summary ?? null },
      store,
      temperature: temperature ?? null,
      text: { format: formatEcho, ...(verbosity ? { verbosity } : {}) },
      tool_choice: body.tool_choice ?? 'auto',
      tools: tools?.echo ?? [],
      top_p: topP ?? null,
      truncation,
      user: user ?? null,
      metadata: (metadata as Record<string, string> | undefined) ?? {},
    },
  };
}

function inputItemsOf(input: unknown): unknown[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  if (!Array.isArray(input))
    throw invalid(`\`input\` must be a string or an array of input items, got ${describeValue(input)}`, 'input');
  for (const [index, item] of input.entries()) expectFields(item, `input[${index}]`);
  return input;
}

/**
 * Input items (this request's, after the previous response's conversation) as canonical messages:
 * messages by role, `function_call` items as the assistant's tool calls, `function_call_output` items as tool
 * results. Consecutive assistant items make one assistant message, consecutive outputs one tool message.
 * `reasoning` items go back only when they carry this gateway's `encrypted_content` (Claude's signed thinking).
 *
 * @example
 * ```ts
 * inputMessages([{ role: 'user', content: 'Weather?' }, { type: 'function_call', call_id: 'c1', name: 'weather', arguments: '{}' },
 *   { type: 'function_call_output', call_id: 'c1', output: 'sunny' }]).length; // 3
 * ```
 */
export function inputMessages(items: readonly unknown[], firstInputIndex = 0): MessageInput[] {
  const messages: MessageInput[] = [];
  const toolNames = new Map<string, string>();
  let assistant: AssistantMessage | undefined;
  let tool: ToolMessage | undefined;
  const openAssistant = (): AssistantMessage => {
    tool = undefined;
    if (!assistant) {
      assistant = { role: 'assistant', content: [] };
      messages.push(assistant);
    }
    return assistant;
  };
  items.forEach((entry, position) => {
    const path = `input[${position - firstInputIndex}]`;
    const item = expectFields(entry, path);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role === 'assistant') {
          const text = assistantText(item.content, `${path}.content`);
          if (text !== '') openAssistant().content.push({ type: 'text', text });
          return;
        }
        assistant = undefined;
        tool = undefined;
        if (role === 'system' || role === 'developer')
          messages.push({ role: 'system', content: plainText(item.content, `${path}.content`) });
        else if (role === 'user')
          messages.push(
            typeof item.content === 'string'
              ? { role: 'user', content: item.content }
              : { role: 'user', content: userParts(item.content, `${path}.content`) },
          );
        else
          throw invalid(
            `\`${path}.role\` must be one of user, assistant, system, developer, got ${describeValue(role)}`,
            `${path}.role`,
          );
        return;
      }
      case 'function_call': {
        const toolCallId = requiredString(item, 'call_id', `${path}.call_id`);
        const toolName = requiredString(item, 'name', `${path}.name`);
        const args = optionalString(item, 'arguments', `${path}.arguments`) ?? '{}';
        let input: unknown;
        try {
          input = args.trim() === '' ? {} : JSON.parse(args);
        } catch {
          throw invalid(`\`${path}.arguments\` must be a JSON string`, `${path}.arguments`);
        }
        toolNames.set(toolCallId, toolName);
        openAssistant().content.push({ type: 'tool-call', toolCallId, toolName, input });
        return;
      }
      case 'function_call_output': {
        const toolCallId = requiredString(item, 'call_id', `${path}.call_id`);
        const toolName = toolNames.get(toolCallId);
        if (toolName === undefined)
          throw invalid(
            `\`${path}.call_id\` "${toolCallId}" does not answer any function_call of the input or the previous response`,
            `${path}.call_id`,
          );
        assistant = undefined;
        if (!tool) {
          tool = { role: 'tool', content: [] };
          messages.push(tool);
        }
        tool.content.push({
          type: 'tool-result',
          toolCallId,
          toolName,
          output: toolOutput(item.output, `${path}.output`),
        });
        return;
      }
      case 'reasoning': {
        // Only reasoning this gateway made can go back (Claude's signed thinking); other vendors' is left out.
        const providerOptions = reasoningOptions(item.encrypted_content);
        if (!providerOptions) return;
        const summary = Array.isArray(item.summary) ? item.summary : [];
        const text = summary.map((part) => (isFields(part) && typeof part.text === 'string' ? part.text : '')).join('');
        openAssistant().content.push({ type: 'reasoning', text, providerOptions });
        return;
      }
      case 'item_reference':
        throw invalid(
          `\`${path}\`: item references are not supported by this gateway; send the item itself or use previous_response_id`,
          `${path}.type`,
        );
      default:
        throw invalid(
          `\`${path}.type\` must be one of message, function_call, function_call_output, reasoning, got ${describeValue(type)}`,
          `${path}.type`,
        );
    }
  });
  return messages;
}

function plainText(content: unknown, path: string): string {
  if (typeof content === 'string') return content;
  return mapObjects(content, path, (part, partPath) => {
    if (part.type !== 'input_text' && part.type !== 'output_text' && part.type !== 'text')
      throw invalid(
        `\`${partPath}.type\` must be "input_text" here, got ${describeValue(part.type)}`,
        `${partPath}.type`,
      );
    return requiredString(part, 'text', `${partPath}.text`);
  }).join('');
}

function assistantText(content: unknown, path: string): string {
  if (typeof content === 'string') return content;
  return mapObjects(content, path, (part, partPath) => {
    if (part.type === 'refusal') return '';
    if (part.type !== 'output_text' && part.type !== 'input_text')
      throw invalid(
        `\`${partPath}.type\` must be "output_text" or "refusal" here, got ${describeValue(part.type)}`,
        `${partPath}.type`,
      );
    return requiredString(part, 'text', `${partPath}.text`);
  }).join('');
}

function userParts(content: unknown, path: string): Array<TextPart | FilePart> {
  return mapObjects(content, path, (part, partPath): TextPart | FilePart => {
    switch (part.type) {
      case 'input_text':
        return { type: 'text', text: requiredString(part, 'text', `${partPath}.text`) };
      case 'input_image': {
        if (part.file_id !== undefined && part.file_id !== null)
          throw invalid(
            `\`${partPath}.file_id\` is not supported: send the image as \`image_url\` (a data URL or an http(s) URL)`,
            `${partPath}.file_id`,
          );
        const detail = optionalEnum(part, 'detail', ['auto', 'low', 'high'] as const, `${partPath}.detail`);
        return {
          type: 'file',
          ...fileFromReference(
            requiredString(part, 'image_url', `${partPath}.image_url`),
            'image/*',
            `${partPath}.image_url`,
          ),
          ...(detail && detail !== 'auto' ? { providerOptions: { openai: { imageDetail: detail } } } : {}),
        };
      }
      case 'input_file': {
        if (part.file_id !== undefined && part.file_id !== null)
          throw invalid(
            `\`${partPath}.file_id\` is not supported: send the file inline as \`file_data\` or as \`file_url\``,
            `${partPath}.file_id`,
          );
        const filename = optionalString(part, 'filename', `${partPath}.filename`);
        const fileUrl = optionalString(part, 'file_url', `${partPath}.file_url`);
        const reference = fileUrl ?? requiredString(part, 'file_data', `${partPath}.file_data`);
        return {
          type: 'file',
          ...fileFromReference(reference, 'application/pdf', `${partPath}.${fileUrl ? 'file_url' : 'file_data'}`),
          ...(filename ? { filename } : {}),
        };
      }
      default:
        throw invalid(
          `\`${partPath}.type\` must be one of input_text, input_image, input_file, got ${describeValue(part.type)}`,
          `${partPath}.type`,
        );
    }
  });
}

function toolOutput(output: unknown, path: string): ToolResultOutput {
  if (typeof output === 'string') return { type: 'text', value: output };
  if (!Array.isArray(output))
    throw invalid(`\`${path}\` must be a string or an array of input_text / input_image parts`, path);
  const value = mapObjects(output, path, (part, partPath) => {
    if (part.type === 'input_text')
      return { type: 'text' as const, text: requiredString(part, 'text', `${partPath}.text`) };
    if (part.type === 'input_image') {
      const file = fileFromReference(
        requiredString(part, 'image_url', `${partPath}.image_url`),
        'image/png',
        `${partPath}.image_url`,
      );
      if (file.data.type !== 'data')
        throw invalid(
          `\`${partPath}.image_url\` must be a data URL in a function_call_output`,
          `${partPath}.image_url`,
        );
      return { type: 'media' as const, data: String(file.data.data), mediaType: file.mediaType };
    }
    throw invalid(
      `\`${partPath}.type\` must be input_text or input_image, got ${describeValue(part.type)}`,
      `${partPath}.type`,
    );
  });
  return { type: 'content', value };
}

function responseTools(value: unknown): { definitions: ToolDefinition[]; echo: unknown[] } | undefined {
  if (value === undefined || value === null) return undefined;
  const echo: unknown[] = [];
  const definitions = mapObjects(value, 'tools', (tool, path): ToolDefinition => {
    if (tool.type !== 'function')
      throw invalid(
        `\`${path}.type\` must be "function" (hosted tools such as ${describeValue(tool.type)} are not supported by this gateway)`,
        `${path}.type`,
      );
    const name = requiredString(tool, 'name', `${path}.name`);
    const parameters =
      tool.parameters === undefined || tool.parameters === null
        ? { type: 'object', properties: {} }
        : expectFields(tool.parameters, `${path}.parameters`);
    const description = optionalString(tool, 'description', `${path}.description`);
    const strict = optionalBoolean(tool, 'strict', `${path}.strict`);
    echo.push({ type: 'function', name, description: description ?? null, parameters, strict: strict ?? null });
    return {
      type: 'function',
      name,
      inputSchema: parameters as JsonSchema,
      ...(description ? { description } : {}),
      ...(strict !== undefined ? { strict } : {}),
    };
  });
  return { definitions, echo };
}

function responseToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return { type: value };
  if (isFields(value) && value.type === 'function' && typeof value.name === 'string')
    return { type: 'tool', toolName: value.name };
  throw invalid(
    '`tool_choice` must be "auto", "none", "required" or { "type": "function", "name": ... }',
    'tool_choice',
  );
}

function textFormat(text: Fields | undefined): {
  responseFormat: ResponseFormat | undefined;
  echo: Record<string, unknown>;
} {
  const format = text && optionalFields(text, 'format', 'text.format');
  if (!format || format.type === 'text') return { responseFormat: undefined, echo: { type: 'text' } };
  if (format.type === 'json_object') return { responseFormat: { type: 'json' }, echo: { type: 'json_object' } };
  if (format.type === 'json_schema') {
    const schema = expectFields(format.schema, 'text.format.schema');
    const name = optionalString(format, 'name', 'text.format.name') ?? 'response';
    const description = optionalString(format, 'description', 'text.format.description');
    const strict = optionalBoolean(format, 'strict', 'text.format.strict');
    return {
      responseFormat: { type: 'json', schema, name, ...(description ? { description } : {}) },
      echo: {
        type: 'json_schema',
        name,
        schema: schema as JsonValue,
        ...(description ? { description } : {}),
        strict: strict ?? null,
      },
    };
  }
  throw invalid(
    `\`text.format.type\` must be one of text, json_object, json_schema, got ${describeValue(format.type)}`,
    'text.format.type',
  );
}
