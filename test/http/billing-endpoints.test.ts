import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  createGateway,
  GatewayAuthenticationError,
  GatewayNotFoundError,
  GatewayInvalidRequestError,
} from '@ai-sdk/gateway';
import { generateText } from 'ai';
import { createBilling } from '../../src/billing/billing.js';
import type { AccountReference } from '../../src/core/events.js';
import { checkReportQuery } from '../../src/billing/spend-report.js';
import type { GenerationSummary } from '../../src/billing/usage-record.js';
import type { GatewayBilling, ReportQuery } from '../../src/http/http-types.js';
import { GATEWAY_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

const GENERATION = {
  id: 'gen_known',
  total_cost: 0.00012,
  market_cost: 0.00012,
  upstream_inference_cost: 0.00012,
  usage: 0.00012,
  created_at: '2025-06-01T10:00:00.000Z',
  model: 'openai/gpt-4o',
  is_byok: false,
  provider_name: 'openai',
  streamed: false,
  finish_reason: 'stop',
  latency: 120,
  generation_time: 118,
  native_tokens_prompt: 10,
  native_tokens_completion: 20,
  native_tokens_reasoning: 0,
  native_tokens_cached: 0,
  native_tokens_cache_creation: 0,
  billable_web_search_calls: 0,
};

/** What billing answers for {@link GENERATION} (the dialect shapes it into the wire object above). */
const GENERATION_SUMMARY: GenerationSummary = {
  id: 'gen_known',
  model: 'openai/gpt-4o',
  provider: 'openai',
  costNano: 120_000,
  marketCostNano: 120_000,
  surchargeNano: 0,
  createdAt: new Date('2025-06-01T10:00:00.000Z'),
  byok: false,
  streamed: false,
  finishReason: 'stop',
  latencyMs: 120,
  generationTimeMs: 118,
  tokens: { inputTokens: 10, outputTokens: 20, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
};

describe('billing endpoints (@ai-sdk/gateway client)', () => {
  let gateway: Gateway;
  const calls: Array<{ method: string; account: AccountReference; argument?: unknown }> = [];
  const billing: GatewayBilling = {
    getCredits: async (account) => {
      calls.push({ method: 'credits', account });
      return { balanceNano: 12_500_000_000, totalUsedNano: 250_000_000 };
    },
    getReport: async (account, query: ReportQuery) => {
      calls.push({ method: 'report', account, argument: query });
      checkReportQuery(query); // a billing source checks the query's rules (the real one does)
      const row = {
        group: 'openai/gpt-4o',
        costNano: 250_000_000,
        marketCostNano: 250_000_000,
        inputTokens: 100,
        outputTokens: 20,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        requestCount: 2,
        cacheHitCount: 0,
        cacheSavedNano: 0,
      };
      return { groupBy: query.groupBy ?? 'day', rows: [row] };
    },
    getGeneration: async (account, id) => {
      calls.push({ method: 'generation', account, argument: id });
      return id === GENERATION.id ? GENERATION_SUMMARY : undefined;
    },
  };

  beforeAll(async () => {
    gateway = await startGateway({ billing });
  });
  afterAll(() => gateway.close());

  const client = (key = GATEWAY_KEY) => createGateway({ apiKey: key, baseURL: `${gateway.origin}/v4/ai` });

  it('serves credits, reports and generations for the key account', async () => {
    assert.deepEqual(await client().getCredits(), { balance: '12.5', totalUsed: '0.25' });
    assert.deepEqual(calls.at(-1)?.account, { id: 'team_test', apiKeyId: 'key_test' });
    const report = await client().getSpendReport({
      startDate: '2025-06-01',
      endDate: '2025-06-30',
      groupBy: 'model',
      tags: ['beta', 'eu'],
      credentialType: 'system',
    });
    assert.equal(report.results[0].totalCost, 0.25);
    assert.deepEqual(calls.at(-1)?.argument, {
      from: Date.UTC(2025, 5, 1),
      to: Date.UTC(2025, 6, 1) - 1,
      groupBy: 'model',
      credentialType: 'system',
      tags: ['beta', 'eu'],
    });
    const generation = await client().getGenerationInfo({ id: GENERATION.id });
    const wire = await send(gateway.origin, `/v1/generation?id=${GENERATION.id}`);
    assert.deepEqual(wire.body, { data: { ...GENERATION, surcharge_cost: 0 } });
    assert.equal(generation.providerName, 'openai');
    assert.equal(generation.promptTokens, 10);
  });

  it('answers 404 for an unknown generation, 400 for a bad query, 401 without a valid key', async () => {
    await assert.rejects(
      client().getGenerationInfo({ id: 'gen_missing' }),
      (error: unknown) => GatewayNotFoundError.isInstance(error) && /gen_missing/.test((error as Error).message),
    );
    await assert.rejects(
      client().getSpendReport({ startDate: 'yesterday', endDate: '2025-06-30' }),
      (error: unknown) => GatewayInvalidRequestError.isInstance(error) && /start_date/.test((error as Error).message),
    );
    await assert.rejects(client('gw-wrong-key-0000').getCredits(), (error: unknown) =>
      GatewayAuthenticationError.isInstance(error),
    );
    const cases: Array<[string, RegExp]> = [
      ['/v1/report?end_date=2025-06-30', /`start_date` query parameter is required/],
      ['/v1/report?start_date=2025-06-30&end_date=2025-06-01', /end of the range is before its start/],
      [
        '/v1/report?start_date=2025-06-01&end_date=2025-06-30&group_by=planet',
        /`group_by` query parameter must be one of/,
      ],
      [
        '/v1/report?start_date=2025-06-01&end_date=2025-06-30&credential_type=stolen',
        /`credential_type` query parameter must be one of byok, system/,
      ],
      ['/v1/generation', /`id` query parameter is required/],
    ];
    for (const [path, message] of cases) {
      const response = await send(gateway.origin, path);
      assert.equal(response.status, 400, path);
      assert.match((response.body as { error: { message: string } }).error.message, message);
      if (path.includes('end_date=2025-06-01'))
        assert.equal((response.body as { error: { param: string } }).error.param, 'end_date');
    }
  });

  it('works end to end with the billing layer', async () => {
    const real = createBilling({ freeAllocationNano: 5_000_000_000 });
    const withBilling = await startGateway({ billing: real }, { hooks: [real.hook] });
    try {
      const provider = createGateway({ apiKey: GATEWAY_KEY, baseURL: `${withBilling.origin}/v4/ai` });
      const result = await generateText({ model: provider('openai/gpt-4o'), prompt: 'bill me', maxRetries: 0 });
      const generationId = (result.providerMetadata?.gateway as { generationId: string }).generationId;
      const credits = await provider.getCredits();
      assert.match(credits.balance, /^\d+(\.\d+)?$/);
      assert.notEqual(credits.totalUsed, '0');
      const info = await provider.getGenerationInfo({ id: generationId });
      assert.equal(info.model, 'openai/gpt-4o');
      const today = new Date().toISOString().slice(0, 10);
      const report = await provider.getSpendReport({ startDate: today, endDate: today, groupBy: 'model' });
      assert.equal(report.results[0].model, 'openai/gpt-4o');
    } finally {
      await withBilling.close();
    }
  });
});
