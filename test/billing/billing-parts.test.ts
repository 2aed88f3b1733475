/**
 * Unit tests of billing's pure parts: markup arithmetic, budget periods and matching, rate-limit
 * resolution and report grouping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { applyBudget, budgetsFor, type BudgetRule } from '../../src/billing/budgets.js';
import { nanoToUsdNumber, withMarkup } from '../../src/billing/markup.js';
import { resolveRateLimits, validateRateLimits } from '../../src/billing/rate-limits.js';
import { buildSpendReport, checkReportQuery } from '../../src/billing/spend-report.js';
import type { UsageRecord } from '../../src/billing/usage-record.js';

describe('markup', () => {
  it('adds an exact fraction, rounding half up, without floats', () => {
    assert.equal(withMarkup(12_345, '0.2'), 14_814);
    assert.equal(withMarkup(5, '0.1'), 6); // 5.5 rounds up
    assert.equal(withMarkup(4, '0.1'), 4); // 4.4 rounds down
    assert.equal(withMarkup(9_000_000_000_000_000, '0.000000001'), 9_000_000_009_000_000);
    assert.equal(withMarkup(777, undefined), 777);
    assert.throws(() => withMarkup(1, '20%'), { code: 'invalid_request' });
  });

  it('turns nano-dollars into the closest USD number', () => {
    assert.equal(nanoToUsdNumber(12_500), 0.0000125);
    assert.equal(nanoToUsdNumber(100_000_000_001), 100.000000001);
  });
});

describe('budget periods', () => {
  const account = { id: 'acme', apiKeyId: 'key_1' };
  const at = Date.UTC(2025, 0, 31, 23, 30);

  it('keys a day budget by UTC date and keeps it until two days after the day ends', () => {
    const budget = applyBudget(
      { accountId: 'acme', scope: 'account', period: 'day', hardLimitNano: 1 },
      account,
      undefined,
      at,
    );
    assert.equal(budget?.meter.key, 'budget:acme:account:day:2025-01-31');
    assert.equal(budget?.meter.ttlMs, 30 * 60_000 + 2 * 86_400_000);
  });

  it('keys a month budget by UTC month', () => {
    const budget = applyBudget(
      { accountId: 'acme', scope: 'apiKey', target: '*', period: 'month', hardLimitNano: 1 },
      account,
      undefined,
      at,
    );
    assert.equal(budget?.meter.key, 'budget:acme:apiKey:key_1:month:2025-01');
    assert.equal(budget?.scope, 'apiKey:key_1');
  });

  it('counts a rolling budget over a window and skips rules that do not concern the request', () => {
    const rolling = applyBudget(
      { accountId: 'acme', scope: 'user', target: 'alice', period: { rollingMs: 3_600_000 }, hardLimitNano: 1 },
      account,
      'alice',
      at,
    );
    assert.deepEqual(rolling?.meter, {
      key: 'budget:acme:user:alice:rolling:3600000',
      group: 'acme',
      window: { windowMs: 3_600_000 },
    });
    assert.equal(
      applyBudget(
        { accountId: 'acme', scope: 'user', target: 'alice', period: 'day', hardLimitNano: 1 },
        account,
        'bob',
        at,
      ),
      undefined,
    );
    assert.equal(
      applyBudget(
        { accountId: 'acme', scope: 'user', target: '*', period: 'day', hardLimitNano: 1 },
        account,
        undefined,
        at,
      ),
      undefined,
    );
  });

  it('lets an account rule win over a rule for every account, and an exact target over a wildcard', () => {
    const rules: BudgetRule[] = [
      { accountId: 'acme', scope: 'user', target: '*', period: 'day', hardLimitNano: 2 },
      { accountId: 'acme', scope: 'user', target: 'alice', period: 'day', hardLimitNano: 3 },
      { accountId: '*', scope: 'user', target: 'alice', period: 'day', hardLimitNano: 4 },
      { accountId: '*', scope: 'account', period: 'month', hardLimitNano: 5 },
      { accountId: 'other', scope: 'account', period: 'month', hardLimitNano: 6 },
    ];
    const chosen = budgetsFor(rules, account, 'alice', at);
    assert.deepEqual(
      chosen.map((budget) => [budget.scope, budget.period, budget.rule.hardLimitNano]),
      [
        ['user:alice', 'day', 3],
        ['account', 'month', 5],
      ],
    );
  });
});

describe('rate limits', () => {
  it('resolves each limit from the key, then the account, then the default', () => {
    assert.deepEqual(
      resolveRateLimits([
        { tokensPerMinute: 5 },
        { requestsPerMinute: 7, tokensPerMinute: 9 },
        { requestsPerMinute: 60 },
      ]),
      { requestsPerMinute: 7, tokensPerMinute: 5 },
    );
    assert.deepEqual(resolveRateLimits([undefined, undefined, undefined]), {});
    assert.throws(() => validateRateLimits({ requestsPerMinute: 0 }), { code: 'invalid_request' });
    assert.throws(() => validateRateLimits({ tokensPerMinute: 1.5 }), { code: 'invalid_request' });
  });
});

describe('spend report grouping', () => {
  const record = (overrides: Partial<UsageRecord>): UsageRecord => ({
    id: 'r',
    generationId: 'gen_1',
    requestId: 'req_1',
    accountId: 'acme',
    model: 'openai/gpt-4o',
    provider: 'openai',
    providerType: 'openai',
    providerModelId: 'gpt-4o',
    credentialType: 'system',
    operation: 'generate',
    streamed: false,
    finishReason: 'stop',
    estimated: false,
    inputTokens: 10,
    noCacheInputTokens: 10,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    costNano: 100,
    marketCostNano: 100,
    latencyMs: 10,
    tags: [],
    timestamp: Date.UTC(2025, 5, 1, 10, 15),
    ...overrides,
  });

  it('groups by hour and by user, keeping spend without a user in a row of its own', () => {
    const records = [
      record({ requestId: 'a', user: 'alice' }),
      record({ requestId: 'b', user: 'alice', timestamp: Date.UTC(2025, 5, 1, 11, 5), costNano: 200 }),
      record({ requestId: 'c', timestamp: Date.UTC(2025, 5, 2, 0, 0) }),
      record({ requestId: 'd', timestamp: Date.UTC(2025, 5, 3, 0, 0) }),
    ];
    const range = { from: Date.UTC(2025, 5, 1), to: Date.UTC(2025, 5, 3) - 1 };
    const hourly = buildSpendReport(records, checkReportQuery({ ...range, groupBy: 'hour' }));
    assert.deepEqual(
      hourly.rows.map((row) => [row.periodStart?.toISOString(), row.costNano]),
      [
        ['2025-06-01T10:00:00.000Z', 100],
        ['2025-06-01T11:00:00.000Z', 200],
        ['2025-06-02T00:00:00.000Z', 100],
      ],
    );
    const byUser = buildSpendReport(records, checkReportQuery({ ...range, groupBy: 'user' }));
    assert.deepEqual(
      byUser.rows.map((row) => [row.group, row.requestCount, row.costNano]),
      [
        [undefined, 1, 100],
        ['alice', 2, 300],
      ],
    );
  });

  it('filters by tags (every one), provider and credential type', () => {
    const records = [
      record({ requestId: 'a', tags: ['x', 'y'] }),
      record({ requestId: 'b', tags: ['x'] }),
      record({ requestId: 'c', tags: ['x', 'y'], credentialType: 'byok', costNano: 0 }),
    ];
    const query = checkReportQuery({
      from: Date.UTC(2025, 5, 1),
      to: Date.UTC(2025, 5, 2) - 1,
      groupBy: 'tag',
      tags: ['x', 'y'],
      provider: 'openai',
      credentialType: 'system',
    });
    assert.deepEqual(
      buildSpendReport(records, query).rows.map((row) => [row.group, row.requestCount]),
      [
        ['x', 1],
        ['y', 1],
      ],
    );
  });
});
