import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';

describe('openai simulator (raw HTTP)', () => {
  const simulator = createOpenAISimulator();
  let baseURL: string;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Hello there' }],
    ...extra,
  });
  const events = (text: string): string[] => text.split('\n\n').filter((event) => event !== '');

  beforeAll(async () => {
    baseURL = await simulator.start();
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('answers a chat completion with OpenAI usage fields', async () => {
    const response = await post('/v1/chat/completions', chat());
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      object: string;
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: Record<string, unknown>;
    };
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0].message.content, 'You said: Hello there');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.deepEqual(Object.keys(body.usage).sort(), [
      'completion_tokens',
      'completion_tokens_details',
      'prompt_tokens',
      'prompt_tokens_details',
      'total_tokens',
    ]);
    assert.equal(
      body.usage.total_tokens,
      (body.usage.prompt_tokens as number) + (body.usage.completion_tokens as number),
    );
  });

  it('rejects a body without model with a 400 in the OpenAI error shape', async () => {
    const response = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      error: {
        message: 'you must provide a model parameter',
        type: 'invalid_request_error',
        param: 'model',
        code: null,
      },
    });
    assert.equal(simulator.requests.length, 0);
  });

  it('rejects missing messages, bad JSON, unanswered tool calls and stream_options without stream', async () => {
    const missing = await post('/v1/chat/completions', { model: 'gpt-4o-mini' });
    assert.equal(((await missing.json()) as { error: { param: string } }).error.param, 'messages');
    assert.equal((await post('/v1/chat/completions', '{"model":')).status, 400);
    const unanswered = await post(
      '/v1/chat/completions',
      chat({
        messages: [
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'user', content: 'Again' },
        ],
      }),
    );
    assert.equal(unanswered.status, 400);
    assert.match(((await unanswered.json()) as { error: { message: string } }).error.message, /call_1/);
    assert.equal((await post('/v1/chat/completions', chat({ stream_options: { include_usage: true } }))).status, 400);
  });

  it('answers 401 without an API key', async () => {
    const response = await fetch(`${baseURL}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat()),
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
  });

  it('frames a stream as SSE data events ending with [DONE], usage only when asked', async () => {
    const response = await post(
      '/v1/chat/completions',
      chat({ stream: true, stream_options: { include_usage: true } }),
    );
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await response.text();
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    const list = events(text);
    assert.ok(list.every((event) => event.startsWith('data: ')));
    const chunks = list.slice(0, -1).map(
      (event) =>
        JSON.parse(event.slice(6)) as {
          object: string;
          choices: Array<{ delta: { content?: string }; finish_reason: string | null }>;
          usage: unknown;
        },
    );
    assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk'));
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'You said: Hello there');
    const last = chunks[chunks.length - 1];
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage && typeof last.usage === 'object');
    assert.equal(chunks[chunks.length - 2].choices[0].finish_reason, 'stop');
    const plain = events(await (await post('/v1/chat/completions', chat({ stream: true }))).text());
    assert.ok(plain.slice(0, -1).every((event) => !('usage' in JSON.parse(event.slice(6)))));
  });

  it('streams tool calls as function.arguments deltas with finish_reason tool_calls', async () => {
    const tools = [
      {
        type: 'function',
        function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const text = await (
      await post('/v1/chat/completions', chat({ stream: true, tools, tool_choice: 'required' }))
    ).text();
    const chunks = events(text)
      .slice(0, -1)
      .map(
        (event) =>
          JSON.parse(event.slice(6)) as {
            choices: Array<{
              delta: { tool_calls?: Array<{ id?: string; function: { name?: string; arguments: string } }> };
              finish_reason: string | null;
            }>;
          },
      );
    const calls = chunks.flatMap((chunk) => chunk.choices[0].delta.tool_calls ?? []);
    assert.equal(calls[0].id, 'call_sim_1');
    assert.equal(calls[0].function.name, 'weather');
    assert.ok(calls.length > 2, 'arguments arrive in several deltas');
    assert.deepEqual(JSON.parse(calls.map((call) => call.function.arguments).join('')), { city: 'sample' });
    assert.equal(chunks[chunks.length - 1].choices[0].finish_reason, 'tool_calls');
  });

  it('reports cached tokens for a repeated long prefix and cache writes for breakpoints', async () => {
    const system = { role: 'system', content: 'rule '.repeat(1000) };
    const first = (await (
      await post('/v1/chat/completions', chat({ messages: [system, { role: 'user', content: 'One' }] }))
    ).json()) as { usage: { prompt_tokens_details: { cached_tokens: number } } };
    assert.equal(first.usage.prompt_tokens_details.cached_tokens, 0);
    const second = (await (
      await post('/v1/chat/completions', chat({ messages: [system, { role: 'user', content: 'Two' }] }))
    ).json()) as { usage: { prompt_tokens_details: { cached_tokens: number } } };
    assert.equal(second.usage.prompt_tokens_details.cached_tokens, 1250);
    const marked = {
      role: 'user',
      content: [{ type: 'text', text: 'short prefix', prompt_cache_breakpoint: { mode: 'explicit' } }],
    };
    const written = (await (await post('/v1/chat/completions', chat({ messages: [marked] }))).json()) as {
      usage: { prompt_tokens_details: { cache_write_tokens?: number } };
    };
    assert.ok((written.usage.prompt_tokens_details.cache_write_tokens ?? 0) > 0);
  });

  it('adds reasoning_content for grok models and reasoning tokens for reasoning_effort', async () => {
    const grok = (await (await post('/v1/chat/completions', chat({ model: 'grok-3-mini' }))).json()) as {
      choices: Array<{ message: { reasoning_content?: string } }>;
      usage: { completion_tokens_details: { reasoning_tokens: number } };
    };
    assert.equal(grok.choices[0].message.reasoning_content, 'Thinking about: Hello there');
    assert.ok(grok.usage.completion_tokens_details.reasoning_tokens > 0);
    const openai = (await (
      await post('/v1/chat/completions', chat({ model: 'o4-mini', reasoning_effort: 'low' }))
    ).json()) as {
      choices: Array<{ message: Record<string, unknown> }>;
      usage: { completion_tokens_details: { reasoning_tokens: number } };
    };
    assert.equal(openai.choices[0].message.reasoning_content, undefined);
    assert.ok(openai.usage.completion_tokens_details.reasoning_tokens > 0);
  });

  it('counts reasoning inside max_completion_tokens; xAI leaves it out of completion_tokens, OpenAI counts it in', async () => {
    type Body = {
      choices: Array<{ finish_reason: string }>;
      usage: {
        prompt_tokens: number;
        completion_tokens: number;
        total_tokens: number;
        completion_tokens_details: { reasoning_tokens: number };
      };
    };
    const grok = (await (
      await post(
        '/v1/chat/completions',
        chat({
          model: 'grok-3-mini',
          max_completion_tokens: 10,
          messages: [{ role: 'user', content: 'one two three four five six' }],
        }),
      )
    ).json()) as Body;
    const reasoning = grok.usage.completion_tokens_details.reasoning_tokens;
    assert.ok(reasoning > 0);
    assert.equal(grok.usage.completion_tokens + reasoning, 10);
    assert.equal(grok.usage.total_tokens, grok.usage.prompt_tokens + grok.usage.completion_tokens + reasoning);
    assert.equal(grok.choices[0].finish_reason, 'length');
    const openai = (await (
      await post(
        '/v1/chat/completions',
        chat({
          model: 'o4-mini',
          reasoning_effort: 'low',
          max_completion_tokens: 10,
          messages: [{ role: 'user', content: 'one two three four five six' }],
        }),
      )
    ).json()) as Body;
    assert.ok(openai.usage.completion_tokens_details.reasoning_tokens > 0);
    assert.equal(openai.usage.completion_tokens, 10);
    assert.equal(openai.usage.total_tokens, openai.usage.prompt_tokens + openai.usage.completion_tokens);
  });

  it('serves embeddings as floats or base64, with dimensions, with or without /v1', async () => {
    const floats = (await (
      await post('/v1/embeddings', {
        model: 'text-embedding-3-small',
        input: ['hello', 'world'],
        dimensions: 4,
        encoding_format: 'float',
      })
    ).json()) as { data: Array<{ embedding: number[]; index: number }>; usage: { prompt_tokens: number } };
    assert.deepEqual(
      floats.data.map((item) => [item.index, item.embedding.length]),
      [
        [0, 4],
        [1, 4],
      ],
    );
    const encoded = (await (
      await post('/embeddings', {
        model: 'text-embedding-3-small',
        input: ['hello', 'world'],
        dimensions: 4,
        encoding_format: 'base64',
      })
    ).json()) as { data: Array<{ embedding: string }> };
    const decoded = Array.from(
      new Float32Array(new Uint8Array(Buffer.from(encoded.data[0].embedding, 'base64')).buffer),
    );
    assert.deepEqual(decoded, Array.from(new Float32Array(floats.data[0].embedding)));
    const full = (await (await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'hello' })).json()) as {
      data: Array<{ embedding: number[] }>;
    };
    assert.equal(full.data[0].embedding.length, 1536);
    assert.equal(
      (await post('/v1/embeddings', { model: 'text-embedding-ada-002', input: 'x', dimensions: 4 })).status,
      400,
    );
  });

  it('rejects more dimensions than the model has, as the API does (a fuzzed 10^9 ran the process out of memory)', async () => {
    const response = await post('/v1/embeddings', {
      model: 'text-embedding-3-small',
      input: 'x',
      dimensions: 1_000_000_000,
    });
    assert.equal(response.status, 400);
    assert.match(
      ((await response.json()) as { error: { message: string } }).error.message,
      /less than or equal to 1536/,
    );
    assert.equal(
      (await post('/v1/embeddings', { model: 'text-embedding-3-large', input: 'x', dimensions: 3072 })).status,
      200,
    );
  });

  it('lists models, with or without /v1', async () => {
    for (const path of ['/v1/models', '/models']) {
      const body = (await (
        await fetch(`${baseURL}${path}`, { headers: { authorization: 'Bearer sk-test' } })
      ).json()) as { object: string; data: Array<{ id: string; object: string }> };
      assert.equal(body.object, 'list');
      assert.ok(body.data.some((model) => model.id === 'gpt-4o-mini' && model.object === 'model'));
    }
    const unknown = await fetch(`${baseURL}/v1/nothing`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
    });
    assert.equal(unknown.status, 404);
  });

  it('plays scripted faults in the OpenAI shape', async () => {
    simulator.script({ type: 'status', status: 429, retryAfterSeconds: 3 }, { type: 'malformed' }, 'ok');
    const limited = await post('/v1/chat/completions', chat());
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.deepEqual(((await limited.json()) as { error: unknown }).error, {
      message: 'Rate limit reached for requests (simulated)',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    });
    const malformed = await post('/v1/chat/completions', chat());
    assert.equal(malformed.status, 200);
    await assert.rejects(malformed.json());
    assert.equal((await post('/v1/chat/completions', chat())).status, 200);
    assert.deepEqual(
      simulator.requests.map((request) => request.outcome),
      ['status', 'malformed', 'ok'],
    );
  });
});
