import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import Koa from 'koa';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../adapters/koa.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  closeServer,
  GATEWAY_KEY,
  listen,
  OPENAI_VENDOR_KEY,
  startUpstreams,
  type Upstreams,
} from '../http/gateway-fixture.js';

/** A minimal JSON body parser, standing in for @koa/bodyparser. */
const jsonBodyParser: Koa.Middleware = async (context, next) => {
  if (context.method === 'POST' && context.is('application/json')) {
    let text = '';
    for await (const chunk of context.req) text += String(chunk);
    (context.request as { body?: unknown }).body = JSON.parse(text);
  }
  await next();
};

describe('Koa adapter', () => {
  let upstreams: Upstreams;
  beforeAll(async () => {
    upstreams = await startUpstreams();
  });
  afterAll(() => upstreams.close());

  for (const parsed of [false, true]) {
    it(`serves the dialects and passes other routes through${parsed ? ' (after a body parser)' : ''}`, async () => {
      const app = new Koa();
      if (parsed) app.use(jsonBodyParser);
      const gateway = createGatewayMiddleware({
        router: upstreams.router,
        apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
        logger: false,
      });
      app.use(gateway);
      app.use((context) => {
        context.body = { koa: context.path };
      });
      const server = createServer(app.callback());
      const origin = await listen(server);
      try {
        const anthropic = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: origin, maxRetries: 0 });
        const message = await anthropic.messages.create({
          model: 'anthropic/claude-sonnet-4',
          max_tokens: 40,
          messages: [{ role: 'user', content: 'hello koa' }],
        });
        assert.deepEqual(message.content, [{ type: 'text', text: 'You said: hello koa' }]);
        const stream = anthropic.messages.stream({
          model: 'openai/gpt-4o',
          max_tokens: 40,
          messages: [{ role: 'user', content: 'stream koa' }],
        });
        let text = '';
        for await (const event of stream)
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
        assert.equal(text, 'You said: stream koa');
        const openai = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
        const embedding = await openai.embeddings.create({
          model: 'openai/text-embedding-3-small',
          input: 'koa',
          dimensions: 4,
        });
        assert.equal(embedding.data[0].embedding.length, 4);
        const bad = await fetch(`${origin}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': GATEWAY_KEY, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'anthropic/claude-sonnet-4', messages: [] }),
        });
        assert.equal(bad.status, 400);
        assert.deepEqual(await (await fetch(`${origin}/somewhere/else`)).json(), { koa: '/somewhere/else' });
      } finally {
        await closeServer(server);
        await gateway.close();
      }
    });
  }

  it('lets a middleware before it see the real status once the response is done, for JSON and streams', async () => {
    const app = new Koa();
    const logged: Array<{ path: string; status: number; finished: boolean }> = [];
    app.use(async (context, next) => {
      await next();
      logged.push({ path: context.path, status: context.status, finished: context.res.writableEnded });
    });
    const gateway = createGatewayMiddleware({
      router: upstreams.router,
      apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
      logger: false,
    });
    app.use(gateway);
    const server = createServer(app.callback());
    const origin = await listen(server);
    try {
      const openai = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
      await openai.chat.completions.create({
        model: 'openai/gpt-4o',
        messages: [{ role: 'user', content: 'json koa' }],
      });
      const stream = await openai.chat.completions.create({
        model: 'openai/gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'stream koa' }],
      });
      for await (const chunk of stream) void chunk;
      const bad = await fetch(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o', messages: [] }),
      });
      assert.equal(bad.status, 400);
      await bad.text();
      await waitFor(() => logged.length === 3);
      assert.deepEqual(logged, [
        { path: '/v1/chat/completions', status: 200, finished: true },
        { path: '/v1/chat/completions', status: 200, finished: true },
        { path: '/v1/chat/completions', status: 400, finished: true },
      ]);
    } finally {
      await closeServer(server);
      await gateway.close();
    }
  });

  it('takes the router options at the top level ({ providers, apiKeys }), with no `type` for an instance named after it', async () => {
    const app = new Koa();
    const gateway = createGatewayMiddleware({
      providers: { openai: { apiKey: OPENAI_VENDOR_KEY, baseURL: `${upstreams.openai.baseURL}/v1` } },
      apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
      logger: false,
    });
    app.use(gateway);
    const server = createServer(app.callback());
    const origin = await listen(server);
    try {
      const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'top level' }],
      });
      assert.equal(completion.choices[0].message.content, 'You said: top level');
    } finally {
      await closeServer(server);
      await gateway.close();
    }
  });
});
