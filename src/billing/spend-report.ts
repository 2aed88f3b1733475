/**
 * Spend reports: usage records filtered by time range, user, model, provider, credential type and
 * tags, grouped by day, hour, user, model, tag, provider or credential type, with exact nano-dollar
 * costs, token totals and request counts. Domain types only: the ai-gateway dialect shapes
 * `GET /v1/report` from them.
 *
 * @module
 */
import type { CredentialType } from '../core/events.js';
import { GatewayError } from '../core/errors.js';
import { addTokens, emptyTokenTotals, type TokenTotals, type UsageRecord } from './usage-record.js';

/**
 * What a report groups by. @example `const grouping: SpendGrouping = 'credentialType';`
 */
export type SpendGrouping = 'day' | 'hour' | 'user' | 'model' | 'tag' | 'provider' | 'credentialType';

/** Every grouping a report knows. @example `SPEND_GROUPINGS.includes('model'); // true` */
export const SPEND_GROUPINGS: readonly SpendGrouping[] = [
  'day',
  'hour',
  'user',
  'model',
  'tag',
  'provider',
  'credentialType',
];

/** The credential types a report can filter on. @example `CREDENTIAL_TYPES.includes('byok'); // true` */
export const CREDENTIAL_TYPES: readonly CredentialType[] = ['byok', 'system'];

/** The longest range one report covers, in days. @example `MAX_REPORT_DAYS; // 400` */
export const MAX_REPORT_DAYS = 400;

/**
 * A report query: an inclusive time range (a `Date` or epoch milliseconds), the grouping (default
 * `day`) and filters.
 *
 * @example
 * ```ts
 * const query: SpendReportQuery = { from: new Date('2025-06-01'), to: new Date('2025-06-30T23:59:59.999Z'), groupBy: 'model', tags: ['beta'] };
 * ```
 */
export interface SpendReportQuery {
  from: Date | number;
  to: Date | number;
  groupBy?: SpendGrouping;
  userId?: string;
  model?: string;
  /** A provider instance name or a provider type. */
  provider?: string;
  credentialType?: CredentialType;
  /** Only requests carrying every one of these tags. */
  tags?: readonly string[];
}

/**
 * One row of a report: a group's spend. `group` is the grouping's value (absent for records without
 * one: no user, no tag); `periodStart` the start of the day or hour when grouping by time.
 *
 * @example
 * ```ts
 * const row: SpendReportRow = { group: 'openai/gpt-4o', costNano: 250_000, marketCostNano: 250_000, requestCount: 2, cacheHitCount: 1, cacheSavedNano: 125_000, ...tokens };
 * ```
 */
export interface SpendReportRow extends TokenTotals {
  group?: string;
  periodStart?: Date;
  /** What was charged, markup included (0 for BYOK), in nano-dollars. */
  costNano: number;
  /** The providers' list price, in nano-dollars. */
  marketCostNano: number;
  requestCount: number;
  /** Of `requestCount`, the requests a cache answered. */
  cacheHitCount: number;
  /** What the cache hits saved: the upstream cost of the stored answers they served, in nano-dollars. */
  cacheSavedNano: number;
}

/**
 * A report: its grouping and its rows, sorted by group value.
 *
 * @example
 * ```ts
 * const { rows } = await billing.getReport({ id: 'team_acme' }, { from: start, to: end, groupBy: 'user' });
 * ```
 */
export interface SpendReport {
  groupBy: SpendGrouping;
  rows: SpendReportRow[];
}

/**
 * A validated report query: the range in epoch milliseconds, the grouping and the record filter.
 *
 * @example
 * ```ts
 * const parsed = checkReportQuery({ from: Date.UTC(2025, 5, 1), to: Date.UTC(2025, 5, 2) });
 * ```
 */
export interface CheckedReportQuery {
  from: number;
  to: number;
  groupBy: SpendGrouping;
  filter: (record: UsageRecord) => boolean;
}

/**
 * Validates a report query (the one place its rules live); anything wrong is a GatewayError
 * `invalid_request` whose `param` names the field (`from`, `to`, `groupBy`, `credentialType`).
 *
 * @example
 * ```ts
 * checkReportQuery({ from: Date.UTC(2025, 5, 2), to: Date.UTC(2025, 5, 1) }); // throws: the end of the range is before its start
 * ```
 */
export function checkReportQuery(query: SpendReportQuery): CheckedReportQuery {
  if (!query || typeof query !== 'object') throw invalid('the query must be an object with `from` and `to`', 'from');
  const from = timeOf(query.from, 'from');
  const to = timeOf(query.to, 'to');
  if (to < from) throw invalid('the end of the range is before its start', 'to');
  if (to - from > MAX_REPORT_DAYS * 86_400_000) throw invalid(`a report covers at most ${MAX_REPORT_DAYS} days`, 'to');
  const groupBy = query.groupBy ?? 'day';
  if (!SPEND_GROUPINGS.includes(groupBy))
    throw invalid(
      `the grouping must be one of ${SPEND_GROUPINGS.join(', ')}, got ${JSON.stringify(groupBy)}`,
      'groupBy',
    );
  const credentialType = query.credentialType;
  if (credentialType !== undefined && !CREDENTIAL_TYPES.includes(credentialType)) {
    throw invalid(
      `the credential type must be one of ${CREDENTIAL_TYPES.join(', ')}, got ${JSON.stringify(credentialType)}`,
      'credentialType',
    );
  }
  const tags = (query.tags ?? []).filter((tag) => tag !== '');
  const { userId, model, provider } = query;
  const filter = (record: UsageRecord): boolean =>
    record.timestamp >= from &&
    record.timestamp <= to &&
    (userId === undefined || record.user === userId) &&
    (model === undefined || record.model === model) &&
    (provider === undefined || record.provider === provider || record.providerType === provider) &&
    (credentialType === undefined || record.credentialType === credentialType) &&
    tags.every((tag) => record.tags.includes(tag));
  return { from, to, groupBy, filter };
}

interface Row extends SpendReportRow {
  requests: Set<string>;
}

/**
 * Groups records into report rows, sorted by their group value. Records without a value for the
 * grouping (no user, no tag) form one row without `group`.
 *
 * @example
 * ```ts
 * const report = buildSpendReport(records, checkReportQuery({ from, to, groupBy: 'user' }));
 * ```
 */
export function buildSpendReport(records: readonly UsageRecord[], query: CheckedReportQuery): SpendReport {
  const rows = new Map<string, Row>();
  for (const record of records) {
    if (!query.filter(record)) continue;
    for (const key of groupKeys(record, query.groupBy)) {
      const id = key ?? '\u0000';
      let row = rows.get(id);
      if (!row) {
        row = {
          ...groupOf(key, query.groupBy),
          costNano: 0,
          marketCostNano: 0,
          ...emptyTokenTotals(),
          requestCount: 0,
          cacheHitCount: 0,
          cacheSavedNano: 0,
          requests: new Set(),
        };
        rows.set(id, row);
      }
      row.costNano += record.costNano;
      row.marketCostNano += record.marketCostNano;
      addTokens(row, record);
      row.requests.add(record.requestId);
      if (record.cacheHit !== undefined) {
        row.cacheHitCount += 1;
        row.cacheSavedNano += record.savedCostNano ?? 0;
      }
    }
  }
  const sorted = [...rows.entries()].sort(([a], [b]) =>
    (a === '\u0000' ? '' : a).localeCompare(b === '\u0000' ? '' : b),
  );
  return {
    groupBy: query.groupBy,
    rows: sorted.map(([, { requests, ...row }]) => ({ ...row, requestCount: requests.size })),
  };
}

function groupOf(key: string | undefined, groupBy: SpendGrouping): Pick<SpendReportRow, 'group' | 'periodStart'> {
  if (key === undefined) return {};
  if (groupBy === 'day' || groupBy === 'hour') return { periodStart: new Date(Number(key)) };
  return { group: key };
}

/** The group values of a record; a time bucket's key is its start in epoch ms, zero-padded so keys sort as times. */
function groupKeys(record: UsageRecord, groupBy: SpendGrouping): Array<string | undefined> {
  switch (groupBy) {
    case 'day':
      return [String(record.timestamp - (record.timestamp % 86_400_000)).padStart(16, '0')];
    case 'hour':
      return [String(record.timestamp - (record.timestamp % 3_600_000)).padStart(16, '0')];
    case 'user':
      return [record.user];
    case 'model':
      return [record.model];
    case 'provider':
      return [record.provider];
    case 'credentialType':
      return [record.credentialType];
    case 'tag':
      return record.tags.length > 0 ? [...new Set(record.tags)] : [undefined];
  }
}

function timeOf(value: Date | number, param: 'from' | 'to'): number {
  const time = value instanceof Date ? value.getTime() : value;
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw invalid(`\`${param}\` must be a Date or epoch milliseconds, got ${JSON.stringify(value)}`, param);
  }
  return time;
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', `Invalid report query: ${message}`, { param });
}
