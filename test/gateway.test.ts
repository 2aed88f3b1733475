/**
 * createGateway(config): one configuration, validated before anything starts (every problem with its
 * path, what was expected and what was found), and billing wired once — its hook (credits refused before
 * any attempt), its events (through the router) and its endpoints (`/v1/credits`) — tried over HTTP
 * through Express with the real `openai` SDK against the simulators.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import express from 'express';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../adapters/express.js';
import { createBilling } from '../src/billing/billing.js';
import type { UsageRecord } from '../src/billing/usage-record.js';
import type { RouterEvents, UsageEvent } from '../src/core/events.js';
import { GatewayError } from '../src/core/errors.js';
import { createGateway, type Gateway } from '../src/gateway.js';
import { configProblems, validateGatewayConfig, type ConfigProblem } from '../src/gateway-config.js';
import { Router } from '../src/router/router.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { createAnthropicSimulator } from '../src/testing/anthropic-simulator.js';
import { createOpenAISimulator } from '../src/testing/openai-simulator.js';
import type { Simulator } from '../src/testing/simulator-server.js';
import { ANTHROPIC_KEY, OPENAI_KEY, TEST_MODEL } from './helpers/router-fixture.js';
import { waitFor } from './helpers/wait-for.js';
import { closeServer, listen } from './http/gateway-fixture.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from './store/redis-server.js';

const RICH_KEY = 'gw-gateway-test-rich-0001';
const POOR_KEY = 'gw-gateway-test-poor-0002';
const DOLLAR = 1_000_000_000;

function problemsOf(data: unknown): ConfigProblem[] {
  try {
    validateGatewayConfig(data);
  } catch (error) {
    assert.ok(error instanceof GatewayError, `a GatewayError, got ${String(error)}`);
    assert.equal(error.code, 'config_invalid');
    return configProblems(error);
  }
  assert.fail('the configuration was accepted');
}

function problemAt(problems: ConfigProblem[], path: string): ConfigProblem {
  const found = problems.find((problem) => problem.path === path);
  assert.ok(
    found,
    `a problem at ${path}; got:\n${problems.map((p) => `${p.path}: ${p.expected} / ${p.found}`).join('\n')}`,
  );
  return found;
}

describe('validateGatewayConfig', () => {
  it('accepts the first config a new user types, and a whole file-shaped config', () => {
    validateGatewayConfig({ providers: { openai: { apiKey: 'sk-anything-at-all' } } });
    validateGatewayConfig({
      providers: {
        openai: { apiKey: 'sk-x-0123456789' },
        'anthropic-eu': { type: 'anthropic', apiKey: 'k', baseURL: 'https://eu.example/v1' },
      },
      catalog: { models: [TEST_MODEL] },
      strategy: { name: 'ordered', providers: ['anthropic-eu', 'openai'] },
      retry: { maxRetries: 2, initialDelayMs: 100 },
      attemptTimeoutMs: 30_000,
      apiKeys: [{ key: RICH_KEY, id: 'key_1', account: 'team_a', models: ['openai/*'] }],
      basePath: '/ai',
      cors: { origin: ['https://app.example'] },
      dialects: ['openai', 'ai-gateway'],
      billing: {
        freeAllocationNano: DOLLAR,
        budgets: [{ accountId: '*', scope: 'user', target: '*', period: 'day', hardLimitNano: 5 * DOLLAR }],
        rateLimits: { requestsPerMinute: 60 },
        onStoreFailure: 'fail-open',
      },
      store: { redis: { url: 'redis://127.0.0.1:6379', prefix: 'gw:' } },
    });
  });

  it('reports every problem at once, each with its path, what was expected and what was found', () => {
    const problems = problemsOf({
      providers: {
        openai: { apiKey: 42, timeoutMs: '30s' },
        myproxy: { apiKey: 'sk-proxy-0123456789' },
        anthropic: { type: 'anthropicc' },
      },
      catalog: {
        models: [
          {
            id: 'acme/small',
            offerings: [{ provider: 'openai', providerModelId: 'small', pricing: { input: 0.15, output: '0.60' } }],
          },
        ],
      },
      strategy: 'ordered',
      apiKeys: [
        { key: 'short', id: 'k1', account: 'team_a' },
        { key: RICH_KEY, id: 'k1' },
      ],
      billing: {
        freeAllocationNano: 0.5,
        budgets: [{ accountId: 'team_a', scope: 'user', period: 'week', hardLimitNano: 10 }],
        rateLimits: { requestsPerMinute: 0 },
      },
      store: { redis: { url: 'http://localhost:6379' } },
      stratgy: 'ordered',
    });
    assert.match(problemAt(problems, 'providers.openai.apiKey').expected, /string/);
    assert.equal(problemAt(problems, 'providers.openai.apiKey').found, 'a number', 'a secret is never echoed');
    assert.deepEqual(problemAt(problems, 'providers.openai.timeoutMs'), {
      path: 'providers.openai.timeoutMs',
      expected: 'a positive integer (milliseconds)',
      found: '"30s"',
    });
    assert.match(
      problemAt(problems, 'providers.myproxy.type').expected,
      /'myproxy' is not one, so the instance needs a `type`/,
    );
    assert.equal(problemAt(problems, 'providers.myproxy.type').found, 'nothing');
    assert.match(problemAt(problems, 'providers.anthropic.type').expected, /one of 'openai', 'anthropic'/);
    assert.equal(problemAt(problems, 'providers.anthropic.type').found, '"anthropicc"');
    assert.match(problemAt(problems, 'catalog.models[0].offerings[0].pricing.input').expected, /decimal string/);
    assert.equal(problemAt(problems, 'catalog.models[0].offerings[0].pricing.input').found, 'number 0.15');
    assert.match(problemAt(problems, 'strategy').expected, /"providers"/);
    assert.equal(problemAt(problems, 'apiKeys[0].key').found, 'a string of 5 characters');
    assert.match(problemAt(problems, 'apiKeys[1].id').found, /apiKeys\[0\]/);
    assert.equal(problemAt(problems, 'apiKeys[1].account').found, 'nothing');
    assert.equal(problemAt(problems, 'billing.freeAllocationNano').found, 'number 0.5');
    assert.match(problemAt(problems, 'billing.budgets[0].target').expected, /target/);
    assert.match(problemAt(problems, 'billing.rateLimits.requestsPerMinute').expected, /positive integer/);
    assert.match(problemAt(problems, 'store.redis.url').expected, /redis:\/\//);
    assert.match(problemAt(problems, 'stratgy').expected, /did you mean `strategy`/);
  });

  it('says so when there is nothing to serve, or when both `router` and top-level router options are given', () => {
    assert.match(problemAt(problemsOf({}), 'providers').expected, /"openai": \{ "apiKey"/);
    assert.match(problemAt(problemsOf({ providers: {} }), 'providers').expected, /at least one provider/);
    assert.equal(problemsOf(null)[0].path, '(the config)');
    const both = problemsOf({ providers: { openai: {} }, router: { providers: { openai: {} } } });
    assert.match(problemAt(both, 'router').expected, /not both/);
  });

  it('refuses billing options beside a ready Router: billing can only be wired into a router the gateway builds', () => {
    const router = new Router({ providers: { openai: { apiKey: OPENAI_KEY } }, preload: false });
    assert.match(
      problemAt(problemsOf({ router, billing: { freeAllocationNano: 1 } }), 'billing').expected,
      /pass the router's configuration/,
    );
    assert.match(problemAt(problemsOf({ router, billing: true }), 'billing').expected, /ready `Router`/);
  });

  it('the error message lists the problems, one per line, without secrets', () => {
    assert.throws(
      () =>
        createGateway({ providers: { openai: { apiKey: '' } }, apiKeys: [{ key: 'sk-shrt', id: 'k', account: 'a' }] }),
      (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(
          error.message,
          'Invalid gateway configuration (2 problems):\n' +
            '  providers.openai.apiKey — expected a non-empty string, found an empty string\n' +
            '  apiKeys[0].key — expected a string of at least 8 characters, found a string of 7 characters',
        );
        return true;
      },
    );
  });
});

describe('createGateway over HTTP (Express, the openai SDK, the simulators)', () => {
  let openai: Simulator;
  let anthropic: Simulator;
  let openaiURL: string;
  let anthropicURL: string;
  beforeAll(async () => {
    openai = createOpenAISimulator();
    anthropic = createAnthropicSimulator();
    [openaiURL, anthropicURL] = await Promise.all([openai.start(), anthropic.start()]);
  });
  afterAll(() => Promise.all([openai.close(), anthropic.close()]));
  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  async function serve(middleware: express.RequestHandler): Promise<{ origin: string; server: Server }> {
    const app = express();
    app.use(middleware);
    const server = createServer(app);
    return { origin: await listen(server), server };
  }

  it('the first config a new user types just works: createGatewayMiddleware({ providers: { openai: { apiKey } } })', async () => {
    const middleware = createGatewayMiddleware({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` } },
      logger: false,
    });
    const { origin, server } = await serve(middleware);
    try {
      const client = new OpenAI({ apiKey: 'anything: auth is off', baseURL: `${origin}/v1`, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'first try' }],
      });
      assert.equal(completion.choices[0].message.content, 'You said: first try');
    } finally {
      await closeServer(server);
      await middleware.close();
    }
  });

  describe('billing wired once', () => {
    let gateway: Gateway;
    let origin: string;
    let server: Server;
    const usage: UsageEvent[] = [];
    const records: UsageRecord[] = [];
    const budgets: RouterEvents['budget'][0][] = [];

    beforeAll(async () => {
      gateway = createGateway({
        providers: {
          openai: { apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` },
          anthropic: { apiKey: ANTHROPIC_KEY, baseURL: anthropicURL },
        },
        catalog: { models: [TEST_MODEL] },
        strategy: { name: 'ordered', providers: ['openai', 'anthropic'] },
        retry: { maxRetries: 0 },
        apiKeys: [
          { key: RICH_KEY, id: 'key_rich', account: 'team_rich' },
          { key: POOR_KEY, id: 'key_poor', account: 'team_poor' },
        ],
        billing: {
          budgets: [{ accountId: '*', scope: 'account', period: 'day', softLimitNano: 1 }],
          onUsageRecord: (record) => void records.push(record),
        },
        logger: false,
      });
      gateway.router.on('usage', (event) => void usage.push(event));
      gateway.router.on('budget', (event) => void budgets.push(event));
      await gateway.ready();
      await gateway.billing?.topUp('team_rich', DOLLAR, { idempotencyKey: 'gateway-test-topup' });
      ({ origin, server } = await serve(createGatewayMiddleware(gateway)));
    });
    afterAll(async () => {
      await closeServer(server);
      await gateway.close();
    });

    it('refuses an account without credits before any attempt (the hook is in the router)', async () => {
      const client = new OpenAI({ apiKey: POOR_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
      await assert.rejects(
        client.chat.completions.create({ model: 'test/echo', messages: [{ role: 'user', content: 'no money' }] }),
        (error: unknown) =>
          error instanceof OpenAI.APIError && error.status === 402 && /Insufficient credits/.test(error.message),
      );
      assert.equal(openai.requests.length + anthropic.requests.length, 0, 'no vendor was called');
    });

    it('settles each billable attempt exactly once, across a failover and a stream; the balance is the sum', async () => {
      usage.length = 0;
      records.length = 0;
      const before = await gateway.billing!.getBalance('team_rich');
      openai.script({ type: 'status', status: 503 }); // the first attempt fails: the request fails over to anthropic
      const client = new OpenAI({ apiKey: RICH_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'test/echo',
        max_tokens: 30,
        messages: [{ role: 'user', content: 'fail over' }],
      });
      assert.equal(completion.choices[0].message.content, 'You said: fail over');
      const stream = await client.chat.completions.create({
        model: 'test/echo',
        max_tokens: 30,
        stream: true,
        messages: [{ role: 'user', content: 'stream it' }],
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'You said: stream it');

      await waitFor(() => usage.length === 2 && records.length === 2);
      assert.deepEqual(
        usage.map((event) => event.provider),
        ['anthropic', 'openai'],
        'the failed attempt was not billable; each served one was',
      );
      const settled = records.map((record) => `${record.generationId}:${record.provider}`);
      assert.equal(new Set(settled).size, settled.length, 'no attempt settled twice');
      const after = await gateway.billing!.getBalance('team_rich');
      const charged = usage.reduce((sum, event) => sum + event.cost.total, 0);
      assert.ok(charged > 0);
      assert.equal(before.balanceNano - after.balanceNano, charged, 'the ledger moved by exactly the usage, once');
      assert.equal(after.reservedNano, 0, 'no hold left over');
    });

    it('sends billing events through the router, and serves /v1/credits from the same ledger', async () => {
      await waitFor(() => budgets.some((event) => event.accountId === 'team_rich'));
      const response = await fetch(`${origin}/v1/credits`, { headers: { authorization: `Bearer ${RICH_KEY}` } });
      assert.equal(response.status, 200);
      const credits = (await response.json()) as { balance: string; total_used: string };
      const balance = await gateway.billing!.getBalance('team_rich');
      assert.equal(Math.round(Number(credits.balance) * DOLLAR), balance.balanceNano);
    });
  });

  it('a Billing passed in code whose hook is also in `hooks` is wired once: one charge, one request counted', async () => {
    const records: UsageRecord[] = [];
    const billing = createBilling({
      freeAllocationNano: DOLLAR,
      rateLimits: { requestsPerMinute: 2 },
      onUsageRecord: (record) => void records.push(record),
    });
    const gateway = createGateway({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` } },
      billing,
      hooks: [billing.hook],
      apiKeys: [{ key: RICH_KEY, id: 'key_rich', account: 'team_once' }],
      logger: false,
    });
    const usage: UsageEvent[] = [];
    gateway.router.on('usage', (event) => void usage.push(event));
    const { origin, server } = await serve(createGatewayMiddleware(gateway));
    try {
      const client = new OpenAI({ apiKey: RICH_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
      await client.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'once' }],
      });
      await waitFor(() => usage.length === 1 && records.length === 1);
      const balance = await billing.getBalance('team_once');
      assert.equal(balance.totalUsedNano, usage[0].cost.total);
      assert.equal(balance.reservedNano, 0);
      assert.equal(records.length, 1);
      // Two requests a minute: the second is served (a hook wired twice would have counted the first one twice)...
      await client.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'twice' }],
      });
      // ...and the third is refused.
      await assert.rejects(
        client.chat.completions.create({
          model: 'openai/gpt-4o-mini',
          max_tokens: 20,
          messages: [{ role: 'user', content: 'thrice' }],
        }),
        (error: unknown) => error instanceof OpenAI.APIError && error.status === 429,
      );
    } finally {
      await closeServer(server);
      await gateway.close();
      await billing.close();
    }
  });

  it('`cache` in the config builds the exact and semantic caches; a cache beside a Router instance is refused', async () => {
    const gateway = createGateway({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` } },
      cache: { ttlSeconds: 600, semantic: { embeddingModel: 'openai/text-embedding-3-small', threshold: 0.999 } },
      apiKeys: [{ key: RICH_KEY, id: 'key_cache', account: 'team_cache' }],
      adminKeys: ['adm-gateway-cache-0123456789'],
      logger: false,
    });
    const stored: string[] = [];
    gateway.router.on('cache', (event) => void (event.outcome === 'store' && stored.push(event.kind)));
    const { origin, server } = await serve(createGatewayMiddleware(gateway));
    try {
      const client = new OpenAI({ apiKey: RICH_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
      const ask = (content: string) =>
        client.chat.completions
          .create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content }] })
          .withResponse();
      assert.equal((await ask('Same words')).response.headers.get('x-gateway-cache'), 'miss');
      await waitFor(() => stored.includes('exact') && stored.includes('semantic'));
      assert.equal((await ask('Same words')).response.headers.get('x-gateway-cache'), 'hit');
      assert.deepEqual(
        gateway.router.middleware.map((middleware) => middleware.name),
        ['response-cache', 'semantic-cache'],
      );
      const cleared = await fetch(`${origin}/v1/cache`, {
        method: 'DELETE',
        headers: { authorization: 'Bearer adm-gateway-cache-0123456789' },
      });
      // The exact cache holds the answer and the semantic cache's embedding of the question (an embed call).
      assert.deepEqual(await cleared.json(), { deleted: { 'response-cache': 2, 'semantic-cache': 1 } });
    } finally {
      await closeServer(server);
      await gateway.close();
    }
    assert.deepEqual(
      problemsOf({ providers: { openai: {} }, cache: { ttlSeconds: -1, semantic: { threshold: 2 } } }).map(
        (problem) => problem.path,
      ),
      ['cache.ttlSeconds', 'cache.semantic.embeddingModel', 'cache.semantic.threshold'],
    );
    const router = new Router({ providers: { openai: { apiKey: OPENAI_KEY } }, preload: false });
    assert.deepEqual(
      problemsOf({ router, cache: true }).map((problem) => problem.path),
      ['cache'],
    );
    await router.close();
  });

  it('close() closes what the gateway built and leaves a store passed in open', async () => {
    const store = new MemoryStore();
    const gateway = createGateway({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` } },
      billing: true,
      store,
      logger: false,
    });
    assert.equal(gateway.store, store);
    assert.equal(gateway.billing?.store, store);
    await gateway.close();
    await gateway.close(); // twice is fine
    await store.credit({ key: 'ledger:still-open' }, 1); // not closed
    await store.close();
  });

  describe(`with the store as data: { redis: { url } }${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
    let redis: TestRedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.stop());

    it('two gateways on one Redis share the ledger', async () => {
      const config = {
        providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` } },
        billing: {},
        store: { redis: { url: redis.url, prefix: `gateway-test-${Date.now()}:` } },
        logger: false as const,
      };
      const first = createGateway(config);
      const second = createGateway(config);
      try {
        await Promise.all([first.ready(), second.ready()]);
        await first.billing!.topUp('team_shared', 7 * DOLLAR, { idempotencyKey: 'shared-1' });
        assert.equal((await second.billing!.getBalance('team_shared')).balanceNano, 7 * DOLLAR);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });
  });
});
