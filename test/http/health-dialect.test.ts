/**
 * `/healthz` and `/readyz` (the health dialect) mounted in a library gateway: public, 200 while the store
 * answers and an offering is available, 503 with the reason when the store is unreachable or every
 * configured offering's breaker is open.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createHealthDialect } from '../../src/http/dialects/health/health-dialect.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { freePort } from '../store/redis-server.js';
import { listen } from './gateway-fixture.js';

const VENDOR_KEY = 'sk-health-test-0123456789';

describe('health dialect', () => {
  let simulator: Simulator;
  let baseURL: string;
  const servers: Server[] = [];
  const gateways: Gateway[] = [];
  beforeAll(async () => {
    simulator = createOpenAISimulator();
    baseURL = `${await simulator.start()}/v1`;
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    for (const gateway of gateways) await gateway.close();
    await simulator.close();
  });

  async function serve(store: MemoryStore | RedisStore): Promise<{ origin: string; gateway: Gateway }> {
    const health = createHealthDialect({ store, storeTimeoutMs: 500 });
    const gateway = createGateway({
      providers: { openai: { apiKey: VENDOR_KEY, baseURL } },
      apiKeys: [{ key: 'gw-health-key-0001', id: 'k', account: 'a' }],
      dialects: ['openai', health],
      health: { consecutiveFailuresToOpen: 1 },
      logger: false,
    });
    gateways.push(gateway);
    const server = createServer((request, response) => gateway.handler.handleNode(request, response));
    servers.push(server);
    return { origin: await listen(server), gateway };
  }

  it('answers without a key: alive, ready; 503 naming every open breaker', async () => {
    const { origin, gateway } = await serve(new MemoryStore());
    const alive = await fetch(`${origin}/healthz`);
    assert.equal(alive.status, 200);
    assert.deepEqual(await alive.json(), { status: 'ok' });
    const ready = await fetch(`${origin}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; offerings: { available: number; configured: number } };
    assert.equal(body.status, 'ready');
    assert.ok(body.offerings.configured > 0);
    assert.equal(body.offerings.available, body.offerings.configured);

    for (const model of gateway.router.catalog.list()) {
      for (const offering of model.offerings) {
        if (offering.provider !== 'openai') continue;
        gateway.router.health.record('openai', offering.providerModelId, {
          success: false,
          latencyMs: 1,
          streamed: false,
        });
      }
    }
    const broken = await fetch(`${origin}/readyz`);
    assert.equal(broken.status, 503);
    const reasons = ((await broken.json()) as { reasons: string[] }).reasons;
    assert.match(reasons.join('\n'), /every configured offering \(\d+\) has its breaker open/);
    const stillAlive = await fetch(`${origin}/healthz`);
    assert.equal(stillAlive.status, 200);
    await stillAlive.text();
  });

  it('answers 503 when the store does not answer', async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, startTimeoutMs: 200 });
    try {
      const { origin } = await serve(store);
      const response = await fetch(`${origin}/readyz`);
      assert.equal(response.status, 503);
      const body = (await response.json()) as { status: string; store: string; reasons: string[] };
      assert.equal(body.status, 'not_ready');
      assert.equal(body.store, 'unreachable');
      assert.match(body.reasons[0], /^the store is unreachable: /);
    } finally {
      await store.close();
    }
  });
});
