import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGateway, GatewayAuthenticationError, GatewayNotFoundError, GatewayInvalidRequestError } from '@ai-sdk/gateway';
import { generateText } from 'ai';
import { createBilling } from '../../src/billing/billing.js';
import type { AccountReference } from '../../src/events.js';
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

describe('billing endpoints (@ai-sdk/gateway client)', () => {
  let gateway: Gateway;
  const calls: Array<{ method: string; account: AccountReference; argument?: unknown }> = [];
  const billing: GatewayBilling = {
    getCredits: async (account) => {
      calls.push({ method: 'credits', account });
      return { balance: '12.5', total_used: '0.25' };
    },
    getReport: async (account, query: ReportQuery) => {
      calls.push({ method: 'report', account, argument: query });
      return { results: [{ model: 'openai/gpt-4o', total_cost: 0.25, market_cost: 0.25, input_tokens: 100, output_tokens: 20, request_count: 2 }] };
    },
    getGeneration: async (account, id) => {
      calls.push({ method: 'generation', account, argument: id });
      return id === GENERATION.id ? GENERATION : undefined;
    },
  };

  before(async () => {
    gateway = await startGateway({ billing });
  });
  after(() => gateway.close());

  const client = (key = GATEWAY_KEY) => createGateway({ apiKey: key, baseURL: `${gateway.origin}/v4/ai` });

  it('serves credits, reports and generations for the key account', async () => {
    assert.deepEqual(await client().getCredits(), { balance: '12.5', totalUsed: '0.25' });
    assert.deepEqual(calls.at(-1)?.account, { id: 'team_test', apiKeyId: 'key_test' });
    const report = await client().getSpendReport({ startDate: '2025-06-01', endDate: '2025-06-30', groupBy: 'model', tags: ['beta', 'eu'], credentialType: 'system' });
    assert.equal(report.results[0].totalCost, 0.25);
    assert.deepEqual(calls.at(-1)?.argument, { start_date: '2025-06-01', end_date: '2025-06-30', group_by: 'model', credential_type: 'system', tags: ['beta', 'eu'] });
    const generation = await client().getGenerationInfo({ id: GENERATION.id });
    assert.equal(generation.providerName, 'openai');
    assert.equal(generation.promptTokens, 10);
  });

  it('answers 404 for an unknown generation, 400 for a bad query, 401 without a valid key', async () => {
    await assert.rejects(client().getGenerationInfo({ id: 'gen_missing' }), (error: unknown) => GatewayNotFoundError.isInstance(error) && /gen_missing/.test((error as Error).message));
    await assert.rejects(client().getSpendReport({ startDate: 'yesterday', endDate: '2025-06-30' }), (error: unknown) => GatewayInvalidRequestError.isInstance(error) && /start_date/.test((error as Error).message));
    await assert.rejects(client('gw-wrong-key-0000').getCredits(), (error: unknown) => GatewayAuthenticationError.isInstance(error));
    const cases: Array<[string, RegExp]> = [
      ['/v1/report?end_date=2025-06-30', /`start_date` query parameter is required/],
      ['/v1/report?start_date=2025-06-30&end_date=2025-06-01', /`end_date` must not be before `start_date`/],
      ['/v1/report?start_date=2025-06-01&end_date=2025-06-30&group_by=planet', /`group_by` query parameter must be one of/],
      ['/v1/report?start_date=2025-06-01&end_date=2025-06-30&credential_type=stolen', /`credential_type` query parameter must be one of byok, system/],
      ['/v1/generation', /`id` query parameter is required/],
    ];
    for (const [path, message] of cases) {
      const response = await send(gateway.origin, path);
      assert.equal(response.status, 400, path);
      assert.match((response.body as { error: { message: string } }).error.message, message);
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
