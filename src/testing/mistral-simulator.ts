/**
 * A simulator of Mistral's API as `@mistralai/mistralai` speaks it: `POST /v1/chat/completions`
 * (JSON, or SSE `data:` chunks ending with `data: [DONE]`, usage on the last chunk) and
 * `POST /v1/embeddings`, with Mistral's tool-call shape (9-character ids), finish reasons
 * (`stop`, `length`, `tool_calls`, `model_length`, `error`), thinking chunks for reasoning, cached
 * prompt tokens for requests with a `prompt_cache_key`, and Mistral's error bodies (422 validation
 * details as the SDK's `HTTPValidationError` reads them, `{ object: 'error', message, type }` otherwise).
 *
 * @module
 */
import {
  alphanumericId,
  functionTools,
  isWireObject,
  jsonResponse,
  PromptPrefixCache,
  readJsonObject,
  sseFrame,
  summarizeMessages,
  type WireObject,
} from './chat-simulator-support.js';
import {
  Simulator,
  splitIntoTokens,
  type SimulatedReply,
  type SimulatedRequest,
  type SimulatedResponse,
  type SimulatorOptions,
  type SimulatorProtocol,
} from './simulator-server.js';

/** A finish reason Mistral reports. @example `'model_length'` */
export type MistralFinishReason = 'stop' | 'length' | 'tool_calls' | 'model_length' | 'error';

/**
 * Options of a Mistral simulator.
 *
 * @example
 * ```ts
 * const options: MistralSimulatorOptions = { toolArguments: 'object', finishReason: 'model_length' };
 * ```
 */
export interface MistralSimulatorOptions extends SimulatorOptions {
  /** How tool-call arguments are sent: a JSON string (default, as the API does) or an object (the SDK accepts both). */
  toolArguments?: 'string' | 'object';
  /** Overrides the finish reason of every chat answer (to test `model_length` or `error`). */
  finishReason?: MistralFinishReason;
  /** When set, only `Authorization: Bearer <apiKey>` is accepted; otherwise any bearer token is. */
  apiKey?: string;
}

/** The request fields the chat endpoint accepts (the SDK's `ChatCompletionRequest`); others are a 422. */
const CHAT_FIELDS = new Set([
  'model',
  'temperature',
  'top_p',
  'max_tokens',
  'stream',
  'stop',
  'random_seed',
  'metadata',
  'messages',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'reasoning_effort',
  'prompt_mode',
  'guardrails',
  'prompt_cache_key',
  'service_tier',
  'safe_prompt',
]);
const EMBED_FIELDS = new Set(['model', 'input', 'metadata', 'output_dimension', 'output_dtype', 'encoding_format']);
const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const TOOL_CHOICES = new Set(['auto', 'none', 'any', 'required']);
const TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;
/** Default output dimension of Mistral's embedding models; only `codestral-embed` takes `output_dimension`. */
const EMBEDDING_DIMENSIONS: Record<string, number> = { 'mistral-embed': 1024, 'codestral-embed': 1536 };

/** A 422 body in the FastAPI shape that the SDK's `HTTPValidationError` parses. */
function validationError(type: string, loc: Array<string | number>, msg: string, input?: unknown): SimulatedResponse {
  return jsonResponse(422, { detail: [{ type, loc: ['body', ...loc], msg, input: input ?? null }] });
}

/** Mistral's usual error body. */
function mistralError(status: number, message: string, type?: string): SimulatedResponse {
  if (status === 422) return validationError('value_error', [], message);
  if (status === 401) return jsonResponse(401, { message, request_id: alphanumericId(message, 32).toLowerCase() });
  const defaultType =
    status === 429
      ? 'rate_limited'
      : status >= 500
        ? 'internal_server_error'
        : status === 404
          ? 'not_found'
          : 'invalid_request_error';
  return jsonResponse(status, { object: 'error', message, type: type ?? defaultType, param: null, code: null });
}

function isInteger(value: unknown, minimum: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= minimum;
}

/** Checks the messages: roles, tool-call ids of 9 characters, tool results that answer an earlier call. */
function checkMessages(messages: unknown): SimulatedResponse | undefined {
  if (messages === undefined) return validationError('missing', ['messages'], 'Field required');
  if (!Array.isArray(messages))
    return validationError('list_type', ['messages'], 'Input should be a valid list', messages);
  if (messages.length === 0) return mistralError(400, 'Messages list must not be empty');
  const callIds = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (!isWireObject(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) {
      return validationError(
        'union_tag_invalid',
        ['messages', index],
        "Input tag does not match any of the expected tags: 'assistant', 'system', 'tool', 'user'",
        message,
      );
    }
    if ((message.role === 'user' || message.role === 'system') && message.content === undefined)
      return validationError('missing', ['messages', index, message.role, 'content'], 'Field required');
    for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
      const id = isWireObject(call) ? call.id : undefined;
      if (typeof id !== 'string' || !TOOL_CALL_ID.test(id))
        return mistralError(400, `Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`);
      callIds.add(id);
    }
    if (message.role === 'tool' && (typeof message.tool_call_id !== 'string' || !callIds.has(message.tool_call_id))) {
      return mistralError(400, `Unexpected tool call id ${String(message.tool_call_id)} in tool results`);
    }
  }
  return undefined;
}

/** Checks the top-level fields of a chat request. */
function checkChatBody(body: WireObject): SimulatedResponse | undefined {
  for (const key of Object.keys(body))
    if (!CHAT_FIELDS.has(key))
      return validationError('extra_forbidden', [key], 'Extra inputs are not permitted', body[key]);
  if (body.model === undefined) return validationError('missing', ['model'], 'Field required');
  if (typeof body.model !== 'string')
    return validationError('string_type', ['model'], 'Input should be a valid string', body.model);
  if (body.stream !== undefined && typeof body.stream !== 'boolean')
    return validationError('bool_type', ['stream'], 'Input should be a valid boolean', body.stream);
  if (body.max_tokens !== undefined && body.max_tokens !== null && !isInteger(body.max_tokens, 0))
    return validationError('int_type', ['max_tokens'], 'Input should be a valid integer', body.max_tokens);
  const choice = body.tool_choice;
  if (
    choice !== undefined &&
    !(typeof choice === 'string' && TOOL_CHOICES.has(choice)) &&
    !(isWireObject(choice) && isWireObject(choice.function) && typeof choice.function.name === 'string')
  ) {
    return validationError('enum', ['tool_choice'], "Input should be 'auto', 'none', 'any' or 'required'", choice);
  }
  // Mistral's published spec and its docs (adjustable reasoning) list two efforts only, though its SDK's enum has six.
  const effort = body.reasoning_effort;
  if (effort !== undefined && effort !== null && effort !== 'none' && effort !== 'high')
    return validationError('enum', ['reasoning_effort'], "Input should be 'high' or 'none'", effort);
  if (body.parallel_tool_calls !== undefined && typeof body.parallel_tool_calls !== 'boolean')
    return validationError(
      'bool_type',
      ['parallel_tool_calls'],
      'Input should be a valid boolean',
      body.parallel_tool_calls,
    );
  const format = body.response_format;
  if (
    isWireObject(format) &&
    format.type === 'json_schema' &&
    !(isWireObject(format.json_schema) && isWireObject(format.json_schema.schema))
  ) {
    return validationError('missing', ['response_format', 'json_schema', 'schema'], 'Field required');
  }
  return checkMessages(body.messages);
}

function toolChoiceOf(choice: unknown): SimulatedRequest['toolChoice'] {
  if (choice === 'any' || choice === 'required') return 'required';
  if (choice === 'none' || choice === 'auto') return choice;
  if (isWireObject(choice) && isWireObject(choice.function) && typeof choice.function.name === 'string')
    return { name: choice.function.name };
  return undefined;
}

function jsonOf(format: unknown): SimulatedRequest['json'] {
  if (!isWireObject(format)) return undefined;
  if (format.type === 'json_object') return {};
  if (format.type === 'json_schema' && isWireObject(format.json_schema) && isWireObject(format.json_schema.schema))
    return { schema: format.json_schema.schema };
  return undefined;
}

function stopOf(stop: unknown): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  return Array.isArray(stop) ? stop.filter((value): value is string => typeof value === 'string') : undefined;
}

function finishReasonOf(reply: SimulatedReply, override: MistralFinishReason | undefined): MistralFinishReason {
  if (override) return override;
  if (reply.finishReason === 'tool-calls') return 'tool_calls';
  if (reply.finishReason === 'length') return 'length';
  if (reply.finishReason === 'content-filter') return 'error';
  return 'stop';
}

/**
 * Builds a Mistral protocol for the simulator engine. Each protocol keeps its own prompt cache.
 *
 * @example
 * ```ts
 * const simulator = new Simulator(createMistralProtocol({ toolArguments: 'object' }));
 * ```
 */
export function createMistralProtocol(
  options: Pick<MistralSimulatorOptions, 'toolArguments' | 'finishReason' | 'apiKey'> = {},
): SimulatorProtocol {
  const cache = new PromptPrefixCache();
  const cacheScopes = new WeakMap<SimulatedRequest, string>();

  const parseChat = (body: WireObject): SimulatedRequest | SimulatedResponse => {
    const invalid = checkChatBody(body);
    if (invalid) return invalid;
    const summary = summarizeMessages(body.messages as WireObject[]);
    const scope = typeof body.prompt_cache_key === 'string' ? body.prompt_cache_key : undefined;
    const effort = body.reasoning_effort;
    const request: SimulatedRequest = {
      kind: 'chat',
      model: body.model as string,
      stream: body.stream === true,
      ...summary,
      tools: functionTools(body.tools),
      toolChoice: toolChoiceOf(body.tool_choice),
      json: jsonOf(body.response_format),
      maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
      stopSequences: stopOf(body.stop),
      cachedTokens: scope === undefined ? 0 : cache.cachedTokens(scope, summary.promptText),
      reasoning:
        (typeof effort === 'string' && effort !== 'none') ||
        body.prompt_mode === 'reasoning' ||
        (body.model as string).startsWith('magistral'),
    };
    if (scope !== undefined) cacheScopes.set(request, scope);
    return request;
  };

  const parseEmbed = (body: WireObject): SimulatedRequest | SimulatedResponse => {
    for (const key of Object.keys(body))
      if (!EMBED_FIELDS.has(key))
        return validationError('extra_forbidden', [key], 'Extra inputs are not permitted', body[key]);
    if (typeof body.model !== 'string') return validationError('missing', ['model'], 'Field required');
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(input) || input.length === 0 || !input.every((value) => typeof value === 'string'))
      return validationError('missing', ['input'], 'Field required', body.input);
    const model = body.model;
    const family = Object.keys(EMBEDDING_DIMENSIONS).find((name) => model.startsWith(name));
    if (body.output_dimension !== undefined && body.output_dimension !== null) {
      if (!family?.startsWith('codestral-embed'))
        return mistralError(400, `Model ${model} does not support output_dimension`);
      if (!isInteger(body.output_dimension, 1))
        return validationError(
          'int_type',
          ['output_dimension'],
          'Input should be a valid integer',
          body.output_dimension,
        );
    }
    const values = input as string[];
    return {
      kind: 'embed',
      model,
      stream: false,
      lastUserText: '',
      promptText: values.join('\n'),
      tools: [],
      values,
      dimensions: (body.output_dimension as number | undefined) ?? EMBEDDING_DIMENSIONS[family ?? 'mistral-embed'],
    };
  };

  const renderChat = (
    request: SimulatedRequest,
    reply: SimulatedReply,
    responseId: string,
    created: number,
  ): SimulatedResponse => {
    const toolCalls = reply.toolCalls.map((call, index) => ({
      id: alphanumericId(`${responseId}:${index}`, 9),
      type: 'function',
      function: {
        name: call.name,
        arguments: options.toolArguments === 'object' ? call.input : JSON.stringify(call.input),
      },
      index,
    }));
    const usage = {
      prompt_tokens: reply.inputTokens,
      completion_tokens: reply.outputTokens,
      total_tokens: reply.inputTokens + reply.outputTokens,
      ...(reply.cachedInputTokens > 0 ? { prompt_tokens_details: { cached_tokens: reply.cachedInputTokens } } : {}),
    };
    const finishReason = finishReasonOf(reply, options.finishReason);
    const base = { id: responseId, created, model: request.model };
    if (!request.stream) {
      const content = reply.reasoning
        ? [
            { type: 'thinking', thinking: [{ type: 'text', text: reply.reasoning }] },
            { type: 'text', text: reply.text },
          ]
        : reply.text;
      const message = {
        role: 'assistant',
        content,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        prefix: false,
      };
      return jsonResponse(200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason: finishReason }],
        usage,
      });
    }
    const chunk = (delta: WireObject, finish: string | null = null, extra: WireObject = {}): string =>
      sseFrame({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...extra,
      });
    const chunks: Array<{ data: string; content: boolean }> = [
      { data: chunk({ role: 'assistant', content: '' }), content: false },
    ];
    for (const piece of reply.reasoning ? splitIntoTokens(reply.reasoning) : []) {
      chunks.push({
        data: chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: piece }] }] }),
        content: true,
      });
    }
    for (const piece of reply.textChunks) chunks.push({ data: chunk({ content: piece }), content: true });
    for (const call of toolCalls) chunks.push({ data: chunk({ tool_calls: [call] }), content: true });
    chunks.push({ data: chunk({ content: '' }, finishReason, { usage }), content: false });
    chunks.push({ data: sseFrame('[DONE]'), content: false });
    return { kind: 'stream', contentType: 'text/event-stream', chunks };
  };

  return {
    name: 'mistral',
    parse({ method, path, headers, body }) {
      const route = path.split('?')[0];
      if (route !== '/v1/chat/completions' && route !== '/v1/embeddings')
        return jsonResponse(404, { detail: 'Not Found' });
      if (method !== 'POST') return jsonResponse(405, { detail: 'Method Not Allowed' });
      const authorization = headers.authorization;
      if (
        !authorization?.startsWith('Bearer ') ||
        (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`)
      )
        return mistralError(401, 'Unauthorized');
      const parsed = readJsonObject(body);
      if (parsed === 'invalid-json') return mistralError(400, 'Invalid JSON body');
      if (parsed === 'not-an-object')
        return validationError(
          'model_attributes_type',
          [],
          'Input should be a valid dictionary or object to extract fields from',
          body,
        );
      return route === '/v1/embeddings' ? parseEmbed(parsed) : parseChat(parsed);
    },
    render(request, reply, { responseId, created }) {
      if (request.kind === 'embed') {
        const data = (reply.embeddings ?? []).map((embedding, index) => ({ object: 'embedding', embedding, index }));
        return jsonResponse(200, {
          id: responseId,
          object: 'list',
          data,
          model: request.model,
          usage: { prompt_tokens: reply.inputTokens, completion_tokens: 0, total_tokens: reply.inputTokens },
        });
      }
      const scope = cacheScopes.get(request);
      if (scope !== undefined) cache.remember(scope, request.promptText);
      return renderChat(request, reply, responseId, created);
    },
    errorResponse(status, message) {
      return mistralError(status, message);
    },
  };
}

/**
 * A Mistral protocol with default options (its prompt cache is shared by every simulator built on it;
 * {@link createMistralSimulator} builds a fresh protocol each time).
 *
 * @example
 * ```ts
 * const simulator = new Simulator(mistralProtocol);
 * ```
 */
export const mistralProtocol: SimulatorProtocol = createMistralProtocol();

/**
 * A loopback simulator of Mistral's API for `@mistralai/mistralai` (pass its base URL as `serverURL`).
 *
 * @example
 * ```ts
 * import { createMistralSimulator } from 'switchyard/testing';
 * const simulator = createMistralSimulator();
 * const serverURL = await simulator.start();
 * const client = new Mistral({ apiKey: 'test', serverURL, retryConfig: { strategy: 'none' } });
 * ```
 */
export function createMistralSimulator(options: MistralSimulatorOptions = {}): Simulator {
  return new Simulator(createMistralProtocol(options), options);
}
