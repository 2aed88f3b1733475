/**
 * Runs the key-value store suite against the in-memory store and against the Redis store (a private
 * redis-server on a free port; two store instances share it), and the in-memory store's bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { MemoryKeyValueStore } from '../../src/store/memory-key-value-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { keyValueSuite } from './key-value-suite.js';
import { REDIS_SKIP, freePort, startRedisServer } from './redis-server.js';
import { TestClock } from './store-suite.js';

keyValueSuite('in-memory', async () => {
  const clock = new TestClock();
  const store = new MemoryKeyValueStore({ now: clock.now });
  return {
    subject: { store, shortTtlMs: 1_000, expire: async (milliseconds) => clock.advance(milliseconds) },
    close: () => store.close(),
  };
});

keyValueSuite(
  'Redis',
  async () => {
    const redis = await startRedisServer();
    const store = new RedisStore({ url: redis.url, prefix: 'kv-suite:' });
    const peer = new RedisStore({ url: redis.url, prefix: 'kv-suite:' });
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
        await redis.stop();
      },
    };
  },
  { skip: REDIS_SKIP, shared: true },
);

describe('in-memory key-value store bounds', () => {
  it('holds at most maxEntries values, the least recently used evicted first', async () => {
    const store = new MemoryKeyValueStore({ maxEntries: 2 });
    await store.setValue('n', 'a', '1', 60_000);
    await store.setValue('n', 'b', '2', 60_000);
    await store.getValue('n', 'a');
    await store.setValue('n', 'c', '3', 60_000);
    assert.deepEqual(await store.getValues('n', ['a', 'b', 'c']), ['1', undefined, '3']);
    assert.equal(store.size, 2);
  });

  it('holds at most maxBytes, and never a value larger than the whole store', async () => {
    const store = new MemoryKeyValueStore({ maxBytes: 1_000 });
    await store.setValue('n', 'big', 'x'.repeat(600), 60_000);
    assert.equal(await store.getValue('n', 'big'), undefined);
    for (const key of ['a', 'b', 'c', 'd']) await store.setValue('n', key, 'x'.repeat(150), 60_000);
    assert.ok(store.bytes <= 1_000, `${store.bytes} bytes held`);
    assert.equal(await store.getValue('n', 'a'), undefined, 'the oldest went');
    assert.equal(await store.getValue('n', 'd'), 'x'.repeat(150));
  });
});

describe('Redis key-value store unreachable', () => {
  it('rejects quickly with store_unavailable', async () => {
    const store = new RedisStore({
      url: `redis://127.0.0.1:${await freePort()}`,
      connectTimeoutMs: 200,
      startTimeoutMs: 200,
    });
    try {
      await assert.rejects(
        store.getValue('n', 'k'),
        (error) => error instanceof GatewayError && error.code === 'store_unavailable',
      );
      await assert.rejects(
        store.setValue('n', 'k', 'v', 1_000),
        (error) => error instanceof GatewayError && error.code === 'store_unavailable',
      );
    } finally {
      await store.close();
    }
  });
});
