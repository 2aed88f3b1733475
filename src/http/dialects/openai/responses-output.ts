/**
 * The OpenAI Responses API's response object, built from a canonical result: output items (`reasoning`,
 * `message` with `output_text`, `function_call`), status, usage with cached and reasoning tokens, and the
 * request settings it echoes.
 *
 * @module
 */
import { createUlid } from '../../../core/ids.js';
import type { ContentPart, FinishReason, ProviderMetadata, ProviderOptions, Usage } from '../../../core/types.js';
import { tokenCounts } from '../generation.js';
import type { ResponseSettings } from './responses-validation.js';

/**
 * One output item of a response, as the wire carries it.
 *
 * @example
 * ```ts
 * const item: ResponseOutputItem = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [] };
 * ```
 */
export type ResponseOutputItem = Record<string, unknown> & { id: string; type: string };

/**
 * A new output item id with OpenAI's prefix for its type (`msg_`, `fc_`, `rs_`).
 *
 * @example
 * ```ts
 * itemId('msg'); // 'msg_01JD8X3Z4K5M6N7P8Q9R0S1T2V'
 * ```
 */
export function itemId(prefix: 'msg' | 'fc' | 'rs'): string {
  return `${prefix}_${createUlid()}`;
}

/**
 * The response id of a generation: `resp_` and the generation's ulid, so that one names the other.
 *
 * @example
 * ```ts
 * responseIdOf('gen_01JD8X3Z4K5M6N7P8Q9R0S1T2V'); // 'resp_01JD8X3Z4K5M6N7P8Q9R0S1T2V'
 * ```
 */
export function responseIdOf(generationId: string): string {
  return `resp_${generationId.startsWith('gen_') ? generationId.slice(4) : generationId}`;
}

/**
 * An `output_text` content part. @example `outputText('Hello')`
 */
export function outputText(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/**
 * A result's content as output items: consecutive reasoning as one `reasoning` item (its text as a summary),
 * consecutive text as one assistant `message`, each tool call a `function_call`.
 *
 * @example
 * ```ts
 * outputItems([{ type: 'text', text: 'Hi' }], 'completed')[0].type; // 'message'
 * ```
 */
export function outputItems(content: readonly ContentPart[], status: 'completed' | 'incomplete'): ResponseOutputItem[] {
  const items: ResponseOutputItem[] = [];
  let last: { kind: 'text' | 'reasoning'; item: ResponseOutputItem } | undefined;
  for (const part of content) {
    if (part.type === 'text') {
      if (part.text === '') continue;
      if (last?.kind === 'text') {
        const parts = last.item.content as Array<{ text: string }>;
        parts[0].text += part.text;
      } else {
        last = {
          kind: 'text',
          item: { id: itemId('msg'), type: 'message', status, role: 'assistant', content: [outputText(part.text)] },
        };
        items.push(last.item);
      }
    } else if (part.type === 'reasoning') {
      // Each reasoning part is its own item: its metadata (Claude's signature) belongs to its text alone.
      const encrypted = encryptedReasoning(part.providerMetadata);
      if (part.text === '' && encrypted === undefined) continue;
      last = undefined;
      items.push(reasoningItem(itemId('rs'), part.text, encrypted));
    } else if (part.type === 'tool-call') {
      last = undefined;
      items.push(functionCallItem(itemId('fc'), part.toolCallId, part.toolName, part.input, 'completed'));
    }
  }
  return items;
}

/** Marks the gateway's own `encrypted_content`: a vendor's reasoning metadata, base64url JSON. */
const ENCRYPTED_PREFIX = 'swy1.';

/**
 * A reasoning part's vendor metadata (Claude's thinking signature, its redacted thinking) as a reasoning item's
 * `encrypted_content`, so that a client sending the item back (or a `previous_response_id` continuation) returns
 * the signed thinking to the vendor. Undefined when there is none.
 *
 * @example
 * ```ts
 * encryptedReasoning({ anthropic: { signature: 'EqQB...' } }); // 'swy1.eyJhbnRocm9waWMiOnsic2lnbmF0dXJlIjoiRXFRQi4uLiJ9fQ'
 * ```
 */
export function encryptedReasoning(metadata: ProviderMetadata | undefined): string | undefined {
  if (!metadata || Object.keys(metadata).length === 0) return undefined;
  return ENCRYPTED_PREFIX + Buffer.from(JSON.stringify(metadata)).toString('base64url');
}

/**
 * The vendor metadata of a reasoning item's `encrypted_content` made by {@link encryptedReasoning}, as the reasoning
 * part's provider options; undefined for anything else (OpenAI's own encrypted reasoning is not readable here).
 *
 * @example
 * ```ts
 * reasoningOptions(encryptedReasoning({ anthropic: { signature: 'sig' } })); // { anthropic: { signature: 'sig' } }
 * ```
 */
export function reasoningOptions(encrypted: unknown): ProviderOptions | undefined {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(ENCRYPTED_PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(encrypted.slice(ENCRYPTED_PREFIX.length), 'base64url').toString());
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as ProviderOptions)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `reasoning` output item: the text as its summary, the vendor metadata as `encrypted_content`.
 *
 * @example
 * ```ts
 * reasoningItem('rs_1', 'Let me think', undefined); // { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Let me think' }] }
 * ```
 */
export function reasoningItem(id: string, text: string, encrypted: string | undefined): ResponseOutputItem {
  return {
    id,
    type: 'reasoning',
    summary: text === '' ? [] : [{ type: 'summary_text', text }],
    ...(encrypted === undefined ? {} : { encrypted_content: encrypted }),
  };
}

/**
 * A `function_call` output item. @example
 * `functionCallItem('fc_1', 'call_1', 'weather', '{"city":"Paris"}', 'completed')`
 */
export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  args: string,
  status: 'in_progress' | 'completed' | 'incomplete',
): ResponseOutputItem {
  return { id, type: 'function_call', status, arguments: args, call_id: callId, name };
}

/**
 * The response status and `incomplete_details` for a finish reason: `incomplete` when the token limit or a
 * content filter cut the answer.
 *
 * @example
 * ```ts
 * responseStatus({ unified: 'length' }); // { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } }
 * ```
 */
export function responseStatus(reason: FinishReason): {
  status: 'completed' | 'incomplete';
  incompleteDetails: { reason: string } | null;
} {
  if (reason.unified === 'length') return { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } };
  if (reason.unified === 'content-filter')
    return { status: 'incomplete', incompleteDetails: { reason: 'content_filter' } };
  return { status: 'completed', incompleteDetails: null };
}

/**
 * Usage as the Responses API reports it, with cached input and reasoning output tokens.
 *
 * @example
 * ```ts
 * responseUsage(usage); // { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, ... }
 * ```
 */
export function responseUsage(usage: Usage): Record<string, unknown> {
  const counts = tokenCounts(usage);
  return {
    input_tokens: counts.input,
    input_tokens_details: { cached_tokens: counts.cacheRead },
    output_tokens: counts.output,
    output_tokens_details: { reasoning_tokens: counts.reasoning },
    total_tokens: counts.input + counts.output,
  };
}

/**
 * The response object, in the field order OpenAI sends.
 *
 * @example
 * ```ts
 * responseObject({ id: 'resp_1', createdAt: 1_700_000_000, settings, status: 'in_progress', output: [], usage: null });
 * ```
 */
export function responseObject(fields: {
  id: string;
  createdAt: number;
  settings: ResponseSettings;
  model?: string;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  output: ResponseOutputItem[];
  usage: Record<string, unknown> | null;
  incompleteDetails?: { reason: string } | null;
  error?: { code: string; message: string } | null;
}): Record<string, unknown> {
  const finished = fields.status === 'completed';
  const { settings } = fields;
  return {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt,
    ...(finished ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
    status: fields.status,
    background: false,
    error: fields.error ?? null,
    incomplete_details: fields.incompleteDetails ?? null,
    instructions: settings.instructions,
    max_output_tokens: settings.max_output_tokens,
    model: fields.model ?? settings.model,
    output: fields.output,
    parallel_tool_calls: settings.parallel_tool_calls,
    previous_response_id: settings.previous_response_id,
    reasoning: settings.reasoning,
    store: settings.store,
    temperature: settings.temperature,
    text: settings.text,
    tool_choice: settings.tool_choice,
    tools: settings.tools,
    top_p: settings.top_p,
    truncation: settings.truncation,
    usage: fields.usage,
    user: settings.user,
    metadata: settings.metadata,
  };
}
