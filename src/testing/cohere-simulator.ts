/**
 * A simulator of Cohere's v2 API as `cohere-ai` (`CohereClientV2`) speaks it: `POST /v2/chat`
 * (JSON, or the v2 stream: SSE events `message-start`, `content-start`/`-delta`/`-end` for thinking
 * and text, `tool-plan-delta`, `tool-call-start`/`-delta`/`-end`, `message-end` with
 * `delta.finish_reason` and `delta.usage`) and `POST /v2/embed` (`embeddings_by_type`).
 * Finish reasons are Cohere's (`COMPLETE`, `STOP_SEQUENCE`, `MAX_TOKENS`, `TOOL_CALL`, `ERROR`);
 * usage has `billed_units` and `tokens` (which also counts the prompt template Cohere adds) and
 * `cached_tokens` for a prompt that starts with one served before (Cohere caches automatically):
 * `tokens` counts the cached tokens, `billed_units` does not.
 * Errors are `{ id, message }` with Cohere's statuses; images are accepted by vision models only.
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
  defaultReply,
  Simulator,
  splitIntoTokens,
  type SimulatedReply,
  type SimulatedRequest,
  type SimulatedResponse,
  type SimulatorOptions,
  type SimulatorProtocol,
} from './simulator-server.js';

/** A finish reason Cohere reports. @example `'MAX_TOKENS'` */
export type CohereFinishReason = 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'TIMEOUT';

/**
 * Options of a Cohere simulator.
 *
 * @example
 * ```ts
 * const options: CohereSimulatorOptions = { finishReason: 'ERROR', apiKey: 'co-test-key' };
 * ```
 */
export interface CohereSimulatorOptions extends SimulatorOptions {
  /** Overrides the finish reason of every chat answer (to test `ERROR` or `TIMEOUT`). */
  finishReason?: CohereFinishReason;
  /** When set, only `Authorization: Bearer <apiKey>` is accepted; otherwise any bearer token is. */
  apiKey?: string;
}

/**
 * Tokens of the prompt template Cohere wraps around every chat: counted in `usage.tokens`, not in
 * `usage.billed_units`.
 *
 * @example
 * ```ts
 * body.usage.tokens.input_tokens === body.usage.billed_units.input_tokens + COHERE_TEMPLATE_TOKENS; // true
 * ```
 */
export const COHERE_TEMPLATE_TOKENS = 12;
const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const MAX_EMBED_TEXTS = 96;
const EMBEDDING_TYPES = new Set(['float', 'int8', 'uint8']);

/** Cohere's error body: `{ id, message }`. */
function cohereError(status: number, message: string): SimulatedResponse {
  return jsonResponse(status, { id: alphanumericId(`${status}:${message}`, 32).toLowerCase(), message });
}

const invalid = (message: string): SimulatedResponse => cohereError(400, `invalid request: ${message}`);

/** Default output dimension of Cohere's embedding models. */
function embeddingDimensions(model: string): number {
  if (model.startsWith('embed-v4')) return 1536;
  return model.includes('light') ? 384 : 1024;
}

/** Checks the messages: roles, content, tool results that answer an earlier tool call, images for vision models. */
function checkMessages(model: string, messages: unknown): SimulatedResponse | undefined {
  if (!Array.isArray(messages) || messages.length === 0) return invalid('messages must be a non-empty list');
  const callIds = new Set<string>();
  for (const message of messages) {
    if (!isWireObject(message) || typeof message.role !== 'string' || !ROLES.has(message.role))
      return invalid('message role must be one of system, user, assistant, tool');
    if (message.role !== 'assistant' && message.content === undefined)
      return invalid(`${message.role} message must have content`);
    if (
      Array.isArray(message.content) &&
      message.content.some((part) => isWireObject(part) && part.type === 'image_url') &&
      !model.includes('vision')
    ) {
      return invalid(`model '${model}' does not support image inputs`);
    }
    for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : [])
      if (isWireObject(call) && typeof call.id === 'string') callIds.add(call.id);
    if (message.role === 'tool' && (typeof message.tool_call_id !== 'string' || !callIds.has(message.tool_call_id))) {
      return invalid(
        `tool message with tool_call_id '${String(message.tool_call_id)}' does not answer a previous tool call`,
      );
    }
  }
  return undefined;
}

function checkChatBody(body: WireObject): SimulatedResponse | undefined {
  if (typeof body.model !== 'string' || body.model === '') return invalid('model must be a non-empty string');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return invalid('stream must be a boolean');
  if (
    body.max_tokens !== undefined &&
    !(typeof body.max_tokens === 'number' && Number.isInteger(body.max_tokens) && body.max_tokens > 0)
  )
    return invalid('max_tokens must be a positive integer');
  if (body.tool_choice !== undefined && body.tool_choice !== 'REQUIRED' && body.tool_choice !== 'NONE')
    return invalid("tool_choice must be one of 'REQUIRED', 'NONE'");
  const format = body.response_format;
  if (format !== undefined && !(isWireObject(format) && (format.type === 'text' || format.type === 'json_object')))
    return invalid("response_format.type must be one of 'text', 'json_object'");
  const thinking = body.thinking;
  if (
    thinking !== undefined &&
    !(isWireObject(thinking) && (thinking.type === 'enabled' || thinking.type === 'disabled'))
  )
    return invalid("thinking.type must be one of 'enabled', 'disabled'");
  if (isWireObject(thinking)) {
    for (const key of Object.keys(thinking))
      if (key !== 'type' && key !== 'token_budget') return invalid(`thinking: unknown field '${key}'`);
    if (
      thinking.token_budget !== undefined &&
      !(Number.isInteger(thinking.token_budget) && (thinking.token_budget as number) > 0)
    )
      return invalid('thinking.token_budget must be a positive integer');
  }
  return checkMessages(body.model, body.messages);
}

function finishReasonOf(
  request: SimulatedRequest,
  reply: SimulatedReply,
  override: CohereFinishReason | undefined,
): CohereFinishReason {
  if (override) return override;
  if (reply.finishReason === 'tool-calls') return 'TOOL_CALL';
  if (reply.finishReason === 'length') return 'MAX_TOKENS';
  if (reply.finishReason === 'content-filter') return 'ERROR';
  if (request.stopSequences?.length) {
    const uncut = defaultReply({ ...request, stopSequences: undefined, maxTokens: undefined }).text;
    if (uncut !== reply.text && uncut.startsWith(reply.text)) return 'STOP_SEQUENCE';
  }
  return 'COMPLETE';
}

/** Pieces of a tool call's JSON arguments, as Cohere streams them. */
function argumentPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += 8) pieces.push(text.slice(index, index + 8));
  return pieces;
}

/** The v2 stream of a reply: one SSE event per step, each with its `type` in the data too. */
function streamEvents(
  id: string,
  reply: SimulatedReply,
  toolCalls: WireObject[],
  toolPlan: string,
  finishReason: string,
  usage: WireObject,
): SimulatedResponse {
  const chunks: Array<{ data: string; content: boolean }> = [];
  const event = (type: string, fields: WireObject, content = false): void => {
    chunks.push({ data: sseFrame({ type, ...fields }, type), content });
  };
  event('message-start', {
    id,
    delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
  });
  let index = 0;
  const block = (kind: 'thinking' | 'text', pieces: string[]): void => {
    event('content-start', { index, delta: { message: { content: { type: kind, [kind]: '' } } } });
    for (const piece of pieces)
      event('content-delta', { index, delta: { message: { content: { [kind]: piece } } } }, true);
    event('content-end', { index });
    index += 1;
  };
  if (reply.reasoning) block('thinking', splitIntoTokens(reply.reasoning));
  if (toolCalls.length === 0) block('text', reply.textChunks);
  else {
    for (const piece of splitIntoTokens(toolPlan))
      event('tool-plan-delta', { delta: { message: { tool_plan: piece } } });
    for (const [callIndex, call] of toolCalls.entries()) {
      const fn = call.function as { name: string; arguments: string };
      event(
        'tool-call-start',
        {
          index: callIndex,
          delta: {
            message: { tool_calls: { id: call.id, type: 'function', function: { name: fn.name, arguments: '' } } },
          },
        },
        true,
      );
      for (const piece of argumentPieces(fn.arguments))
        event(
          'tool-call-delta',
          { index: callIndex, delta: { message: { tool_calls: { function: { arguments: piece } } } } },
          true,
        );
      event('tool-call-end', { index: callIndex });
    }
  }
  event('message-end', { id, delta: { finish_reason: finishReason, usage } });
  return { kind: 'stream', contentType: 'text/event-stream', chunks };
}

/**
 * Builds a Cohere v2 protocol for the simulator engine. Each protocol keeps its own prompt cache.
 *
 * @example
 * ```ts
 * const simulator = new Simulator(createCohereProtocol({ finishReason: 'ERROR' }));
 * ```
 */
export function createCohereProtocol(
  options: Pick<CohereSimulatorOptions, 'finishReason' | 'apiKey'> = {},
): SimulatorProtocol {
  const cache = new PromptPrefixCache();

  const parseChat = (body: WireObject): SimulatedRequest | SimulatedResponse => {
    const problem = checkChatBody(body);
    if (problem) return problem;
    const model = body.model as string;
    const summary = summarizeMessages(body.messages as WireObject[]);
    const format = body.response_format as WireObject | undefined;
    const tools = functionTools(body.tools);
    return {
      kind: 'chat',
      model,
      stream: body.stream === true,
      ...summary,
      tools,
      toolChoice: body.tool_choice === 'REQUIRED' ? 'required' : body.tool_choice === 'NONE' ? 'none' : 'auto',
      json:
        format?.type === 'json_object'
          ? isWireObject(format.json_schema)
            ? { schema: format.json_schema }
            : {}
          : undefined,
      maxTokens: body.max_tokens as number | undefined,
      stopSequences: Array.isArray(body.stop_sequences)
        ? body.stop_sequences.filter((stop): stop is string => typeof stop === 'string')
        : undefined,
      cachedTokens: cache.cachedTokens(model, summary.promptText),
      reasoning: isWireObject(body.thinking) && body.thinking.type === 'enabled',
    };
  };

  const parseEmbed = (body: WireObject): SimulatedRequest | SimulatedResponse => {
    if (typeof body.model !== 'string' || body.model === '') return invalid('model must be a non-empty string');
    const texts = body.texts;
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string'))
      return invalid('texts must be a non-empty list of strings');
    if (texts.length > MAX_EMBED_TEXTS)
      return invalid(`too many texts: ${texts.length}; the maximum is ${MAX_EMBED_TEXTS}`);
    if (typeof body.input_type !== 'string')
      return invalid('valid input_type must be provided with the provided model');
    const types = body.embedding_types ?? ['float'];
    if (!Array.isArray(types) || !types.every((type) => typeof type === 'string' && EMBEDDING_TYPES.has(type)))
      return invalid('embedding_types must be a list of float, int8, uint8 (in this simulator)');
    if (body.output_dimension !== undefined && !body.model.startsWith('embed-v4'))
      return invalid(`output_dimension is not supported for model '${body.model}'`);
    return {
      kind: 'embed',
      model: body.model,
      stream: false,
      lastUserText: '',
      promptText: texts.join('\n'),
      tools: [],
      values: texts as string[],
      dimensions: typeof body.output_dimension === 'number' ? body.output_dimension : embeddingDimensions(body.model),
    };
  };

  const renderEmbed = (
    request: SimulatedRequest,
    reply: SimulatedReply,
    responseId: string,
    body: WireObject,
  ): SimulatedResponse => {
    const floats = reply.embeddings ?? [];
    const types = (body.embedding_types as string[] | undefined) ?? ['float'];
    const embeddings: Record<string, number[][]> = {};
    for (const type of types) {
      embeddings[type] =
        type === 'float'
          ? floats
          : floats.map((vector) =>
              vector.map((value) => (type === 'int8' ? Math.round(value * 127) : Math.round((value + 1) * 127.5))),
            );
    }
    const meta = { api_version: { version: '2' }, billed_units: { input_tokens: reply.inputTokens } };
    return jsonResponse(200, {
      id: responseId,
      texts: request.values,
      embeddings,
      meta,
      response_type: 'embeddings_by_type',
    });
  };

  const embedBodies = new WeakMap<SimulatedRequest, WireObject>();

  const renderChat = (request: SimulatedRequest, reply: SimulatedReply, responseId: string): SimulatedResponse => {
    cache.remember(request.model, request.promptText);
    const toolCalls = reply.toolCalls.map((call, index) => ({
      id: `${call.name}_${alphanumericId(`${responseId}:${index}`, 12).toLowerCase()}`,
      type: 'function',
      // A call without arguments comes with the arguments "null", as Cohere sends it.
      function: {
        name: call.name,
        arguments: Object.keys(call.input).length === 0 ? 'null' : JSON.stringify(call.input),
      },
    }));
    const toolPlan =
      toolCalls.length > 0 ? `I will call ${reply.toolCalls.map((call) => call.name).join(' and ')}.` : '';
    const finishReason = finishReasonOf(request, reply, options.finishReason);
    const usage = {
      // Cohere bills neither its template nor the prompt tokens served from its cache.
      billed_units: { input_tokens: reply.inputTokens - reply.cachedInputTokens, output_tokens: reply.outputTokens },
      tokens: { input_tokens: reply.inputTokens + COHERE_TEMPLATE_TOKENS, output_tokens: reply.outputTokens },
      ...(reply.cachedInputTokens > 0 ? { cached_tokens: reply.cachedInputTokens } : {}),
    };
    if (request.stream) return streamEvents(responseId, reply, toolCalls, toolPlan, finishReason, usage);
    const content = [
      ...(reply.reasoning ? [{ type: 'thinking', thinking: reply.reasoning }] : []),
      ...(toolCalls.length === 0 ? [{ type: 'text', text: reply.text }] : []),
    ];
    const message = {
      role: 'assistant',
      ...(content.length > 0 ? { content } : {}),
      ...(toolCalls.length > 0 ? { tool_plan: toolPlan, tool_calls: toolCalls } : {}),
    };
    return jsonResponse(200, { id: responseId, finish_reason: finishReason, message, usage });
  };

  /** `POST /v2/rerank`: `{ model, query, documents: string[], top_n?, max_tokens_per_doc? }`. */
  const parseRerank = (body: Record<string, unknown>): SimulatedRequest | SimulatedResponse => {
    if (typeof body.model !== 'string' || body.model === '') return invalid('model must be specified');
    if (typeof body.query !== 'string' || body.query === '') return invalid('query must be a non-empty string');
    const documents = body.documents;
    if (!Array.isArray(documents) || documents.length === 0) return invalid('list of documents must not be empty');
    if (!documents.every((document) => typeof document === 'string'))
      return invalid('documents must be a list of strings in v2');
    if (documents.length > 1000) return invalid('too many documents: at most 1000 are allowed');
    const topN = body.top_n;
    if (topN !== undefined && (typeof topN !== 'number' || !Number.isInteger(topN) || topN < 1))
      return invalid('top_n must be a positive integer');
    return {
      kind: 'rerank',
      model: body.model,
      stream: false,
      lastUserText: body.query,
      promptText: body.query,
      tools: [],
      rerank: { query: body.query, documents: documents as string[], ...(topN !== undefined ? { topN } : {}) },
    };
  };

  return {
    name: 'cohere',
    parse({ method, path, headers, body }) {
      const route = path.split('?')[0];
      if (route !== '/v2/chat' && route !== '/v2/embed' && route !== '/v2/rerank')
        return cohereError(404, `route ${route} not found`);
      if (method !== 'POST') return cohereError(405, `method ${method} not allowed`);
      const authorization = headers.authorization;
      if (!authorization?.startsWith('Bearer ')) return cohereError(401, 'no api key supplied');
      if (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`)
        return cohereError(401, 'invalid api token');
      const parsed = readJsonObject(body);
      if (typeof parsed === 'string') return invalid('the request body must be a JSON object');
      if (route === '/v2/chat') return parseChat(parsed);
      if (route === '/v2/rerank') return parseRerank(parsed);
      const request = parseEmbed(parsed);
      if ('kind' in request && request.kind === 'embed') embedBodies.set(request, parsed);
      return request;
    },
    render(request, reply, { responseId }) {
      if (request.kind === 'embed') return renderEmbed(request, reply, responseId, embedBodies.get(request) ?? {});
      if (request.kind === 'rerank')
        return jsonResponse(200, {
          id: responseId,
          results: (reply.ranking ?? []).map((entry) => ({
            index: entry.index,
            relevance_score: entry.relevanceScore,
          })),
          meta: { api_version: { version: '2' }, billed_units: { search_units: reply.searchUnits ?? 1 } },
        });
      return renderChat(request, reply, responseId);
    },
    errorResponse(status, message) {
      return cohereError(status, message);
    },
  };
}

/**
 * A Cohere protocol with default options (its prompt cache is shared by every simulator built on it;
 * {@link createCohereSimulator} builds a fresh protocol each time).
 *
 * @example
 * ```ts
 * const simulator = new Simulator(cohereProtocol);
 * ```
 */
export const cohereProtocol: SimulatorProtocol = createCohereProtocol();

/**
 * A loopback simulator of Cohere's v2 API for `cohere-ai` (pass its base URL as `baseUrl`).
 *
 * @example
 * ```ts
 * import { createCohereSimulator } from 'switchyard/testing';
 * const simulator = createCohereSimulator();
 * const baseUrl = await simulator.start();
 * const client = new CohereClientV2({ token: 'test', baseUrl });
 * ```
 */
export function createCohereSimulator(options: CohereSimulatorOptions = {}): Simulator {
  return new Simulator(createCohereProtocol(options), options);
}
