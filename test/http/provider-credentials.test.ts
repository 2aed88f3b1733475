import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { createGateway, GatewayAuthenticationError, GatewayFailedDependencyError } from '@ai-sdk/gateway';
import { generateText } from 'ai';
import OpenAI from 'openai';
import {
  ANTHROPIC_VENDOR_KEY,
  GATEWAY_KEY,
  OPENAI_VENDOR_KEY,
  send,
  startGateway,
  type Gateway,
} from './gateway-fixture.js';

/** A vendor's 401 for the gateway's provider key is the operator's problem: 424, never the client's 401. */
describe('a provider rejecting a credential', () => {
  let gateway: Gateway;
  const logged: string[] = [];
  beforeAll(async () => {
    gateway = await startGateway({ logger: { warn: () => {}, error: (message) => void logged.push(message) } });
  });
  afterAll(() => gateway.close());
  beforeEach(() => {
    logged.length = 0;
    gateway.openai.reset();
    gateway.anthropic.reset();
  });

  it("openai SDK: the gateway's own key rejected (401) is a 424 failed_dependency, not AuthenticationError", async () => {
    gateway.openai.script({ type: 'status', status: 401, message: `Incorrect API key provided: ${OPENAI_VENDOR_KEY}` });
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.ok(!(error instanceof OpenAI.AuthenticationError), 'not the client key');
    assert.equal(error.status, 424);
    assert.equal((error.error as { type: string }).type, 'failed_dependency');
    assert.equal(error.code, 'provider_authentication');
    assert.match(error.message, /rejected the gateway's own credentials/);
    assert.match(error.message, /your gateway API key is fine/);
    assert.ok(
      !error.message.includes(OPENAI_VENDOR_KEY) && !error.message.includes('Incorrect API key'),
      error.message,
    );
    assert.equal(logged.length, 1, 'the operator is told');
    assert.ok(!logged[0].includes(OPENAI_VENDOR_KEY), logged[0]);
  });

  it('anthropic SDK: a 403 for the gateway key is a 424 api_error, not PermissionDeniedError', async () => {
    gateway.anthropic.script({ type: 'status', status: 403 });
    const client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
    const error = await client.messages
      .create({ model: 'anthropic/claude-sonnet-4', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof Anthropic.APIError, String(error));
    assert.ok(!(error instanceof Anthropic.PermissionDeniedError) && !(error instanceof Anthropic.AuthenticationError));
    assert.equal(error.status, 424);
    assert.equal((error.error as { error: { type: string } }).error.type, 'api_error');
    assert.ok(!error.message.includes(ANTHROPIC_VENDOR_KEY));
  });

  it('@ai-sdk/gateway: GatewayFailedDependencyError, not GatewayAuthenticationError (which tells the user to set the gateway key)', async () => {
    gateway.openai.script({ type: 'status', status: 401 });
    const provider = createGateway({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v4/ai` });
    const error = await generateText({ model: provider('openai/gpt-4o'), prompt: 'hi', maxRetries: 0 }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.ok(GatewayFailedDependencyError.isInstance(error), String(error));
    assert.ok(!GatewayAuthenticationError.isInstance(error));
  });

  it('streaming: a 401 before any content is the same 424', async () => {
    gateway.openai.script({ type: 'status', status: 401 });
    const response = await send(
      gateway.origin,
      '/v1/chat/completions',
      JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(response.status, 424, response.text);
    assert.equal((response.body as { error: { code: string } }).error.code, 'provider_authentication');
  });

  it("a BYOK key the vendor rejects is also 424, saying it is the caller's BYOK key (param providerOptions.gateway.byok)", async () => {
    gateway.openai.script({ type: 'status', status: 401 });
    const byokKey = 'sk-caller-own-key-0123456789';
    const response = await send(
      gateway.origin,
      '/v1/chat/completions',
      JSON.stringify({
        model: 'openai/gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        providerOptions: { gateway: { byok: { openai: [{ apiKey: byokKey }] } } },
      }),
    );
    assert.equal(response.status, 424, response.text);
    const error = (response.body as { error: { message: string; param: string; code: string } }).error;
    assert.match(error.message, /rejected the credentials sent for it in providerOptions\.gateway\.byok/);
    assert.equal(error.param, 'providerOptions.gateway.byok');
    assert.ok(!response.text.includes(byokKey));
    assert.deepEqual(logged, [], "a caller's own key is not the operator's problem");
  });
});
