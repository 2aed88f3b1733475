import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import {
  ChatCompletionResponse$inboundSchema,
  CompletionChunk$inboundSchema,
  EmbeddingResponse$inboundSchema,
} from '@mistralai/mistralai/models/components';
import { createMistralSimulator } from '../../src/testing/mistral-simulator.js';

describe('mistral simulator (raw HTTP)', () => {
  const simulator = createMistralSimulator();
  let baseURL: string;
  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = { authorization: 'Bearer test-key' },
  ): Promise<Response> =>
    fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    model: 'mistral-small-latest',
    messages: [{ role: 'user', content: 'Hello there' }],
    ...extra,
  });
  const dataLines = (text: string): string[] =>
    text
      .split('\n\n')
      .filter(Boolean)
      .map((event) => {
        assert.match(event, /^data: /, 'every event is one data line');
        return event.slice('data: '.length);
      });
  const weatherTool = {
    type: 'function',
    function: {
      name: 'weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  };

  beforeAll(async () => {
    baseURL = await simulator.start();
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('answers a chat completion that the SDK schema accepts, with Mistral usage', async () => {
    const response = await post('/v1/chat/completions', chat());
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      object: string;
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: Record<string, number>;
    };
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0].message.content, 'You said: Hello there');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.deepEqual(Object.keys(body.usage).sort(), ['completion_tokens', 'prompt_tokens', 'total_tokens']);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
    ChatCompletionResponse$inboundSchema.parse(body);
  });

  it('streams data: chunks with usage on the last one, then data: [DONE]', async () => {
    const response = await post('/v1/chat/completions', chat({ stream: true }));
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const lines = dataLines(await response.text());
    assert.equal(lines.at(-1), '[DONE]');
    const chunks = lines.slice(0, -1).map(
      (line) =>
        JSON.parse(line) as {
          choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>;
          usage?: Record<string, number>;
        },
    );
    for (const chunk of chunks) CompletionChunk$inboundSchema.parse(chunk);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join(''), 'You said: Hello there');
    const last = chunks.at(-1);
    assert.equal(last?.choices[0].finish_reason, 'stop');
    assert.equal(last?.usage?.completion_tokens, 4);
    assert.equal(last?.usage?.prompt_tokens, simulator.totals.inputTokens);
    assert.ok(
      chunks.slice(0, -1).every((chunk) => chunk.choices[0].finish_reason === null && chunk.usage === undefined),
    );
  });

  it('calls tools with 9-character ids and string arguments, and checks tool results', async () => {
    const response = await post('/v1/chat/completions', chat({ tools: [weatherTool], tool_choice: 'any' }));
    const body = (await response.json()) as {
      choices: Array<{
        message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> };
        finish_reason: string;
      }>;
    };
    ChatCompletionResponse$inboundSchema.parse(body);
    const [toolCall] = body.choices[0].message.tool_calls;
    assert.match(toolCall.id, /^[a-zA-Z0-9]{9}$/);
    assert.equal(toolCall.function.arguments, '{"city":"sample"}');
    assert.equal(body.choices[0].finish_reason, 'tool_calls');
    const history = [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: toolCall.id, type: 'function', function: toolCall.function }],
      },
    ];
    assert.equal(
      (
        await post(
          '/v1/chat/completions',
          chat({ messages: [...history, { role: 'tool', tool_call_id: toolCall.id, content: '21C' }] }),
        )
      ).status,
      200,
    );
    const badId = await post(
      '/v1/chat/completions',
      chat({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: '{}' } }] },
        ],
      }),
    );
    assert.equal(badId.status, 400);
    assert.match(
      ((await badId.json()) as { message: string }).message,
      /Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9/,
    );
    const unanswered = await post(
      '/v1/chat/completions',
      chat({ messages: [...history, { role: 'tool', tool_call_id: 'zzzzzzzzz', content: '21C' }] }),
    );
    assert.equal(unanswered.status, 400);
  });

  it('rejects a bad body: 400 for bad JSON, 422 with details for missing or extra fields', async () => {
    const badJson = await post('/v1/chat/completions', '{"model":');
    assert.equal(badJson.status, 400);
    assert.deepEqual(await badJson.json(), {
      object: 'error',
      message: 'Invalid JSON body',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    const missingModel = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(missingModel.status, 422);
    assert.deepEqual(await missingModel.json(), {
      detail: [{ type: 'missing', loc: ['body', 'model'], msg: 'Field required', input: null }],
    });
    const missingMessages = await post('/v1/chat/completions', { model: 'mistral-small-latest' });
    assert.deepEqual(((await missingMessages.json()) as { detail: Array<{ loc: string[] }> }).detail[0].loc, [
      'body',
      'messages',
    ]);
    const extra = await post('/v1/chat/completions', chat({ top_k: 3 }));
    assert.equal(extra.status, 422);
    assert.equal(((await extra.json()) as { detail: Array<{ type: string }> }).detail[0].type, 'extra_forbidden');
    const badRole = await post('/v1/chat/completions', chat({ messages: [{ role: 'developer', content: 'Hi' }] }));
    assert.equal(badRole.status, 422);
    assert.equal(simulator.requests.length, 0, 'rejected bodies are not recorded');
  });

  it('answers 401 without a bearer key and 404 for an unknown path', async () => {
    const unauthorized = await post('/v1/chat/completions', chat(), {});
    assert.equal(unauthorized.status, 401);
    assert.equal(((await unauthorized.json()) as { message: string }).message, 'Unauthorized');
    assert.equal((await post('/v1/completions', chat())).status, 404);
  });

  it('reports thinking chunks for reasoning_effort and cached tokens for a repeated prompt_cache_key', async () => {
    const reasoning = (await (await post('/v1/chat/completions', chat({ reasoning_effort: 'high' }))).json()) as {
      choices: Array<{ message: { content: Array<{ type: string }> } }>;
    };
    ChatCompletionResponse$inboundSchema.parse(reasoning);
    assert.deepEqual(
      reasoning.choices[0].message.content.map((chunk) => chunk.type),
      ['thinking', 'text'],
    );
    const keyed = chat({ prompt_cache_key: 'k1' });
    const first = (await (await post('/v1/chat/completions', keyed)).json()) as {
      usage: { prompt_tokens_details?: { cached_tokens: number } };
    };
    assert.equal(first.usage.prompt_tokens_details, undefined);
    const second = (await (await post('/v1/chat/completions', keyed)).json()) as {
      usage: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens: number } };
    };
    assert.equal(second.usage.prompt_tokens_details?.cached_tokens, second.usage.prompt_tokens);
    const otherKey = (await (await post('/v1/chat/completions', chat({ prompt_cache_key: 'k2' }))).json()) as {
      usage: Record<string, unknown>;
    };
    assert.equal(otherKey.usage.prompt_tokens_details, undefined);
  });

  it('embeds with mistral-embed (1024 dimensions) and rejects output_dimension for it', async () => {
    const response = await post('/v1/embeddings', { model: 'mistral-embed', input: ['hello', 'world'] });
    const body = (await response.json()) as {
      data: Array<{ embedding: number[]; index: number }>;
      usage: { prompt_tokens: number };
    };
    EmbeddingResponse$inboundSchema.parse(body);
    assert.equal(body.data.length, 2);
    assert.equal(body.data[1].index, 1);
    assert.equal(body.data[0].embedding.length, 1024);
    assert.equal(body.usage.prompt_tokens, simulator.totals.inputTokens);
    assert.equal(
      (await post('/v1/embeddings', { model: 'mistral-embed', input: ['x'], output_dimension: 8 })).status,
      400,
    );
    const sized = (await (
      await post('/v1/embeddings', { model: 'codestral-embed', input: 'x', output_dimension: 8 })
    ).json()) as { data: Array<{ embedding: number[] }> };
    assert.equal(sized.data[0].embedding.length, 8);
  });

  it('plays scripted faults: a 429 with Retry-After, a 422, a malformed body, a cut stream', async () => {
    simulator.script(
      { type: 'status', status: 429, retryAfterSeconds: 3 },
      { type: 'status', status: 422 },
      { type: 'malformed' },
      { type: 'disconnect', afterParts: 1 },
    );
    const limited = await post('/v1/chat/completions', chat());
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.deepEqual(await limited.json(), {
      object: 'error',
      message: 'Rate limit reached for requests (simulated)',
      type: 'rate_limited',
      param: null,
      code: null,
    });
    const invalid = await post('/v1/chat/completions', chat());
    assert.equal(invalid.status, 422);
    assert.ok(Array.isArray(((await invalid.json()) as { detail: unknown }).detail));
    const malformed = await post('/v1/chat/completions', chat());
    const malformedText = await malformed.text();
    assert.throws(() => JSON.parse(malformedText));
    const cut = await post(
      '/v1/chat/completions',
      chat({ stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] }),
    );
    await assert.rejects(cut.text());
    assert.deepEqual(
      simulator.requests.map((request) => request.outcome),
      ['status', 'status', 'malformed', 'disconnect'],
    );
    assert.equal(simulator.requests[3].usage, undefined);
  });
});
