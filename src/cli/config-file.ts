/**
 * The `switchyard` command's config file: found (`--config FILE`, else the first `switchyard.config.*` in
 * the working directory), loaded (`.mjs`, `.js`, `.json`; `.ts` where Node can import it), `${ENV_VAR}`
 * references filled in from the environment, and validated with the gateway's own validation plus the
 * `server` section, every problem reported at once before anything starts.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../core/errors.js';
import {
  configError,
  configProblems,
  validateGatewayConfig,
  type ConfigProblem,
  type GatewayConfig,
} from '../gateway-config.js';

/**
 * The `server` section of a config file: where `switchyard serve` listens and how long it lets requests
 * in flight finish on SIGTERM. `--port` and `--host` override it.
 *
 * @example
 * ```ts
 * const server: ServerConfig = { port: 8787, host: '0.0.0.0', shutdownTimeoutMs: 10_000 };
 * ```
 */
export interface ServerConfig {
  /** Default 8787. */
  port?: number;
  /** Default `127.0.0.1` (this machine only). */
  host?: string;
  /** How long requests in flight (streams) may take to finish after SIGTERM (default 10 000 ms). */
  shutdownTimeoutMs?: number;
}

/**
 * A config file: a gateway configuration plus the `server` section.
 *
 * @example
 * ```ts
 * const file: SwitchyardConfig = { server: { port: 8787 }, providers: { openai: { apiKey: '${OPENAI_API_KEY}' } } };
 * ```
 */
export interface SwitchyardConfig extends GatewayConfig {
  server?: ServerConfig;
}

/**
 * A loaded, validated config file.
 *
 * @example
 * ```ts
 * const { path, gateway, server } = await loadConfigFile({ config: 'switchyard.config.json' });
 * ```
 */
export interface LoadedConfig {
  /** The file's absolute path. */
  path: string;
  gateway: GatewayConfig;
  server: ServerConfig;
  /** A module config's `dispose` export: what `serve` calls once it has stopped (closes what the module started). */
  dispose?: () => Promise<void> | void;
}

/** The names looked for in the working directory, in order. */
export const CONFIG_FILE_NAMES = [
  'switchyard.config.mjs',
  'switchyard.config.js',
  'switchyard.config.json',
  'switchyard.config.ts',
] as const;

const YAML_NAMES = ['switchyard.config.yaml', 'switchyard.config.yml'];

/**
 * Finds the config file: the one given, else the first of {@link CONFIG_FILE_NAMES} in `cwd`.
 *
 * @throws GatewayError `config_invalid` when the given file does not exist, or none is found.
 *
 * @example
 * ```ts
 * const path = findConfigFile(undefined, process.cwd()); // '/srv/gw/switchyard.config.json'
 * ```
 */
export function findConfigFile(given: string | undefined, cwd: string): string {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new GatewayError('config_invalid', `No config file at ${path}`);
    return path;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  const yaml = YAML_NAMES.find((name) => existsSync(resolve(cwd, name)));
  if (yaml) throw new GatewayError('config_invalid', yamlMessage(resolve(cwd, yaml)));
  throw new GatewayError(
    'config_invalid',
    `No config file: none of ${CONFIG_FILE_NAMES.join(', ')} in ${cwd}. Run \`switchyard init\` to write one, or pass --config FILE`,
  );
}

/**
 * Loads, interpolates and validates a config file. `loading.fresh` imports a module config anew rather
 * than from Node's module cache (a reload).
 *
 * @throws GatewayError `config_invalid` with every problem (`details.problems`), or when the file cannot be read.
 *
 * @example
 * ```ts
 * const loaded = await loadConfigFile({ config: process.argv[2] }, process.env, process.cwd());
 * const gateway = createGateway(loaded.gateway);
 * ```
 */
export async function loadConfigFile(
  options: { config?: string },
  environment: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  loading: { fresh?: boolean } = {},
): Promise<LoadedConfig> {
  const path = findConfigFile(options.config, cwd);
  const { data: raw, dispose } = await readConfigData(path, loading.fresh === true);
  const problems: ConfigProblem[] = [];
  const data = interpolate(raw, '', environment, problems);
  const { server, rest } = splitServer(data, problems);
  try {
    validateGatewayConfig(rest);
  } catch (error) {
    const found = configProblems(error);
    if (found.length === 0) throw error;
    problems.push(...found);
  }
  if (problems.length > 0) throw configError(problems, `Invalid config file ${path}`);
  return { path, gateway: rest as GatewayConfig, server, ...(dispose ? { dispose } : {}) };
}

/**
 * Reads a config file's data: JSON parsed, or a module's default export (a function's result, when it is
 * one). `fresh` imports a module anew (a reload), not from the module cache.
 */
async function readConfigData(
  path: string,
  fresh: boolean,
): Promise<{ data: unknown; dispose?: () => Promise<void> | void }> {
  const extension = extname(path).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') throw new GatewayError('config_invalid', yamlMessage(path));
  if (extension === '.json') {
    const text = await readFile(path, 'utf8');
    try {
      return { data: JSON.parse(text) };
    } catch (error) {
      throw new GatewayError(
        'config_invalid',
        `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (!['.mjs', '.js', '.cjs', '.ts', '.mts'].includes(extension)) {
    throw new GatewayError(
      'config_invalid',
      `${path}: a config file ends in .mjs, .js, .json or .ts (found '${extension || 'no extension'}')`,
    );
  }
  let module: { default?: unknown; dispose?: unknown };
  try {
    const url = pathToFileURL(path).href;
    module = (await import(fresh ? `${url}?reload=${(reloads += 1)}` : url)) as typeof module;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if ((extension === '.ts' || extension === '.mts') && code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new GatewayError(
        'config_invalid',
        `${path}: this Node (${process.version}) cannot load TypeScript by itself. Use Node 22.18 or later (it strips types), ` +
          'run the command through a loader (`node --import tsx node_modules/switchyard/dist/cli/main.js serve`), ' +
          'or write switchyard.config.mjs',
      );
    }
    throw new GatewayError(
      'config_invalid',
      `${path} failed to load: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const exported = module.default ?? module;
  const data = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  const dispose = typeof module.dispose === 'function' ? (module.dispose as () => Promise<void> | void) : undefined;
  if (dispose && data === module) {
    // No default export: the module's named exports are the config, less `dispose`.
    const { dispose: _dispose, ...rest } = module as Record<string, unknown>;
    return { data: rest, dispose };
  }
  return { data, ...(dispose ? { dispose } : {}) };
}

let reloads = 0;

function yamlMessage(path: string): string {
  return (
    `${path}: YAML config files are not supported (switchyard has no YAML parser among its dependencies). ` +
    'Write the same data as switchyard.config.json, or as switchyard.config.mjs (which can import a YAML parser of yours)'
  );
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$\{/g;

/**
 * Replaces `${NAME}` in every string of plain data with the environment variable's value, and
 * `${NAME:-fallback}` with the fallback when it is unset or empty; `$${` is a literal `${`. An unset
 * variable without a fallback is a problem at that path. Instances (anything not a plain object or
 * array) are left as they are.
 *
 * @example
 * ```ts
 * interpolate({ apiKey: '${OPENAI_API_KEY}' }, '', { OPENAI_API_KEY: 'sk-1' }, []); // { apiKey: 'sk-1' }
 * ```
 */
export function interpolate(
  value: unknown,
  path: string,
  environment: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (name === undefined) return '${';
      const set = environment[name];
      if (set !== undefined && set !== '') return set;
      if (fallback !== undefined) return fallback;
      problems.push({
        path: path || '(the config)',
        expected: `the environment variable ${name} to be set`,
        found: 'it unset or empty',
      });
      return match;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => interpolate(item, `${path}[${index}]`, environment, problems));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      result[key] = interpolate(item, path ? `${path}.${key}` : key, environment, problems);
    return result;
  }
  return value;
}

function splitServer(data: unknown, problems: ConfigProblem[]): { server: ServerConfig; rest: unknown } {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { server: {}, rest: data };
  const { server, ...rest } = data as Record<string, unknown>;
  if (server === undefined) return { server: {}, rest };
  if (server === null || typeof server !== 'object' || Array.isArray(server)) {
    problems.push({
      path: 'server',
      expected: 'an object { "port", "host", "shutdownTimeoutMs" }',
      found: typeof server,
    });
    return { server: {}, rest };
  }
  const section = server as Record<string, unknown>;
  for (const key of Object.keys(section)) {
    if (!['port', 'host', 'shutdownTimeoutMs'].includes(key)) {
      problems.push({
        path: `server.${key}`,
        expected: 'a known option (port, host, shutdownTimeoutMs)',
        found: 'an unknown option',
      });
    }
  }
  const port = section.port;
  if (port !== undefined && !isPort(port))
    problems.push({ path: 'server.port', expected: 'a port number from 0 to 65535', found: shown(port) });
  const host = section.host;
  if (host !== undefined && (typeof host !== 'string' || host.trim() === '')) {
    problems.push({
      path: 'server.host',
      expected: 'a host name or address, such as "127.0.0.1" or "0.0.0.0"',
      found: shown(host),
    });
  }
  const timeout = section.shutdownTimeoutMs;
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isSafeInteger(timeout) && timeout >= 0)) {
    problems.push({
      path: 'server.shutdownTimeoutMs',
      expected: 'a non-negative integer (milliseconds)',
      found: shown(timeout),
    });
  }
  return { server: section as ServerConfig, rest };
}

/**
 * Whether a value is a TCP port number (0 picks a free one).
 *
 * @example
 * ```ts
 * isPort(8787); // true
 * ```
 */
export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65_535;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  return `${typeof value} ${String(value)}`;
}
