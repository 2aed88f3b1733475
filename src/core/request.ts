/**
 * Normalisation and validation of router requests: one canonical shape from every entry point.
 *
 * @module
 */
import { GatewayError } from './errors.js';
import { validateHedgeOptions } from '../resilience/hedge.js';
import type { AccountReference } from './events.js';
import type { NormalizedRequest } from '../router/router-types.js';
import type { GenerateRequest, Message, MessageInput } from './types.js';
import { checkGatewayOptions } from '../router/gateway-options.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const GATEWAY_LIST_OPTIONS = ['order', 'only', 'models', 'tags'] as const;
const NUMERIC_OPTIONS = [
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'timeoutMs',
] as const;
const USER_PARTS = new Set(['text', 'file']);
const ASSISTANT_PARTS = new Set(['text', 'file', 'reasoning', 'tool-call', 'tool-result']);

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function normalizeMessage(message: MessageInput, index: number): Message {
  if (message === null || typeof message !== 'object')
    throw invalid(`messages[${index}] must be an object with a role and content`, `messages[${index}]`);
  const role = (message as { role?: unknown }).role;
  if (typeof role !== 'string' || !ROLES.has(role))
    throw invalid(
      `messages[${index}].role must be one of system, user, assistant, tool (got ${JSON.stringify(role)})`,
      `messages[${index}].role`,
    );
  const content = (message as { content?: unknown }).content;
  if (role === 'system') {
    if (typeof content !== 'string')
      throw invalid(`messages[${index}].content must be a string for a system message`, `messages[${index}].content`);
    return message as Message;
  }
  if (typeof content === 'string') {
    if (role === 'tool')
      throw invalid(
        `messages[${index}].content must be an array of tool-result parts for a tool message`,
        `messages[${index}].content`,
      );
    const text: Message = { role, content: [{ type: 'text', text: content }] } as Message;
    if (message.providerOptions !== undefined) text.providerOptions = message.providerOptions;
    return text;
  }
  if (!Array.isArray(content))
    throw invalid(`messages[${index}].content must be a string or an array of parts`, `messages[${index}].content`);
  const allowed = role === 'user' ? USER_PARTS : role === 'assistant' ? ASSISTANT_PARTS : new Set(['tool-result']);
  content.forEach((part: unknown, partIndex) => {
    const type = (part as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !allowed.has(type)) {
      throw invalid(
        `messages[${index}].content[${partIndex}].type ${JSON.stringify(type)} is not allowed in a ${role} message (allowed: ${[...allowed].join(', ')})`,
        `messages[${index}].content[${partIndex}]`,
      );
    }
    if (type === 'text' && typeof (part as { text?: unknown }).text !== 'string')
      throw invalid(
        `messages[${index}].content[${partIndex}].text must be a string`,
        `messages[${index}].content[${partIndex}].text`,
      );
  });
  // The AI SDK sends `image` or `image/*` when it could not tell an image's format: tell it from the bytes.
  if (!content.some(isWildcardImage)) return message as Message;
  return {
    ...message,
    content: content.map((part: unknown, partIndex) => {
      if (!isWildcardImage(part)) return part;
      const mediaType = imageTypeOf(part.data);
      if (!mediaType)
        throw invalid(
          `messages[${index}].content[${partIndex}].mediaType '${part.mediaType}' names no image format, and the data is not recognisably PNG, JPEG, GIF or WebP: send a full media type such as image/png`,
          `messages[${index}].content[${partIndex}].mediaType`,
        );
      return { ...part, mediaType };
    }),
  } as Message;
}

interface WildcardImage {
  type: 'file';
  mediaType: string;
  data: { type: 'data'; data: string } | { type: 'url'; url: string };
}

function isWildcardImage(part: unknown): part is WildcardImage {
  const candidate = part as { type?: unknown; mediaType?: unknown; data?: { type?: unknown } } | null;
  return (
    candidate?.type === 'file' &&
    (candidate.mediaType === 'image' || candidate.mediaType === 'image/*') &&
    (candidate.data?.type === 'data' || candidate.data?.type === 'url')
  );
}

/** The base64 openings of the image formats vendors take, and the file endings of URLs. */
const IMAGE_SIGNATURES: ReadonlyArray<[string, string]> = [
  ['iVBORw0KGgo', 'image/png'],
  ['/9j/', 'image/jpeg'],
  ['R0lGOD', 'image/gif'],
];
const IMAGE_ENDINGS: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

function imageTypeOf(data: WildcardImage['data']): string | undefined {
  if (data.type === 'url') {
    const inline = /^data:(image\/[a-z0-9.+-]+)[;,]/i.exec(data.url);
    if (inline) return inline[1].toLowerCase();
    if (data.url.startsWith('data:'))
      return imageTypeOf({ type: 'data', data: data.url.slice(data.url.indexOf(',') + 1) });
    const ending = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(data.url)?.[1]?.toLowerCase();
    return ending === undefined ? undefined : IMAGE_ENDINGS[ending];
  }
  for (const [opening, mediaType] of IMAGE_SIGNATURES) if (data.data.startsWith(opening)) return mediaType;
  // RIFF....WEBP: bytes 0-3 'RIFF' and 8-11 'WEBP'.
  const head = Buffer.from(data.data.slice(0, 16), 'base64');
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP')
    return 'image/webp';
  return undefined;
}

/**
 * Turns a router request into its canonical form: `prompt` as messages (a string becomes one user
 * message; `system` becomes a leading system message), tags, user and metadata resolved from the
 * request and `providerOptions.gateway`. Throws `invalid_request` saying what is wrong.
 *
 * @example
 * ```ts
 * const normalized = normalizeRequest({ model: 'openai/gpt-4o', system: 'Be brief.', prompt: 'Hi' });
 * normalized.prompt.length; // 2
 * ```
 */
export function normalizeRequest(request: GenerateRequest & { account?: AccountReference }): NormalizedRequest {
  if (request === null || typeof request !== 'object') throw invalid('The request must be an object', 'request');
  if (typeof request.model !== 'string' || request.model.trim() === '')
    throw invalid('`model` is required: a catalog id such as "openai/gpt-4o" or a raw "provider:model" id', 'model');
  const { prompt, messages, system } = request;
  let list: MessageInput[];
  if (typeof prompt === 'string') list = [{ role: 'user', content: prompt }];
  else if (Array.isArray(prompt)) list = prompt;
  else if (Array.isArray(messages)) list = messages;
  else if (prompt === undefined && messages === undefined)
    throw invalid('A request needs `prompt` (a string or messages) or `messages`', 'prompt');
  else throw invalid('`prompt` must be a string or an array of messages', 'prompt');
  if (list.length === 0) throw invalid('The prompt has no messages', 'prompt');
  const normalized = list.map(normalizeMessage);
  if (system !== undefined) {
    if (typeof system !== 'string') throw invalid('`system` must be a string', 'system');
    normalized.unshift({ role: 'system', content: system });
  }
  if (!normalized.some((message) => message.role !== 'system'))
    throw invalid('The prompt needs at least one user message', 'prompt');
  const gateway = request.providerOptions?.gateway;
  if (gateway !== undefined && (gateway === null || typeof gateway !== 'object'))
    throw invalid('providerOptions.gateway must be an object', 'providerOptions.gateway');
  for (const key of GATEWAY_LIST_OPTIONS) {
    const value = gateway?.[key];
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string')))
      throw invalid(`providerOptions.gateway.${key} must be an array of strings`, `providerOptions.gateway.${key}`);
  }
  if (gateway?.sort !== undefined && !['cost', 'tps', 'ttft'].includes(gateway.sort))
    throw invalid('providerOptions.gateway.sort must be one of cost, tps, ttft', 'providerOptions.gateway.sort');
  if (gateway?.hedge !== undefined) validateHedgeOptions(gateway.hedge, 'providerOptions.gateway.hedge');
  const warnings = gateway === undefined ? undefined : checkGatewayOptions(gateway);
  for (const key of NUMERIC_OPTIONS) {
    const value = request[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      throw invalid(`\`${key}\` must be a number`, key);
  }
  if (request.parallelToolCalls !== undefined && typeof request.parallelToolCalls !== 'boolean')
    throw invalid('`parallelToolCalls` must be a boolean', 'parallelToolCalls');
  if (
    request.maxOutputTokens !== undefined &&
    (request.maxOutputTokens < 1 || !Number.isInteger(request.maxOutputTokens))
  )
    throw invalid('`maxOutputTokens` must be a positive integer', 'maxOutputTokens');
  if (request.tools !== undefined) {
    if (!Array.isArray(request.tools)) throw invalid('`tools` must be an array', 'tools');
    request.tools.forEach((tool, index) => {
      if (!tool || typeof tool.name !== 'string' || tool.name === '')
        throw invalid(`tools[${index}].name must be a non-empty string`, `tools[${index}].name`);
      if (!tool.inputSchema || typeof tool.inputSchema !== 'object')
        throw invalid(`tools[${index}].inputSchema must be a JSON Schema object`, `tools[${index}].inputSchema`);
    });
  }
  // Field by field, not a spread of the caller's object: this runs on every request.
  return {
    model: request.model,
    prompt: normalized,
    maxOutputTokens: request.maxOutputTokens,
    temperature: request.temperature,
    topP: request.topP,
    topK: request.topK,
    stopSequences: request.stopSequences,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    seed: request.seed,
    responseFormat: request.responseFormat,
    tools: request.tools,
    toolChoice: request.toolChoice,
    reasoning: request.reasoning,
    parallelToolCalls: request.parallelToolCalls,
    providerOptions: request.providerOptions,
    headers: request.headers,
    abortSignal: request.abortSignal,
    timeoutMs: request.timeoutMs,
    user: request.user ?? (typeof gateway?.user === 'string' ? gateway.user : undefined),
    tags: request.tags ?? gateway?.tags ?? [],
    metadata: request.metadata ?? {},
    account: request.account,
    warnings,
  };
}

/**
 * What a request needs from an offering.
 *
 * @example
 * ```ts
 * requiredCapabilities(normalized); // { tools: true, images: false, json: false, fileUrls: false, documents: false }
 * ```
 */
export function requiredCapabilities(request: NormalizedRequest): {
  tools: boolean;
  images: boolean;
  json: boolean;
  fileUrls: boolean;
  documents: boolean;
} {
  let images = false;
  let documents = false;
  let fileUrls = false;
  for (const message of request.prompt) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (part.type !== 'file') continue;
      images = true; // the `images` capability stands for file input of any kind
      if (!part.mediaType.startsWith('image/')) documents = true;
      if (part.data.type === 'url' && !part.data.url.startsWith('data:')) fileUrls = true;
    }
  }
  return {
    tools: (request.tools?.length ?? 0) > 0,
    images,
    json: request.responseFormat?.type === 'json',
    fileUrls,
    documents,
  };
}
