/**
 * The one-time move of a Redis store's keys from the layout before Redis Cluster support (no hash tags) to
 * today's, where every key of a multi-key script carries its group's hash tag. Run it once on a single-node
 * Redis, with every gateway instance of the old version stopped, before the new version serves
 * (`switchyard store migrate --config <file>`, or {@link migrateRedisStoreLayout} in code).
 *
 * What moves (by `RENAMENX`: atomic per key, never over a key the new version wrote already):
 * - meters (`m:<key>…`): billing's ledgers and budgets into their account's group, other meters into no group;
 * - reservation and top-up markers (`r:…`), usage records (`rec:…`) and their indexes (`i:…`): into the
 *   account of the record (read from its body) or of the ledger;
 * - rate-limit windows (`w:<key>:<slice>`): under their key's tag.
 *
 * What stays: counters (`c:`), fields (`f:`, stored API keys, account settings), cached values (`kv:`) and
 * capped logs (`log:`), whose names did not change; expiring hashes (`e:`, health reports) are left to expire
 * (they are rewritten every second). A marker whose account cannot be told (a released reservation without a
 * record) is left to expire too: a replay of it only releases again, which changes nothing.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import { importOptional } from '../core/optional-import.js';
import { encodeNamespace } from './key-value-store.js';
import { groupTag } from './redis-store.js';
import { STORE_DEFAULTS } from './store.js';

/**
 * What a migration did (or, with `dryRun`, would do).
 *
 * @example
 * ```ts
 * const report: RedisLayoutMigrationReport = { renamed: 120, unchanged: 8, left: 2, conflicts: [] };
 * ```
 */
export interface RedisLayoutMigrationReport {
  /** Keys moved to their new name. */
  renamed: number;
  /** Keys whose name is the same in both layouts (or already new). */
  unchanged: number;
  /** Old keys left to expire by themselves (markers of unknown account, expiring hashes). */
  left: number;
  /** Old keys not moved because their new name exists already (the new version ran before the migration). */
  conflicts: string[];
}

/**
 * Options of {@link migrateRedisStoreLayout}.
 *
 * @example
 * ```ts
 * const options: RedisLayoutMigrationOptions = { url: 'redis://127.0.0.1:6379', prefix: 'shop:gw:', dryRun: true };
 * ```
 */
export interface RedisLayoutMigrationOptions {
  /** The single Redis the old version used (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** The store's prefix (default `switchyard:`). */
  prefix?: string;
  /** Count what would move, change nothing. */
  dryRun?: boolean;
}

interface MigrationClient {
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', size: number): Promise<[string, string[]]>;
  get(key: string): Promise<string | null>;
  zrange(key: string, start: number, stop: number): Promise<string[]>;
  renamenx(key: string, target: string): Promise<number>;
  exists(key: string): Promise<number>;
  quit(): Promise<unknown>;
}

/**
 * Moves a single-node Redis store's keys from the layout without hash tags to today's (see the module). Safe to
 * run again: keys already moved are counted `unchanged`.
 *
 * @example
 * ```ts
 * const report = await migrateRedisStoreLayout({ url: process.env.REDIS_URL, prefix: 'shop:gw:' });
 * console.log(`${report.renamed} keys moved, ${report.conflicts.length} conflicts`);
 * ```
 */
export async function migrateRedisStoreLayout(
  options: RedisLayoutMigrationOptions = {},
): Promise<RedisLayoutMigrationReport> {
  let Redis: new (url: string, options: Record<string, unknown>) => MigrationClient;
  try {
    const module = (await importOptional('ioredis')) as { Redis?: typeof Redis; default?: typeof Redis };
    Redis = (module.Redis ?? module.default) as typeof Redis;
  } catch (error) {
    throw new GatewayError('config_invalid', "The Redis store needs the 'ioredis' package: npm install ioredis", {
      cause: error,
    });
  }
  const prefix = options.prefix ?? STORE_DEFAULTS.prefix;
  const client = new Redis(options.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    const names: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1_000);
      cursor = next;
      names.push(...batch);
    } while (cursor !== '0');
    const present = new Set(names);
    const accountOfRecord = async (id: string): Promise<string | undefined> => {
      const name = `${prefix}rec:${id}`;
      if (!present.has(name)) return undefined;
      try {
        const body = JSON.parse((await client.get(name)) ?? 'null') as { accountId?: unknown } | null;
        return typeof body?.accountId === 'string' ? body.accountId : undefined;
      } catch {
        return undefined;
      }
    };
    // Every target is worked out while the old names are all still there, then the keys move.
    const moves: Array<[string, string]> = [];
    const report: RedisLayoutMigrationReport = { renamed: 0, unchanged: 0, left: 0, conflicts: [] };
    for (const name of names) {
      const target = await newName(name.slice(prefix.length), accountOfRecord, async (index) => {
        const [first] = await client.zrange(name, 0, 0);
        return first === undefined ? undefined : accountOfRecord(first);
      });
      if (target === undefined) report.unchanged += 1;
      else if (target === null) report.left += 1;
      else moves.push([name, prefix + target]);
    }
    for (const [name, target] of moves) {
      if (options.dryRun) {
        if ((await client.exists(target)) === 1) report.conflicts.push(name);
        else report.renamed += 1;
      } else if ((await client.renamenx(name, target)) === 1) report.renamed += 1;
      else report.conflicts.push(name);
    }
    return report;
  } finally {
    await client.quit().catch(() => undefined);
  }
}

/**
 * A key's name in today's layout (without the prefix): `undefined` when it does not change, `null` when it is
 * left to expire.
 */
async function newName(
  name: string,
  accountOfRecord: (id: string) => Promise<string | undefined>,
  accountOfIndex: (index: string) => Promise<string | undefined>,
): Promise<string | undefined | null> {
  const colon = name.indexOf(':');
  const kind = name.slice(0, colon);
  const rest = name.slice(colon + 1);
  if (colon < 0 || rest.startsWith('{')) return undefined;
  switch (kind) {
    case 'm':
      return `m:${groupTag(accountOfMeter(rest))}:${rest}`;
    case 'r': {
      if (rest.startsWith('credit:')) return `r:${groupTag(accountOfMeter(rest.slice('credit:'.length)))}:${rest}`;
      const account = await accountOfRecord(rest);
      return account === undefined ? null : `r:${groupTag(account)}:${rest}`;
    }
    case 'rec':
      return `rec:${groupTag(await accountOfRecord(rest))}:${rest}`;
    case 'i': {
      const account = rest.startsWith('account:')
        ? safeDecode(rest.slice('account:'.length))
        : await accountOfIndex(rest);
      return `i:${groupTag(account)}:${rest}`;
    }
    case 'w': {
      const slice = rest.lastIndexOf(':');
      return slice < 0 ? undefined : `w:{${encodeNamespace(rest.slice(0, slice))}}${rest.slice(slice)}`;
    }
    case 'e':
      return null;
    default:
      return undefined;
  }
}

/** The account of one of billing's meters (`ledger:<account>`, `budget:<account>:…`), or none. */
function accountOfMeter(key: string): string | undefined {
  const [kind, account] = key.split(':');
  return (kind === 'ledger' || kind === 'budget') && account ? safeDecode(account) : undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
