/**
 * `DELETE /v1/cache`: an admin clears the router's exact and semantic caches over HTTP (Express), by account and
 * model; a gateway API key cannot.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import express from 'express';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../adapters/express.js';
import type { CacheEvent } from '../../src/core/events.js';
import { responseCache } from '../../src/middleware/cache/response-cache.js';
import { semanticCache } from '../../src/middleware/cache/semantic-cache.js';
import { Router } from '../../src/router/router.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { OPENAI_KEY } from '../helpers/router-fixture.js';
import { waitFor } from '../helpers/wait-for.js';
import { closeServer, GATEWAY_KEY, listen } from './gateway-fixture.js';

const ADMIN_KEY = 'adm-cache-test-0123456789';

describe('DELETE /v1/cache', () => {
  let openai: Simulator;
  let origin: string;
  let client: OpenAI;
  let close: () => Promise<void>;
  const stored: CacheEvent[] = [];

  beforeAll(async () => {
    openai = createOpenAISimulator();
    const url = await openai.start();
    const router = new Router({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${url}/v1` } },
      retry: { maxRetries: 0 },
      middleware: [
        responseCache(),
        semanticCache({ embed: async (text) => [text.length, 1, text.includes('?') ? 1 : 0], threshold: 0.99 }),
      ],
    });
    router.on('cache', (event) => void (event.outcome === 'store' && stored.push(event)));
    const app = express();
    const gateway = createGatewayMiddleware({
      router,
      apiKeys: [{ key: GATEWAY_KEY, id: 'key_1', account: 'team_http' }],
      adminKeys: [ADMIN_KEY],
      logger: false,
    });
    app.use(gateway);
    const server = createServer(app);
    origin = await listen(server);
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
    close = async () => {
      await closeServer(server);
      await gateway.close();
      await router.close();
      await openai.close();
    };
  });
  afterAll(async () => close?.());

  const clear = (query: string, key: string) =>
    fetch(`${origin}/v1/cache${query}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });

  it('clears both caches for an admin, by account; refuses a gateway key and an unknown parameter', async () => {
    const body = { model: 'openai/gpt-4o', messages: [{ role: 'user' as const, content: 'clear me?' }] };
    await client.chat.completions.create(body);
    await waitFor(() => stored.length >= 2);
    const hit = await client.chat.completions.create(body).withResponse();
    assert.equal(hit.response.headers.get('x-gateway-cache'), 'hit');

    const refused = await clear('', GATEWAY_KEY);
    assert.equal(refused.status, 401);
    const unknown = await clear('?acount=team_http', ADMIN_KEY);
    assert.equal(unknown.status, 400);
    assert.match(
      ((await unknown.json()) as { error: { message: string } }).error.message,
      /Unknown query parameter 'acount'/,
    );

    const other = await clear('?account=team_other', ADMIN_KEY);
    assert.deepEqual(await other.json(), { deleted: { 'response-cache': 0, 'semantic-cache': 0 } });
    const cleared = await clear('?account=team_http&model=openai/gpt-4o', ADMIN_KEY);
    assert.equal(cleared.status, 200);
    assert.deepEqual(await cleared.json(), { deleted: { 'response-cache': 1, 'semantic-cache': 1 } });
    const after = await client.chat.completions.create(body).withResponse();
    assert.equal(after.response.headers.get('x-gateway-cache'), 'miss');
    assert.equal(openai.requests.length, 2);
  });
});
