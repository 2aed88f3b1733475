/**
 * The AI Gateway's account endpoints, served from the host root (the `@ai-sdk/gateway` client builds
 * them from its base URL's origin): `GET /v1/credits`, `GET /v1/report` and `GET /v1/generation?id=`,
 * answered from a {@link GatewayBilling} source for the authenticated account, with the gateway's
 * error format.
 *
 * @module
 */
import { GatewayError } from '../../errors.js';
import type { GatewayBilling, ReportQuery } from '../http-types.js';
import { jsonResponse } from '../responses.js';
import { describeValue, invalid } from '../validate.js';
import { aiGatewayErrorBody } from './ai-gateway-dialect.js';
import type { Dialect } from './dialect.js';

const GROUP_BY = ['day', 'hour', 'user', 'model', 'tag', 'provider', 'credential_type'] as const;
const DATE_PARTS = ['day', 'hour'] as const;
const CREDENTIAL_TYPES = ['byok', 'system'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

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
      { method: 'GET', path: '/v1/credits', handle: async (context) => jsonResponse(200, await billing.getCredits(context.caller.account)) },
      { method: 'GET', path: '/v1/report', handle: async (context) => jsonResponse(200, await billing.getReport(context.caller.account, reportQuery(context.query))) },
      {
        method: 'GET',
        path: '/v1/generation',
        handle: async (context) => {
          const id = context.query.get('id');
          if (!id) throw invalid('The `id` query parameter is required: a generation id such as gen_01J...', 'id');
          const generation = await billing.getGeneration(context.caller.account, id);
          if (!generation) throw new GatewayError('not_found', `Generation '${id}' was not found for this account`, { param: 'id' });
          return jsonResponse(200, { data: generation });
        },
      },
    ],
  };
}

/**
 * Validates the query of `GET /v1/report`.
 *
 * @example
 * ```ts
 * reportQuery(new URLSearchParams('start_date=2025-01-01&end_date=2025-01-31&tags=a,b')); // { start_date: '2025-01-01', end_date: '2025-01-31', tags: ['a', 'b'] }
 * ```
 */
export function reportQuery(query: URLSearchParams): ReportQuery {
  const date = (name: 'start_date' | 'end_date'): string => {
    const value = query.get(name);
    if (!value) throw invalid(`The \`${name}\` query parameter is required: a date such as 2025-01-31`, name);
    if (!DATE.test(value) || Number.isNaN(Date.parse(value))) throw invalid(`The \`${name}\` query parameter must be a date such as 2025-01-31, got ${describeValue(value)}`, name);
    return value;
  };
  const oneOf = (name: string, allowed: readonly string[]): string | undefined => {
    const value = query.get(name) ?? undefined;
    if (value !== undefined && !allowed.includes(value)) throw invalid(`The \`${name}\` query parameter must be one of ${allowed.join(', ')}, got ${describeValue(value)}`, name);
    return value;
  };
  const result: ReportQuery = { start_date: date('start_date'), end_date: date('end_date') };
  if (Date.parse(result.end_date) < Date.parse(result.start_date)) throw invalid('`end_date` must not be before `start_date`', 'end_date');
  const groupBy = oneOf('group_by', GROUP_BY);
  const datePart = oneOf('date_part', DATE_PARTS);
  const credentialType = oneOf('credential_type', CREDENTIAL_TYPES);
  if (groupBy) result.group_by = groupBy;
  if (datePart) result.date_part = datePart;
  if (credentialType) result.credential_type = credentialType;
  for (const name of ['user_id', 'model', 'provider'] as const) {
    const value = query.get(name);
    if (value) result[name] = value;
  }
  const tags = query.get('tags');
  if (tags) result.tags = tags.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
  return result;
}
