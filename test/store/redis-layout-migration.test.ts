/**
 * The move from the Redis layout without hash tags: an account's balance, top-up idempotency, usage records
 * and rate-limit windows written under the old names are what billing reads after the migration.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import { migrateRedisStoreLayout } from '../../src/store/redis-layout-migration.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { startBillingFixture } from '../billing/billing-fixture.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from './redis-server.js';

const DOLLAR = 1_000_000_000;
const ACCOUNT = 'team acme';
const ENCODED = encodeURIComponent(ACCOUNT);

describe(`Redis store layout migration${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  let redis: TestRedisServer;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  it('moves balances, markers, records, indexes and windows to their hash-tagged names, once', async () => {
    const now = Date.now();
    const record = JSON.stringify({
      id: 'req_1:0',
      accountId: ACCOUNT,
      generationId: 'gen_1',
      timestamp: now,
      costNano: 100,
    });
    // The names the store used before Redis Cluster support (prefix `old:`).
    await raw.hset(`old:m:ledger:${ENCODED}`, { credit: String(3 * DOLLAR), used: '100', granted: '1' });
    await raw.set(`old:r:credit:ledger:${ENCODED}:pi_1`, '1');
    await raw.set('old:r:req_1:0', 'settled');
    await raw.set('old:r:req_9:0', 'released');
    await raw.set('old:rec:req_1:0', record);
    await raw.zadd(`old:i:account:${ENCODED}`, now, 'req_1:0');
    await raw.zadd('old:i:generation:gen_1', now, 'req_1:0');
    await raw.set('old:c:readyz', '4');
    await raw.hset(`old:f:account:${ENCODED}`, 'markup', '0');
    await raw.set('old:kv:{cache}:k', 'v');
    await raw.set('other:m:ledger:x', 'not ours');

    const dry = await migrateRedisStoreLayout({ url: redis.url, prefix: 'old:', dryRun: true });
    assert.deepEqual(dry, { renamed: 6, unchanged: 3, left: 1, conflicts: [] });
    assert.equal(await raw.exists(`old:m:ledger:${ENCODED}`), 1, 'a dry run changes nothing');

    const report = await migrateRedisStoreLayout({ url: redis.url, prefix: 'old:' });
    assert.deepEqual(report, dry);
    assert.equal(await raw.get('other:m:ledger:x'), 'not ours', 'another prefix is left alone');
    assert.equal(await raw.hget(`old:m:{team%20acme}:ledger:${ENCODED}`, 'credit'), String(3 * DOLLAR));
    assert.deepEqual(await migrateRedisStoreLayout({ url: redis.url, prefix: 'old:' }), {
      renamed: 0,
      unchanged: 9,
      left: 1,
      conflicts: [],
    });

    // Billing on the new layout sees the old balance, refuses the old top-up again and lists the old record.
    const store = new RedisStore({ url: redis.url, prefix: 'old:' });
    const fixture = await startBillingFixture({ store, freeAllocationNano: DOLLAR });
    try {
      assert.deepEqual(await fixture.billing.getBalance(ACCOUNT), {
        balanceNano: 3 * DOLLAR - 100,
        availableNano: 3 * DOLLAR - 100,
        creditedNano: 3 * DOLLAR,
        totalUsedNano: 100,
        reservedNano: 0,
      });
      assert.equal((await fixture.billing.topUp(ACCOUNT, DOLLAR, { idempotencyKey: 'pi_1' })).applied, false);
      const usage = await fixture.billing.listUsage(ACCOUNT, { from: 0, to: now + 1 });
      assert.deepEqual(
        usage.map((entry) => entry.id),
        ['req_1:0'],
      );
      assert.equal(await store.readCounter('readyz'), 4);
      assert.equal(await store.getRecord('req_1:0', ACCOUNT), record);
    } finally {
      await fixture.close();
      await store.close();
    }
  });

  it('a new version started before the migration refuses to grant the free allocation again, naming the migration', async () => {
    await raw.hset(`early2:m:ledger:${ENCODED}`, { credit: String(2 * DOLLAR), used: '0', granted: '1' });
    const store = new RedisStore({ url: redis.url, prefix: 'early2:' });
    const fixture = await startBillingFixture({ store, freeAllocationNano: DOLLAR });
    try {
      await assert.rejects(
        fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi', account: { id: ACCOUNT } }),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.equal((error as { code?: string }).code, 'config_invalid');
          assert.match(error.message, /switchyard store migrate/);
          return true;
        },
      );
      assert.equal(fixture.simulator.totals.requests, 0, 'nothing was served on a grant the account already had');
      assert.equal(await raw.exists(`early2:m:{team%20acme}:ledger:${ENCODED}`), 0, 'no new ledger was granted');
      // An account with no old ledger is granted as usual.
      await fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi', account: { id: 'team_new' } });
      assert.equal((await fixture.billing.getBalance('team_new')).creditedNano, DOLLAR);
    } finally {
      await fixture.close();
      await store.close();
    }
    await migrateRedisStoreLayout({ url: redis.url, prefix: 'early2:' });
    const migrated = new RedisStore({ url: redis.url, prefix: 'early2:' });
    const after = await startBillingFixture({ store: migrated, freeAllocationNano: DOLLAR });
    try {
      await after.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi', account: { id: ACCOUNT } });
      assert.equal(
        (await after.billing.getBalance(ACCOUNT)).creditedNano,
        2 * DOLLAR,
        'the old balance, not a new grant',
      );
    } finally {
      await after.close();
      await migrated.close();
    }
  });

  it('never overwrites a key the new version wrote before the migration', async () => {
    await raw.hset('early:m:ledger:acme', { credit: '7' });
    await raw.hset('early:m:{acme}:ledger:acme', { credit: '1' });
    const report = await migrateRedisStoreLayout({ url: redis.url, prefix: 'early:' });
    assert.deepEqual(report.conflicts, ['early:m:ledger:acme']);
    assert.equal(await raw.hget('early:m:{acme}:ledger:acme', 'credit'), '1');
    assert.equal(
      await raw.hget('early:m:ledger:acme', 'credit'),
      '7',
      'the old key stays for the operator to reconcile',
    );
  });

  it('runs as `switchyard store migrate --config FILE`, with a dry run first', async () => {
    await raw.hset(`cli:m:ledger:${ENCODED}`, { credit: '9' });
    const directory = mkdtempSync(join(tmpdir(), 'switchyard-migrate-'));
    const file = join(directory, 'switchyard.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: { openai: { apiKey: 'sk-anything-at-all' } },
        store: { redis: { url: redis.url, prefix: 'cli:' } },
      }),
    );
    const lines: string[] = [];
    const context = {
      out: (line: string) => void lines.push(line),
      error: (line: string) => void lines.push(line),
      environment: process.env,
      cwd: directory,
      onSignal: () => undefined,
    };
    try {
      assert.equal(await runCli(['store', 'migrate', '--config', file, '--dry-run'], context), 0);
      assert.match(lines.join('\n'), /\(dry run\): 1 key\(s\) would move/);
      assert.equal(await raw.exists(`cli:m:ledger:${ENCODED}`), 1);
      assert.equal(await runCli(['store', 'migrate', '--config', file], context), 0);
      assert.match(lines.at(-1) ?? '', /1 key\(s\) moved, 0 unchanged/);
      assert.equal(await raw.hget(`cli:m:{team%20acme}:ledger:${ENCODED}`, 'credit'), '9');
      assert.equal(await runCli(['store', 'nothing'], context), 2);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
