import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { ANTHROPIC_VENDOR_KEY, GATEWAY_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const WEATHER = { name: 'weather', description: 'Weather for a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };

describe('Anthropic-compatible dialect (@anthropic-ai/sdk)', () => {
  let gateway: Gateway;
  let client: Anthropic;

  before(async () => {
    gateway = await startGateway();
    client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
  });
  after(() => gateway.close());

  it('answers messages with system prompt and usage, using the vendor key upstream', async () => {
    const message = await client.messages.create({ model: 'anthropic/claude-sonnet-4', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello Claude' }] });
    assert.equal(message.type, 'message');
    assert.deepEqual(message.content, [{ type: 'text', text: 'You said: Hello Claude' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
    const upstream = gateway.anthropic.requests.at(-1);
    assert.ok(JSON.stringify(upstream?.headers).includes(ANTHROPIC_VENDOR_KEY));
    assert.ok(!JSON.stringify(upstream?.headers).includes(GATEWAY_KEY), 'the gateway key is not forwarded');
    assert.equal((upstream?.body as { system: unknown }).system !== undefined, true);
    assert.equal((upstream?.body as { model: string }).model, 'claude-sonnet-4-20250514');
  });

  it('accepts the key as x-api-key as well as Bearer', async () => {
    const response = await fetch(`${gateway.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': GATEWAY_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4', max_tokens: 20, messages: [{ role: 'user', content: 'key header' }] }),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { content: Array<{ text: string }> }).content[0].text, 'You said: key header');
    const wrong = await fetch(`${gateway.origin}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'gw-wrong-key-0000', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(wrong.status, 401);
  });

  it('accepts Bearer auth and a bare Claude model id, and reaches OpenAI through a catalog id', async () => {
    const bearer = new Anthropic({ authToken: GATEWAY_KEY, apiKey: null, baseURL: gateway.origin, maxRetries: 0 });
    const message = await bearer.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 50, messages: [{ role: 'user', content: 'bare id' }] });
    assert.equal(message.model, 'anthropic/claude-sonnet-4');
    const viaOpenAI = await client.messages.create({ model: 'openai/gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'to OpenAI' }] });
    assert.deepEqual(viaOpenAI.content, [{ type: 'text', text: 'You said: to OpenAI' }]);
    assert.equal((gateway.openai.requests.at(-1)?.body as { model: string }).model, 'gpt-4o');
  });

  it('streams the message event sequence', async () => {
    const stream = client.messages.stream({ model: 'anthropic/claude-sonnet-4', max_tokens: 100, messages: [{ role: 'user', content: 'Stream this please' }] });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    const final = await stream.finalMessage();
    assert.equal(text, 'You said: Stream this please');
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
    assert.ok(types.includes('content_block_start') && types.includes('content_block_stop') && types.includes('message_delta'));
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.usage.output_tokens > 0 && final.usage.input_tokens > 0);
  });

  it('ends a stream that fails after content began with an error event the SDK raises', async () => {
    gateway.anthropic.script({ type: 'disconnect', afterParts: 2 });
    const stream = client.messages.stream({ model: 'anthropic/claude-sonnet-4', max_tokens: 100, messages: [{ role: 'user', content: 'this stream will break midway' }] });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      })(),
      (error: unknown) => error instanceof Anthropic.APIError,
    );
    assert.ok(text.length > 0);
  });

  it('calls tools (JSON and streamed) and takes tool results back', async () => {
    const first = await client.messages.create({ model: 'anthropic/claude-sonnet-4', max_tokens: 100, tools: [WEATHER], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((block) => block.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use' && use.name === 'weather' && typeof (use.input as { city?: unknown }).city === 'string');
    const second = await client.messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 100,
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny, 21C' }] },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    const upstream = gateway.openai.requests.at(-1)?.body as { messages: Array<{ role: string; tool_call_id?: string; content?: unknown }> };
    assert.ok(upstream.messages.some((message) => message.role === 'tool' && message.tool_call_id === use.id && JSON.stringify(message.content).includes('sunny')));

    const stream = client.messages.stream({ model: 'openai/gpt-4o', max_tokens: 100, tools: [WEATHER], tool_choice: { type: 'tool', name: 'weather' }, messages: [{ role: 'user', content: 'Weather?' }] });
    const final = await stream.finalMessage();
    const streamed = final.content.find((block) => block.type === 'tool_use');
    assert.ok(streamed && streamed.type === 'tool_use' && typeof (streamed.input as { city?: unknown }).city === 'string');
    assert.equal(final.stop_reason, 'tool_use');
  });

  it('forwards images', async () => {
    await client.messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 50,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } }, { type: 'text', text: 'What is this?' }] }],
    });
    const upstream = JSON.stringify(gateway.openai.requests.at(-1)?.body);
    assert.ok(upstream.includes(`data:image/png;base64,${PIXEL}`), upstream.slice(0, 300));
  });

  it('lists models in the Anthropic shape when anthropic-version is sent', async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    assert.ok(ids.includes('anthropic/claude-sonnet-4'));
    assert.equal(page.data[0].type, 'model');
  });

  it('answers errors in the Anthropic error format with the SDK classes', async () => {
    const badKey = new Anthropic({ apiKey: 'gw-wrong-key-0000', baseURL: gateway.origin, maxRetries: 0 });
    await assert.rejects(badKey.messages.create({ model: 'anthropic/claude-sonnet-4', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => error instanceof Anthropic.AuthenticationError);
    await assert.rejects(client.messages.create({ model: 'acme/none', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => error instanceof Anthropic.NotFoundError && /acme\/none/.test(error.message));
    const missing = await send(gateway.origin, '/v1/messages', JSON.stringify({ model: 'anthropic/claude-sonnet-4', messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { type: 'error', error: { type: 'invalid_request_error', message: '`max_tokens` is required: the most tokens the reply may have', code: 'invalid_request' }, request_id: missing.headers.get('request-id') });
    gateway.anthropic.script({ type: 'status', status: 529 });
    await assert.rejects(client.messages.create({ model: 'anthropic/claude-haiku-4.5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => error instanceof Anthropic.APIError && error.status === 529 && (error.error as { error: { type: string } }).error.type === 'overloaded_error');
  });
});
