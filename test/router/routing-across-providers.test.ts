/**
 * One model served by several providers: Claude through `anthropic` and `bedrock`, each on its own
 * simulator, with order, only and failover between them (generate and stream).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { Router } from '../../src/router/router.js';
import type { RouterConfig } from '../../src/router/router-types.js';
import { createAnthropicSimulator } from '../../src/testing/anthropic-simulator.js';
import { createBedrockSimulator } from '../../src/testing/bedrock-simulator.js';
import { seededRandom } from '../helpers/candidates.js';

describe('Claude through anthropic and bedrock', () => {
  const anthropic = createAnthropicSimulator();
  const bedrock = createBedrockSimulator();
  let router: Router;
  beforeAll(async () => {
    const [anthropicURL, bedrockURL] = await Promise.all([anthropic.start(), bedrock.start()]);
    const config: RouterConfig = {
      providers: {
        anthropic: { type: 'anthropic', apiKey: 'sk-ant-routing-test-key', baseURL: anthropicURL },
        bedrock: {
          type: 'bedrock',
          baseURL: bedrockURL,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIAROUTINGTEST0001', secretAccessKey: 'routing-test-secret' },
        },
      },
      retry: { maxRetries: 0 },
      random: seededRandom(3),
    };
    // Load every vendor SDK once on a throwaway router, so that the cold start (module loading) is
    // not what the test router's latency-weighted strategy measures first.
    const warm = new Router(config);
    for (const provider of warm.providerNames())
      await warm.generate({
        model: 'anthropic/claude-sonnet-4',
        prompt: 'warm up',
        providerOptions: { gateway: { only: [provider] } },
      });
    router = new Router(config);
  });
  afterAll(() => Promise.all([anthropic.close(), bedrock.close()]));
  beforeEach(() => {
    anthropic.reset();
    bedrock.reset();
  });

  it('offers the model through both providers, each with its own model id and price', () => {
    const candidates = router.candidates(router.normalize({ model: 'anthropic/claude-sonnet-4', prompt: 'Hi' }));
    assert.deepEqual(candidates.map((candidate) => [candidate.provider, candidate.providerModelId]).sort(), [
      ['anthropic', 'claude-sonnet-4-20250514'],
      ['bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0'],
    ]);
  });

  it('spreads traffic across both by default', async () => {
    const providers = new Set<string>();
    for (let index = 0; index < 12; index += 1)
      providers.add((await router.generate({ model: 'anthropic/claude-sonnet-4', prompt: `Hi ${index}` })).provider);
    assert.deepEqual([...providers].sort(), ['anthropic', 'bedrock']);
  });

  it('order puts bedrock first; only keeps anthropic', async () => {
    for (let index = 0; index < 3; index += 1) {
      assert.equal(
        (
          await router.generate({
            model: 'anthropic/claude-sonnet-4',
            prompt: 'Hi',
            providerOptions: { gateway: { order: ['bedrock', 'anthropic'] } },
          })
        ).provider,
        'bedrock',
      );
      assert.equal(
        (
          await router.generate({
            model: 'anthropic/claude-sonnet-4',
            prompt: 'Hi',
            providerOptions: { gateway: { only: ['anthropic'] } },
          })
        ).provider,
        'anthropic',
      );
    }
    assert.equal(anthropic.requests.length, 3);
    assert.equal(bedrock.requests.length, 3);
  });

  it('fails over from a throttled bedrock to anthropic, and from an overloaded anthropic to bedrock', async () => {
    bedrock.script({ type: 'status', status: 429, retryAfterSeconds: 30 });
    const first = await router.generate({
      model: 'anthropic/claude-sonnet-4',
      prompt: 'Hi',
      providerOptions: { gateway: { order: ['bedrock', 'anthropic'] } },
    });
    assert.deepEqual(
      first.attempts.map((attempt) => `${attempt.provider}:${attempt.code ?? 'ok'}`),
      ['bedrock:provider_rate_limited', 'anthropic:ok'],
    );
    anthropic.script({ type: 'status', status: 529 });
    const second = await router.generate({
      model: 'anthropic/claude-sonnet-4',
      prompt: 'Hi',
      providerOptions: { gateway: { order: ['anthropic', 'bedrock'] } },
    });
    assert.deepEqual(
      second.attempts.map((attempt) => `${attempt.provider}:${attempt.code ?? 'ok'}`),
      ['anthropic:provider_overloaded', 'bedrock:ok'],
    );
  });

  it('sends a file URL where URLs work: bedrock (bytes only) is left out, not tried and failed', async () => {
    const prompt = [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'What is this?' },
          {
            type: 'file' as const,
            mediaType: 'image/png',
            data: { type: 'url' as const, url: 'https://example.com/cat.png' },
          },
        ],
      },
    ];
    for (let index = 0; index < 4; index += 1) {
      const result = await router.generate({
        model: 'anthropic/claude-sonnet-4',
        messages: prompt,
        providerOptions: { gateway: { order: ['bedrock', 'anthropic'] } },
      });
      assert.equal(result.provider, 'anthropic');
      assert.deepEqual(
        result.attempts.map((attempt) => attempt.provider),
        ['anthropic'],
      );
    }
    assert.equal(bedrock.requests.length, 0);
    assert.throws(
      () =>
        router.candidates(
          router.normalize({
            model: 'anthropic/claude-sonnet-4',
            messages: prompt,
            providerOptions: { gateway: { only: ['bedrock'] } },
          }),
        ),
      (error: unknown) =>
        (error as { code?: string }).code === 'no_route' &&
        /bedrock takes files as inline bytes, not URLs/.test((error as Error).message),
    );
    // Inline bytes still go to bedrock.
    const inline = [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'What is this?' },
          { type: 'file' as const, mediaType: 'image/png', data: { type: 'data' as const, data: 'iVBORw0KGgo=' } },
        ],
      },
    ];
    assert.equal(
      (
        await router.generate({
          model: 'anthropic/claude-sonnet-4',
          messages: inline,
          providerOptions: { gateway: { order: ['bedrock', 'anthropic'] } },
        })
      ).provider,
      'bedrock',
    );
  });

  it('streams through bedrock after anthropic fails before the first token', async () => {
    anthropic.script({ type: 'reset' });
    const stream = router.stream({
      model: 'anthropic/claude-sonnet-4',
      prompt: 'Stream across vendors',
      providerOptions: { gateway: { order: ['anthropic', 'bedrock'] } },
    });
    let text = '';
    for await (const delta of stream) text += delta;
    assert.match(text, /Stream across vendors/);
    const result = await stream.result;
    assert.equal(result.provider, 'bedrock');
    assert.equal(result.usage.outputTokens.total, bedrock.totals.outputTokens);
  });
});
