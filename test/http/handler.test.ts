import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createGatewayHandler } from '../../src/http/gateway-handler.js';
import { writeNodeResponse } from '../../src/http/node-bridge.js';
import type { GatewayHandlerConfig } from '../../src/http/http-types.js';
import {
  closeServer,
  GATEWAY_KEY,
  listen,
  send,
  startGateway,
  startUpstreams,
  type Gateway,
  type Upstreams,
} from './gateway-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

const CHAT = '/v1/chat/completions';

/** Every POST endpoint with a body of the wrong type and one with an unknown model. */
const POST_ENDPOINTS = [
  {
    path: CHAT,
    headers: {},
    wrongType: { model: 'openai/gpt-4o', messages: 'hi' },
    wrongMessage: /`messages` must be an array/,
    unknownModel: { model: 'acme/nope', messages: [{ role: 'user', content: 'x' }] },
    errorOf: openAIError,
  },
  {
    path: '/v1/embeddings',
    headers: {},
    wrongType: { model: 'openai/text-embedding-3-small', input: 42 },
    wrongMessage: /`input` must be a non-empty string or array of strings, got the number 42/,
    unknownModel: { model: 'acme/nope', input: 'x' },
    errorOf: openAIError,
  },
  {
    path: '/v1/messages',
    headers: {},
    wrongType: { model: 'anthropic/claude-sonnet-4', max_tokens: 'ten', messages: [] },
    wrongMessage: /`max_tokens` must be an integer, got the string "ten"/,
    unknownModel: { model: 'acme/nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
    errorOf: anthropicError,
  },
  {
    path: '/v4/ai/language-model',
    headers: { 'ai-language-model-id': 'openai/gpt-4o', 'ai-language-model-streaming': 'false' },
    wrongType: { prompt: 'hi' },
    wrongMessage: /`prompt` must be an array, got the string "hi"/,
    unknownModel: { prompt: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
    unknownHeaders: { 'ai-language-model-id': 'acme/nope' },
    errorOf: gatewayError,
  },
  {
    path: '/v3/ai/embedding-model',
    headers: { 'ai-model-id': 'openai/text-embedding-3-small' },
    wrongType: { values: 'x' },
    wrongMessage: /`values` must be an array/,
    unknownModel: { values: ['x'] },
    unknownHeaders: { 'ai-model-id': 'acme/nope' },
    errorOf: gatewayError,
  },
] as const;

function openAIError(body: unknown): { message: string; type: string } {
  return (body as { error: { message: string; type: string } }).error;
}
function anthropicError(body: unknown): { message: string; type: string } {
  assert.equal((body as { type: string }).type, 'error');
  return (body as { error: { message: string; type: string } }).error;
}
function gatewayError(body: unknown): { message: string; type: string } {
  return (body as { error: { message: string; type: string } }).error;
}

describe('gateway handler', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ bodyLimitBytes: 64 * 1024 });
  });
  afterAll(() => gateway.close());

  for (const endpoint of POST_ENDPOINTS) {
    it(`POST ${endpoint.path}: bad input gets a 4xx saying what is wrong, in the dialect's format`, async () => {
      const post = (body: string, headers: Record<string, string> = {}) =>
        send(gateway.origin, endpoint.path, body, { ...endpoint.headers, ...headers });
      const notJson = await post('{"model": ');
      assert.equal(notJson.status, 400);
      assert.match(endpoint.errorOf(notJson.body).message, /^The request body is not valid JSON/);
      const empty = await post('');
      assert.equal(empty.status, 400);
      assert.match(endpoint.errorOf(empty.body).message, /body is empty/);
      const array = await post('[1,2]');
      assert.equal(array.status, 400);
      assert.match(endpoint.errorOf(array.body).message, /must be a JSON object, got an array/);
      const wrongType = await post(JSON.stringify(endpoint.wrongType));
      assert.equal(wrongType.status, 400, wrongType.text);
      assert.match(endpoint.errorOf(wrongType.body).message, endpoint.wrongMessage);
      const unknown = await post(
        JSON.stringify(endpoint.unknownModel),
        'unknownHeaders' in endpoint ? endpoint.unknownHeaders : {},
      );
      assert.equal(unknown.status, 404, unknown.text);
      assert.match(endpoint.errorOf(unknown.body).message, /acme\/nope/);
      const oversize = await post(JSON.stringify({ ...endpoint.wrongType, padding: 'x'.repeat(70 * 1024) }));
      assert.equal(oversize.status, 413);
      assert.match(endpoint.errorOf(oversize.body).message, /larger than the limit of 65536 bytes/);
      const badKey = await post(JSON.stringify(endpoint.unknownModel), { authorization: 'Bearer gw-not-a-key' });
      assert.equal(badKey.status, 401);
      assert.match(endpoint.errorOf(badKey.body).message, /Invalid gateway API key/);
      assert.equal(endpoint.errorOf(badKey.body).type, 'authentication_error');
      const noKey = await post(JSON.stringify(endpoint.unknownModel), { authorization: '' });
      assert.equal(noKey.status, 401);
      assert.match(endpoint.errorOf(noKey.body).message, /Missing gateway API key/);
      assert.doesNotMatch(endpoint.errorOf(noKey.body).message, /redacted/, 'the hint survives secret redaction');
      const html = await post('<html>', { 'content-type': 'text/html' });
      assert.equal(html.status, 415);
    });
  }

  it('language-model: wrong option types name the option', async () => {
    const headers = { 'ai-language-model-id': 'openai/gpt-4o' };
    const prompt = [{ role: 'user', content: [{ type: 'text', text: 'x' }] }];
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ prompt, toolChoice: { type: 'sometimes' } }, /`toolChoice.type` must be one of auto, none, required, tool/],
      [{ prompt, responseFormat: { type: 'xml' } }, /`responseFormat.type` must be "text" or "json"/],
      [{ prompt, reasoning: 'extreme' }, /`reasoning` must be one of/],
      [{ prompt, stopSequences: 'END' }, /`stopSequences` must be an array of strings/],
      [
        { prompt, tools: [{ type: 'provider', id: 'openai.web_search', name: 'web_search', args: {} }] },
        /only function tools are supported/,
      ],
      [
        {
          prompt: [
            {
              role: 'user',
              content: [{ type: 'file', mediaType: 'image/png', data: { type: 'reference', reference: {} } }],
            },
          ],
        },
        /`prompt\[0\].content\[0\].data` must be/,
      ],
      [{ prompt: [{ role: 'wizard', content: 'x' }] }, /role must be one of system, user, assistant, tool/],
    ];
    for (const [body, message] of cases) {
      const response = await send(gateway.origin, '/v4/ai/language-model', JSON.stringify(body), headers);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(gatewayError(response.body).message, message);
      assert.equal(gatewayError(response.body).type, 'invalid_request_error');
    }
    const noModel = await send(gateway.origin, '/v4/ai/language-model', JSON.stringify({ prompt }));
    assert.equal(noModel.status, 400);
    assert.match(gatewayError(noModel.body).message, /`ai-language-model-id` header is required/);
  });

  it('GET endpoints: bad key, unknown model, wrong method', async () => {
    for (const path of ['/v1/models', '/v4/ai/config', '/v3/ai/config']) {
      assert.equal(
        (await send(gateway.origin, path, undefined, { authorization: 'Bearer nope-nope-nope' })).status,
        401,
        path,
      );
      assert.equal((await send(gateway.origin, path)).status, 200, path);
    }
    const missing = await send(gateway.origin, '/v1/models/acme%2Fnope');
    assert.equal(missing.status, 404);
    assert.match(openAIError(missing.body).message, /acme\/nope/);
    const wrongMethod = await send(gateway.origin, CHAT);
    assert.equal(wrongMethod.status, 405);
    assert.match(
      openAIError(wrongMethod.body).message,
      /Method GET is not allowed on \/v1\/chat\/completions; use POST/,
    );
  });

  it('stops reading a chunked body as soon as it passes the limit (413)', async () => {
    const piece = new TextEncoder().encode(`{"model":"openai/gpt-4o","padding":"${'x'.repeat(16 * 1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        if (sent > 40) controller.close();
        else controller.enqueue(sent === 1 ? piece : new TextEncoder().encode('y'.repeat(16 * 1024)));
      },
    });
    const response = await fetch(`${gateway.origin}${CHAT}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 413);
    assert.equal(response.headers.get('content-length') === null, false);
    assert.match(openAIError(await response.json()).message, /larger than the limit/);
  });

  it('passes through paths it does not serve', async () => {
    for (const [path, method] of [
      ['/', 'GET'],
      ['/health', 'GET'],
      ['/v1/other', 'POST'],
      ['/v2/ai/language-model', 'POST'],
    ] as const) {
      const response = await fetch(`${gateway.origin}${path}`, {
        method,
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      assert.equal(await response.text(), 'passed through', path);
    }
  });

  it('aborts the upstream call when the client disconnects (JSON and stream)', async () => {
    gateway.openai.configure({ latencyMs: 60_000 }); // far longer than the abort may take to arrive on a busy machine
    const controller = new AbortController();
    const pending = fetch(`${gateway.origin}${CHAT}`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'slow' }] }),
    });
    await waitFor(() => gateway.openai.requests.some((request) => JSON.stringify(request.body).includes('slow')));
    controller.abort();
    await assert.rejects(pending);
    await waitFor(
      () => gateway.openai.requests.find((request) => JSON.stringify(request.body).includes('slow'))?.aborted === true,
    );
    gateway.openai.configure({
      latencyMs: 0,
      tokensPerSecond: 20,
      reply: () => ({ text: Array.from({ length: 1_200 }, (_, index) => `word${index}`).join(' ') }),
    });
    try {
      const streamController = new AbortController();
      const response = await fetch(`${gateway.origin}${CHAT}`, {
        method: 'POST',
        signal: streamController.signal,
        headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'openai/gpt-4o',
          stream: true,
          messages: [{ role: 'user', content: 'long stream' }],
        }),
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      streamController.abort();
      await waitFor(
        () =>
          gateway.openai.requests.find((request) => JSON.stringify(request.body).includes('long stream'))?.aborted ===
          true,
      );
    } finally {
      gateway.openai.reset();
    }
  });

  it('flushes streamed parts as they come, never buffering the whole answer', async () => {
    // Parts 100 ms apart: far enough that a busy machine does not merge them into one read.
    gateway.anthropic.configure({
      tokensPerSecond: 10,
      reply: () => ({ text: 'one two three four five six seven eight nine ten' }),
    });
    try {
      const response = await fetch(`${gateway.origin}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': GATEWAY_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'anthropic/claude-sonnet-4',
          max_tokens: 50,
          stream: true,
          messages: [{ role: 'user', content: 'count' }],
        }),
      });
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const arrivals: number[] = [];
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arrivals.push(performance.now());
        text += new TextDecoder().decode(value);
      }
      assert.ok(text.includes('"text_delta"') && text.includes('message_stop'));
      assert.ok(arrivals.length >= 8, `expected many separate reads, got ${arrivals.length}`);
      assert.ok((arrivals.at(-1) as number) - arrivals[0] > 150, 'parts arrived spread over the upstream pace');
    } finally {
      gateway.anthropic.reset();
    }
  });

  it('answers 429 with Retry-After and retry-after-ms', async () => {
    gateway.anthropic.script({ type: 'status', status: 429, retryAfterSeconds: 7 });
    const limited = await send(
      gateway.origin,
      '/v1/messages',
      JSON.stringify({ model: 'anthropic/claude-sonnet-4', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(limited.headers.get('retry-after-ms'), '7000');
    assert.equal(anthropicError(limited.body).type, 'rate_limit_error');
  });

  it('waits for drain before pulling the next chunk (backpressure)', async () => {
    const fake = new EventEmitter() as EventEmitter & Partial<ServerResponse> & { written: string[] };
    fake.written = [];
    Object.assign(fake, {
      writeHead: () => fake,
      flushHeaders: () => undefined,
      write: (chunk: string) => {
        fake.written.push(chunk);
        return false; // always full
      },
      end: () => fake.emit('close'),
    });
    let pulled = 0;
    async function* chunks(): AsyncGenerator<string> {
      for (let index = 0; index < 3; index += 1) {
        pulled += 1;
        yield `chunk${index}`;
      }
    }
    const writing = writeNodeResponse(fake as unknown as ServerResponse, {
      status: 200,
      headers: {},
      stream: chunks(),
    });
    // Each write reports a full socket, so the writer waits for 'drain' right after it.
    await waitFor(() => fake.written.length === 1);
    assert.equal(pulled, 1, 'the second chunk is not pulled while the socket is full');
    fake.emit('drain');
    await waitFor(() => fake.written.length === 2);
    assert.equal(pulled, 2);
    fake.emit('drain');
    await waitFor(() => fake.written.length === 3);
    fake.emit('drain');
    await writing;
    assert.deepEqual(fake.written, ['chunk0', 'chunk1', 'chunk2']);
  });
});

describe('handler configuration', () => {
  /** Runs `test` against a node:http server whose handler gets `config` (built once upstreams are up). */
  async function withHandler(
    config: (upstreams: Upstreams) => GatewayHandlerConfig,
    test: (origin: string, upstreams: Upstreams) => Promise<void>,
  ): Promise<void> {
    const upstreams = await startUpstreams();
    const handler = createGatewayHandler(config(upstreams));
    const server = createServer((request, response) => {
      if (!handler.handleNode(request, response)) response.writeHead(404).end('passed through');
    });
    const origin = await listen(server);
    try {
      await test(origin, upstreams);
    } finally {
      await closeServer(server);
      await upstreams.close();
    }
  }

  it('serves under basePath only, with CORS for allowed origins', () =>
    withHandler(
      (upstreams) => ({
        router: upstreams.router,
        basePath: '/ai/',
        apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
        cors: { origin: ['https://app.example'] },
        logger: false,
      }),
      async (origin) => {
        assert.equal((await send(origin, '/v1/models')).text, 'passed through');
        assert.equal((await send(origin, '/aix/v1/models')).text, 'passed through');
        const served = await send(origin, '/ai/v1/models', undefined, { origin: 'https://app.example' });
        assert.equal(served.status, 200);
        assert.equal(served.headers.get('access-control-allow-origin'), 'https://app.example');
        const other = await send(origin, '/ai/v1/models', undefined, { origin: 'https://evil.example' });
        assert.equal(other.headers.get('access-control-allow-origin'), null);
        const preflight = await fetch(`${origin}/ai/v1/chat/completions`, {
          method: 'OPTIONS',
          headers: {
            origin: 'https://app.example',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization, content-type',
          },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
        assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, content-type');
      },
    ));

  it('says at start-up that auth is off, and then accepts requests without a key', async () => {
    const warnings: string[] = [];
    const events: string[] = [];
    await withHandler(
      (upstreams) => {
        upstreams.router.on('warning', (event) => void events.push(event.code));
        return {
          router: upstreams.router,
          logger: { warn: (message) => void warnings.push(message), error: () => undefined },
        };
      },
      async (origin) => {
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /auth is OFF/);
        assert.deepEqual(events, ['auth_disabled']);
        const response = await fetch(`${origin}${CHAT}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'no key' }] }),
        });
        assert.equal(response.status, 200);
        assert.equal(warnings.length, 1, 'warned once, at start-up');
      },
    );
  });

  it('authenticates with a lookup function given the key hash, and bills the key account', async () => {
    const accounts: unknown[] = [];
    const seen: string[] = [];
    await withHandler(
      (upstreams) => {
        upstreams.router.on('usage', (event) => void accounts.push(event.account));
        return {
          router: upstreams.router,
          logger: false,
          apiKeys: (_key, sha256) => {
            seen.push(sha256);
            return sha256 === createHash('sha256').update('looked-up-key-1').digest('hex')
              ? { id: 'key_lookup', account: 'team_lookup', user: 'alice' }
              : undefined;
          },
        };
      },
      async (origin) => {
        const ok = await fetch(`${origin}${CHAT}`, {
          method: 'POST',
          headers: { authorization: 'Bearer looked-up-key-1', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
        });
        assert.equal(ok.status, 200);
        assert.deepEqual(accounts, [{ id: 'team_lookup', apiKeyId: 'key_lookup', user: 'alice' }]);
        const bad = await fetch(`${origin}${CHAT}`, {
          method: 'POST',
          headers: { authorization: 'Bearer looked-up-key-2', 'content-type': 'application/json' },
          body: '{}',
        });
        assert.equal(bad.status, 401);
        assert.equal(seen.length, 2);
      },
    );
  });

  it('mounts only the dialects asked for', () =>
    withHandler(
      (upstreams) => ({
        router: upstreams.router,
        dialects: ['anthropic'],
        apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
        logger: false,
      }),
      async (origin) => {
        assert.equal((await send(origin, CHAT, '{}')).text, 'passed through');
        assert.equal((await send(origin, '/v4/ai/config')).text, 'passed through');
        assert.equal((await send(origin, '/v1/messages', '{}')).status, 400);
      },
    ));

  it('rejects an invalid configuration with a clear error', () => {
    assert.throws(() => createGatewayHandler({} as never), /needs `router`/);
    assert.throws(
      () => createGatewayHandler({ router: { providers: {} }, dialects: ['grpc' as never], logger: false }),
      /Unknown dialect 'grpc'/,
    );
    assert.throws(
      () =>
        createGatewayHandler({
          router: { providers: {} },
          apiKeys: [{ key: 'short', id: 'k', account: 'a' }],
          logger: false,
        }),
      /at least 8 characters/,
    );
  });
});
