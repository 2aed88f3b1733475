/**
 * Providers for the examples: for every vendor, the real API when its credentials are in the
 * environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_API_KEY, MISTRAL_API_KEY, COHERE_API_KEY,
 * XAI_API_KEY, AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, GOOGLE_CLOUD_PROJECT +
 * GOOGLE_APPLICATION_CREDENTIALS), otherwise that vendor's simulator from `switchyard/testing` on
 * loopback. Prints which one each vendor got.
 *
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  PROVIDER_ENVIRONMENT,
  startSimulatedProviders,
  type SimulatedProviders,
} from '../../src/testing/simulated-providers.js';

/**
 * Real providers where credentials are set, simulators elsewhere (with a human pace: 150 ms to the
 * first token, 40 tokens a second).
 *
 * @example
 * ```ts
 * const { providers, close } = await exampleProviders();
 * const router = new Router({ providers });
 * ```
 */
export async function exampleProviders(log: (line: string) => void = console.log): Promise<SimulatedProviders> {
  const gateway = await startSimulatedProviders({
    environment: process.env,
    simulator: { behaviour: { timeToFirstTokenMs: 150, tokensPerSecond: 40 } },
  });
  for (const type of gateway.real) log(`${type}: real API (${PROVIDER_ENVIRONMENT[type].join(' + ')} set)`);
  for (const type of gateway.simulated)
    log(
      `${type}: simulator at ${gateway.simulators[type]?.baseURL} (set ${PROVIDER_ENVIRONMENT[type].join(' + ')} to use the real API)`,
    );
  return gateway;
}

/**
 * How to point each client at a gateway origin, as printable lines.
 *
 * @example
 * ```ts
 * console.log(clientInstructions('http://localhost:3000', 'gw-demo-key').join('\n'));
 * ```
 */
export function clientInstructions(origin: string, key: string): string[] {
  return [
    `OpenAI SDK:        new OpenAI({ baseURL: '${origin}/v1', apiKey: '${key}' })  // model: 'anthropic/claude-sonnet-4' works too`,
    `Anthropic SDK:     new Anthropic({ baseURL: '${origin}', apiKey: '${key}' })`,
    `AI SDK 7 (@ai-sdk/gateway 4, Node 22+): createGateway({ baseURL: '${origin}/v4/ai', apiKey: '${key}' })`,
    `AI SDK 6 (@ai-sdk/gateway 3, what npm installs on Node 20): createGateway({ baseURL: '${origin}/v3/ai', apiKey: '${key}' })`,
    `curl:              curl ${origin}/v1/chat/completions -H 'authorization: Bearer ${key}' -H 'content-type: application/json' -d '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
  ];
}

/**
 * The interface the examples listen on: `HOST`, or loopback only (127.0.0.1) when it is not set, so
 * that a demo key next to real vendor keys is not offered to the whole network.
 *
 * @example
 * ```ts
 * app.listen(port, exampleHost());
 * ```
 */
export function exampleHost(): string {
  return process.env.HOST || '127.0.0.1';
}

/**
 * Prints how to reach an example server once it listens, and shuts everything down on Ctrl-C. A port
 * that is taken ends the process with one line saying what to set, not a stack.
 *
 * @example
 * ```ts
 * announceExample('Express', app.listen(3000, exampleHost()), 'gw-demo-key-0001', () => gateway.close());
 * ```
 */
export function announceExample(name: string, server: Server, gatewayKey: string, cleanup: () => Promise<void>): void {
  const host = exampleHost();
  server.once('listening', () => {
    const address = server.address() as AddressInfo;
    const shown =
      address.address === '::' || address.address === '0.0.0.0'
        ? 'localhost'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
    const origin = `http://${shown}:${address.port}`;
    console.log(`\nswitchyard ${name} example on ${origin}`);
    if (isLoopback(host))
      console.log(
        `(listening on ${host} only: set HOST=0.0.0.0 to accept other machines, and GATEWAY_API_KEY to a key of your own)\n`,
      );
    else
      console.log(
        `(listening on ${host}: other machines can reach it${process.env.GATEWAY_API_KEY ? '' : '; set GATEWAY_API_KEY, the demo key is public'})\n`,
      );
    for (const line of clientInstructions(origin, gatewayKey)) console.log(`  ${line}`);
  });
  server.once('error', (error: NodeJS.ErrnoException) => {
    const port = (error as { port?: number }).port ?? process.env.PORT;
    if (error.code === 'EADDRINUSE')
      console.error(
        `switchyard: port ${port} on ${host} is already in use; set PORT=<another port> (or stop what is using it)`,
      );
    else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
      console.error(
        `switchyard: cannot listen on HOST=${host} (${error.code}); set HOST to an address of this machine`,
      );
    else console.error(`switchyard: cannot listen on ${host}:${port}: ${error.message}`);
    void cleanup().finally(() => process.exit(1));
  });
  process.once('SIGINT', () => {
    server.close();
    void cleanup();
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
