import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import OpenAI from 'openai';
import { GATEWAY_KEY, OPENAI_VENDOR_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('OpenAI-compatible dialect (openai SDK)', () => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await startGateway({}, { health: { consecutiveFailuresToOpen: 1, cooldownMs: 60_000 } });
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('answers a chat completion with usage, the generation id and gateway metadata, using the vendor key upstream', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'openai/gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello there' },
        ],
      })
      .withResponse();
    assert.equal(data.choices[0].message.content, 'You said: Hello there');
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.equal(data.model, 'openai/gpt-4o');
    assert.ok(
      data.usage &&
        data.usage.prompt_tokens > 0 &&
        data.usage.total_tokens === data.usage.prompt_tokens + data.usage.completion_tokens,
    );
    assert.match(data.id, /^gen_/);
    assert.equal(response.headers.get('x-gateway-generation-id'), data.id);
    const gatewayMetadata = (
      data as unknown as { provider_metadata: { gateway: { cost: string; routing: { finalProvider: string } } } }
    ).provider_metadata.gateway;
    assert.match(gatewayMetadata.cost, /^\d+(\.\d+)?$/);
    assert.equal(gatewayMetadata.routing.finalProvider, 'openai');
    const upstream = gateway.openai.requests.at(-1);
    assert.equal(upstream?.headers.authorization, `Bearer ${OPENAI_VENDOR_KEY}`);
    assert.ok(!JSON.stringify(data).includes(OPENAI_VENDOR_KEY));
  });

  it('reaches another vendor through a catalog id, and maps a bare OpenAI id to the catalog', async () => {
    const before = gateway.anthropic.requests.length;
    const viaAnthropic = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      messages: [{ role: 'user', content: 'Hi Claude' }],
      max_tokens: 50,
    });
    assert.equal(viaAnthropic.choices[0].message.content, 'You said: Hi Claude');
    assert.equal(gateway.anthropic.requests.length, before + 1);
    const bare = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'bare id' }],
    });
    assert.equal(bare.model, 'openai/gpt-4o-mini');
  });

  it('streams chunks with stream_options.include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'Stream this please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'You said: Stream this please');
    assert.equal(finish, 'stop');
    assert.ok(chunks > 4, 'one chunk per token');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it('ends a stream that fails after content began with an error event the SDK raises', async () => {
    gateway.openai.script({ type: 'disconnect', afterParts: 2 });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'this stream will break midway' }],
      stream: true,
    });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
      (error: unknown) => error instanceof OpenAI.APIError,
    );
    assert.ok(text.length > 0);
  });

  it('calls tools, takes tool results back, and streams tool call deltas', async () => {
    const first = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
    });
    const call = first.choices[0].message.tool_calls?.[0];
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.ok(call && call.type === 'function' && call.function.name === 'weather');
    assert.deepEqual(Object.keys(JSON.parse(call.function.arguments)), ['city']);
    const second = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 100,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' },
      ],
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    const upstream = gateway.anthropic.requests.at(-1)?.body as {
      messages: Array<{ role: string; content: Array<{ type: string; tool_use_id?: string }> }>;
    };
    assert.ok(
      upstream.messages.some((message) =>
        message.content.some((block) => block.type === 'tool_result' && block.tool_use_id === call.id),
      ),
    );

    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
      stream: true,
    });
    const calls = new Map<number, { name: string; arguments: string }>();
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const entry = calls.get(delta.index) ?? { name: '', arguments: '' };
        entry.name += delta.function?.name ?? '';
        entry.arguments += delta.function?.arguments ?? '';
        calls.set(delta.index, entry);
      }
    }
    assert.equal(calls.get(0)?.name, 'weather');
    assert.ok('city' in JSON.parse(calls.get(0)?.arguments ?? '{}'));
  });

  it('honours response_format json_schema', async () => {
    const completion = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'Invent a person' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'person',
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, age: { type: 'number' } },
            required: ['name', 'age'],
            additionalProperties: false,
          },
          strict: true,
        },
      },
    });
    const person = JSON.parse(completion.choices[0].message.content ?? '') as { name: unknown; age: unknown };
    assert.equal(typeof person.name, 'string');
    assert.equal(typeof person.age, 'number');
    const upstream = gateway.openai.requests.at(-1)?.body as { response_format?: { type: string } };
    assert.equal(upstream.response_format?.type, 'json_schema');
  });

  it('forwards images to either vendor', async () => {
    await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } },
          ],
        },
      ],
    });
    assert.ok(JSON.stringify(gateway.openai.requests.at(-1)?.body).includes(PIXEL));
    await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 50,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } },
          ],
        },
      ],
    });
    const upstream = gateway.anthropic.requests.at(-1)?.body as {
      messages: Array<{ content: Array<{ type: string; source?: { data?: string; media_type?: string } }> }>;
    };
    const image = upstream.messages[0].content.find((block) => block.type === 'image');
    assert.equal(image?.source?.data, PIXEL);
    assert.equal(image?.source?.media_type, 'image/png');
  });

  it('embeds, as base64 (the SDK default) and as floats, honouring dimensions', async () => {
    const byDefault = await client.embeddings.create({
      model: 'openai/text-embedding-3-small',
      input: ['alpha', 'beta'],
      dimensions: 16,
    });
    assert.equal(byDefault.data.length, 2);
    assert.equal(byDefault.data[1].index, 1);
    assert.equal(byDefault.data[0].embedding.length, 16);
    const floats = await client.embeddings.create({
      model: 'openai/text-embedding-3-small',
      input: 'alpha',
      dimensions: 16,
      encoding_format: 'float',
    });
    assert.deepEqual(
      floats.data[0].embedding.map((value) => Math.fround(value)),
      byDefault.data[0].embedding,
    );
    assert.ok(byDefault.usage.prompt_tokens > 0);
  });

  it('sends parallel_tool_calls: false and the user to every provider, each in its own spelling', async () => {
    await client.chat.completions.create({
      model: 'openai/gpt-4o',
      user: 'end-user-1',
      parallel_tool_calls: false,
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'Weather in Lyon?' }],
    });
    const openai = gateway.openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(openai.parallel_tool_calls, false);
    assert.equal(openai.safety_identifier, 'end-user-1');
    await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      user: 'end-user-1',
      parallel_tool_calls: false,
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'Weather in Lyon?' }],
    });
    const anthropic = gateway.anthropic.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(anthropic.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
    assert.deepEqual(anthropic.metadata, { user_id: 'end-user-1' });
  });

  it('forwards OpenAI-only fields to OpenAI and warns when another vendor serves them', async () => {
    const fields = {
      store: false,
      logit_bias: { '50256': -100 },
      prompt_cache_key: 'tenant-7',
      verbosity: 'low' as const,
      safety_identifier: 'hashed-user',
      service_tier: 'flex' as const,
    };
    const { response } = await client.chat.completions
      .create({
        model: 'openai/gpt-4o',
        ...fields,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}`, detail: 'low' } },
              { type: 'text', text: 'Look' },
            ],
          },
        ],
      })
      .withResponse();
    const openai = gateway.openai.requests.at(-1)?.body as Record<string, unknown> & {
      messages: Array<{ content: Array<{ image_url?: { detail?: string } }> }>;
    };
    for (const [field, value] of Object.entries(fields)) assert.deepEqual(openai[field], value, field);
    assert.equal(openai.messages[0].content[0].image_url?.detail, 'low');
    assert.equal(response.headers.get('x-gateway-warnings'), null, 'OpenAI honours every one of them');

    const viaClaude = await client.chat.completions
      .create({
        model: 'anthropic/claude-sonnet-4',
        ...fields,
        service_tier: 'default',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}`, detail: 'low' } },
              { type: 'text', text: 'Look' },
            ],
          },
        ],
      })
      .withResponse();
    const anthropic = gateway.anthropic.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(anthropic.service_tier, 'standard_only', "OpenAI's default tier is Anthropic's standard_only");
    assert.deepEqual(anthropic.metadata, { user_id: 'hashed-user' });
    for (const field of ['store', 'logit_bias', 'prompt_cache_key', 'verbosity', 'safety_identifier'])
      assert.equal(field in anthropic, false, field);
    const warnings = JSON.parse(viaClaude.response.headers.get('x-gateway-warnings') ?? '[]') as Array<{
      type: string;
      feature?: string;
    }>;
    assert.deepEqual(warnings.map((warning) => warning.feature).sort(), [
      'image_url.detail',
      'logit_bias',
      'store',
      'verbosity',
    ]);
    assert.deepEqual(
      anthropic.cache_control,
      { type: 'ephemeral' },
      'prompt_cache_key asks Claude to cache (gateway caching: auto)',
    );
  });

  it('caches for Claude with providerOptions.gateway.caching auto, so a repeated prompt reads the cache', async () => {
    const system = 'You are the switchyard assistant for OpenAI SDK callers, answer from the manual. '.repeat(60);
    const ask = (question: string) =>
      client.chat.completions.create({
        model: 'anthropic/claude-sonnet-4',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: question },
        ],
        providerOptions: { gateway: { caching: 'auto' } },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await ask('First question');
    assert.deepEqual((gateway.anthropic.requests.at(-1)?.body as { cache_control?: unknown }).cache_control, {
      type: 'ephemeral',
    });
    const second = await ask('First question');
    assert.ok((second.usage?.prompt_tokens_details?.cached_tokens ?? 0) > 1000, JSON.stringify(second.usage));
    await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      messages: [{ role: 'user', content: 'no caching asked' }],
    });
    assert.equal(
      'cache_control' in (gateway.anthropic.requests.at(-1)?.body as object),
      false,
      'nothing is cached unless asked',
    );
  });

  it('warns about fields it does not know and rejects the ones it cannot answer', async () => {
    const { response } = await client.chat.completions
      .create({
        model: 'openai/gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
        frobnicate: true,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    assert.match(response.headers.get('x-gateway-warnings') ?? '', /frobnicate/);
    assert.equal('frobnicate' in (gateway.openai.requests.at(-1)?.body as object), false);
    await assert.rejects(
      client.chat.completions.create({
        model: 'openai/gpt-4o',
        modalities: ['text', 'audio'],
        messages: [{ role: 'user', content: 'Hi' }],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError,
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'openai/gpt-4o',
        logprobs: false,
        top_logprobs: 2,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError,
    );
  });

  it('lists models with context window, prices per provider and live availability', async () => {
    const list = await client.models.list();
    const ids = list.data.map((model) => model.id);
    assert.ok(ids.includes('openai/gpt-4o') && ids.includes('anthropic/claude-sonnet-4'));
    assert.ok(!ids.includes('google/gemini-2.5-pro'), 'models without a configured provider are not listed');
    type Listed = {
      owned_by: string;
      context_window: number;
      providers: Array<{ provider: string; pricing: { input: string }; available: boolean }>;
    };
    const claude = list.data.find((model) => model.id === 'anthropic/claude-sonnet-4') as unknown as Listed;
    assert.equal(claude.owned_by, 'anthropic');
    assert.equal(claude.context_window, 200_000);
    assert.deepEqual(
      claude.providers.map((offering) => offering.provider),
      ['anthropic'],
    );
    assert.equal(claude.providers[0].pricing.input, '3');

    gateway.openai.script({ type: 'status', status: 500 });
    await assert.rejects(
      client.chat.completions.create({ model: 'openai/gpt-4.1-nano', messages: [{ role: 'user', content: 'fail' }] }),
    );
    const nano = (await client.models.retrieve('openai/gpt-4.1-nano')) as unknown as Listed & { available: boolean };
    assert.equal(nano.available, false, 'the breaker opened after the failure');
    assert.equal(nano.providers[0].available, false);
    await assert.rejects(
      client.models.retrieve('acme/unknown'),
      (error: unknown) => error instanceof OpenAI.NotFoundError,
    );
  });

  it('takes routing options from headers: fallback models and only', async () => {
    gateway.openai.script({ type: 'status', status: 503 });
    const completion = await client.chat.completions.create(
      { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'fall back' }], max_tokens: 50 },
      { headers: { 'x-gateway-models': 'anthropic/claude-haiku-4.5' } },
    );
    assert.equal(completion.model, 'anthropic/claude-haiku-4.5');
    await assert.rejects(
      client.chat.completions.create(
        { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'only' }] },
        { headers: { 'x-gateway-only': 'anthropic' } },
      ),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /only/.test(error.message),
    );
  });

  it('maps errors to the SDK classes, with Retry-After on 429 and no vendor key in messages', async () => {
    const badKey = new OpenAI({ apiKey: 'gw-wrong-key-0000', baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    await assert.rejects(
      badKey.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.AuthenticationError && /Invalid gateway API key/.test(error.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'acme/nothing', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.NotFoundError && /acme\/nothing/.test(error.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'openai/gpt-4o', n: 2, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /`n` must be 1/.test(error.message),
    );
    gateway.openai.script({ type: 'status', status: 429, retryAfterSeconds: 3 });
    await assert.rejects(
      client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.RateLimitError && error.headers?.get('retry-after') === '3',
    );
    gateway.openai.script({ type: 'status', status: 401, message: `Incorrect API key provided: ${OPENAI_VENDOR_KEY}` });
    const leaked = await send(
      gateway.origin,
      '/v1/chat/completions',
      JSON.stringify({ model: 'openai/o4-mini', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.ok(leaked.status >= 400);
    assert.ok(!leaked.text.includes(OPENAI_VENDOR_KEY), leaked.text);
  });
});
