import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import OpenAI from 'openai';
import { createGateway } from '@ai-sdk/gateway';
import { streamText } from 'ai';
import { createGatewayRouteHandlers, createPagesApiHandler } from '../../adapters/next.js';
import { createGateway as createSwitchyardGateway } from '../../src/gateway.js';
import {
  closeServer,
  GATEWAY_KEY,
  listen,
  OPENAI_VENDOR_KEY,
  startUpstreams,
  type Upstreams,
} from '../http/gateway-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

const AUTH = { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' };

describe('Next adapter', () => {
  let upstreams: Upstreams;
  beforeAll(async () => {
    upstreams = await startUpstreams();
  });
  afterAll(() => upstreams.close());

  it('App Router handlers answer Web Requests: JSON, streams, CORS preflight and 404', async () => {
    const { GET, POST, OPTIONS } = createGatewayRouteHandlers({
      router: upstreams.router,
      basePath: '/api',
      apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
      cors: true,
      logger: false,
    });
    const json = await POST(
      new Request('http://localhost:3000/api/v1/chat/completions', {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hello next' }] }),
      }),
    );
    assert.equal(json.status, 200);
    assert.equal(json.headers.get('access-control-allow-origin'), '*');
    assert.equal(
      ((await json.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
      'You said: hello next',
    );

    const streamed = await POST(
      new Request('http://localhost:3000/api/v1/messages', {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify({
          model: 'anthropic/claude-sonnet-4',
          max_tokens: 30,
          stream: true,
          messages: [{ role: 'user', content: 'stream next' }],
        }),
      }),
    );
    assert.equal(streamed.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const events = await streamed.text();
    assert.ok(events.startsWith('event: message_start') && events.includes('event: message_stop'));

    const models = await GET(new Request('http://localhost:3000/api/v4/ai/config', { headers: AUTH }));
    assert.ok(((await models.json()) as { models: unknown[] }).models.length > 0);
    const preflight = await OPTIONS(
      new Request('http://localhost:3000/api/v1/chat/completions', {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
      }),
    );
    assert.equal(preflight.status, 204);
    const missing = await GET(new Request('http://localhost:3000/api/v1/nothing-here', { headers: AUTH }));
    assert.equal(missing.status, 404);
    assert.match(
      ((await missing.json()) as { error: { message: string } }).error.message,
      /No gateway endpoint at \/api\/v1\/nothing-here/,
    );
    const oversize = await POST(
      new Request('http://localhost:3000/api/v1/chat/completions', {
        method: 'POST',
        headers: AUTH,
        body: 'x'.repeat(11 * 1024 * 1024),
      }),
    );
    assert.equal(oversize.status, 413);
  });

  it('App Router: the @ai-sdk/gateway client streams through a fetch bridge, and cancelling aborts upstream', async () => {
    const { POST } = createGatewayRouteHandlers({
      router: upstreams.router,
      basePath: '/api',
      apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
      logger: false,
    });
    const provider = createGateway({
      apiKey: GATEWAY_KEY,
      baseURL: 'http://next.local/api/v4/ai',
      fetch: (input, init) => POST(new Request(input, init)),
    });
    const result = streamText({ model: provider('openai/gpt-4o'), prompt: 'via route handler', maxRetries: 0 });
    assert.equal(await result.text, 'You said: via route handler');

    upstreams.openai.configure({
      tokensPerSecond: 20,
      reply: () => ({ text: Array.from({ length: 50 }, (_, index) => `w${index}`).join(' ') }),
    });
    try {
      const response = await POST(
        new Request('http://next.local/api/v1/chat/completions', {
          method: 'POST',
          headers: AUTH,
          body: JSON.stringify({
            model: 'openai/gpt-4o',
            stream: true,
            messages: [{ role: 'user', content: 'cancel me' }],
          }),
        }),
      );
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      await reader.cancel();
      await waitFor(
        () =>
          upstreams.openai.requests.find((request) => JSON.stringify(request.body).includes('cancel me'))?.aborted ===
          true,
      );
    } finally {
      upstreams.openai.reset();
    }
  });

  for (const bodyParser of [true, false]) {
    it(`Pages API handler on node:http${bodyParser ? ' (Next body parser on)' : ' (bodyParser: false)'}`, async () => {
      const handle = createPagesApiHandler({
        router: upstreams.router,
        basePath: '/api',
        apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
        logger: false,
      });
      const server = createServer(async (request: IncomingMessage & { body?: unknown }, response) => {
        if (bodyParser && request.method === 'POST') {
          let text = '';
          for await (const chunk of request) text += String(chunk);
          request.body = JSON.parse(text);
        }
        await handle(request, response);
      });
      const origin = await listen(server);
      try {
        const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/api/v1`, maxRetries: 0 });
        const completion = await client.chat.completions.create({
          model: 'anthropic/claude-sonnet-4',
          max_tokens: 30,
          messages: [{ role: 'user', content: 'pages route' }],
        });
        assert.equal(completion.choices[0].message.content, 'You said: pages route');
        const stream = await client.chat.completions.create({
          model: 'openai/gpt-4o',
          stream: true,
          messages: [{ role: 'user', content: 'pages stream' }],
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        assert.equal(text, 'You said: pages stream');
        const missing = await fetch(`${origin}/api/not-here`, { headers: AUTH });
        assert.equal(missing.status, 404);
      } finally {
        await closeServer(server);
      }
    });
  }
  describe('configuration checked on the first request, not at import (next build has no runtime secrets)', () => {
    const chat = (): Request =>
      new Request('http://localhost:3000/api/v1/chat/completions', {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'configured?' }] }),
      });

    it('a bad configuration does not throw when the route is created; requests get a 500 config_invalid, logged once', async () => {
      const errors: string[] = [];
      const logger = { warn: () => undefined, error: (message: string) => void errors.push(message) };
      const unsetKey = process.env.SWITCHYARD_TEST_UNSET_GATEWAY_KEY as string; // as in a CI build
      const { POST, GET } = createGatewayRouteHandlers({
        router: upstreams.router,
        basePath: '/api',
        apiKeys: [{ key: unsetKey, id: 'k', account: 'a' }],
        logger,
      });
      const pages = createPagesApiHandler({
        router: upstreams.router,
        basePath: '/api',
        apiKeys: [{ key: unsetKey, id: 'k', account: 'a' }],
        logger,
      });
      for (const response of [await POST(chat()), await GET(new Request('http://localhost:3000/api/v1/models'))]) {
        assert.equal(response.status, 500);
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'config_invalid');
        assert.doesNotMatch(body.error.message, /apiKeys/, 'the details go to the log, not to the client');
      }
      assert.equal(errors.length, 1, 'logged once for the App Router handlers');
      assert.match(errors[0], /config_invalid.*apiKeys\[0\]\.key/);

      const server = createServer((request, response) => void pages(request, response));
      const origin = await listen(server);
      try {
        const first = await fetch(`${origin}/api/v1/models`);
        const second = await fetch(`${origin}/api/v1/models`);
        assert.equal(first.status, 500);
        assert.equal(((await first.json()) as { error: { code: string } }).error.code, 'config_invalid');
        assert.equal(second.status, 500);
        await second.body?.cancel();
      } finally {
        await closeServer(server);
      }
      assert.equal(errors.length, 2, 'logged once for the Pages handler');
    });

    it('a configuration function runs on the first request only; one that fails is asked again', async () => {
      let calls = 0;
      const { POST } = createGatewayRouteHandlers(async () => {
        calls += 1;
        if (calls === 1) throw new Error('secret store unreachable');
        return {
          router: upstreams.router,
          basePath: '/api',
          apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
          logger: false,
        };
      });
      assert.equal(calls, 0, 'not called when the route module is imported');
      const failed = await POST(chat());
      assert.equal(failed.status, 500);
      assert.equal(((await failed.json()) as { error: { code: string } }).error.code, 'config_invalid');
      const [one, two] = await Promise.all([POST(chat()), POST(chat())]);
      assert.equal(one.status, 200);
      assert.equal(
        ((await two.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
        'You said: configured?',
      );
      await one.body?.cancel();
      assert.equal(calls, 2, 'called again after a failure, then once for concurrent requests');
    });
  });

  it('serves a gateway from createGateway, billing endpoints included; the config may put the router options at the top level', async () => {
    let settled = 0;
    const gateway = createSwitchyardGateway({
      providers: { openai: { apiKey: OPENAI_VENDOR_KEY, baseURL: `${upstreams.openai.baseURL}/v1` } },
      apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'team_next' }],
      basePath: '/api',
      billing: { freeAllocationNano: 2_000_000_000, onUsageRecord: () => void (settled += 1) },
      logger: false,
    });
    try {
      const { GET, POST } = createGatewayRouteHandlers(gateway);
      const chat = await POST(
        new Request('http://localhost:3000/api/v1/chat/completions', {
          method: 'POST',
          headers: AUTH,
          body: JSON.stringify({
            model: 'openai/gpt-4o-mini',
            max_tokens: 20,
            messages: [{ role: 'user', content: 'billed' }],
          }),
        }),
      );
      assert.equal(chat.status, 200);
      await chat.text();
      await waitFor(() => settled === 1); // the usage record is written after the charge
      const credits = await GET(new Request('http://localhost:3000/api/v1/credits', { headers: AUTH }));
      assert.equal(credits.status, 200);
      const body = (await credits.json()) as { balance: string; total_used: string };
      assert.ok(Number(body.total_used) > 0, `charged: ${JSON.stringify(body)}`);
      assert.equal(Number(body.balance) + Number(body.total_used), 2);

      const pages = createPagesApiHandler(async () => ({
        providers: { openai: { apiKey: OPENAI_VENDOR_KEY, baseURL: `${upstreams.openai.baseURL}/v1` } },
        basePath: '/api',
        logger: false,
      }));
      const server = createServer((request, response) => void pages(request, response));
      const origin = await listen(server);
      try {
        const client = new OpenAI({ apiKey: 'auth is off', baseURL: `${origin}/api/v1`, maxRetries: 0 });
        const completion = await client.chat.completions.create({
          model: 'openai/gpt-4o-mini',
          messages: [{ role: 'user', content: 'pages top level' }],
        });
        assert.equal(completion.choices[0].message.content, 'You said: pages top level');
      } finally {
        await closeServer(server);
      }
    } finally {
      await gateway.close();
    }
  });
});
