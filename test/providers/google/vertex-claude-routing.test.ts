/**
 * Claude through `anthropic`, `bedrock` and `vertex`, each on its own simulator, with order, only and
 * failover between the three (generate and stream), and the simulated gateway serving Claude on Vertex.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { Router } from '../../../src/router/router.js';
import type { RouterConfig } from '../../../src/router/router-types.js';
import { createAnthropicSimulator } from '../../../src/testing/anthropic-simulator.js';
import { createBedrockSimulator } from '../../../src/testing/bedrock-simulator.js';
import { createGoogleSimulator } from '../../../src/testing/google-simulator.js';
import { startSimulatedProviders } from '../../../src/testing/simulated-providers.js';
import { seededRandom } from '../../helpers/candidates.js';

const MODEL = 'anthropic/claude-sonnet-4';
const VERTEX_PATH =
  '/v1/projects/routing-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict';
const routeOf = (result: { attempts: ReadonlyArray<{ provider: string; code?: string }> }): string[] =>
  result.attempts.map((attempt) => `${attempt.provider}:${attempt.code ?? 'ok'}`);

describe('Claude through anthropic, bedrock and vertex', () => {
  const anthropic = createAnthropicSimulator();
  const bedrock = createBedrockSimulator();
  const vertex = createGoogleSimulator({ accessToken: 'ya29.routing-token' });
  let router: Router;
  const generate = (gateway: Record<string, unknown>, prompt = 'Hi') =>
    router.generate({ model: MODEL, prompt, providerOptions: { gateway } });

  beforeAll(async () => {
    const [anthropicURL, bedrockURL, vertexURL] = await Promise.all([
      anthropic.start(),
      bedrock.start(),
      vertex.start(),
    ]);
    const config: RouterConfig = {
      providers: {
        anthropic: { type: 'anthropic', apiKey: 'sk-ant-routing-test-key', baseURL: anthropicURL },
        bedrock: {
          type: 'bedrock',
          baseURL: bedrockURL,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIAROUTINGTEST0001', secretAccessKey: 'routing-test-secret' },
        },
        vertex: {
          type: 'vertex',
          baseURL: vertexURL,
          project: 'routing-project',
          region: 'us-east5',
          credentials: { accessToken: 'ya29.routing-token' },
        },
      },
      retry: { maxRetries: 0 },
      random: seededRandom(5),
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
  afterAll(() => Promise.all([anthropic.close(), bedrock.close(), vertex.close()]));
  beforeEach(() => {
    for (const simulator of [anthropic, bedrock, vertex]) simulator.reset();
  });

  it('offers the model through all three, vertex under its Vertex AI id', () => {
    const candidates = router.candidates(router.normalize({ model: MODEL, prompt: 'Hi' }));
    assert.deepEqual(candidates.map((candidate) => [candidate.provider, candidate.providerModelId]).sort(), [
      ['anthropic', 'claude-sonnet-4-20250514'],
      ['bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0'],
      ['vertex', 'claude-sonnet-4@20250514'],
    ]);
  });

  it('spreads traffic across all three by default', async () => {
    const providers = new Set<string>();
    for (let index = 0; index < 18; index += 1)
      providers.add((await router.generate({ model: MODEL, prompt: `Hi ${index}` })).provider);
    assert.deepEqual([...providers].sort(), ['anthropic', 'bedrock', 'vertex']);
  });

  it('order puts vertex first; only keeps vertex; only without vertex never reaches it', async () => {
    for (let index = 0; index < 3; index += 1) {
      assert.equal((await generate({ order: ['vertex', 'anthropic', 'bedrock'] })).provider, 'vertex');
      assert.equal((await generate({ only: ['vertex'] })).provider, 'vertex');
      assert.notEqual((await generate({ only: ['anthropic', 'bedrock'] })).provider, 'vertex');
    }
    assert.equal(vertex.requests.length, 6);
    assert.ok(vertex.requests.every((request) => request.path === VERTEX_PATH));
    assert.equal(anthropic.requests.length + bedrock.requests.length, 3);
  });

  it('fails over from a throttled vertex to anthropic, and from overloaded anthropic and bedrock to vertex', async () => {
    vertex.script({ type: 'status', status: 429, retryAfterSeconds: 30 });
    const first = await generate({ order: ['vertex', 'anthropic', 'bedrock'] });
    assert.deepEqual(routeOf(first), ['vertex:provider_rate_limited', 'anthropic:ok']);
    anthropic.script({ type: 'status', status: 529 });
    bedrock.script({ type: 'status', status: 503 });
    const second = await generate({ order: ['anthropic', 'bedrock', 'vertex'] });
    assert.deepEqual(routeOf(second), ['anthropic:provider_overloaded', 'bedrock:provider_overloaded', 'vertex:ok']);
    assert.equal(second.text, 'You said: Hi');
  });

  it('streams through vertex after anthropic fails before the first token, billing what vertex reported', async () => {
    anthropic.script({ type: 'reset' });
    const stream = router.stream({
      model: MODEL,
      prompt: 'Stream across three vendors',
      providerOptions: { gateway: { order: ['anthropic', 'vertex'] } },
    });
    let text = '';
    for await (const delta of stream) text += delta;
    assert.match(text, /Stream across three vendors/);
    const result = await stream.result;
    assert.equal(result.provider, 'vertex');
    assert.equal(result.usage.outputTokens.total, vertex.totals.outputTokens);
    assert.equal(result.usage.inputTokens.total, vertex.totals.inputTokens);
    assert.ok(result.cost.total > 0n, 'priced at the vertex offering');
  });
});

describe('the simulated gateway serves Claude on vertex', () => {
  it('answers through the vertex simulator that also serves Gemini', async () => {
    const gateway = await startSimulatedProviders({ types: ['anthropic', 'vertex'] });
    try {
      const router = new Router({ providers: gateway.providers, retry: { maxRetries: 0 } });
      const claude = await router.generate({
        model: MODEL,
        prompt: 'Hi',
        providerOptions: { gateway: { only: ['vertex'] } },
      });
      const gemini = await router.generate({
        model: 'google/gemini-2.5-flash',
        prompt: 'Hi',
        providerOptions: { gateway: { only: ['vertex'] } },
      });
      assert.equal(claude.provider, 'vertex');
      assert.equal(gemini.provider, 'vertex');
      const paths = gateway.simulators.vertex?.requests.map((request) => request.path) ?? [];
      assert.equal(paths.length, 2);
      assert.match(paths[0], /\/publishers\/anthropic\/models\/claude-sonnet-4@20250514:rawPredict$/);
      assert.match(paths[1], /\/publishers\/google\/models\/gemini-2\.5-flash:generateContent$/);
    } finally {
      await gateway.close();
    }
  });
});
