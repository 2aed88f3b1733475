/**
 * The request log over HTTP, for admins: `GET /v1/logs` (the records, newest first, filtered and
 * paginated) and `GET /v1/logs/<generationId>` (one record). Mounted by the handler when the router has a
 * request log (`requestLog` configured); both routes take an admin key (`adminKeys`), as a Bearer token or
 * the dashboard's session cookie, never a gateway API key.
 *
 * @module
 */
import { GatewayError } from '../../../core/errors.js';
import type {
  RequestLog,
  RequestLogQuery,
  RequestLogRecord,
} from '../../../middleware/request-log/request-log-record.js';
import { MAX_LOG_LIMIT } from '../../../middleware/request-log/request-log-store.js';
import { jsonResponse } from '../../responses.js';
import type { Dialect } from '../dialect.js';

const STRING_PARAMS = ['account', 'model', 'provider'] as const;
const KNOWN_PARAMS = [...STRING_PARAMS, 'status', 'since', 'until', 'limit', 'cursor'];
const STATUSES: ReadonlyArray<RequestLogRecord['status']> = ['success', 'error', 'aborted'];

/**
 * The request log's endpoints as a dialect.
 *
 * @example
 * ```ts
 * const dialect = createLogsDialect(router.logs!);
 * // GET /v1/logs?status=error&since=2026-01-01T00:00:00Z&limit=20 → { data: [...], next_cursor: '...' | null }
 * // GET /v1/logs/gen_01J... → { data: { generationId: 'gen_01J...', ... } }
 * ```
 */
export function createLogsDialect(logs: RequestLog): Dialect {
  return {
    name: 'logs',
    errorBody: logsErrorBody,
    routes: [
      {
        method: 'GET',
        path: '/v1/logs',
        admin: 'session',
        handle: async (context) => {
          const page = await logs.query(parseLogQuery(context.query));
          return jsonResponse(200, { data: page.records, next_cursor: page.nextCursor ?? null }, NO_STORE);
        },
      },
      {
        method: 'GET',
        path: '/v1/logs/*',
        admin: 'session',
        handle: async (context) => {
          let id: string;
          try {
            id = decodeURIComponent(context.pathRest);
          } catch {
            throw new GatewayError('invalid_request', 'The generation id in the path is not valid URL encoding', {
              param: 'id',
            });
          }
          const record = id ? await logs.get(id) : undefined;
          if (!record)
            throw new GatewayError('not_found', `No request log record for generation '${id}'`, { param: 'id' });
          return jsonResponse(200, { data: record }, NO_STORE);
        },
      },
    ],
  };
}

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * The error body of the logs endpoints: `{ error: { message, type, code, param } }`.
 *
 * @example
 * ```ts
 * logsErrorBody(new GatewayError('invalid_request', 'bad limit', { param: 'limit' }));
 * // { error: { message: 'bad limit', type: 'invalid_request', code: 'invalid_request', param: 'limit' } }
 * ```
 */
export function logsErrorBody(error: GatewayError): unknown {
  return { error: { message: error.message, type: error.code, code: error.code, param: error.param ?? null } };
}

/**
 * Parses the query string of `GET /v1/logs` (`account, model, provider, status, since, until, limit,
 * cursor`; `since` and `until` as epoch milliseconds or ISO 8601 dates). Throws `invalid_request` (400)
 * saying which parameter is wrong and why.
 *
 * @example
 * ```ts
 * parseLogQuery(new URLSearchParams('status=error&since=2026-01-01&limit=20'));
 * // { status: 'error', since: 1767225600000, limit: 20 }
 * ```
 */
export function parseLogQuery(params: URLSearchParams): RequestLogQuery {
  const query: RequestLogQuery = {};
  for (const name of new Set(params.keys())) {
    if (!KNOWN_PARAMS.includes(name))
      throw invalid(name, `Unknown query parameter '${name}'; known: ${KNOWN_PARAMS.join(', ')}`);
    if (params.getAll(name).length > 1) throw invalid(name, `Query parameter '${name}' is given more than once`);
  }
  for (const name of STRING_PARAMS) {
    const value = params.get(name);
    if (value === null) continue;
    if (value === '') throw invalid(name, `\`${name}\` must not be empty`);
    query[name] = value;
  }
  const status = params.get('status');
  if (status !== null) {
    if (!STATUSES.includes(status as RequestLogRecord['status']))
      throw invalid('status', `\`status\` must be one of ${STATUSES.join(', ')}, got '${status}'`);
    query.status = status as RequestLogRecord['status'];
  }
  for (const name of ['since', 'until'] as const) {
    const value = params.get(name);
    if (value !== null) query[name] = parseTime(name, value);
  }
  if (query.since !== undefined && query.until !== undefined && query.since >= query.until)
    throw invalid('until', '`until` must be after `since`');
  const limit = params.get('limit');
  if (limit !== null) {
    const parsed = /^\d{1,7}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(parsed >= 1 && parsed <= MAX_LOG_LIMIT))
      throw invalid('limit', `\`limit\` must be an integer from 1 to ${MAX_LOG_LIMIT}, got '${limit}'`);
    query.limit = parsed;
  }
  const cursor = params.get('cursor');
  if (cursor !== null) {
    if (cursor === '') throw invalid('cursor', '`cursor` must not be empty: pass the `next_cursor` of the last page');
    query.cursor = cursor;
  }
  return query;
}

function parseTime(name: 'since' | 'until', value: string): number {
  if (/^\d{1,16}$/.test(value)) return Number(value);
  // An ISO 8601 date or date-time: 2026-01-31, 2026-01-31T12:00:00Z, 2026-01-31T12:00:00.000+02:00
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const [year, month, day] = value.slice(0, 10).split('-').map(Number);
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const time = Date.parse(value);
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && Number.isFinite(time)) return time;
  }
  throw invalid(
    name,
    `\`${name}\` must be epoch milliseconds or an ISO 8601 date (2026-01-31 or 2026-01-31T12:00:00Z), got '${value}'`,
  );
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
