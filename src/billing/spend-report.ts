/**
 * Spend reports (`GET /v1/report`): usage records filtered by date range, user, model, provider,
 * credential type and tags, grouped by day, hour, user, model, tag, provider or credential type,
 * with costs (USD numbers from exact nano-dollar sums), token totals and request counts.
 *
 * @module
 */
import { GatewayError } from '../errors.js';
import { nanoToUsdNumber } from './markup.js';
import type { UsageRecord } from './usage-record.js';

/**
 * The report query as the `@ai-sdk/gateway` client sends it (dates `YYYY-MM-DD`, UTC, inclusive).
 *
 * @example
 * ```ts
 * const query: SpendReportQuery = { start_date: '2025-06-01', end_date: '2025-06-30', group_by: 'model', tags: ['beta'] };
 * ```
 */
export interface SpendReportQuery {
  start_date: string;
  end_date: string;
  /** `day` (default), `hour`, `user`, `model`, `tag`, `provider` or `credential_type`. */
  group_by?: string;
  /** `day` (default) or `hour`, when grouping by day. */
  date_part?: string;
  user_id?: string;
  model?: string;
  provider?: string;
  credential_type?: string;
  /** Only requests carrying every one of these tags. */
  tags?: string[];
}

/**
 * A validated report query: a time range in epoch milliseconds and the grouping.
 *
 * @example
 * ```ts
 * const parsed: ParsedReportQuery = parseReportQuery({ start_date: '2025-06-01', end_date: '2025-06-01' });
 * ```
 */
export interface ParsedReportQuery {
  from: number;
  to: number;
  groupBy: 'day' | 'hour' | 'user' | 'model' | 'tag' | 'provider' | 'credential_type';
  filter: (record: UsageRecord) => boolean;
}

const GROUPS = new Set(['day', 'hour', 'user', 'model', 'tag', 'provider', 'credential_type']);
/** The longest range one report covers. */
const MAX_RANGE_DAYS = 400;

/**
 * Validates a report query; anything wrong is a `GatewayError` `invalid_request` naming the parameter.
 *
 * @example
 * ```ts
 * parseReportQuery({ start_date: '2025-06-01', end_date: '2025-05-01' }); // throws: end_date is before start_date
 * ```
 */
export function parseReportQuery(query: SpendReportQuery): ParsedReportQuery {
  const from = parseDate(query.start_date, 'start_date');
  const to = parseDate(query.end_date, 'end_date') + 86_400_000 - 1;
  if (to < from) throw invalid('end_date is before start_date', 'end_date');
  if (to - from > MAX_RANGE_DAYS * 86_400_000) throw invalid(`a report covers at most ${MAX_RANGE_DAYS} days`, 'end_date');
  const group = query.group_by ?? 'day';
  if (!GROUPS.has(group)) throw invalid(`group_by must be one of ${[...GROUPS].join(', ')}, got '${group}'`, 'group_by');
  if (query.date_part !== undefined && query.date_part !== 'day' && query.date_part !== 'hour') throw invalid(`date_part must be 'day' or 'hour', got '${query.date_part}'`, 'date_part');
  if (query.credential_type !== undefined && query.credential_type !== 'byok' && query.credential_type !== 'system') {
    throw invalid(`credential_type must be 'byok' or 'system', got '${query.credential_type}'`, 'credential_type');
  }
  const tags = (query.tags ?? []).filter((tag) => tag !== '');
  const groupBy = (group === 'day' && query.date_part === 'hour' ? 'hour' : group) as ParsedReportQuery['groupBy'];
  const filter = (record: UsageRecord): boolean =>
    record.timestamp >= from &&
    record.timestamp <= to &&
    (query.user_id === undefined || record.user === query.user_id) &&
    (query.model === undefined || record.model === query.model) &&
    (query.provider === undefined || record.provider === query.provider || record.providerType === query.provider) &&
    (query.credential_type === undefined || record.credentialType === query.credential_type) &&
    tags.every((tag) => record.tags.includes(tag));
  return { from, to, groupBy, filter };
}

interface Row {
  key: string | undefined;
  costNano: number;
  marketNano: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheCreationInputTokens: number;
  reasoningTokens: number;
  requests: Set<string>;
}

/**
 * Groups records into report rows (the `/v1/report` `results`), sorted by their group value.
 * Records without a value for the grouping (no user, no tag) form one row without that field.
 *
 * @example
 * ```ts
 * const { results } = buildSpendReport(records, parseReportQuery({ start_date: '2025-06-01', end_date: '2025-06-30', group_by: 'user' }));
 * ```
 */
export function buildSpendReport(records: readonly UsageRecord[], query: ParsedReportQuery): { results: Array<Record<string, unknown>> } {
  const rows = new Map<string, Row>();
  for (const record of records) {
    if (!query.filter(record)) continue;
    for (const key of groupKeys(record, query.groupBy)) {
      const id = key ?? '\u0000';
      let row = rows.get(id);
      if (!row) {
        row = { key, costNano: 0, marketNano: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, requests: new Set() };
        rows.set(id, row);
      }
      row.costNano += record.costNano;
      row.marketNano += record.marketCostNano;
      row.inputTokens += record.inputTokens;
      row.outputTokens += record.outputTokens;
      row.cachedInputTokens += record.cacheReadTokens;
      row.cacheCreationInputTokens += record.cacheWriteTokens;
      row.reasoningTokens += record.reasoningTokens;
      row.requests.add(record.requestId);
    }
  }
  const sorted = [...rows.values()].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
  return {
    results: sorted.map((row) => ({
      ...(row.key !== undefined ? { [query.groupBy]: row.key } : {}),
      total_cost: nanoToUsdNumber(row.costNano),
      market_cost: nanoToUsdNumber(row.marketNano),
      input_tokens: row.inputTokens,
      output_tokens: row.outputTokens,
      cached_input_tokens: row.cachedInputTokens,
      cache_creation_input_tokens: row.cacheCreationInputTokens,
      reasoning_tokens: row.reasoningTokens,
      request_count: row.requests.size,
    })),
  };
}

function groupKeys(record: UsageRecord, groupBy: ParsedReportQuery['groupBy']): Array<string | undefined> {
  const iso = new Date(record.timestamp).toISOString();
  switch (groupBy) {
    case 'day':
      return [iso.slice(0, 10)];
    case 'hour':
      return [`${iso.slice(0, 13)}:00:00Z`];
    case 'user':
      return [record.user];
    case 'model':
      return [record.model];
    case 'provider':
      return [record.provider];
    case 'credential_type':
      return [record.credentialType];
    case 'tag':
      return record.tags.length > 0 ? [...new Set(record.tags)] : [undefined];
  }
}

function parseDate(value: string | undefined, param: string): number {
  if (value === undefined || value === '') throw invalid(`${param} is required (YYYY-MM-DD)`, param);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) throw invalid(`${param} must be a date as YYYY-MM-DD, got '${value}'`, param);
  return time;
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', `Invalid report query: ${message}`, { param });
}
