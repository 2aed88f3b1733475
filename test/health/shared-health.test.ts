/**
 * Health shared between instances through a store: two trackers ("instances") on one in-memory
 * store and on one real Redis, sharing rounds driven by `syncNow()`; a Redis outage; and two routers
 * where one router's failures steer the other away from the failing offering.
 */
import assert from 'node:assert/strict';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { HEALTH_REPORTS_KEY, type HealthReport } from '../../src/health/health-sharing.js';
import { HealthTracker, type HealthOptions } from '../../src/health/health-tracker.js';
import { Router } from '../../src/router/router.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { StateStore } from '../../src/store/store.js';
import { latencyWeighted } from '../../src/strategies/latency-weighted.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import { candidate, seededRandom } from '../helpers/candidates.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from '../store/redis-server.js';
import { TestClock } from '../store/store-suite.js';

const failure = { success: false, latencyMs: 5, streamed: false } as const;
const success = { success: true, latencyMs: 100, outputTokens: 10, streamed: false } as const;
/** No timer-driven round during a test: rounds run when the test says so. */
const MANUAL = { shareIntervalMs: 3_600_000, shareTtlMs: 3_000 } as const;

/**
 * Registers the sharing cases for one kind of store; `connect` gives two instances their store (one shared object, or
 * two clients of one server).
 */
function sharedHealthSuite(
  name: string,
  setup: () => Promise<{ connect: (clock: TestClock) => [StateStore, StateStore]; close: () => Promise<void> }>,
  skip: string | false = false,
): void {
  describe(`health shared through the ${name} store`, { skip: Boolean(skip) }, () => {
    let connect: (clock: TestClock) => [StateStore, StateStore];
    let closeStores: () => Promise<void>;
    const opened: HealthTracker[] = [];
    let run = 0;
    beforeAll(async () => {
      ({ connect, close: closeStores } = await setup());
    });
    afterAll(async () => closeStores());
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((tracker) => tracker.close()));
    });

    /** Two instances on a fresh namespace, with a shared fake clock. */
    const instances = (
      options: HealthOptions = {},
    ): { clock: TestClock; a: HealthTracker; b: HealthTracker; store: StateStore } => {
      const clock = new TestClock();
      const stores = connect(clock);
      const prefix = `run${(run += 1)}`;
      const [a, b] = stores.map(
        (store, index) =>
          new HealthTracker({
            ...MANUAL,
            consecutiveFailuresToOpen: 5,
            cooldownMs: 10_000,
            ...options,
            now: clock.now,
            store,
            instanceId: `${prefix}-${'ab'[index]}`,
          }),
      );
      opened.push(a, b);
      return { clock, a, b, store: stores[0] };
    };

    it('ranks an offering lower on B after A saw it fail', async () => {
      const { a, b } = instances();
      for (let index = 0; index < 4; index += 1) {
        a.record('p', 'bad', failure);
        a.record('p', 'good', success);
      }
      const strategy = latencyWeighted();
      const candidates = [candidate('p', 'bad'), candidate('p', 'good')];
      const badFirst = (): number => {
        const random = seededRandom(7);
        let count = 0;
        for (let index = 0; index < 200; index += 1)
          if (strategy.rank(candidates, { health: b, streamed: false, random })[0].providerModelId === 'bad')
            count += 1;
        return count;
      };
      assert.deepEqual(b.score('p', 'bad', false), { successRate: 1, latencyMs: undefined, samples: 0 });
      const before = badFirst();
      assert.ok(before > 60, `without shared health B puts 'bad' first ${before} times in 200`);
      await a.syncNow();
      await b.syncNow();
      const bad = b.score('p', 'bad', false);
      assert.equal(bad.samples, 4);
      assert.ok(bad.successRate <= 1 / 3, `shared success rate ${bad.successRate}`);
      const good = b.score('p', 'good', false);
      assert.equal(good.samples, 4);
      assert.equal(good.latencyMs, 10, 'the shared ms per output token');
      assert.equal(b.state('p', 'bad'), 'closed', 'four failures open no breaker');
      const afterSharing = badFirst();
      assert.ok(
        afterSharing < 20 && afterSharing < before / 3,
        `with shared health B puts 'bad' first ${afterSharing} times in 200 (before: ${before}); the strategy keeps a 5% probing floor`,
      );
    });

    it('blends B’s own latency with the shared one by sample count', async () => {
      const { a, b } = instances();
      for (let index = 0; index < 3; index += 1)
        a.record('p', 'm', { success: true, latencyMs: 400, streamed: true, timeToFirstTokenMs: 300 });
      b.record('p', 'm', { success: true, latencyMs: 200, streamed: true, timeToFirstTokenMs: 100 });
      await a.syncNow();
      await b.syncNow();
      assert.equal(b.score('p', 'm', true).latencyMs, (100 + 3 * 300) / 4);
      assert.equal(b.score('p', 'm', true).samples, 4);
      assert.equal(a.score('p', 'm', true).latencyMs, 300, 'A has not pulled since B published');
    });

    it('opens B’s breaker when A’s opens, until A’s cooldown ends; B then probes it itself', async () => {
      const { clock, a, b, store } = instances();
      const changes: string[] = [];
      b.onStateChange((change) => changes.push(`${change.previousState}->${change.state}: ${change.reason}`));
      for (let index = 0; index < 5; index += 1) a.record('p', 'm', failure);
      assert.equal(a.state('p', 'm'), 'open');
      clock.advance(4_000);
      await a.syncNow();
      await b.syncNow();
      assert.equal(b.state('p', 'm'), 'open');
      assert.equal(b.isAvailable('p', 'm'), false);
      assert.match(changes[0], /^closed->open: instance run\d+-a opened it: 5 consecutive failures$/);
      assert.equal(b.snapshot('p', 'm').retryAt, a.snapshot('p', 'm').retryAt, 'open until A’s cooldown ends');
      await b.syncNow();
      const reports = Object.values(await store.getExpiringFields(HEALTH_REPORTS_KEY)).map(
        (text) => JSON.parse(text) as HealthReport,
      );
      const openings = reports
        .map(
          (report) =>
            `${report.instanceId.replace(/^run\d+-/, '')}:${report.offerings.some((offering) => offering.open) ? 'open' : '-'}`,
        )
        .sort();
      assert.deepEqual(openings, ['a:open', 'b:-'], 'B does not publish the breaker it adopted');
      clock.advance(6_000);
      assert.equal(b.isAvailable('p', 'm'), true, 'half-open at the end of A’s cooldown');
      b.begin('p', 'm');
      b.record('p', 'm', success);
      assert.equal(b.state('p', 'm'), 'closed');
      // A adopted nothing back from B: B does not publish a breaker it adopted.
      assert.equal(a.isAvailable('p', 'm'), true);
      a.begin('p', 'm');
      a.record('p', 'm', success);
      await b.syncNow();
      await a.syncNow();
      assert.equal(a.state('p', 'm'), 'closed');
      assert.equal(b.state('p', 'm'), 'closed');
    });

    it('ignores an opening older than its own last success there', async () => {
      const { clock, a, b } = instances();
      for (let index = 0; index < 5; index += 1) a.record('p', 'm', failure);
      clock.advance(1);
      b.record('p', 'm', success);
      await a.syncNow();
      await b.syncNow();
      assert.equal(b.state('p', 'm'), 'closed', 'B saw it succeed after A’s breaker opened');
      assert.equal(b.isAvailable('p', 'm'), true);
    });

    it('opens on the failure rate of both instances’ samples, and the other adopts that breaker', async () => {
      const { a, b } = instances({ consecutiveFailuresToOpen: 100, minimumSamples: 10, failureRateToOpen: 0.5 });
      for (let index = 0; index < 6; index += 1) a.record('p', 'm', index % 3 === 0 ? success : failure);
      for (let index = 0; index < 6; index += 1) b.record('p', 'm', index % 3 === 0 ? success : failure);
      assert.equal(a.state('p', 'm'), 'closed', 'six samples are under the minimum');
      assert.equal(b.state('p', 'm'), 'closed');
      await a.syncNow();
      await b.syncNow();
      assert.equal(b.state('p', 'm'), 'open', '8 failures in 12 samples');
      assert.equal(a.state('p', 'm'), 'closed', 'A has not heard of B’s samples yet');
      await a.syncNow();
      assert.equal(a.state('p', 'm'), 'open');
    });

    it('lets shared samples leave with the window, and a stopped instance’s view expire', async () => {
      const { clock, a, b } = instances({ windowMs: 60_000 });
      for (let index = 0; index < 3; index += 1) a.record('p', 'm', failure);
      await a.syncNow();
      await b.syncNow();
      assert.equal(b.score('p', 'm', false).samples, 3);
      clock.advance(60_001);
      await a.syncNow();
      await b.syncNow();
      assert.deepEqual(b.score('p', 'm', false), { successRate: 1, latencyMs: undefined, samples: 0 });

      a.record('p', 'm', failure);
      await a.syncNow();
      await b.syncNow();
      assert.equal(b.score('p', 'm', false).samples, 1);
      await a.close();
      clock.advance(MANUAL.shareTtlMs - 1);
      await b.syncNow();
      assert.equal(b.score('p', 'm', false).samples, 1, 'still within the report’s lifetime');
      clock.advance(1);
      await b.syncNow();
      assert.equal(b.score('p', 'm', false).samples, 0, 'A stopped publishing; its report expired');
    });
  });
}

sharedHealthSuite('in-memory', async () => ({
  connect: (clock) => {
    const store = new MemoryStore({ now: clock.now });
    return [store, store];
  },
  close: async () => undefined,
}));

let redis: TestRedisServer;
const redisClients: RedisStore[] = [];
let namespaces = 0;
sharedHealthSuite(
  'Redis',
  async () => {
    redis = await startRedisServer();
    return {
      connect: (clock) => {
        // A namespace per test: each test's fake clock starts anew, so earlier tests' reports must not be seen.
        const prefix = `shared-health-${(namespaces += 1)}:`;
        const stores = [0, 1].map(() => new RedisStore({ url: redis.url, now: clock.now, prefix }));
        redisClients.push(...stores);
        return [stores[0], stores[1]];
      },
      close: async () => {
        await Promise.all(redisClients.splice(0).map((store) => store.close()));
        await redis.stop();
      },
    };
  },
  REDIS_SKIP,
);

describe(`health sharing through a Redis outage${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  let server: TestRedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => server.stop());

  it('keeps the trackers working while Redis is down, and shares again once it is back', async () => {
    const clock = new TestClock();
    const connect = (): RedisStore =>
      new RedisStore({
        url: server.url,
        now: clock.now,
        prefix: 'outage:',
        commandTimeoutMs: 300,
        connectTimeoutMs: 300,
        maxReconnectDelayMs: 50,
      });
    const stores = [connect(), connect()];
    const errors: unknown[] = [];
    const options = {
      ...MANUAL,
      consecutiveFailuresToOpen: 100,
      now: clock.now,
      onShareError: (error: unknown) => errors.push(error),
    };
    const a = new HealthTracker({ ...options, store: stores[0], instanceId: 'a' });
    const b = new HealthTracker({ ...options, store: stores[1], instanceId: 'b' });
    try {
      for (let index = 0; index < 3; index += 1) a.record('p', 'm', failure);
      await a.syncNow();
      await b.syncNow();
      assert.equal(b.score('p', 'm', false).samples, 3);
      assert.equal(errors.length, 0);

      await server.stop();
      a.record('p', 'm', failure);
      const started = Date.now();
      await a.syncNow();
      await b.syncNow();
      assert.ok(Date.now() - started < 2_000, 'a round fails fast');
      assert.ok(
        errors.length >= 2 &&
          errors.every((error) => error instanceof GatewayError && error.code === 'store_unavailable'),
        String(errors),
      );
      assert.equal(a.score('p', 'm', false).samples, 4, 'A still tracks locally');
      assert.equal(b.score('p', 'm', false).samples, 3, 'B keeps the last shared view for a while');
      b.record('p', 'm', success);
      assert.equal(b.isAvailable('p', 'm'), true);
      clock.advance(MANUAL.shareTtlMs);
      await b.syncNow();
      assert.equal(
        b.score('p', 'm', false).samples,
        1,
        'after the reports’ lifetime without news, B goes by its own samples',
      );

      await server.start();
      const deadline = Date.now() + 30_000;
      let shared = 0;
      while (Date.now() < deadline) {
        await a.syncNow();
        await b.syncNow();
        shared = b.score('p', 'm', false).samples;
        if (shared === 5) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(shared, 5, 'A’s four failures are shared again with B’s own success');
    } finally {
      await a.close();
      await b.close();
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

describe('trackers without a store', () => {
  it('share nothing: syncNow and close resolve at once', async () => {
    const tracker = new HealthTracker();
    tracker.record('p', 'm', failure);
    await tracker.syncNow();
    await tracker.close();
    assert.equal(tracker.score('p', 'm', false).samples, 1);
  });
});

describe(`two routers sharing health${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  const failing = createOpenAISimulator();
  const healthy = createOpenAISimulator();
  let server: TestRedisServer;
  const routers: Router[] = [];
  const stores: RedisStore[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const router of routers) {
      await router.health.close();
      await router.close();
    }
    await Promise.all(stores.map((store) => store.close()));
    await Promise.all([failing.close(), healthy.close(), server.stop()]);
  });

  it('steers router B away from the offering that failed on router A', async () => {
    const [failingURL, healthyURL] = await Promise.all([failing.start(), healthy.start()]);
    const build = (instanceId: string, seed: number): Router => {
      const store = new RedisStore({ url: server.url, prefix: 'routers:' });
      stores.push(store);
      const router = new Router({
        providers: {
          openai: { type: 'openai', apiKey: 'sk-test-openai-0123456789abcdef', baseURL: `${failingURL}/v1` },
          'openai-backup': { type: 'openai', apiKey: 'sk-test-openai-backup-0123456789', baseURL: `${healthyURL}/v1` },
        },
        catalog: {
          models: [
            {
              id: 'test/echo',
              name: 'Echo',
              offerings: [
                { provider: 'openai', providerModelId: 'gpt-4o-mini', pricing: { input: '0.15', output: '0.60' } },
                {
                  provider: 'openai-backup',
                  providerModelId: 'gpt-4o-mini',
                  pricing: { input: '0.15', output: '0.60' },
                },
              ],
            },
          ],
        },
        retry: { maxRetries: 0 },
        random: seededRandom(seed),
        health: { store, instanceId, shareIntervalMs: 3_600_000, consecutiveFailuresToOpen: 3, cooldownMs: 60_000 },
      });
      routers.push(router);
      return router;
    };
    const a = build('router-a', 5);
    const b = build('router-b', 9);
    const healthEvents: string[] = [];
    b.on('health', (event) => healthEvents.push(`${event.provider}:${event.state}: ${event.reason}`));

    // Before: B spreads its traffic over both offerings.
    for (let index = 0; index < 20; index += 1) await b.generate({ model: 'test/echo', prompt: `warm ${index}` });
    assert.ok(
      failing.requests.length > 0 && healthy.requests.length > 0,
      `B used both (${failing.requests.length} / ${healthy.requests.length})`,
    );

    // A meets a failing `openai` three times and opens its breaker.
    failing.configure({ faultRate: 1, fault: { type: 'status', status: 500 } });
    for (let index = 0; index < 3; index += 1) {
      const result = await a.generate({
        model: 'test/echo',
        prompt: `fail ${index}`,
        providerOptions: { gateway: { order: ['openai', 'openai-backup'] } },
      });
      assert.deepEqual(
        result.attempts.map((attempt) => `${attempt.provider}:${attempt.code ?? 'ok'}`),
        ['openai:provider_unavailable', 'openai-backup:ok'],
      );
    }
    assert.equal(a.health.state('openai', 'gpt-4o-mini'), 'open');
    assert.equal(b.health.state('openai', 'gpt-4o-mini'), 'closed', 'B has not heard yet');

    await a.health.syncNow();
    await b.health.syncNow();
    assert.equal(b.health.state('openai', 'gpt-4o-mini'), 'open');
    assert.deepEqual(healthEvents, ['openai:open: instance router-a opened it: 3 consecutive failures']);

    const before = failing.requests.length;
    for (let index = 0; index < 10; index += 1) {
      const result = await b.generate({ model: 'test/echo', prompt: `after ${index}` });
      assert.deepEqual(
        result.attempts.map((attempt) => `${attempt.provider}:${attempt.code ?? 'ok'}`),
        ['openai-backup:ok'],
      );
    }
    assert.equal(failing.requests.length, before, 'B sent nothing to the failing offering');
  });
});
