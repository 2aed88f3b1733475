import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import express from 'express';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../adapters/express.js';
import { createGateway } from '../../src/gateway.js';
import { configProblems, validateGatewayConfig } from '../../src/gateway-config.js';
import { MemoryKeyValueStore } from '../../src/store/memory-key-value-store.js';
import { createAnthropicSimulator } from '../../src/testing/anthropic-simulator.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { ANTHROPIC_KEY, OPENAI_KEY } from '../helpers/router-fixture.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from '../store/redis-server.js';
import { GATEWAY_KEY, closeServer, listen, send, startGateway, type Gateway } from './gateway-fixture.js';

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('Responses API store: TTL, store: false, configuration', () => {
  let now = 1_000_000;
  let gateway: Gateway;
  let client: OpenAI;
  beforeAll(async () => {
    gateway = await startGateway({ responses: { store: new MemoryKeyValueStore({ now: () => now }), ttlMs: 60_000 } });
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('a stored response can be continued until its TTL has passed, not after', async () => {
    const first = await client.responses.create({ model: 'openai/gpt-4o', input: 'Remember this' });
    now += 59_000;
    const second = await client.responses.create({
      model: 'openai/gpt-4o',
      previous_response_id: first.id,
      input: 'And?',
    });
    assert.equal(second.status, 'completed');
    now += 2_000;
    const expired = await failure(
      client.responses.create({ model: 'openai/gpt-4o', previous_response_id: first.id, input: 'Still there?' }),
    );
    assert.ok(expired instanceof OpenAI.BadRequestError, String(expired));
    assert.match(expired.message, /not found/);
  });

  it('with responses.store false nothing is kept and previous_response_id says why it is refused', async () => {
    const unstored = await startGateway({ responses: { store: false } });
    try {
      const other = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${unstored.origin}/v1`, maxRetries: 0 });
      const answer = await other.responses.create({ model: 'openai/gpt-4o', input: 'Hi' });
      assert.equal((await send(unstored.origin, `/v1/responses/${answer.id}`)).status, 404);
      const refused = await failure(
        other.responses.create({ model: 'openai/gpt-4o', previous_response_id: answer.id, input: 'Again' }),
      );
      assert.ok(refused instanceof OpenAI.BadRequestError, String(refused));
      assert.match(refused.message, /keeps no responses/);
    } finally {
      await unstored.close();
    }
  });

  it('validates the responses configuration of createGateway', () => {
    const problems = configProblems(
      (() => {
        try {
          validateGatewayConfig({ responses: { ttlMs: '1d', store: 'redis', maxEntrys: 3 } } as never);
        } catch (error) {
          return error;
        }
      })(),
    );
    const paths = problems
      .map((problem) => problem.path)
      .filter((path) => path.startsWith('responses'))
      .sort();
    assert.deepEqual(paths, ['responses.maxEntrys', 'responses.store', 'responses.ttlMs']);
  });
});

describe(`Responses API over a shared Redis store: a conversation continues on another instance${REDIS_SKIP_NOTE}`, {
  skip: Boolean(REDIS_SKIP),
}, () => {
  let redis: TestRedisServer;
  let openai: Simulator;
  let anthropic: Simulator;
  const servers: Server[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    openai = createOpenAISimulator();
    anthropic = createAnthropicSimulator();
    await Promise.all([openai.start(), anthropic.start()]);
  });
  afterAll(async () => {
    for (const server of servers) await closeServer(server);
    await Promise.all([openai.close(), anthropic.close(), redis?.stop()]);
  });

  it('createGateway with store: { redis } keeps responses there: created on one gateway, continued and read on the other', async () => {
    const config = {
      providers: {
        openai: { apiKey: OPENAI_KEY, baseURL: `${openai.baseURL}/v1` },
        anthropic: { apiKey: ANTHROPIC_KEY, baseURL: anthropic.baseURL },
      },
      apiKeys: [{ key: GATEWAY_KEY, id: 'key_shared', account: 'team_shared' }],
      store: { redis: { url: redis.url, prefix: `responses-test-${Date.now()}:` } },
      logger: false as const,
    };
    const gateways = [createGateway(config), createGateway(config)];
    try {
      const origins: string[] = [];
      for (const gateway of gateways) {
        await gateway.ready();
        const app = express();
        app.use(createGatewayMiddleware(gateway));
        const server = createServer(app);
        servers.push(server);
        origins.push(await listen(server));
      }
      const [one, two] = origins.map(
        (origin) => new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 }),
      );
      const first = await one.responses.create({ model: 'anthropic/claude-sonnet-4', input: 'My name is Ada' });
      const second = await two.responses
        .stream({ model: 'openai/gpt-4o', previous_response_id: first.id, input: 'What is my name?' })
        .finalResponse();
      const upstream = openai.requests.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
      assert.deepEqual(
        upstream.messages.map((message) => message.role),
        ['user', 'assistant', 'user'],
      );
      assert.equal((await one.responses.retrieve(second.id)).id, second.id);
      const keys = String(await redis.command('KEYS', '*responses*'));
      assert.ok(keys.includes(first.id) && keys.includes(second.id), keys);
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.close()));
    }
  });
});
