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
import { createGatewayRouteHandlers, type RouteHandler } from '../../../../../adapters/next.js';
import { exampleProviders } from '../../../../shared/providers.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const handlers = exampleProviders().then(({ providers }) =>
  createGatewayRouteHandlers({
    router: { providers },
    basePath: '/api',
    apiKeys: [{ key: process.env.GATEWAY_API_KEY ?? 'gw-demo-key-0001', id: 'key_demo', account: 'team_demo' }],
  }),
);

const forward = (method: 'GET' | 'POST' | 'OPTIONS'): RouteHandler => async (request) => (await handlers)[method](request);

export const GET = forward('GET');
export const POST = forward('POST');
export const OPTIONS = forward('OPTIONS');
