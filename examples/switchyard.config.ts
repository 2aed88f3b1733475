/**
 * The config `npm start` serves (`switchyard serve --config examples/switchyard.config.ts`): a real
 * provider for every vendor whose credentials are in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY,
 * ...), a local simulator for every other one, the public demo key `gw-demo-key-0001` (GATEWAY_API_KEY to
 * use your own), on 127.0.0.1:3000 (HOST, PORT). The tour of routing and failover is `npm run tour`.
 *
 * A module config may export a function (called on start and on every reload) and `dispose` (called once
 * `serve` has stopped). The simulators are started once per process and kept across reloads.
 */
import { randomBytes } from 'node:crypto';
import type { SwitchyardConfig } from '../src/cli/config-file.js';
import type { SimulatedProviders } from '../src/testing/simulated-providers.js';
import { exampleProviders } from './shared/providers.js';

const shared = globalThis as { switchyardExampleUpstreams?: Promise<SimulatedProviders>; switchyardAdminKey?: string };

export default async function config(): Promise<SwitchyardConfig> {
  const first = shared.switchyardExampleUpstreams === undefined;
  shared.switchyardExampleUpstreams ??= exampleProviders((line) => console.log(`  ${line}`));
  const upstreams = await shared.switchyardExampleUpstreams;
  const gatewayKey = process.env.GATEWAY_API_KEY || 'gw-demo-key-0001';
  if (first && !process.env.GATEWAY_API_KEY)
    console.log(`  gateway API key: ${gatewayKey} (a public demo key: set GATEWAY_API_KEY to a key of your own)`);
  // The dashboard's admin key: SWITCHYARD_ADMIN_KEY, or one made once per process (kept across reloads).
  shared.switchyardAdminKey ??= process.env.SWITCHYARD_ADMIN_KEY || `adm-${randomBytes(18).toString('base64url')}`;
  if (first)
    console.log(
      process.env.SWITCHYARD_ADMIN_KEY
        ? '  admin key: SWITCHYARD_ADMIN_KEY (sign in to /dashboard with it)'
        : `  admin key (generated for this run; set SWITCHYARD_ADMIN_KEY to choose one): ${shared.switchyardAdminKey}`,
    );
  return {
    server: { port: Number(process.env.PORT ?? 3000), host: process.env.HOST || '127.0.0.1' },
    providers: upstreams.providers,
    retry: { maxRetries: 0 },
    apiKeys: [{ key: gatewayKey, id: 'key_demo', account: 'team_demo' }],
    adminKeys: [{ key: shared.switchyardAdminKey, id: 'admin' }],
    cors: true,
    // The dashboard, with the request log and billing ($10 of free credits per account) for it to show.
    dashboard: true,
    requestLog: true,
    billing: { freeAllocationNano: 10_000_000_000 },
    metrics: true,
  };
}

/** Stops the simulators once the gateway has stopped. */
export async function dispose(): Promise<void> {
  const upstreams = shared.switchyardExampleUpstreams;
  shared.switchyardExampleUpstreams = undefined;
  await (await upstreams)?.close();
}
