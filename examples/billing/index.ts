/**
 * Billing example: credits, a budget and a usage hook feeding your own database.
 *
 *   npx tsx examples/billing/index.ts                          (in-memory store)
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/billing/index.ts   (shared Redis store)
 *
 * It runs against the OpenAI simulator from `switchyard/testing`, so no API key is needed: point the
 * provider at the real API (drop `baseURL`) to bill real traffic. With Redis, each run keeps its
 * accounts under a prefix of its own (`example:<time>:`), so a second run starts with fresh credits and
 * budgets; ledgers never expire: `redis-cli --scan --pattern 'example:*' | xargs redis-cli del` clears them.
 */
import type { UsageRecord } from '../../src/billing/index.js';
import { nanoToDollars } from '../../src/billing/cost.js';
import { GatewayError } from '../../src/core/errors.js';
import { createGateway } from '../../src/gateway.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';

/** Your database, reduced to one table with an insert() (a Postgres or SQLite client in real life). */
class UsageTable {
  readonly rows: Array<{
    generation_id: string;
    account_id: string;
    user_id: string | null;
    model: string;
    cost_usd: string;
    tokens: number;
    created_at: string;
  }> = [];
  async insert(row: UsageTable['rows'][number]): Promise<void> {
    this.rows.push(row);
  }
}

const DOLLAR = 1_000_000_000; // money is integer nano-dollars

const simulator = createOpenAISimulator();
const baseURL = await simulator.start();
const table = new UsageTable();

// One configuration: createGateway wires billing into the router (a reservation before each attempt, one
// settlement after), sends its events through the router, and serves its endpoints over HTTP.
const gateway = createGateway({
  providers: { openai: { apiKey: 'sk-example-not-a-real-key', baseURL: `${baseURL}/v1` } },
  store: process.env.REDIS_URL
    ? { redis: { url: process.env.REDIS_URL, prefix: `example:${Date.now()}:`, startTimeoutMs: 5_000 } }
    : 'memory',
  billing: {
    freeAllocationNano: DOLLAR / 1_000, // $0.001 on each account's first request
    // Each user of each account: a warning at $0.00002 a day, a hard stop at $0.00004.
    budgets: [
      { accountId: '*', scope: 'user', target: '*', period: 'day', softLimitNano: 20_000, hardLimitNano: 40_000 },
    ],
    rateLimits: { requestsPerMinute: 100 },
    // The usage hook: called once per billable attempt, after the charge was recorded.
    onUsageRecord: (record: UsageRecord) =>
      table.insert({
        generation_id: record.generationId,
        account_id: record.accountId,
        user_id: record.user ?? null,
        model: record.model,
        cost_usd: nanoToDollars(record.costNano),
        tokens: record.inputTokens + record.outputTokens,
        created_at: new Date(record.timestamp).toISOString(),
      }),
  },
  logger: false, // in-process calls only: no HTTP auth warning
});
try {
  await gateway.ready(); // connects the store (Redis) and loads the SDKs
} catch (error) {
  console.error(
    `billing example: cannot use the Redis at REDIS_URL (${error instanceof Error ? error.message : String(error)}); start Redis there, or run without REDIS_URL for the in-memory store`,
  );
  await gateway.close();
  await simulator.close();
  process.exit(1);
}
const { router } = gateway;
const billing = gateway.billing!;
router.on('budget', (event) =>
  console.log(
    `budget ${event.hard ? 'HARD' : 'soft'} limit: ${event.scope} of ${event.accountId} spent $${nanoToDollars(event.spentNano)} of $${nanoToDollars(event.limitNano)} (${event.period})`,
  ),
);
router.on('warning', (event) => console.warn(`warning ${event.code}: ${event.message}`));

const account = { id: 'team_acme', user: 'alice' };
for (let index = 1; index <= 5; index += 1) {
  try {
    const result = await router.generate({
      model: 'openai/gpt-4o-mini',
      prompt: `Question number ${index}: what is a ledger?`,
      maxOutputTokens: 40,
      account,
    });
    console.log(`request ${index}: "${result.text}" cost $${nanoToDollars(result.cost.total)}`);
  } catch (error) {
    if (error instanceof GatewayError)
      console.log(`request ${index}: refused ${error.status} ${error.code}: ${error.message}`);
    else throw error;
  }
}

await billing.topUp('team_acme', DOLLAR / 100, { idempotencyKey: 'invoice_2025_001' }); // +$0.01, once
console.log('credits', await billing.getCredits({ id: 'team_acme' }));
const midnight = new Date(new Date().toISOString().slice(0, 10));
const report = await billing.getReport({ id: 'team_acme' }, { from: midnight, to: Date.now(), groupBy: 'user' });
console.log(
  'report by user',
  report.rows.map((row) => ({ user: row.group, cost: `$${nanoToDollars(row.costNano)}`, requests: row.requestCount })),
);
await new Promise((resolve) => setImmediate(resolve)); // let the last usage hook call finish
console.table(table.rows);

await gateway.close(); // billing, the router and the store it built
await simulator.close();
