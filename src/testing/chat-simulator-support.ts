/**
 * Helpers shared by the simulators of chat APIs whose messages follow the common
 * `role` / `content` (text or parts) / `tool_calls` shape (Mistral, Cohere v2): reading a JSON body,
 * summarising a prompt for the engine, reading function tools, SSE framing, deterministic wire ids
 * and a deterministic prompt-prefix cache.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { JsonSchema } from '../core/types.js';
import { countTokens, type SimulatedRequest, type SimulatedResponse } from './simulator-server.js';

/** A JSON object as read from a request body. @example `{ model: 'mistral-small-latest' }` */
export type WireObject = { [key: string]: unknown };

/**
 * Whether a value is a plain JSON object.
 *
 * @example
 * ```ts
 * isWireObject({ a: 1 }); // true
 * isWireObject([1]); // false
 * ```
 */
export function isWireObject(value: unknown): value is WireObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a request body that must be a JSON object: the object, `'invalid-json'` when the text does
 * not parse, or `'not-an-object'` when it parses to something else.
 *
 * @example
 * ```ts
 * readJsonObject('{"model":"m"}'); // { model: 'm' }
 * readJsonObject('{oops'); // 'invalid-json'
 * ```
 */
export function readJsonObject(body: string): WireObject | 'invalid-json' | 'not-an-object' {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'invalid-json';
  }
  return isWireObject(value) ? value : 'not-an-object';
}

/**
 * A JSON answer for the engine.
 *
 * @example
 * ```ts
 * jsonResponse(400, { message: 'invalid request' });
 * ```
 */
export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): SimulatedResponse {
  return headers ? { kind: 'json', status, body, headers } : { kind: 'json', status, body };
}

/**
 * One server-sent event: an optional `event:` line, one `data:` line, a blank line.
 *
 * @example
 * ```ts
 * sseFrame({ type: 'message-end' }, 'message-end'); // 'event: message-end\ndata: {"type":"message-end"}\n\n'
 * sseFrame('[DONE]'); // 'data: [DONE]\n\n'
 * ```
 */
export function sseFrame(data: unknown, event?: string): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${text}\n\n`;
}

/**
 * A deterministic id of `length` characters from `[a-zA-Z0-9]`, derived from a seed (the same seed
 * gives the same id). Vendors such as Mistral require tool-call ids of this form.
 *
 * @example
 * ```ts
 * alphanumericId('mistral-sim-1:0', 9).length; // 9
 * ```
 */
export function alphanumericId(seed: string, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let index = 0; id.length < length; index += 1) id += alphabet[digest[index % digest.length] % alphabet.length];
  return id;
}

/**
 * What the engine needs from a prompt.
 *
 * @example
 * ```ts
 * const summary: PromptSummary = { lastUserText: 'Hi', promptText: 'Be brief.\nHi', imageCount: 0, hasToolResults: false };
 * ```
 */
export interface PromptSummary {
  lastUserText: string;
  promptText: string;
  imageCount: number;
  hasToolResults: boolean;
}

/** Text of one content part: `text`, `thinking` (a string or text chunks), or a document's data. */
function partText(part: WireObject): string {
  if (typeof part.text === 'string') return part.text;
  if (typeof part.thinking === 'string') return part.thinking;
  if (Array.isArray(part.thinking))
    return part.thinking.map((chunk) => (isWireObject(chunk) ? partText(chunk) : '')).join('');
  if (isWireObject(part.document)) return JSON.stringify(part.document.data ?? part.document);
  return '';
}

const MEDIA_PART_TYPES = new Set(['image_url', 'document_url', 'input_audio', 'file']);

/** Text and media count of a message's `content` (a string or a list of parts). */
function contentText(content: unknown): { text: string; media: number } {
  if (typeof content === 'string') return { text: content, media: 0 };
  if (!Array.isArray(content)) return { text: '', media: 0 };
  const texts: string[] = [];
  let media = 0;
  for (const part of content) {
    if (!isWireObject(part)) continue;
    if (typeof part.type === 'string' && MEDIA_PART_TYPES.has(part.type)) media += 1;
    const text = partText(part);
    if (text) texts.push(text);
  }
  return { text: texts.join(' '), media };
}

/** The names and arguments of an assistant message's `tool_calls`, as prompt text. */
function toolCallsText(toolCalls: unknown): string {
  if (!Array.isArray(toolCalls)) return '';
  return toolCalls
    .map((call) => {
      const fn = isWireObject(call) && isWireObject(call.function) ? call.function : {};
      const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
      return `${typeof fn.name === 'string' ? fn.name : ''}${args}`;
    })
    .join('\n');
}

/**
 * Summarises chat messages of the common shape (`role`, `content` as a string or parts with `text`,
 * `thinking` or `image_url`, assistant `tool_calls`/`tool_plan`, `tool` messages) for the engine.
 *
 * @example
 * ```ts
 * summarizeMessages([{ role: 'user', content: 'Hi' }]).lastUserText; // 'Hi'
 * ```
 */
export function summarizeMessages(messages: readonly WireObject[]): PromptSummary {
  const texts: string[] = [];
  let lastUserText = '';
  let imageCount = 0;
  let hasToolResults = false;
  for (const message of messages) {
    const { text, media } = contentText(message.content);
    imageCount += media;
    if (message.role === 'user') lastUserText = text;
    if (message.role === 'tool') hasToolResults = true;
    const extra = [
      typeof message.tool_plan === 'string' ? message.tool_plan : '',
      toolCallsText(message.tool_calls),
    ].filter(Boolean);
    texts.push([text, ...extra].filter(Boolean).join('\n'));
  }
  return { lastUserText, promptText: texts.filter(Boolean).join('\n'), imageCount, hasToolResults };
}

/**
 * Reads `[{ type: 'function', function: { name, parameters } }]` tools into the engine's form
 * (entries that are not function tools are skipped).
 *
 * @example
 * ```ts
 * functionTools([{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }]); // [{ name: 'weather', inputSchema: { type: 'object' } }]
 * ```
 */
export function functionTools(tools: unknown): SimulatedRequest['tools'] {
  if (!Array.isArray(tools)) return [];
  const result: SimulatedRequest['tools'] = [];
  for (const tool of tools) {
    if (!isWireObject(tool) || !isWireObject(tool.function) || typeof tool.function.name !== 'string') continue;
    const parameters = tool.function.parameters;
    result.push(
      isWireObject(parameters)
        ? { name: tool.function.name, inputSchema: parameters as JsonSchema }
        : { name: tool.function.name },
    );
  }
  return result;
}

/**
 * A deterministic prompt cache: it remembers the prompts it served per scope (a vendor cache key,
 * or one scope for vendors that cache automatically), and reports as cached the tokens of the longest
 * remembered prompt that starts the new one. Entries shorter than `minimumTokens` are not cached.
 *
 * @example
 * ```ts
 * const cache = new PromptPrefixCache();
 * cache.remember('conversation-1', 'You are a helpful assistant.\nHi');
 * cache.cachedTokens('conversation-1', 'You are a helpful assistant.\nHi\nHello!\nAnd now?'); // countTokens('You are a helpful assistant.\nHi')
 * ```
 */
export class PromptPrefixCache {
  private readonly entries = new Map<string, Set<string>>();

  constructor(private readonly minimumTokens = 0) {}

  /** Tokens of the longest remembered prompt in `scope` that is a prefix of `promptText`. */
  cachedTokens(scope: string, promptText: string): number {
    let best = 0;
    for (const cached of this.entries.get(scope) ?? []) {
      if (promptText.startsWith(cached)) best = Math.max(best, countTokens(cached));
    }
    return best;
  }

  /** Remembers a served prompt. */
  remember(scope: string, promptText: string): void {
    if (countTokens(promptText) < this.minimumTokens || promptText === '') return;
    const prompts = this.entries.get(scope) ?? new Set<string>();
    prompts.add(promptText);
    this.entries.set(scope, prompts);
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}
