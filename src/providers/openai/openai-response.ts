/**
 * OpenAI Chat Completions responses → canonical results: content parts, finish reason, usage.
 *
 * @module
 */
import type { ChatCompletion, ChatCompletionMessage } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { GatewayError } from '../../core/errors.js';
import { makeUsage } from '../shared/provider-support.js';
import type { ProviderGenerateResult } from '../provider.js';
import type { ContentPart, FinishReason, ProviderMetadata, Usage, Warning } from '../../core/types.js';
import type { OpenAIChatDialect } from './openai-request.js';

/**
 * Maps an OpenAI `finish_reason` to the unified one, keeping the raw value.
 *
 * @example
 * ```ts
 * mapFinishReason('tool_calls'); // { unified: 'tool-calls', raw: 'tool_calls' }
 * ```
 */
export function mapFinishReason(raw: string | null | undefined): FinishReason {
  switch (raw) {
    case 'stop':
      return { unified: 'stop', raw };
    case 'length':
      return { unified: 'length', raw };
    case 'tool_calls':
    case 'function_call':
      return { unified: 'tool-calls', raw };
    case 'content_filter':
      return { unified: 'content-filter', raw };
    default:
      return { unified: 'other', raw: raw ?? undefined };
  }
}

/**
 * Maps OpenAI usage (prompt tokens include cached ones) to the canonical usage.
 *
 * @example
 * ```ts
 * mapUsage({ prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, prompt_tokens_details: { cached_tokens: 100 } });
 * ```
 */
export function mapUsage(usage: CompletionUsage | null | undefined): Usage {
  if (!usage) return makeUsage({});
  return makeUsage({
    inputTotal: usage.prompt_tokens,
    cacheRead: usage.prompt_tokens_details?.cached_tokens,
    cacheWrite: usage.prompt_tokens_details?.cache_write_tokens,
    output: usage.completion_tokens,
    reasoning: usage.completion_tokens_details?.reasoning_tokens,
  });
}

/**
 * A Chat Completions dialect as the response side sees it: a vendor whose usage means something else
 * than OpenAI's maps it itself.
 *
 * @example
 * ```ts
 * const dialect: OpenAIResponseDialect = { ...openAIDialect, usage: (usage) => mapUsage(usage) };
 * ```
 */
export interface OpenAIResponseDialect extends OpenAIChatDialect {
  /** The canonical usage of a response or of a stream's usage chunk (default: {@link mapUsage}). */
  usage?(usage: CompletionUsage | null | undefined): Usage;
}

/**
 * Provider metadata worth keeping from a response: the service tier that served it and the
 * system fingerprint, keyed by the provider type.
 *
 * @example
 * ```ts
 * responseMetadata('openai', { service_tier: 'default' }); // { openai: { serviceTier: 'default' } }
 * ```
 */
export function responseMetadata(
  type: string,
  response: { service_tier?: string | null; system_fingerprint?: string },
): ProviderMetadata | undefined {
  const values: { [key: string]: string } = {};
  if (response.service_tier) values.serviceTier = response.service_tier;
  if (response.system_fingerprint) values.systemFingerprint = response.system_fingerprint;
  return Object.keys(values).length > 0 ? { [type]: values } : undefined;
}

/**
 * Maps a Chat Completions response to a generate result.
 *
 * @example
 * ```ts
 * const result = mapCompletion(await client.chat.completions.create(body), dialect, warnings);
 * ```
 */
export function mapCompletion(
  response: ChatCompletion,
  dialect: OpenAIResponseDialect,
  warnings: Warning[],
): ProviderGenerateResult {
  const choice = response.choices?.[0];
  if (!choice || typeof choice.message !== 'object' || choice.message === null) {
    throw new GatewayError('provider_bad_response', `${dialect.name}: the response has no choices`, {
      provider: dialect.name,
    });
  }
  return {
    content: messageContent(choice.message, dialect),
    finishReason: mapFinishReason(choice.finish_reason),
    usage: dialect.usage ? dialect.usage(response.usage) : mapUsage(response.usage),
    warnings,
    responseId: response.id,
    responseModelId: response.model,
    providerMetadata: responseMetadata(dialect.type, response),
  };
}

function messageContent(message: ChatCompletionMessage, dialect: OpenAIChatDialect): ContentPart[] {
  const content: ContentPart[] = [];
  const reasoning = dialect.reasoningText(message);
  if (reasoning) content.push({ type: 'reasoning', text: reasoning });
  if (message.content) content.push({ type: 'text', text: message.content });
  else if (message.refusal) content.push({ type: 'text', text: message.refusal });
  for (const call of message.tool_calls ?? []) {
    if (call.type === 'function')
      content.push({
        type: 'tool-call',
        toolCallId: call.id,
        toolName: call.function.name,
        input: call.function.arguments || '{}',
      });
    else
      content.push({
        type: 'tool-call',
        toolCallId: call.id,
        toolName: call.custom.name,
        input: JSON.stringify(call.custom.input),
      });
  }
  for (const annotation of message.annotations ?? []) {
    if (annotation.type === 'url_citation') {
      content.push({
        type: 'source',
        sourceType: 'url',
        id: `${annotation.url_citation.start_index}-${annotation.url_citation.end_index}`,
        url: annotation.url_citation.url,
        title: annotation.url_citation.title,
      });
    }
  }
  return content;
}
