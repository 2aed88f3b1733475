/**
 * `switchyard store migrate [--config FILE] [--dry-run]`: moves the configured Redis store's keys from the
 * layout before Redis Cluster support to today's (hash-tagged) names, once, before the new version serves.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { migrateRedisStoreLayout } from '../store/redis-layout-migration.js';
import { loadConfigFile } from './config-file.js';
import type { CommandOutput } from './serve.js';

/** The command's help. @example `console.log(STORE_HELP)` */
export const STORE_HELP = `Usage: switchyard store migrate [--config FILE] [--dry-run]

Moves the config's Redis store (store.redis.url, store.redis.prefix) from the key layout of versions
before Redis Cluster support to today's: balances, budgets, top-up markers, usage records and rate-limit
windows get their account's hash tag. Stop every gateway instance of the old version first, run this
once, then start the new version. Keys the new version wrote already are never overwritten (listed as
conflicts, exit 1). Running it again moves nothing.

Options:
  -c, --config FILE   the config file (default: the first of switchyard.config.mjs, .js, .json, .ts here)
      --dry-run       count what would move, change nothing
  -h, --help          this help`;

/**
 * Runs `switchyard store <subcommand>`; resolves to the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runStoreCommand(['migrate', '--dry-run'], process.env, process.cwd(), output);
 * ```
 */
export async function runStoreCommand(
  argv: string[],
  environment: NodeJS.ProcessEnv,
  cwd: string,
  output: CommandOutput,
): Promise<number> {
  const [subcommand, ...rest] = argv;
  let values: { config?: string; 'dry-run'?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    output.error(`switchyard store: ${error instanceof Error ? error.message : String(error)}\n\n${STORE_HELP}`);
    return 2;
  }
  if (subcommand === '--help' || subcommand === '-h' || values.help) {
    output.out(STORE_HELP);
    return 0;
  }
  if (subcommand !== 'migrate') {
    output.error(`switchyard store: unknown subcommand '${subcommand ?? ''}'\n\n${STORE_HELP}`);
    return 2;
  }
  const loaded = await loadConfigFile({ config: values.config }, environment, cwd);
  try {
    const store = loaded.gateway.store;
    if (typeof store !== 'object' || store === null || !('redis' in store)) {
      output.error(
        `switchyard store migrate: ${loaded.path} has no Redis store (store: { redis: { url } }) to migrate`,
      );
      return 1;
    }
    if (store.redis.cluster) {
      output.error(
        'switchyard store migrate: the old layout only ever ran on a single Redis; point store.redis.url at it (the keys are renamed in place)',
      );
      return 1;
    }
    const dryRun = values['dry-run'] === true;
    const report = await migrateRedisStoreLayout({ url: store.redis.url, prefix: store.redis.prefix, dryRun });
    output.out(
      `switchyard store migrate${dryRun ? ' (dry run)' : ''}: ${report.renamed} key(s) ${dryRun ? 'would move' : 'moved'}, ${report.unchanged} unchanged, ${report.left} left to expire, ${report.conflicts.length} conflict(s)`,
    );
    for (const name of report.conflicts.slice(0, 20)) output.error(`  conflict: ${name} (its new name exists already)`);
    return report.conflicts.length > 0 ? 1 : 0;
  } finally {
    await loaded.dispose?.();
  }
}
