import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import express5 from 'express';
import express4 from 'express4';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../adapters/express.js';
import { GatewayError } from '../../src/core/errors.js';
import type { Dialect } from '../../src/http/dialects/dialect.js';
import { jsonResponse } from '../../src/http/responses.js';
import { closeServer, GATEWAY_KEY, listen, startUpstreams, type Upstreams } from '../http/gateway-fixture.js';

const VARIANTS = [
  { name: 'Express 5', express: express5, json: false },
  { name: 'Express 5 after express.json()', express: express5, json: true },
  { name: 'Express 4', express: express4, json: false },
  { name: 'Express 4 after express.json()', express: express4, json: true },
];

describe('Express adapter', () => {
  let upstreams: Upstreams;
  beforeAll(async () => {
    upstreams = await startUpstreams();
  });
  afterAll(() => upstreams.close());

  for (const variant of VARIANTS) {
    it(`${variant.name}: serves the dialects and passes other routes through`, async () => {
      const app = variant.express();
      app.get('/health', (_request, response) => void response.send('ok'));
      if (variant.json) app.use(variant.express.json());
      const gateway = createGatewayMiddleware({
        router: upstreams.router,
        apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
        logger: false,
      });
      app.use(gateway);
      app.post('/v1/app-route', (_request, response) => void response.json({ app: true }));
      const server = createServer(app);
      const origin = await listen(server);
      try {
        const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
        const completion = await client.chat.completions.create({
          model: 'openai/gpt-4o',
          messages: [{ role: 'user', content: `hello ${variant.name}` }],
        });
        assert.equal(completion.choices[0].message.content, `You said: hello ${variant.name}`);
        const stream = await client.chat.completions.create({
          model: 'anthropic/claude-sonnet-4',
          max_tokens: 40,
          stream: true,
          messages: [{ role: 'user', content: 'stream through express' }],
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        assert.equal(text, 'You said: stream through express');
        // A text/plain body is left unparsed by express.json(): the handler reads it itself.
        const plain = await fetch(`${origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'text/plain' },
          body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'plain' }] }),
        });
        assert.equal(plain.status, 200);
        if (!variant.json) {
          const broken = await fetch(`${origin}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
            body: '{oops',
          });
          assert.equal(broken.status, 400);
          assert.match(((await broken.json()) as { error: { message: string } }).error.message, /not valid JSON/);
        }
        assert.equal(await (await fetch(`${origin}/health`)).text(), 'ok');
        assert.deepEqual(await (await fetch(`${origin}/v1/app-route`, { method: 'POST' })).json(), { app: true });
      } finally {
        await closeServer(server);
        await gateway.close();
      }
    });
  }
});

describe('Express adapter: a custom dialect', () => {
  let upstreams: Upstreams;
  beforeAll(async () => {
    upstreams = await startUpstreams();
  });
  afterAll(() => upstreams.close());

  it('serves a user-defined dialect (one object) beside the built-in ones, with its own errors', async () => {
    const notes: string[] = [];
    const notesDialect: Dialect = {
      name: 'notes',
      errorBody: (error, requestId) => ({ problem: error.message, code: error.code, requestId }),
      reservedPaths: [{ path: '/notes/', prefix: true, hint: ': try POST /notes' }],
      routes: [
        { method: 'GET', path: '/status', public: true, handle: async () => jsonResponse(200, { ok: true }) },
        {
          method: 'GET',
          path: '/notes',
          handle: async (context) => jsonResponse(200, { account: context.caller.account.id, notes }),
        },
        {
          method: 'POST',
          path: '/notes',
          handle: async (context) => {
            const text = (context.body as { text?: unknown }).text;
            if (typeof text !== 'string')
              throw new GatewayError('invalid_request', '`text` must be a string', { param: 'text' });
            notes.push(text);
            return jsonResponse(201, { count: notes.length });
          },
        },
        {
          method: 'DELETE',
          path: '/notes/*',
          handle: async (context) => jsonResponse(200, { deleted: context.pathRest }),
        },
      ],
    };
    const app = express5();
    const gateway = createGatewayMiddleware({
      router: upstreams.router,
      apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'acct' }],
      logger: false,
      dialects: [notesDialect],
    });
    app.use(gateway);
    app.get('/app', (_request, response) => void response.send('app'));
    const server = createServer(app);
    const origin = await listen(server);
    const auth = { authorization: `Bearer ${GATEWAY_KEY}` };
    try {
      // Public route: no key needed; every response has x-request-id.
      const status = await fetch(`${origin}/status`);
      assert.deepEqual(await status.json(), { ok: true });
      assert.match(status.headers.get('x-request-id') ?? '', /^req_/);
      // Authenticated routes, a JSON body read by the handler, the dialect's own error format.
      assert.equal((await fetch(`${origin}/notes`)).status, 401);
      const created = await fetch(`${origin}/notes`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hello' }),
      });
      assert.equal(created.status, 201);
      assert.deepEqual(await created.json(), { count: 1 });
      assert.deepEqual(await (await fetch(`${origin}/notes`, { headers: auth })).json(), {
        account: 'acct',
        notes: ['hello'],
      });
      const bad = await fetch(`${origin}/notes`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'x-request-id': 'mine-1' },
        body: '{"text": 5}',
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(await bad.json(), {
        problem: '`text` must be a string',
        code: 'invalid_request',
        requestId: 'mine-1',
      });
      assert.deepEqual(await (await fetch(`${origin}/notes/42`, { method: 'DELETE', headers: auth })).json(), {
        deleted: '42',
      });
      const wrongMethod = await fetch(`${origin}/notes`, { method: 'PATCH', headers: auth });
      assert.equal(wrongMethod.status, 405);
      assert.match(((await wrongMethod.json()) as { problem: string }).problem, /use GET, POST/);
      // The built-in dialects are still mounted; other paths pass through to the app.
      const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'openai/gpt-4o',
        messages: [{ role: 'user', content: 'beside notes' }],
      });
      assert.equal(completion.choices[0].message.content, 'You said: beside notes');
      assert.equal(await (await fetch(`${origin}/app`)).text(), 'app');
    } finally {
      await closeServer(server);
      await gateway.close();
    }
  });

  it('refuses a route served twice and a dialect that is not one', () => {
    const twice: Dialect = {
      name: 'mine',
      errorBody: (error) => ({ error: error.message }),
      routes: [{ method: 'GET', path: '/v1/models', handle: async () => jsonResponse(200, {}) }],
    };
    assert.throws(
      () => createGatewayMiddleware({ router: upstreams.router, logger: false, dialects: ['openai', twice] }),
      /GET \/v1\/models is served by both dialect 'openai' and 'mine'/,
    );
    assert.throws(
      () =>
        createGatewayMiddleware({
          router: upstreams.router,
          logger: false,
          dialects: [{ name: 'broken' } as unknown as Dialect],
        }),
      { code: 'config_invalid' },
    );
    // Only the named built-ins, plus the custom dialect.
    const only = createGatewayMiddleware({ router: upstreams.router, logger: false, dialects: ['anthropic', twice] });
    assert.ok(only.handler.match('/v1/messages'));
    assert.equal(only.handler.match('/v1/chat/completions'), undefined);
  });
});
