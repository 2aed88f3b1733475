/**
 * The admin API under `/admin/*`, served only to an admin key (`adminKeys`; route flag `admin`):
 *
 * - `POST /admin/keys` `{ account, id?, user?, models? }` → 201 with the new key (shown this once)
 * - `GET /admin/keys[?account=]` → the keys (never their secret), `DELETE /admin/keys/<id>` revokes one
 * - `GET /admin/accounts/<id>` → balance, budgets and their spend
 * - `POST /admin/accounts/<id>/credits` `{ amountNano, idempotencyKey? }` tops up
 * - `PUT /admin/accounts/<id>/budgets` `{ scope, period, target?, softLimitNano?, hardLimitNano? }`,
 *   `DELETE /admin/accounts/<id>/budgets?scope=&period=&target=`
 * - `PUT /admin/accounts/<id>/rate-limits` `{ requestsPerMinute?, tokensPerMinute?, apiKeyId? }`
 *
 * Keys live in the store ({@link StoredApiKeys}), the rest in billing: every instance on the store sees a
 * change within a second.
 *
 * @module
 */
import type { Billing } from '../../../billing/billing.js';
import type { BudgetRule } from '../../../billing/budgets.js';
import type { RateLimits } from '../../../billing/rate-limits.js';
import { GatewayError, isGatewayError } from '../../../core/errors.js';
import { jsonResponse } from '../../responses.js';
import type { NewApiKey, StoredApiKeys } from '../../stored-api-keys.js';
import { aiGatewayErrorBody } from '../ai-gateway/ai-gateway-dialect.js';
import type { Dialect, RouteContext } from '../dialect.js';

/**
 * What the admin API manages.
 *
 * @example
 * ```ts
 * const dialect = createAdminDialect({ keys: new StoredApiKeys(store), billing });
 * ```
 */
export interface AdminDialectOptions {
  keys: StoredApiKeys;
  /** Billing, for credits, budgets and rate limits (those routes answer 404 without it). */
  billing?: Billing;
}

/**
 * The admin API as a dialect (`createGateway` mounts it when `adminKeys` is set).
 *
 * @example
 * ```ts
 * createGatewayHandler({ router, adminKeys: [adminKey], dialects: ['openai', createAdminDialect({ keys })] });
 * ```
 */
export function createAdminDialect(options: AdminDialectOptions): Dialect {
  const { keys } = options;
  const billingOf = (): Billing => {
    if (!options.billing)
      throw new GatewayError('not_found', 'Billing is not configured on this gateway: set `billing` in the config');
    return options.billing;
  };
  const accountPath = (context: RouteContext): { account: string; rest: string } => {
    const [account, ...rest] = context.pathRest.split('/');
    if (!account) throw new GatewayError('not_found', 'Name the account: /admin/accounts/<id>', { param: 'path' });
    return { account: decodeURIComponent(account), rest: rest.join('/') };
  };
  const unknown = (context: RouteContext): never => {
    throw new GatewayError('not_found', `No admin endpoint at /admin/accounts/${context.pathRest}`, { param: 'path' });
  };
  const objectBody = (context: RouteContext): Record<string, unknown> => {
    const body = context.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new GatewayError('invalid_request', 'The body must be a JSON object', { param: 'body' });
    return body as Record<string, unknown>;
  };
  const asRequestError = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      // Billing's validation speaks of configuration; over the API it is the request that is wrong.
      if (isGatewayError(error) && error.code === 'config_invalid')
        throw new GatewayError('invalid_request', error.message);
      throw error;
    }
  };
  return {
    name: 'admin',
    errorBody: aiGatewayErrorBody,
    routes: [
      {
        method: 'POST',
        path: '/admin/keys',
        admin: true,
        handle: async (context) => {
          const { key, record } = await keys.create(objectBody(context) as unknown as NewApiKey);
          return jsonResponse(201, { ...record, key }, { 'cache-control': 'no-store' });
        },
      },
      {
        method: 'GET',
        path: '/admin/keys',
        admin: true,
        handle: async (context) =>
          jsonResponse(200, { data: await keys.list(context.query.get('account') ?? undefined) }),
      },
      {
        method: 'DELETE',
        path: '/admin/keys/*',
        admin: true,
        handle: async (context) => {
          const id = decodeURIComponent(context.pathRest);
          const revoked = await keys.revoke(id);
          if (!revoked) throw new GatewayError('not_found', `No API key with id '${id}'`, { param: 'id' });
          return jsonResponse(200, revoked);
        },
      },
      {
        method: 'GET',
        path: '/admin/accounts/*',
        admin: true,
        handle: async (context) => {
          const { account, rest } = accountPath(context);
          if (rest !== '') return unknown(context);
          const billing = billingOf();
          const [balance, budgets, budgetStatus, apiKeys] = await Promise.all([
            billing.getBalance(account),
            billing.listBudgets(account),
            billing.getBudgetStatus({ id: account }),
            keys.list(account),
          ]);
          return jsonResponse(200, { account, balance, budgets, budgetStatus, apiKeys });
        },
      },
      {
        method: 'POST',
        path: '/admin/accounts/*',
        admin: true,
        handle: async (context) => {
          const { account, rest } = accountPath(context);
          if (rest !== 'credits') return unknown(context);
          const body = objectBody(context);
          const amount = body.amountNano;
          if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0)
            throw new GatewayError('invalid_request', '`amountNano` must be a positive integer (nano-dollars)', {
              param: 'amountNano',
            });
          const idempotencyKey = typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined;
          const balance = await asRequestError(() =>
            billingOf().topUp(account, amount, idempotencyKey ? { idempotencyKey } : {}),
          );
          return jsonResponse(200, { account, ...balance });
        },
      },
      {
        method: 'PUT',
        path: '/admin/accounts/*',
        admin: true,
        handle: async (context) => {
          const { account, rest } = accountPath(context);
          const body = objectBody(context);
          const billing = billingOf();
          if (rest === 'budgets') {
            const rule = { ...body, accountId: account } as unknown as BudgetRule;
            await asRequestError(() => billing.setBudget(rule));
            return jsonResponse(200, { account, budgets: await billing.listBudgets(account) });
          }
          if (rest === 'rate-limits') {
            const { apiKeyId, ...limits } = body;
            if (apiKeyId !== undefined && typeof apiKeyId !== 'string')
              throw new GatewayError('invalid_request', '`apiKeyId` must be a string', { param: 'apiKeyId' });
            const empty = Object.keys(limits).length === 0;
            await asRequestError(() =>
              billing.setRateLimits(account, empty ? undefined : (limits as RateLimits), apiKeyId),
            );
            return jsonResponse(200, { account, ...(apiKeyId ? { apiKeyId } : {}), rateLimits: empty ? null : limits });
          }
          return unknown(context);
        },
      },
      {
        method: 'DELETE',
        path: '/admin/accounts/*',
        admin: true,
        handle: async (context) => {
          const { account, rest } = accountPath(context);
          if (rest !== 'budgets') return unknown(context);
          const scope = context.query.get('scope');
          const period = context.query.get('period');
          if (!scope || !period)
            throw new GatewayError('invalid_request', 'Name the budget: ?scope=…&period=…[&target=…]', {
              param: 'scope',
            });
          const target = context.query.get('target') ?? undefined;
          const billing = billingOf();
          await billing.removeBudget({ accountId: account, scope, period, target } as BudgetRule);
          return jsonResponse(200, { account, budgets: await billing.listBudgets(account) });
        },
      },
    ],
  };
}
