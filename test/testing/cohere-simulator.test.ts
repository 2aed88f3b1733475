import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { COHERE_TEMPLATE_TOKENS, createCohereSimulator } from '../../src/testing/cohere-simulator.js';

interface StreamEvent {
  event: string;
  data: { type: string; index?: number; delta?: Record<string, unknown> };
}

describe('cohere simulator (raw HTTP)', () => {
  const simulator = createCohereSimulator();
  let baseURL: string;
  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = { authorization: 'Bearer co-test-key' },
  ): Promise<Response> =>
    fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    model: 'command-a-03-2025',
    messages: [{ role: 'user', content: 'Hello there' }],
    ...extra,
  });
  const weatherTool = {
    type: 'function',
    function: {
      name: 'weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  };
  /**
   * Splits an SSE body into events, checking the framing: an `event:` line, a `data:` line with the same type, a blank
   * line.
   */
  const parseEvents = (text: string): StreamEvent[] =>
    text
      .split('\n\n')
      .filter(Boolean)
      .map((frame) => {
        const match = /^event: ([a-z-]+)\ndata: (.+)$/.exec(frame);
        assert.ok(match, `an SSE frame: ${frame}`);
        const data = JSON.parse(match[2]) as StreamEvent['data'];
        assert.equal(data.type, match[1]);
        return { event: match[1], data };
      });

  beforeAll(async () => {
    baseURL = await simulator.start();
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('answers a v2 chat with content items, finish_reason and billed units beside template-inclusive tokens', async () => {
    const response = await post('/v2/chat', chat());
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      id: string;
      finish_reason: string;
      message: { role: string; content: Array<{ type: string; text: string }> };
      usage: { billed_units: Record<string, number>; tokens: Record<string, number> };
    };
    assert.equal(body.finish_reason, 'COMPLETE');
    assert.deepEqual(body.message, { role: 'assistant', content: [{ type: 'text', text: 'You said: Hello there' }] });
    assert.deepEqual(body.usage.billed_units, { input_tokens: simulator.totals.inputTokens, output_tokens: 4 });
    assert.deepEqual(body.usage.tokens, {
      input_tokens: simulator.totals.inputTokens + COHERE_TEMPLATE_TOKENS,
      output_tokens: 4,
    });
  });

  it('streams the v2 events in order, with usage on message-end', async () => {
    const response = await post('/v2/chat', chat({ stream: true }));
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const events = parseEvents(await response.text());
    assert.deepEqual(
      events.map((event) => event.event),
      [
        'message-start',
        'content-start',
        'content-delta',
        'content-delta',
        'content-delta',
        'content-delta',
        'content-end',
        'message-end',
      ],
    );
    const text = events
      .filter((event) => event.event === 'content-delta')
      .map((event) => (event.data.delta as { message: { content: { text: string } } }).message.content.text)
      .join('');
    assert.equal(text, 'You said: Hello there');
    const end = events.at(-1)?.data.delta as {
      finish_reason: string;
      usage: { billed_units: { output_tokens: number } };
    };
    assert.equal(end.finish_reason, 'COMPLETE');
    assert.equal(end.usage.billed_units.output_tokens, 4);
  });

  it('streams thinking as its own content block before the text', async () => {
    const events = parseEvents(
      await (await post('/v2/chat', chat({ stream: true, thinking: { type: 'enabled', token_budget: 1024 } }))).text(),
    );
    const starts = events.filter((event) => event.event === 'content-start');
    assert.deepEqual(
      starts.map((event) => [event.data.index, event.data.delta]),
      [
        [0, { message: { content: { type: 'thinking', thinking: '' } } }],
        [1, { message: { content: { type: 'text', text: '' } } }],
      ],
    );
  });

  it('streams a tool plan, then tool calls whose arguments arrive in pieces', async () => {
    const response = await post('/v2/chat', chat({ stream: true, tools: [weatherTool], tool_choice: 'REQUIRED' }));
    const events = parseEvents(await response.text());
    const kinds = [...new Set(events.map((event) => event.event))];
    assert.deepEqual(kinds, [
      'message-start',
      'tool-plan-delta',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-end',
      'message-end',
    ]);
    const start = events.find((event) => event.event === 'tool-call-start')?.data.delta as {
      message: { tool_calls: { id: string; function: { name: string } } };
    };
    assert.match(start.message.tool_calls.id, /^weather_[a-z0-9]{12}$/);
    const args = events
      .filter((event) => event.event === 'tool-call-delta')
      .map(
        (event) =>
          (event.data.delta as { message: { tool_calls: { function: { arguments: string } } } }).message.tool_calls
            .function.arguments,
      );
    assert.ok(args.length > 1);
    assert.deepEqual(JSON.parse(args.join('')), { city: 'sample' });
    assert.equal((events.at(-1)?.data.delta as { finish_reason: string }).finish_reason, 'TOOL_CALL');
  });

  it('rejects a bad body with 400 { id, message }', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{"model":', /body must be a JSON object/],
      [{ messages: [{ role: 'user', content: 'Hi' }] }, /model must be a non-empty string/],
      [{ model: 'command-a-03-2025' }, /messages must be a non-empty list/],
      [chat({ tool_choice: 'AUTO' }), /tool_choice must be one of/],
      [chat({ messages: [{ role: 'chatbot', content: 'Hi' }] }), /message role must be one of/],
      [
        chat({
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'tool', tool_call_id: 'nope', content: 'x' },
          ],
        }),
        /does not answer a previous tool call/,
      ],
      [
        chat({
          messages: [
            { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
          ],
        }),
        /does not support image inputs/,
      ],
    ];
    for (const [body, message] of cases) {
      const response = await post('/v2/chat', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      const error = (await response.json()) as { id: string; message: string };
      assert.match(error.message, /^invalid request: /);
      assert.match(error.message, message);
      assert.equal(typeof error.id, 'string');
    }
    const vision = await post(
      '/v2/chat',
      chat({
        model: 'command-a-vision-07-2025',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }],
      }),
    );
    assert.equal(vision.status, 200);
    assert.equal(simulator.requests.length, 1, 'only the accepted request is recorded');
  });

  it('answers 401 without or with a wrong key, and 404 for an unknown path', async () => {
    const missing = await post('/v2/chat', chat(), {});
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { message: string }).message, 'no api key supplied');
    const strict = createCohereSimulator({ apiKey: 'right-key' });
    const strictURL = await strict.start();
    try {
      const wrong = await fetch(`${strictURL}/v2/chat`, {
        method: 'POST',
        headers: { authorization: 'Bearer wrong-key' },
        body: JSON.stringify(chat()),
      });
      assert.equal(wrong.status, 401);
    } finally {
      await strict.close();
    }
    assert.equal((await post('/v1/chat', chat())).status, 404);
  });

  it('reports STOP_SEQUENCE, MAX_TOKENS, and cached_tokens for a prompt served before', async () => {
    const stopped = (await (await post('/v2/chat', chat({ stop_sequences: ['there'] }))).json()) as {
      finish_reason: string;
      message: { content: Array<{ text: string }> };
    };
    assert.equal(stopped.finish_reason, 'STOP_SEQUENCE');
    assert.equal(stopped.message.content[0].text, 'You said: Hello ');
    const cut = (await (await post('/v2/chat', chat({ max_tokens: 2 }))).json()) as { finish_reason: string };
    assert.equal(cut.finish_reason, 'MAX_TOKENS');
    const fresh = chat({ messages: [{ role: 'user', content: 'A brand new question about caching' }] });
    const first = (await (await post('/v2/chat', fresh)).json()) as { usage: Record<string, unknown> };
    assert.equal(first.usage.cached_tokens, undefined);
    const second = (await (await post('/v2/chat', fresh)).json()) as {
      usage: { cached_tokens: number; billed_units: { input_tokens: number }; tokens: { input_tokens: number } };
    };
    // The whole prompt was served before: tokens counts it (and the template), billed_units does not bill it again.
    const firstBilled = (first.usage.billed_units as { input_tokens: number }).input_tokens;
    assert.equal(second.usage.cached_tokens, firstBilled);
    assert.equal(second.usage.billed_units.input_tokens, 0);
    assert.equal(second.usage.tokens.input_tokens, firstBilled + COHERE_TEMPLATE_TOKENS);
  });

  it('embeds texts by type, with output_dimension for embed-v4 only', async () => {
    const response = await post('/v2/embed', {
      model: 'embed-v4.0',
      texts: ['hello', 'world'],
      input_type: 'search_document',
      embedding_types: ['float', 'int8'],
      output_dimension: 256,
    });
    const body = (await response.json()) as {
      response_type: string;
      texts: string[];
      embeddings: { float: number[][]; int8: number[][] };
      meta: { billed_units: { input_tokens: number } };
    };
    assert.equal(body.response_type, 'embeddings_by_type');
    assert.deepEqual(body.texts, ['hello', 'world']);
    assert.equal(body.embeddings.float[0].length, 256);
    assert.ok(body.embeddings.int8[0].every((value) => Number.isInteger(value) && value >= -128 && value <= 127));
    assert.equal(body.meta.billed_units.input_tokens, simulator.totals.inputTokens);
    assert.equal(
      (
        await post('/v2/embed', {
          model: 'embed-english-v3.0',
          texts: ['x'],
          input_type: 'search_query',
          output_dimension: 256,
        })
      ).status,
      400,
    );
    assert.equal(
      (await post('/v2/embed', { model: 'embed-v4.0', texts: ['x'] })).status,
      400,
      'input_type is required',
    );
    assert.equal(
      (
        await post('/v2/embed', {
          model: 'embed-v4.0',
          input_type: 'search_query',
          texts: Array.from({ length: 97 }, () => 'x'),
        })
      ).status,
      400,
    );
  });

  it('plays scripted faults: 429 with Retry-After, 503, a malformed body, a cut stream', async () => {
    simulator.script(
      { type: 'status', status: 429, retryAfterSeconds: 5 },
      { type: 'status', status: 503 },
      { type: 'malformed' },
      { type: 'disconnect', afterParts: 2 },
    );
    const limited = await post('/v2/chat', chat());
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '5');
    assert.equal(
      ((await limited.json()) as { message: string }).message,
      'Rate limit reached for requests (simulated)',
    );
    assert.equal((await post('/v2/chat', chat())).status, 503);
    const malformedText = await (await post('/v2/chat', chat())).text();
    assert.throws(() => JSON.parse(malformedText));
    const cut = await post('/v2/chat', chat({ stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] }));
    await assert.rejects(cut.text());
    assert.deepEqual(
      simulator.requests.map((request) => request.outcome),
      ['status', 'status', 'malformed', 'disconnect'],
    );
  });
});
