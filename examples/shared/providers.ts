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
import { PROVIDER_ENVIRONMENT, startSimulatedProviders, type SimulatedProviders } from '../../src/testing/simulated-providers.js';

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
  const gateway = await startSimulatedProviders({ environment: process.env, simulator: { behaviour: { timeToFirstTokenMs: 150, tokensPerSecond: 40 } } });
  for (const type of gateway.real) log(`${type}: real API (${PROVIDER_ENVIRONMENT[type].join(' + ')} set)`);
  for (const type of gateway.simulated) log(`${type}: simulator at ${gateway.simulators[type]?.baseURL} (set ${PROVIDER_ENVIRONMENT[type].join(' + ')} to use the real API)`);
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
    `AI SDK (ai 7):     createGateway({ baseURL: '${origin}/v4/ai', apiKey: '${key}' })`,
    `AI SDK (ai 6):     createGateway({ baseURL: '${origin}/v3/ai', apiKey: '${key}' })`,
    `curl:              curl ${origin}/v1/chat/completions -H 'authorization: Bearer ${key}' -H 'content-type: application/json' -d '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
  ];
}

/**
 * Prints how to reach an example server once it listens, and shuts everything down on Ctrl-C.
 *
 * @example
 * ```ts
 * announceExample('Express', app.listen(3000), 'gw-demo-key-0001', () => gateway.close());
 * ```
 */
export function announceExample(name: string, server: Server, gatewayKey: string, cleanup: () => Promise<void>): void {
  server.once('listening', () => {
    const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    console.log(`\nswitchyard ${name} example on ${origin}\n`);
    for (const line of clientInstructions(origin, gatewayKey)) console.log(`  ${line}`);
  });
  process.once('SIGINT', () => {
    server.close();
    void cleanup();
  });
}
