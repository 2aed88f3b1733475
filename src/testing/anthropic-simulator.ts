/**
 * A simulator of Anthropic's Messages API (`POST /v1/messages`), speaking the wire format the official
 * `@anthropic-ai/sdk` sends and parses: JSON messages and the server-sent event stream
 * (`message_start`, `content_block_*`, `message_delta`, `message_stop`, `ping`), prompt-caching
 * usage, extended thinking with signatures, and vendor-shaped error bodies.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { JsonSchema } from '../core/types.js';
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

type JsonRecord = Record<string, unknown>;

/** A piece of the prompt in cache order (tools, system, messages), and whether a cache breakpoint ends it. */
interface PromptSegment {
  text: string;
  cacheControl?: JsonRecord;
}

/** What the protocol keeps about a parsed request until it renders the answer. */
interface RequestExtras {
  /** Key of the marked prompt prefix, stored in the cache once the request is answered. */
  cacheKey?: string;
  /**
   * Tokens of the prompt up to its last `ttl: '1h'` breakpoint: a write covers them for an hour, the rest for 5
   * minutes.
   */
  oneHourTokens: number;
}

class InvalidRequest extends Error {}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const STOP_REASONS: Record<SimulatedReply['finishReason'], string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
};

const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * The top-level fields of a Messages request in the API version the SDK sends (2026-10-21, the SDK's
 * `MessageCreateParamsBase`): anything else, `temperature`, `top_p` and `top_k` among them, is a 400.
 */
const REQUEST_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'cache_control',
  'container',
  'diagnostics',
  'inference_geo',
  'metadata',
  'output_config',
  'service_tier',
  'speed',
  'stop_sequences',
  'stream',
  'system',
  'thinking',
  'tool_choice',
  'tools',
  'user_profile_id',
  'workspace_id',
]);
/** The fields of each `thinking` type. */
const THINKING_FIELDS: Record<string, ReadonlySet<string>> = {
  enabled: new Set(['type', 'budget_tokens', 'display']),
  adaptive: new Set(['type', 'display']),
  disabled: new Set(['type']),
  between_tools: new Set(['type']),
};
/** Block types that take no `cache_control`. */
const UNCACHEABLE_BLOCKS = new Set(['thinking', 'redacted_thinking']);
/** The API's limit on `cache_control` breakpoints in one request. */
const MAX_CACHE_BREAKPOINTS = 4;

function rejectExtraFields(fields: JsonRecord, allowed: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(fields))
    requireField(allowed.has(key), `${path}${path ? '.' : ''}${key}: Extra inputs are not permitted`);
}

/**
 * The signature the simulator attaches to a thinking block, and checks when the block comes back.
 *
 * @example
 * ```ts
 * thinkingSignature('Thinking about: hi'); // 'U2lt...' (deterministic)
 * ```
 */
export function thinkingSignature(thinking: string): string {
  return Buffer.from(`sim-signature:${createHash('sha256').update(thinking).digest('hex')}`).toString('base64');
}

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireField(condition: boolean, message: string): void {
  if (!condition) throw new InvalidRequest(message);
}

function sse(event: string, data: unknown, content = false): { data: string; content: boolean } {
  return { data: `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, content };
}

function readCacheControl(block: JsonRecord, path: string): JsonRecord | undefined {
  const marker = block.cache_control;
  if (marker === undefined || marker === null) return undefined;
  requireField(
    isRecord(marker) && marker.type === 'ephemeral',
    `${path}.cache_control.type: Input should be 'ephemeral'`,
  );
  const ttl = (marker as JsonRecord).ttl;
  requireField(
    ttl === undefined || ttl === '5m' || ttl === '1h',
    `${path}.cache_control.ttl: Input should be '5m' or '1h'`,
  );
  return marker as JsonRecord;
}

/** Reads the text an image or document source stands for, and validates it. */
function readSource(block: JsonRecord, path: string): string {
  const source = block.source;
  requireField(isRecord(source), `${path}.source: Field required`);
  const typed = source as JsonRecord;
  if (typed.type === 'base64') {
    requireField(typeof typed.data === 'string' && typed.data.length > 0, `${path}.source.data: Field required`);
    const mediaType = typed.media_type;
    if (block.type === 'image')
      requireField(
        typeof mediaType === 'string' && IMAGE_MEDIA_TYPES.has(mediaType),
        `${path}.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`,
      );
    else requireField(mediaType === 'application/pdf', `${path}.source.media_type: Input should be 'application/pdf'`);
    return '';
  }
  if (typed.type === 'url') {
    requireField(
      typeof typed.url === 'string' && /^https?:\/\//.test(typed.url),
      `${path}.source.url: Input should be a valid URL`,
    );
    return '';
  }
  if (typed.type === 'text' && block.type === 'document') {
    requireField(typeof typed.data === 'string', `${path}.source.data: Field required`);
    return typed.data as string;
  }
  if (typed.type === 'file') return '';
  throw new InvalidRequest(`${path}.source.type: Input tag '${String(typed.type)}' is not supported`);
}

/** Everything the protocol learns from walking the messages. */
interface MessageScan {
  segments: PromptSegment[];
  lastUserText: string;
  imageCount: number;
  hasToolResults: boolean;
}

function scanBlock(block: unknown, path: string, scan: MessageScan, role: string): string {
  requireField(isRecord(block), `${path}: Input should be a valid dictionary`);
  const typed = block as JsonRecord;
  if (UNCACHEABLE_BLOCKS.has(String(typed.type)))
    requireField(
      typed.cache_control === undefined,
      `${path}.${String(typed.type)}.cache_control: Extra inputs are not permitted`,
    );
  const cacheControl = readCacheControl(typed, path);
  let text: string;
  switch (typed.type) {
    case 'text':
      requireField(typeof typed.text === 'string', `${path}.text: Field required`);
      text = typed.text as string;
      break;
    case 'image':
    case 'document':
      text = readSource(typed, path);
      if (text === '') scan.imageCount += 1;
      break;
    case 'thinking':
      requireField(role === 'assistant', `${path}: thinking blocks are only allowed in assistant messages`);
      requireField(typeof typed.thinking === 'string', `${path}.thinking: Field required`);
      requireField(typeof typed.signature === 'string', `${path}.signature: Field required`);
      requireField(
        typed.signature === thinkingSignature(typed.thinking as string),
        `${path}: Invalid \`signature\` in \`thinking\` block`,
      );
      text = typed.thinking as string;
      break;
    case 'redacted_thinking':
      requireField(typeof typed.data === 'string', `${path}.data: Field required`);
      text = '';
      break;
    case 'tool_use':
      requireField(role === 'assistant', `${path}: tool_use blocks are only allowed in assistant messages`);
      requireField(
        typeof typed.id === 'string' && typeof typed.name === 'string',
        `${path}: tool_use blocks need an id and a name`,
      );
      text = `${String(typed.name)} ${JSON.stringify(typed.input ?? {})}`;
      break;
    case 'tool_result': {
      requireField(role === 'user', `${path}: tool_result blocks are only allowed in user messages`);
      requireField(typeof typed.tool_use_id === 'string', `${path}.tool_use_id: Field required`);
      requireField(
        typed.is_error === undefined || typeof typed.is_error === 'boolean',
        `${path}.is_error: Input should be a valid boolean`,
      );
      scan.hasToolResults = true;
      const content = typed.content;
      if (Array.isArray(content)) {
        const nested: MessageScan = { segments: [], lastUserText: '', imageCount: 0, hasToolResults: false };
        content.forEach((inner, index) => scanBlock(inner, `${path}.content.${index}`, nested, 'user'));
        scan.imageCount += nested.imageCount;
        text = nested.segments.map((segment) => segment.text).join('\n');
      } else text = typeof content === 'string' ? content : '';
      break;
    }
    default:
      throw new InvalidRequest(
        `${path}.type: Input tag '${String(typed.type)}' found using 'type' does not match any of the expected tags`,
      );
  }
  scan.segments.push({ text, cacheControl });
  return typed.type === 'text' ? text : '';
}

function scanMessages(messages: unknown[], scan: MessageScan): void {
  messages.forEach((message, index) => {
    const path = `messages.${index}`;
    requireField(isRecord(message), `${path}: Input should be a valid dictionary`);
    const typed = message as JsonRecord;
    requireField(
      typed.role === 'user' || typed.role === 'assistant' || typed.role === 'system',
      `${path}.role: Input should be 'user', 'assistant' or 'system'`,
    );
    rejectExtraFields(typed, new Set(['role', 'content']), path);
    const role = typed.role as string;
    let texts: string[];
    if (typeof typed.content === 'string') {
      scan.segments.push({ text: typed.content });
      texts = [typed.content];
    } else {
      requireField(Array.isArray(typed.content), `${path}.content: Field required`);
      texts = (typed.content as unknown[]).map((block, blockIndex) =>
        scanBlock(block, `${path}.content.${blockIndex}`, scan, role),
      );
    }
    const userText = texts.filter((text) => text !== '').join('\n');
    if (role === 'user' && userText !== '') scan.lastUserText = userText;
  });
}

function scanSystem(system: unknown, scan: MessageScan): void {
  if (system === undefined || system === null) return;
  if (typeof system === 'string') {
    scan.segments.push({ text: system });
    return;
  }
  requireField(Array.isArray(system), 'system: Input should be a valid string or a list of text blocks');
  (system as unknown[]).forEach((block, index) => {
    requireField(
      isRecord(block) && block.type === 'text' && typeof block.text === 'string',
      `system.${index}: Input should be a text block`,
    );
    scan.segments.push({
      text: (block as JsonRecord).text as string,
      cacheControl: readCacheControl(block as JsonRecord, `system.${index}`),
    });
  });
}

function scanTools(tools: unknown, scan: MessageScan): SimulatedRequest['tools'] {
  if (tools === undefined) return [];
  requireField(Array.isArray(tools), 'tools: Input should be a valid list');
  const result: SimulatedRequest['tools'] = [];
  (tools as unknown[]).forEach((tool, index) => {
    const path = `tools.${index}`;
    requireField(isRecord(tool) && typeof tool.name === 'string', `${path}.name: Field required`);
    const typed = tool as JsonRecord;
    const isCustom = typed.type === undefined || typed.type === null || typed.type === 'custom';
    if (isCustom) {
      requireField(
        isRecord(typed.input_schema) && (typed.input_schema as JsonRecord).type === 'object',
        `${path}.input_schema.type: Input should be 'object'`,
      );
      result.push({ name: typed.name as string, inputSchema: typed.input_schema as JsonSchema });
    }
    scan.segments.push({
      text: `${String(typed.name)} ${String(typed.description ?? '')} ${JSON.stringify(typed.input_schema ?? {})}`,
      cacheControl: readCacheControl(typed, path),
    });
  });
  return result;
}

function readToolChoice(choice: unknown, toolNames: string[]): SimulatedRequest['toolChoice'] {
  if (choice === undefined) return undefined;
  requireField(isRecord(choice), 'tool_choice: Input should be a valid dictionary');
  const typed = choice as JsonRecord;
  rejectExtraFields(
    typed,
    typed.type === 'none'
      ? new Set(['type'])
      : typed.type === 'tool'
        ? new Set(['type', 'name', 'disable_parallel_tool_use'])
        : new Set(['type', 'disable_parallel_tool_use']),
    `tool_choice.${String(typed.type)}`,
  );
  requireField(
    typed.disable_parallel_tool_use === undefined || typeof typed.disable_parallel_tool_use === 'boolean',
    'tool_choice.disable_parallel_tool_use: Input should be a valid boolean',
  );
  switch (typed.type) {
    case 'auto':
      return 'auto';
    case 'none':
      return 'none';
    case 'any':
      return 'required';
    case 'tool':
      requireField(typeof typed.name === 'string', 'tool_choice.name: Field required');
      requireField(
        toolNames.includes(typed.name as string),
        `tool_choice.name: Tool '${String(typed.name)}' not found in tools`,
      );
      return { name: typed.name as string };
    default:
      throw new InvalidRequest(`tool_choice.type: Input tag '${String(typed.type)}' is not supported`);
  }
}

/** Validates `thinking` and what it forbids; returns whether reasoning was requested. */
function readThinking(body: JsonRecord, toolChoice: SimulatedRequest['toolChoice']): boolean {
  const thinking = body.thinking;
  if (thinking === undefined || thinking === null) return false;
  requireField(isRecord(thinking), 'thinking: Input should be a valid dictionary');
  const typed = thinking as JsonRecord;
  const allowed = THINKING_FIELDS[String(typed.type)];
  requireField(allowed !== undefined, `thinking.type: Input tag '${String(typed.type)}' is not supported`);
  rejectExtraFields(typed, allowed, `thinking.${String(typed.type)}`);
  if (typed.type === 'disabled' || typed.type === 'between_tools') return false;
  if (typed.type === 'enabled') {
    const budget = typed.budget_tokens;
    requireField(Number.isInteger(budget), 'thinking.enabled.budget_tokens: Field required');
    requireField(
      (budget as number) >= 1024,
      'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
    );
    requireField(
      (budget as number) < (body.max_tokens as number),
      '`max_tokens` must be greater than `thinking.budget_tokens`',
    );
  }
  requireField(
    toolChoice === undefined || toolChoice === 'auto' || toolChoice === 'none',
    'Thinking may not be enabled when tool_choice forces tool use.',
  );
  return true;
}

function readJsonFormat(body: JsonRecord): SimulatedRequest['json'] {
  const config = body.output_config;
  if (config === undefined) return undefined;
  requireField(isRecord(config), 'output_config: Input should be a valid dictionary');
  const typed = config as JsonRecord;
  rejectExtraFields(typed, new Set(['effort', 'format']), 'output_config');
  requireField(
    typed.effort === undefined ||
      typed.effort === null ||
      ['low', 'medium', 'high', 'xhigh', 'max'].includes(typed.effort as string),
    "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'",
  );
  if (typed.format === undefined || typed.format === null) return undefined;
  const format = typed.format;
  requireField(
    isRecord(format) && format.type === 'json_schema' && isRecord(format.schema),
    'output_config.format: Input should be a json_schema format with a schema',
  );
  rejectExtraFields(format as JsonRecord, new Set(['type', 'schema']), 'output_config.format');
  return { schema: (format as JsonRecord).schema as JsonSchema };
}

/** `metadata`, `service_tier` and `speed`: the shapes the API takes. */
function checkRequestOptions(body: JsonRecord): void {
  if (body.metadata !== undefined) {
    requireField(isRecord(body.metadata), 'metadata: Input should be a valid dictionary');
    rejectExtraFields(body.metadata as JsonRecord, new Set(['user_id']), 'metadata');
    const userId = (body.metadata as JsonRecord).user_id;
    requireField(
      userId === undefined || userId === null || (typeof userId === 'string' && userId.length <= 256),
      'metadata.user_id: Input should be a valid string of at most 256 characters',
    );
  }
  requireField(
    body.service_tier === undefined || body.service_tier === 'auto' || body.service_tier === 'standard_only',
    "service_tier: Input should be 'auto' or 'standard_only'",
  );
  requireField(
    body.speed === undefined || body.speed === null || body.speed === 'standard' || body.speed === 'fast',
    "speed: Input should be 'standard' or 'fast'",
  );
}

function checkHeaders(headers: IncomingMessage['headers']): SimulatedResponse | undefined {
  const apiKey = headers['x-api-key'];
  const authorization = headers.authorization;
  const hasKey = typeof apiKey === 'string' && apiKey.length > 0;
  const hasBearer = typeof authorization === 'string' && /^Bearer\s+\S+/.test(authorization);
  if (!hasKey && !hasBearer) return renderError(401, 'x-api-key header is required');
  if (typeof headers['anthropic-version'] !== 'string' || headers['anthropic-version'] === '')
    return renderError(400, 'anthropic-version: header is required');
  return undefined;
}

let requestCounter = 0;

function renderError(status: number, message: string): SimulatedResponse {
  requestCounter += 1;
  const requestId = `req_sim_${requestCounter}`;
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return {
    kind: 'json',
    status,
    body: { type: 'error', error: { type, message }, request_id: requestId },
    headers: { 'request-id': requestId },
  };
}

/** Whether the default reply was cut at a stop sequence, and at which one. */
function stopSequenceFor(request: SimulatedRequest, reply: SimulatedReply): string | null {
  if (!request.stopSequences?.length || reply.finishReason !== 'stop' || reply.toolCalls.length > 0) return null;
  const uncut = defaultReply({ ...request, stopSequences: undefined, maxTokens: undefined }).text;
  let best: { at: number; stop: string } | undefined;
  for (const stop of request.stopSequences) {
    const at = uncut.indexOf(stop);
    if (at >= 0 && (best === undefined || at < best.at)) best = { at, stop };
  }
  return best && best.at === reply.text.length && uncut.startsWith(reply.text) ? best.stop : null;
}

function usageFor(reply: SimulatedReply, extras: RequestExtras | undefined): JsonRecord {
  const cacheRead = reply.cachedInputTokens;
  const cacheWrite = reply.cacheWriteTokens;
  const oneHour = Math.min(cacheWrite, extras?.oneHourTokens ?? 0);
  return {
    input_tokens: Math.max(0, reply.inputTokens - cacheRead - cacheWrite),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: cacheWrite - oneHour, ephemeral_1h_input_tokens: oneHour },
    output_tokens: reply.outputTokens,
    ...(reply.reasoningTokens > 0 ? { output_tokens_details: { thinking_tokens: reply.reasoningTokens } } : {}),
    service_tier: 'standard',
  };
}

/** The usage of `message_delta`: the fields of `MessageDeltaUsage`, cumulative. */
function deltaUsage(usage: JsonRecord): JsonRecord {
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens, output_tokens_details } =
    usage;
  return {
    input_tokens,
    cache_creation_input_tokens,
    cache_read_input_tokens,
    output_tokens,
    ...(output_tokens_details ? { output_tokens_details } : {}),
  };
}

function toolUseId(id: string): string {
  return `toolu_${id.replace(/^call_/, '')}`;
}

function contentBlocks(reply: SimulatedReply): JsonRecord[] {
  const blocks: JsonRecord[] = [];
  if (reply.reasoning)
    blocks.push({ type: 'thinking', thinking: reply.reasoning, signature: thinkingSignature(reply.reasoning) });
  if (reply.text !== '' || reply.toolCalls.length === 0)
    blocks.push({ type: 'text', text: reply.text, citations: null });
  for (const call of reply.toolCalls)
    blocks.push({
      type: 'tool_use',
      id: toolUseId(call.id),
      name: call.name,
      input: call.input,
      caller: { type: 'direct' },
    });
  return blocks;
}

function splitEvery(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces;
}

/** The SSE events of one content block, from `content_block_start` to `content_block_stop`. */
function blockEvents(
  block: JsonRecord,
  index: number,
  reply: SimulatedReply,
): Array<{ data: string; content: boolean }> {
  const delta = (value: JsonRecord, content = true): { data: string; content: boolean } =>
    sse('content_block_delta', { type: 'content_block_delta', index, delta: value }, content);
  const events = [];
  if (block.type === 'thinking') {
    events.push(
      sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      }),
    );
    for (const piece of splitIntoTokens(block.thinking as string))
      events.push(delta({ type: 'thinking_delta', thinking: piece }));
    events.push(delta({ type: 'signature_delta', signature: block.signature }, false));
  } else if (block.type === 'text') {
    events.push(
      sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '', citations: null },
      }),
    );
    for (const piece of reply.textChunks) events.push(delta({ type: 'text_delta', text: piece }));
  } else {
    events.push(
      sse('content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } }),
    );
    for (const piece of splitEvery(JSON.stringify(block.input), 8))
      events.push(delta({ type: 'input_json_delta', partial_json: piece }));
  }
  events.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  return events;
}

/**
 * A Messages API protocol that also parses a Messages body on its own, for platforms that carry the
 * body on their own paths and authenticate it their own way (Claude on Vertex AI).
 *
 * @example
 * ```ts
 * const claude: AnthropicProtocol = createAnthropicProtocol();
 * const request = claude.parseMessages({ model: 'claude-sonnet-4@20250514', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export interface AnthropicProtocol extends SimulatorProtocol {
  /** Validates a parsed Messages API body: the request to answer, or the API's 400 answer. */
  parseMessages(body: Record<string, unknown>): SimulatedRequest | SimulatedResponse;
}

/**
 * Builds a Messages API protocol for the shared simulator engine. Each protocol keeps its own prompt
 * cache: a request whose prompt prefix up to its last `cache_control` breakpoint was answered
 * before reports that prefix as `cache_read_input_tokens`; otherwise a breakpoint makes the
 * request report `cache_creation_input_tokens`.
 *
 * @example
 * ```ts
 * const simulator = new Simulator(createAnthropicProtocol());
 * ```
 */
export function createAnthropicProtocol(): AnthropicProtocol {
  const cache = new Set<string>();
  const extrasByRequest = new WeakMap<SimulatedRequest, RequestExtras>();

  function parseBody(body: JsonRecord): SimulatedRequest {
    requireField(typeof body.model === 'string' && body.model !== '', 'model: Field required');
    requireField(body.max_tokens !== undefined, 'max_tokens: Field required');
    requireField(
      Number.isInteger(body.max_tokens) && (body.max_tokens as number) >= 0,
      'max_tokens: Input should be a valid non-negative integer',
    );
    requireField(Array.isArray(body.messages), 'messages: Field required');
    requireField((body.messages as unknown[]).length > 0, 'messages: at least one message is required');
    requireField(
      body.stream === undefined || typeof body.stream === 'boolean',
      'stream: Input should be a valid boolean',
    );
    rejectExtraFields(body, REQUEST_FIELDS, '');
    checkRequestOptions(body);
    requireField(
      body.stop_sequences === undefined ||
        (Array.isArray(body.stop_sequences) && body.stop_sequences.every((stop) => typeof stop === 'string')),
      'stop_sequences: Input should be a list of strings',
    );
    const scan: MessageScan = { segments: [], lastUserText: '', imageCount: 0, hasToolResults: false };
    const tools = scanTools(body.tools, scan);
    scanSystem(body.system, scan);
    scanMessages(body.messages as unknown[], scan);
    requireField(
      body.tool_choice === undefined || (Array.isArray(body.tools) && body.tools.length > 0),
      'tool_choice: may only be specified while providing tools',
    );
    const toolChoice = readToolChoice(
      body.tool_choice,
      tools.map((tool) => tool.name),
    );
    const reasoning = readThinking(body, toolChoice);
    const topLevelMarker =
      body.cache_control === undefined || body.cache_control === null ? undefined : readCacheControl(body, 'request');
    if (topLevelMarker && scan.segments.length > 0)
      scan.segments[scan.segments.length - 1].cacheControl = topLevelMarker;

    const breakpoints = scan.segments.filter((segment) => segment.cacheControl !== undefined).length;
    requireField(
      breakpoints <= MAX_CACHE_BREAKPOINTS,
      `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
    // Longer lifetimes first: the API rejects a 1-hour breakpoint after a 5-minute one.
    const lifetimes = scan.segments
      .filter((segment) => segment.cacheControl !== undefined)
      .map((segment) => (segment.cacheControl?.ttl === '1h' ? '1h' : '5m'));
    requireField(
      lifetimes.indexOf('5m') < 0 || lifetimes.lastIndexOf('1h') < lifetimes.indexOf('5m'),
      "A cache_control block with ttl='1h' must not come after one with ttl='5m' (tools, system, then messages).",
    );
    const promptText = scan.segments.map((segment) => segment.text).join('\n');
    const lastMarked = scan.segments.map((segment) => segment.cacheControl !== undefined).lastIndexOf(true);
    const request: SimulatedRequest = {
      kind: 'chat',
      model: body.model as string,
      stream: body.stream === true,
      lastUserText: scan.lastUserText,
      promptText,
      imageCount: scan.imageCount,
      tools,
      toolChoice,
      hasToolResults: scan.hasToolResults,
      json: readJsonFormat(body),
      maxTokens: body.max_tokens as number,
      stopSequences: body.stop_sequences as string[] | undefined,
      reasoning,
    };
    const extras: RequestExtras = { oneHourTokens: 0 };
    if (lastMarked >= 0) {
      const prefix = scan.segments
        .slice(0, lastMarked + 1)
        .map((segment) => segment.text)
        .join('\n');
      const key = `${request.model}\u0000${prefix}`;
      const lastOneHour = scan.segments.map((segment) => segment.cacheControl?.ttl === '1h').lastIndexOf(true);
      if (lastOneHour >= 0)
        extras.oneHourTokens =
          lastOneHour === lastMarked
            ? Number.POSITIVE_INFINITY
            : countTokens(
                scan.segments
                  .slice(0, lastOneHour + 1)
                  .map((segment) => segment.text)
                  .join('\n'),
              );
      if (cache.has(key)) request.cachedTokens = countTokens(prefix);
      else {
        request.cacheWrite = true;
        extras.cacheKey = key;
      }
    }
    extrasByRequest.set(request, extras);
    return request;
  }

  function parseMessages(body: JsonRecord): SimulatedRequest | SimulatedResponse {
    try {
      return parseBody(body);
    } catch (error) {
      if (error instanceof InvalidRequest) return renderError(400, error.message);
      throw error;
    }
  }

  return {
    name: 'anthropic',

    parse({ method, path, headers, body }) {
      const pathname = path.split('?')[0];
      if (method !== 'POST' || pathname !== '/v1/messages') return renderError(404, `Not found: ${method} ${pathname}`);
      const headerError = checkHeaders(headers);
      if (headerError) return headerError;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return renderError(400, 'There was an issue with the request body: the body is not valid JSON');
      }
      if (!isRecord(parsed)) return renderError(400, 'The request body must be a JSON object');
      return parseMessages(parsed);
    },

    parseMessages,

    render(request, reply, context) {
      const extras = extrasByRequest.get(request);
      if (extras?.cacheKey) {
        cache.add(extras.cacheKey);
        if (cache.size > 10_000) cache.delete(cache.values().next().value as string);
      }
      const id = `msg_${context.responseId.replace(/[^A-Za-z0-9]/g, '')}`;
      const blocks = contentBlocks(reply);
      const stopSequence = stopSequenceFor(request, reply);
      const stopReason = stopSequence === null ? STOP_REASONS[reply.finishReason] : 'stop_sequence';
      const usage = usageFor(reply, extras);
      const message = {
        id,
        type: 'message',
        role: 'assistant',
        model: request.model,
        content: blocks,
        stop_reason: stopReason,
        stop_sequence: stopSequence,
        usage,
      };
      if (!request.stream) return { kind: 'json', status: 200, body: message, headers: { 'request-id': `req_${id}` } };
      const chunks = [
        sse('message_start', {
          type: 'message_start',
          message: {
            ...message,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { ...usage, output_tokens: Math.min(1, reply.outputTokens) },
          },
        }),
        sse('ping', { type: 'ping' }),
        ...blocks.flatMap((block, index) => blockEvents(block, index, reply)),
        // message_delta's usage is cumulative (MessageDeltaUsage): input and cache counts again, with the final output.
        sse('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: stopSequence },
          usage: deltaUsage(usage),
        }),
        sse('message_stop', { type: 'message_stop' }),
      ];
      return {
        kind: 'stream',
        contentType: 'text/event-stream; charset=utf-8',
        chunks,
        headers: { 'request-id': `req_${id}` },
      };
    },

    errorResponse(status, message) {
      return renderError(status, message);
    },

    refusalResponse(refusal) {
      // Anthropic's 400 for a prompt over the window; its content policy answers with stop_reason `refusal`.
      if (refusal.kind === 'context-length')
        return renderError(
          400,
          `prompt is too long: ${refusal.promptTokens} tokens > ${refusal.contextWindow} maximum`,
        );
      return undefined;
    },

    malformedResponse(request) {
      if (request.stream)
        return {
          kind: 'stream',
          contentType: 'text/event-stream; charset=utf-8',
          chunks: [
            {
              data: 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_broken","con\n\n',
              content: true,
            },
          ],
        };
      return { kind: 'json', status: 200, body: '{"id":"msg_broken","type":"message","cont' };
    },
  };
}

/**
 * A shared Messages API protocol instance (its prompt cache is shared by every simulator built on it;
 * {@link createAnthropicSimulator} gives each simulator its own).
 *
 * @example
 * ```ts
 * const simulator = new Simulator(anthropicProtocol, { behaviour: { latencyMs: 5 } });
 * ```
 */
export const anthropicProtocol: SimulatorProtocol = createAnthropicProtocol();

/**
 * A simulator of Anthropic's Messages API on loopback, for tests and benchmarks.
 *
 * @example
 * ```ts
 * import Anthropic from '@anthropic-ai/sdk';
 * const simulator = createAnthropicSimulator();
 * const baseURL = await simulator.start();
 * const client = new Anthropic({ apiKey: 'test', baseURL });
 * const message = await client.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
 * await simulator.close();
 * ```
 */
export function createAnthropicSimulator(options?: SimulatorOptions): Simulator {
  return new Simulator(createAnthropicProtocol(), options);
}
