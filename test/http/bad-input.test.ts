import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import OpenAI from 'openai';
import { createGatewayHandler } from '../../src/http/gateway-handler.js';
import { Router } from '../../src/router/router.js';
import { GATEWAY_KEY, OPENAI_VENDOR_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

const CHAT = '/v1/chat/completions';
const LANGUAGE_MODEL = '/v4/ai/language-model';
const HI = [{ role: 'user', content: 'hi' }];

function errorOf(body: unknown): { message: string; type: string; param: unknown; code: string } {
  return (body as { error: { message: string; type: string; param: unknown; code: string } }).error;
}

describe('bad input gets a 400 naming the field, never a 5xx', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  describe('BYOK credentials (providerOptions.gateway.byok)', () => {
    const client = () => new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    const chatWith = (byok: unknown) =>
      client().chat.completions.create({
        model: 'openai/gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        providerOptions: { gateway: { byok } },
      } as never);

    const cases: Array<[string, unknown, string]> = [
      ['a non-string apiKey', { openai: [{ apiKey: 5 }] }, 'providerOptions.gateway.byok.openai[0].apiKey'],
      [
        'an object apiKey',
        { anthropic: [{ apiKey: { key: 'x' } }] },
        'providerOptions.gateway.byok.anthropic[0].apiKey',
      ],
      [
        'an apiKey with a line break',
        { openai: [{ apiKey: 'sk-caller\r\nInjected: 1' }] },
        'providerOptions.gateway.byok.openai[0].apiKey',
      ],
      [
        'an empty apiKey (would run on the gateway key, billed as BYOK)',
        { openai: [{ apiKey: '' }] },
        'providerOptions.gateway.byok.openai[0].apiKey',
      ],
      [
        'no credential at all (would run on the gateway key, billed as BYOK)',
        { openai: [{}] },
        'providerOptions.gateway.byok.openai[0]',
      ],
      [
        'AWS keys for an apiKey vendor',
        { openai: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }] },
        'providerOptions.gateway.byok.openai[0]',
      ],
      [
        'bedrock: an access key id without its secret',
        { bedrock: [{ accessKeyId: 'AKIDEXAMPLE' }] },
        'providerOptions.gateway.byok.bedrock[0]',
      ],
      [
        'bedrock: a region alone (would use the gateway keys)',
        { bedrock: [{ region: 'us-east-1' }] },
        'providerOptions.gateway.byok.bedrock[0]',
      ],
      [
        'bedrock: a region that is not a region name',
        { bedrock: [{ apiKey: 'k', region: 'evil.example#' }] },
        'providerOptions.gateway.byok.bedrock[0].region',
      ],
      [
        'bedrock: a numeric session token',
        { bedrock: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's', sessionToken: 7 }] },
        'providerOptions.gateway.byok.bedrock[0].sessionToken',
      ],
      [
        'vertex: a service-account email without its key',
        { vertex: [{ client_email: 'a@b.iam.gserviceaccount.com' }] },
        'providerOptions.gateway.byok.vertex[0]',
      ],
      [
        'vertex: a numeric project',
        { vertex: [{ accessToken: 'ya29.x', project: 12 }] },
        'providerOptions.gateway.byok.vertex[0].project',
      ],
      [
        'a second credential that is bad',
        { openai: [{ apiKey: 'sk-good-123456789' }, { apiKey: null }] },
        'providerOptions.gateway.byok.openai[1].apiKey',
      ],
    ];
    for (const [name, byok, param] of cases) {
      it(`${name}: 400 invalid_request naming ${param}`, async () => {
        const error = await chatWith(byok).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        assert.ok(error instanceof OpenAI.BadRequestError, `expected a 400, got ${String(error)}`);
        const body = errorOf(error.error === undefined ? undefined : { error: error.error });
        assert.equal(body.code, 'invalid_request');
        assert.equal(body.param, param);
        assert.doesNotMatch(body.message, /sk-caller|Injected/);
      });
    }

    it('an openai credential takes only apiKey: a Vertex access token is refused', async () => {
      const raw = await send(
        gateway.origin,
        CHAT,
        JSON.stringify({
          model: 'openai/gpt-4o',
          messages: HI,
          providerOptions: { gateway: { byok: { openai: [{ accessToken: 'ya29.token' }] } } },
        }),
      );
      assert.equal(raw.status, 400, raw.text);
      assert.equal(errorOf(raw.body).param, 'providerOptions.gateway.byok.openai[0]');
    });

    it('a configured instance name is checked against its type (openai-eu, of type openai, takes only apiKey)', async () => {
      const router = new Router({
        providers: {
          'openai-eu': { type: 'openai', apiKey: 'sk-gateway-eu-key-000', baseURL: 'http://127.0.0.1:9/v1' },
        },
      });
      const handler = createGatewayHandler({ router, logger: false });
      try {
        const body = JSON.stringify({
          model: 'openai/gpt-4o',
          messages: HI,
          providerOptions: {
            gateway: { byok: { 'openai-eu': [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }] } },
          },
        });
        const response = await handler.handle({
          method: 'POST',
          url: CHAT,
          headers: { 'content-type': 'application/json' },
          readBody: async () => body,
          signal: new AbortController().signal,
        });
        assert.equal(response?.status, 400, response?.body as string);
        assert.equal(errorOf(JSON.parse(response?.body as string)).param, 'providerOptions.gateway.byok.openai-eu[0]');
      } finally {
        await router.close();
      }
    });

    it('a good credential still reaches the vendor as the caller key', async () => {
      const byokKey = 'sk-byok-caller-key-123456789';
      const completion = await chatWith({ openai: [{ apiKey: byokKey }] });
      assert.equal(
        (completion as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
        'You said: hi',
      );
      assert.equal(gateway.openai.requests.at(-1)?.headers.authorization, `Bearer ${byokKey}`);
      assert.notEqual(gateway.openai.requests.at(-1)?.headers.authorization, `Bearer ${OPENAI_VENDOR_KEY}`);
    });
  });

  describe('per-call headers on /v4/ai/language-model', () => {
    const call = (headers: unknown) =>
      send(
        gateway.origin,
        LANGUAGE_MODEL,
        JSON.stringify({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }], headers }),
        { 'ai-language-model-id': 'openai/gpt-4o' },
      );
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a name with CR/LF', { 'x-evil\r\nx': 'v' }, 'headers.x-evil\r\nx'],
      ['a value with CR/LF', { 'x-a': 'v\r\nInjected: 1' }, 'headers.x-a'],
      ['an empty name', { '': 'v' }, 'headers.'],
      ['a name with a space', { 'x a': 'v' }, 'headers.x a'],
      ['a value with a NUL', { 'x-a': 'v\u0000' }, 'headers.x-a'],
      ['a value outside Latin-1', { 'x-a': 'caf\u00e9 \u2603' }, 'headers.x-a'],
      ['a numeric value', { 'x-a': 5 }, 'headers.x-a'],
    ];
    for (const [name, headers, param] of cases) {
      it(`${name}: 400 naming the header`, async () => {
        const before = gateway.openai.requests.length;
        const response = await call(headers);
        assert.equal(response.status, 400, response.text);
        const error = errorOf(response.body);
        assert.equal(error.type, 'invalid_request_error');
        assert.equal(error.param, param);
        assert.equal(gateway.openai.requests.length, before, 'nothing went upstream');
      });
    }

    it('good headers still go upstream', async () => {
      const response = await call({ 'x-team': 'search', 'x-trace': 'a b\tc' });
      assert.equal(response.status, 200, response.text);
      assert.equal(gateway.openai.requests.at(-1)?.headers['x-team'], 'search');
    });
  });

  describe('objects where /v4/ai/language-model wants text (found by the fuzz suite: a 500 before)', () => {
    // `{ toString: 'x' }` cannot be turned into a string: String() throws on it.
    const unprintable = { toString: 'x', valueOf: 1 };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        'a tool of another type whose name is such an object',
        { tools: [{ type: false, name: unprintable, inputSchema: { type: 'object' } }] },
        'tools[0].type',
      ],
      [
        'a tool result whose text is such an object',
        {
          prompt: [
            { role: 'user', content: [{ type: 'text', text: 'x' }] },
            { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 't', input: '{}' }] },
            {
              role: 'tool',
              content: [
                {
                  type: 'tool-result',
                  toolCallId: 'c1',
                  toolName: 't',
                  output: { type: 'content', value: [{ type: 'text', text: unprintable }] },
                },
              ],
            },
          ],
        },
        'prompt[2].content[0].output.value[0].text',
      ],
    ];
    for (const [name, fields, param] of cases) {
      it(`${name}: 400 naming the field`, async () => {
        const body = { prompt: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }], ...fields };
        const response = await send(gateway.origin, LANGUAGE_MODEL, JSON.stringify(body), {
          'ai-language-model-id': 'openai/gpt-4o',
        });
        assert.equal(response.status, 400, response.text);
        assert.equal(errorOf(response.body).param, param);
      });
    }
  });

  it('GET /v1/models/{id} with a malformed percent escape: 404 model_not_found, in both dialects', async () => {
    for (const [headers, shape] of [
      [{ 'anthropic-version': '2023-06-01' }, 'anthropic'],
      [{}, 'openai'],
    ] as const) {
      for (const id of ['%', '%E0%A4%A', 'openai%2F%ZZ']) {
        const response = await send(gateway.origin, `/v1/models/${id}`, undefined, headers);
        assert.equal(response.status, 404, `${shape} ${id}: ${response.text}`);
        if (shape === 'anthropic') assert.equal((response.body as { type: string }).type, 'error');
        else assert.equal(errorOf(response.body).code, 'model_not_found');
      }
    }
  });

  it('providerOptions.gateway routing fields of the wrong type: 400 naming the field on every endpoint (embeddings crashed with a 500)', async () => {
    const cases: Array<[string, Record<string, unknown>, Record<string, string>]> = [
      ['/v1/embeddings', { model: 'openai/text-embedding-3-small', input: 'x' }, {}],
      ['/v4/ai/embedding-model', { values: ['x'] }, { 'ai-model-id': 'openai/text-embedding-3-small' }],
      [CHAT, { model: 'openai/gpt-4o', messages: HI }, {}],
    ];
    for (const [path, body, headers] of cases) {
      for (const [field, value] of [
        ['only', JSON.parse('{"__proto__":{"x":1}}')],
        ['order', 'openai'],
        ['models', [1]],
        ['tags', {}],
        ['sort', 'fastest'],
        ['user', 5],
      ] as const) {
        const response = await send(
          gateway.origin,
          path,
          JSON.stringify({ ...body, providerOptions: { gateway: { [field]: value } } }),
          headers,
        );
        assert.equal(response.status, 400, `${path} ${field}: ${response.text}`);
        assert.equal(errorOf(response.body).param, `providerOptions.gateway.${field}`, `${path} ${field}`);
      }
    }
  });

  it('a compressed body is a 415 naming content-encoding, not a JSON parse error or an upstream call', async () => {
    const { gzipSync } = await import('node:zlib');
    const response = await fetch(`${gateway.origin}${CHAT}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${GATEWAY_KEY}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ model: 'openai/gpt-4o', messages: HI })),
    });
    assert.equal(response.status, 415);
    const error = errorOf(await response.json());
    assert.equal(error.param, 'content-encoding');
    assert.match(error.message, /Content-Encoding 'gzip' is not supported/);
  });
});
