/**
 * `npm start`: a working gateway in one command. Real providers for the credentials in your
 * environment, simulators for the rest; a short tour of routing, failover and usage events; then an
 * Express app serving the gateway over HTTP for the OpenAI SDK, the Anthropic SDK and the AI SDK.
 *
 *   npm start                 (PORT, HOST (default 127.0.0.1), GATEWAY_API_KEY optional; SKIP_TOUR=1 to go straight to serving)
 *
 * The dashboard is served at /dashboard: sign in with SWITCHYARD_ADMIN_KEY, or the key generated and printed at start.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import { createGatewayMiddleware } from '../adapters/express.js';
import { createGateway } from '../src/index.js';
import { logRouterEvents, runDemo } from './demo.js';
import { announceExample, exampleHost, exampleProviders } from './shared/providers.js';

const port = Number(process.env.PORT ?? 3000);
const gatewayKey = process.env.GATEWAY_API_KEY ?? 'gw-demo-key-0001';
const adminKey = process.env.SWITCHYARD_ADMIN_KEY ?? `adm-${randomBytes(18).toString('base64url')}`;

console.log('switchyard: starting providers');
const upstreams = await exampleProviders();
// One configuration: the router, the HTTP handler (and billing, when configured) are built and wired from it.
const gateway = createGateway({
  providers: upstreams.providers,
  retry: { maxRetries: 0 },
  apiKeys: [{ key: gatewayKey, id: 'key_demo', account: 'team_demo' }],
  cors: true,
  // The dashboard (for the admin key), with the request log and billing ($10 of free credits per account) to show.
  adminKeys: [{ key: adminKey, id: 'admin' }],
  dashboard: true,
  requestLog: true,
  billing: { freeAllocationNano: 10_000_000_000 },
});
logRouterEvents(gateway.router);
await gateway.ready(); // every SDK loaded before the first request: no cold start in the tour's latencies

if (!process.env.SKIP_TOUR) {
  // The tour runs at full speed; the served gateway keeps the simulators' human pace.
  for (const simulator of Object.values(upstreams.simulators))
    simulator?.configure({ timeToFirstTokenMs: 0, tokensPerSecond: 0 });
  await runDemo(gateway.router, upstreams);
  for (const simulator of Object.values(upstreams.simulators))
    simulator?.configure({ timeToFirstTokenMs: 150, tokensPerSecond: 40 });
}

const app = express();
app.get(
  '/',
  (_request, response) =>
    void response.type('text').send('Your app is here; the gateway answers under /v1, /v3/ai and /v4/ai.'),
);
app.use(createGatewayMiddleware(gateway));

const server = app.listen(port, exampleHost());
server.once('listening', () => {
  const { port: bound } = server.address() as { port: number };
  const host = exampleHost() === '0.0.0.0' || exampleHost() === '::' ? 'localhost' : exampleHost();
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  console.log(`\n  Dashboard: ${origin}/dashboard`);
  console.log(
    process.env.SWITCHYARD_ADMIN_KEY
      ? '  sign in with SWITCHYARD_ADMIN_KEY'
      : `  admin key (generated for this run; set SWITCHYARD_ADMIN_KEY to choose one): ${adminKey}`,
  );
});
announceExample('Express', server, gatewayKey, async () => {
  await gateway.close();
  await upstreams.close();
});
