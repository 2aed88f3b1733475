import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createMistralProvider, mistralToolCallId } from '../../../src/providers/mistral/index.js';
import { createMistralSimulator } from '../../../src/testing/mistral-simulator.js';
import type { Message } from '../../../src/core/types.js';
import { runProviderContract } from '../provider-contract.js';
import {
  assertKeysReachVendor,
  assertRejectedKeyHidden,
  callFor,
  collect,
  gatewayFailure,
  PNG_1PX,
  user,
  weatherTool as weather,
  useSimulatedProvider,
  withSimulator,
} from '../provider-fixtures.js';

runProviderContract({
  name: 'mistral provider',
  createSimulator: () => createMistralSimulator(),
  createProvider: (baseURL, apiKey) => createMistralProvider('mistral', { type: 'mistral', apiKey, baseURL }),
  modelId: 'mistral-small-latest',
  supports: { tools: true, images: true, json: true, embeddings: { modelId: 'mistral-embed' } },
});

const MODEL = 'mistral-small-latest';

describe('mistral provider (vendor specifics)', () => {
  const simulator = createMistralSimulator();
  const configuredKey = 'mistral-configured-key-0123456789';
  const subject = useSimulatedProvider(simulator, (baseURL) =>
    createMistralProvider('mistral-eu', {
      type: 'mistral',
      apiKey: configuredKey,
      baseURL: `${baseURL}/v1`,
      headers: { 'x-config-header': 'from-config' },
    }),
  );
  const { lastBody } = subject;
  const call = callFor(MODEL);

  it('sends Mistral wire fields for the call options and warns about topK', async () => {
    const result = await subject.provider.generate(
      call({
        maxOutputTokens: 50,
        temperature: 0.3,
        topP: 0.9,
        topK: 40,
        seed: 7,
        stopSequences: ['END'],
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
      }),
    );
    const body = lastBody();
    assert.equal(body.model, MODEL);
    assert.equal(body.max_tokens, 50);
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.random_seed, 7);
    assert.deepEqual(body.stop, ['END']);
    assert.equal(body.presence_penalty, 0.1);
    assert.equal(body.frequency_penalty, 0.2);
    assert.equal(body.stream, false);
    assert.ok(!('top_k' in body) && !('topK' in body));
    assert.deepEqual(result.warnings, [
      { type: 'unsupported', feature: 'topK', details: 'Mistral has no top-k sampling; topK was dropped' },
    ]);
    assert.equal(result.responseModelId, MODEL);
    assert.match(result.responseId ?? '', /^mistral-sim-/);
  });

  it('puts the warnings in the stream-start part too', async () => {
    const { stream, warnings } = await subject.provider.stream(call({ topK: 5 }));
    const parts = await collect(stream);
    assert.deepEqual(parts[0], { type: 'stream-start', warnings });
    assert.equal(warnings[0].type, 'unsupported');
    assert.equal(parts[1].type, 'response-metadata');
  });

  it('maps tool definitions, tool choice and tool results with 9-character tool-call ids', async () => {
    await subject.provider.generate(call({ tools: [{ ...weather, strict: true }], toolChoice: { type: 'required' } }));
    const tools = lastBody().tools as Array<{ type: string; function: Record<string, unknown> }>;
    assert.deepEqual(tools[0], {
      type: 'function',
      function: { name: 'weather', description: 'Weather for a city', parameters: weather.inputSchema, strict: true },
    });
    assert.equal(lastBody().tool_choice, 'any');
    await subject.provider.generate(call({ tools: [weather], toolChoice: { type: 'tool', toolName: 'weather' } }));
    assert.deepEqual(lastBody().tool_choice, { type: 'function', function: { name: 'weather' } });

    const result = await subject.provider.generate(
      call({
        tools: [weather],
        prompt: [
          user('Please use the tool'),
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking.' },
              { type: 'tool-call', toolCallId: 'toolu_01ABC', toolName: 'weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: 'toolu_01ABC',
                toolName: 'weather',
                output: { type: 'json', value: { temperature: 21 } },
              },
            ],
          },
        ],
      }),
    );
    assert.equal(result.finishReason.unified, 'stop');
    const messages = lastBody().messages as Array<Record<string, unknown>>;
    const id = mistralToolCallId('toolu_01ABC');
    assert.match(id, /^[a-zA-Z0-9]{9}$/);
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [{ id, type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' }, index: 0 }],
      prefix: false,
    });
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: id, name: 'weather', content: '{"temperature":21}' });
  });

  it('returns tool calls with Mistral ids and the arguments as a JSON string', async () => {
    const result = await subject.provider.generate(call({ prompt: [user('Please use the tool')], tools: [weather] }));
    const toolCall = result.content.find((part) => part.type === 'tool-call');
    assert.ok(toolCall && toolCall.type === 'tool-call');
    assert.match(toolCall.toolCallId, /^[a-zA-Z0-9]{9}$/);
    assert.equal(toolCall.input, '{"city":"sample"}');
    assert.deepEqual(result.finishReason, { unified: 'tool-calls', raw: 'tool_calls' });
  });

  it('sends json_schema and json_object response formats', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    const result = await subject.provider.generate(
      call({ responseFormat: { type: 'json', schema, name: 'status', description: 'A status' } }),
    );
    assert.deepEqual(lastBody().response_format, {
      type: 'json_schema',
      json_schema: { name: 'status', description: 'A status', schema, strict: true },
    });
    assert.deepEqual(JSON.parse((result.content[0] as { text: string }).text), { ok: true });
    await subject.provider.generate(call({ prompt: [user('Answer in JSON')], responseFormat: { type: 'json' } }));
    assert.deepEqual(lastBody().response_format, { type: 'json_object' });
  });

  it('sends images as image_url chunks (data URLs and links)', async () => {
    await subject.provider.generate(
      call({
        modelId: 'pixtral-large-latest',
        prompt: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'file', mediaType: 'image/png', data: { type: 'data', data: PNG_1PX } },
              { type: 'file', mediaType: 'image/jpeg', data: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      }),
    );
    const content = (lastBody().messages as Array<{ content: unknown }>)[0].content;
    assert.deepEqual(content, [
      { type: 'text', text: 'Compare' },
      { type: 'image_url', image_url: `data:image/png;base64,${PNG_1PX}` },
      { type: 'image_url', image_url: 'https://example.com/cat.jpg' },
    ]);
    assert.equal(simulator.totals.inputTokens > 170, true, 'two images count as input tokens');
  });

  it("sends only the reasoning efforts Mistral's spec lists (none, high), and parallelToolCalls", async () => {
    for (const [effort, wire] of [
      ['low', 'high'],
      ['medium', 'high'],
      ['minimal', 'none'],
      ['none', 'none'],
      ['xhigh', 'high'],
    ] as const) {
      const result = await subject.provider.generate(call({ modelId: 'mistral-small-latest', reasoning: effort }));
      assert.equal(lastBody().reasoning_effort, wire, effort);
      assert.equal(result.warnings.length, effort === wire ? 0 : 1, effort);
    }
    const tool = { type: 'function' as const, name: 'weather', inputSchema: { type: 'object', properties: {} } };
    await subject.provider.generate(call({ parallelToolCalls: false, tools: [tool] }));
    assert.equal(lastBody().parallel_tool_calls, false);
  });

  it("maps @ai-sdk/mistral's options: safePrompt to its wire name, structuredOutputs and strictJsonSchema read, not sent; documentImageLimit (no field of the SDK's request) dropped with a warning", async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } } };
    const result = await subject.provider.generate(
      call({
        responseFormat: { type: 'json', schema },
        providerOptions: { mistral: { safePrompt: true, documentImageLimit: 4, strictJsonSchema: false } },
      }),
    );
    const body = lastBody();
    assert.equal(body.safe_prompt, true);
    assert.equal('document_image_limit' in body, false);
    assert.equal((body.response_format as { json_schema: { strict: boolean } }).json_schema.strict, false);
    assert.deepEqual(
      result.warnings.map((warning) => (warning.type === 'other' ? warning.message : '')),
      ["providerOptions key 'documentImageLimit' is not a Mistral request field and was dropped"],
    );
    await subject.provider.generate(
      call({ responseFormat: { type: 'json', schema }, providerOptions: { mistral: { structuredOutputs: false } } }),
    );
    assert.deepEqual(lastBody().response_format, { type: 'json_object' });
  });

  it('sends reasoning_effort, returns thinking chunks as reasoning, and replays them', async () => {
    const result = await subject.provider.generate(
      call({ modelId: 'magistral-medium-latest', reasoning: 'high', prompt: [user('Why is the sky blue?')] }),
    );
    assert.equal(lastBody().reasoning_effort, 'high');
    assert.deepEqual(
      result.content.map((part) => part.type),
      ['reasoning', 'text'],
    );
    assert.match((result.content[0] as { text: string }).text, /Thinking about: Why is the sky blue/);

    const { stream } = await subject.provider.stream(
      call({ modelId: 'magistral-medium-latest', reasoning: 'max', prompt: [user('Why is grass green?')] }),
    );
    const parts = await collect(stream);
    assert.equal(lastBody().reasoning_effort, 'high');
    assert.deepEqual((parts[0] as { warnings: unknown[] }).warnings, [
      {
        type: 'compatibility',
        feature: 'reasoning',
        details: "Mistral takes reasoning effort 'none' or 'high'; 'max' was sent as 'high'",
      },
    ]);
    const order = parts.map((part) => part.type).filter((type) => /start|end/.test(type) && type !== 'stream-start');
    assert.deepEqual(order, ['reasoning-start', 'reasoning-end', 'text-start', 'text-end']);
    const reasoning = parts
      .filter((part) => part.type === 'reasoning-delta')
      .map((part) => (part as { delta: string }).delta)
      .join('');
    assert.equal(reasoning, 'Thinking about: Why is grass green?');

    await subject.provider.generate(
      call({
        prompt: [
          user('Q'),
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'hmm' },
              { type: 'text', text: 'A' },
            ],
          },
          user('Again'),
        ],
      }),
    );
    assert.deepEqual((lastBody().messages as Array<{ content: unknown }>)[1].content, [
      { type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] },
      { type: 'text', text: 'A' },
    ]);
  });

  it('passes providerOptions through in wire or SDK spelling and warns about unknown keys', async () => {
    const result = await subject.provider.generate(
      call({
        providerOptions: {
          mistral: { safe_prompt: true, parallelToolCalls: false, noSuchField: 1 },
          'mistral-eu': { prompt_mode: 'reasoning' },
        },
      }),
    );
    const body = lastBody();
    assert.equal(body.safe_prompt, true);
    assert.equal(body.parallel_tool_calls, false);
    assert.equal(body.prompt_mode, 'reasoning');
    assert.ok(!('noSuchField' in body));
    assert.deepEqual(result.warnings, [
      { type: 'other', message: "providerOptions key 'noSuchField' is not a Mistral request field and was dropped" },
    ]);
  });

  it('reports cached prompt tokens for a prompt_cache_key, in generate and stream', async () => {
    const prompt = (question: string): Message[] => [
      { role: 'system', content: 'You are a careful assistant. '.repeat(20) },
      user(question),
    ];
    const options = { mistral: { promptCacheKey: 'conversation-42' } };
    const first = await subject.provider.generate(call({ prompt: prompt('First'), providerOptions: options }));
    assert.equal(lastBody().prompt_cache_key, 'conversation-42');
    assert.equal(first.usage.inputTokens.cacheRead, 0);
    const second = await subject.provider.generate(
      call({
        prompt: [...prompt('First'), { role: 'assistant', content: [{ type: 'text', text: 'Sure' }] }, user('Next')],
        providerOptions: options,
      }),
    );
    const cached = simulator.totals.cachedInputTokens;
    assert.ok(cached > 100, `cached tokens: ${cached}`);
    assert.equal(second.usage.inputTokens.cacheRead, cached);
    assert.equal(second.usage.inputTokens.noCache, (second.usage.inputTokens.total ?? 0) - cached);
    simulator.reset();
    const finish = (
      await collect((await subject.provider.stream(call({ prompt: prompt('First'), providerOptions: options }))).stream)
    ).find((part) => part.type === 'finish');
    assert.ok(finish && finish.type === 'finish');
    assert.equal(finish.usage.inputTokens.cacheRead, simulator.totals.cachedInputTokens);
    assert.ok((finish.usage.inputTokens.cacheRead ?? 0) > 100);
  });

  it('sends the configured key, and a BYOK key when the call brings one, with config and call headers', async () => {
    await assertKeysReachVendor(subject.provider, simulator, configuredKey, call);
  });

  it('never leaks a BYOK key that the vendor rejects', async () => {
    await assertRejectedKeyHidden(
      createMistralSimulator({ apiKey: 'the-only-valid-key-123' }),
      'the-only-valid-key-123',
      (baseURL, apiKey) => createMistralProvider('mistral', { type: 'mistral', apiKey, baseURL }),
      call,
    );
  });

  it('maps a 422 validation error with its details', async () => {
    simulator.script({ type: 'status', status: 422, message: 'Input should be a valid list' });
    const error = await gatewayFailure(subject.provider.generate(call()));
    assert.equal(error.code, 'provider_invalid_request');
    assert.equal(error.upstreamStatus, 422);
    assert.match(error.message, /Input should be a valid list/);
  });

  it('reads tool-call arguments sent as objects and finish reasons model_length and error', async () => {
    await withSimulator(
      createMistralSimulator({ toolArguments: 'object', finishReason: 'model_length' }),
      async (baseURL) => {
        const other = await createMistralProvider('mistral', { type: 'mistral', apiKey: 'key-123456', baseURL });
        const result = await other.generate(call({ prompt: [user('Please use the tool')], tools: [weather] }));
        const toolCall = result.content.find((part) => part.type === 'tool-call');
        assert.ok(toolCall && toolCall.type === 'tool-call');
        assert.equal(toolCall.input, '{"city":"sample"}');
        assert.deepEqual(result.finishReason, { unified: 'length', raw: 'model_length' });
        const parts = await collect(
          (await other.stream(call({ prompt: [user('Please use the tool')], tools: [weather] }))).stream,
        );
        const streamed = parts.find((part) => part.type === 'tool-call');
        assert.ok(streamed && streamed.type === 'tool-call');
        assert.deepEqual(JSON.parse(streamed.input), { city: 'sample' });
      },
    );
    await withSimulator(createMistralSimulator({ finishReason: 'error' }), async (baseURL) => {
      const other = await createMistralProvider('mistral', { type: 'mistral', apiKey: 'key-123456', baseURL });
      const finish = (await collect((await other.stream(call())).stream)).find((part) => part.type === 'finish');
      assert.ok(finish && finish.type === 'finish');
      assert.deepEqual(finish.finishReason, { unified: 'error', raw: 'error' });
      assert.ok((finish.usage.outputTokens.total ?? 0) > 0, 'usage is kept for billing');
    });
  });

  it('times out a hanging call with provider_timeout after config.timeoutMs', async () => {
    const quick = await createMistralProvider('mistral', {
      type: 'mistral',
      apiKey: 'key-123456',
      baseURL: simulator.baseURL,
      timeoutMs: 100,
    });
    simulator.script({ type: 'hang' });
    const started = Date.now();
    assert.equal((await gatewayFailure(quick.generate(call()))).code, 'provider_timeout');
    assert.ok(Date.now() - started < 20_000, 'the timeout cut the hang');
    // A stream slower than the timeout is not cut: the timeout covers the wait for the response only
    // (a timeout its headers beat on a busy machine, and a stream of about 3 s).
    const patient = await createMistralProvider('mistral', {
      type: 'mistral',
      apiKey: 'key-123456',
      baseURL: simulator.baseURL,
      timeoutMs: 1_500,
    });
    simulator.configure({ tokensPerSecond: 3 });
    const parts = await collect((await patient.stream(call({ prompt: [user('a b c d e f g h')] }))).stream);
    assert.equal(parts.at(-1)?.type, 'finish');
  });

  it('drops dimensions for mistral-embed with a warning and sends output_dimension for codestral-embed', async () => {
    assert.ok(subject.provider.embed);
    const plain = await subject.provider.embed({
      modelId: 'mistral-embed',
      values: ['a', 'b'],
      dimensions: 256,
      abortSignal: new AbortController().signal,
    });
    assert.equal(plain.embeddings[0].length, 1024);
    assert.equal(plain.warnings[0].type, 'unsupported');
    assert.ok(!('output_dimension' in lastBody()));
    assert.deepEqual(lastBody().input, ['a', 'b']);
    const sized = await subject.provider.embed({
      modelId: 'codestral-embed',
      values: ['a'],
      dimensions: 256,
      abortSignal: new AbortController().signal,
    });
    assert.equal(lastBody().output_dimension, 256);
    assert.equal(sized.embeddings[0].length, 256);
    assert.deepEqual(sized.warnings, []);
  });
});
