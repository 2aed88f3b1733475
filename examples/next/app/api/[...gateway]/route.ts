/**
 * A Next.js App Router catch-all route that serves the gateway under /api:
 * OpenAI SDK `baseURL: 'http://localhost:3000/api/v1'`, Anthropic SDK `baseURL: 'http://localhost:3000/api'`,
 * `createGateway({ baseURL: 'http://localhost:3000/api/v4/ai' })`.
 *
 * In your app, import from the package instead of this repository:
 *   import { createGatewayRouteHandlers } from 'switchyard/next';
 * and build `providers` from your keys. Here, vendors without a key are simulated (see the README).
 *
 * @module
 */
import { createGatewayRouteHandlers } from '../../../../../adapters/next.js';
import { exampleProviders } from '../../../../shared/providers.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// A configuration function runs on the first request (not during `next build`): here it starts the
// simulators the example needs; in an app it may read secrets.
export const { GET, POST, OPTIONS } = createGatewayRouteHandlers(async () => ({
  providers: (await exampleProviders()).providers,
  basePath: '/api',
  apiKeys: [{ key: process.env.GATEWAY_API_KEY ?? 'gw-demo-key-0001', id: 'key_demo', account: 'team_demo' }],
}));
