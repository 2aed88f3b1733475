// switchyard as Express middleware (createGatewayMiddleware) in a process of its own, for bench/peers.
// Usage: node switchyard-express.mjs SWITCHYARD_DIR PORT UPSTREAM_URL. Prints `listening http://127.0.0.1:PORT`.
// The build is the one in SWITCHYARD_DIR/dist; Express is this checkout's (the same for every build compared).
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import express from 'express';

const [directory, port, upstream] = process.argv.slice(2);
const dist = pathToFileURL(`${directory.replace(/\/$/, '')}/dist/`);
const { Router } = await import(new URL('index.js', dist).href);
const { createGatewayMiddleware } = await import(new URL('adapters/express.js', dist).href);

const router = new Router({
  providers: { openai: { type: 'openai', apiKey: 'sk-bench-peers-000000', baseURL: `${upstream}/v1` } },
});
router.on('usage', () => undefined);
const app = express();
app.use(
  createGatewayMiddleware({
    router,
    apiKeys: [{ key: 'gw-bench-peers-key-0001', id: 'bench', account: 'bench' }],
    logger: false,
  }),
);
const server = createServer(app);
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
