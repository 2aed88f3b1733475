/**
 * The config `npm start` serves (`switchyard serve --config examples/switchyard.config.ts`): a real
 * provider for every vendor whose credentials are in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY,
 * ...), a local simulator for every other one, the public demo key `gw-demo-key-0001` (GATEWAY_API_KEY to
 * use your own), on 127.0.0.1:3000 (HOST, PORT). The tour of routing and failover is `npm run tour`.
 *
 * A module config may export a function (called on start and on every reload) and `dispose` (called once
 * `serve` has stopped). The simulators are started once per process and kept across reloads.
 */
import type { SwitchyardConfig } from '../src/cli/config-file.js';
import type { SimulatedProviders } from '../src/testing/simulated-providers.js';
import { exampleProviders } from './shared/providers.js';

const shared = globalThis as { switchyardExampleUpstreams?: Promise<SimulatedProviders> };

export default async function config(): Promise<SwitchyardConfig> {
  const first = shared.switchyardExampleUpstreams === undefined;
  shared.switchyardExampleUpstreams ??= exampleProviders((line) => console.log(`  ${line}`));
  const upstreams = await shared.switchyardExampleUpstreams;
  const gatewayKey = process.env.GATEWAY_API_KEY || 'gw-demo-key-0001';
  if (first && !process.env.GATEWAY_API_KEY)
    console.log(`  gateway API key: ${gatewayKey} (a public demo key: set GATEWAY_API_KEY to a key of your own)`);
  return {
    server: { port: Number(process.env.PORT ?? 3000), host: process.env.HOST || '127.0.0.1' },
    providers: upstreams.providers,
    retry: { maxRetries: 0 },
    apiKeys: [{ key: gatewayKey, id: 'key_demo', account: 'team_demo' }],
    cors: true,
  };
}

/** Stops the simulators once the gateway has stopped. */
export async function dispose(): Promise<void> {
  const upstreams = shared.switchyardExampleUpstreams;
  shared.switchyardExampleUpstreams = undefined;
  await (await upstreams)?.close();
}
