/**
 * The dashboard as a dialect (mounted with `dashboard: true | { path }` in the handler config):
 *
 * - `GET <path>`: the page to an admin (Bearer admin key or the session cookie), else a 401 login form
 *   with no data in it;
 * - `POST <path>/login` with `{ "key": "<admin key>" }`: sets the session cookie (`switchyard_admin`,
 *   HttpOnly, SameSite=Strict, Path=<path>) and redirects (303) to the page; 401 for any other key;
 * - `POST <path>/logout`: clears the cookie;
 * - `GET <path>/api/models | health | spend | logs | logs/<generation id>`: the page's data, to admins only
 *   (route flag `admin: 'session'`); a gateway API key opens none of it.
 *
 * @module
 */
import { GatewayError } from '../../../core/errors.js';
import { ADMIN_SESSION_COOKIE } from '../../admin-access.js';
import type { GatewayBilling } from '../../http-types.js';
import { jsonResponse } from '../../responses.js';
import type { Dialect, Route, RouteContext } from '../dialect.js';
import {
  dashboardHealth,
  dashboardLogRecord,
  dashboardLogs,
  dashboardModels,
  dashboardSpend,
  knownAccounts,
} from './dashboard-data.js';
import {
  DASHBOARD_SCRIPT,
  DASHBOARD_STYLE,
  dashboardPage,
  LOGIN_SCRIPT,
  loginPage,
  loginStyle,
  pageHeaders,
} from './dashboard-page.js';

/** Where the dashboard is served by default. @example `DEFAULT_DASHBOARD_PATH; // '/dashboard'` */
export const DEFAULT_DASHBOARD_PATH = '/dashboard';

/** How long the session cookie lasts (12 hours). */
const SESSION_MAX_AGE_SECONDS = 12 * 3600;

/**
 * Options of {@link createDashboardDialect}.
 *
 * @example
 * ```ts
 * const options: DashboardDialectOptions = { path: '/dashboard', basePath: '', accounts: [{ id: 'team_acme', users: [] }] };
 * ```
 */
export interface DashboardDialectOptions {
  /** The page's path under the base path (default `/dashboard`). */
  path?: string;
  /** The handler's base path (the cookie's Path and the page's links include it). */
  basePath?: string;
  /** The billing source of the Spend view; without one the view says billing is off. */
  billing?: GatewayBilling;
  /** Accounts (and their users) the Spend view covers, beside those seen in the request log. */
  accounts?: ReadonlyArray<{ id: string; users: readonly string[] }>;
}

/**
 * The dashboard dialect.
 *
 * @example
 * ```ts
 * createGatewayHandler({ router, adminKeys: [process.env.ADMIN_KEY!], dialects: [createDashboardDialect()] });
 * // or simply: createGatewayHandler({ router, adminKeys: [...], dashboard: true })
 * ```
 */
export function createDashboardDialect(options: DashboardDialectOptions = {}): Dialect {
  const path = normalizeDashboardPath(options.path);
  const fullPath = `${options.basePath ?? ''}${path}`;
  const accounts = options.accounts ?? [];
  const api = (name: string, handle: Route['handle']): Route => ({
    method: 'GET',
    path: `${path}/api/${name}`,
    admin: 'session',
    handle: async (context) => noStore(await handle(context)),
  });
  const cookie = (value: string, maxAge: number): string =>
    `${ADMIN_SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=${fullPath}; Max-Age=${maxAge}`;
  return {
    name: 'dashboard',
    routes: [
      {
        method: 'GET',
        path,
        public: true,
        handle: async (context) => {
          const admin = context.admin.verify(context.headers, { session: true });
          if (!admin)
            return { status: 401, headers: pageHeaders(LOGIN_SCRIPT, loginStyle()), body: loginPage(fullPath) };
          return {
            status: 200,
            headers: pageHeaders(DASHBOARD_SCRIPT, DASHBOARD_STYLE),
            body: dashboardPage(fullPath, admin.keyId),
          };
        },
      },
      {
        method: 'POST',
        path: `${path}/login`,
        public: true,
        handle: async (context) => {
          const key = (context.body as { key?: unknown } | undefined)?.key;
          const value = typeof key === 'string' ? context.admin.session(key) : undefined;
          if (!value) {
            throw new GatewayError(
              'unauthorized',
              context.admin.enabled
                ? 'Not an admin key (a gateway API key does not open the dashboard)'
                : 'No admin key is configured: set `adminKeys` in the gateway config',
            );
          }
          return {
            status: 303,
            headers: {
              location: fullPath,
              'set-cookie': cookie(value, SESSION_MAX_AGE_SECONDS),
              'cache-control': 'no-store',
            },
            body: '',
          };
        },
      },
      {
        method: 'POST',
        path: `${path}/logout`,
        public: true,
        handle: async () => ({
          status: 303,
          headers: { location: fullPath, 'set-cookie': cookie('', 0), 'cache-control': 'no-store' },
          body: '',
        }),
      },
      api('models', async (context) => jsonResponse(200, dashboardModels(context.router))),
      api('health', async (context) => jsonResponse(200, dashboardHealth(context.router))),
      api('spend', async (context) =>
        jsonResponse(
          200,
          await dashboardSpend(options.billing, await knownAccounts(context.router, accounts), {
            range: context.query.get('range') ?? '24h',
            groupBy: context.query.get('groupBy') ?? 'model',
            now: Date.now(),
          }),
        ),
      ),
      api('logs', async (context) => jsonResponse(200, await dashboardLogs(context.router, context.query))),
      {
        method: 'GET',
        path: `${path}/api/logs/*`,
        admin: 'session',
        handle: async (context: RouteContext) => {
          const record = await dashboardLogRecord(context.router, decodeURIComponent(context.pathRest));
          if (!record)
            throw new GatewayError('not_found', `No request ${context.pathRest} in the log`, { param: 'id' });
          return noStore(jsonResponse(200, record));
        },
      },
    ],
    errorBody: (error, requestId) => ({ error: { code: error.code, message: error.message, requestId } }),
  };
}

function noStore(response: Awaited<ReturnType<Route['handle']>>): Awaited<ReturnType<Route['handle']>> {
  response.headers['cache-control'] = 'no-store';
  return response;
}

/**
 * The dashboard's path from the config (`true` or `{ path }`), checked: it starts with `/`, has no query
 * and no trailing slash.
 *
 * @example
 * ```ts
 * normalizeDashboardPath('/ops/dashboard/'); // '/ops/dashboard'
 * ```
 */
export function normalizeDashboardPath(path: string | undefined): string {
  if (path === undefined) return DEFAULT_DASHBOARD_PATH;
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/.test(trimmed))
    throw new GatewayError('config_invalid', `dashboard.path must be a path such as '/dashboard', got '${path}'`);
  return trimmed;
}
