import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import OpenAI from 'openai';
import type { UsageEvent } from '../../src/core/events.js';
import { GATEWAY_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

const OTHER_KEY = 'gw-test-key-0002';
const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'weather',
  description: 'Weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

describe('OpenAI Responses API (openai SDK responses.create / responses.stream)', () => {
  let gateway: Gateway;
  let client: OpenAI;
  const usageEvents: UsageEvent[] = [];

  beforeAll(async () => {
    gateway = await startGateway(
      {
        apiKeys: [
          { key: GATEWAY_KEY, id: 'key_test', account: 'team_test' },
          { key: OTHER_KEY, id: 'key_other', account: 'team_other' },
        ],
      },
      { health: { consecutiveFailuresToOpen: 1, cooldownMs: 60_000 } },
    );
    gateway.router.on('usage', (event) => usageEvents.push(event));
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('answers a string input from an OpenAI model, with usage and a resp_ id', async () => {
    const { data, response } = await client.responses
      .create({ model: 'openai/gpt-4o', input: 'Hello there', instructions: 'Be brief.' })
      .withResponse();
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.match(data.id, /^resp_/);
    assert.equal(data.output_text, 'You said: Hello there');
    assert.equal(data.output[0].type, 'message');
    assert.equal(data.instructions, 'Be brief.');
    assert.ok(data.usage && data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
    assert.equal(data.usage.total_tokens, data.usage.input_tokens + data.usage.output_tokens);
    assert.equal(data.usage.input_tokens_details.cached_tokens, 0);
    assert.equal(data.usage.output_tokens_details.reasoning_tokens, 0);
    assert.equal(response.headers.get('x-gateway-generation-id'), `gen_${data.id.slice(5)}`);
    const upstream = gateway.openai.requests.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    assert.deepEqual(
      upstream.messages.map((message) => message.role),
      ['system', 'user'],
    );
  });
});
