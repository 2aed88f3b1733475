/**
 * A simulator of the Amazon Bedrock runtime API as `@aws-sdk/client-bedrock-runtime` speaks it:
 * `POST /model/{modelId}/converse` (JSON), `/converse-stream` (the binary AWS event-stream framing,
 * with exception frames), and `/invoke` for Titan and Cohere embeddings. Requests must be SigV4-signed
 * (or carry a Bedrock API key as a bearer token); errors carry `x-amzn-errortype` as AWS sends it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { crc32 } from 'node:zlib';
import type { JsonSchema } from '../core/types.js';
import {
  PromptPrefixCache,
  isWireObject,
  jsonResponse,
  readJsonObject,
  type WireObject,
} from './chat-simulator-support.js';
import {
  Simulator,
  countTokens,
  splitIntoTokens,
  type SimulatedReply,
  type SimulatedRequest,
  type SimulatedResponse,
  type SimulatorOptions,
  type SimulatorProtocol,
} from './simulator-server.js';

// ---------------------------------------------------------------------------------------------
// The AWS event-stream framing
// ---------------------------------------------------------------------------------------------

const PRELUDE_LENGTH = 12; // total length, headers length, prelude CRC32
const STRING_HEADER = 7;

/**
 * Encodes event-stream headers (all of string type): per header, name length (1 byte), name,
 * type 7, value length (2 bytes), value.
 *
 * @example
 * ```ts
 * encodeEventStreamHeaders({ ':message-type': 'event' }).length; // 1 + 13 + 1 + 2 + 5
 * ```
 */
export function encodeEventStreamHeaders(headers: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(headers);
  let length = 0;
  for (const [name, value] of entries) length += 4 + Buffer.byteLength(name) + Buffer.byteLength(value);
  const bytes = Buffer.allocUnsafe(length);
  let offset = 0;
  for (const [name, value] of entries) {
    offset = bytes.writeUInt8(Buffer.byteLength(name), offset);
    offset += bytes.write(name, offset, 'utf8');
    offset = bytes.writeUInt8(STRING_HEADER, offset);
    offset = bytes.writeUInt16BE(Buffer.byteLength(value), offset);
    offset += bytes.write(value, offset, 'utf8');
  }
  return bytes;
}

/**
 * Encodes one event-stream message in a single allocation: prelude (total length, headers length,
 * prelude CRC32), headers, payload, message CRC32 (over everything before it).
 *
 * @example
 * ```ts
 * const frame = encodeEventStreamMessage({ ':event-type': 'messageStart', ':content-type': 'application/json', ':message-type': 'event' }, '{"role":"assistant"}');
 * ```
 */
export function encodeEventStreamMessage(
  headers: Buffer | Readonly<Record<string, string>>,
  payload: string | Uint8Array,
): Buffer {
  const headerBytes = Buffer.isBuffer(headers) ? headers : encodeEventStreamHeaders(headers);
  const payloadLength = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  const total = PRELUDE_LENGTH + headerBytes.length + payloadLength + 4;
  const message = Buffer.allocUnsafe(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  const preludeCrc = crc32(message.subarray(0, 8));
  message.writeUInt32BE(preludeCrc, 8);
  headerBytes.copy(message, PRELUDE_LENGTH);
  const payloadOffset = PRELUDE_LENGTH + headerBytes.length;
  if (typeof payload === 'string') message.write(payload, payloadOffset, 'utf8');
  else message.set(payload, payloadOffset);
  message.writeUInt32BE(crc32(message.subarray(8, total - 4), preludeCrc), total - 4);
  return message;
}

const headerCache = new Map<string, Buffer>();

/** The (cached) header block of an `event` or `exception` frame of one type. */
function frameHeaders(messageType: 'event' | 'exception', type: string): Buffer {
  const key = `${messageType}:${type}`;
  let headers = headerCache.get(key);
  if (!headers) {
    headers = encodeEventStreamHeaders(
      messageType === 'event'
        ? { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }
        : { ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' },
    );
    headerCache.set(key, headers);
  }
  return headers;
}

// Bedrock pads every event with a `p` field of varying length (against traffic analysis).
const PADDING = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function eventFrame(type: string, body: WireObject, sequence: number): Buffer {
  return encodeEventStreamMessage(
    frameHeaders('event', type),
    JSON.stringify({ ...body, p: PADDING.slice(0, 1 + ((sequence * 7) % PADDING.length)) }),
  );
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * An AWS JSON error: the status, `x-amzn-errortype: <Name>:<namespace>` and `{ message }`.
 *
 * @example
 * ```ts
 * awsErrorResponse(429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
 * ```
 */
export function awsErrorResponse(status: number, type: string, message: string): SimulatedResponse {
  const namespace = /Client|Signature|Token/.test(type) ? 'com.amazon.coral.service' : 'com.amazon.bedrock';
  return jsonResponse(
    status,
    { message },
    { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/${namespace}/`, 'x-amzn-requestid': randomUUID() },
  );
}

/**
 * A simulated status → what AWS answers: its status and exception name (AWS answers 403 for a bad key, 503 when
 * overloaded).
 */
const AWS_ERRORS: Record<number, [number, string]> = {
  400: [400, 'ValidationException'],
  401: [403, 'UnrecognizedClientException'],
  403: [403, 'AccessDeniedException'],
  404: [404, 'ResourceNotFoundException'],
  408: [408, 'ModelTimeoutException'],
  424: [424, 'ModelErrorException'],
  429: [429, 'ThrottlingException'],
  503: [503, 'ServiceUnavailableException'],
  529: [503, 'ServiceUnavailableException'],
};

function awsErrorFor(status: number): [number, string] {
  return AWS_ERRORS[status] ?? (status >= 500 ? [status, 'InternalServerException'] : [status, 'ValidationException']);
}

class ValidationFailure extends Error {}

function invalid(message: string): never {
  throw new ValidationFailure(message);
}

// ---------------------------------------------------------------------------------------------
// The protocol
// ---------------------------------------------------------------------------------------------

/**
 * Who may call the simulator. By default any SigV4 access key id and any bearer API key is accepted;
 * a request without a signature is refused with 403 UnrecognizedClientException.
 *
 * @example
 * ```ts
 * const auth: BedrockSimulatorAuth = { accessKeyIds: ['AKIDSIMULATOR'], invalidAccessKeyIds: ['AKIDREVOKED'] };
 * ```
 */
export interface BedrockSimulatorAuth {
  /** The only access key ids accepted (default: any). */
  accessKeyIds?: string[];
  /** Access key ids refused with 403 UnrecognizedClientException. */
  invalidAccessKeyIds?: string[];
  /** The only Bedrock API keys (bearer tokens) accepted (default: any). */
  apiKeys?: string[];
}

/**
 * An exception the next ConverseStream answer fails with, after `afterParts` content events.
 *
 * @example
 * ```ts
 * const failure: BedrockStreamException = { type: 'modelStreamErrorException', message: 'The model stopped', afterParts: 2 };
 * ```
 */
export interface BedrockStreamException {
  type:
    | 'internalServerException'
    | 'modelStreamErrorException'
    | 'validationException'
    | 'throttlingException'
    | 'serviceUnavailableException';
  message?: string;
  afterParts?: number;
}

/**
 * The Bedrock protocol for the simulator engine, plus Bedrock-only controls.
 *
 * @example
 * ```ts
 * const protocol: BedrockSimulatorProtocol = createBedrockProtocol();
 * protocol.failNextStream({ type: 'throttlingException' });
 * ```
 */
export interface BedrockSimulatorProtocol extends SimulatorProtocol {
  /** Makes the next ConverseStream answer end with an exception frame. */
  failNextStream(exception: BedrockStreamException): void;
  /** Forgets pending stream exceptions and the prompt cache. */
  clear(): void;
}

/** What the protocol keeps about a parsed request until it renders the answer. */
interface RequestExtras {
  /** Prompt text up to the last cache point, remembered once the request is answered. */
  cachePrefix?: string;
  /** Whether the usage reports cache counts (the request had cache points). */
  caching: boolean;
  /** The lifetime of the last cache point (`cachePoint.ttl`), which its writes get. */
  cacheTtl?: '5m' | '1h';
  /** Cohere `embedding_types` (the answer is then keyed by type). */
  embeddingTypes?: string[];
}

/** A content block's text for token counting, and whether it is an image. */
function blockText(block: WireObject): { text: string; image: boolean } {
  if (typeof block.text === 'string') return { text: block.text, image: false };
  if (isWireObject(block.image)) return { text: '', image: true };
  if (isWireObject(block.toolUse))
    return { text: `${String(block.toolUse.name)}${JSON.stringify(block.toolUse.input ?? {})}`, image: false };
  if (isWireObject(block.toolResult)) {
    const content = Array.isArray(block.toolResult.content) ? block.toolResult.content : [];
    return {
      text: content
        .map((item) =>
          isWireObject(item) ? (typeof item.text === 'string' ? item.text : JSON.stringify(item.json ?? '')) : '',
        )
        .join(' '),
      image: false,
    };
  }
  if (isWireObject(block.reasoningContent) && isWireObject(block.reasoningContent.reasoningText))
    return { text: String(block.reasoningContent.reasoningText.text ?? ''), image: false };
  if (isWireObject(block.document)) return { text: String(block.document.name ?? ''), image: false };
  return { text: '', image: false };
}

const BLOCK_MEMBERS = [
  'text',
  'image',
  'document',
  'video',
  'audio',
  'toolUse',
  'toolResult',
  'guardContent',
  'cachePoint',
  'reasoningContent',
  'citationsContent',
  'searchResult',
];

function checkBlock(block: unknown, where: string): WireObject {
  if (!isWireObject(block)) invalid(`The content block at ${where} is not an object.`);
  const members = Object.keys(block).filter((key) => BLOCK_MEMBERS.includes(key));
  if (members.length !== 1) invalid(`The content block at ${where} must set exactly one member.`);
  if (typeof block.text === 'string' && block.text.trim() === '')
    invalid(
      `The text field in the ContentBlock object at ${where} is blank. Add text to the text field, and try again.`,
    );
  return block;
}

function modelKind(modelId: string): 'meta' | 'anthropic' | 'titan-v1' | 'titan' | 'cohere' | 'other' {
  const id = modelId.toLowerCase();
  if (/(^|\.)meta\./.test(id)) return 'meta';
  if (/(^|\.)anthropic\./.test(id)) return 'anthropic';
  if (/titan-embed-text-v1|titan-embed-g1/.test(id)) return 'titan-v1';
  if (/titan-embed/.test(id)) return 'titan';
  if (/(^|\.)cohere\.embed/.test(id)) return 'cohere';
  return 'other';
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

function checkAuth(headers: IncomingMessage['headers'], auth: BedrockSimulatorAuth): SimulatedResponse | undefined {
  const authorization = headers.authorization ?? '';
  const bearer = /^Bearer (\S+)$/.exec(authorization);
  if (bearer) {
    return auth.apiKeys && !auth.apiKeys.includes(bearer[1])
      ? awsErrorResponse(
          403,
          'UnrecognizedClientException',
          'Invalid API Key format: Must start with pre-defined prefix',
        )
      : undefined;
  }
  const signature = SIGV4.exec(authorization);
  if (!signature || typeof headers['x-amz-date'] !== 'string') {
    return awsErrorResponse(
      403,
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  if (signature[4] !== 'bedrock')
    return awsErrorResponse(
      403,
      'InvalidSignatureException',
      `Credential should be scoped to correct service: 'bedrock'.`,
    );
  const accessKeyId = signature[1];
  if (
    auth.invalidAccessKeyIds?.includes(accessKeyId) ||
    (auth.accessKeyIds && !auth.accessKeyIds.includes(accessKeyId))
  ) {
    return awsErrorResponse(
      403,
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  return undefined;
}

const STOP_REASONS: Record<SimulatedReply['finishReason'], string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'content_filtered',
};

/** The model-native fields Claude takes through `additionalModelRequestFields` (its Messages API names). */
const CLAUDE_FIELDS = new Set(['thinking', 'top_k', 'anthropic_beta', 'output_config', 'context_management']);

/** Claude answers any other native field, or an AI SDK spelling such as `budgetTokens`, with a validation error. */
function checkClaudeFields(fields: WireObject): void {
  for (const key of Object.keys(fields))
    if (!CLAUDE_FIELDS.has(key))
      invalid(`The model returned the following errors: ${key}: Extra inputs are not permitted`);
  const thinking = fields.thinking;
  if (thinking === undefined) return;
  if (!isWireObject(thinking))
    invalid('The model returned the following errors: thinking: Input should be a valid dictionary');
  for (const key of Object.keys(thinking))
    if (!['type', 'budget_tokens', 'display'].includes(key))
      invalid(
        `The model returned the following errors: thinking.${String(thinking.type)}.${key}: Extra inputs are not permitted`,
      );
  if (
    thinking.type === 'enabled' &&
    !(Number.isInteger(thinking.budget_tokens) && (thinking.budget_tokens as number) >= 1024)
  )
    invalid(
      'The model returned the following errors: thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
    );
}

/**
 * Creates the Bedrock protocol (each instance has its own prompt cache and stream-exception queue).
 *
 * @example
 * ```ts
 * const simulator = new Simulator(createBedrockProtocol({ accessKeyIds: ['AKIDSIMULATOR'] }));
 * ```
 */
export function createBedrockProtocol(auth: BedrockSimulatorAuth = {}): BedrockSimulatorProtocol {
  const cache = new PromptPrefixCache();
  const extras = new WeakMap<SimulatedRequest, RequestExtras>();
  const pendingExceptions: BedrockStreamException[] = [];

  function parseConverse(modelId: string, body: WireObject, stream: boolean): SimulatedRequest {
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      invalid(
        'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
      );
    const toolConfig = isWireObject(body.toolConfig) ? body.toolConfig : undefined;
    const tools: SimulatedRequest['tools'] = [];
    const pieces: string[] = [];
    let cachePrefix: string | undefined;
    let caching = false;
    let cacheTtl: '5m' | '1h' = '5m';
    const markCachePoint = (point?: unknown): void => {
      caching = true;
      cachePrefix = pieces.join('\n');
      cacheTtl = isWireObject(point) && point.ttl === '1h' ? '1h' : '5m';
    };
    for (const tool of Array.isArray(toolConfig?.tools) ? toolConfig.tools : []) {
      if (isWireObject(tool) && isWireObject(tool.toolSpec) && typeof tool.toolSpec.name === 'string') {
        const schema =
          isWireObject(tool.toolSpec.inputSchema) && isWireObject(tool.toolSpec.inputSchema.json)
            ? (tool.toolSpec.inputSchema.json as JsonSchema)
            : undefined;
        tools.push(schema ? { name: tool.toolSpec.name, inputSchema: schema } : { name: tool.toolSpec.name });
      } else if (isWireObject(tool) && isWireObject(tool.cachePoint)) markCachePoint(tool.cachePoint);
    }
    for (const [index, block] of (Array.isArray(body.system) ? body.system : []).entries()) {
      if (!isWireObject(block)) invalid(`The system block at system.${index} is not an object.`);
      if (typeof block.text === 'string') pieces.push(block.text);
      else if (isWireObject(block.cachePoint)) markCachePoint(block.cachePoint);
    }
    let lastUserText = '';
    let imageCount = 0;
    let hasToolContent = false;
    let lastUserHasToolResult = false;
    let previousRole = '';
    for (const [index, message] of messages.entries()) {
      if (!isWireObject(message) || (message.role !== 'user' && message.role !== 'assistant'))
        invalid(`The role at messages.${index} must be user or assistant.`);
      if (index === 0 && message.role !== 'user')
        invalid(
          'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
        );
      if (message.role === previousRole)
        invalid(
          'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
        );
      previousRole = message.role;
      if (!Array.isArray(message.content) || message.content.length === 0)
        invalid(
          `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`,
        );
      const texts: string[] = [];
      let toolResult = false;
      for (const [position, raw] of message.content.entries()) {
        const block = checkBlock(raw, `messages.${index}.content.${position}`);
        if (isWireObject(block.cachePoint)) {
          markCachePoint(block.cachePoint);
          continue;
        }
        if (block.toolUse || block.toolResult) hasToolContent = true;
        if (block.toolResult) toolResult = true;
        const { text, image } = blockText(block);
        if (image) imageCount += 1;
        if (text) pieces.push(text);
        if (typeof block.text === 'string') texts.push(block.text);
      }
      if (message.role === 'user') {
        lastUserHasToolResult = toolResult;
        if (texts.length > 0) lastUserText = texts.join(' ');
      }
    }
    if (hasToolContent && !toolConfig)
      invalid('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
    let toolChoice: SimulatedRequest['toolChoice'];
    if (toolConfig) {
      if (!Array.isArray(toolConfig.tools) || toolConfig.tools.length === 0)
        invalid('The value at toolConfig.tools must have at least one tool.');
      const choice = isWireObject(toolConfig.toolChoice) ? toolConfig.toolChoice : undefined;
      if (choice?.any || choice?.tool) {
        if (modelKind(modelId) === 'meta')
          invalid(
            `This model doesn't support the toolConfig.toolChoice.${choice.any ? 'any' : 'tool'} field. Remove toolConfig.toolChoice.${choice.any ? 'any' : 'tool'} and try again.`,
          );
        if (isWireObject(choice.tool)) {
          const name = choice.tool.name;
          if (!tools.some((tool) => tool.name === name))
            invalid(`The tool ${String(name)} named in toolConfig.toolChoice is not among toolConfig.tools.`);
          toolChoice = { name: String(name) };
        } else toolChoice = 'required';
      } else toolChoice = 'auto';
    }
    const inference = isWireObject(body.inferenceConfig) ? body.inferenceConfig : {};
    if (
      inference.maxTokens !== undefined &&
      (!Number.isInteger(inference.maxTokens) || (inference.maxTokens as number) < 1)
    )
      invalid('The value at inferenceConfig.maxTokens must be a positive integer.');
    const fields = isWireObject(body.additionalModelRequestFields) ? body.additionalModelRequestFields : {};
    if (modelKind(modelId) === 'anthropic') checkClaudeFields(fields);
    const reasoning =
      (isWireObject(fields.thinking) && fields.thinking.type === 'enabled') ||
      (isWireObject(fields.reasoningConfig) && fields.reasoningConfig.type === 'enabled');
    const textFormat =
      isWireObject(body.outputConfig) && isWireObject(body.outputConfig.textFormat)
        ? body.outputConfig.textFormat
        : undefined;
    const jsonSchema =
      textFormat && isWireObject(textFormat.structure) && isWireObject(textFormat.structure.jsonSchema)
        ? textFormat.structure.jsonSchema.schema
        : undefined;

    const promptText = pieces.join('\n');
    const cachedTokens = caching ? cache.cachedTokens(modelId, promptText) : 0;
    const request: SimulatedRequest = {
      kind: 'chat',
      model: modelId,
      stream,
      lastUserText,
      promptText,
      imageCount,
      tools,
      toolChoice,
      hasToolResults: lastUserHasToolResult,
      maxTokens: typeof inference.maxTokens === 'number' ? inference.maxTokens : undefined,
      stopSequences: Array.isArray(inference.stopSequences)
        ? inference.stopSequences.filter((stop): stop is string => typeof stop === 'string')
        : undefined,
      reasoning,
      cachedTokens,
      cacheWrite: cachePrefix !== undefined && countTokens(cachePrefix) > cachedTokens,
    };
    if (typeof jsonSchema === 'string') request.json = { schema: JSON.parse(jsonSchema) as JsonSchema };
    extras.set(request, { cachePrefix, caching, cacheTtl });
    return request;
  }

  function parseInvoke(modelId: string, body: WireObject): SimulatedRequest {
    const kind = modelKind(modelId);
    const base = { kind: 'embed' as const, model: modelId, stream: false, lastUserText: '', tools: [] };
    if (kind === 'titan' || kind === 'titan-v1') {
      if (typeof body.inputText !== 'string')
        invalid(
          'Malformed input request: #: required key [inputText] not found, please reformat your input and try again.',
        );
      if (body.inputText.trim() === '')
        invalid('Malformed input request: expected minLength: 1, actual: 0, please reformat your input and try again.');
      if (kind === 'titan-v1' && body.dimensions !== undefined)
        invalid(
          'Malformed input request: #: extraneous key [dimensions] is not permitted, please reformat your input and try again.',
        );
      if (body.dimensions !== undefined && (!Number.isInteger(body.dimensions) || (body.dimensions as number) < 1))
        invalid(
          'Malformed input request: #/dimensions: expected a positive integer, please reformat your input and try again.',
        );
      const dimensions = typeof body.dimensions === 'number' ? body.dimensions : kind === 'titan' ? 1024 : 1536;
      const request: SimulatedRequest = { ...base, promptText: body.inputText, values: [body.inputText], dimensions };
      extras.set(request, { caching: false });
      return request;
    }
    if (kind === 'cohere') {
      const texts = body.texts;
      if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string'))
        invalid(
          'Malformed input request: #: required key [texts] not found, please reformat your input and try again.',
        );
      if (texts.length > 96)
        invalid(
          'Malformed input request: #/texts: expected maximum item count: 96, found: ' +
            texts.length +
            ', please reformat your input and try again.',
        );
      if (
        !['search_document', 'search_query', 'classification', 'clustering', 'image'].includes(String(body.input_type))
      )
        invalid(
          'Malformed input request: #: required key [input_type] not found, please reformat your input and try again.',
        );
      const dimensions =
        typeof body.output_dimension === 'number' ? body.output_dimension : /embed-v4/.test(modelId) ? 1536 : 1024;
      const request: SimulatedRequest = {
        ...base,
        promptText: texts.join('\n'),
        values: texts as string[],
        dimensions,
      };
      extras.set(request, {
        caching: false,
        embeddingTypes: Array.isArray(body.embedding_types) ? body.embedding_types.map(String) : undefined,
      });
      return request;
    }
    if (/(^|\.)amazon\.(nova-canvas|titan-image)/.test(modelId)) return parseImageInvoke(modelId, body);
    if (/(^|\.)(cohere|amazon)\.rerank/.test(modelId)) return parseRerankInvoke(modelId, body);
    return invalid(
      `The simulator answers InvokeModel for Titan and Cohere embedding, Nova Canvas and Titan Image, and rerank models only, not ${modelId}.`,
    );
  }

  /** Nova Canvas / Titan Image `TEXT_IMAGE`: `{ taskType, textToImageParams: { text }, imageGenerationConfig }`. */
  function parseImageInvoke(modelId: string, body: WireObject): SimulatedRequest {
    if (body.taskType !== 'TEXT_IMAGE')
      invalid(
        'Malformed input request: #/taskType: TEXT_IMAGE is the only task this simulator serves, please reformat your input and try again.',
      );
    const params = isWireObject(body.textToImageParams) ? body.textToImageParams : undefined;
    if (!params || typeof params.text !== 'string' || params.text === '')
      invalid(
        'Malformed input request: #/textToImageParams/text: expected minLength: 1, actual: 0, please reformat your input and try again.',
      );
    const config = isWireObject(body.imageGenerationConfig) ? body.imageGenerationConfig : {};
    const n = config.numberOfImages ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 5)
      invalid(
        `Malformed input request: #/imageGenerationConfig/numberOfImages: ${String(n)} is not less or equal to 5, please reformat your input and try again.`,
      );
    for (const side of ['width', 'height'] as const) {
      const value = config[side];
      if (value !== undefined && (typeof value !== 'number' || value < 320 || value > 4096 || value % 16 !== 0))
        invalid(
          `Malformed input request: #/imageGenerationConfig/${side}: ${String(value)} is not a multiple of 16 from 320 to 4096, please reformat your input and try again.`,
        );
    }
    if (config.quality !== undefined && config.quality !== 'standard' && config.quality !== 'premium')
      invalid(
        'Malformed input request: #/imageGenerationConfig/quality: standard or premium, please reformat your input and try again.',
      );
    const text = (params as WireObject).text as string;
    const request: SimulatedRequest = {
      kind: 'image',
      model: modelId,
      stream: false,
      lastUserText: text,
      promptText: text,
      tools: [],
      image: { n: n as number },
    };
    extras.set(request, { caching: false });
    return request;
  }

  /** Cohere Rerank (`api_version: 2`) or Amazon Rerank: `{ query, documents, top_n? }`. */
  function parseRerankInvoke(modelId: string, body: WireObject): SimulatedRequest {
    if (typeof body.query !== 'string' || body.query === '')
      invalid('Malformed input request: #: required key [query] not found, please reformat your input and try again.');
    const documents = body.documents;
    if (
      !Array.isArray(documents) ||
      documents.length === 0 ||
      !documents.every((document) => typeof document === 'string')
    )
      invalid(
        'Malformed input request: #: required key [documents] not found, please reformat your input and try again.',
      );
    if (/cohere\.rerank/.test(modelId) && body.api_version !== 2)
      invalid(
        'Malformed input request: #: required key [api_version] not found, please reformat your input and try again.',
      );
    if (body.top_n !== undefined && (!Number.isInteger(body.top_n) || (body.top_n as number) < 1))
      invalid(
        'Malformed input request: #/top_n: expected a positive integer, please reformat your input and try again.',
      );
    const query = body.query as string;
    const request: SimulatedRequest = {
      kind: 'rerank',
      model: modelId,
      stream: false,
      lastUserText: query,
      promptText: query,
      tools: [],
      rerank: {
        query,
        documents: documents as string[],
        ...(body.top_n !== undefined ? { topN: body.top_n as number } : {}),
      },
    };
    extras.set(request, { caching: false });
    return request;
  }

  function usageOf(request: SimulatedRequest, reply: SimulatedReply): WireObject {
    const caching = extras.get(request)?.caching ?? false;
    const cacheRead = reply.cachedInputTokens;
    const cacheWrite = reply.cacheWriteTokens;
    const input = Math.max(0, reply.inputTokens - cacheRead - cacheWrite); // Bedrock's inputTokens exclude cached tokens
    return {
      inputTokens: input,
      outputTokens: reply.outputTokens,
      totalTokens: input + cacheRead + cacheWrite + reply.outputTokens,
      ...(caching || cacheRead > 0 || cacheWrite > 0
        ? { cacheReadInputTokens: cacheRead, cacheWriteInputTokens: cacheWrite }
        : {}),
      // The writes by lifetime, as Bedrock reports them (empty when nothing was written).
      ...(caching
        ? {
            cacheDetails:
              cacheWrite > 0 ? [{ ttl: extras.get(request)?.cacheTtl ?? '5m', inputTokens: cacheWrite }] : [],
          }
        : {}),
    };
  }

  function stopReason(request: SimulatedRequest, reply: SimulatedReply): string {
    if (
      reply.finishReason === 'stop' &&
      request.stopSequences?.some((stop) => `You said: ${request.lastUserText}`.includes(stop))
    )
      return 'stop_sequence';
    return STOP_REASONS[reply.finishReason];
  }

  function renderEmbeddings(request: SimulatedRequest, reply: SimulatedReply, responseId: string): SimulatedResponse {
    const embeddings = reply.embeddings ?? [];
    const headers = {
      'x-amzn-requestid': responseId,
      'x-amzn-bedrock-input-token-count': String(reply.inputTokens),
      'x-amzn-bedrock-invocation-latency': '12',
    };
    if (modelKind(request.model) === 'cohere') {
      const types = extras.get(request)?.embeddingTypes;
      const vectors = types ? Object.fromEntries(types.map((type) => [type, embeddings])) : embeddings;
      return jsonResponse(
        200,
        {
          embeddings: vectors,
          id: responseId,
          response_type: types ? 'embeddings_by_type' : 'embeddings_floats',
          texts: request.values ?? [],
        },
        headers,
      );
    }
    return jsonResponse(
      200,
      {
        embedding: embeddings[0] ?? [],
        embeddingsByType: { float: embeddings[0] ?? [] },
        inputTextTokenCount: reply.inputTokens,
      },
      headers,
    );
  }

  function renderStream(request: SimulatedRequest, reply: SimulatedReply, responseId: string): SimulatedResponse {
    const chunks: Array<{ data: Uint8Array; content: boolean }> = [];
    let events = 0;
    const push = (type: string, body: WireObject, content: boolean): void => {
      chunks.push({ data: eventFrame(type, body, events++), content });
    };
    push('messageStart', { role: 'assistant' }, false);
    let index = 0;
    if (reply.reasoning) {
      for (const piece of splitIntoTokens(reply.reasoning))
        push('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { text: piece } } }, true);
      push(
        'contentBlockDelta',
        { contentBlockIndex: index, delta: { reasoningContent: { signature: simulatedSignature(reply.reasoning) } } },
        false,
      );
      push('contentBlockStop', { contentBlockIndex: index++ }, false);
    }
    if (reply.textChunks.length > 0) {
      for (const piece of reply.textChunks)
        push('contentBlockDelta', { contentBlockIndex: index, delta: { text: piece } }, true);
      push('contentBlockStop', { contentBlockIndex: index++ }, false);
    }
    for (const call of reply.toolCalls) {
      push(
        'contentBlockStart',
        {
          contentBlockIndex: index,
          start: { toolUse: { toolUseId: toolUseId(call.id, responseId), name: call.name } },
        },
        false,
      );
      const input = JSON.stringify(call.input);
      const third = Math.max(1, Math.ceil(input.length / 3));
      for (let at = 0; at < input.length; at += third)
        push(
          'contentBlockDelta',
          { contentBlockIndex: index, delta: { toolUse: { input: input.slice(at, at + third) } } },
          true,
        );
      push('contentBlockStop', { contentBlockIndex: index++ }, false);
    }
    const failure = pendingExceptions.shift();
    if (failure) {
      // Keep the first `afterParts` content events, then fail with an exception frame.
      let kept = 0;
      const limit = failure.afterParts ?? 2;
      const cut = chunks.findIndex((chunk) => chunk.content && ++kept > limit);
      if (cut >= 0) chunks.length = cut;
      const body =
        failure.type === 'modelStreamErrorException'
          ? {
              message: failure.message ?? 'The model stream failed (simulated)',
              originalStatusCode: 500,
              originalMessage: 'simulated',
            }
          : { message: failure.message ?? `${failure.type} (simulated)` };
      chunks.push({
        data: encodeEventStreamMessage(frameHeaders('exception', failure.type), JSON.stringify(body)),
        content: false,
      });
      return {
        kind: 'stream',
        contentType: 'application/vnd.amazon.eventstream',
        chunks,
        headers: { 'x-amzn-requestid': responseId },
      };
    }
    push('messageStop', { stopReason: stopReason(request, reply) }, false);
    push('metadata', { usage: usageOf(request, reply), metrics: { latencyMs: 42 } }, false);
    return {
      kind: 'stream',
      contentType: 'application/vnd.amazon.eventstream',
      chunks,
      headers: { 'x-amzn-requestid': responseId },
    };
  }

  function renderConverse(request: SimulatedRequest, reply: SimulatedReply, responseId: string): SimulatedResponse {
    const content: WireObject[] = [];
    if (reply.reasoning)
      content.push({
        reasoningContent: { reasoningText: { text: reply.reasoning, signature: simulatedSignature(reply.reasoning) } },
      });
    if (reply.text) content.push({ text: reply.text });
    for (const call of reply.toolCalls)
      content.push({ toolUse: { toolUseId: toolUseId(call.id, responseId), name: call.name, input: call.input } });
    return jsonResponse(
      200,
      {
        output: { message: { role: 'assistant', content } },
        stopReason: stopReason(request, reply),
        usage: usageOf(request, reply),
        metrics: { latencyMs: 42 },
      },
      { 'x-amzn-requestid': responseId },
    );
  }

  return {
    name: 'bedrock',

    parse({ method, path, headers, body }) {
      const denied = checkAuth(headers, auth);
      if (denied) return denied;
      const route = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(path.split('?')[0]);
      if (method !== 'POST' || !route)
        return awsErrorResponse(404, 'UnknownOperationException', `Unknown operation: ${method} ${path}`);
      let modelId: string;
      try {
        modelId = decodeURIComponent(route[1]);
      } catch {
        return awsErrorResponse(400, 'ValidationException', 'The provided model identifier is invalid.');
      }
      const json = readJsonObject(body);
      if (json === 'invalid-json' || json === 'not-an-object')
        return awsErrorResponse(400, 'SerializationException', 'Unable to parse the request body as a JSON object.');
      try {
        return route[2] === 'invoke'
          ? parseInvoke(modelId, json)
          : parseConverse(modelId, json, route[2] === 'converse-stream');
      } catch (error) {
        if (error instanceof ValidationFailure) return awsErrorResponse(400, 'ValidationException', error.message);
        throw error;
      }
    },

    render(request, reply, context) {
      const responseId = requestIdFor(context.responseId);
      if (request.kind === 'embed') return renderEmbeddings(request, reply, responseId);
      if (request.kind === 'image')
        return jsonResponse(200, { images: reply.images ?? [] }, { 'x-amzn-requestid': responseId });
      if (request.kind === 'rerank')
        return jsonResponse(
          200,
          {
            ...(/cohere\./.test(request.model) ? { id: responseId } : {}),
            results: (reply.ranking ?? []).map((entry) => ({
              index: entry.index,
              relevance_score: entry.relevanceScore,
            })),
          },
          { 'x-amzn-requestid': responseId },
        );
      const cachePrefix = extras.get(request)?.cachePrefix;
      if (cachePrefix) cache.remember(request.model, cachePrefix);
      return request.stream ? renderStream(request, reply, responseId) : renderConverse(request, reply, responseId);
    },

    errorResponse(status, message) {
      const [awsStatus, type] = awsErrorFor(status);
      return awsErrorResponse(awsStatus, type, message);
    },

    malformedResponse(request) {
      if (!request.stream)
        return jsonResponse(200, '{"output":{"message":{"role":"assistant","content":[{"text":"trunc');
      const good = eventFrame('messageStart', { role: 'assistant' }, 0);
      const broken = eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'broken' } }, 1);
      broken.writeUInt32BE((broken.readUInt32BE(broken.length - 4) ^ 0xffffffff) >>> 0, broken.length - 4); // a bad message CRC
      return {
        kind: 'stream',
        contentType: 'application/vnd.amazon.eventstream',
        chunks: [
          { data: good, content: false },
          { data: broken, content: true },
        ],
      };
    },

    failNextStream(exception) {
      pendingExceptions.push(exception);
    },

    clear() {
      pendingExceptions.length = 0;
      cache.clear();
    },
  };
}

/** A UUID-shaped request id derived from the engine's response id (AWS request ids are UUIDs). */
function requestIdFor(responseId: string): string {
  const digits = responseId.replace(/\D/g, '').padStart(12, '0').slice(-12);
  return `5a1e0000-0000-4000-8000-${digits}`;
}

function toolUseId(engineId: string, responseId: string): string {
  return `tooluse_${responseId.slice(-6)}${engineId.replace(/\W/g, '')}`;
}

function simulatedSignature(text: string): string {
  return Buffer.from(`sim-signature:${countTokens(text)}`).toString('base64');
}

/**
 * A Bedrock simulator: the shared engine plus Bedrock's stream exceptions.
 *
 * @example
 * ```ts
 * const simulator = createBedrockSimulator();
 * await simulator.start();
 * simulator.failNextStream({ type: 'modelStreamErrorException', afterParts: 2 });
 * ```
 */
export class BedrockSimulator extends Simulator {
  private readonly bedrock: BedrockSimulatorProtocol;

  constructor(options: BedrockSimulatorOptions = {}) {
    const protocol = createBedrockProtocol(options.auth);
    super(protocol, options);
    this.bedrock = protocol;
  }

  /** Makes the next ConverseStream answer end with an exception frame (after `afterParts` content events). */
  failNextStream(exception: BedrockStreamException): this {
    this.bedrock.failNextStream(exception);
    return this;
  }

  /** Also forgets pending stream exceptions and the prompt cache. */
  override reset(): this {
    super.reset();
    this.bedrock.clear();
    return this;
  }
}

/**
 * Options of a Bedrock simulator: the engine's, plus who may call it.
 *
 * @example
 * ```ts
 * const options: BedrockSimulatorOptions = { auth: { accessKeyIds: ['AKIDSIMULATOR'] }, behaviour: { latencyMs: 5 } };
 * ```
 */
export interface BedrockSimulatorOptions extends SimulatorOptions {
  auth?: BedrockSimulatorAuth;
}

/**
 * Creates a Bedrock simulator. Point the provider's `baseURL` at `await simulator.start()`.
 *
 * @example
 * ```ts
 * import { createBedrockSimulator } from 'switchyard/testing';
 * const simulator = createBedrockSimulator({ auth: { invalidAccessKeyIds: ['AKIDREVOKED'] } });
 * const baseURL = await simulator.start();
 * ```
 */
export function createBedrockSimulator(options: BedrockSimulatorOptions = {}): BedrockSimulator {
  return new BedrockSimulator(options);
}

/**
 * A ready-made Bedrock protocol (accepting any signed caller), for `new Simulator(bedrockProtocol)`.
 * Simulators built on it share its prompt cache; `createBedrockSimulator` gives each its own.
 *
 * @example
 * ```ts
 * const simulator = new Simulator(bedrockProtocol);
 * ```
 */
export const bedrockProtocol: BedrockSimulatorProtocol = createBedrockProtocol();
