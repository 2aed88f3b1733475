import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { createGateway, GatewayError } from '@ai-sdk/gateway';
import OpenAI from 'openai';
import { GATEWAY_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

describe('vendor paths the gateway does not serve get a JSON 404 in the dialect format', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  it('openai SDK: completions.create and moderations.create get NotFoundError with the gateway message', async () => {
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    for (const call of [
      () => client.completions.create({ model: 'openai/gpt-4o', prompt: 'hi' }),
      () => client.moderations.create({ model: 'omni-moderation-latest', input: 'hi' }),
    ]) {
      const error = await call().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      assert.ok(error instanceof OpenAI.NotFoundError, String(error));
      assert.match(
        error.message,
        /This gateway does not serve POST \/v1\/(completions|moderations): it serves POST \/v1\/chat\/completions, POST \/v1\/responses/,
      );
      assert.equal((error.error as { type?: string }).type, 'invalid_request_error');
      assert.equal(error.code, 'not_found');
    }
  });

  it('anthropic SDK: messages.countTokens answers an estimate, and says it is one', async () => {
    const client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
    const counted = await client.messages
      .countTokens({
        model: 'claude-sonnet-4-5',
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hello there, how are you today?' }],
      })
      .withResponse();
    assert.ok(counted.data.input_tokens > 0 && counted.data.input_tokens < 50, String(counted.data.input_tokens));
    assert.equal((counted.data as unknown as { estimated: boolean }).estimated, true);
    assert.equal(counted.response.headers.get('x-gateway-token-count'), 'estimate');
    const longer = await client.messages.countTokens({
      model: 'anthropic/claude-sonnet-4',
      messages: [{ role: 'user', content: 'x'.repeat(4000) }],
    });
    assert.ok(longer.input_tokens >= 1000, 'grows with the input');
  });

  it('anthropic SDK: countTokens of an unknown model is NotFoundError in the Anthropic error shape; other /v1/messages/* paths are a JSON 404', async () => {
    const client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
    const error = await client.messages
      .countTokens({ model: 'anthropic/claude-nope', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof Anthropic.NotFoundError, String(error));
    assert.equal((error.error as { type: string }).type, 'error');
    assert.equal((error.error as { error: { type: string } }).error.type, 'not_found_error');
    const batches = await client.messages.batches.list().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.ok(batches instanceof Anthropic.NotFoundError, String(batches));
    assert.match(batches.message, /does not serve GET \/v1\/messages\/batches/);
  });

  it('@ai-sdk/gateway: getCredits without billing configured says billing is not configured', async () => {
    const provider = createGateway({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v4/ai` });
    const error = await provider.getCredits().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.ok(GatewayError.isInstance(error), String(error));
    assert.match((error as Error).message, /billing is not configured/);
  });

  it('raw: any path under /v3/ai and /v4/ai is the gateway own, in the gateway format', async () => {
    for (const path of ['/v4/ai/video-model', '/v3/ai/nope/deeper']) {
      const response = await send(gateway.origin, path, '{}');
      assert.equal(response.status, 404, response.text);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      assert.deepEqual(Object.keys((response.body as { error: object }).error).sort(), [
        'code',
        'message',
        'param',
        'type',
      ]);
      assert.equal((response.body as { error: { type: string } }).error.type, 'not_found');
    }
  });

  it("raw: a path under a served vendor endpoint (OpenAI's stored completions, /v1/chat/completions/{id}) is a JSON 404 too", async () => {
    const response = await send(gateway.origin, '/v1/chat/completions/extra', '{}');
    assert.equal(response.status, 404, response.text);
    assert.equal((response.body as { error: { code: string } }).error.code, 'not_found');
  });

  it('repeated trailing slashes are one: GET /v1/models// lists the models', async () => {
    const response = await send(gateway.origin, '/v1/models//');
    assert.equal(response.status, 200, response.text);
    assert.equal((response.body as { object: string }).object, 'list');
  });

  it('other /v1 paths still pass through to the host application', async () => {
    for (const path of ['/v1/users', '/v1/responsesx', '/v1', '/v2/ai/language-model']) {
      const response = await send(gateway.origin, path);
      assert.equal(response.text, 'passed through', path);
    }
  });
});
