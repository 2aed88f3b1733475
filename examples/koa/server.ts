/**
 * A Koa app that is also an AI gateway: `app.use(createGatewayMiddleware(...))`. Runs against the
 * simulators when OPENAI_API_KEY / ANTHROPIC_API_KEY are not set.
 *
 *   npx tsx examples/koa/server.ts        (PORT, GATEWAY_API_KEY optional)
 *
 * In your app: `import { createGatewayMiddleware } from 'switchyard/koa'`.
 *
 * @module
 */
import Koa from 'koa';
import { createGatewayMiddleware } from '../../adapters/koa.js';
import { announceExample, exampleHost, exampleProviders } from '../shared/providers.js';

const port = Number(process.env.PORT ?? 3001);
const gatewayKey = process.env.GATEWAY_API_KEY ?? 'gw-demo-key-0001';
const { providers, close } = await exampleProviders();

const app = new Koa();
// The router's options at the top level: createGatewayMiddleware builds the gateway (see createGateway) and owns it.
const gateway = createGatewayMiddleware({
  providers,
  apiKeys: [{ key: gatewayKey, id: 'key_demo', account: 'team_demo' }],
});
app.use(gateway);
app.use((context) => {
  context.body = 'Your Koa app is here; the gateway answers under /v1, /v3/ai and /v4/ai.';
});

announceExample('Koa', app.listen(port, exampleHost()), gatewayKey, async () => {
  await gateway.close();
  await close();
});
