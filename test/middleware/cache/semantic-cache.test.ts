/**
 * The semantic cache through `new Router({ providers, middleware: [semanticCache(...)] })` against the vendor
 * simulators: requests of the same meaning are answered from the cache, requests of another meaning, another
 * partition (system prompt, account) or below the threshold are not. Embeddings come from a bag-of-words
 * embedder (so the test controls which texts are near), and, in one case, from the router's own embedding path.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import express from 'express';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../../adapters/express.js';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { CacheEvent, UsageEvent } from '../../../src/core/events.js';
import { responseCache } from '../../../src/middleware/cache/response-cache.js';
import {
  SEMANTIC_CACHE_TAG,
  semanticCache,
  type SemanticCache,
  type SemanticCacheConfig,
} from '../../../src/middleware/cache/semantic-cache.js';
import type { RequestMiddleware } from '../../../src/middleware/middleware.js';
import { Router } from '../../../src/router/router.js';
import type { GenerateResult, RequestHook, RouterConfig } from '../../../src/router/router-types.js';
import { GatewayError } from '../../../src/core/errors.js';
import { MemoryVectorIndex } from '../../../src/store/memory-vector-index.js';
import { RedisStore } from '../../../src/store/redis-store.js';
import { SharedVectorIndex } from '../../../src/store/shared-vector-index.js';
import { createOpenAISimulator } from '../../../src/testing/openai-simulator.js';
import type { Simulator } from '../../../src/testing/simulator-server.js';
import { OPENAI_KEY, TEST_MODEL } from '../../helpers/router-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';
import { closeServer, GATEWAY_KEY, listen } from '../../http/gateway-fixture.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from '../../store/redis-server.js';

const VOCABULARY = ['capital', 'france', 'paris', 'city', 'weather', 'today', 'what', 'is', 'the', 'of', 'tell', 'me'];

/** A bag-of-words vector over a small vocabulary: texts with the same words point the same way. */
async function bagOfWords(text: string): Promise<number[]> {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  return VOCABULARY.map((word) => words.filter((item) => item === word).length);
}

describe('semantic cache through the router', () => {
  let openai: Simulator;
  let providers: RouterConfig['providers'];
  let router: Router;
  let cache: SemanticCache;
  const usage: UsageEvent[] = [];
  const events: CacheEvent[] = [];

  const build = (config: Partial<SemanticCacheConfig> = {}, before: RequestMiddleware[] = []): void => {
    cache = semanticCache({ embed: bagOfWords, threshold: 0.9, ...config });
    router = new Router({
      providers,
      catalog: { models: [TEST_MODEL] },
      retry: { maxRetries: 0 },
      middleware: [...before, cache],
    } as RouterConfig);
    router.on('usage', (event) => void usage.push(event));
    router.on('cache', (event) => void events.push(event));
  };
  const stored = (count: number) => waitFor(() => events.filter((event) => event.outcome === 'store').length >= count);

  beforeAll(async () => {
    openai = createOpenAISimulator();
    providers = { openai: { apiKey: OPENAI_KEY, baseURL: `${await openai.start()}/v1` } };
  });
  beforeEach(async () => {
    await router?.close();
    openai.reset();
    usage.length = 0;
    events.length = 0;
  });
  afterAll(async () => {
    await router?.close();
    await openai?.close();
  });

  it('a request of the same meaning is answered from the cache, with its similarity and entry id', async () => {
    build();
    const first = await router.generate({ model: 'openai/gpt-4o', prompt: 'What is the capital of France?' });
    assert.equal(first.cache, undefined);
    await stored(1);
    const second = await router.generate({
      model: 'openai/gpt-4o',
      prompt: 'What is the capital of France, the city?',
    });
    assert.equal(second.cache?.status, 'hit');
    assert.equal(second.cache?.kind, 'semantic');
    assert.ok(
      (second.cache?.similarity ?? 0) >= 0.9 && (second.cache?.similarity ?? 0) < 1,
      String(second.cache?.similarity),
    );
    assert.match(second.cache?.entryId ?? '', /^sem_/);
    assert.equal(second.text, first.text);
    assert.equal(second.cost.total, 0);
    assert.equal(openai.requests.length, 1, 'one call upstream');
    assert.equal(usage.length, 1, 'a hit is no attempt');
    const hit = events.find((event) => event.outcome === 'hit');
    assert.equal(hit?.kind, 'semantic');
    assert.equal(hit?.entryId, second.cache?.entryId);
    assert.equal(hit?.savedCostNano, first.cost.total);
  });

  it("tells the router's hooks of a hit before serving it (billing records and may charge it)", async () => {
    build();
    const hits: Array<Parameters<NonNullable<RequestHook['onCacheHit']>>> = [];
    router.addHook({ onCacheHit: (context, found) => void hits.push([context, found]) });
    const first = await router.generate({ model: 'openai/gpt-4o', prompt: 'Where is the Louvre?' });
    await stored(1);
    await router.generate({ model: 'openai/gpt-4o', prompt: 'Where is the Louvre, the museum?', user: 'alice' });
    assert.equal(hits.length, 1);
    const [context, found] = hits[0];
    assert.equal(context.user, 'alice');
    assert.deepEqual(found, {
      kind: 'semantic',
      savedCostNano: first.cost.total,
      model: first.model,
      provider: 'openai',
      providerType: 'openai',
      providerModelId: first.providerModelId,
      finishReason: 'stop',
    });
    router.addHook({
      onCacheHit: () => {
        throw new GatewayError('insufficient_credits', 'no credits for a cached answer');
      },
    });
    await assert.rejects(router.generate({ model: 'openai/gpt-4o', prompt: 'Where is the Louvre, the museum?' }), {
      code: 'insufficient_credits',
    });
    assert.equal(openai.requests.length, 1, 'a refused hit does not go upstream either');
  });

  it('another meaning, another system prompt, another account or a similarity below the threshold is a miss', async () => {
    build();
    await router.generate({ model: 'openai/gpt-4o', prompt: 'What is the capital of France?', account: { id: 'a' } });
    await stored(1);
    const weather = await router.generate({
      model: 'openai/gpt-4o',
      prompt: 'What is the weather today?',
      account: { id: 'a' },
    });
    assert.equal(weather.cache, undefined);
    const otherSystem = await router.generate({
      model: 'openai/gpt-4o',
      system: 'Answer in French.',
      prompt: 'What is the capital of France?',
      account: { id: 'a' },
    });
    assert.equal(otherSystem.cache, undefined, 'the system prompt is part of the partition');
    const otherAccount = await router.generate({
      model: 'openai/gpt-4o',
      prompt: 'What is the capital of France?',
      account: { id: 'b' },
    });
    assert.equal(otherAccount.cache, undefined, 'an account never receives another account answer');
    const near = await router.generate({
      model: 'openai/gpt-4o',
      prompt: 'capital of France city weather today',
      account: { id: 'a' },
    });
    assert.equal(near.cache, undefined);
    const miss = events.filter((event) => event.outcome === 'miss').at(-1);
    assert.ok(miss?.similarity !== undefined && miss.similarity < 0.9, 'a miss says how near the nearest was');
    assert.equal(openai.requests.length, 5);
  });

  it('a stream of the same meaning replays the stored stream; a generated answer can answer a stream too', async () => {
    build();
    const read = async (prompt: string): Promise<{ text: string; result: GenerateResult }> => {
      const stream = router.stream({ model: 'openai/gpt-4o', prompt });
      let text = '';
      for await (const delta of stream.textStream) text += delta;
      return { text, result: await stream.result };
    };
    const first = await read('Tell me the capital of France');
    // 'tell me the capital of france' and 'the capital of france tell me': the same words, similarity 1.
    await stored(1);
    const second = await read('the capital of France, tell me');
    assert.equal(second.text, first.text);
    assert.equal(second.result.cache?.status, 'hit');
    assert.equal(openai.requests.length, 1);
  });

  it('embeds through the router: the embedding call is billed and tagged as the cache', async () => {
    build({ embed: undefined, embeddingModel: 'openai/text-embedding-3-small', threshold: 0.999 });
    const prompt = 'Exactly the same words';
    await router.generate({ model: 'openai/gpt-4o', prompt, account: { id: 'team_acme' } });
    await stored(1);
    const again = await router.generate({ model: 'openai/gpt-4o', prompt, account: { id: 'team_acme' } });
    assert.equal(again.cache?.status, 'hit');
    const embeddings = usage.filter((event) => event.operation === 'embed');
    assert.equal(embeddings.length, 2, 'one embedding call per request');
    for (const event of embeddings) {
      assert.deepEqual(event.tags, [SEMANTIC_CACHE_TAG]);
      assert.equal(event.account?.id, 'team_acme');
    }
    assert.equal(usage.filter((event) => event.operation === 'generate').length, 1);
  });

  it('behind the exact cache: an exact repeat costs no embedding, and a semantic hit keeps its outcome', async () => {
    let embeds = 0;
    build(
      {
        embed: async (text) => {
          embeds += 1;
          return bagOfWords(text);
        },
      },
      [responseCache()],
    );
    await router.generate({ model: 'openai/gpt-4o', prompt: 'What is the capital of France?' });
    await waitFor(() => events.filter((event) => event.outcome === 'store').length >= 2);
    const exact = await router.generate({ model: 'openai/gpt-4o', prompt: 'What is the capital of France?' });
    assert.equal(exact.cache?.status, 'hit');
    assert.equal(exact.cache?.kind, undefined);
    assert.equal(embeds, 1);
    const semantic = await router.generate({ model: 'openai/gpt-4o', prompt: 'the capital of France is what?' });
    assert.equal(semantic.cache?.kind, 'semantic');
    assert.equal(openai.requests.length, 1);
  });

  it('skips what it cannot embed, models it does not serve, and requests that say skip; clear() empties it', async () => {
    build({ models: ['anthropic/*'] });
    await router.generate({ model: 'openai/gpt-4o', prompt: 'What is the capital of France?' });
    assert.equal(events.at(-1)?.reason, 'model');
    build();
    await router.generate({
      model: 'openai/gpt-4o',
      prompt: 'What is the capital of France?',
      providerOptions: { gateway: { cache: { skip: true } } },
    });
    await stored(1);
    const again = await router.generate({ model: 'openai/gpt-4o', prompt: 'What is the capital of France?' });
    assert.equal(again.cache?.status, 'hit', 'skip reads nothing but still stores');
    assert.equal(await cache.clear(), 1);
    assert.equal(await cache.index.size(), 0);
    const after = await router.generate({ model: 'openai/gpt-4o', prompt: 'What is the capital of France?' });
    assert.equal(after.cache, undefined);
    assert.throws(() => semanticCache({} as SemanticCacheConfig), /embeddingModel/);
  });
});

describe('memory vector index', () => {
  it('finds the nearest live entries of a partition, most similar first, and drops the oldest past its bound', async () => {
    let time = 1_000;
    const index = new MemoryVectorIndex({ maxEntries: 3, now: () => time });
    await index.add('p', 'x', [1, 0, 0], 10_000);
    await index.add('p', 'y', [0.9, 0.1, 0], 10_000);
    await index.add('q', 'z', [1, 0, 0], 10_000);
    const found = await index.search('p', [1, 0, 0], 2);
    assert.deepEqual(
      found.map((match) => match.id),
      ['x', 'y'],
    );
    assert.ok(Math.abs(found[0].similarity - 1) < 1e-6);
    assert.deepEqual(await index.search('r', [1, 0, 0], 1), [], 'another partition sees nothing');
    await index.add('p', 'w', [0, 1, 0], 10_000);
    assert.equal(await index.size(), 3);
    assert.deepEqual(
      (await index.search('p', [1, 0, 0], 3)).map((match) => match.id),
      ['y', 'w'],
      'x, the oldest, went first',
    );
    time = 20_000;
    assert.deepEqual(await index.search('p', [1, 0, 0], 3), [], 'expired entries are never returned');
    assert.equal(await index.delete('q', 'z'), true);
    assert.equal(await index.clear(''), 2);
  });
});

describe('semantic cache over HTTP: real clients see a normal answer with x-gateway-cache: semantic', () => {
  let openai: Simulator;
  let client: OpenAI;
  let anthropicClient: Anthropic;
  let close: () => Promise<void>;
  const stored: CacheEvent[] = [];

  beforeAll(async () => {
    openai = createOpenAISimulator();
    const url = await openai.start();
    const router = new Router({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${url}/v1` } },
      retry: { maxRetries: 0 },
      middleware: [semanticCache({ embed: bagOfWords, threshold: 0.9 })],
    });
    router.on('cache', (event) => void (event.outcome === 'store' && stored.push(event)));
    const app = express();
    const gateway = createGatewayMiddleware({
      router,
      apiKeys: [{ key: GATEWAY_KEY, id: 'key_1', account: 'team_http' }],
      logger: false,
    });
    app.use(gateway);
    const server = createServer(app);
    const origin = await listen(server);
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
    anthropicClient = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: origin, maxRetries: 0 });
    close = async () => {
      await closeServer(server);
      await gateway.close();
      await router.close();
      await openai.close();
    };
  });
  afterAll(async () => close?.());

  it('openai SDK and Anthropic SDK: a near repeat is a semantic hit with its similarity', async () => {
    const ask = (content: string) =>
      client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content }] }).withResponse();
    const first = await ask('What is the capital of France?');
    assert.equal(
      first.response.headers.get('x-gateway-cache'),
      null,
      'a miss of the semantic cache alone says nothing',
    );
    await waitFor(() => stored.length >= 1);
    const second = await ask('What is the capital of France, the city?');
    assert.equal(second.response.headers.get('x-gateway-cache'), 'semantic');
    assert.match(second.response.headers.get('x-gateway-cache-similarity') ?? '', /^0\.9\d{3}$/);
    assert.equal(second.data.choices[0].message.content, first.data.choices[0].message.content);
    // max_tokens decides the answer too: the Anthropic requests share a partition of their own.
    const askAnthropic = (content: string) =>
      anthropicClient.messages
        .create({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content }] })
        .withResponse();
    const anthropicFirst = await askAnthropic('What is the capital of France?');
    assert.equal(anthropicFirst.response.headers.get('x-gateway-cache'), null);
    await waitFor(() => stored.length >= 2);
    const viaAnthropic = await askAnthropic('the capital of France: what is it?');
    assert.equal(viaAnthropic.response.headers.get('x-gateway-cache'), 'semantic');
    const textOf = (blocks: Anthropic.ContentBlock[]) =>
      blocks.map((block) => (block.type === 'text' ? block.text : '')).join('');
    assert.equal(textOf(viaAnthropic.data.content), textOf(anthropicFirst.data.content));
    assert.equal(openai.requests.length, 2);
  });
});

describe(`semantic cache shared on Redis${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  let redis: TestRedisServer;
  let openai: Simulator;
  let url: string;
  beforeAll(async () => {
    [redis, openai] = await Promise.all([startRedisServer(), Promise.resolve(createOpenAISimulator())]);
    url = await openai.start();
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), openai?.close()]);
  });

  it("two instances on one Redis: an answer stored by one answers the other's near repeat, per account", async () => {
    const stores = [new RedisStore({ url: redis.url }), new RedisStore({ url: redis.url })];
    const events: CacheEvent[] = [];
    const routers = stores.map((store) => {
      const router = new Router({
        providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${url}/v1` } },
        retry: { maxRetries: 0 },
        middleware: [
          semanticCache({
            embed: bagOfWords,
            threshold: 0.9,
            store,
            index: new SharedVectorIndex({ store, syncIntervalMs: 0 }),
          }),
        ],
      });
      router.on('cache', (event) => void events.push(event));
      return router;
    });
    try {
      const first = await routers[0].generate({
        model: 'openai/gpt-4o',
        prompt: 'What is the capital of France?',
        account: { id: 'a' },
      });
      await waitFor(() => events.some((event) => event.outcome === 'store'));
      const second = await routers[1].generate({
        model: 'openai/gpt-4o',
        prompt: 'What is the capital of France, the city?',
        account: { id: 'a' },
      });
      assert.equal(second.cache?.kind, 'semantic', 'the other instance found the entry');
      assert.equal(second.text, first.text);
      const otherAccount = await routers[1].generate({
        model: 'openai/gpt-4o',
        prompt: 'What is the capital of France?',
        account: { id: 'b' },
      });
      assert.equal(otherAccount.cache, undefined);
      assert.equal(openai.requests.length, 2);
      const keys = await redis.command('KEYS', '*');
      assert.match(keys, /\{vector-log%3Asemantic-index\}/, 'the log is one namespace: one hash slot');
    } finally {
      await Promise.all(routers.map((router) => router.close()));
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
