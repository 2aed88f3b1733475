import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { GATEWAY_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

describe('error responses', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  it('openai SDK: an error carries a request id (error.requestID from x-request-id)', async () => {
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: 'acme/nope', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof OpenAI.NotFoundError, String(error));
    assert.match(error.requestID ?? '', /^req_[0-9A-Z]{26}$/);
  });

  it('anthropic SDK: an error carries a request id (request-id header, request_id in the body)', async () => {
    const client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
    const error = await client.messages
      .create({ model: 'anthropic/claude-sonnet-4', max_tokens: 0, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof Anthropic.BadRequestError, String(error));
    assert.match(error.requestID ?? '', /^req_/);
    assert.equal((error.error as { request_id?: string }).request_id, error.requestID);
  });

  it("echoes the client's x-request-id when it is a sane token, and replaces one that is not", async () => {
    const echoed = await send(gateway.origin, '/v1/chat/completions', '{"model":"acme/nope","messages":[]}', {
      'x-request-id': 'trace-abc.123:4',
    });
    assert.equal(echoed.headers.get('x-request-id'), 'trace-abc.123:4');
    for (const bad of ['has space', 'x'.repeat(200), '<script>']) {
      const replaced = await send(gateway.origin, '/v4/ai/language-model', '{}', {
        'x-request-id': bad,
        'ai-language-model-id': 'openai/gpt-4o',
      });
      assert.equal(replaced.status, 400);
      assert.match(replaced.headers.get('x-request-id') ?? '', /^req_/, bad);
    }
  });

  it('a no_route error does not list the configured providers', async () => {
    const response = await send(
      gateway.origin,
      '/v1/chat/completions',
      JSON.stringify({
        model: 'openai/gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        providerOptions: { gateway: { only: ['bedrock'] } },
      }),
    );
    assert.equal(response.status, 400, response.text);
    const error = (response.body as { error: { message: string; code: string } }).error;
    assert.equal(error.code, 'no_route');
    assert.match(error.message, /providerOptions\.gateway\.only is \[bedrock\]/);
    assert.doesNotMatch(error.message, /configured providers|anthropic/);
  });
});
