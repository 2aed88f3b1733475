/**
 * The exact response cache end to end: through `new Router({ providers, middleware: [responseCache()] })`
 * against the vendor simulators, and through Express with the official openai SDK.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import express from 'express';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../../adapters/express.js';
import type { CacheEvent, UsageEvent } from '../../../src/core/events.js';
import { responseCache, type ResponseCache } from '../../../src/middleware/cache/response-cache.js';
import type { RequestMiddleware } from '../../../src/middleware/middleware.js';
import { Router } from '../../../src/router/router.js';
import type { GenerateResult, RouterConfig } from '../../../src/router/router-types.js';
import { waitFor } from '../../helpers/wait-for.js';
import { ANTHROPIC_KEY, OPENAI_KEY, TEST_MODEL } from '../../helpers/router-fixture.js';
import { createAnthropicSimulator } from '../../../src/testing/anthropic-simulator.js';
import { createOpenAISimulator } from '../../../src/testing/openai-simulator.js';
import type { Simulator } from '../../../src/testing/simulator-server.js';
import { closeServer, GATEWAY_KEY, listen } from '../../http/gateway-fixture.js';

type MiddlewareConfig = RouterConfig & { middleware: RequestMiddleware[] };

describe('response cache through the router', () => {
  let openai: Simulator;
  let anthropic: Simulator;
  let providers: RouterConfig['providers'];
  let cache: ResponseCache;
  let router: Router;
  const usage: UsageEvent[] = [];
  const events: CacheEvent[] = [];

  beforeAll(async () => {
    openai = createOpenAISimulator();
    anthropic = createAnthropicSimulator();
    const [openaiURL, anthropicURL] = await Promise.all([openai.start(), anthropic.start()]);
    providers = {
      openai: { apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` },
      anthropic: { apiKey: ANTHROPIC_KEY, baseURL: anthropicURL },
    };
  });
  beforeEach(async () => {
    await router?.close();
    openai.reset();
    anthropic.reset();
    usage.length = 0;
    events.length = 0;
    cache = responseCache();
    router = new Router({
      providers,
      catalog: { models: [TEST_MODEL] },
      retry: { maxRetries: 0 },
      middleware: [cache],
    } as MiddlewareConfig);

    router.on('usage', (event) => void usage.push(event));
    router.on('cache', (event) => void events.push(event));
  });
  afterAll(async () => {
    await router?.close();
    await Promise.all([openai?.close(), anthropic?.close()]);
  });

  it('a repeated generate is answered without a provider call, a usage event or a cost', async () => {
    const request = { model: 'openai/gpt-4o', prompt: 'cache me', temperature: 0 };
    const first = await router.generate(request);
    assert.equal(first.cache?.status, 'miss');
    await waitFor(() => events.some((event) => event.outcome === 'store'));
    const second = await router.generate({ ...request, tags: ['other-tag'], user: 'someone-else' });
    assert.equal(second.cache?.status, 'hit');
    assert.equal(second.text, first.text);
    assert.deepEqual(second.usage, first.usage);
    assert.equal(second.cost.total, 0);
    assert.equal(openai.requests.length, 1, 'one call upstream');
    assert.equal(usage.length, 1, 'a hit is no attempt: no usage event');
    assert.equal(events.find((event) => event.outcome === 'hit')?.savedCostNano, first.cost.total);
  });

  it('a repeated stream replays the same text, tool calls and usage', async () => {
    const request = { model: 'anthropic/claude-sonnet-4', prompt: 'stream me', maxOutputTokens: 60 };
    const read = async (): Promise<{ parts: string[]; result: GenerateResult }> => {
      const stream = router.stream(request);
      const parts: string[] = [];
      for await (const part of stream.fullStream) if (part.type !== 'raw') parts.push(JSON.stringify(part));
      return { parts, result: await stream.result };
    };
    const first = await read();
    await waitFor(() => events.some((event) => event.outcome === 'store'));
    const second = await read();
    assert.deepEqual(second.parts, first.parts);
    assert.equal(second.result.text, first.result.text);
    assert.deepEqual(second.result.usage, first.result.usage);
    assert.equal(second.result.cache?.status, 'hit');
    assert.equal(anthropic.requests.length, 1);
    assert.equal(usage.length, 1);
  });

  it('an account never receives another account answer', async () => {
    const request = { model: 'openai/gpt-4o', prompt: 'whose answer?' };
    await router.generate({ ...request, account: { id: 'team_a' } });
    await waitFor(() => events.some((event) => event.outcome === 'store'));
    const other = await router.generate({ ...request, account: { id: 'team_b' } });
    assert.equal(other.cache?.status, 'miss');
    assert.equal(openai.requests.length, 2);
  });

  it('embedMany sends only the values not cached, in one call', async () => {
    const model = 'openai/text-embedding-3-small';
    const first = await router.embedMany({ model, values: ['alpha', 'beta'] });
    await waitFor(() => events.filter((event) => event.outcome === 'store').length === 2);
    const second = await router.embedMany({ model, values: ['beta', 'gamma', 'alpha'] });
    assert.equal(openai.requests.length, 2);
    assert.deepEqual((openai.requests[1].body as { input: unknown }).input, ['gamma']);
    assert.deepEqual(second.embeddings[0], first.embeddings[1]);
    assert.deepEqual(second.embeddings[2], first.embeddings[0]);
    assert.equal(second.embeddings[1].length, first.embeddings[0].length);
  });

  it('providerOptions.gateway.cache.skip goes upstream, noStore keeps the answer out', async () => {
    const request = { model: 'openai/gpt-4o', prompt: 'controls' };
    await router.generate({ ...request, providerOptions: { gateway: { cache: { noStore: true } } } });
    assert.equal((await router.generate(request)).cache?.status, 'miss');
    await waitFor(() => events.some((event) => event.outcome === 'store'));
    assert.equal(
      (await router.generate({ ...request, providerOptions: { gateway: { cache: { skip: true } } } })).cache?.status,
      'skip',
    );
    assert.equal(openai.requests.length, 3);
  });
});

describe('response cache over HTTP (Express, openai SDK)', () => {
  let openai: Simulator;
  let router: Router;
  let cache: ResponseCache;
  let close: () => Promise<void>;
  let client: OpenAI;
  const stored: CacheEvent[] = [];

  beforeAll(async () => {
    openai = createOpenAISimulator();
    const url = await openai.start();
    cache = responseCache();
    router = new Router({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: `${url}/v1` } },
      retry: { maxRetries: 0 },
      middleware: [cache],
    } as MiddlewareConfig);

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
    close = async () => {
      await closeServer(server);
      await gateway.close();
      await router.close();
      await openai.close();
    };
  });
  afterAll(async () => close?.());

  it('a repeated chat completion is a hit: the same message, x-gateway-cache: hit and an age', async () => {
    const body = { model: 'openai/gpt-4o', messages: [{ role: 'user' as const, content: 'over http' }] };
    const first = await client.chat.completions.create(body).withResponse();
    assert.equal(first.response.headers.get('x-gateway-cache'), 'miss');
    await waitFor(() => stored.length >= 1);
    const second = await client.chat.completions.create(body).withResponse();
    assert.equal(second.response.headers.get('x-gateway-cache'), 'hit');
    assert.match(second.response.headers.get('age') ?? '', /^\d+$/);
    assert.equal(second.data.choices[0].message.content, first.data.choices[0].message.content);
    assert.equal(openai.requests.length, 1);
    const skipped = await client.chat.completions
      .create(body, { headers: { 'cache-control': 'no-cache' } })
      .withResponse();
    assert.equal(skipped.response.headers.get('x-gateway-cache'), 'skip');
    assert.equal(openai.requests.length, 2);
  });

  it('a repeated streamed completion replays the same text', async () => {
    const body = {
      model: 'openai/gpt-4o',
      stream: true as const,
      messages: [{ role: 'user' as const, content: 'stream over http' }],
    };
    const read = async (): Promise<{ text: string; cache: string | null; age: string | null }> => {
      let text = '';
      const { data, response } = await client.chat.completions.create(body).withResponse();
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      return { text, cache: response.headers.get('x-gateway-cache'), age: response.headers.get('age') };
    };
    const before = openai.requests.length;
    const first = await read();
    assert.equal(first.cache, 'miss', 'the SSE answer says what the cache did');
    await waitFor(() => stored.length >= 2);
    const second = await read();
    assert.equal(second.text, first.text);
    assert.equal(second.cache, 'hit');
    assert.match(second.age ?? '', /^\d+$/);
    assert.equal(openai.requests.length, before + 1);
  });
});
