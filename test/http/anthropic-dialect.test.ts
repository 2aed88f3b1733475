import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { waitFor } from '../helpers/wait-for.js';
import { ANTHROPIC_VENDOR_KEY, GATEWAY_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const WEATHER = {
  name: 'weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Anthropic-compatible dialect (@anthropic-ai/sdk)', () => {
  let gateway: Gateway;
  let client: Anthropic;

  beforeAll(async () => {
    gateway = await startGateway();
    client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('answers messages with system prompt and usage, using the vendor key upstream', async () => {
    const message = await client.messages.create({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello Claude' }],
    });
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
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'key header' }],
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(
      ((await response.json()) as { content: Array<{ text: string }> }).content[0].text,
      'You said: key header',
    );
    const wrong = await fetch(`${gateway.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'gw-wrong-key-0000', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(wrong.status, 401);
  });

  it('accepts Bearer auth and a bare Claude model id, and reaches OpenAI through a catalog id', async () => {
    const bearer = new Anthropic({ authToken: GATEWAY_KEY, apiKey: null, baseURL: gateway.origin, maxRetries: 0 });
    const message = await bearer.messages.create({
      model: 'claude-sonnet-4-20250514',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'bare id' }],
    });
    assert.equal(message.model, 'anthropic/claude-sonnet-4');
    const viaOpenAI = await client.messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'to OpenAI' }],
    });
    assert.deepEqual(viaOpenAI.content, [{ type: 'text', text: 'You said: to OpenAI' }]);
    assert.equal((gateway.openai.requests.at(-1)?.body as { model: string }).model, 'gpt-4o');
  });

  it('streams the message event sequence', async () => {
    const stream = client.messages.stream({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Stream this please' }],
    });
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
    assert.ok(
      types.includes('content_block_start') && types.includes('content_block_stop') && types.includes('message_delta'),
    );
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.usage.output_tokens > 0 && final.usage.input_tokens > 0);
  });

  it('ends a stream that fails after content began with an error event the SDK raises', async () => {
    gateway.anthropic.script({ type: 'disconnect', afterParts: 2 });
    const stream = client.messages.stream({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'this stream will break midway' }],
    });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const event of stream)
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      })(),
      (error: unknown) => error instanceof Anthropic.APIError,
    );
    assert.ok(text.length > 0);
  });

  it('calls tools (JSON and streamed) and takes tool results back', async () => {
    const first = await client.messages.create({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 100,
      tools: [WEATHER],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((block) => block.type === 'tool_use');
    assert.ok(
      use &&
        use.type === 'tool_use' &&
        use.name === 'weather' &&
        typeof (use.input as { city?: unknown }).city === 'string',
    );
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
    const upstream = gateway.openai.requests.at(-1)?.body as {
      messages: Array<{ role: string; tool_call_id?: string; content?: unknown }>;
    };
    assert.ok(
      upstream.messages.some(
        (message) =>
          message.role === 'tool' &&
          message.tool_call_id === use.id &&
          JSON.stringify(message.content).includes('sunny'),
      ),
    );

    const stream = client.messages.stream({
      model: 'openai/gpt-4o',
      max_tokens: 100,
      tools: [WEATHER],
      tool_choice: { type: 'tool', name: 'weather' },
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    const final = await stream.finalMessage();
    const streamed = final.content.find((block) => block.type === 'tool_use');
    assert.ok(
      streamed && streamed.type === 'tool_use' && typeof (streamed.input as { city?: unknown }).city === 'string',
    );
    assert.equal(final.stop_reason, 'tool_use');
  });

  it('forwards images', async () => {
    await client.messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 50,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } },
            { type: 'text', text: 'What is this?' },
          ],
        },
      ],
    });
    const upstream = JSON.stringify(gateway.openai.requests.at(-1)?.body);
    assert.ok(upstream.includes(`data:image/png;base64,${PIXEL}`), upstream.slice(0, 300));
  });

  it('keeps cache_control on system blocks end to end, so a repeated prefix is read from the cache and costs less', async () => {
    const costs: number[] = [];
    const listener = (event: { cost: { total: number } }): void => void costs.push(event.cost.total);
    gateway.router.on('usage', listener);
    try {
      const longSystem = 'You are the switchyard caching assistant. Answer with care and cite the manual. '.repeat(60);
      const ask = (question: string, cached: boolean) =>
        client.messages.create({
          model: 'anthropic/claude-sonnet-4',
          max_tokens: 50,
          system: [
            { type: 'text', text: longSystem, ...(cached ? { cache_control: { type: 'ephemeral' as const } } : {}) },
          ],
          messages: [{ role: 'user', content: question }],
        });
      const uncached = await ask('What does a switchyard do?', false);
      assert.equal(uncached.usage.cache_read_input_tokens ?? 0, 0);
      const write = await ask('What does a switchyard do?', true);
      assert.ok((write.usage.cache_creation_input_tokens ?? 0) > 0, 'the first marked request writes the cache');
      const upstream = gateway.anthropic.requests.at(-1)?.body as { system: Array<{ cache_control?: unknown }> };
      assert.deepEqual(upstream.system[0].cache_control, { type: 'ephemeral' });
      const read = await ask('And what is a siding?', true);
      assert.ok((read.usage.cache_read_input_tokens ?? 0) > 1000, 'the second one reads the prefix from the cache');
      await waitFor(() => costs.length === 3);
      const [uncachedCost, , readCost] = costs;
      assert.ok(
        readCost * 3 < uncachedCost,
        `a cache read costs far less: ${readCost} vs ${uncachedCost} nano-dollars`,
      );
    } finally {
      gateway.router.off('usage', listener);
    }
  });

  it('keeps cache_control on message blocks, tool results, tools and at the top level', async () => {
    const marker = { type: 'ephemeral' as const, ttl: '1h' as const };
    const first = await client.messages.create({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 100,
      tools: [WEATHER],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    });
    const use = first.content.find((block) => block.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    await client.messages.create({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 100,
      cache_control: { type: 'ephemeral' },
      tools: [{ ...WEATHER, cache_control: marker }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?', cache_control: marker }] },
        { role: 'assistant', content: [{ ...use, cache_control: { type: 'ephemeral' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: use.id, content: 'snow', cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    });
    const body = gateway.anthropic.requests.at(-1)?.body as {
      cache_control: unknown;
      tools: Array<{ cache_control?: unknown }>;
      messages: Array<{ content: Array<{ cache_control?: unknown }> }>;
    };
    assert.deepEqual(body.cache_control, { type: 'ephemeral' });
    assert.deepEqual(body.tools[0].cache_control, marker);
    assert.deepEqual(body.messages[0].content[0].cache_control, marker);
    assert.deepEqual(body.messages[1].content[0].cache_control, { type: 'ephemeral' });
    assert.deepEqual(body.messages[2].content[0].cache_control, { type: 'ephemeral' });
  });

  it('honours output_config.format: the answer is JSON matching the schema', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'number' } },
      required: ['city', 'population'],
      additionalProperties: false,
    };
    for (const model of ['anthropic/claude-sonnet-4', 'openai/gpt-4o']) {
      const answer = await client.messages.create({
        model,
        max_tokens: 200,
        output_config: { format: { type: 'json_schema', schema } },
        messages: [{ role: 'user', content: 'Invent a city' }],
      });
      const text = answer.content.find((block) => block.type === 'text');
      assert.ok(text && text.type === 'text', model);
      const object = JSON.parse(text.text) as { city: unknown; population: unknown };
      assert.equal(typeof object.city, 'string', model);
      assert.equal(typeof object.population, 'number', model);
    }
    const upstream = gateway.openai.requests.at(-1)?.body as { response_format?: { type: string } };
    assert.equal(upstream.response_format?.type, 'json_schema');
  });

  it('forwards metadata.user_id, disable_parallel_tool_use, thinking and service_tier, and maps them for other vendors', async () => {
    await client.messages.create({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 3000,
      metadata: { user_id: 'user-7' },
      service_tier: 'standard_only',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [WEATHER],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
    });
    const body = gateway.anthropic.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(body.metadata, { user_id: 'user-7' });
    assert.equal(body.service_tier, 'standard_only');
    assert.deepEqual(
      body.thinking,
      { type: 'enabled', budget_tokens: 1024 },
      'the budget is sent as asked, not rounded to an effort',
    );
    assert.deepEqual(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });

    const viaOpenAI = await client.messages
      .create({
        model: 'openai/gpt-4o',
        max_tokens: 100,
        metadata: { user_id: 'user-7' },
        service_tier: 'auto',
        tools: [WEATHER],
        tool_choice: { type: 'auto', disable_parallel_tool_use: true },
        messages: [{ role: 'user', content: 'Weather in Rome?' }],
      })
      .withResponse();
    const openai = gateway.openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(openai.safety_identifier, 'user-7', "OpenAI's replacement of the deprecated `user`");
    assert.equal(openai.parallel_tool_calls, false);
    assert.equal('service_tier' in openai, false);
    const warnings = JSON.parse(viaOpenAI.response.headers.get('x-gateway-warnings') ?? '[]') as Array<{
      feature?: string;
    }>;
    assert.ok(
      warnings.some((warning) => warning.feature === 'service_tier'),
      JSON.stringify(warnings),
    );
  });

  it('drops temperature and top_k for Claude with a warning header, and rejects fields the API does not have', async () => {
    const { response } = await client.messages
      .create({
        model: 'anthropic/claude-sonnet-4',
        max_tokens: 50,
        temperature: 0.2,
        top_k: 5,
        messages: [{ role: 'user', content: 'sample' }],
      } as Anthropic.MessageCreateParamsNonStreaming)
      .withResponse();
    const body = gateway.anthropic.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal('temperature' in body, false);
    assert.equal('top_k' in body, false);
    const warnings = JSON.parse(response.headers.get('x-gateway-warnings') ?? '[]') as Array<{ feature?: string }>;
    assert.deepEqual(warnings.map((warning) => warning.feature).sort(), ['temperature', 'topK']);
    const stream = await client.messages
      .stream({
        model: 'anthropic/claude-sonnet-4',
        max_tokens: 50,
        temperature: 0.2,
        messages: [{ role: 'user', content: 'stream sample' }],
      } as Anthropic.MessageStreamParams)
      .withResponse();
    assert.match(stream.response.headers.get('x-gateway-warnings') ?? '', /temperature/);
    await stream.data.finalMessage();

    const unknown = await send(
      gateway.origin,
      '/v1/messages',
      JSON.stringify({
        model: 'anthropic/claude-sonnet-4',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
        frequency_penalty: 1,
      }),
      { 'anthropic-version': '2023-06-01' },
    );
    assert.equal(unknown.status, 400);
    assert.match(JSON.stringify(unknown.body), /frequency_penalty/);
    const badMarker = await send(
      gateway.origin,
      '/v1/messages',
      JSON.stringify({
        model: 'anthropic/claude-sonnet-4',
        max_tokens: 10,
        system: [{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }],
        messages: [{ role: 'user', content: 'x' }],
      }),
      { 'anthropic-version': '2023-06-01' },
    );
    assert.equal(badMarker.status, 400);
  });

  it('lists models in the Anthropic shape when anthropic-version is sent', async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    assert.ok(ids.includes('anthropic/claude-sonnet-4'));
    assert.equal(page.data[0].type, 'model');
  });

  it('answers errors in the Anthropic error format with the SDK classes', async () => {
    const badKey = new Anthropic({ apiKey: 'gw-wrong-key-0000', baseURL: gateway.origin, maxRetries: 0 });
    await assert.rejects(
      badKey.messages.create({
        model: 'anthropic/claude-sonnet-4',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) => error instanceof Anthropic.AuthenticationError,
    );
    await assert.rejects(
      client.messages.create({ model: 'acme/none', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.NotFoundError && /acme\/none/.test(error.message),
    );
    const missing = await send(
      gateway.origin,
      '/v1/messages',
      JSON.stringify({ model: 'anthropic/claude-sonnet-4', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: '`max_tokens` is required: the most tokens the reply may have',
        code: 'invalid_request',
      },
      request_id: missing.headers.get('request-id'),
    });
    gateway.anthropic.script({ type: 'status', status: 529 });
    await assert.rejects(
      client.messages.create({
        model: 'anthropic/claude-haiku-4.5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.APIError &&
        error.status === 529 &&
        (error.error as { error: { type: string } }).error.type === 'overloaded_error',
    );
  });
});
