import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { fetchFailureOf, settlingFetch } from '../../../src/providers/cohere/cohere-fetch.js';
import { createCohereProvider } from '../../../src/providers/cohere/index.js';
import { COHERE_TEMPLATE_TOKENS, createCohereSimulator } from '../../../src/testing/cohere-simulator.js';
import type { Message } from '../../../src/core/types.js';
import { runProviderContract } from '../provider-contract.js';
import {
  assertKeysReachVendor,
  assertRejectedKeyHidden,
  callFor,
  collect,
  gatewayFailure as failure,
  PNG_1PX,
  timeTool as time,
  user,
  weatherTool as weather,
  useSimulatedProvider,
  withSimulator,
} from '../provider-fixtures.js';

runProviderContract({
  name: 'cohere provider',
  createSimulator: () => createCohereSimulator(),
  createProvider: (baseURL, apiKey) => createCohereProvider('cohere', { type: 'cohere', apiKey, baseURL }),
  modelId: 'command-a-03-2025',
  // command-a-03-2025 takes no images; command-a-vision does (tested below).
  supports: { tools: true, images: false, json: true, embeddings: { modelId: 'embed-v4.0', dimensions: true } },
});

const MODEL = 'command-a-03-2025';

describe('cohere provider (vendor specifics)', () => {
  const simulator = createCohereSimulator();
  const configuredKey = 'co-configured-key-0123456789';
  const subject = useSimulatedProvider(simulator, (baseURL) =>
    createCohereProvider('cohere-eu', {
      type: 'cohere',
      apiKey: configuredKey,
      baseURL: `${baseURL}/v2`,
      headers: { 'x-config-header': 'from-config' },
    }),
  );
  const { lastBody } = subject;
  const call = callFor(MODEL);

  it('sends Cohere wire fields for every call option, without warnings', async () => {
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
    assert.deepEqual(
      {
        model: body.model,
        max_tokens: body.max_tokens,
        temperature: body.temperature,
        p: body.p,
        k: body.k,
        seed: body.seed,
        stop_sequences: body.stop_sequences,
        presence_penalty: body.presence_penalty,
        frequency_penalty: body.frequency_penalty,
        stream: body.stream,
      },
      {
        model: MODEL,
        max_tokens: 50,
        temperature: 0.3,
        p: 0.9,
        k: 40,
        seed: 7,
        stop_sequences: ['END'],
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        stream: false,
      },
    );
    assert.deepEqual(result.warnings, []);
    assert.match(result.responseId ?? '', /^cohere-sim-/);
  });

  it('reports the billed units as usage and the template-inclusive tokens as metadata', async () => {
    const result = await subject.provider.generate(call({ prompt: [user('A question asked only once')] }));
    assert.equal(simulator.totals.cachedInputTokens, 0);
    assert.equal(result.usage.inputTokens.total, simulator.totals.inputTokens);
    assert.equal(result.usage.outputTokens.total, simulator.totals.outputTokens);
    assert.deepEqual(result.providerMetadata, {
      cohere: {
        tokens: {
          inputTokens: simulator.totals.inputTokens + COHERE_TEMPLATE_TOKENS,
          outputTokens: simulator.totals.outputTokens,
        },
      },
    });
  });

  it('maps tool choice: required, none, and one named tool (sent as only that tool, required)', async () => {
    await subject.provider.generate(call({ tools: [weather, time], toolChoice: { type: 'required' } }));
    assert.equal(lastBody().tool_choice, 'REQUIRED');
    assert.deepEqual((lastBody().tools as unknown[])[0], {
      type: 'function',
      function: { name: 'weather', description: 'Weather for a city', parameters: weather.inputSchema },
    });
    await subject.provider.generate(call({ tools: [weather, time], toolChoice: { type: 'none' } }));
    assert.equal(lastBody().tool_choice, 'NONE');
    const result = await subject.provider.generate(
      call({
        prompt: [user('Which time is it?')],
        tools: [weather, time],
        toolChoice: { type: 'tool', toolName: 'time' },
      }),
    );
    assert.deepEqual(
      (lastBody().tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name),
      ['time'],
    );
    assert.equal(lastBody().tool_choice, 'REQUIRED');
    assert.deepEqual(
      result.content.filter((part) => part.type === 'tool-call').map((part) => (part as { toolName: string }).toolName),
      ['time'],
    );
    await subject.provider.generate(call({ tools: [weather] }));
    assert.ok(!('tool_choice' in lastBody()));
  });

  it('sets strict_tools, with a warning when only some tools are strict', async () => {
    const all = await subject.provider.generate(call({ tools: [{ ...weather, strict: true }] }));
    assert.equal(lastBody().strict_tools, true);
    assert.deepEqual(all.warnings, []);
    const mixed = await subject.provider.generate(call({ tools: [{ ...weather, strict: true }, time] }));
    assert.equal(lastBody().strict_tools, true);
    assert.equal(mixed.warnings[0].type, 'compatibility');
  });

  it('returns the tool plan as reasoning and sends it back as tool_plan with the tool calls and results', async () => {
    const result = await subject.provider.generate(call({ prompt: [user('Please use the tool')], tools: [weather] }));
    assert.deepEqual(
      result.content.map((part) => part.type),
      ['reasoning', 'tool-call'],
    );
    const plan = result.content[0];
    assert.deepEqual(plan, {
      type: 'reasoning',
      text: 'I will call weather.',
      providerMetadata: { cohere: { toolPlan: true } },
    });
    const toolCall = result.content[1];
    assert.ok(toolCall.type === 'tool-call');
    assert.match(toolCall.toolCallId, /^weather_[a-z0-9]{12}$/);
    assert.deepEqual(result.finishReason, { unified: 'tool-calls', raw: 'TOOL_CALL' });

    const next = await subject.provider.generate(
      call({
        tools: [weather],
        prompt: [
          user('Please use the tool'),
          {
            role: 'assistant',
            content: [
              {
                type: 'reasoning',
                text: plan.type === 'reasoning' ? plan.text : '',
                providerOptions: { cohere: { toolPlan: true } },
              },
              { type: 'tool-call', toolCallId: toolCall.toolCallId, toolName: 'weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: toolCall.toolCallId,
                toolName: 'weather',
                output: { type: 'json', value: { temperature: 21 } },
              },
            ],
          },
        ],
      }),
    );
    assert.equal(next.finishReason.raw, 'COMPLETE');
    const messages = lastBody().messages as Array<Record<string, unknown>>;
    assert.deepEqual(messages[1], {
      role: 'assistant',
      tool_calls: [
        { id: toolCall.toolCallId, type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
      ],
      tool_plan: 'I will call weather.',
    });
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: toolCall.toolCallId, content: '{"temperature":21}' });
  });

  it('streams the tool plan as its own reasoning block and tool input in pieces', async () => {
    const parts = await collect(
      (await subject.provider.stream(call({ prompt: [user('Please use the tool')], tools: [weather] }))).stream,
    );
    const start = parts.find((part) => part.type === 'reasoning-start');
    assert.deepEqual(start, {
      type: 'reasoning-start',
      id: 'reasoning-0',
      providerMetadata: { cohere: { toolPlan: true } },
    });
    assert.ok(
      parts.filter((part) => part.type === 'tool-input-delta').length >= 2,
      'arguments arrive in several deltas',
    );
    const types = parts.map((part) => part.type);
    assert.ok(types.indexOf('reasoning-end') < types.indexOf('tool-input-start'));
    assert.ok(types.indexOf('tool-input-end') < types.indexOf('tool-call'));
  });

  it('turns the "null" arguments of a call without any into {}, in generate and in a stream', async () => {
    const clock = { type: 'function' as const, name: 'clock', inputSchema: { type: 'object', properties: {} } };
    simulator.configure({
      reply: () => ({ text: '', toolCalls: [{ id: 'c', name: 'clock', input: {} }], finishReason: 'tool-calls' }),
    });
    const result = await subject.provider.generate(call({ prompt: [user('What time is it?')], tools: [clock] }));
    assert.deepEqual(
      result.content
        .filter((part) => part.type === 'tool-call')
        .map((part) => (part.type === 'tool-call' ? part.input : '')),
      ['{}'],
    );
    const parts = await collect(
      (await subject.provider.stream(call({ prompt: [user('What time is it?')], tools: [clock] }))).stream,
    );
    assert.deepEqual(
      parts.filter((part) => part.type === 'tool-call').map((part) => (part.type === 'tool-call' ? part.input : '')),
      ['{}'],
    );
  });

  it('sends json_object with the schema', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    await subject.provider.generate(call({ responseFormat: { type: 'json', schema } }));
    assert.deepEqual(lastBody().response_format, { type: 'json_object', json_schema: schema });
    await subject.provider.generate(call({ responseFormat: { type: 'json' } }));
    assert.deepEqual(lastBody().response_format, { type: 'json_object' });
  });

  it('sends images to command-a-vision; the simulator rejects them for command-a like Cohere', async () => {
    const prompt: Message[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'file', mediaType: 'image/png', data: { type: 'data', data: PNG_1PX } },
        ],
      },
    ];
    const result = await subject.provider.generate(call({ modelId: 'command-a-vision-07-2025', prompt }));
    assert.match((result.content[0] as { text: string }).text, /What is this/);
    assert.deepEqual((lastBody().messages as Array<{ content: unknown }>)[0].content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } },
    ]);
    const error = await failure(subject.provider.generate(call({ prompt })));
    assert.equal(error.code, 'provider_invalid_request');
    assert.match(error.message, /does not support image inputs/);
  });

  it('maps reasoning effort to thinking and streams thinking before text', async () => {
    const { stream } = await subject.provider.stream(
      call({ modelId: 'command-a-reasoning-08-2025', reasoning: 'high', prompt: [user('Why?')] }),
    );
    const parts = await collect(stream);
    assert.deepEqual(lastBody().thinking, { type: 'enabled', token_budget: 16384 });
    const order = parts
      .map((part) => part.type)
      .filter((type) => /-(start|end)$/.test(type) && type !== 'stream-start');
    assert.deepEqual(order, ['reasoning-start', 'reasoning-end', 'text-start', 'text-end']);
    assert.equal(
      parts
        .filter((part) => part.type === 'reasoning-delta')
        .map((part) => (part as { delta: string }).delta)
        .join(''),
      'Thinking about: Why?',
    );
    const result = await subject.provider.generate(call({ modelId: 'command-a-reasoning-08-2025', reasoning: 'none' }));
    assert.deepEqual(lastBody().thinking, { type: 'disabled' });
    assert.deepEqual(
      result.content.map((part) => part.type),
      ['text'],
    );
  });

  it("sends @ai-sdk/cohere's thinking option (tokenBudget) as the wire's token_budget, and warns about parallelToolCalls", async () => {
    const tool = { type: 'function' as const, name: 'lookup', inputSchema: { type: 'object', properties: {} } };
    const result = await subject.provider.generate(
      call({
        modelId: 'command-a-reasoning-08-2025',
        parallelToolCalls: false,
        tools: [tool],
        providerOptions: { cohere: { thinking: { type: 'enabled', tokenBudget: 500 } } },
      }),
    );
    assert.deepEqual(lastBody().thinking, { type: 'enabled', token_budget: 500 });
    assert.ok(
      result.warnings.some((warning) => warning.type === 'unsupported' && warning.feature === 'parallelToolCalls'),
    );
  });

  it('reports cached tokens for a prompt that starts with one served before: billed units leave them out, metadata has them', async () => {
    const system: Message = { role: 'system', content: 'You answer questions about trains. '.repeat(10) };
    const first = await subject.provider.generate(call({ prompt: [system, user('First question')] }));
    assert.equal(first.usage.inputTokens.cacheRead, 0);
    const second = await subject.provider.generate(
      call({
        prompt: [
          system,
          user('First question'),
          { role: 'assistant', content: [{ type: 'text', text: 'Yes' }] },
          user('Second'),
        ],
      }),
    );
    const cached = simulator.totals.cachedInputTokens;
    assert.ok(cached > 80, `cached: ${cached}`);
    const billed = (simulator.requests.length === 2 ? (simulator.requests[1].usage?.inputTokens ?? 0) : 0) - cached;
    assert.deepEqual(second.usage.inputTokens, { total: billed, noCache: billed, cacheRead: 0, cacheWrite: 0 });
    assert.equal((second.providerMetadata?.cohere as { cachedTokens?: number }).cachedTokens, cached);
  });

  it('passes providerOptions through in wire or SDK spelling, unknown keys unchanged', async () => {
    await subject.provider.generate(
      call({
        providerOptions: {
          cohere: { safety_mode: 'STRICT', citationOptions: { mode: 'FAST' } },
          'cohere-eu': { custom_flag: true },
        },
      }),
    );
    const body = lastBody();
    assert.equal(body.safety_mode, 'STRICT');
    assert.deepEqual(body.citation_options, { mode: 'FAST' });
    assert.equal(body.custom_flag, true);
    assert.ok(!('safetyMode' in body) && !('citationOptions' in body));
  });

  it('sends the configured key, and a BYOK key when the call brings one (also to embed), with config and call headers', async () => {
    await assertKeysReachVendor(subject.provider, simulator, configuredKey, call);
    await subject.provider.embed?.({
      modelId: 'embed-v4.0',
      values: ['a'],
      abortSignal: new AbortController().signal,
      credentials: { apiKey: 'byok-cohere-key-abcdef' },
    });
    assert.equal(simulator.requests[3].headers.authorization, 'Bearer byok-cohere-key-abcdef');
  });

  it('maps a rejected BYOK key to provider_authentication without the key', async () => {
    const error = await assertRejectedKeyHidden(
      createCohereSimulator({ apiKey: 'the-only-valid-key-123' }),
      'the-only-valid-key-123',
      (baseURL, apiKey) => createCohereProvider('cohere', { type: 'cohere', apiKey, baseURL }),
      call,
    );
    assert.match(error.message, /invalid api token/);
  });

  it('reports STOP_SEQUENCE, and an ERROR finish in a stream with its usage', async () => {
    const stopped = await subject.provider.generate(
      call({ prompt: [user('Hello there friend')], stopSequences: ['friend'] }),
    );
    assert.deepEqual(stopped.finishReason, { unified: 'stop', raw: 'STOP_SEQUENCE' });
    const failing = createCohereSimulator({ finishReason: 'ERROR' });
    await withSimulator(failing, async (baseURL) => {
      const other = await createCohereProvider('cohere', { type: 'cohere', apiKey: 'key-123456', baseURL });
      const finish = (await collect((await other.stream(call())).stream)).find((part) => part.type === 'finish');
      assert.ok(finish && finish.type === 'finish');
      assert.deepEqual(finish.finishReason, { unified: 'error', raw: 'ERROR' });
      assert.equal(finish.usage.outputTokens.total, failing.totals.outputTokens);
    });
  });

  it('times out a hanging call with provider_timeout after config.timeoutMs', async () => {
    const quick = await createCohereProvider('cohere', {
      type: 'cohere',
      apiKey: 'key-123456',
      baseURL: simulator.baseURL,
      timeoutMs: 100,
    });
    simulator.script({ type: 'hang' });
    const started = Date.now();
    assert.equal((await failure(quick.generate(call()))).code, 'provider_timeout');
    assert.ok(Date.now() - started < 2000);
  });

  it('embeds with input_type, drops dimensions for v3 models with a warning, and passes input_type through', async () => {
    assert.ok(subject.provider.embed);
    const sized = await subject.provider.embed({
      modelId: 'embed-v4.0',
      values: ['a', 'b'],
      dimensions: 256,
      abortSignal: new AbortController().signal,
    });
    assert.deepEqual(
      {
        input_type: lastBody().input_type,
        embedding_types: lastBody().embedding_types,
        output_dimension: lastBody().output_dimension,
      },
      { input_type: 'search_document', embedding_types: ['float'], output_dimension: 256 },
    );
    assert.equal(sized.embeddings[0].length, 256);
    const fixed = await subject.provider.embed({
      modelId: 'embed-english-v3.0',
      values: ['a'],
      dimensions: 256,
      abortSignal: new AbortController().signal,
      providerOptions: { cohere: { input_type: 'search_query' } },
    });
    assert.equal(fixed.embeddings[0].length, 1024);
    assert.equal(fixed.warnings[0].type, 'unsupported');
    assert.equal(lastBody().input_type, 'search_query');
    assert.ok(!('output_dimension' in lastBody()));
  });

  it('gives the SDK a fetch that settles, so its timeout timer is always cleared', async () => {
    const reset = await settlingFetch(() =>
      Promise.reject(new TypeError('fetch failed', { cause: new Error('other side closed') })),
    )('http://127.0.0.1:1/v2/chat');
    assert.equal(reset.status, 502);
    assert.equal(fetchFailureOf(reset.headers), 'connection');
    assert.deepEqual(await reset.json(), { message: 'fetch failed: other side closed' });
    const controller = new AbortController();
    controller.abort();
    const aborted = await settlingFetch(() => Promise.reject(new DOMException('aborted', 'AbortError')))(
      'http://127.0.0.1:1/v2/chat',
      { signal: controller.signal },
    );
    assert.deepEqual([aborted.status, fetchFailureOf(aborted.headers)], [499, 'aborted']);
    const timer = new AbortController();
    timer.abort('timeout');
    const timedOut = await settlingFetch(() => Promise.reject('timeout'))('http://127.0.0.1:1/v2/chat', {
      signal: timer.signal,
    });
    assert.deepEqual([timedOut.status, fetchFailureOf(timedOut.headers)], [408, 'timeout']);
    assert.equal(fetchFailureOf(new Headers()), undefined);

    simulator.script({ type: 'reset' });
    const error = await failure(subject.provider.generate(call()));
    assert.equal(error.code, 'provider_connection');
    assert.match(error.message, /fetch failed/);
    assert.equal(error.upstreamStatus, undefined, 'the marked response is not reported as an upstream status');
  });
});
