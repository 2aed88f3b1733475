import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { BUILT_IN_MODELS } from '../../src/catalog/built-in-models.js';
import { Catalog, parseRawModelId } from '../../src/catalog/catalog.js';
import { dollarsToNano } from '../../src/billing/cost.js';
import { GatewayError } from '../../src/core/errors.js';
import { PROVIDER_TYPES } from '../../src/providers/provider.js';

describe('catalog', () => {
  it('lists models of every vendor, each offering priced with exact decimal strings', () => {
    const providers = new Set(BUILT_IN_MODELS.flatMap((model) => model.offerings.map((offering) => offering.provider)));
    for (const type of PROVIDER_TYPES) assert.ok(providers.has(type), `an offering through ${type}`);
    for (const model of BUILT_IN_MODELS) {
      assert.match(model.id, /^[a-z]+\/[a-z0-9.-]+$/);
      for (const offering of model.offerings) {
        const { image, ...perUnit } = offering.pricing;
        for (const price of [...Object.values(perUnit), ...Object.values(image ?? {})])
          assert.doesNotThrow(() => dollarsToNano(price as string));
      }
    }
  });

  it('serves Claude through anthropic, bedrock and vertex, and Llama through bedrock', () => {
    const catalog = new Catalog();
    assert.deepEqual(
      catalog.resolve('anthropic/claude-sonnet-4').map((offering) => offering.provider),
      ['anthropic', 'bedrock', 'vertex'],
    );
    assert.deepEqual(
      catalog.resolve('meta/llama-3.3-70b').map((offering) => offering.provider),
      ['bedrock'],
    );
    assert.deepEqual(
      catalog.resolve('mistral/mistral-large').map((offering) => offering.provider),
      ['mistral', 'bedrock'],
    );
  });

  it('offers every Claude model on Vertex AI under its Vertex id, at the Anthropic price', () => {
    const claude = BUILT_IN_MODELS.filter((model) => model.id.startsWith('anthropic/'));
    assert.ok(claude.length >= 7);
    for (const model of claude) {
      const direct = model.offerings.find((offering) => offering.provider === 'anthropic');
      const vertex = model.offerings.find((offering) => offering.provider === 'vertex');
      assert.ok(direct && vertex, `${model.id} is offered by anthropic and vertex`);
      assert.equal(
        vertex.providerModelId,
        direct.providerModelId.replace(/-(\d{8})$/, '@$1'),
        `${model.id}: Vertex names the version after an @`,
      );
      assert.deepEqual(vertex.pricing, direct.pricing);
    }
  });

  it('merges user offerings into built-in models and adds new models', () => {
    const catalog = new Catalog({
      models: [
        {
          id: 'openai/gpt-4o',
          offerings: [
            { provider: 'openai-eu', providerModelId: 'gpt-4o', pricing: { input: '2.75', output: '11' } },
            { provider: 'openai', providerModelId: 'gpt-4o', pricing: { input: '2', output: '9' } },
          ],
        },
        {
          id: 'acme/tiny',
          offerings: [{ provider: 'openai', providerModelId: 'tiny-1', pricing: { input: '0.01', output: '0.02' } }],
        },
      ],
    });
    const offerings = catalog.resolve('openai/gpt-4o');
    assert.deepEqual(offerings.map((offering) => [offering.provider, offering.pricing.input]).sort(), [
      ['openai', '2'],
      ['openai-eu', '2.75'],
    ]);
    assert.equal(offerings[0].capabilities.tools, true, 'model capabilities carry over');
    assert.equal(catalog.resolve('acme/tiny')[0].providerModelId, 'tiny-1');
  });

  it('rejects float prices and malformed ids in config', () => {
    assert.throws(
      () =>
        new Catalog({
          models: [
            {
              id: 'acme/x',
              offerings: [
                { provider: 'openai', providerModelId: 'x', pricing: { input: 0.5 as unknown as string, output: '1' } },
              ],
            },
          ],
        }),
      /decimal string/,
    );
    assert.throws(() => new Catalog({ models: [{ id: 'no-slash', offerings: [] }] }), /creator\/model/);
  });

  it('throws model_not_found for an unknown id', () => {
    assert.throws(
      () => new Catalog().resolve('openai/gpt-99'),
      (error: unknown) => error instanceof GatewayError && error.code === 'model_not_found' && error.status === 404,
    );
  });

  it('parses raw provider:model ids', () => {
    assert.deepEqual(parseRawModelId('bedrock:anthropic.claude-sonnet-4-20250514-v1:0'), {
      provider: 'bedrock',
      providerModelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
    });
    assert.equal(parseRawModelId('openai/gpt-4o'), undefined);
  });

  it('resolves the names users type: dated snapshots, -latest, dashed versions, ids without a creator', () => {
    const catalog = new Catalog();
    const cases: Array<[string, string | undefined]> = [
      ['claude-sonnet-4-5', 'anthropic/claude-sonnet-4.5'],
      ['claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4.5'],
      ['anthropic/claude-sonnet-4-5', 'anthropic/claude-sonnet-4.5'],
      ['claude-opus-4-1', 'anthropic/claude-opus-4.1'],
      ['claude-3-5-haiku-latest', 'anthropic/claude-3.5-haiku'],
      ['gpt-4o-2024-08-06', 'openai/gpt-4o'],
      ['openai/gpt-4o-2024-11-20', 'openai/gpt-4o'],
      ['gpt-4o', 'openai/gpt-4o'],
      ['mistral-large-latest', 'mistral/mistral-large'],
      ['gemini-2-5-pro', 'google/gemini-2.5-pro'],
      ['openai/claude-sonnet-4-5', undefined],
      ['gpt-99', undefined],
      ['openai:gpt-4o', undefined],
      ['__proto__', undefined],
    ];
    for (const [typed, expected] of cases) assert.equal(catalog.canonicalId(typed), expected, typed);
    assert.equal(catalog.resolve('claude-3-5-haiku-latest')[0].model, 'anthropic/claude-3.5-haiku');
  });

  it('leaves an id without a creator alone when two creators have it', () => {
    const catalog = new Catalog({
      models: [
        {
          id: 'acme/gpt-4o',
          offerings: [{ provider: 'azure', providerModelId: 'gpt-4o', pricing: { input: '1', output: '1' } }],
        },
      ],
    });
    assert.equal(catalog.canonicalId('gpt-4o'), undefined);
    assert.equal(catalog.canonicalId('openai/gpt-4o-2024-08-06'), 'openai/gpt-4o');
  });

  it('a miss suggests the nearest models by name, of the same creator (not openai/gpt-4o for a Claude name)', () => {
    const catalog = new Catalog();
    assert.equal(catalog.suggest('anthropic/claude-sonet-4')[0], 'anthropic/claude-sonnet-4');
    assert.ok(catalog.suggest('anthropic/claude-nope').every((id) => id.startsWith('anthropic/')));
    assert.deepEqual(catalog.suggest('zzzz-qqqq-wwww'), []);
    assert.throws(
      () => catalog.resolve('anthropic/claude-sonet-4.5'),
      (error: unknown) =>
        error instanceof GatewayError &&
        /Did you mean 'anthropic\/claude-sonnet-4\.5'/.test(error.message) &&
        !/openai\/gpt-4o/.test(error.message),
    );
  });
});
