/**
 * Usage records: one per billable attempt, stored with its settlement (so a charge and its record
 * are written together, exactly once), and the `/v1/generation` shape built from them.
 *
 * @module
 */
import type { AccountReference, UsageEvent } from '../events.js';
import { nanoToUsdNumber } from './markup.js';

/**
 * One billable attempt, as stored.
 *
 * @example
 * ```ts
 * const record: UsageRecord = toUsageRecord('req_1:0', event, { id: 'team_acme', user: 'alice' }, 14_814);
 * console.log(record.costNano, record.marketCostNano);
 * ```
 */
export interface UsageRecord
  extends Pick<
    UsageEvent,
    | 'generationId'
    | 'requestId'
    | 'model'
    | 'provider'
    | 'providerType'
    | 'providerModelId'
    | 'credentialType'
    | 'operation'
    | 'streamed'
    | 'finishReason'
    | 'estimated'
    | 'inputTokens'
    | 'noCacheInputTokens'
    | 'cacheReadTokens'
    | 'cacheWriteTokens'
    | 'outputTokens'
    | 'reasoningTokens'
    | 'latencyMs'
    | 'timeToFirstTokenMs'
    | 'tags'
    | 'timestamp'
  > {
  /** `<requestId>:<attempt>`: unique per billable attempt. */
  id: string;
  accountId: string;
  user?: string;
  apiKeyId?: string;
  /** What the account was charged, markup included (0 for BYOK), in nano-dollars. */
  costNano: number;
  /** The provider's list price of the attempt, in nano-dollars. */
  marketCostNano: number;
}

/**
 * Builds the record of a billable attempt.
 *
 * @example
 * ```ts
 * const record = toUsageRecord('req_1:0', usageEvent, account, usageEvent.cost.total);
 * ```
 */
export function toUsageRecord(id: string, event: UsageEvent, account: AccountReference, costNano: number): UsageRecord {
  const user = account.user ?? event.user;
  return {
    id,
    generationId: event.generationId,
    requestId: event.requestId,
    accountId: account.id,
    ...(user !== undefined ? { user } : {}),
    ...(account.apiKeyId !== undefined ? { apiKeyId: account.apiKeyId } : {}),
    model: event.model,
    provider: event.provider,
    providerType: event.providerType,
    providerModelId: event.providerModelId,
    credentialType: event.credentialType,
    operation: event.operation,
    streamed: event.streamed,
    finishReason: event.finishReason,
    estimated: event.estimated,
    inputTokens: event.inputTokens,
    noCacheInputTokens: event.noCacheInputTokens,
    cacheReadTokens: event.cacheReadTokens,
    cacheWriteTokens: event.cacheWriteTokens,
    outputTokens: event.outputTokens,
    reasoningTokens: event.reasoningTokens,
    costNano,
    marketCostNano: event.cost.total,
    latencyMs: event.latencyMs,
    ...(event.timeToFirstTokenMs !== undefined ? { timeToFirstTokenMs: event.timeToFirstTokenMs } : {}),
    tags: [...event.tags],
    timestamp: event.timestamp,
  };
}

/**
 * Whether a caller may see a record: same account and, for a user's key, the same user.
 *
 * @example
 * ```ts
 * if (visibleTo(record, { id: 'team_acme', user: 'alice' })) rows.push(record);
 * ```
 */
export function visibleTo(record: UsageRecord, account: AccountReference): boolean {
  return record.accountId === account.id && (account.user === undefined || record.user === account.user);
}

/**
 * The `GET /v1/generation` `data` object of one generation (every billable attempt of the request
 * summed; provider, model and timings of the last one), in the shape the `@ai-sdk/gateway` client
 * parses. Costs are USD numbers derived from the exact nano-dollar amounts.
 *
 * @example
 * ```ts
 * const data = toGenerationInfo([record]);
 * console.log(data.total_cost, data.provider_name, data.native_tokens_completion);
 * ```
 */
export function toGenerationInfo(records: readonly UsageRecord[]): Record<string, unknown> {
  const last = records[records.length - 1];
  const sum = (pick: (record: UsageRecord) => number): number => records.reduce((total, record) => total + pick(record), 0);
  const cost = sum((record) => record.costNano);
  const market = sum((record) => record.marketCostNano);
  const started = Math.min(...records.map((record) => record.timestamp - record.latencyMs));
  return {
    id: last.generationId,
    total_cost: nanoToUsdNumber(cost),
    market_cost: nanoToUsdNumber(market),
    surcharge_cost: nanoToUsdNumber(last.credentialType === 'byok' ? 0 : Math.max(0, cost - market)),
    upstream_inference_cost: nanoToUsdNumber(market),
    usage: nanoToUsdNumber(cost),
    created_at: new Date(started).toISOString(),
    model: last.model,
    is_byok: last.credentialType === 'byok',
    provider_name: last.provider,
    streamed: last.streamed,
    finish_reason: last.finishReason,
    latency: last.timeToFirstTokenMs ?? last.latencyMs,
    generation_time: last.latencyMs,
    native_tokens_prompt: sum((record) => record.inputTokens),
    native_tokens_completion: sum((record) => record.outputTokens),
    native_tokens_reasoning: sum((record) => record.reasoningTokens),
    native_tokens_cached: sum((record) => record.cacheReadTokens),
    native_tokens_cache_creation: sum((record) => record.cacheWriteTokens),
    billable_web_search_calls: 0,
  };
}
