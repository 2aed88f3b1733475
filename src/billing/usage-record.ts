/**
 * Usage records: one per billable attempt, stored with its settlement (so a charge and its record
 * are written together, exactly once); token totals and the generation summary built from them.
 *
 * @module
 */
import type { AccountReference, UsageEvent } from '../core/events.js';
import type { ProviderType } from '../providers/provider.js';
import type { CacheHit, RequestContext } from '../router/router-types.js';

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
  /** The provider's list price of the attempt, in nano-dollars (0 for a cache hit: no provider was called). */
  marketCostNano: number;
  /** Set on the record of a request a cache answered: which cache. Its tokens are 0 (no provider was called). */
  cacheHit?: 'exact' | 'semantic';
  /** On a cache hit: what the stored answer cost upstream when it was made, in nano-dollars (list price). */
  savedCostNano?: number;
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
 * Builds the record of a request a cache answered: no tokens and no list price (no provider was called),
 * what the stored answer cost when it was made (`savedCostNano`), and what the account was charged for
 * the hit (0 unless billing charges hits).
 *
 * @example
 * ```ts
 * const record = cacheHitRecord('req_1:cache', run, { kind: 'exact', savedCostNano: 1_200, model, provider: 'openai', providerType: 'openai', providerModelId: 'gpt-4o' }, account, 0, Date.now());
 * ```
 */
export function cacheHitRecord(
  id: string,
  context: RequestContext & { generationId?: string; startTime?: number },
  hit: CacheHit,
  account: AccountReference,
  costNano: number,
  now: number,
): UsageRecord {
  const user = account.user ?? context.user;
  return {
    id,
    generationId: context.generationId ?? context.requestId,
    requestId: context.requestId,
    accountId: account.id,
    ...(user !== undefined ? { user } : {}),
    ...(account.apiKeyId !== undefined ? { apiKeyId: account.apiKeyId } : {}),
    model: hit.model,
    provider: hit.provider,
    providerType: hit.providerType ?? (hit.provider as ProviderType),
    providerModelId: hit.providerModelId,
    credentialType: context.byok ? 'byok' : 'system',
    operation: context.operation,
    streamed: context.streamed,
    finishReason: hit.finishReason ?? 'stop',
    estimated: false,
    ...emptyTokenTotals(),
    noCacheInputTokens: 0,
    costNano,
    marketCostNano: 0,
    latencyMs: context.startTime === undefined ? 0 : Math.max(0, now - context.startTime),
    tags: [...context.tags],
    timestamp: now,
    cacheHit: hit.kind,
    savedCostNano: hit.savedCostNano,
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
 * Token counts summed over records (a report row, a generation's attempts).
 *
 * @example
 * ```ts
 * const totals: TokenTotals = { inputTokens: 120, outputTokens: 40, cacheReadTokens: 100, cacheWriteTokens: 0, reasoningTokens: 10 };
 * ```
 */
export interface TokenTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

/**
 * Zero token totals.
 *
 * @example
 * ```ts
 * const totals = emptyTokenTotals();
 * ```
 */
export function emptyTokenTotals(): TokenTotals {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

/**
 * Adds a record's tokens to totals: the one place billing sums tokens.
 *
 * @example
 * ```ts
 * const totals = emptyTokenTotals();
 * for (const record of records) addTokens(totals, record);
 * ```
 */
export function addTokens(totals: TokenTotals, record: TokenTotals): TokenTotals {
  totals.inputTokens += record.inputTokens;
  totals.outputTokens += record.outputTokens;
  totals.cacheReadTokens += record.cacheReadTokens;
  totals.cacheWriteTokens += record.cacheWriteTokens;
  totals.reasoningTokens += record.reasoningTokens;
  return totals;
}

/**
 * One generation (every billable attempt of a request summed; provider, model and timings of the
 * last attempt), in nano-dollars and milliseconds.
 *
 * @example
 * ```ts
 * const generation = await billing.getGeneration({ id: 'team_acme' }, result.generationId);
 * console.log(generation?.costNano, generation?.tokens.outputTokens);
 * ```
 */
export interface GenerationSummary {
  /** The generation id (`gen_...`). */
  id: string;
  model: string;
  /** The provider instance of the last attempt. */
  provider: string;
  /** What was charged, markup included (0 for BYOK), in nano-dollars. */
  costNano: number;
  /** The providers' list price, in nano-dollars. */
  marketCostNano: number;
  /** What was charged above the list price (the markup), in nano-dollars; 0 for BYOK. */
  surchargeNano: number;
  /** When the first attempt started. */
  createdAt: Date;
  byok: boolean;
  streamed: boolean;
  finishReason: UsageRecord['finishReason'];
  /** Time to the first token when streamed, else the whole latency, of the last attempt. */
  latencyMs: number;
  /** The last attempt's whole latency. */
  generationTimeMs: number;
  tokens: TokenTotals;
}

/**
 * The summary of one generation from its usage records (oldest first).
 *
 * @example
 * ```ts
 * const summary = toGenerationSummary([record]);
 * console.log(summary.costNano, summary.provider, summary.tokens.outputTokens);
 * ```
 */
export function toGenerationSummary(records: readonly UsageRecord[]): GenerationSummary {
  const last = records[records.length - 1];
  let costNano = 0;
  let marketCostNano = 0;
  let started = Number.POSITIVE_INFINITY;
  const tokens = emptyTokenTotals();
  for (const record of records) {
    costNano += record.costNano;
    marketCostNano += record.marketCostNano;
    started = Math.min(started, record.timestamp - record.latencyMs);
    addTokens(tokens, record);
  }
  const byok = last.credentialType === 'byok';
  return {
    id: last.generationId,
    model: last.model,
    provider: last.provider,
    costNano,
    marketCostNano,
    surchargeNano: byok ? 0 : Math.max(0, costNano - marketCostNano),
    createdAt: new Date(started),
    byok,
    streamed: last.streamed,
    finishReason: last.finishReason,
    latencyMs: last.timeToFirstTokenMs ?? last.latencyMs,
    generationTimeMs: last.latencyMs,
    tokens,
  };
}
