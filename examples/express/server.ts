/**
 * An Express app that is also an AI gateway: `app.use(createGatewayMiddleware(...))`. Runs against
 * the simulators when OPENAI_API_KEY / ANTHROPIC_API_KEY are not set.
 *
 *   npx tsx examples/express/server.ts        (PORT, GATEWAY_API_KEY optional)
 *
 * In your app: `import { createGatewayMiddleware } from 'switchyard/express'`.
 *
 * @module
 */
import express from 'express';
import { createGatewayMiddleware } from '../../adapters/express.js';
import { announceExample, exampleProviders } from '../shared/providers.js';

const port = Number(process.env.PORT ?? 3000);
const gatewayKey = process.env.GATEWAY_API_KEY ?? 'gw-demo-key-0001';
const { providers, close } = await exampleProviders();

const app = express();
app.get('/', (_request, response) => void response.type('text').send('Your app is here; the gateway answers under /v1, /v3/ai and /v4/ai.'));
const gateway = createGatewayMiddleware({
  router: { providers },
  apiKeys: [{ key: gatewayKey, id: 'key_demo', account: 'team_demo' }],
  cors: true,
});
app.use(gateway);

announceExample('Express', app.listen(port), gatewayKey, async () => {
  await gateway.close();
  await close();
});
