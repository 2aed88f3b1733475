import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { createAnthropicSimulator, thinkingSignature } from '../../src/testing/anthropic-simulator.js';

// Wire bodies are free-form vendor JSON: tests read them loosely.
type Body = Record<string, any>;

const MODEL = 'claude-sonnet-4-20250514';
const HEADERS = {
  'content-type': 'application/json',
  'x-api-key': 'sk-ant-simulator-test',
  'anthropic-version': '2023-06-01',
};

interface SseEvent {
  event: string;
  data: Body;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? 'null';
      return { event, data: JSON.parse(data) as Body };
    });
}

describe('anthropic simulator (raw HTTP)', () => {
  const simulator = createAnthropicSimulator();
  let url: string;
  const post = (body: unknown, headers: Record<string, string> = HEADERS): Promise<Response> =>
    fetch(`${url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
  const chat = (extra: Body = {}): Body => ({
    model: MODEL,
    max_tokens: 100,
    messages: [{ role: 'user', content: 'Hello simulator' }],
    ...extra,
  });

  beforeAll(async () => {
    url = await simulator.start();
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('answers a message with the Messages API shape and usage', async () => {
    const response = await post(chat({ system: 'Be brief.' }));
    assert.equal(response.status, 200);
    const body = (await response.json()) as Body;
    assert.match(body.id, /^msg_/);
    assert.equal(body.type, 'message');
    assert.equal(body.role, 'assistant');
    assert.equal(body.model, MODEL);
    assert.deepEqual(body.content, [{ type: 'text', text: 'You said: Hello simulator', citations: null }]);
    assert.equal(body.stop_reason, 'end_turn');
    assert.equal(body.stop_sequence, null);
    assert.equal(body.usage.input_tokens, simulator.totals.inputTokens);
    assert.equal(body.usage.output_tokens, simulator.totals.outputTokens);
    assert.equal(body.usage.cache_read_input_tokens, 0);
    assert.equal(body.usage.cache_creation_input_tokens, 0);
  });

  it('rejects a body without max_tokens, model or messages with a 400 invalid_request_error', async () => {
    for (const [field, body] of [
      ['max_tokens', { model: MODEL, messages: [{ role: 'user', content: 'x' }] }],
      ['model', { max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }],
      ['messages', { model: MODEL, max_tokens: 10 }],
    ] as const) {
      const response = await post(body);
      assert.equal(response.status, 400, field);
      const error = (await response.json()) as Body;
      assert.equal(error.type, 'error');
      assert.equal(error.error.type, 'invalid_request_error');
      assert.match(error.error.message, new RegExp(`^${field}:`));
    }
    assert.equal(simulator.requests.length, 0, 'invalid requests are not recorded as answered');
  });

  it('requires an API key and the anthropic-version header', async () => {
    const { 'x-api-key': _key, ...withoutKey } = HEADERS;
    const unauthorized = await post(chat(), withoutKey);
    assert.equal(unauthorized.status, 401);
    assert.equal(((await unauthorized.json()) as Body).error.type, 'authentication_error');
    const bearer = await post(chat(), { ...withoutKey, authorization: 'Bearer sk-ant-bearer' });
    assert.equal(bearer.status, 200);
    const { 'anthropic-version': _version, ...withoutVersion } = HEADERS;
    const unversioned = await post(chat(), withoutVersion);
    assert.equal(unversioned.status, 400);
    assert.match(((await unversioned.json()) as Body).error.message, /anthropic-version/);
    const notFound = await fetch(`${url}/v1/complete`, { method: 'POST', headers: HEADERS, body: '{}' });
    assert.equal(notFound.status, 404);
    assert.equal(((await notFound.json()) as Body).error.type, 'not_found_error');
  });

  it('streams the Messages event sequence in order', async () => {
    const response = await post(chat({ stream: true }));
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = parseSse(await response.text());
    for (const { event, data } of events) assert.equal(data.type, event, 'each data type names its event');
    const names = events.map((event) => event.event);
    const deltas = names.filter((name) => name === 'content_block_delta').length;
    assert.ok(deltas >= 3);
    assert.deepEqual(names, [
      'message_start',
      'ping',
      'content_block_start',
      ...Array<string>(deltas).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0].data.message;
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.equal(start.usage.input_tokens, simulator.totals.inputTokens);
    // message_delta's usage is cumulative: the input and cache counts again, with the final output.
    assert.deepEqual(events.find((event) => event.event === 'message_delta')?.data.usage, {
      input_tokens: simulator.totals.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: simulator.totals.outputTokens,
    });
    assert.deepEqual(events[2].data.content_block, { type: 'text', text: '', citations: null });
    const text = events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => {
        assert.equal(event.data.delta.type, 'text_delta');
        return event.data.delta.text as string;
      })
      .join('');
    assert.equal(text, 'You said: Hello simulator');
    const delta = events[events.length - 2].data;
    assert.deepEqual(delta.delta, { stop_reason: 'end_turn', stop_sequence: null });
    assert.equal(delta.usage.output_tokens, simulator.totals.outputTokens);
  });

  it('streams a forced tool call as input_json_delta and stops with tool_use', async () => {
    const tools = [
      {
        name: 'weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ];
    const events = parseSse(
      await (await post(chat({ stream: true, tools, tool_choice: { type: 'tool', name: 'weather' } }))).text(),
    );
    const start = events.find((event) => event.event === 'content_block_start');
    assert.equal(start?.data.content_block.type, 'tool_use');
    assert.match(start?.data.content_block.id, /^toolu_/);
    const json = events
      .filter((event) => event.data.delta?.type === 'input_json_delta')
      .map((event) => event.data.delta.partial_json as string)
      .join('');
    assert.deepEqual(JSON.parse(json), { city: 'sample' });
    assert.equal(events.find((event) => event.event === 'message_delta')?.data.delta.stop_reason, 'tool_use');
  });

  it('answers thinking with a signed thinking block, and checks the signature when it comes back', async () => {
    const thinking = { type: 'enabled', budget_tokens: 1024 };
    const body = (await (await post(chat({ max_tokens: 2048, thinking }))).json()) as Body;
    const block = body.content[0];
    assert.equal(block.type, 'thinking');
    assert.equal(block.signature, thinkingSignature(block.thinking));
    assert.ok(body.usage.output_tokens_details.thinking_tokens > 0);

    const events = parseSse(await (await post(chat({ max_tokens: 2048, thinking, stream: true }))).text());
    const kinds = events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => event.data.delta.type as string);
    assert.ok(kinds.indexOf('thinking_delta') < kinds.indexOf('signature_delta'));
    assert.ok(kinds.indexOf('signature_delta') < kinds.indexOf('text_delta'));

    const replay = (signature: string): Body =>
      chat({
        messages: [
          { role: 'user', content: 'Hello simulator' },
          {
            role: 'assistant',
            content: [
              { ...block, signature },
              { type: 'text', text: 'Hi' },
            ],
          },
          { role: 'user', content: 'Again' },
        ],
      });
    assert.equal((await post(replay(block.signature))).status, 200);
    assert.equal((await post(replay('forged'))).status, 400);
    const tooSmall = await post(chat({ max_tokens: 1024, thinking }));
    assert.equal(tooSmall.status, 400);
    assert.match(((await tooSmall.json()) as Body).error.message, /budget_tokens/);
  });

  it('writes a cache_control prefix and reads it on the next request', async () => {
    const system = [
      { type: 'text', text: 'Long shared instructions. '.repeat(30), cache_control: { type: 'ephemeral' } },
    ];
    const first = ((await (await post(chat({ system }))).json()) as Body).usage;
    assert.ok(first.cache_creation_input_tokens > 0);
    assert.equal(first.cache_read_input_tokens, 0);
    assert.equal(first.cache_creation.ephemeral_5m_input_tokens, first.cache_creation_input_tokens);
    const second = (
      (await (await post(chat({ system, messages: [{ role: 'user', content: 'Another question' }] }))).json()) as Body
    ).usage;
    assert.ok(second.cache_read_input_tokens > 0);
    assert.equal(second.cache_creation_input_tokens, 0);
    assert.ok(second.input_tokens > 0 && second.input_tokens < second.cache_read_input_tokens);
    assert.equal(second.input_tokens + second.cache_read_input_tokens, simulator.requests[1].usage?.inputTokens);
  });

  it('reports max_tokens and stop_sequence stops', async () => {
    const cut = (await (
      await post(chat({ max_tokens: 2, messages: [{ role: 'user', content: 'one two three four' }] }))
    ).json()) as Body;
    assert.equal(cut.stop_reason, 'max_tokens');
    assert.equal(cut.usage.output_tokens, 2);
    const stopped = (await (
      await post(chat({ stop_sequences: ['three'], messages: [{ role: 'user', content: 'one two three four' }] }))
    ).json()) as Body;
    assert.equal(stopped.stop_reason, 'stop_sequence');
    assert.equal(stopped.stop_sequence, 'three');
    assert.equal(stopped.content[0].text, 'You said: one two ');
  });

  it('answers a scripted 529 with an overloaded_error body', async () => {
    simulator.script({ type: 'status', status: 529 }, { type: 'status', status: 429, retryAfterSeconds: 3 });
    const overloaded = await post(chat());
    assert.equal(overloaded.status, 529);
    const body = (await overloaded.json()) as Body;
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'overloaded_error');
    assert.equal(typeof body.error.message, 'string');
    assert.ok(overloaded.headers.get('request-id'));
    const limited = await post(chat());
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.equal(((await limited.json()) as Body).error.type, 'rate_limit_error');
    assert.equal((await post(chat())).status, 200, 'the script is used up');
  });
});
