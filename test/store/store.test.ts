/**
 * Runs the shared store suite against the in-memory store and against the Redis store (a private
 * redis-server on a free port; two store instances share it).
 */
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { REDIS_SKIP, startRedisServer } from './redis-server.js';
import { TestClock, storeSuite } from './store-suite.js';

storeSuite('in-memory', async () => {
  const clock = new TestClock();
  const store = new MemoryStore({ now: clock.now });
  return { subject: { store, clock }, close: () => store.close() };
});

storeSuite(
  'Redis',
  async () => {
    const redis = await startRedisServer();
    const clock = new TestClock();
    const store = new RedisStore({ url: redis.url, now: clock.now, prefix: 'suite:' });
    const peer = new RedisStore({ url: redis.url, now: clock.now, prefix: 'suite:' });
    return {
      subject: { store, peer, clock },
      close: async () => {
        await store.close();
        await peer.close();
        await redis.stop();
      },
    };
  },
  REDIS_SKIP,
);
