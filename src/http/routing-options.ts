/**
 * Routing options from the request: the body's `providerOptions` (Vercel's `providerOptions.gateway`
 * shape) merged with routing headers, which every dialect accepts:
 *
 * | header | becomes | example |
 * | --- | --- | --- |
 * | `x-gateway-order` | `gateway.order` | `bedrock,anthropic` |
 * | `x-gateway-only` | `gateway.only` | `anthropic` |
 * | `x-gateway-models` | `gateway.models` (fallback models) | `openai/gpt-4o,anthropic/claude-sonnet-4` |
 * | `x-gateway-sort` | `gateway.sort` | `cost` |
 * | `x-gateway-user` | `gateway.user` | `alice` |
 * | `x-gateway-tags` | `gateway.tags` | `checkout,experiment-7` |
 * | `cache-control` | `gateway.cache` (`no-cache`: `skip`, `no-store`: `noStore`) | `no-cache, no-store` |
 *
 * A field set in the body wins over the same header.
 *
 * @module
 */
import type { GatewayOptions, ProviderOptions } from '../core/types.js';
import { singleHeader } from './headers.js';
import type { HttpHeaders } from './http-types.js';
import { validateByokCredentials } from './byok-credentials.js';
import { describeValue, invalid, isFields } from './validate.js';

const LIST_HEADERS = [
  ['x-gateway-order', 'order'],
  ['x-gateway-only', 'only'],
  ['x-gateway-models', 'models'],
  ['x-gateway-tags', 'tags'],
] as const;
const SORTS = ['cost', 'tps', 'ttft'] as const;

/**
 * The routing options carried by `x-gateway-*` headers, or undefined when there are none.
 *
 * @example
 * ```ts
 * routingFromHeaders({ 'x-gateway-order': 'bedrock, anthropic' }); // { order: ['bedrock', 'anthropic'] }
 * ```
 */
export function routingFromHeaders(headers: HttpHeaders): GatewayOptions | undefined {
  let options: GatewayOptions | undefined;
  for (const [header, key] of LIST_HEADERS) {
    const value = headers[header];
    if (value === undefined) continue;
    const list = (Array.isArray(value) ? value.join(',') : value)
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    (options ??= {})[key] = list;
  }
  const sort = singleHeader(headers['x-gateway-sort'])?.trim();
  if (sort !== undefined) {
    if (!(SORTS as readonly string[]).includes(sort))
      throw invalid(
        `The x-gateway-sort header must be one of ${SORTS.join(', ')}, got ${JSON.stringify(sort)}`,
        'x-gateway-sort',
      );
    (options ??= {}).sort = sort as GatewayOptions['sort'];
  }
  const user = singleHeader(headers['x-gateway-user'])?.trim();
  if (user !== undefined) (options ??= {}).user = user;
  const cacheControl = headers['cache-control'];
  if (cacheControl !== undefined) {
    const directives = (Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl)
      .toLowerCase()
      .split(',')
      .map((item) => item.trim());
    const skip = directives.includes('no-cache');
    const noStore = directives.includes('no-store');
    if (skip || noStore) (options ??= {}).cache = { ...(skip ? { skip } : {}), ...(noStore ? { noStore } : {}) };
  }
  return options;
}

/**
 * Validates a body's `providerOptions` (an object of per-provider objects; `gateway.byok` an object
 * of credential lists) and merges header routing options under it.
 *
 * @example
 * ```ts
 * const providerOptions = mergeProviderOptions(body.providerOptions, routingFromHeaders(headers), 'providerOptions');
 * ```
 */
export function mergeProviderOptions(
  value: unknown,
  fromHeaders: GatewayOptions | undefined,
  path: string,
): ProviderOptions | undefined {
  if (value === undefined || value === null) return fromHeaders ? { gateway: fromHeaders } : undefined;
  if (!isFields(value))
    throw invalid(`\`${path}\` must be an object of per-provider options, got ${describeValue(value)}`, path);
  for (const [provider, options] of Object.entries(value)) {
    if (!isFields(options))
      throw invalid(`\`${path}.${provider}\` must be an object, got ${describeValue(options)}`, `${path}.${provider}`);
  }
  const gateway = value.gateway as GatewayOptions | undefined;
  if (gateway !== undefined) validateGatewayOptions(gateway, `${path}.gateway`);
  if (gateway?.byok !== undefined) validateByokCredentials(gateway.byok, `${path}.gateway.byok`, () => undefined);
  if (!fromHeaders) return value as ProviderOptions;
  return { ...(value as ProviderOptions), gateway: { ...fromHeaders, ...gateway } };
}

/**
 * Every model a request may end up using: the requested one and its fallbacks.
 *
 * @example
 * ```ts
 * requestedModels('openai/gpt-4o', { gateway: { models: ['anthropic/claude-sonnet-4'] } }); // ['openai/gpt-4o', 'anthropic/claude-sonnet-4']
 * ```
 */
export function requestedModels(model: string, providerOptions: ProviderOptions | undefined): string[] {
  const fallbacks = providerOptions?.gateway?.models;
  return Array.isArray(fallbacks)
    ? [model, ...fallbacks.filter((item): item is string => typeof item === 'string')]
    : [model];
}

/**
 * The routing fields of `providerOptions.gateway` the router reads: lists of strings, a sort, a user (`null` counts as
 * absent).
 */
function validateGatewayOptions(gateway: GatewayOptions, path: string): void {
  for (const key of ['order', 'only', 'models', 'tags'] as const) {
    const list = gateway[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string'))
      throw invalid(`\`${path}.${key}\` must be an array of strings, got ${describeValue(list)}`, `${path}.${key}`);
  }
  const sort = gateway.sort;
  if (sort !== undefined && sort !== null && !(SORTS as readonly unknown[]).includes(sort))
    throw invalid(`\`${path}.sort\` must be one of ${SORTS.join(', ')}, got ${describeValue(sort)}`, `${path}.sort`);
  const user = gateway.user;
  if (user !== undefined && user !== null && typeof user !== 'string')
    throw invalid(`\`${path}.user\` must be a string, got ${describeValue(user)}`, `${path}.user`);
}
