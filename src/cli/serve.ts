/**
 * `switchyard serve`: the gateway on a node:http server of its own, and its graceful shutdown. On SIGTERM
 * (or SIGINT) it stops accepting connections, lets the requests in flight (streams included) finish up to
 * a deadline, closes the connections still open after it, then closes the gateway (pending settlements
 * flushed, the router, billing and the store closed) and exits 0.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type Gateway } from '../gateway.js';
import type { LoadedConfig } from './config-file.js';

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
 * await running.shutdown('SIGTERM');
 * ```
 */
export interface RunningServer {
  readonly gateway: Gateway;
  readonly server: Server;
  /** `http://host:port`. */
  readonly origin: string;
  /** Stops accepting, waits for requests in flight up to the deadline, closes everything. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

const DEFAULT_PORT = 8787;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

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
  overrides: { port?: number; host?: string },
  output: CommandOutput,
): Promise<RunningServer> {
  const gateway = createGateway({ ...loaded.gateway, logger: loaded.gateway.logger ?? lineLogger(output) });
  try {
    await gateway.ready();
  } catch (error) {
    await gateway.close();
    throw error;
  }
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    inFlight.add(response);
    response.once('close', () => {
      inFlight.delete(response);
      // While stopping, a keep-alive connection whose last answer is done closes now, not at its idle timeout.
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
    if (draining) response.setHeader('connection', 'close');
    gateway.handler.handleNode(request, response, { answerUnknownPaths: true });
  });
  const port = overrides.port ?? loaded.server.port ?? DEFAULT_PORT;
  const host = overrides.host ?? loaded.server.host ?? DEFAULT_HOST;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await gateway.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${shownHost}:${address.port}`;
  const deadlineMs = loaded.server.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
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
      await gateway.close();
      output.out('switchyard: stopped');
    })();
    return stopping;
  };
  return { gateway, server, origin, shutdown };
}

/**
 * The lines `serve` prints once it listens: where each client points.
 *
 * @example
 * ```ts
 * for (const line of endpointLines('http://127.0.0.1:8787', '')) console.log(line);
 * ```
 */
export function endpointLines(origin: string, basePath: string): string[] {
  const base = `${origin}${basePath}`;
  return [
    `  OpenAI SDK:          baseURL '${base}/v1'`,
    `  Anthropic SDK:       baseURL '${base}'`,
    `  AI SDK 7 (gateway):  createGateway({ baseURL: '${base}/v4/ai' }) (AI SDK 6: '${base}/v3/ai')`,
    `  models:              ${base}/v1/models`,
  ];
}

function lineLogger(output: CommandOutput): { warn(message: string): void; error(message: string): void } {
  return { warn: (message) => output.error(message), error: (message) => output.error(message) };
}
