/**
 * The request log from the gateway's one configuration: validated with precise problems, in memory by
 * default, in Redis when the gateway's store is Redis (two gateways see each other's requests at /v1/logs).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { createGateway, type Gateway } from '../../../src/gateway.js';
import { configProblems, validateGatewayConfig, type ConfigProblem } from '../../../src/gateway-config.js';
import { MemoryRequestLogStore } from '../../../src/middleware/request-log/memory-request-log-store.js';
import { RedisRequestLogStore } from '../../../src/middleware/request-log/redis-request-log-store.js';
import type { RequestLogRecord } from '../../../src/middleware/request-log/request-log-record.js';
import { createOpenAISimulator } from '../../../src/testing/openai-simulator.js';
import type { Simulator } from '../../../src/testing/simulator-server.js';
import { OPENAI_KEY } from '../../helpers/router-fixture.js';
import { closeServer, listen } from '../../http/gateway-fixture.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from '../../store/redis-server.js';

const ADMIN_KEY = 'adm-gateway-log-0123456789';
const GATEWAY_KEY = 'gw-gateway-log-0001';

function problemsOf(data: unknown): ConfigProblem[] {
  try {
    validateGatewayConfig(data);
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return configProblems(error);
  }
  return assert.fail('the configuration was accepted');
}

describe('requestLog in the gateway config', () => {
  const providers = { openai: { apiKey: 'sk-test-0123456789' } };

  it('accepts true, false and the options', () => {
    for (const requestLog of [true, false, { size: 10, ttlSeconds: 60, maxRecords: 100, logContent: true }])
      validateGatewayConfig({ providers, requestLog });
    validateGatewayConfig({ providers, requestLog: { store: 'memory' } });
    validateGatewayConfig({ router: { providers, requestLog: true } });
  });

  it('reports each bad option with its path and what was expected', () => {
    const problems = problemsOf({
      providers,
      requestLog: { size: 0, ttlSeconds: '1h', maxRecords: 1.5, logContent: 'yes', store: 'redis', sise: 3 },
    });
    const at = (path: string) => problems.find((problem) => problem.path === path);
    assert.match(at('requestLog.size')?.expected ?? '', /positive integer/);
    assert.match(at('requestLog.ttlSeconds')?.expected ?? '', /positive integer \(seconds\)/);
    assert.match(at('requestLog.maxRecords')?.expected ?? '', /positive integer/);
    assert.match(at('requestLog.logContent')?.expected ?? '', /true or false/);
    assert.match(at('requestLog.store')?.expected ?? '', /'memory', or \(in code\) a RedisStore/);
    assert.match(at('requestLog.sise')?.expected ?? '', /did you mean `size`/);
    assert.match(problemsOf({ providers, requestLog: 'on' })[0].expected, /true, or \{/);
  });

  it('keeps the log in memory without a Redis store, and has none unless configured', async () => {
    const off = createGateway({ providers, preload: false, logger: false });
    const on = createGateway({ providers, preload: false, logger: false, requestLog: { size: 5 }, store: 'memory' });
    try {
      assert.equal(off.router.logs, undefined);
      assert.ok(on.router.logs);
      const store = (on.router.logs as unknown as { store: unknown }).store;
      assert.ok(store instanceof MemoryRequestLogStore);
      assert.equal(store.size, 5);
    } finally {
      await Promise.all([off.close(), on.close()]);
    }
  });
});

describe(`requestLog with the gateway's store on Redis${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  let redis: TestRedisServer;
  let simulator: Simulator;
  let openaiURL: string;
  beforeAll(async () => {
    [redis, simulator] = await Promise.all([startRedisServer(), createOpenAISimulator()]);
    openaiURL = await simulator.start();
  });
  afterAll(async () => {
    await simulator.close();
    await redis.stop();
  });

  it('two gateways on one Redis see each other’s requests at GET /v1/logs', async () => {
    const config = {
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` } },
      apiKeys: [{ key: GATEWAY_KEY, id: 'key_shared', account: 'team_shared' }],
      adminKeys: [ADMIN_KEY],
      store: { redis: { url: redis.url, prefix: `log-gateway-${Date.now()}:` } },
      requestLog: { maxRecords: 100, ttlSeconds: 3600 },
      logger: false as const,
    };
    const gateways: Gateway[] = [createGateway(config), createGateway(config)];
    const servers: Server[] = gateways.map((gateway) =>
      createServer((request, response) => {
        if (!gateway.handler.handleNode(request, response)) response.writeHead(404).end();
      }),
    );
    try {
      await Promise.all(gateways.map((gateway) => gateway.ready()));
      const store = (gateways[0].router.logs as unknown as { store: unknown }).store;
      assert.ok(store instanceof RedisRequestLogStore, 'the log is on Redis');
      const origins = await Promise.all(servers.map((server) => listen(server)));
      const ids: string[] = [];
      for (const [index, origin] of origins.entries()) {
        const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
        const { response } = await client.chat.completions
          .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `from ${index}` }] })
          .withResponse();
        ids.push(response.headers.get('x-gateway-generation-id') ?? '');
      }
      for (const origin of origins) {
        let data: RequestLogRecord[] = [];
        const deadline = Date.now() + 30_000;
        while (data.length < 2 && Date.now() < deadline) {
          const response = await fetch(`${origin}/v1/logs`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
          assert.equal(response.status, 200);
          data = ((await response.json()) as { data: RequestLogRecord[] }).data;
          if (data.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.deepEqual(
          data.map((record) => record.generationId),
          [...ids].reverse(),
        );
        assert.ok(data.every((record) => record.account === 'team_shared' && record.apiKeyId === 'key_shared'));
      }
    } finally {
      await Promise.all(servers.map((server) => closeServer(server)));
      await Promise.all(gateways.map((gateway) => gateway.close()));
    }
  });
});
