/**
 * The open route table: every mounted dialect's routes by path (exact paths, then `/*` prefixes,
 * then the paths dialects reserve without serving them). Built once, when the handler is created.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import type { Dialect, ReservedPath, Route } from './dialects/dialect.js';

/**
 * The routes served at one path.
 *
 * @example
 * ```ts
 * const methods = match.entry.routes.map(({ route }) => route.method);
 * ```
 */
export interface PathEntry {
  dialect: Dialect;
  routes: Array<{ route: Route; dialect: Dialect }>;
  /** Set for a path the dialect reserves but does not serve: answered 404 in `dialect`'s format. */
  reserved?: ReservedPath;
}

/**
 * A request path matched to the routes that serve it.
 *
 * @example
 * ```ts
 * const match = table.match('/v1/chat/completions');
 * ```
 */
export interface RouteMatch {
  entry: PathEntry;
  /** The path under the base path, without the query. */
  path: string;
  query: string;
  pathRest: string;
}

/**
 * Routes by path, from the dialects given in order (the first dialect serving a path answers its
 * errors when no route of the path matches the method).
 *
 * @example
 * ```ts
 * const table = new RouteTable([createOpenAIDialect(), myDialect]);
 * table.lookup('/v1/models');
 * ```
 */
export class RouteTable {
  private readonly exact = new Map<string, PathEntry>();
  private readonly prefixes: Array<{ prefix: string; entry: PathEntry }> = [];
  private readonly reserved: Array<{ reserved: ReservedPath; entry: PathEntry }> = [];

  constructor(dialects: readonly Dialect[]) {
    for (const dialect of dialects) for (const route of dialect.routes) this.add(dialect, route);
    for (const dialect of dialects) {
      for (const reserved of dialect.reservedPaths ?? [])
        this.reserved.push({ reserved, entry: { dialect, routes: [], reserved } });
    }
  }

  private add(dialect: Dialect, route: Route): void {
    if (typeof route?.path !== 'string' || !route.path.startsWith('/') || typeof route.handle !== 'function') {
      throw new GatewayError(
        'config_invalid',
        `Dialect '${dialect.name}' has a route without a path starting with '/' or a handle function`,
      );
    }
    const wildcard = route.path.endsWith('/*');
    const path = wildcard ? route.path.slice(0, -1) : route.path;
    const existing = wildcard ? this.prefixes.find((item) => item.prefix === path)?.entry : this.exact.get(path);
    const entry = existing ?? { dialect, routes: [] };
    const clash = entry.routes.find(
      (item) => item.route.method === route.method && !item.route.accepts && !route.accepts,
    );
    if (clash) {
      throw new GatewayError(
        'config_invalid',
        `${route.method} ${route.path} is served by both dialect '${clash.dialect.name}' and '${dialect.name}'`,
      );
    }
    // A route that picks requests by their headers goes before a catch-all one on the same path.
    if (route.accepts) entry.routes.unshift({ route, dialect });
    else entry.routes.push({ route, dialect });
    if (existing) return;
    if (wildcard) this.prefixes.push({ prefix: path, entry });
    else this.exact.set(path, entry);
  }

  /**
   * The entry of a path (under the base path, without a query or a trailing slash), if any dialect
   * serves or reserves it.
   *
   * @example
   * ```ts
   * table.lookup('/v1/models/openai/gpt-4o')?.pathRest; // 'openai/gpt-4o'
   * ```
   */
  lookup(path: string): { entry: PathEntry; pathRest: string } | undefined {
    const entry = this.exact.get(path);
    if (entry) return { entry, pathRest: '' };
    for (const { prefix, entry: prefixed } of this.prefixes) {
      if (path.startsWith(prefix) && path.length > prefix.length)
        return { entry: prefixed, pathRest: path.slice(prefix.length) };
    }
    for (const { reserved, entry: owner } of this.reserved) {
      const under = path.startsWith(reserved.path) && (reserved.prefix === true || path[reserved.path.length] === '/');
      if (path === reserved.path || under) return { entry: owner, pathRest: '' };
    }
    return undefined;
  }
}
