/**
 * The `switchyard` command: `serve`, `check` and `init`, each with `--help`; arguments parsed with
 * `node:util.parseArgs`. Exit codes: 0 done, 1 a bad config or a failure to start, 2 a bad command line.
 *
 * @module
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog } from '../catalog/catalog.js';
import type { GatewayConfig } from '../gateway-config.js';
import { PROVIDER_TYPES, type ProviderType } from '../providers/provider.js';
import { isPort, loadConfigFile, type LoadedConfig } from './config-file.js';
import { describeFailure, endpointLines, startServer, type CommandOutput } from './serve.js';
import { runKeysCommand } from './keys-command.js';
import { runStoreCommand } from './store-command.js';
import { STARTER_CONFIG } from './starter-config.js';
import { runPrimary, workersRefusal, type WorkerMessage } from './workers.js';

/**
 * What the command runs against: its output, environment, working directory and process signals (tests
 * and embedders pass their own).
 *
 * @example
 * ```ts
 * const code = await runCli(['check', '--config', 'gw.json'], { ...defaultCliContext(), cwd: '/srv/gw' });
 * ```
 */
export interface CliContext extends CommandOutput {
  environment: NodeJS.ProcessEnv;
  cwd: string;
  /** Subscribes to SIGTERM, SIGINT and SIGHUP (default: the process's). */
  onSignal(listener: (signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP') => void): void;
}

/**
 * The context of a real run: standard output and error, `process.env`, `process.cwd()`, the process's signals.
 *
 * @example
 * ```ts
 * await runCli(process.argv.slice(2), defaultCliContext());
 * ```
 */
export function defaultCliContext(): CliContext {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    error: (line) => void process.stderr.write(`${line}\n`),
    environment: process.env,
    cwd: process.cwd(),
    onSignal(listener) {
      process.on('SIGTERM', () => listener('SIGTERM'));
      process.on('SIGINT', () => listener('SIGINT'));
      process.on('SIGHUP', () => listener('SIGHUP'));
    },
  };
}

const USAGE = `Usage: switchyard <command> [options]

Commands:
  serve   run the gateway from a config file
  check   validate a config file and say what it would serve
  init    write a commented starter config (switchyard.config.mjs)
  keys    create, list and revoke gateway API keys of a running gateway (its admin API)
  store   'store migrate': move a Redis store's keys to the hash-tagged layout (once, on upgrade)

Run 'switchyard <command> --help' for a command's options.`;

const HELP: Record<'serve' | 'check' | 'init', string> = {
  serve: `Usage: switchyard serve [--config FILE] [--port N] [--host H] [--workers N] [--no-watch]

Runs the gateway: the OpenAI, Anthropic and AI SDK gateway APIs on one HTTP server.

Options:
  -c, --config FILE   the config file (default: the first of switchyard.config.mjs, .js, .json, .ts here)
  -p, --port N        the port (default: server.port in the config, else 8787; 0 picks a free one)
      --host H        the interface (default: server.host in the config, else 127.0.0.1; 0.0.0.0 for all)
  -w, --workers N     run N processes on the port (node:cluster); they share state through the
                      configured store, so N > 1 needs a shared one (Redis). Default 1
      --no-watch      do not reload when the config file changes (SIGHUP still reloads)
  -h, --help          this help

The config is validated before anything starts. When the file changes, or on SIGHUP, it is loaded
again: a valid one takes effect for new requests while those in flight finish on the previous one;
an invalid one is reported and the previous one keeps serving. GET /healthz answers while the process
is alive, GET /readyz while it can serve (503 with the reasons when not). On SIGTERM or SIGINT the
server stops accepting connections, lets requests in flight finish for up to server.shutdownTimeoutMs
(default 10 s), closes the store and exits 0.`,
  check: `Usage: switchyard check [--config FILE]

Validates a config file (every problem, with its path, what was expected and what was found) and says
what it would serve, without starting anything or connecting to a store. Exits 0 when valid, 1 when not.

Options:
  -c, --config FILE   the config file (default: the first of switchyard.config.mjs, .js, .json, .ts here)
  -h, --help          this help`,
  init: `Usage: switchyard init [--config FILE] [--force]

Writes a commented starter config: one OpenAI provider and one gateway API key, both read from the
environment (OPENAI_API_KEY, GATEWAY_API_KEY), with billing and a Redis store commented out.

Options:
  -c, --config FILE   where to write it (default: switchyard.config.mjs)
  -f, --force         overwrite a file that exists
  -h, --help          this help`,
};

/**
 * Runs the command line; resolves to the exit code (`serve` resolves once it has stopped).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['serve', '--port', '8787']);
 * ```
 */
export async function runCli(argv: string[], context: CliContext = defaultCliContext()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? context.error : context.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'keys') {
    try {
      return await runKeysCommand(rest, context.environment, context);
    } catch (error) {
      context.error(describeFailure(error));
      return 1;
    }
  }
  if (command === 'store') {
    try {
      return await runStoreCommand(rest, context.environment, context.cwd, context);
    } catch (error) {
      context.error(describeFailure(error));
      return 1;
    }
  }
  if (command !== 'serve' && command !== 'check' && command !== 'init') {
    context.error(`switchyard: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  let values: {
    config?: string;
    port?: string;
    host?: string;
    workers?: string;
    'no-watch'?: boolean;
    force?: boolean;
    help?: boolean;
  };
  try {
    const common = { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } as const;
    const serveOptions = {
      ...common,
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      workers: { type: 'string', short: 'w' },
      'no-watch': { type: 'boolean' },
    } as const;
    const initOptions = { ...common, force: { type: 'boolean', short: 'f' } } as const;
    const parse = <Options extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(options: Options) =>
      parseArgs({ args: rest, strict: true, allowPositionals: false, options }).values;
    values = command === 'serve' ? parse(serveOptions) : command === 'init' ? parse(initOptions) : parse(common);
  } catch (error) {
    context.error(
      `switchyard ${command}: ${error instanceof Error ? error.message : String(error)}\n\n${HELP[command]}`,
    );
    return 2;
  }
  if (values.help) {
    context.out(HELP[command]);
    return 0;
  }
  try {
    if (command === 'init') return await init(values.config, values.force === true, context);
    if (command === 'check') return await check(values.config, context);
    return await serve(values, context);
  } catch (error) {
    context.error(describeFailure(error));
    return 1;
  }
}

async function init(target: string | undefined, force: boolean, context: CliContext): Promise<number> {
  const path = resolve(context.cwd, target ?? 'switchyard.config.mjs');
  if (!/\.(mjs|js)$/.test(path)) {
    context.error(
      `switchyard init: the starter config is a commented module: give a path ending in .mjs or .js (got ${path})`,
    );
    return 2;
  }
  if (existsSync(path) && !force) {
    context.error(`switchyard init: ${path} exists; pass --force to overwrite it`);
    return 1;
  }
  await writeFile(path, STARTER_CONFIG);
  context.out(`switchyard: wrote ${path}`);
  context.out('  set OPENAI_API_KEY and GATEWAY_API_KEY, then `switchyard check` and `switchyard serve`');
  return 0;
}

async function check(config: string | undefined, context: CliContext): Promise<number> {
  const loaded = await loadConfigFile({ config }, context.environment, context.cwd);
  context.out(`switchyard: ${loaded.path} is valid`);
  for (const line of describeConfig(loaded)) context.out(`  ${line}`);
  await loaded.dispose?.();
  return 0;
}

async function serve(
  values: { config?: string; port?: string; host?: string; workers?: string; 'no-watch'?: boolean },
  context: CliContext,
): Promise<number> {
  let port: number | undefined;
  if (values.port !== undefined) {
    port = /^\d+$/.test(values.port) ? Number(values.port) : Number.NaN;
    if (!isPort(port)) {
      context.error(`switchyard serve: --port must be a port number from 0 to 65535 (got '${values.port}')`);
      return 2;
    }
  }
  if (values.host !== undefined && values.host.trim() === '') {
    context.error('switchyard serve: --host must be a host name or address (got an empty string)');
    return 2;
  }
  let workers = 1;
  if (values.workers !== undefined) {
    workers = /^\d+$/.test(values.workers) ? Number(values.workers) : Number.NaN;
    if (!(Number.isSafeInteger(workers) && workers >= 1 && workers <= 1024)) {
      context.error(`switchyard serve: --workers must be a whole number from 1 to 1024 (got '${values.workers}')`);
      return 2;
    }
  }
  const worker = cluster.isWorker && context.environment.SWITCHYARD_WORKER === '1';
  const loaded = await loadConfigFile({ config: values.config }, context.environment, context.cwd);
  if (!worker) {
    context.out(`switchyard: config ${loaded.path}`);
    for (const line of describeConfig(loaded).filter((line) => !line.startsWith('listen'))) context.out(`  ${line}`);
  }
  const watchFile = values['no-watch'] !== true;
  if (workers > 1 && !worker) {
    const refusal = workersRefusal(loaded, workers);
    try {
      if (refusal) {
        context.error(`switchyard: ${refusal}`);
        return 1;
      }
      return await runPrimary(workers, loaded, context, { watch: watchFile });
    } finally {
      await loaded.dispose?.();
    }
  }
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(
      loaded,
      { port, host: values.host, watch: watchFile && !worker, environment: context.environment },
      context,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const host = values.host ?? loaded.server.host ?? '127.0.0.1';
    const shownPort = port ?? loaded.server.port ?? 8787;
    if (code === 'EADDRINUSE')
      context.error(`switchyard: port ${shownPort} on ${host} is already in use; pass --port <another port>`);
    else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      context.error(`switchyard: cannot listen on ${host} (${code}); pass --host <an address of this machine>`);
    else context.error(describeFailure(error));
    return 1;
  }
  if (worker) process.send?.({ switchyard: 'listening', origin: running.origin } satisfies WorkerMessage);
  else {
    context.out(`switchyard: serving on ${running.origin}`);
    const { dashboard, metrics } = loaded.gateway;
    const metricsPath = metrics ? (typeof metrics === 'object' && metrics.path) || '/metrics' : undefined;
    const lines = endpointLines(running.origin, loaded.gateway.basePath ?? '', {
      dashboard: Boolean(dashboard),
      dashboardPath: typeof dashboard === 'object' ? dashboard.path : undefined,
      metricsPath,
    });
    for (const line of lines) context.out(line);
  }
  return new Promise<number>((resolveExit) => {
    let signals = 0;
    context.onSignal((signal) => {
      if (signal === 'SIGHUP') {
        void running.reload('SIGHUP');
        return;
      }
      // A worker's primary forwards the terminal's Ctrl-C as SIGTERM: the SIGINT it gets itself is not a second one.
      if (worker && signal === 'SIGINT') return;
      signals += 1;
      if (signals > 1) {
        context.error(`switchyard: ${signal} again: exiting without waiting`);
        resolveExit(1);
        process.exit(1);
      }
      running
        .shutdown(signal)
        .then(
          () => 0,
          (error: unknown) => {
            context.error(describeFailure(error));
            return 1;
          },
        )
        .then((code) => {
          // A worker's channel to the primary would keep it alive: let go of it once stopped.
          if (worker) process.disconnect?.();
          resolveExit(code);
        });
    });
  });
}

/**
 * What a config would serve, as lines: where it listens, the providers, the models, auth, billing, the store.
 *
 * @example
 * ```ts
 * describeConfig(loaded); // ['listen:    http://127.0.0.1:8787', 'providers: openai (openai)', ...]
 * ```
 */
export function describeConfig(loaded: LoadedConfig): string[] {
  const config = loaded.gateway;
  const routerConfig = (
    config.router && typeof config.router === 'object' && 'providers' in config.router ? config.router : config
  ) as Pick<GatewayConfig, 'providers' | 'catalog'>;
  const providers = Object.entries(routerConfig.providers ?? {});
  const lines = [
    `listen:    http://${loaded.server.host ?? '127.0.0.1'}:${loaded.server.port ?? 8787}${config.basePath ?? ''}`,
  ];
  const names = providers.map(([name, instance]) => {
    const type = instance.type ?? name;
    const where = instance.baseURL ? `, ${instance.baseURL}` : '';
    return `${name} (${type}${where})`;
  });
  lines.push(`providers: ${names.join(', ') || 'none'}`);
  const catalog = routerConfig.catalog instanceof Catalog ? routerConfig.catalog : new Catalog(routerConfig.catalog);
  const configured = new Set<string>(providers.map(([name]) => name));
  const types = new Set<ProviderType>(
    providers
      .map(([name, instance]) => instance.type ?? (name as ProviderType))
      .filter((type) => PROVIDER_TYPES.includes(type)),
  );
  const servable = catalog
    .list()
    .filter((model) =>
      model.offerings.some(
        (offering) => configured.has(offering.provider) || types.has(offering.provider as ProviderType),
      ),
    );
  lines.push(`models:    ${servable.length} of the catalog's ${catalog.list().length} servable by these providers`);
  const keys = config.apiKeys;
  const admin = config.adminKeys?.length
    ? `; ${config.adminKeys.length} admin key(s): /admin/* and stored keys on`
    : '';
  if (keys === undefined && admin) lines.push(`auth:      gateway API keys from the admin API${admin}`);
  else if (keys === undefined)
    lines.push('auth:      OFF: no apiKeys, every request is accepted (set apiKeys to require gateway keys)');
  else if (typeof keys === 'function') lines.push(`auth:      a key lookup function${admin}`);
  else
    lines.push(
      `auth:      ${keys.length} gateway API key(s), accounts: ${[...new Set(keys.map((key) => key.account))].join(', ')}${admin}`,
    );
  const billing = config.billing;
  if (billing === undefined || billing === false) {
    lines.push('billing:   off');
  } else if (billing === true || (typeof billing === 'object' && !('getCredits' in billing))) {
    const options = billing === true ? {} : billing;
    const parts = [
      options.freeAllocationNano
        ? `free allocation ${options.freeAllocationNano} nano-USD per account`
        : 'no free allocation',
      options.rateLimits?.requestsPerMinute ? `${options.rateLimits.requestsPerMinute} requests/min` : undefined,
      options.rateLimits?.tokensPerMinute ? `${options.rateLimits.tokensPerMinute} tokens/min` : undefined,
      options.budgets?.length ? `${options.budgets.length} budget(s)` : undefined,
    ].filter((part) => part !== undefined);
    lines.push(`billing:   on (${parts.join(', ')})`);
  } else {
    lines.push('billing:   on (an instance from the config module)');
  }
  const store = config.store;
  if (store === undefined || store === 'memory' || (typeof store === 'object' && 'memory' in store))
    lines.push('store:     memory (this process only)');
  else if (typeof store === 'object' && 'redis' in store && store.redis.cluster)
    lines.push(
      `store:     Redis Cluster ${store.redis.cluster.map((node) => safeUrl(node)).join(', ')} (shared by every instance on it)`,
    );
  else if (typeof store === 'object' && 'redis' in store)
    lines.push(`store:     ${safeUrl(store.redis.url ?? 'redis://127.0.0.1:6379')} (shared by every instance on it)`);
  else lines.push('store:     an instance from the config module');
  lines.push(`dialects:  ${(config.dialects ?? ['openai', 'anthropic', 'ai-gateway']).join(', ')}`);
  return lines;
}

function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}
