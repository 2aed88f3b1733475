import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { RequestLogRecord } from '../../../src/middleware/request-log/request-log-record.js';
import { RedisRequestLogStore } from '../../../src/middleware/request-log/redis-request-log-store.js';
import { RedisStore } from '../../../src/store/redis-store.js';
import { ANTHROPIC_KEY, OPENAI_KEY, startRouterFixture, type RouterFixture } from '../../helpers/router-fixture.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from '../../store/redis-server.js';

function record(time: number, id: string, overrides: Partial<RequestLogRecord> = {}): RequestLogRecord {
  return {
    generationId: id,
    requestId: id.replace('gen_', 'req_'),
    time,
    operation: 'generate',
    streamed: false,
    tags: [],
    requestedModel: 'openai/gpt-4o-mini',
    status: 'success',
    httpStatus: 200,
    attempts: [],
    fallbackChain: [],
    latencyMs: 5,
    tokens: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    costNano: 10,
    estimated: false,
    ...overrides,
  };
}

describe(`request log on Redis${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  let redis: TestRedisServer;
  let raw: Redis;
  let fixture: RouterFixture;
  const stores: RedisStore[] = [];
  const storeOf = (options: ConstructorParameters<typeof RedisStore>[0] = {}): RedisStore => {
    const store = new RedisStore({ url: redis.url, ...options });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    fixture = await startRouterFixture();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    raw.disconnect();
    await fixture.close();
    await redis.stop();
  });
  beforeEach(async () => {
    fixture.reset();
    await raw.flushall();
  });

  it('two routers on one Redis see each other’s records, newest first, and page with a cursor', async () => {
    const one = fixture.build({ requestLog: { store: storeOf() } });
    const two = fixture.build({ requestLog: { store: storeOf() } });
    const ids: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const router = index % 2 === 0 ? one : two;
      ids.push((await router.generate({ model: 'openai/gpt-4o-mini', prompt: `r${index}` })).generationId);
    }
    await Promise.all([one.close(), two.close()]); // waits for the writes under way
    for (const router of [one, two]) {
      const seen: string[] = [];
      let page = await router.logs!.query({ limit: 4 });
      seen.push(...page.records.map((each) => each.generationId));
      while (page.nextCursor) {
        page = await router.logs!.query({ limit: 4, cursor: page.nextCursor });
        seen.push(...page.records.map((each) => each.generationId));
      }
      assert.deepEqual(seen, [...ids].reverse());
      assert.equal((await router.logs!.get(ids[1]))?.generationId, ids[1]);
    }
    const fetched = await two.logs!.get(ids[0]);
    assert.equal(fetched?.provider, 'openai');
    assert.ok((fetched?.costNano ?? 0) > 0);
    const keys = await raw.keys('*');
    assert.ok(keys.length > 0);
    for (const key of keys.filter((name) => name.includes('log:'))) assert.match(key, /log:\{requests\}:/);
    const values = JSON.stringify(await raw.hgetall(keys.find((name) => name.endsWith(':e'))!));
    assert.ok(!values.includes(OPENAI_KEY) && !values.includes(ANTHROPIC_KEY), 'no provider key in Redis');
    assert.ok(!values.includes('r0'), 'no prompt text in Redis');
  });

  it('filters on Redis as in memory, across batches', async () => {
    const store = new RedisRequestLogStore(storeOf(), { ttlSeconds: 3600 });
    const now = Date.now();
    for (let index = 0; index < 450; index += 1) {
      await store.append(
        record(now - 450 + index, `gen_${String(index).padStart(4, '0')}`, {
          account: index % 100 === 0 ? 'rare' : 'common',
          status: index % 2 === 0 ? 'success' : 'error',
        }),
      );
    }
    const rare = await store.query({ account: 'rare', limit: 2 });
    assert.deepEqual(
      rare.records.map((each) => each.generationId),
      ['gen_0400', 'gen_0300'],
    );
    const rest = await store.query({ account: 'rare', limit: 2, cursor: rare.nextCursor });
    assert.deepEqual(
      rest.records.map((each) => each.generationId),
      ['gen_0200', 'gen_0100'],
    );
    const last = await store.query({ account: 'rare', limit: 2, cursor: rest.nextCursor });
    assert.deepEqual(
      last.records.map((each) => each.generationId),
      ['gen_0000'],
    );
    assert.equal(last.nextCursor, undefined);
    const window = await store.query({ since: now - 10, until: now - 5, status: 'error' });
    assert.deepEqual(
      window.records.map((each) => each.generationId),
      ['gen_0443', 'gen_0441'], // times now-10 (inclusive) to now-5 (exclusive): 440..444,
    );
  });

  it('keeps at most maxRecords, the newest', async () => {
    const router = fixture.build({ requestLog: { store: storeOf(), maxRecords: 3 } });
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1)
      ids.push((await router.generate({ model: 'openai/gpt-4o-mini', prompt: `c${index}` })).generationId);
    await router.close();
    const { records } = await router.logs!.query({ limit: 10 });
    assert.deepEqual(
      records.map((each) => each.generationId),
      ids.slice(2).reverse(),
    );
    assert.equal(await raw.zcard('switchyard:log:{requests}:i'), 3);
    assert.equal(await raw.hlen('switchyard:log:{requests}:e'), 3);
    assert.equal(await router.logs!.get(ids[0]), undefined);
  });

  it('drops records older than the TTL, and the log expires after its last write', async () => {
    let clock = 10_000_000;
    const now = () => clock;
    const store = new RedisRequestLogStore(storeOf({ now }), { ttlSeconds: 60, now });
    await store.append(record(clock - 30_000, 'gen_old'));
    assert.equal((await store.get('gen_old'))?.generationId, 'gen_old');
    clock += 40_000; // gen_old is now 70 s old
    assert.equal(await store.get('gen_old'), undefined, 'expired records are not answered');
    assert.deepEqual((await store.query()).records, []);
    await store.append(record(clock, 'gen_new'));
    assert.equal(await raw.hexists('switchyard:log:{requests}:e', 'gen_old'), 0, 'dropped on the next append');
    assert.deepEqual(
      (await store.query()).records.map((each) => each.generationId),
      ['gen_new'],
    );
    const ttl = await raw.pttl('switchyard:log:{requests}:i');
    assert.ok(ttl > 0 && ttl <= 60_000, `the index expires with the TTL, pttl ${ttl}`);
    assert.ok((await raw.pttl('switchyard:log:{requests}:e')) > 0);

    const short = new RedisRequestLogStore(storeOf({ prefix: 'short:' }), { ttlSeconds: 1 });
    await short.append(record(Date.now(), 'gen_short'));
    assert.equal(await raw.exists('short:log:{requests}:e'), 1);
    // Redis expires the keys by itself: wait for it (a condition, bounded), no append needed.
    const deadline = Date.now() + 30_000;
    while ((await raw.exists('short:log:{requests}:e', 'short:log:{requests}:i')) > 0) {
      assert.ok(Date.now() < deadline, 'the log expired');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('when Redis is down, requests still succeed and the log warns once', async () => {
    const store = storeOf({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200, connectTimeoutMs: 200 });
    const router = fixture.build({ requestLog: { store } });
    const warnings: string[] = [];
    router.on('warning', (warning) => void warnings.push(warning.code));
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'a' });
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'b' });
    await router.close();
    assert.deepEqual(
      warnings.filter((code) => code === 'request_log_failed'),
      ['request_log_failed'],
    );
  });
});
