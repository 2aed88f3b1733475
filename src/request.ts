/**
 * Normalisation and validation of router requests: one canonical shape from every entry point.
 *
 * @module
 */
import { CALLER_ABORT } from './abort-handle.js';
import { GatewayError } from './errors.js';
import type { AccountReference } from './events.js';
import type { NormalizedRequest } from './router-types.js';
import type { GenerateRequest, Message, MessageInput } from './types.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const GATEWAY_LIST_OPTIONS = ['order', 'only', 'models', 'tags'] as const;
const NUMERIC_OPTIONS = ['maxOutputTokens', 'temperature', 'topP', 'topK', 'seed', 'presencePenalty', 'frequencyPenalty', 'timeoutMs'] as const;
const USER_PARTS = new Set(['text', 'file']);
const ASSISTANT_PARTS = new Set(['text', 'file', 'reasoning', 'tool-call', 'tool-result']);

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function normalizeMessage(message: MessageInput, index: number): Message {
  if (message === null || typeof message !== 'object') throw invalid(`messages[${index}] must be an object with a role and content`, `messages[${index}]`);
  const role = (message as { role?: unknown }).role;
  if (typeof role !== 'string' || !ROLES.has(role)) throw invalid(`messages[${index}].role must be one of system, user, assistant, tool (got ${JSON.stringify(role)})`, `messages[${index}].role`);
  const content = (message as { content?: unknown }).content;
  if (role === 'system') {
    if (typeof content !== 'string') throw invalid(`messages[${index}].content must be a string for a system message`, `messages[${index}].content`);
    return message as Message;
  }
  if (typeof content === 'string') {
    if (role === 'tool') throw invalid(`messages[${index}].content must be an array of tool-result parts for a tool message`, `messages[${index}].content`);
    const text: Message = { role, content: [{ type: 'text', text: content }] } as Message;
    if (message.providerOptions !== undefined) text.providerOptions = message.providerOptions;
    return text;
  }
  if (!Array.isArray(content)) throw invalid(`messages[${index}].content must be a string or an array of parts`, `messages[${index}].content`);
  const allowed = role === 'user' ? USER_PARTS : role === 'assistant' ? ASSISTANT_PARTS : new Set(['tool-result']);
  content.forEach((part: unknown, partIndex) => {
    const type = (part as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !allowed.has(type)) {
      throw invalid(`messages[${index}].content[${partIndex}].type ${JSON.stringify(type)} is not allowed in a ${role} message (allowed: ${[...allowed].join(', ')})`, `messages[${index}].content[${partIndex}]`);
    }
    if (type === 'text' && typeof (part as { text?: unknown }).text !== 'string') throw invalid(`messages[${index}].content[${partIndex}].text must be a string`, `messages[${index}].content[${partIndex}].text`);
  });
  return message as Message;
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
  if (typeof request.model !== 'string' || request.model.trim() === '') throw invalid('`model` is required: a catalog id such as "openai/gpt-4o" or a raw "provider:model" id', 'model');
  const { prompt, messages, system } = request;
  let list: MessageInput[];
  if (typeof prompt === 'string') list = [{ role: 'user', content: prompt }];
  else if (Array.isArray(prompt)) list = prompt;
  else if (Array.isArray(messages)) list = messages;
  else if (prompt === undefined && messages === undefined) throw invalid('A request needs `prompt` (a string or messages) or `messages`', 'prompt');
  else throw invalid('`prompt` must be a string or an array of messages', 'prompt');
  if (list.length === 0) throw invalid('The prompt has no messages', 'prompt');
  const normalized = list.map(normalizeMessage);
  if (system !== undefined) {
    if (typeof system !== 'string') throw invalid('`system` must be a string', 'system');
    normalized.unshift({ role: 'system', content: system });
  }
  if (!normalized.some((message) => message.role !== 'system')) throw invalid('The prompt needs at least one user message', 'prompt');
  const gateway = request.providerOptions?.gateway;
  if (gateway !== undefined && (gateway === null || typeof gateway !== 'object')) throw invalid('providerOptions.gateway must be an object', 'providerOptions.gateway');
  for (const key of GATEWAY_LIST_OPTIONS) {
    const value = gateway?.[key];
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))) throw invalid(`providerOptions.gateway.${key} must be an array of strings`, `providerOptions.gateway.${key}`);
  }
  if (gateway?.sort !== undefined && !['cost', 'tps', 'ttft'].includes(gateway.sort)) throw invalid('providerOptions.gateway.sort must be one of cost, tps, ttft', 'providerOptions.gateway.sort');
  for (const key of NUMERIC_OPTIONS) {
    const value = request[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) throw invalid(`\`${key}\` must be a number`, key);
  }
  if (request.maxOutputTokens !== undefined && (request.maxOutputTokens < 1 || !Number.isInteger(request.maxOutputTokens))) throw invalid('`maxOutputTokens` must be a positive integer', 'maxOutputTokens');
  if (request.tools !== undefined) {
    if (!Array.isArray(request.tools)) throw invalid('`tools` must be an array', 'tools');
    request.tools.forEach((tool, index) => {
      if (!tool || typeof tool.name !== 'string' || tool.name === '') throw invalid(`tools[${index}].name must be a non-empty string`, `tools[${index}].name`);
      if (!tool.inputSchema || typeof tool.inputSchema !== 'object') throw invalid(`tools[${index}].inputSchema must be a JSON Schema object`, `tools[${index}].inputSchema`);
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
    providerOptions: request.providerOptions,
    headers: request.headers,
    abortSignal: request.abortSignal,
    // The HTTP layer's abort handle, standing in for `abortSignal` (the router gives request hooks a
    // signal built from it; nothing else sees the normalized request).
    [CALLER_ABORT]: request[CALLER_ABORT],
    timeoutMs: request.timeoutMs,
    user: request.user ?? (typeof gateway?.user === 'string' ? gateway.user : undefined),
    tags: request.tags ?? gateway?.tags ?? [],
    metadata: request.metadata ?? {},
    account: request.account,
  };
}

/**
 * What a request needs from an offering.
 *
 * @example
 * ```ts
 * requiredCapabilities(normalized); // { tools: true, images: false, json: false }
 * ```
 */
export function requiredCapabilities(request: NormalizedRequest): { tools: boolean; images: boolean; json: boolean; fileUrls: boolean } {
  let images = false;
  let fileUrls = false;
  for (const message of request.prompt) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (part.type !== 'file') continue;
      images = true;
      if (part.data.type === 'url' && !part.data.url.startsWith('data:')) fileUrls = true;
    }
  }
  return { tools: (request.tools?.length ?? 0) > 0, images, json: request.responseFormat?.type === 'json', fileUrls };
}
