/**
 * An Express app that is also an AI gateway: `app.use(createGatewayMiddleware(...))`. Runs against
 * the simulators when OPENAI_API_KEY / ANTHROPIC_API_KEY are not set.
 *
 *   npx tsx examples/express/server.ts                      (PORT, GATEWAY_API_KEY optional)
 *   GATEWAY_IN_FRONT=1 npx tsx examples/express/server.ts   the gateway in front of the app instead
 *
 * In your app: `import { createGatewayMiddleware } from 'switchyard/express'`. In front of the app (a
 * `node:http` listener that serves the gateway's paths and hands the rest to Express) the gateway
 * costs about a third less CPU per request on Node 20; see the README.
 *
 * @module
 */
import { createServer } from 'node:http';
import express from 'express';
import { createGatewayMiddleware } from '../../adapters/express.js';
import { createGateway } from '../../src/gateway.js';
import { announceExample, exampleHost, exampleProviders } from '../shared/providers.js';

const port = Number(process.env.PORT ?? 3000);
const gatewayKey = process.env.GATEWAY_API_KEY ?? 'gw-demo-key-0001';
const { providers, close } = await exampleProviders();

const app = express();
app.get(
  '/',
  (_request, response) =>
    void response.type('text').send('Your app is here; the gateway answers under /v1, /v3/ai and /v4/ai.'),
);
const gateway = createGateway({
  providers,
  apiKeys: [{ key: gatewayKey, id: 'key_demo', account: 'team_demo' }],
  cors: true,
});

if (process.env.GATEWAY_IN_FRONT === '1') {
  const { handler } = gateway;
  const server = createServer(
    (request, response) => void (handler.handleNode(request, response) || app(request, response)),
  );
  announceExample('Express (gateway in front)', server.listen(port, exampleHost()), gatewayKey, async () => {
    await gateway.close();
    await close();
  });
} else {
  app.use(createGatewayMiddleware(gateway));
  announceExample('Express', app.listen(port, exampleHost()), gatewayKey, async () => {
    await gateway.close();
    await close();
  });
}
