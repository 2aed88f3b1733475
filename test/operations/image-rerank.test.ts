/**
 * The image and rerank operations through the router, over every vendor's real SDK against its simulator:
 * results, usage events with exact costs, failover, `order`/`only`, abort.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { tokenCost } from '../../src/billing/cost.js';
import type { UsageEvent } from '../../src/core/events.js';
import { Router } from '../../src/router/router.js';
import { createBedrockSimulator } from '../../src/testing/bedrock-simulator.js';
import { createCohereSimulator } from '../../src/testing/cohere-simulator.js';
import { createGoogleSimulator } from '../../src/testing/google-simulator.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import { countTokens, type Simulator } from '../../src/testing/simulator-server.js';
import { gatewayFailure } from '../providers/provider-fixtures.js';
import { waitFor } from '../helpers/wait-for.js';

process.env.AWS_CONFIG_FILE = '/nonexistent/switchyard-test/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/switchyard-test/aws-credentials';
for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
  delete process.env[name];

const PNG_SIGNATURE = '89504e470d0a1a0a';

/** An image model served by OpenAI (DALL·E 3) and Bedrock (Nova Canvas), and a reranker by Cohere and Bedrock. */
const TEST_MODELS = [
  {
    id: 'test/painter',
    type: 'image' as const,
    capabilities: { imageGeneration: true },
    offerings: [
      {
        provider: 'openai',
        providerModelId: 'dall-e-3',
        pricing: { input: '0', output: '0', image: { default: '0.04' } },
      },
      {
        provider: 'bedrock',
        providerModelId: 'amazon.nova-canvas-v1:0',
        pricing: { input: '0', output: '0', image: { default: '0.05' } },
      },
    ],
  },
];

describe('image and rerank operations', () => {
  const simulators: Record<'openai' | 'xai' | 'google' | 'bedrock' | 'cohere', Simulator> = {
    openai: createOpenAISimulator(),
    xai: createOpenAISimulator(),
    google: createGoogleSimulator({ accessToken: 'ya29.test-token' }),
    bedrock: createBedrockSimulator(),
    cohere: createCohereSimulator(),
  };
  let router: Router;
  const usage: UsageEvent[] = [];

  beforeAll(async () => {
    const urls = Object.fromEntries(
      await Promise.all(Object.entries(simulators).map(async ([name, simulator]) => [name, await simulator.start()])),
    ) as Record<keyof typeof simulators, string>;
    router = new Router({
      providers: {
        openai: { type: 'openai', apiKey: 'sk-test-images', baseURL: `${urls.openai}/v1` },
        xai: { type: 'xai', apiKey: 'xai-test-images', baseURL: `${urls.xai}/v1` },
        vertex: {
          type: 'vertex',
          project: 'test-project',
          region: 'us-central1',
          baseURL: urls.google,
          credentials: { accessToken: 'ya29.test-token' },
        },
        bedrock: {
          type: 'bedrock',
          baseURL: urls.bedrock,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDIMAGES0001', secretAccessKey: 'secret-images' },
        },
        cohere: { type: 'cohere', apiKey: 'co-test-rerank', baseURL: urls.cohere },
      },
      catalog: { models: TEST_MODELS },
      retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 50 },
      attemptTimeoutMs: 30_000,
    });
    router.on('usage', (event) => usage.push(event));
    await router.ready();
  });
  afterAll(async () => {
    await router.close();
    await Promise.all(Object.values(simulators).map((simulator) => simulator.close()));
  });
  beforeEach(() => {
    usage.length = 0;
    for (const simulator of Object.values(simulators)) simulator.reset();
  });

  const png = (base64: string): string => Buffer.from(base64, 'base64').subarray(0, 8).toString('hex');

  it('generates gpt-image-1 images billed by their tokens, with one usage event', async () => {
    const prompt = 'A lighthouse at dusk';
    const result = await router.generateImage({ model: 'openai/gpt-image-1', prompt, n: 2, size: '1024x1536' });
    assert.equal(result.images.length, 2);
    for (const image of result.images) {
      assert.equal(image.mediaType, 'image/png');
      assert.equal(png(image.base64), PNG_SIGNATURE);
    }
    const body = simulators.openai.requests[0].body as Record<string, unknown>;
    assert.deepEqual(body, { model: 'gpt-image-1', prompt, n: 2, size: '1024x1536' });
    const input = countTokens(prompt);
    assert.deepEqual(result.usage, { inputTokens: input, outputTokens: 544, totalTokens: input + 544 });
    const expected = tokenCost(input, '5') + tokenCost(544, '40');
    assert.equal(result.cost.total, expected);
    assert.equal(usage.length, 1);
    assert.equal(usage[0].operation, 'image');
    assert.equal(usage[0].images, 2);
    assert.equal(usage[0].cost.total, expected);
    assert.equal(usage[0].estimated, false);
  });

  it('prices DALL·E 3 per image by quality and size, one call per image', async () => {
    const result = await router.generateImage({
      model: 'openai/dall-e-3',
      prompt: 'A fox',
      n: 2,
      size: '1792x1024',
      seed: 7,
      providerOptions: { openai: { quality: 'hd' } },
    });
    assert.equal(result.images.length, 2);
    assert.equal(simulators.openai.requests.length, 2, 'DALL·E 3 makes one image per call');
    const body = simulators.openai.requests[0].body as Record<string, unknown>;
    assert.equal(body.response_format, 'b64_json');
    assert.equal(body.quality, 'hd');
    assert.equal(result.cost.images, 240_000_000);
    assert.equal(result.cost.total, 240_000_000);
    assert.deepEqual(result.warnings, [{ type: 'unsupported', feature: 'seed' }]);
    assert.equal(usage.length, 1);
    assert.equal(usage[0].images, 2);
    assert.equal(usage[0].cost.total, 240_000_000);
  });

  it('generates Imagen images on Vertex AI through models.generateImages', async () => {
    const result = await router.generateImage({
      model: 'google/imagen-4.0-generate',
      prompt: 'A cat',
      n: 1,
      aspectRatio: '16:9',
      seed: 3,
    });
    assert.equal(result.provider, 'vertex');
    assert.equal(png(result.images[0].base64), PNG_SIGNATURE);
    const recorded = simulators.google.requests[0];
    assert.match(recorded.path, /publishers\/google\/models\/imagen-4\.0-generate-001:predict$/);
    assert.deepEqual(recorded.body, {
      instances: [{ prompt: 'A cat' }],
      parameters: { sampleCount: 1, aspectRatio: '16:9', seed: 3, addWatermark: false },
    });
    assert.equal(result.cost.total, 40_000_000);
  });

  it('generates Nova Canvas images through InvokeModel, premium priced as premium', async () => {
    const result = await router.generateImage({
      model: 'amazon/nova-canvas',
      prompt: 'A boat',
      size: '1280x720',
      providerOptions: { bedrock: { quality: 'premium', negativeText: 'people' } },
    });
    assert.equal(result.images.length, 1);
    assert.deepEqual(simulators.bedrock.requests[0].body, {
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: 'A boat', negativeText: 'people' },
      imageGenerationConfig: { numberOfImages: 1, width: 1280, height: 720, quality: 'premium' },
    });
    assert.equal(result.cost.total, 60_000_000);
  });

  it('generates grok-2-image images on xAI, with size answered by a warning', async () => {
    const result = await router.generateImage({ model: 'xai/grok-2-image', prompt: 'A comet', size: '1024x1024' });
    assert.equal(result.images[0].mediaType, 'image/jpeg');
    const body = simulators.xai.requests[0].body as Record<string, unknown>;
    assert.equal(body.size, undefined);
    assert.equal(body.response_format, 'b64_json');
    assert.equal(result.warnings[0].type, 'unsupported');
    assert.equal(result.cost.total, 70_000_000);
  });

  it('fails over to the next offering when the first answers 500, billing only the attempt that served', async () => {
    simulators.openai.script({ type: 'status', status: 500 });
    const fallbacks: string[] = [];
    const onFallback = (event: { from: { provider: string } }): void => void fallbacks.push(event.from.provider);
    router.on('fallback', onFallback);
    try {
      const result = await router.generateImage({
        model: 'test/painter',
        prompt: 'A tree',
        providerOptions: { gateway: { order: ['openai', 'bedrock'] } },
      });
      assert.equal(result.provider, 'bedrock');
      assert.deepEqual(
        result.attempts.map((attempt) => [attempt.provider, attempt.outcome]),
        [
          ['openai', 'error'],
          ['bedrock', 'success'],
        ],
      );
      assert.deepEqual(fallbacks, ['openai']);
      assert.equal(usage.length, 1);
      assert.equal(usage[0].provider, 'bedrock');
      assert.equal(usage[0].cost.total, 50_000_000);
    } finally {
      router.off('fallback', onFallback);
    }
  });

  it('follows only', async () => {
    const result = await router.generateImage({
      model: 'test/painter',
      prompt: 'A tree',
      providerOptions: { gateway: { only: ['bedrock'] } },
    });
    assert.equal(result.provider, 'bedrock');
    assert.equal(simulators.openai.requests.length, 0);
  });

  it('aborts the upstream image call when the caller aborts, and bills nothing', async () => {
    simulators.openai.script({ type: 'hang' });
    const controller = new AbortController();
    const pending = router.generateImage({
      model: 'openai/dall-e-3',
      prompt: 'A slow painting',
      abortSignal: controller.signal,
    });
    await waitFor(() => simulators.openai.requests.length === 1);
    controller.abort();
    const error = await gatewayFailure(pending);
    assert.equal(error.code, 'aborted');
    await waitFor(() => simulators.openai.requests[0].aborted);
    assert.equal(usage.length, 0);
  });

  it('refuses a bad image request with the parameter named', async () => {
    const error = await gatewayFailure(
      router.generateImage({ model: 'openai/dall-e-3', prompt: 'x', size: 'big' as never }),
    );
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, 'size');
    const language = await gatewayFailure(router.generateImage({ model: 'openai/gpt-4o', prompt: 'x' }));
    assert.equal(language.code, 'no_route');
    const chat = await gatewayFailure(router.generate({ model: 'openai/dall-e-3', prompt: 'x' }));
    assert.equal(chat.code, 'no_route');
  });

  it('reranks with Cohere through client.rerank, billed per search unit', async () => {
    const documents = ['Paris is the capital of France.', 'Berlin is in Germany.', 'The capital of Spain is Madrid.'];
    const result = await router.rerank({
      model: 'cohere/rerank-v3.5',
      query: 'capital of France',
      documents,
      topN: 2,
      providerOptions: { gateway: { only: ['cohere'] } },
    });
    assert.equal(result.provider, 'cohere');
    assert.equal(result.ranking.length, 2);
    assert.equal(result.ranking[0].index, 0);
    assert.ok(result.ranking[0].relevanceScore >= result.ranking[1].relevanceScore);
    assert.deepEqual(simulators.cohere.requests[0].body, {
      model: 'rerank-v3.5',
      query: 'capital of France',
      documents,
      top_n: 2,
    });
    assert.equal(result.usage.searchUnits, 1);
    assert.equal(result.cost.total, 2_000_000);
    assert.equal(usage.length, 1);
    assert.equal(usage[0].operation, 'rerank');
    assert.equal(usage[0].searchUnits, 1);
    assert.equal(usage[0].estimated, false);
  });

  it('fails over from Cohere to Cohere Rerank on Bedrock; object documents go as JSON text', async () => {
    simulators.cohere.script({ type: 'status', status: 503 });
    const result = await router.rerank({
      model: 'cohere/rerank-v3.5',
      query: 'red fruit',
      documents: [
        { name: 'banana', colour: 'yellow' },
        { name: 'cherry', colour: 'red' },
      ],
      providerOptions: { gateway: { order: ['cohere', 'bedrock'] } },
    });
    assert.equal(result.provider, 'bedrock');
    assert.equal(result.ranking[0].index, 1);
    const body = simulators.bedrock.requests[0].body as Record<string, unknown>;
    assert.equal(body.api_version, 2);
    assert.deepEqual(body.documents, ['{"name":"banana","colour":"yellow"}', '{"name":"cherry","colour":"red"}']);
    assert.equal(usage.length, 1);
    assert.equal(usage[0].provider, 'bedrock');
    assert.equal(usage[0].cost.total, 2_000_000);
  });

  it('reranks with Amazon Rerank on Bedrock, 150 documents billed as two search units', async () => {
    const documents = Array.from(
      { length: 150 },
      (_, index) => `document ${index} about ${index % 2 ? 'cats' : 'dogs'}`,
    );
    const result = await router.rerank({ model: 'amazon/rerank-v1.0', query: 'cats', documents, topN: 3 });
    assert.equal(result.ranking.length, 3);
    assert.equal(result.usage.searchUnits, 2);
    assert.equal(result.cost.total, 2_000_000);
    assert.equal((simulators.bedrock.requests[0].body as Record<string, unknown>).api_version, undefined);
  });

  it('aborts a rerank when the caller aborts', async () => {
    simulators.cohere.script({ type: 'hang' });
    const controller = new AbortController();
    const pending = router.rerank({
      model: 'cohere/rerank-v3.5',
      query: 'q',
      documents: ['a'],
      abortSignal: controller.signal,
      providerOptions: { gateway: { only: ['cohere'] } },
    });
    await waitFor(() => simulators.cohere.requests.length === 1);
    controller.abort();
    const error = await gatewayFailure(pending);
    assert.equal(error.code, 'aborted');
    assert.equal(usage.length, 0);
  });
});
