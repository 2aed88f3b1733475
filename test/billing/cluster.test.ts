/**
 * Two gateway processes sharing one Redis, hammered with concurrent requests against one account:
 * the ledger, the usage records and the rate limits hold across instances, and a Redis outage is met
 * by the configured policy and recovered from.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { UsageRecord } from '../../src/billing/usage-record.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from '../store/redis-server.js';
import type { Outcome, WorkerConfig, WorkerReport } from './fixtures/gateway-worker.js';

const WORKER = fileURLToPath(new URL('./fixtures/gateway-worker.ts', import.meta.url));
const MODEL = 'openai/gpt-4o-mini';
/** Input price of the model, nano-dollars per token. */
const INPUT_NANO_PER_TOKEN = 150;

interface Worker {
  child: ChildProcess;
  go(): void;
  report: Promise<WorkerReport>;
  /** Resolves once the worker served this many requests. */
  served(count: number): Promise<void>;
  /** Resolves once this many of the worker's requests ended, served or not. */
  ended(count: number): Promise<void>;
  /** The counts so far. */
  counts(): { served: number; ended: number };
  /** Ends the lanes of an `untilStopped` worker. */
  stop(): void;
}

async function startWorker(config: WorkerConfig): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  let servedCount = 0;
  let endedCount = 0;
  const waiting: Array<{ count: number; of: 'served' | 'ended'; resolve: () => void }> = [];
  const report = new Promise<WorkerReport>((resolve, reject) => {
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { ready?: boolean; done?: boolean; served?: number; ended?: number };
      if (message.ready) resolveReady();
      if (message.served !== undefined && message.ended !== undefined) {
        servedCount = message.served;
        endedCount = message.ended;
        for (const waiter of waiting)
          if (waiter.count <= (waiter.of === 'served' ? servedCount : endedCount)) waiter.resolve();
      }
      if (message.done) resolve(message as WorkerReport);
    });
    child.once('exit', (code) => reject(new Error(`gateway worker exited with code ${code} before reporting`)));
  });
  report.catch(() => undefined);
  await Promise.race([ready, report]);
  const when =
    (of: 'served' | 'ended') =>
    (count: number): Promise<void> =>
      (of === 'served' ? servedCount : endedCount) >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ count, of, resolve }));
  return {
    child,
    report,
    served: when('served'),
    ended: when('ended'),
    counts: () => ({ served: servedCount, ended: endedCount }),
    stop: () => child.stdin!.write('stop\n'),
    go: () => child.stdin!.write('go\n'),
  };
}

/** Starts two workers, lets them go at once, and returns their outcomes together. */
async function runPair(
  config: WorkerConfig,
  during?: (workers: Worker[]) => Promise<void>,
): Promise<{ outcomes: Outcome[]; reports: WorkerReport[] }> {
  const workers = await Promise.all([startWorker(config), startWorker(config)]);
  for (const worker of workers) worker.go();
  await during?.(workers);
  const reports = await Promise.all(workers.map((worker) => worker.report));
  return { outcomes: reports.flatMap((report) => report.outcomes), reports };
}

function served(outcomes: Outcome[]): Array<Extract<Outcome, { ok: true }>> {
  return outcomes.filter((outcome): outcome is Extract<Outcome, { ok: true }> => outcome.ok);
}

function codes(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const code = outcome.ok ? 'ok' : outcome.code;
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

describe(`two gateway processes on one Redis${REDIS_SKIP_NOTE}`, { timeout: 60_000, skip: Boolean(REDIS_SKIP) }, () => {
  let redis: TestRedisServer;
  let simulator: Simulator;
  let simulatorUrl: string;
  let store: RedisStore;
  let run = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    simulator = createOpenAISimulator({ behaviour: { latencyMs: 15 } });
    simulatorUrl = await simulator.start();
    store = new RedisStore({ url: redis.url, prefix: 'cluster:' });
  });
  afterAll(async () => {
    await store.close();
    await simulator.close();
    await redis.stop();
  });

  /** A fresh account and key namespace for each test. */
  function base(overrides: Partial<WorkerConfig>): WorkerConfig {
    run += 1;
    return {
      redisUrl: redis.url,
      simulatorUrl,
      prefix: 'cluster:',
      account: { id: `team_${run}`, apiKeyId: `key_${run}` },
      freeAllocationNano: 1_000_000,
      policy: 'fail-closed',
      model: MODEL,
      prompt: 'Please repeat this sentence back to me, word for word, as it is.',
      maxOutputTokens: 40,
      concurrency: 16,
      ...overrides,
    };
  }

  async function ledgerOf(accountId: string): Promise<{ credit: number; used: number; reserved: number }> {
    return store.readMeter({ key: `ledger:${encodeURIComponent(accountId)}`, group: accountId });
  }

  async function recordsOf(accountId: string): Promise<UsageRecord[]> {
    const bodies = await store.listRecords({
      index: `account:${encodeURIComponent(accountId)}`,
      group: accountId,
      from: 0,
      to: Number.MAX_SAFE_INTEGER,
    });
    return bodies.map((body) => JSON.parse(body) as UsageRecord);
  }

  /** The ledger equals the grant minus exactly what was settled, and every served attempt has exactly one record. */
  async function assertConsistent(config: WorkerConfig, outcomes: Outcome[]): Promise<{ balance: number }> {
    const ok = served(outcomes);
    const settled = ok.reduce((sum, outcome) => sum + outcome.costNano, 0);
    const ledger = await ledgerOf(config.account.id);
    assert.equal(ledger.credit, config.freeAllocationNano);
    assert.equal(ledger.used, settled, 'total used = exact sum of the settled costs');
    assert.equal(ledger.reserved, 0, 'no hold left behind');
    const records = await recordsOf(config.account.id);
    assert.equal(records.length, ok.length, 'one usage record per served request');
    assert.deepEqual(
      new Set(records.map((record) => record.generationId)),
      new Set(ok.map((outcome) => outcome.generationId)),
      'no record lost or doubled',
    );
    assert.equal(
      records.reduce((sum, record) => sum + record.costNano, 0),
      settled,
    );
    return { balance: ledger.credit - ledger.used };
  }

  it('never serves beyond the balance: balance = grant - exact settled costs, records exact', async () => {
    const config = base({ requests: 60 });
    const before = simulator.totals.requests;
    const { outcomes } = await runPair(config);
    const counts = codes(outcomes);
    assert.deepEqual(Object.keys(counts).sort(), ['insufficient_credits', 'ok']);
    assert.equal(outcomes.length, 120);
    const { balance } = await assertConsistent(config, outcomes);
    assert.ok(balance >= 0, `balance ${balance} must not go below zero`);
    // Refused requests never reached the provider (each worker also made one warm-up request).
    assert.equal(simulator.totals.requests - before, counts.ok + 2);
    // Every served request was covered by its reservation: nothing was served on credit.
    const ok = served(outcomes);
    const errors = ok.map((outcome) => outcome.inputTokens - outcome.estimatedInputTokens);
    assert.ok(ok.every((outcome) => outcome.costNano <= outcome.reservedNano));
    console.log(
      `served ${counts.ok}, refused ${counts.insufficient_credits}, final balance ${balance} nano; input estimate error (actual - estimated tokens) from ${Math.min(...errors)} to ${Math.max(...errors)}`,
    );
  });

  it('bounds the overspend by the input estimate error, and measures it', async () => {
    // The vendor counts 400 input tokens for a prompt the router estimates at about 20: every attempt
    // costs more than it reserved by (400 - estimate) input tokens.
    simulator.configure({
      reply: () => {
        const textChunks = Array.from({ length: 40 }, (_, index) => (index === 0 ? 'word' : ' word'));
        return { text: textChunks.join(''), textChunks, outputTokens: 40, inputTokens: 400 };
      },
    });
    try {
      const config = base({ requests: 40, freeAllocationNano: 2_000_000 });
      const { outcomes } = await runPair(config);
      const ok = served(outcomes);
      const excess = ok.map((outcome) => outcome.costNano - outcome.reservedNano);
      assert.ok(excess.every((value) => value === (400 - ok[0].estimatedInputTokens) * INPUT_NANO_PER_TOKEN));
      const { balance } = await assertConsistent(config, outcomes);
      const perAttempt = excess[0];
      const inFlight = 2 * config.concurrency;
      // The balance can only go below zero by the estimate error of the attempts in flight when it ran out.
      assert.ok(balance > -perAttempt * inFlight, `balance ${balance} beyond ${inFlight} × ${perAttempt}`);
      assert.ok(
        balance < 0,
        'with under-estimated input, the last attempts overspend (the bound is reached, not just assumed)',
      );
      console.log(
        `estimate error ${perAttempt} nano per attempt (${perAttempt / INPUT_NANO_PER_TOKEN} input tokens); served ${ok.length}; final balance ${balance} nano = ${(-balance / perAttempt).toFixed(2)} attempts' error (bound: ${inFlight} in flight)`,
      );
    } finally {
      simulator.configure({ reply: undefined });
    }
  });

  it('enforces a rate limit across instances', async () => {
    const config = base({ requests: 30, freeAllocationNano: 1_000_000_000, rateLimits: { requestsPerMinute: 25 } });
    const { outcomes } = await runPair(config);
    assert.deepEqual(codes(outcomes), { ok: 25, rate_limited: 35 });
    for (const outcome of outcomes)
      if (!outcome.ok)
        assert.ok(outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0 && outcome.retryAfterMs <= 65_000);
    await assertConsistent(config, outcomes);
  });

  for (const policy of ['fail-closed', 'fail-open'] as const) {
    it(`holds the ${policy} policy while Redis is down and resumes when it returns`, async () => {
      const config = base({
        policy,
        freeAllocationNano: 1_000_000_000,
        untilStopped: true,
        concurrency: 3,
        pauseMs: 10,
        flushTimeoutMs: 5_000,
      });
      let downAt = 0;
      let upAt = 0;
      const { outcomes, reports } = await runPair(config, async (workers) => {
        await Promise.all(workers.map((worker) => worker.served(3)));
        downAt = Date.now();
        await redis.stop({ save: true });
        // Conditions, not durations: each worker made requests while Redis was down...
        await Promise.all(workers.map((worker) => worker.ended(worker.counts().ended + 2 * config.concurrency)));
        await redis.start();
        upAt = Date.now();
        // ...and served requests again once it was back; then the lanes stop. Four per lane: the first may have
        // started before Redis came back, the second is the first served after it, and only those after that
        // show that service resumed (with two, a fail-open lane could stop before starting one).
        await Promise.all(workers.map((worker) => worker.served(worker.counts().served + 4 * config.concurrency)));
        for (const worker of workers) worker.stop();
      });
      const counts = codes(outcomes);
      const before = outcomes.filter((outcome) => outcome.endedAt < downAt);
      const during = outcomes.filter((outcome) => outcome.startedAt > downAt + 50 && outcome.endedAt < upAt);
      // Service resumed: in each process, once a request was served after Redis came back, every request
      // started after it was served too.
      const afterwards = reports.flatMap((report) => {
        const resumedAt = Math.min(
          ...report.outcomes
            .filter((outcome) => outcome.ok && outcome.startedAt > upAt)
            .map((outcome) => outcome.endedAt),
        );
        return report.outcomes.filter((outcome) => outcome.startedAt > resumedAt);
      });
      assert.ok(before.length > 0 && before.every((outcome) => outcome.ok), 'served before the outage');
      assert.ok(during.length > 0, 'requests were made during the outage');
      if (policy === 'fail-closed') {
        assert.ok(
          during.every((outcome) => !outcome.ok && outcome.code === 'store_unavailable'),
          JSON.stringify(codes(during)),
        );
        assert.deepEqual(Object.keys(counts).sort(), ['ok', 'store_unavailable']);
      } else {
        assert.ok(
          during.every((outcome) => outcome.ok),
          JSON.stringify(codes(during)),
        );
        assert.deepEqual(Object.keys(counts), ['ok']);
        assert.ok(reports.every((report) => report.warnings.includes('store_unavailable')));
      }
      // Neither crashed nor hung: every request ended promptly.
      const slowest = Math.max(...outcomes.map((outcome) => outcome.endedAt - outcome.startedAt));
      // A hang would last the attempt timeout or forever; a busy machine still answers well within this.
      assert.ok(slowest < 10_000, `slowest request took ${slowest} ms`);
      assert.ok(
        afterwards.length > 0 && afterwards.every((outcome) => outcome.ok),
        `service resumed: ${JSON.stringify(codes(afterwards))}`,
      );
      assert.ok(
        reports.every((report) => report.pendingSettlements === 0),
        'every deferred settlement reached Redis',
      );
      // The test's own connection to Redis reconnects on its own time: wait until it answers.
      for (;;) {
        try {
          await store.readCounter('cluster:probe');
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      await assertConsistent(config, outcomes);
      console.log(
        `${policy}: ${JSON.stringify(counts)}; during the outage ${JSON.stringify(codes(during))}; slowest ${slowest} ms`,
      );
    });
  }
});
