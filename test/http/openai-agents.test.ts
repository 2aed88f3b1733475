import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import OpenAI from 'openai';
import { Agent, OpenAIResponsesModel, run, setTracingDisabled, tool } from '@openai/agents';
import { z } from 'zod';
import { GATEWAY_KEY, startGateway, type Gateway } from './gateway-fixture.js';

// The Agents SDK would export traces to OpenAI: no test calls a real vendor.
setTracingDisabled(true);

describe('OpenAI Agents SDK (a client no one here wrote) against the Responses API', () => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await startGateway();
    client = new OpenAI({
      apiKey: GATEWAY_KEY,
      baseURL: `${gateway.origin}/v1`,
      maxRetries: 0,
      fetch: async (url, init) => {
        const r = await fetch(url, init);
        console.log('BODY', init?.body, 'WARN', r.headers.get('x-gateway-warnings'));
        return r;
      },
    });
  });
  afterAll(() => gateway.close());

  for (const model of ['openai/gpt-4o', 'anthropic/claude-sonnet-4']) {
    it(`runs an agent turn with a tool call and its result on ${model}, JSON and streamed`, async () => {
      const calls: string[] = [];
      const weather = tool({
        name: 'weather',
        description: 'Weather for a city',
        parameters: z.object({ city: z.string() }),
        execute: async ({ city }) => {
          calls.push(city);
          return `sunny in ${city}`;
        },
      });
      const agent = new Agent({
        name: 'Forecaster',
        instructions: 'Answer with the weather tool.',
        model: new OpenAIResponsesModel(client, model),
        tools: [weather],
      });
      const before = gateway[model.startsWith('openai') ? 'openai' : 'anthropic'].requests.length;
      const result = await run(agent, 'Weather in Paris? Use the tool please');
      assert.equal(calls.length, 1, 'the agent ran the tool once');
      assert.equal(typeof result.finalOutput, 'string');
      assert.ok((result.finalOutput ?? '').length > 0);
      const upstream = gateway[model.startsWith('openai') ? 'openai' : 'anthropic'];
      assert.equal(upstream.requests.length, before + 2);
      assert.ok(JSON.stringify(upstream.requests.at(-1)?.body).includes('sunny in'), 'the tool result went upstream');

      const streamed = await run(agent, 'Weather in Rome? Use the tool please', { stream: true });
      for await (const _event of streamed) {
        /* drain */
      }
      await streamed.completed;
      assert.equal(calls.length, 2);
      assert.ok((streamed.finalOutput ?? '').length > 0);
    });
  }
});
