/**
 * A simulator of the OpenAI REST API (Chat Completions, Embeddings, Models), as the official `openai`
 * SDK sends and parses it. It also serves OpenAI-compatible vendors that speak the same protocol
 * (xAI's Grok: `reasoning_content` for models whose name starts with `grok`).
 *
 * @module
 */
import {
  Simulator,
  countTokens,
  defaultReply,
  splitIntoTokens,
  type SimulatedReply,
  type SimulatedRequest,
  type SimulatedResponse,
  type SimulatorOptions,
  type SimulatorProtocol,
} from './simulator-server.js';
import type { JsonSchema } from '../core/types.js';

/**
 * Options of the OpenAI protocol.
 *
 * @example
 * ```ts
 * const protocol = createOpenAIProtocol({ minCacheTokens: 1024 });
 * ```
 */
export interface OpenAIProtocolOptions {
  /** Prompt prefixes of at least this many tokens are cached automatically (OpenAI: 1024). */
  minCacheTokens?: number;
}

/** What a request asked for that the neutral request does not carry. */
interface RequestExtras {
  includeUsage: boolean;
  /** xAI-style `reasoning_content` in messages and deltas. */
  reasoningContent: boolean;
  serviceTier?: string;
  encoding: 'float' | 'base64';
}

type WireBody = Record<string, unknown>;
type WireMessage = { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };
type ParseInput = Parameters<SimulatorProtocol['parse']>[0];

const MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'o4-mini',
  'gpt-5-mini',
  'text-embedding-3-small',
  'text-embedding-3-large',
  'grok-3-mini',
  'grok-4',
];
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const MAX_CACHE_ENTRIES = 2000;

/**
 * Builds an OpenAI protocol with its own prompt cache. Caching follows OpenAI's rules, kept simple
 * and deterministic: every message prefix of at least `minCacheTokens` tokens is cached, and so is a
 * prefix that ends with a content part marked `prompt_cache_breakpoint` (whatever its size; such a
 * request reports `cache_write_tokens`); a later request of the same model and tools that repeats a
 * cached prefix reports its tokens as `prompt_tokens_details.cached_tokens`.
 *
 * @example
 * ```ts
 * const simulator = new Simulator(createOpenAIProtocol());
 * ```
 */
export function createOpenAIProtocol(options: OpenAIProtocolOptions = {}): SimulatorProtocol {
  const minCacheTokens = options.minCacheTokens ?? 1024;
  const cache = new Set<string>();
  const extras = new WeakMap<SimulatedRequest, RequestExtras>();

  const remember = (key: string): void => {
    cache.delete(key);
    cache.add(key);
    if (cache.size > MAX_CACHE_ENTRIES) cache.delete(cache.values().next().value as string);
  };

  function parseChat(body: WireBody): SimulatedRequest | SimulatedResponse {
    const invalid = validateChat(body);
    if (invalid) return invalid;
    const model = body.model as string;
    const messages = body.messages as WireMessage[];
    const texts = messages.map(messageText);
    const prefixTokens = texts.map((_, index) => countTokens(texts.slice(0, index + 1).join('\n')));
    const keys = messages.map((_, index) =>
      JSON.stringify([model, body.tools ?? null, messages.slice(0, index + 1)], withoutBreakpoints),
    );
    let cachedTokens = 0;
    for (let index = messages.length - 1; index >= 0; index -= 1) {
      if (cache.has(keys[index])) {
        cachedTokens = prefixTokens[index];
        break;
      }
    }
    let cacheWrite = false;
    messages.forEach((message, index) => {
      const explicit = hasBreakpoint(message);
      if (explicit && !cache.has(keys[index])) cacheWrite = true;
      if (explicit || prefixTokens[index] >= minCacheTokens) remember(keys[index]);
    });
    const users = messages.filter((message) => message.role === 'user');
    const effort = body.reasoning_effort;
    const request: SimulatedRequest = {
      kind: 'chat',
      model,
      stream: body.stream === true,
      lastUserText: users.length > 0 ? messageText(users[users.length - 1]) : '',
      promptText: texts.join('\n'),
      imageCount: messages.reduce((sum, message) => sum + mediaCount(message), 0),
      tools: wireTools(body.tools),
      toolChoice: wireToolChoice(body.tool_choice),
      hasToolResults: messages.some((message) => message.role === 'tool'),
      json: wireJson(body.response_format),
      maxTokens: numberOrUndefined(body.max_completion_tokens) ?? numberOrUndefined(body.max_tokens),
      stopSequences:
        typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? (body.stop as string[]) : undefined,
      cachedTokens,
      cacheWrite,
      reasoning: model.includes('grok-3-mini') || (typeof effort === 'string' && effort !== 'none'),
    };
    fitReasoningIntoBudget(request);
    const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
    extras.set(request, {
      includeUsage: streamOptions?.include_usage === true,
      reasoningContent: model.startsWith('grok'),
      serviceTier: typeof body.service_tier === 'string' ? body.service_tier : undefined,
      encoding: 'float',
    });
    return request;
  }

  function parseEmbeddings(body: WireBody): SimulatedRequest | SimulatedResponse {
    if (typeof body.model !== 'string' || body.model === '')
      return openAIError(400, 'you must provide a model parameter', 'model');
    const values = embeddingValues(body.input);
    if (!values)
      return openAIError(
        400,
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        'input',
      );
    const dimensions = body.dimensions;
    if (dimensions !== undefined) {
      if (body.model === 'text-embedding-ada-002')
        return openAIError(400, 'This model does not support specifying dimensions.', 'dimensions');
      if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)
        return openAIError(
          400,
          `Invalid 'dimensions': expected an integer >= 1, got ${JSON.stringify(dimensions)}.`,
          'dimensions',
        );
      // The API caps dimensions at the model's own (a request for more is a 400, not a huge vector).
      const most = defaultDimensions(body.model) ?? 3072;
      if (dimensions > most)
        return openAIError(
          400,
          `Invalid value for 'dimensions' = ${dimensions}. Must be less than or equal to ${most}.`,
          'dimensions',
        );
    }
    const encoding = body.encoding_format ?? 'float';
    if (encoding !== 'float' && encoding !== 'base64')
      return openAIError(
        400,
        `Invalid value for 'encoding_format': ${JSON.stringify(encoding)}. Supported values are: 'float' and 'base64'.`,
        'encoding_format',
      );
    const request: SimulatedRequest = {
      kind: 'embed',
      model: body.model,
      stream: false,
      lastUserText: '',
      promptText: values.join('\n'),
      tools: [],
      values,
      dimensions: (dimensions as number | undefined) ?? defaultDimensions(body.model),
    };
    extras.set(request, { includeUsage: false, reasoningContent: false, encoding });
    return request;
  }

  const images = new WeakMap<SimulatedRequest, ImageExtras>();

  /** `POST /v1/images/generations`, with the size, count and format rules of each model family. */
  function parseImages(body: WireBody): SimulatedRequest | SimulatedResponse {
    const model = typeof body.model === 'string' ? body.model : 'dall-e-2';
    const prompt = body.prompt;
    if (typeof prompt !== 'string') return openAIError(400, "Missing required parameter: 'prompt'.", 'prompt');
    if (prompt === '') return openAIError(400, "Invalid 'prompt': empty string.", 'prompt', 'empty_string');
    const family = model.startsWith('gpt-image') ? 'gpt-image' : model.startsWith('grok') ? 'grok' : model;
    const n = body.n ?? 1;
    const most = family === 'dall-e-3' ? 1 : 10;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > most)
      return openAIError(
        400,
        `Invalid 'n': integer above maximum value. Expected a value <= ${most}, but got ${String(n)} instead.`,
        'n',
        'integer_above_max_value',
      );
    if (family === 'gpt-image' && body.response_format !== undefined)
      return openAIError(400, "Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter');
    const sizes: Record<string, string[]> = {
      'gpt-image': ['auto', '1024x1024', '1536x1024', '1024x1536'],
      'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
      'dall-e-2': ['256x256', '512x512', '1024x1024'],
      grok: [],
    };
    const allowed = sizes[family] ?? sizes['dall-e-2'];
    if (body.size !== undefined && body.size !== null && !allowed.includes(body.size as string))
      return family === 'grok'
        ? openAIError(400, 'Argument not supported: size', 'size')
        : openAIError(
            400,
            `Invalid value: '${String(body.size)}'. Supported values are: ${allowed.map((size) => `'${size}'`).join(', ')}.`,
            'size',
            'invalid_value',
          );
    const request: SimulatedRequest = {
      kind: 'image',
      model,
      stream: false,
      lastUserText: prompt,
      promptText: prompt,
      tools: [],
      image: { n, tokenBilled: family === 'gpt-image' },
    };
    images.set(request, {
      family,
      size: typeof body.size === 'string' && body.size !== 'auto' ? body.size : '1024x1024',
      quality:
        typeof body.quality === 'string' && body.quality !== 'auto'
          ? body.quality
          : family === 'gpt-image'
            ? 'low'
            : 'standard',
      url: family !== 'gpt-image' && body.response_format !== 'b64_json',
      prompt,
    });
    return request;
  }

  return {
    name: 'openai',

    parse(input: ParseInput): SimulatedRequest | SimulatedResponse {
      const path = input.path
        .split('?')[0]
        .replace(/^\/v1(?=\/)/, '')
        .replace(/\/+$/, '');
      const method = input.method.toUpperCase();
      const authorization = input.headers.authorization;
      if (typeof authorization !== 'string' || !/^Bearer\s+\S+/i.test(authorization)) {
        return openAIError(
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          null,
          null,
          'invalid_request_error',
        );
      }
      if (method === 'GET' && path === '/models') {
        return { kind: 'json', status: 200, body: { object: 'list', data: MODELS.map(modelObject) } };
      }
      const modelMatch = /^\/models\/([^/]+)$/.exec(path);
      if (method === 'GET' && modelMatch) {
        const id = decodeURIComponent(modelMatch[1]);
        if (!MODELS.includes(id))
          return openAIError(404, `The model '${id}' does not exist`, 'model', 'model_not_found');
        return { kind: 'json', status: 200, body: modelObject(id) };
      }
      if (method !== 'POST' || !['/chat/completions', '/embeddings', '/images/generations'].includes(path)) {
        return openAIError(404, `Invalid URL (${method} ${input.path})`, null);
      }
      let body: unknown;
      try {
        body = JSON.parse(input.body);
      } catch {
        return openAIError(
          400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          null,
        );
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return openAIError(400, 'The request body must be a JSON object.', null);
      if (path === '/images/generations') return parseImages(body as WireBody);
      return path === '/embeddings' ? parseEmbeddings(body as WireBody) : parseChat(body as WireBody);
    },

    render(
      request: SimulatedRequest,
      reply: SimulatedReply,
      context: { responseId: string; created: number },
    ): SimulatedResponse {
      const extra = extras.get(request) ?? { includeUsage: false, reasoningContent: false, encoding: 'float' };
      const headers = { 'x-request-id': `req_${context.responseId}` };
      if (request.kind === 'embed')
        return { kind: 'json', status: 200, headers, body: renderEmbeddings(request, reply, extra) };
      if (request.kind === 'image')
        return { kind: 'json', status: 200, headers, body: renderImages(request, reply, images.get(request), context) };
      const id = `chatcmpl-${context.responseId}`;
      const base = {
        id,
        created: context.created,
        model: request.model,
        service_tier: serviceTierOf(extra),
        system_fingerprint: 'fp_simulated',
      };
      const usage = renderUsage(reply, extra.reasoningContent);
      const finishReason = wireFinishReason(reply.finishReason);
      const reasoning = extra.reasoningContent && reply.reasoning ? reply.reasoning : undefined;
      if (!request.stream) {
        const message: Record<string, unknown> = {
          role: 'assistant',
          content: reply.text === '' && reply.toolCalls.length > 0 ? null : reply.text,
          refusal: null,
          annotations: [],
        };
        if (reasoning !== undefined) message.reasoning_content = reasoning;
        if (reply.toolCalls.length > 0)
          message.tool_calls = reply.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.input) },
          }));
        return {
          kind: 'json',
          status: 200,
          headers,
          body: {
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
            usage,
          },
        };
      }
      const nullUsage = extra.includeUsage ? { usage: null } : {};
      const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
        sse({
          ...base,
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
          ...nullUsage,
        });
      const chunks: Array<{ data: string; content: boolean }> = [
        { data: chunk({ role: 'assistant', content: '', refusal: null }), content: false },
      ];
      // Reasoning is sent unpaced ahead of the answer: pacing, time to first token and cut-offs count answer parts.
      if (reasoning !== undefined)
        for (const piece of splitIntoTokens(reasoning))
          chunks.push({ data: chunk({ reasoning_content: piece }), content: false });
      for (const piece of reply.textChunks) chunks.push({ data: chunk({ content: piece }), content: true });
      reply.toolCalls.forEach((call, index) => {
        chunks.push({
          data: chunk({
            tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
          }),
          content: true,
        });
        for (const piece of slices(JSON.stringify(call.input), 8))
          chunks.push({ data: chunk({ tool_calls: [{ index, function: { arguments: piece } }] }), content: true });
      });
      chunks.push({ data: chunk({}, finishReason), content: false });
      if (extra.includeUsage)
        chunks.push({ data: sse({ ...base, object: 'chat.completion.chunk', choices: [], usage }), content: false });
      chunks.push({ data: 'data: [DONE]\n\n', content: false });
      return { kind: 'stream', contentType: 'text/event-stream; charset=utf-8', headers, chunks };
    },

    errorResponse(status: number, message: string): SimulatedResponse {
      return openAIError(status, message, null);
    },

    refusalResponse(refusal): SimulatedResponse {
      // The bodies OpenAI (and Azure OpenAI, for its content filter) send for these refusals.
      if (refusal.kind === 'context-length')
        return openAIError(
          400,
          `This model's maximum context length is ${refusal.contextWindow} tokens. However, your messages resulted in ${refusal.promptTokens} tokens. Please reduce the length of the messages.`,
          'messages',
          'context_length_exceeded',
          'invalid_request_error',
        );
      return openAIError(
        400,
        'The response was filtered due to the prompt triggering the content management policy. Please modify your prompt and retry.',
        'prompt',
        'content_filter',
        'invalid_request_error',
      );
    },

    malformedResponse(request: SimulatedRequest): SimulatedResponse {
      if (request.stream)
        return {
          kind: 'stream',
          contentType: 'text/event-stream',
          chunks: [{ data: 'data: {"id":"chatcmpl-broken","object":"chat.completion.chunk","choi\n\n', content: true }],
        };
      return { kind: 'json', status: 200, body: '{"id":"chatcmpl-broken","object":"chat.completion","choi' };
    },
  };
}

/**
 * The OpenAI protocol with a shared prompt cache (simulators made by {@link createOpenAISimulator}
 * get their own).
 *
 * @example
 * ```ts
 * const simulator = new Simulator(openAIProtocol, { behaviour: { latencyMs: 5 } });
 * ```
 */
export const openAIProtocol: SimulatorProtocol = createOpenAIProtocol();

/**
 * A simulator of the OpenAI API: `POST /v1/chat/completions` (JSON and SSE), `POST /v1/embeddings`
 * (float and base64), `GET /v1/models`. Paths are accepted with or without the `/v1` prefix; give
 * the SDK `${baseURL}/v1`.
 *
 * @example
 * ```ts
 * const simulator = createOpenAISimulator();
 * const baseURL = await simulator.start();
 * const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${baseURL}/v1`, maxRetries: 0 });
 * await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
 * await simulator.close();
 * ```
 */
export function createOpenAISimulator(options?: SimulatorOptions & OpenAIProtocolOptions): Simulator {
  return new Simulator(createOpenAIProtocol(options), options);
}

function openAIError(
  status: number,
  message: string,
  param: string | null,
  code?: string | null,
  type?: string,
): SimulatedResponse {
  return {
    kind: 'json',
    status,
    headers: { 'x-request-id': `req_error_${status}` },
    body: { error: { message, type: type ?? errorType(status), param, code: code ?? errorCode(status) } },
  };
}

function errorType(status: number): string {
  if (status === 429) return 'requests';
  if (status === 403) return 'permission_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function errorCode(status: number): string | null {
  if (status === 401) return 'invalid_api_key';
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 503 || status === 529) return 'service_unavailable';
  return null;
}

/**
 * The request fields of Chat Completions (the `openai` SDK's `ChatCompletionCreateParamsBase`), plus
 * xAI's `search_parameters` (the simulator also plays xAI's OpenAI-compatible API): any other is a 400.
 */
const CHAT_FIELDS = new Set([
  'messages',
  'model',
  'audio',
  'frequency_penalty',
  'function_call',
  'functions',
  'logit_bias',
  'logprobs',
  'max_completion_tokens',
  'max_tokens',
  'metadata',
  'modalities',
  'moderation',
  'n',
  'parallel_tool_calls',
  'prediction',
  'presence_penalty',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'reasoning_effort',
  'response_format',
  'safety_identifier',
  'seed',
  'service_tier',
  'stop',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'user',
  'verbosity',
  'web_search_options',
  'search_parameters',
]);

function validateChat(body: WireBody): SimulatedResponse | undefined {
  if (typeof body.model !== 'string' || body.model === '')
    return openAIError(400, 'you must provide a model parameter', 'model');
  for (const key of Object.keys(body))
    if (!CHAT_FIELDS.has(key)) return openAIError(400, `Unrecognized request argument supplied: ${key}`, null);
  if (body.parallel_tool_calls !== undefined && !(Array.isArray(body.tools) && body.tools.length > 0))
    return openAIError(
      400,
      "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
      'parallel_tool_calls',
    );
  if (body.messages === undefined)
    return openAIError(400, "Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return openAIError(
      400,
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  if (body.stream_options != null && body.stream !== true)
    return openAIError(
      400,
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
    );
  const messages = body.messages as WireMessage[];
  const pending = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (typeof message !== 'object' || message === null || !ROLES.has(message.role as string)) {
      return openAIError(
        400,
        `Invalid value for 'messages[${index}].role'.`,
        `messages[${index}].role`,
        'invalid_value',
      );
    }
    if (message.role === 'tool') {
      if (typeof message.tool_call_id !== 'string')
        return openAIError(
          400,
          `Missing required parameter: 'messages[${index}].tool_call_id'.`,
          `messages[${index}].tool_call_id`,
          'missing_required_parameter',
        );
      if (!pending.delete(message.tool_call_id))
        return openAIError(
          400,
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages[${index}].role`,
        );
      continue;
    }
    if (pending.size > 0) return unansweredToolCalls(pending, index);
    if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls as Array<{ id?: unknown }>)
        if (typeof call.id === 'string') pending.add(call.id);
    }
  }
  if (pending.size > 0) return unansweredToolCalls(pending, messages.length);
  const tools = body.tools;
  if (tools !== undefined) {
    if (!Array.isArray(tools))
      return openAIError(400, "Invalid type for 'tools': expected an array.", 'tools', 'invalid_type');
    for (const [index, tool] of (tools as Array<{ type?: unknown; function?: { name?: unknown } }>).entries()) {
      if (tool.type === 'function' && typeof tool.function?.name !== 'string')
        return openAIError(
          400,
          `Missing required parameter: 'tools[${index}].function.name'.`,
          `tools[${index}].function.name`,
          'missing_required_parameter',
        );
    }
  }
  const format = body.response_format as { type?: unknown; json_schema?: { name?: unknown } } | undefined;
  if (format?.type === 'json_schema' && typeof format.json_schema?.name !== 'string') {
    return openAIError(
      400,
      "Missing required parameter: 'response_format.json_schema.name'.",
      'response_format.json_schema.name',
      'missing_required_parameter',
    );
  }
  return undefined;
}

function unansweredToolCalls(pending: Set<string>, index: number): SimulatedResponse {
  return openAIError(
    400,
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
    `messages.[${index}].role`,
  );
}

function contentParts(message: WireMessage): Array<Record<string, unknown>> {
  return Array.isArray(message.content) ? (message.content as Array<Record<string, unknown>>) : [];
}

function messageText(message: WireMessage): string {
  const pieces: string[] = [];
  if (typeof message.content === 'string') pieces.push(message.content);
  for (const part of contentParts(message)) {
    if (typeof part.text === 'string') pieces.push(part.text);
    if (typeof part.refusal === 'string') pieces.push(part.refusal);
  }
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls as Array<{ function?: { name?: string; arguments?: string } }>)
      pieces.push(`${call.function?.name ?? ''}${call.function?.arguments ?? ''}`);
  }
  return pieces.join('\n');
}

function mediaCount(message: WireMessage): number {
  return contentParts(message).filter(
    (part) => part.type === 'image_url' || part.type === 'input_audio' || part.type === 'file',
  ).length;
}

function hasBreakpoint(message: WireMessage): boolean {
  return contentParts(message).some((part) => part.prompt_cache_breakpoint !== undefined);
}

function withoutBreakpoints(key: string, value: unknown): unknown {
  return key === 'prompt_cache_breakpoint' ? undefined : value;
}

function wireTools(tools: unknown): SimulatedRequest['tools'] {
  if (!Array.isArray(tools)) return [];
  return (tools as Array<{ type?: string; function?: { name: string; parameters?: JsonSchema } }>)
    .filter((tool) => tool.type === 'function' && tool.function)
    .map((tool) => ({ name: tool.function!.name, inputSchema: tool.function!.parameters }));
}

function wireToolChoice(choice: unknown): SimulatedRequest['toolChoice'] {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  const named = choice as { type?: string; function?: { name?: string } } | undefined;
  if (named?.type === 'function' && typeof named.function?.name === 'string') return { name: named.function.name };
  return undefined;
}

function wireJson(format: unknown): SimulatedRequest['json'] {
  const value = format as { type?: string; json_schema?: { schema?: JsonSchema } } | undefined;
  if (value?.type === 'json_object') return {};
  if (value?.type === 'json_schema') return { schema: value.json_schema?.schema };
  return undefined;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * `max_completion_tokens` covers reasoning and answer alike: the answer gets what the engine's
 * reasoning leaves, and a budget too small for any reasoning skips it (a simplification).
 */
function fitReasoningIntoBudget(request: SimulatedRequest): void {
  if (!request.reasoning || request.maxTokens === undefined) return;
  const reasoningTokens = defaultReply({
    ...request,
    maxTokens: undefined,
    stopSequences: undefined,
    tools: [],
  }).reasoningTokens;
  if (request.maxTokens <= reasoningTokens) request.reasoning = false;
  else request.maxTokens -= reasoningTokens;
}

function embeddingValues(input: unknown): string[] | undefined {
  if (typeof input === 'string') return input === '' ? undefined : [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((value) => typeof value === 'number')) return [input.join(' ')];
  if (input.every((value) => typeof value === 'string' && value !== '')) return input as string[];
  if (input.every((value) => Array.isArray(value) && value.length > 0))
    return (input as unknown[][]).map((tokens) => tokens.join(' '));
  return undefined;
}

function defaultDimensions(model: string): number | undefined {
  if (model === 'text-embedding-3-large') return 3072;
  if (model === 'text-embedding-3-small' || model === 'text-embedding-ada-002') return 1536;
  return undefined;
}

function modelObject(id: string): Record<string, unknown> {
  return { id, object: 'model', created: 1_700_000_000, owned_by: id.startsWith('grok') ? 'xai' : 'system' };
}

function serviceTierOf(extra: RequestExtras): string {
  if (extra.serviceTier === 'fast') return 'priority';
  return extra.serviceTier === undefined || extra.serviceTier === 'auto' ? 'default' : extra.serviceTier;
}

function wireFinishReason(reason: SimulatedReply['finishReason']): string {
  if (reason === 'tool-calls') return 'tool_calls';
  if (reason === 'content-filter') return 'content_filter';
  return reason;
}

/**
 * The usage object. OpenAI's `completion_tokens` includes the reasoning tokens; xAI's (`xai`: Grok
 * models) leaves them out, and its `total_tokens` is prompt + completion + reasoning.
 */
function renderUsage(reply: SimulatedReply, xai: boolean): Record<string, unknown> {
  const promptDetails: Record<string, number> = { cached_tokens: reply.cachedInputTokens, audio_tokens: 0 };
  if (reply.cacheWriteTokens > 0) promptDetails.cache_write_tokens = reply.cacheWriteTokens;
  if (xai) promptDetails.text_tokens = reply.inputTokens;
  return {
    prompt_tokens: reply.inputTokens,
    completion_tokens: xai ? reply.outputTokens - reply.reasoningTokens : reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: {
      reasoning_tokens: reply.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function renderEmbeddings(
  request: SimulatedRequest,
  reply: SimulatedReply,
  extra: RequestExtras,
): Record<string, unknown> {
  const vectors = reply.embeddings ?? [];
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: extra.encoding === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    model: request.model,
    usage: { prompt_tokens: reply.inputTokens, total_tokens: reply.inputTokens },
  };
}

/** What an image request's answer depends on. */
interface ImageExtras {
  family: string;
  size: string;
  quality: string;
  /** Whether the answer carries URLs (DALL·E and Grok without `response_format: 'b64_json'`). */
  url: boolean;
  prompt: string;
}

function renderImages(
  request: SimulatedRequest,
  reply: SimulatedReply,
  extra: ImageExtras | undefined,
  context: { responseId: string; created: number },
): Record<string, unknown> {
  const family = extra?.family ?? 'dall-e-2';
  const data = (reply.images ?? []).map((base64, index) => {
    if (extra?.url) return { url: `https://images.simulator.test/${context.responseId}/${index}.png` };
    return family === 'gpt-image' ? { b64_json: base64 } : { b64_json: base64, revised_prompt: extra?.prompt };
  });
  if (family === 'grok') return { data };
  if (family !== 'gpt-image') return { created: context.created, data };
  return {
    created: context.created,
    background: 'opaque',
    data,
    output_format: 'png',
    quality: extra?.quality ?? 'low',
    size: extra?.size ?? '1024x1024',
    usage: {
      input_tokens: reply.inputTokens,
      input_tokens_details: { image_tokens: 0, text_tokens: reply.inputTokens },
      output_tokens: reply.outputTokens,
      total_tokens: reply.inputTokens + reply.outputTokens,
    },
  };
}

function sse(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

function slices(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces;
}
