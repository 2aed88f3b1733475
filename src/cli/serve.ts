/**
 * `switchyard serve`: the gateway on a node:http server of its own, its health probes, its hot reload
 * and its graceful shutdown.
 *
 * - Hot reload: on a change of the config file (when watched) or {@link RunningServer.reload} (SIGHUP),
 *   the new file is loaded and validated, a new gateway is built and made ready, and new requests go to
 *   it; the previous gateway finishes the requests it has in flight (streams included) and is closed
 *   after the last one. A file that does not validate, or a gateway that cannot start, keeps the previous
 *   one serving and says why. An in-memory store is kept across reloads (credits and limits survive).
 * - Shutdown: on SIGTERM (or SIGINT) it stops accepting connections, `/readyz` answers 503, the requests
 *   in flight finish up to a deadline, the connections still open after it are closed, then the gateway
 *   is closed (pending settlements flushed, the router, billing and the store closed) and it exits 0.
 *
 * @module
 */
import { type FSWatcher, watch } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname } from 'node:path';
import { isGatewayError, redactSecrets } from '../core/errors.js';
import { createGateway, type Gateway } from '../gateway.js';
import { isBillingInstance, isBillingSource, isStoreInstance, type GatewayConfig } from '../gateway-config.js';
import { createHealthDialect } from '../http/dialects/health/health-dialect.js';
import { MemoryStore, type MemoryStoreOptions } from '../store/memory-store.js';
import { loadConfigFile, type LoadedConfig } from './config-file.js';

/**
 * Where the command writes: standard output and standard error, as lines. @example
 * `{ out: console.log, error: console.error }`
 */
export interface CommandOutput {
  out(line: string): void;
  error(line: string): void;
}

/**
 * A running `switchyard serve`.
 *
 * @example
 * ```ts
 * const running = await startServer(loaded, { port: 0 }, output);
 * await running.reload('SIGHUP');
 * await running.shutdown('SIGTERM');
 * ```
 */
export interface RunningServer {
  /** The gateway new requests go to (it changes on a reload). */
  readonly gateway: Gateway;
  readonly server: Server;
  /** `http://host:port`. */
  readonly origin: string;
  /**
   * Loads the config file again and, when it is valid and its gateway starts, serves new requests from it.
   * Resolves to whether the new config took effect. Never rejects.
   */
  reload(reason: string): Promise<boolean>;
  /** Stops accepting, waits for requests in flight up to the deadline, closes everything. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

/**
 * How {@link startServer} runs.
 *
 * @example
 * ```ts
 * const options: ServeOptions = { port: 0, watch: true, environment: process.env };
 * ```
 */
export interface ServeOptions {
  port?: number;
  host?: string;
  /** Reload when the config file changes (default false). */
  watch?: boolean;
  /** The environment `${VAR}` references are read from on a reload (default `process.env`). */
  environment?: NodeJS.ProcessEnv;
}

/** One gateway and the requests it serves. */
interface Generation {
  gateway: Gateway;
  inFlight: number;
  retired: boolean;
  closed?: Promise<void>;
}

/** The accept queue asked for; Linux caps it at `net.core.somaxconn` (4096 on current kernels). */
const LISTEN_BACKLOG = 4_096;
const DEFAULT_PORT = 8787;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const WATCH_DEBOUNCE_MS = 150;

/**
 * Builds the gateway from a loaded config and listens.
 *
 * @example
 * ```ts
 * const running = await startServer(await loadConfigFile({}), { port: 8787 }, { out: console.log, error: console.error });
 * ```
 */
export async function startServer(
  loaded: LoadedConfig,
  options: ServeOptions,
  output: CommandOutput,
): Promise<RunningServer> {
  let draining = false;
  let current: Generation | undefined;
  let memoryStore: MemoryStore | undefined;
  const health = createHealthDialect({ store: () => current?.gateway.store, draining: () => draining });

  const build = (config: GatewayConfig): Gateway => {
    const built: GatewayConfig = {
      ...config,
      logger: config.logger ?? lineLogger(output),
      dialects: [...(config.dialects ?? []), health],
    };
    // One in-memory store for the life of the process, so that a reload keeps credits, holds and limits.
    if (!isBillingInstance(config.billing) && !isBillingSource(config.billing) && isMemoryStoreConfig(config.store)) {
      memoryStore ??= new MemoryStore(typeof config.store === 'object' ? config.store.memory : undefined);
      built.store = memoryStore;
    }
    return createGateway(built);
  };
  const start = async (config: GatewayConfig): Promise<Gateway> => {
    const gateway = build(config);
    try {
      await gateway.ready();
    } catch (error) {
      await gateway.close();
      throw error;
    }
    return gateway;
  };
  const closeGeneration = (generation: Generation): Promise<void> => {
    generation.closed ??= generation.gateway.close().then(
      () => {
        if (generation.retired && !draining)
          output.out('switchyard: the previous config finished its requests and was closed');
      },
      (error: unknown) => output.error(describeFailure(error)),
    );
    return generation.closed;
  };
  const retired = new Set<Generation>();
  const retire = (generation: Generation): void => {
    generation.retired = true;
    retired.add(generation);
    if (generation.inFlight === 0) void closeGeneration(generation);
  };

  try {
    current = { gateway: await start(loaded.gateway), inFlight: 0, retired: false };
  } catch (error) {
    await memoryStore?.close();
    await loaded.dispose?.();
    throw error;
  }
  const inFlight = new Set<ServerResponse>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const generation = current as Generation;
    generation.inFlight += 1;
    inFlight.add(response);
    response.once('close', () => {
      inFlight.delete(response);
      generation.inFlight -= 1;
      if (generation.retired && generation.inFlight === 0) void closeGeneration(generation);
      // While stopping, a keep-alive connection whose last answer is done closes now, not at its idle timeout.
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
    if (draining) response.setHeader('connection', 'close');
    generation.gateway.handler.handleNode(request, response, { answerUnknownPaths: true });
  });
  const port = options.port ?? loaded.server.port ?? DEFAULT_PORT;
  const host = options.host ?? loaded.server.host ?? DEFAULT_HOST;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The longest accept queue the system allows (Node's default is 511): a burst of new connections past it
      // has its handshakes dropped and retried a second or more later, or reset.
      server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await current.gateway.close();
    await memoryStore?.close();
    await loaded.dispose?.();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${shownHost}:${address.port}`;
  let deadlineMs = loaded.server.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let dispose = loaded.dispose;
  let serverSection = JSON.stringify({ port: loaded.server.port, host: loaded.server.host });

  const reloadOnce = async (reason: string): Promise<boolean> => {
    let next: LoadedConfig;
    try {
      next = await loadConfigFile({ config: loaded.path }, options.environment ?? process.env, dirname(loaded.path), {
        fresh: true,
      });
    } catch (error) {
      output.error(`switchyard: ${reason}: the config was not reloaded, the previous one still serves.`);
      output.error(describeFailure(error));
      return false;
    }
    let gateway: Gateway;
    try {
      gateway = await start(next.gateway);
    } catch (error) {
      output.error(`switchyard: ${reason}: the new config's gateway did not start; the previous one still serves.`);
      output.error(describeFailure(error));
      return false;
    }
    if (draining) {
      await gateway.close();
      return false;
    }
    const previous = current as Generation;
    current = { gateway, inFlight: 0, retired: false };
    retire(previous);
    deadlineMs = next.server.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    dispose = next.dispose ?? dispose;
    output.out(
      `switchyard: ${reason}: config reloaded; ${previous.inFlight} request(s) in flight finish on the previous one`,
    );
    const section = JSON.stringify({ port: next.server.port, host: next.server.host });
    if (section !== serverSection) {
      serverSection = section;
      output.error('switchyard: server.port and server.host take effect on a restart; still listening on ' + origin);
    }
    return true;
  };
  let reloading: Promise<boolean> | undefined;
  let again = false;
  const reload = (reason: string): Promise<boolean> => {
    if (draining) return Promise.resolve(false);
    if (reloading) {
      // A change during a reload gets a reload of its own once this one is done.
      again = true;
      return reloading;
    }
    reloading = (async () => {
      let outcome = false;
      do {
        again = false;
        outcome = await reloadOnce(reason);
      } while (again && !draining);
      return outcome;
    })().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };

  let watcher: FSWatcher | undefined;
  if (options.watch) {
    // The directory is watched, not the file: editors and deploy tools replace the file by renaming a new one.
    const name = basename(loaded.path);
    let timer: NodeJS.Timeout | undefined;
    watcher = watch(dirname(loaded.path), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(`${name} changed`), WATCH_DEBOUNCE_MS);
    });
    watcher.on('error', (error) => output.error(`switchyard: cannot watch ${loaded.path}: ${error.message}`));
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      watcher?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      output.out(
        `switchyard: ${reason}: stopped accepting; ${inFlight.size} request(s) in flight get up to ${deadlineMs} ms to finish`,
      );
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const outcome = await Promise.race([closed.then(() => 'finished' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'deadline') {
        output.out(
          `switchyard: ${inFlight.size} request(s) still in flight after ${deadlineMs} ms: closing their connections`,
        );
        server.closeAllConnections();
        await closed;
      }
      await reloading;
      await closeGeneration(current as Generation);
      await Promise.all([...retired].map(closeGeneration));
      await memoryStore?.close();
      await Promise.resolve(dispose?.()).catch((error: unknown) => output.error(describeFailure(error)));
      output.out('switchyard: stopped');
    })();
    return stopping;
  };
  return {
    get gateway() {
      return (current as Generation).gateway;
    },
    server,
    origin,
    reload,
    shutdown,
  };
}

/**
 * The lines `serve` prints once it listens: where each client points, the health probes, the dashboard
 * (when the config enables it) and the docs.
 *
 * @example
 * ```ts
 * for (const line of endpointLines('http://127.0.0.1:8787', '')) console.log(line);
 * ```
 */
export function endpointLines(
  origin: string,
  basePath: string,
  options: { dashboard?: boolean; dashboardPath?: string; metricsPath?: string } = {},
): string[] {
  const base = `${origin}${basePath}`;
  return [
    `  OpenAI SDK:          baseURL '${base}/v1'`,
    `  Anthropic SDK:       baseURL '${base}'`,
    `  AI SDK 7 (gateway):  createGateway({ baseURL: '${base}/v4/ai' }) (AI SDK 6: '${base}/v3/ai')`,
    `  models:              ${base}/v1/models`,
    `  health:              ${base}/healthz (alive), ${base}/readyz (ready to serve)`,
    ...(options.dashboard ? [`  dashboard:           ${base}${options.dashboardPath ?? '/dashboard'}`] : []),
    ...(options.metricsPath ? [`  metrics:             ${base}${options.metricsPath}`] : []),
    `  docs:                ${DOCS_URL}`,
  ];
}

const DOCS_URL =
  'https://github.com/switchyard-gateway/switchyard#readme (npm run docs: the API reference in docs/api)';

/**
 * A failure as one line for the terminal, secrets redacted.
 *
 * @example
 * ```ts
 * output.error(describeFailure(error)); // 'switchyard: Invalid config file ...'
 * ```
 */
export function describeFailure(error: unknown): string {
  if (isGatewayError(error)) return redactSecrets(`switchyard: ${error.message}`);
  return redactSecrets(`switchyard: ${error instanceof Error ? error.message : String(error)}`);
}

/** Whether a store configuration means the in-memory store (none, `'memory'`, `{ memory: {...} }`). */
function isMemoryStoreConfig(
  store: GatewayConfig['store'],
): store is undefined | 'memory' | { memory: MemoryStoreOptions } {
  if (store === undefined || store === 'memory') return true;
  return !isStoreInstance(store) && typeof store === 'object' && 'memory' in store;
}

function lineLogger(output: CommandOutput): { warn(message: string): void; error(message: string): void } {
  return { warn: (message) => output.error(message), error: (message) => output.error(message) };
}
