/**
 * What only the Redis store does: an optional package loaded on demand, namespaced expiring keys, and
 * behaviour when Redis is unreachable, frozen or restarted (no crash, no hang, recovery by itself).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { GatewayError } from '../../src/core/errors.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { freePort, REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from './redis-server.js';

const sleep = (milliseconds: number): Promise<undefined> =>
  new Promise((resolve) => setTimeout(() => resolve(undefined), milliseconds));
const isUnavailable = (error: unknown): boolean =>
  error instanceof GatewayError && error.code === 'store_unavailable' && error.status === 503;

async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const start = Date.now();
  try {
    await promise;
    return { ms: Date.now() - start, error: undefined };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

describe(`Redis store${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('fails with config_invalid naming the package when ioredis is not installed', async () => {
    const script = fileURLToPath(new URL('./fixtures/missing-ioredis.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script]);
    const result = JSON.parse(stdout) as { code?: string; message?: string };
    assert.equal(result.code, 'config_invalid');
    assert.match(result.message ?? '', /needs the 'ioredis' package: npm install ioredis/);
  });

  it('namespaces every key under its prefix and lets windows, holds and records expire', async () => {
    const store = new RedisStore({ url: redis.url, prefix: 'ns-a:' });
    const other = new RedisStore({ url: redis.url, prefix: 'ns-b:' });
    const raw = new Redis(redis.url);
    try {
      await store.credit({ key: 'ledger:x' }, 100);
      await store.reserve({
        id: 'r1',
        ttlMs: 60_000,
        holds: [
          { key: 'ledger:x', amount: 10, limit: 'credit' },
          { key: 'budget:x:day', amount: 10, limit: 50, ttlMs: 3_600_000 },
        ],
      });
      await store.windowAdd({ key: 'rpm:x', amount: 1, limit: 5, window: { windowMs: 60_000 } });
      await store.appendRecord({ id: 'rec1', timestamp: Date.now(), indexes: ['account:x'], body: '{}' });
      assert.equal((await other.readMeter({ key: 'ledger:x' })).credit, 0);
      const keys = await raw.keys('*');
      assert.ok(keys.length > 0 && keys.every((key) => key.startsWith('ns-a:')), keys.join(', '));
      for (const key of keys.filter(
        (name) =>
          name.startsWith('ns-a:w:') ||
          name.startsWith('ns-a:r:') ||
          name.startsWith('ns-a:rec:') ||
          name.startsWith('ns-a:i:') ||
          name.startsWith('ns-a:m:{:}:budget:'),
      )) {
        const ttl = await raw.pttl(key);
        assert.ok(ttl > 0, `${key} expires (pttl ${ttl})`);
      }
      assert.equal(await raw.pttl('ns-a:m:{:}:ledger:x'), -1, 'a balance never expires');
    } finally {
      raw.disconnect();
      await store.close();
      await other.close();
    }
  });

  it('lets an expiring hash leave Redis with its last field', async () => {
    const store = new RedisStore({ url: redis.url, prefix: 'ns-e:' });
    const raw = new Redis(redis.url);
    try {
      await store.setExpiringField('board', 'a', 'x', 200);
      await store.setExpiringField('board', 'b', 'y', 400);
      const keys = (await raw.keys('ns-e:*')).sort();
      assert.deepEqual(keys, ['ns-e:e:{board}', 'ns-e:e:{board}:x']);
      for (const key of keys) {
        const ttl = await raw.pttl(key);
        assert.ok(ttl > 200 && ttl <= 400, `${key} expires with its last field (pttl ${ttl})`);
      }
      await sleep(450);
      assert.deepEqual(await raw.keys('ns-e:*'), []);
      assert.deepEqual(await store.getExpiringFields('board'), {});
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('fails fast with store_unavailable when Redis is not there, and connects by itself once it is', async () => {
    const port = await freePort();
    // Long timeouts: failing fast means not waiting for them, however busy the machine is.
    const store = new RedisStore({
      url: `redis://127.0.0.1:${port}`,
      connectTimeoutMs: 30_000,
      startTimeoutMs: 30_000,
      maxReconnectDelayMs: 100,
    });
    try {
      const first = await timed(store.readCounter('x'));
      assert.ok(isUnavailable(first.error), String(first.error));
      assert.ok(first.ms < 15_000, `took ${first.ms} ms`);
      const again = await timed(store.readCounter('x'));
      assert.ok(isUnavailable(again.error));
      assert.ok(again.ms < 15_000, `took ${again.ms} ms`);
      const late = await startLateServer(port);
      try {
        const deadline = Date.now() + 3_000;
        let value: number | undefined;
        while (value === undefined && Date.now() < deadline)
          value = await store.increment('x', 1).catch(() => sleep(20));
        assert.equal(value, 1);
      } finally {
        await late.stop();
      }
    } finally {
      await store.close();
    }
  });

  it('answers within the command timeout when Redis freezes, and recovers when it thaws', async () => {
    const store = new RedisStore({ url: redis.url, commandTimeoutMs: 200 });
    try {
      await store.increment('freeze', 1);
      redis.pause();
      try {
        const frozen = await timed(store.increment('freeze', 1));
        assert.ok(isUnavailable(frozen.error), String(frozen.error));
        assert.ok(frozen.ms >= 150 && frozen.ms < 10_000, `took ${frozen.ms} ms`);
      } finally {
        redis.resume();
      }
      const deadline = Date.now() + 3_000;
      let value: number | undefined;
      while (value === undefined && Date.now() < deadline)
        value = await store.readCounter('freeze').catch(() => sleep(20));
      assert.ok(value !== undefined && value >= 1);
    } finally {
      await store.close();
    }
  });

  it('waits for a Redis that is slow to answer at start-up instead of reporting it down', async () => {
    await import('ioredis'); // loaded already: the store's own connection is what is slow here
    const store = new RedisStore({ url: redis.url, connectTimeoutMs: 100, commandTimeoutMs: 5_000 });
    redis.pause(); // connections are accepted, nothing answers: a saturated machine
    const startedAt = Date.now();
    try {
      const first = store.increment('slow-start', 1);
      // Redis stays silent well past connectTimeoutMs before it answers.
      await sleep(500);
      redis.resume();
      assert.equal(await first, 1, 'the request waited for the slow store (startTimeoutMs) and was served');
      assert.ok(Date.now() - startedAt >= 500);
    } finally {
      redis.resume();
      await store.close();
    }
  });

  it('tells a slow store from a down one in its errors', async () => {
    const down = new RedisStore({
      url: `redis://127.0.0.1:${await freePort()}`,
      startTimeoutMs: 60_000,
      connectTimeoutMs: 60_000,
    });
    const refused = await timed(down.increment('x', 1));
    await down.close();
    assert.ok(isUnavailable(refused.error), String(refused.error));
    assert.equal((refused.error as GatewayError).details?.reason, 'down');
    assert.match((refused.error as GatewayError).message, /ECONNREFUSED/);
    assert.ok(
      refused.ms < 30_000,
      `a refused connection fails at once, without waiting for the start timeout (took ${refused.ms} ms)`,
    );

    const slow = new RedisStore({ url: redis.url, commandTimeoutMs: 100 });
    try {
      await slow.increment('frozen', 1);
      redis.pause();
      const frozen = await timed(slow.increment('frozen', 1));
      assert.ok(isUnavailable(frozen.error), String(frozen.error));
      assert.equal((frozen.error as GatewayError).details?.reason, 'slow');
      assert.match((frozen.error as GatewayError).message, /commandTimeoutMs/);
    } finally {
      redis.resume();
      await slow.close();
    }
  });

  it('connect() waits at start-up until Redis answers, through refused connections', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 100, maxReconnectDelayMs: 50 });
    const connecting = store.connect({ timeoutMs: 60_000 });
    let settled = false;
    void connecting.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Redis is not there yet: a request fails at once, while connect() keeps waiting.
    const refused = await timed(store.readCounter('late'));
    assert.ok(isUnavailable(refused.error), String(refused.error));
    assert.equal(settled, false, 'connect() still waits after a refused connection');
    const late = await startLateServer(port);
    try {
      await connecting;
      assert.equal(await store.increment('late', 1), 1);
    } finally {
      await store.close();
      await late.stop();
    }
  });

  it('rejects once closed', async () => {
    const store = new RedisStore({ url: redis.url });
    await store.increment('closing', 1);
    await store.close();
    await assert.rejects(store.increment('closing', 1), isUnavailable);
  });
});

/** A redis-server started later on a given port. */
async function startLateServer(port: number): Promise<{ stop(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  return {
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
