/**
 * Real clients against Express with the gateway middleware: the openai SDK's `images.generate`, `ai`'s
 * `generateImage` and `rerank` through `@ai-sdk/gateway`, and the `cohere-ai` client's `rerank` against
 * `/v2/rerank`; and provider-executed tools through the ai-gateway dialect.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import express from 'express';
import OpenAI from 'openai';
import { CohereClientV2 } from 'cohere-ai';
import { createGateway } from '@ai-sdk/gateway';
import { generateImage, generateText, rerank } from 'ai';
import { createGatewayMiddleware } from '../../adapters/express.js';
import type { UsageEvent } from '../../src/core/events.js';
import { Router } from '../../src/router/router.js';
import { createCohereSimulator } from '../../src/testing/cohere-simulator.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import { closeServer, GATEWAY_KEY, listen } from './gateway-fixture.js';

const PNG_SIGNATURE = '89504e470d0a1a0a';

describe('image and rerank endpoints with real clients', () => {
  const openai = createOpenAISimulator();
  const cohere = createCohereSimulator();
  let router: Router;
  let server: Server;
  let origin: string;
  const usage: UsageEvent[] = [];

  beforeAll(async () => {
    const [openaiURL, cohereURL] = await Promise.all([openai.start(), cohere.start()]);
    router = new Router({
      providers: {
        openai: { type: 'openai', apiKey: 'sk-vendor-images-0123456789', baseURL: `${openaiURL}/v1` },
        cohere: { type: 'cohere', apiKey: 'co-vendor-rerank-0123456789', baseURL: cohereURL },
      },
      retry: { maxRetries: 0 },
    });
    router.on('usage', (event) => usage.push(event));
    await router.ready();
    const app = express();
    app.use(
      createGatewayMiddleware({ router, apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'acme' }], logger: false }),
    );
    server = createServer(app);
    origin = await listen(server);
  });
  afterAll(async () => {
    await closeServer(server);
    await router.close();
    await Promise.all([openai.close(), cohere.close()]);
  });

  const gateway = () => createGateway({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v4/ai` });

  it('answers the openai SDK images.generate with b64_json, billed to the key account', async () => {
    usage.length = 0;
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
    const response = await client.images.generate({
      model: 'dall-e-3',
      prompt: 'A red kite',
      size: '1024x1792',
      quality: 'hd',
    });
    const image = response.data?.[0]?.b64_json;
    assert.ok(image);
    assert.equal(Buffer.from(image, 'base64').subarray(0, 8).toString('hex'), PNG_SIGNATURE);
    assert.equal(usage.length, 1);
    assert.equal(usage[0].account?.id, 'acme');
    assert.equal(usage[0].cost.total, 120_000_000);
    const upstream = openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(upstream.quality, 'hd');
    assert.equal(upstream.size, '1024x1792');
  });

  it('answers response_format url with a data URL, and a bad size with a 400 naming it', async () => {
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
    const response = await client.images.generate({ model: 'openai/dall-e-3', prompt: 'x', response_format: 'url' });
    assert.match(response.data?.[0]?.url ?? '', /^data:image\/png;base64,/);
    await assert.rejects(
      client.images.generate({ model: 'openai/dall-e-3', prompt: 'x', size: 'huge' as never }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /size/.test(error.message),
    );
  });

  it('serves generateImage from ai through gateway.imageModel', async () => {
    const result = await generateImage({
      model: gateway().imageModel('openai/gpt-image-1'),
      prompt: 'A paper boat',
      n: 2,
    });
    assert.equal(result.images.length, 2);
    assert.equal(Buffer.from(result.images[0].uint8Array).subarray(0, 8).toString('hex'), PNG_SIGNATURE);
    const metadata = result.providerMetadata.gateway as { generationId?: string; cost?: string } | undefined;
    assert.match(metadata?.generationId ?? '', /^gen_/);
    assert.ok(Number(metadata?.cost) > 0);
  });

  it('serves rerank from ai through gateway.rerankingModel', async () => {
    const documents = ['sunny day at the beach', 'rainy afternoon in the city', 'snowy night in the mountains'];
    const result = await rerank({
      model: gateway().rerankingModel('cohere/rerank-v3.5'),
      query: 'rainy city',
      documents,
      topN: 2,
    });
    assert.equal(result.ranking.length, 2);
    assert.equal(result.ranking[0].originalIndex, 1);
    assert.equal(result.rerankedDocuments[0], documents[1]);
  });

  it('serves the cohere-ai client rerank against /v2/rerank, with billed search units', async () => {
    usage.length = 0;
    const client = new CohereClientV2({ token: GATEWAY_KEY, environment: origin });
    const response = await client.rerank(
      {
        model: 'rerank-v3.5',
        query: 'capital of France',
        documents: ['Paris is the capital of France', 'Rome'],
        topN: 1,
      },
      { maxRetries: 0 },
    );
    assert.equal(response.results.length, 1);
    assert.equal(response.results[0].index, 0);
    assert.equal(response.meta?.billedUnits?.searchUnits, 1);
    assert.equal(usage[0].operation, 'rerank');
    assert.equal(usage[0].cost.total, 2_000_000);
  });

  it('lists image and reranking models in /config with their model type', async () => {
    const response = await fetch(`${origin}/v4/ai/config`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
    const body = (await response.json()) as { models: Array<{ id: string; modelType: string }> };
    const types = new Map(body.models.map((model) => [model.id, model.modelType]));
    assert.equal(types.get('openai/gpt-image-1'), 'image');
    assert.equal(types.get('cohere/rerank-v3.5'), 'reranking');
    const listed = await gateway().getAvailableModels();
    assert.ok(listed.models.some((model) => model.id === 'openai/dall-e-3' && model.modelType === 'image'));
  });

  it('answers a provider-executed tool with an unsupported warning instead of a 400', async () => {
    const result = await generateText({
      model: gateway()('openai/gpt-4o-mini'),
      prompt: 'Hello there',
      tools: { search: gateway().tools.perplexitySearch() },
    });
    assert.match(result.text, /Hello there/);
    assert.ok(
      result.warnings?.some((warning) => warning.type === 'unsupported' && /gateway\./.test(String(warning.feature))),
      JSON.stringify(result.warnings),
    );
    const upstream = openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(upstream.tools, undefined);
  });
});
