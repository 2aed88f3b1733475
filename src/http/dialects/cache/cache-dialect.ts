/**
 * The cache endpoint: `DELETE /v1/cache` clears the router's response caches (exact and semantic), for an
 * admin key. Mounted when the router has a cache middleware.
 *
 * @module
 */
import { GatewayError } from '../../../core/errors.js';
import type { GatewayRouter } from '../../http-types.js';
import { jsonResponse } from '../../responses.js';
import type { Dialect } from '../dialect.js';

/** What a cache middleware offers the endpoint. */
interface ClearableCache {
  readonly name: string;
  clear(selector?: { account?: string; model?: string }): Promise<number>;
}

const CACHE_NAMES = new Set(['response-cache', 'semantic-cache']);

/**
 * The router's caches: its middleware named `response-cache` or `semantic-cache` with a `clear` method.
 *
 * @example
 * ```ts
 * if (cachesOf(router).length > 0) dialects.push(createCacheDialect());
 * ```
 */
export function cachesOf(router: GatewayRouter): ClearableCache[] {
  return (router.middleware ?? []).filter(
    (middleware): middleware is typeof middleware & ClearableCache =>
      CACHE_NAMES.has(middleware.name) && typeof (middleware as Partial<ClearableCache>).clear === 'function',
  );
}

/**
 * The cache dialect: `DELETE /v1/cache?account=team_acme&model=openai/gpt-4o` (both optional) answers
 * `{ "deleted": { "response-cache": 3, "semantic-cache": 1 } }`. Admin only.
 *
 * @example
 * ```ts
 * createGatewayHandler({ router, adminKeys: [process.env.ADMIN_KEY!], dialects: [...BUILT_IN_DIALECTS, createCacheDialect()] });
 * ```
 */
export function createCacheDialect(): Dialect {
  return {
    name: 'cache',
    routes: [
      {
        method: 'DELETE',
        path: '/v1/cache',
        admin: true,
        async handle(context) {
          const selector: { account?: string; model?: string } = {};
          for (const name of ['account', 'model'] as const) {
            const value = context.query.get(name);
            if (value === null) continue;
            if (value.trim() === '')
              throw new GatewayError('invalid_request', `\`${name}\` must not be empty`, { param: name });
            selector[name] = value;
          }
          for (const name of context.query.keys()) {
            if (name !== 'account' && name !== 'model')
              throw new GatewayError('invalid_request', `Unknown query parameter '${name}': use account and model`, {
                param: name,
              });
          }
          const deleted: Record<string, number> = {};
          for (const cache of cachesOf(context.router)) deleted[cache.name] = await cache.clear(selector);
          return jsonResponse(200, { deleted });
        },
      },
    ],
    errorBody: (error) => ({ error: { message: error.message, type: error.code, code: error.code } }),
  };
}
