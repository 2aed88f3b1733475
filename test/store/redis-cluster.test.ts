/**
 * The Redis store on a real three-master Redis Cluster (one cluster for the whole file): the shared store,
 * key-value and vector-index contracts, the capped log, a billing flow through the real Router, and the
 * proof that it is the hash tags that make it work (every script's keys map to one slot; the same keys
 * without their tags span several, and the cluster refuses them with CROSSSLOT).
 */
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import { RedisStore, type RedisConnection } from '../../src/store/redis-store.js';
import { redisKeySlot } from '../../src/store/redis-key-slot.js';
import { SharedVectorIndex } from '../../src/store/shared-vector-index.js';
import { MODEL, startBillingFixture } from '../billing/billing-fixture.js';
import { keyValueSuite } from './key-value-suite.js';
import { REDIS_CLUSTER_SKIP, startRedisCluster, type TestRedisCluster } from './redis-cluster.js';
import { storeSuite, TestClock } from './store-suite.js';
import { vectorIndexSuite } from './vector-index-suite.js';

const DOLLAR = 1_000_000_000;
let started: Promise<TestRedisCluster> | undefined;
/** The file's one cluster, started by the first suite that needs it. */
const cluster = (): Promise<TestRedisCluster> => (started ??= startRedisCluster());
afterAll(async () => {
  if (started) await (await started).stop();
});

storeSuite(
  'Redis Cluster',
  async () => {
    const { urls } = await cluster();
    const clock = new TestClock();
    const store = new RedisStore({ cluster: urls, now: clock.now, prefix: 'suite:' });
    const peer = new RedisStore({ cluster: urls.slice(1), now: clock.now, prefix: 'suite:' });
    return {
      subject: { store, peer, clock },
      close: async () => {
        await store.close();
        await peer.close();
      },
    };
  },
  REDIS_CLUSTER_SKIP,
);

keyValueSuite(
  'Redis Cluster',
  async () => {
    const { urls } = await cluster();
    const store = new RedisStore({ cluster: urls, prefix: 'kv-suite:' });
    const peer = new RedisStore({ cluster: [urls[2]], prefix: 'kv-suite:' });
    const expire = async (milliseconds: number): Promise<void> => {
      // Redis expires in real time: wait until a probe with the same TTL, set now, is gone.
      await store.setValue('probe', 'p', '1', milliseconds);
      const deadline = Date.now() + 30_000;
      while ((await store.getValue('probe', 'p')) !== undefined) {
        assert.ok(Date.now() < deadline, 'the probe expired in time');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    return {
      subject: { store, peer, shortTtlMs: 30, expire },
      close: async () => {
        await store.close();
        await peer.close();
      },
    };
  },
  { skip: REDIS_CLUSTER_SKIP, shared: true },
);

describe(`Redis Cluster${REDIS_CLUSTER_SKIP ? ` (skipped: ${REDIS_CLUSTER_SKIP})` : ''}`, {
  skip: Boolean(REDIS_CLUSTER_SKIP),
}, () => {
  vectorIndexSuite('shared through a RedisStore on a Redis Cluster', async () => {
    let time = 1_000_000;
    const now = (): number => time;
    const store = new RedisStore({ cluster: (await cluster()).urls, prefix: `vectors-${Date.now()}:` });
    const index = new SharedVectorIndex({ store, now, syncIntervalMs: 0 });
    return {
      subject: { index, now, advance: (milliseconds: number) => void (time += milliseconds) },
      close: () => store.close(),
    };
  });

  let nodes: TestRedisCluster;
  let raw: Cluster;
  /** Every script's KEYS, as the store sent them. */
  const scripts: string[][] = [];
  let store: RedisStore;
  beforeAll(async () => {
    nodes = await cluster();
    raw = new Cluster(nodes.ports.map((port) => ({ host: '127.0.0.1', port })));
    // The store runs on a Cluster client it is given, whose script calls are recorded on the way.
    const recorded = new Proxy(raw, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property === 'evalsha' || property === 'eval')
          return (script: string, count: number, ...rest: string[]) => {
            scripts.push(rest.slice(0, count));
            return (target[property] as (...args: unknown[]) => Promise<unknown>)(script, count, ...rest);
          };
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    store = new RedisStore({ client: recorded as unknown as RedisConnection, prefix: 'flow:' });
  });
  afterAll(async () => {
    await store?.close();
    raw?.disconnect();
  });

  it('serves a billing flow: free allocation, reserve and settle per request, budgets, top-ups, records', async () => {
    const account = { id: 'team {acme}', user: 'alice' };
    const fixture = await startBillingFixture({
      store,
      freeAllocationNano: DOLLAR,
      budgets: [
        { accountId: account.id, scope: 'account', period: 'day', hardLimitNano: 10 * DOLLAR },
        { accountId: account.id, scope: 'user', target: '*', period: { rollingMs: 3_600_000 }, hardLimitNano: DOLLAR },
      ],
      rateLimits: { requestsPerMinute: 100 },
    });
    try {
      let total = 0;
      for (let index = 0; index < 3; index += 1) {
        const result = await fixture.router.generate({
          model: MODEL,
          prompt: `Hello ${index}`,
          maxOutputTokens: 50,
          account,
        });
        total += result.cost.total;
      }
      assert.ok(total > 0);
      assert.equal((await fixture.billing.topUp(account.id, 2 * DOLLAR, { idempotencyKey: 'pi_1' })).applied, true);
      assert.equal((await fixture.billing.topUp(account.id, 2 * DOLLAR, { idempotencyKey: 'pi_1' })).applied, false);
      assert.deepEqual(await fixture.billing.getBalance(account.id), {
        balanceNano: 3 * DOLLAR - total,
        availableNano: 3 * DOLLAR - total,
        creditedNano: 3 * DOLLAR,
        totalUsedNano: total,
        reservedNano: 0,
      });
      const usage = await fixture.billing.listUsage(account.id, { from: 0, to: Date.now() + 60_000 });
      assert.equal(usage.length, 3);
      const generation = await fixture.billing.getGeneration(account, fixture.usage[0].generationId);
      assert.ok(generation, 'a generation is found by id in its account');
      // Another account's requests land in another slot: the load spreads.
      await fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: { id: 'team_beta' } });
    } finally {
      await fixture.close();
    }
    assert.ok(scripts.length >= 10, `${scripts.length} scripts ran`);
    const slotsOf = (keys: string[]): Set<number> => new Set(keys.map(redisKeySlot));
    for (const keys of scripts) assert.equal(slotsOf(keys).size, 1, `one slot for ${keys.join(' ')}`);
    const reservations = scripts.filter((keys) => keys[0].startsWith('flow:r:') && keys.length > 4);
    const accountSlots = new Set(reservations.map((keys) => redisKeySlot(keys[0])));
    assert.equal(accountSlots.size, 2, 'each account has its own slot');
  });

  it('computes the slot as the cluster does, and without hash tags the same scripts would fail with CROSSSLOT', async () => {
    const multi = scripts.filter((keys) => keys.length > 3);
    assert.ok(multi.length > 0);
    for (const key of multi[0]) assert.equal(Number(await nodes.cli(['CLUSTER', 'KEYSLOT', key])), redisKeySlot(key));
    // Today's keys with their tags taken out (the layout before Redis Cluster support) span several slots...
    const untagged = multi.map((keys) => keys.map((key) => key.replace(/\{([^}]*)\}:/, '')));
    const spanning = untagged.find((keys) => new Set(keys.map(redisKeySlot)).size > 1);
    assert.ok(spanning, 'some script touches keys of several slots without hash tags');
    // ...and a cluster refuses a script over them.
    const [first] = spanning;
    const second = spanning.find((key) => redisKeySlot(key) !== redisKeySlot(first)) as string;
    await assert.rejects(raw.eval("return redis.call('EXISTS', KEYS[1], KEYS[2])", 2, first, second), /CROSSSLOT/);
  });

  it('is what a gateway config with `store: { redis: { cluster } }` builds', async () => {
    const gateway = createGateway({
      providers: { openai: { apiKey: 'sk-anything-at-all' } },
      store: { redis: { cluster: [nodes.urls[0]], prefix: 'config:' } },
    });
    try {
      assert.equal(gateway.store?.kind, 'redis');
      await gateway.store?.credit({ key: 'ledger:acme', group: 'acme' }, 5);
      assert.equal(await raw.hget('config:m:{acme}:ledger:acme', 'credit'), '5');
    } finally {
      await gateway.close();
    }
  });

  it('keeps a capped log in one slot and reads it back from any node', async () => {
    const log = `requests-${Date.now()}`;
    const now = Date.now();
    for (let index = 0; index < 5; index += 1)
      await store.appendLogEntry(
        log,
        { id: `gen_${index}`, time: now + index, body: `{"n":${index}}` },
        {
          maxEntries: 3,
          ttlMs: 3_600_000,
        },
      );
    const other = new RedisStore({ cluster: [nodes.urls[1]], prefix: 'flow:' });
    try {
      const entries = await other.listLogEntries(log, { count: 10 });
      assert.deepEqual(
        entries.map((entry) => entry.id),
        ['gen_4', 'gen_3', 'gen_2'],
      );
      assert.equal(await other.getLogEntry(log, 'gen_3'), '{"n":3}');
      assert.equal(await other.getLogEntry(log, 'gen_0'), undefined);
    } finally {
      await other.close();
    }
  });

  it('clears values of many namespaces, spread over every master', async () => {
    const namespaces = Array.from({ length: 30 }, (_, index) => `cache:a:team${index}`);
    for (const namespace of namespaces) await store.setValue(namespace, 'k', 'v', 60_000);
    const masters = new Set(
      namespaces.map((namespace) => nodeOf(redisKeySlot(`flow:kv:{${encodeURIComponent(namespace)}}:k`))),
    );
    assert.equal(masters.size, 3, 'the namespaces lie on all three masters');
    assert.equal(await store.clearValues({ namespacePrefix: 'cache:a:' }), 30);
    assert.deepEqual(
      (await Promise.all(namespaces.map((namespace) => store.getValue(namespace, 'k')))).filter(Boolean),
      [],
    );
  });
});

/** Which of three masters (`--cluster create` splits the slots in three even ranges) holds a slot. */
function nodeOf(slot: number): number {
  return Math.min(2, Math.floor(slot / (16_384 / 3)));
}
