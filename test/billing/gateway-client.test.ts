/**
 * The `@ai-sdk/gateway` client's getCredits(), getSpendReport() and getGenerationInfo() against a
 * gateway (HTTP handler + Router + billing) that took traffic: the figures are exactly the ledger's.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createGateway } from '@ai-sdk/gateway';
import { generateText, streamText } from 'ai';
import { createBilling, type Billing } from '../../src/billing/billing.js';
import { nanoToDollars } from '../../src/billing/cost.js';
import type { UsageEvent } from '../../src/core/events.js';
import { createGatewayHandler } from '../../src/http/gateway-handler.js';
import { Router } from '../../src/router/router.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { today } from './billing-fixture.js';

const KEY = 'gw-billing-client-key-0001';
const POOR_KEY = 'gw-billing-client-key-0002';
const GRANT = 5_000_000_000;

describe('@ai-sdk/gateway client against a gateway that took traffic', () => {
  let simulator: Simulator;
  let server: Server;
  let origin: string;
  let billing: Billing;
  const usage: UsageEvent[] = [];

  beforeAll(async () => {
    simulator = createOpenAISimulator();
    const url = await simulator.start();
    billing = createBilling({ freeAllocationNano: GRANT });
    const router = new Router({
      providers: { openai: { type: 'openai', apiKey: 'sk-test-client-0123456789', baseURL: `${url}/v1` } },
      retry: { maxRetries: 0 },
      hooks: [billing.hook],
    });
    billing.attach(router);
    router.on('usage', (event) => void usage.push(event));
    const handler = createGatewayHandler({
      router,
      billing,
      logger: false,
      apiKeys: [
        { key: KEY, id: 'key_client', account: 'team_client' },
        { key: POOR_KEY, id: 'key_poor', account: 'team_poor' },
      ],
    });
    server = createServer((request, response) => {
      if (!handler.handleNode(request, response)) response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await billing.close();
    await simulator.close();
  });

  it('reports exact credits, spend and generation figures', async () => {
    const gateway = createGateway({ apiKey: KEY, baseURL: `${origin}/v4/ai` });
    const first = await generateText({
      model: gateway('openai/gpt-4o-mini'),
      prompt: 'How much does this cost?',
      maxOutputTokens: 64,
      maxRetries: 0,
      providerOptions: { gateway: { user: 'alice', tags: ['docs'] } },
    });
    const second = await generateText({
      model: gateway('openai/gpt-4.1-nano'),
      prompt: 'And this one?',
      maxOutputTokens: 64,
      maxRetries: 0,
      providerOptions: { gateway: { user: 'bob' } },
    });
    const streamed = streamText({
      model: gateway('openai/gpt-4o-mini'),
      prompt: 'Stream the answer',
      maxOutputTokens: 64,
      maxRetries: 0,
      providerOptions: { gateway: { user: 'alice', tags: ['docs'] } },
    });
    await streamed.text;
    assert.equal(usage.length, 3);
    const spent = usage.reduce((sum, event) => sum + event.cost.total, 0);

    assert.deepEqual(await gateway.getCredits(), {
      balance: nanoToDollars(GRANT - spent),
      totalUsed: nanoToDollars(spent),
    });

    const byUser = await gateway.getSpendReport({ startDate: today(), endDate: today(), groupBy: 'user' });
    const aliceNano = usage.filter((event) => event.user === 'alice').reduce((sum, event) => sum + event.cost.total, 0);
    assert.deepEqual(
      byUser.results.map((row) => [row.user, row.totalCost, row.requestCount]),
      [
        ['alice', Number(nanoToDollars(aliceNano)), 2],
        ['bob', Number(nanoToDollars(spent - aliceNano)), 1],
      ],
    );
    const tagged = await gateway.getSpendReport({
      startDate: today(),
      endDate: today(),
      groupBy: 'model',
      tags: ['docs'],
    });
    assert.deepEqual(
      tagged.results.map((row) => [row.model, row.requestCount, row.inputTokens]),
      [
        [
          'openai/gpt-4o-mini',
          2,
          usage.filter((event) => event.tags.includes('docs')).reduce((sum, event) => sum + event.inputTokens, 0),
        ],
      ],
    );

    const generationId = (first.providerMetadata?.gateway as { generationId: string }).generationId;
    const event = usage.find((candidate) => candidate.generationId === generationId);
    assert.ok(event);
    const info = await gateway.getGenerationInfo({ id: generationId });
    assert.equal(info.totalCost, Number(nanoToDollars(event.cost.total)));
    assert.equal(info.promptTokens, event.inputTokens);
    assert.equal(info.completionTokens, event.outputTokens);
    assert.equal(info.providerName, 'openai');
    assert.equal(info.isByok, false);
    assert.equal(info.streamed, false);
    assert.equal(info.finishReason, 'stop');
    assert.ok(second.text.length > 0);
  });

  it('answers 402 in the dialect error format when the balance cannot cover a request', async () => {
    await billing.topUp('team_poor', -GRANT);
    const gateway = createGateway({ apiKey: POOR_KEY, baseURL: `${origin}/v4/ai` });
    await assert.rejects(
      generateText({ model: gateway('openai/gpt-4o-mini'), prompt: 'Hi', maxRetries: 0 }),
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        assert.match(message, /Insufficient credits: account 'team_poor' has \$0 available/);
        assert.equal((error as { statusCode?: number }).statusCode, 402);
        return true;
      },
    );
  });
});
