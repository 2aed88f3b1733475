/**
 * Test fixture: the OpenAI and Anthropic simulators, a real Router with the real `openai` and
 * `anthropic` providers pointed at them, and a node:http server (port 0) running the gateway handler.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayHandlerConfig } from '../../src/http/http-types.js';
import { createGatewayHandler, type GatewayHandler } from '../../src/http/gateway-handler.js';
import type { Router } from '../../src/router/router.js';
import type { RouterConfig } from '../../src/router/router-types.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { ANTHROPIC_KEY, OPENAI_KEY, startRouterFixture } from '../helpers/router-fixture.js';

/** The gateway key the fixture accepts. */
export const GATEWAY_KEY = 'gw-test-key-0001';
/** The vendor keys the providers hold (must never leak). */
export const OPENAI_VENDOR_KEY = OPENAI_KEY;
export const ANTHROPIC_VENDOR_KEY = ANTHROPIC_KEY;

/** Simulators plus a started router. */
export interface Upstreams {
  openai: Simulator;
  anthropic: Simulator;
  router: Router;
  close(): Promise<void>;
}

/**
 * Both simulators and a router over them (the router tests' fixture).
 *
 * @example
 * ```ts
 * const upstreams = await startUpstreams({ health: { consecutiveFailuresToOpen: 1 } });
 * ```
 */
export async function startUpstreams(routerOptions: Partial<RouterConfig> = {}): Promise<Upstreams> {
  const fixture = await startRouterFixture({ attemptTimeoutMs: 10_000, ...routerOptions });
  return {
    openai: fixture.openai,
    anthropic: fixture.anthropic,
    router: fixture.router,
    async close() {
      await fixture.router.close();
      await fixture.close();
    },
  };
}

/**
 * Listens on 127.0.0.1 port 0 and resolves to the origin.
 *
 * @example
 * ```ts
 * const origin = await listen(createServer(listener));
 * ```
 */
export async function listen(server: Server): Promise<string> {
  // A long accept queue (Node's default is 511): a burst of 1,000 connections on a busy machine past the default
  // has handshakes dropped or reset.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4_096 }, () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Closes a server and every open connection.
 *
 * @example
 * ```ts
 * await closeServer(server);
 * ```
 */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A running gateway. */
export interface Gateway extends Upstreams {
  origin: string;
  handler: GatewayHandler;
  server: Server;
}

/**
 * Upstreams plus a node:http server running the handler (404 for paths it passes through).
 *
 * @example
 * ```ts
 * const gateway = await startGateway();
 * const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1` });
 * ```
 */
export async function startGateway(
  config: Partial<GatewayHandlerConfig> = {},
  routerOptions: Partial<RouterConfig> = {},
): Promise<Gateway> {
  const upstreams = await startUpstreams(routerOptions);
  const handler = createGatewayHandler({
    apiKeys: [{ key: GATEWAY_KEY, id: 'key_test', account: 'team_test' }],
    logger: false,
    ...config,
    router: upstreams.router,
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (!handler.handleNode(request, response))
      response.writeHead(404, { 'content-type': 'text/plain' }).end('passed through');
  });
  const origin = await listen(server);
  return {
    ...upstreams,
    origin,
    handler,
    server,
    async close() {
      await closeServer(server);
      await upstreams.close();
    },
  };
}

/**
 * POSTs (or GETs) raw text to the gateway and returns status, headers and parsed body.
 *
 * @example
 * ```ts
 * const { status, body } = await send(gateway.origin, '/v1/chat/completions', '{not json');
 * ```
 */
export async function send(
  origin: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  method = body === undefined ? 'GET' : 'POST',
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${GATEWAY_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
