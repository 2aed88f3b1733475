/**
 * The AI Gateway's account endpoints, served from the host root (the `@ai-sdk/gateway` client builds
 * them from its base URL's origin): `GET /v1/credits`, `GET /v1/report` and `GET /v1/generation?id=`,
 * answered from a {@link GatewayBilling} source for the authenticated account, with the gateway's
 * error format. Billing answers in domain types; this file is the wire: it parses the report query
 * (its syntax: dates as `YYYY-MM-DD`, the wire's names) and shapes the JSON the client parses.
 * The query's rules (range order and length, known groupings) are billing's, checked once there.
 *
 * @module
 */
import { nanoToDollars } from '../../../billing/cost.js';
import { nanoToUsdNumber } from '../../../billing/markup.js';
import {
  CREDENTIAL_TYPES,
  SPEND_GROUPINGS,
  type SpendGrouping,
  type SpendReport,
} from '../../../billing/spend-report.js';
import type { GenerationSummary } from '../../../billing/usage-record.js';
import type { AccountBalance } from '../../../billing/billing.js';
import type { CredentialType } from '../../../core/events.js';
import { GatewayError, isGatewayError } from '../../../core/errors.js';
import type { GatewayBilling, ReportQuery } from '../../http-types.js';
import { jsonResponse } from '../../responses.js';
import { describeValue, invalid } from '../../validate.js';
import { aiGatewayErrorBody } from './ai-gateway-dialect.js';
import type { Dialect } from '../dialect.js';

const DAY_MS = 86_400_000;
/** The wire name of each grouping (and of the row field carrying its value). */
const WIRE_GROUPS: Record<SpendGrouping, string> = {
  day: 'day',
  hour: 'hour',
  user: 'user',
  model: 'model',
  tag: 'tag',
  provider: 'provider',
  credentialType: 'credential_type',
};
/** The wire parameter of each query field billing may reject. */
const WIRE_PARAMS: Record<string, string> = {
  from: 'start_date',
  to: 'end_date',
  groupBy: 'group_by',
  credentialType: 'credential_type',
  userId: 'user_id',
};

/**
 * The billing endpoints as a dialect.
 *
 * @example
 * ```ts
 * const dialect = createBillingDialect(billing);
 * dialect.routes.map((route) => route.path); // ['/v1/credits', '/v1/report', '/v1/generation']
 * ```
 */
export function createBillingDialect(billing: GatewayBilling): Dialect {
  return {
    name: 'billing',
    errorBody: aiGatewayErrorBody,
    routes: [
      {
        method: 'GET',
        path: '/v1/credits',
        handle: async (context) => jsonResponse(200, creditsBody(await billing.getCredits(context.caller.account))),
      },
      {
        method: 'GET',
        path: '/v1/report',
        handle: async (context) => {
          const report = await billing
            .getReport(context.caller.account, reportQuery(context.query))
            .catch(withWireParam);
          return jsonResponse(200, reportBody(report));
        },
      },
      {
        method: 'GET',
        path: '/v1/generation',
        handle: async (context) => {
          const id = context.query.get('id');
          if (!id) throw invalid('The `id` query parameter is required: a generation id such as gen_01J...', 'id');
          const generation = await billing.getGeneration(context.caller.account, id);
          if (!generation)
            throw new GatewayError('not_found', `Generation '${id}' was not found for this account`, { param: 'id' });
          return jsonResponse(200, { data: generationBody(generation) });
        },
      },
    ],
  };
}

/**
 * Reads the query of `GET /v1/report` (`start_date`, `end_date` as `YYYY-MM-DD` UTC, inclusive;
 * `group_by`, `date_part`, `user_id`, `model`, `provider`, `credential_type`, `tags` comma-separated)
 * into billing's report query.
 *
 * @example
 * ```ts
 * reportQuery(new URLSearchParams('start_date=2025-01-01&end_date=2025-01-31&tags=a,b'));
 * // { from: 1735689600000, to: 1738367999999, groupBy: 'day', tags: ['a', 'b'] }
 * ```
 */
export function reportQuery(query: URLSearchParams): ReportQuery {
  const from = wireDate(query, 'start_date');
  const to = wireDate(query, 'end_date') + DAY_MS - 1;
  const group = wireName(query, 'group_by', SPEND_GROUPINGS, (grouping) => WIRE_GROUPS[grouping]) ?? 'day';
  const datePart = wireName(query, 'date_part', ['day', 'hour'] as const, (part) => part);
  const credentialType = wireName(query, 'credential_type', CREDENTIAL_TYPES, (type) => type);
  const result: ReportQuery = { from, to, groupBy: group === 'day' && datePart === 'hour' ? 'hour' : group };
  if (credentialType) result.credentialType = credentialType as CredentialType;
  const userId = query.get('user_id');
  if (userId) result.userId = userId;
  const model = query.get('model');
  if (model) result.model = model;
  const provider = query.get('provider');
  if (provider) result.provider = provider;
  const tags = query.get('tags');
  if (tags)
    result.tags = tags
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== '');
  return result;
}

/**
 * `GET /v1/credits`: the balance and total use as exact decimal USD strings.
 *
 * @example
 * ```ts
 * creditsBody({ balanceNano: 4_998_760_000, totalUsedNano: 1_240_000 }); // { balance: '4.99876', total_used: '0.00124' }
 * ```
 */
export function creditsBody(credits: Pick<AccountBalance, 'balanceNano' | 'totalUsedNano'>): {
  balance: string;
  total_used: string;
} {
  return { balance: nanoToDollars(credits.balanceNano), total_used: nanoToDollars(credits.totalUsedNano) };
}

/**
 * `GET /v1/report`: one result per row, the group under its wire name (`day`, `hour`, `model`,
 * `credential_type`, ...), costs as USD numbers from the exact nano-dollar sums.
 *
 * @example
 * ```ts
 * reportBody({ groupBy: 'model', rows: [row] }).results[0].total_cost; // 0.25
 * ```
 */
export function reportBody(report: SpendReport): { results: Array<Record<string, unknown>> } {
  const field = WIRE_GROUPS[report.groupBy];
  return {
    results: report.rows.map((row) => ({
      ...groupField(field, row),
      total_cost: nanoToUsdNumber(row.costNano),
      market_cost: nanoToUsdNumber(row.marketCostNano),
      input_tokens: row.inputTokens,
      output_tokens: row.outputTokens,
      cached_input_tokens: row.cacheReadTokens,
      cache_creation_input_tokens: row.cacheWriteTokens,
      reasoning_tokens: row.reasoningTokens,
      request_count: row.requestCount,
      // switchyard's own fields (the @ai-sdk/gateway client ignores them): what the response cache answered and saved.
      cache_hit_count: row.cacheHitCount,
      cache_saved_cost: nanoToUsdNumber(row.cacheSavedNano),
    })),
  };
}

/**
 * `GET /v1/generation` `data`: the generation in the shape the `@ai-sdk/gateway` client parses, costs
 * as USD numbers derived from the exact nano-dollar amounts.
 *
 * @example
 * ```ts
 * const data = generationBody(await billing.getGeneration(account, id));
 * console.log(data.total_cost, data.provider_name, data.native_tokens_completion);
 * ```
 */
export function generationBody(generation: GenerationSummary): Record<string, unknown> {
  return {
    id: generation.id,
    total_cost: nanoToUsdNumber(generation.costNano),
    market_cost: nanoToUsdNumber(generation.marketCostNano),
    surcharge_cost: nanoToUsdNumber(generation.surchargeNano),
    upstream_inference_cost: nanoToUsdNumber(generation.marketCostNano),
    usage: nanoToUsdNumber(generation.costNano),
    created_at: generation.createdAt.toISOString(),
    model: generation.model,
    is_byok: generation.byok,
    provider_name: generation.provider,
    streamed: generation.streamed,
    finish_reason: generation.finishReason,
    latency: generation.latencyMs,
    generation_time: generation.generationTimeMs,
    native_tokens_prompt: generation.tokens.inputTokens,
    native_tokens_completion: generation.tokens.outputTokens,
    native_tokens_reasoning: generation.tokens.reasoningTokens,
    native_tokens_cached: generation.tokens.cacheReadTokens,
    native_tokens_cache_creation: generation.tokens.cacheWriteTokens,
    billable_web_search_calls: 0,
  };
}

function groupField(field: string, row: SpendReport['rows'][number]): Record<string, string> {
  if (row.periodStart !== undefined) {
    const iso = row.periodStart.toISOString();
    return { [field]: field === 'hour' ? `${iso.slice(0, 13)}:00:00Z` : iso.slice(0, 10) };
  }
  return row.group === undefined ? {} : { [field]: row.group };
}

/** A required `YYYY-MM-DD` date parameter, as the epoch milliseconds of its UTC midnight. */
function wireDate(query: URLSearchParams, name: 'start_date' | 'end_date'): number {
  const value = query.get(name);
  if (!value) throw invalid(`The \`${name}\` query parameter is required: a date such as 2025-01-31`, name);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) {
    throw invalid(
      `The \`${name}\` query parameter must be a date such as 2025-01-31, got ${describeValue(value)}`,
      name,
    );
  }
  return time;
}

/** An optional parameter naming one of billing's values by its wire name. */
function wireName<T extends string>(
  query: URLSearchParams,
  name: string,
  values: readonly T[],
  toWire: (value: T) => string,
): T | undefined {
  const given = query.get(name);
  if (given === null) return undefined;
  const found = values.find((value) => toWire(value) === given);
  if (found === undefined)
    throw invalid(
      `The \`${name}\` query parameter must be one of ${values.map(toWire).join(', ')}, got ${describeValue(given)}`,
      name,
    );
  return found;
}

/** Billing names the query field it rejects; the client sent it under its wire name. */
function withWireParam(error: unknown): never {
  if (
    isGatewayError(error) &&
    error.code === 'invalid_request' &&
    error.param !== undefined &&
    WIRE_PARAMS[error.param]
  ) {
    throw new GatewayError('invalid_request', error.message, { param: WIRE_PARAMS[error.param], cause: error });
  }
  throw error;
}
