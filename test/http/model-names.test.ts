import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { GATEWAY_KEY, startGateway, type Gateway } from './gateway-fixture.js';

describe('model names users type', () => {
  let gateway: Gateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(async () => {
    gateway = await startGateway();
    openai = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  const aliases: Array<[typed: string, model: string, upstream: string]> = [
    ['claude-sonnet-4-5', 'anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5-20250929'],
    ['claude-opus-4-1', 'anthropic/claude-opus-4.1', 'claude-opus-4-1-20250805'],
    ['claude-3-5-haiku-latest', 'anthropic/claude-3.5-haiku', 'claude-3-5-haiku-20241022'],
    ['anthropic/claude-sonnet-4-5', 'anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5-20250929'],
    ['gpt-4o-2024-08-06', 'openai/gpt-4o', 'gpt-4o'],
  ];
  for (const [typed, model, upstream] of aliases) {
    it(`openai SDK: '${typed}' resolves to ${model}`, async () => {
      const completion = await openai.chat.completions.create({
        model: typed,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(completion.model, model);
      const simulator = model.startsWith('anthropic/') ? gateway.anthropic : gateway.openai;
      assert.equal((simulator.requests.at(-1)?.body as { model: string }).model, upstream);
    });
  }

  it("anthropic SDK: 'claude-sonnet-4-5' and 'claude-3-5-haiku-latest' resolve", async () => {
    for (const typed of ['claude-sonnet-4-5', 'claude-3-5-haiku-latest']) {
      const message = await anthropic.messages.create({
        model: typed,
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(message.type, 'message');
    }
  });

  it('a miss says "did you mean" with the nearest model by name, of the same creator', async () => {
    const error = await anthropic.messages
      .create({ model: 'anthropic/claude-sonet-4.5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof Anthropic.NotFoundError, String(error));
    assert.match(error.message, /Did you mean 'anthropic\/claude-sonnet-4\.5'/);
    assert.doesNotMatch(error.message, /openai\/gpt-4o/);
    const retrieved = await openai.models.retrieve('anthropic/claude-opus-9').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.ok(retrieved instanceof OpenAI.NotFoundError, String(retrieved));
    assert.match(retrieved.message, /Did you mean 'anthropic\/claude-opus-/);
  });

  it('/v1/models reports each model release date, not 0', async () => {
    const models = await openai.models.list();
    const gpt4o = models.data.find((model) => model.id === 'openai/gpt-4o');
    assert.equal(gpt4o?.created, Date.UTC(2024, 4, 13) / 1000);
    assert.ok(
      models.data.every((model) => model.created >= Date.UTC(2023, 0, 1) / 1000),
      'every model has a real or the documented date',
    );
    const listed = await anthropic.models.list();
    const sonnet = listed.data.find((model) => model.id === 'anthropic/claude-sonnet-4.5');
    assert.equal(sonnet?.created_at, '2025-09-29T00:00:00Z');
  });
});
