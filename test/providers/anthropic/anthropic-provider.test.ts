import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { AnthropicProvider, createAnthropicProvider } from '../../../src/providers/anthropic/index.js';
import type { Provider, ProviderCall } from '../../../src/providers/provider.js';
import {
  createAnthropicProtocol,
  createAnthropicSimulator,
  thinkingSignature,
} from '../../../src/testing/anthropic-simulator.js';
import { Simulator } from '../../../src/testing/simulator-server.js';
import type { ContentPart, Message, StreamPart } from '../../../src/core/types.js';
import { runProviderContract } from '../provider-contract.js';

const MODEL = 'claude-sonnet-4-20250514';
const API_KEY = 'sk-ant-configured-key-0123456789';
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

// Request bodies are free-form vendor JSON: tests read them loosely.
type Body = Record<string, any>;

/** The key a request carried: this SDK sends `Authorization: Bearer <key>`; `x-api-key` is accepted too. */
function sentKey(request: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const header = request.headers['x-api-key'] ?? request.headers.authorization;
  return typeof header === 'string' ? header.replace(/^Bearer\s+/, '') : undefined;
}

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

function textOf(content: ContentPart[]): string {
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

async function expectGatewayError(promise: Promise<unknown>, code: string): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  return assert.fail(`expected GatewayError ${code}`);
}

runProviderContract({
  name: 'anthropic provider',
  createSimulator: () => createAnthropicSimulator(),
  createProvider: (baseURL, apiKey) => createAnthropicProvider('anthropic', { type: 'anthropic', apiKey, baseURL }),
  modelId: MODEL,
  supports: { tools: true, images: true, json: true },
});

describe('anthropic provider (vendor specifics)', () => {
  const simulator = createAnthropicSimulator();
  let provider: Provider;
  let simulatorURL = '';
  const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
    modelId: MODEL,
    prompt: [user('Hello vendor')],
    abortSignal: new AbortController().signal,
    ...overrides,
  });
  const lastBody = (): Body => simulator.requests[simulator.requests.length - 1].body as Body;

  beforeAll(async () => {
    const baseURL = await simulator.start();
    simulatorURL = baseURL;
    provider = await createAnthropicProvider('anthropic', {
      type: 'anthropic',
      apiKey: API_KEY,
      baseURL,
      headers: { 'x-config-header': 'configured' },
    });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('is an AnthropicProvider without embeddings', () => {
    assert.ok(provider instanceof AnthropicProvider);
    assert.equal(provider.type, 'anthropic');
    assert.equal('embed' in provider, false);
  });

  it('sends system messages as `system`, the configured key, and a default max_tokens', async () => {
    const result = await provider.generate(
      call({
        prompt: [{ role: 'system', content: 'Be brief.' }, user('Hi there')],
        headers: { 'x-call-header': 'per-call' },
      }),
    );
    const body = lastBody();
    assert.equal(body.system, 'Be brief.');
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hi there' }] }]);
    assert.equal(body.max_tokens, 4096);
    assert.equal(body.model, MODEL);
    const headers = simulator.requests[0].headers;
    assert.equal(sentKey(simulator.requests[0]), API_KEY);
    assert.equal(typeof headers['anthropic-version'], 'string');
    assert.equal(headers['x-config-header'], 'configured');
    assert.equal(headers['x-call-header'], 'per-call');
    assert.match(result.responseId ?? '', /^msg_/);
    assert.equal(result.responseModelId, MODEL);
    assert.deepEqual(result.finishReason, { unified: 'stop', raw: 'end_turn' });
  });

  it('sends maxOutputTokens and stop sequences, and reports the stop sequence', async () => {
    const result = await provider.generate(
      call({ prompt: [user('one two three four')], maxOutputTokens: 50, stopSequences: ['three'] }),
    );
    const body = lastBody();
    assert.equal(body.max_tokens, 50);
    assert.deepEqual(body.stop_sequences, ['three']);
    assert.equal(textOf(result.content), 'You said: one two ');
    assert.deepEqual(result.finishReason, { unified: 'stop', raw: 'stop_sequence' });
    assert.equal(result.providerMetadata?.anthropic?.stopSequence, 'three');
    assert.deepEqual(result.warnings, []);
  });

  it('drops temperature, topP and topK, which the API version the SDK sends has not, with a warning each', async () => {
    const result = await provider.generate(
      call({ prompt: [user('sample me')], temperature: 0.5, topP: 0.9, topK: 40 }),
    );
    const body = lastBody();
    for (const field of ['temperature', 'top_p', 'top_k']) assert.equal(field in body, false, field);
    assert.deepEqual(
      result.warnings.map((warning) => (warning.type === 'unsupported' ? warning.feature : warning.type)).sort(),
      ['temperature', 'topK', 'topP'],
    );
    // The defaults change nothing: dropped without a word.
    const neutral = await provider.generate(call({ prompt: [user('defaults')], temperature: 1, topP: 1 }));
    assert.deepEqual(neutral.warnings, []);
    assert.equal('temperature' in lastBody(), false);
  });

  it('the simulator rejects what the API version rejects: sampling fields, unknown fields, AI SDK spellings, misplaced cache_control', async () => {
    const send = (body: Record<string, unknown>) =>
      fetch(`${simulatorURL}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'anthropic-version': '2026-10-21', 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, max_tokens: 2000, messages: [{ role: 'user', content: 'Hi' }], ...body }),
      });
    for (const extra of [
      { temperature: 0.5 },
      { top_p: 0.5 },
      { top_k: 5 },
      { foo: 1 },
      { thinking: { type: 'enabled', budgetTokens: 1024 } },
      { metadata: { userId: 'u' } },
    ]) {
      const response = await send(extra);
      assert.equal(response.status, 400, JSON.stringify(extra));
    }
    const thinkingMarker = await send({
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: [{ type: 'redacted_thinking', data: 'x', cache_control: { type: 'ephemeral' } }],
        },
        { role: 'user', content: 'again' },
      ],
    });
    assert.equal(thinkingMarker.status, 400);
    const messageMarker = await send({
      messages: [{ role: 'user', content: 'Hi', cache_control: { type: 'ephemeral' } }],
    });
    assert.equal(messageMarker.status, 400);
    const marked = { type: 'text', text: 'x', cache_control: { type: 'ephemeral' } };
    const tooMany = await send({ messages: [{ role: 'user', content: [marked, marked, marked, marked, marked] }] });
    assert.equal(tooMany.status, 400);
    assert.equal(
      (await send({ thinking: { type: 'enabled', budget_tokens: 1024 }, metadata: { user_id: 'u' } })).status,
      200,
    );
  });

  it('warns about seed and penalties, which Anthropic lacks, and does not send them', async () => {
    const options = { seed: 7, presencePenalty: 0.3, frequencyPenalty: 0.2 };
    const result = await provider.generate(call(options));
    assert.deepEqual(
      result.warnings.map((warning) => (warning.type === 'unsupported' ? warning.feature : warning.type)).sort(),
      ['frequencyPenalty', 'presencePenalty', 'seed'],
    );
    const body = lastBody();
    for (const field of ['seed', 'presence_penalty', 'frequency_penalty', 'presencePenalty', 'frequencyPenalty'])
      assert.equal(field in body, false, field);
    const { stream, warnings } = await provider.stream(call(options));
    const parts = await collect(stream);
    assert.equal(warnings.length, 3);
    assert.deepEqual(parts[0], { type: 'stream-start', warnings });
  });

  it('reports cache writes and reads, with an input total that adds them', async () => {
    const longSystem = 'You are a careful assistant. '.repeat(40);
    const prompt: Message[] = [
      { role: 'system', content: longSystem, providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } } },
      user('First question about caching'),
    ];
    const first = await provider.generate(call({ prompt }));
    assert.deepEqual(lastBody().system, [{ type: 'text', text: longSystem, cache_control: { type: 'ephemeral' } }]);
    assert.ok((first.usage.inputTokens.cacheWrite ?? 0) > 0, 'a cache write');
    assert.equal(first.usage.inputTokens.cacheRead, 0);
    assert.equal(first.usage.inputTokens.total, simulator.totals.inputTokens);

    const second = await provider.generate(call({ prompt: [prompt[0], user('Second question about caching')] }));
    const reported = simulator.requests[1].usage;
    assert.ok(reported && reported.cachedInputTokens > 0, 'the simulator reported a cache read');
    const { total, noCache, cacheRead, cacheWrite } = second.usage.inputTokens;
    assert.equal(cacheRead, reported.cachedInputTokens);
    assert.equal(cacheWrite, 0);
    assert.equal(total, reported.inputTokens);
    assert.equal(total, (noCache ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0));
    assert.equal(second.providerMetadata?.anthropic?.cacheReadInputTokens, cacheRead);

    const { stream } = await provider.stream(call({ prompt: [prompt[0], user('Third question about caching')] }));
    const finish = (await collect(stream)).find((part) => part.type === 'finish');
    assert.ok(finish && finish.type === 'finish');
    assert.equal(finish.usage.inputTokens.cacheRead, cacheRead);
    assert.equal(finish.usage.inputTokens.total, simulator.requests[2].usage?.inputTokens);
  });

  it('puts cache_control on parts and on the last block of a message', async () => {
    const ephemeral = { anthropic: { cacheControl: { type: 'ephemeral', ttl: '1h' } } };
    await provider.generate(
      call({
        prompt: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Part marked', providerOptions: ephemeral },
              { type: 'text', text: 'unmarked' },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: 'Noted.' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'first' },
              { type: 'text', text: 'last' },
            ],
            providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } },
          },
        ],
      }),
    );
    const messages = lastBody().messages;
    assert.deepEqual(
      messages[0].content[0].cache_control,
      { type: 'ephemeral', ttl: '1h' },
      'the API takes 1-hour breakpoints before 5-minute ones',
    );
    assert.equal(messages[0].content[1].cache_control, undefined);
    assert.equal(messages[2].content[0].cache_control, undefined);
    assert.deepEqual(messages[2].content[1].cache_control, { type: 'ephemeral' });
    assert.ok((simulator.requests[0].usage?.cacheWriteTokens ?? 0) > 0);
  });

  it('maps the AI SDK spelling of its provider options to the wire: thinking.budgetTokens, effort, inferenceGeo, sendReasoning', async () => {
    await provider.generate(
      call({
        prompt: [user('Think in camelCase')],
        providerOptions: {
          anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 }, inferenceGeo: 'us', toolStreaming: true },
        },
      }),
    );
    let body = lastBody();
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 1024 });
    assert.equal(body.inference_geo, 'us');
    for (const field of ['inferenceGeo', 'toolStreaming', 'tool_streaming']) assert.equal(field in body, false, field);

    await provider.generate(
      call({
        prompt: [user('Effort please')],
        reasoning: 'high',
        providerOptions: { anthropic: { effort: 'medium' } },
      }),
    );
    body = lastBody();
    assert.deepEqual(body.output_config, { effort: 'medium' });
    assert.equal(
      body.thinking,
      undefined,
      "Anthropic's own effort replaces a budget derived from the call's reasoning",
    );

    const signed = {
      type: 'reasoning' as const,
      text: 'I thought',
      providerOptions: { anthropic: { signature: thinkingSignature('I thought') } },
    };
    await provider.generate(
      call({
        prompt: [user('q'), { role: 'assistant', content: [signed, { type: 'text', text: 'a' }] }, user('again')],
        providerOptions: { anthropic: { sendReasoning: false } },
      }),
    );
    body = lastBody();
    assert.deepEqual(body.messages[1].content, [{ type: 'text', text: 'a' }]);
    assert.equal('send_reasoning' in body, false);
  });

  it('sends the user as metadata.user_id and parallelToolCalls: false as disable_parallel_tool_use', async () => {
    const weather = {
      type: 'function' as const,
      name: 'weather',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
    };
    await provider.generate(
      call({ prompt: [user('Weather in Paris?')], user: 'user-42', parallelToolCalls: false, tools: [weather] }),
    );
    const body = lastBody();
    assert.deepEqual(body.metadata, { user_id: 'user-42' });
    assert.deepEqual(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  });

  it('maps reasoning effort to thinking with a budget and keeps the signature', async () => {
    const result = await provider.generate(
      call({ prompt: [user('Think it over')], reasoning: 'low', temperature: 0.3, topK: 5 }),
    );
    const body = lastBody();
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(body.max_tokens, 4096 + 2048);
    assert.equal('temperature' in body, false);
    assert.equal('top_k' in body, false);
    assert.deepEqual(result.warnings.map((warning) => (warning.type === 'unsupported' ? warning.feature : '')).sort(), [
      'temperature',
      'topK',
    ]);
    const reasoning = result.content[0];
    assert.ok(reasoning.type === 'reasoning');
    assert.equal(reasoning.text, 'Thinking about: Think it over');
    assert.equal(reasoning.providerMetadata?.anthropic?.signature, thinkingSignature(reasoning.text));
    assert.equal(textOf(result.content), 'You said: Think it over');
    assert.ok((result.usage.outputTokens.reasoning ?? 0) > 0);
    assert.equal(result.usage.outputTokens.total, simulator.totals.outputTokens);
  });

  it('passes providerOptions.anthropic.thinking through, with max_tokens above its budget', async () => {
    const result = await provider.generate(
      call({
        maxOutputTokens: 100,
        providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 1500 } } },
      }),
    );
    const body = lastBody();
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 1500 });
    assert.equal(body.max_tokens, 1600);
    assert.ok(result.content.some((part) => part.type === 'reasoning'));
  });

  it('sends a reasoning part back as a signed thinking block', async () => {
    const first = await provider.generate(call({ prompt: [user('Ponder')], reasoning: 'minimal' }));
    const reasoning = first.content.find((part) => part.type === 'reasoning');
    assert.ok(reasoning && reasoning.type === 'reasoning');
    const signature = reasoning.providerMetadata?.anthropic?.signature;
    assert.equal(typeof signature, 'string');
    const prompt: Message[] = [
      user('Ponder'),
      {
        role: 'assistant',
        content: [
          {
            type: 'reasoning',
            text: reasoning.text,
            providerOptions: { anthropic: { signature: signature as string } },
          },
          { type: 'text', text: textOf(first.content) },
        ],
      },
      user('And then?'),
    ];
    const second = await provider.generate(call({ prompt, reasoning: 'minimal' }));
    assert.deepEqual(lastBody().messages[1].content[0], { type: 'thinking', thinking: reasoning.text, signature });
    assert.match(textOf(second.content), /And then\?/);

    const tampered: Message[] = [
      prompt[0],
      {
        role: 'assistant',
        content: [{ type: 'reasoning', text: reasoning.text, providerOptions: { anthropic: { signature: 'forged' } } }],
      },
      prompt[2],
    ];
    await expectGatewayError(provider.generate(call({ prompt: tampered })), 'provider_invalid_request');

    const unsigned: Message[] = [
      user('Ponder'),
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'no signature' },
          { type: 'text', text: 'ok' },
        ],
      },
      user('next'),
    ];
    const dropped = await provider.generate(call({ prompt: unsigned }));
    assert.deepEqual(lastBody().messages[1].content, [{ type: 'text', text: 'ok' }]);
    assert.equal(dropped.warnings[0]?.type, 'other');
  });

  it('streams reasoning before text, with the signature on reasoning-end', async () => {
    const { stream } = await provider.stream(call({ prompt: [user('Stream thoughts')], reasoning: 'medium' }));
    const parts = await collect(stream);
    const types = parts.map((part) => part.type);
    assert.ok(types.indexOf('reasoning-start') < types.indexOf('reasoning-delta'));
    assert.ok(types.indexOf('reasoning-end') < types.indexOf('text-start'));
    const reasoning = parts
      .filter((part) => part.type === 'reasoning-delta')
      .map((part) => (part as { delta: string }).delta)
      .join('');
    assert.equal(reasoning, 'Thinking about: Stream thoughts');
    const end = parts.find((part) => part.type === 'reasoning-end');
    assert.ok(end && end.type === 'reasoning-end');
    assert.equal(end.providerMetadata?.anthropic?.signature, thinkingSignature(reasoning));
    const metadata = parts.find((part) => part.type === 'response-metadata');
    assert.ok(metadata && metadata.type === 'response-metadata' && metadata.modelId === MODEL);
  });

  it('sends tool results in a user message, with is_error for error outputs', async () => {
    const weather = {
      type: 'function' as const,
      name: 'weather',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
    };
    await provider.generate(
      call({
        tools: [weather],
        prompt: [
          user('Weather in two cities please'),
          {
            role: 'assistant',
            content: [
              { type: 'tool-call', toolCallId: 'toolu_1', toolName: 'weather', input: { city: 'Paris' } },
              { type: 'tool-call', toolCallId: 'toolu_2', toolName: 'weather', input: { city: 'Atlantis' } },
            ],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: 'toolu_1',
                toolName: 'weather',
                output: { type: 'json', value: { temperature: 21 } },
              },
            ],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: 'toolu_2',
                toolName: 'weather',
                output: { type: 'error-text', value: 'No such city' },
              },
            ],
          },
        ],
      }),
    );
    const messages = lastBody().messages;
    assert.equal(messages.length, 3, 'consecutive tool messages merge into one user message');
    assert.deepEqual(messages[1].content[0], {
      type: 'tool_use',
      id: 'toolu_1',
      name: 'weather',
      input: { city: 'Paris' },
    });
    assert.equal(messages[2].role, 'user');
    assert.deepEqual(messages[2].content, [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"temperature":21}' },
      { type: 'tool_result', tool_use_id: 'toolu_2', content: 'No such city', is_error: true },
    ]);
    assert.deepEqual(lastBody().tools, [{ name: 'weather', input_schema: weather.inputSchema }]);
  });

  it('maps tool choices, including none and disableParallelToolUse', async () => {
    const weather = { type: 'function' as const, name: 'weather', inputSchema: { type: 'object', properties: {} } };
    await provider.generate(call({ tools: [weather], toolChoice: { type: 'none' } }));
    assert.deepEqual(lastBody().tool_choice, { type: 'none' });
    await provider.generate(
      call({
        tools: [weather],
        toolChoice: { type: 'required' },
        providerOptions: { anthropic: { disableParallelToolUse: true } },
      }),
    );
    assert.deepEqual(lastBody().tool_choice, { type: 'any', disable_parallel_tool_use: true });
    await provider.generate(call({ toolChoice: { type: 'required' } }));
    assert.equal('tool_choice' in lastBody(), false, 'no tool_choice without tools');
  });

  it('sends images as base64 and url sources', async () => {
    const result = await provider.generate(
      call({
        prompt: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these' },
              { type: 'file', mediaType: 'image/png', data: { type: 'data', data: PNG_1PX } },
              { type: 'file', mediaType: 'image/jpeg', data: { type: 'url', url: 'https://example.com/cat.jpg' } },
              {
                type: 'file',
                mediaType: 'application/pdf',
                data: { type: 'data', data: new Uint8Array([37, 80, 68, 70]) },
              },
            ],
          },
        ],
      }),
    );
    const content = lastBody().messages[0].content;
    assert.deepEqual(content[1], { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } });
    assert.deepEqual(content[2], { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } });
    assert.deepEqual(content[3], {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERg==' },
    });
    assert.match(textOf(result.content), /Compare these/);
    await expectGatewayError(
      provider.generate(
        call({
          prompt: [
            { role: 'user', content: [{ type: 'file', mediaType: 'audio/wav', data: { type: 'data', data: 'AAAA' } }] },
          ],
        }),
      ),
      'invalid_request',
    );
  });

  it('returns JSON through a forced tool as text with finish reason stop', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' } },
      required: ['name', 'age'],
    };
    const result = await provider.generate(
      call({ prompt: [user('A person as JSON')], responseFormat: { type: 'json', schema, name: 'person' } }),
    );
    const body = lastBody();
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'person' });
    assert.deepEqual(body.tools[0].input_schema, schema);
    assert.deepEqual(result.content, [{ type: 'text', text: '{"name":"sample","age":1}' }]);
    assert.deepEqual(result.finishReason, { unified: 'stop', raw: 'tool_use' });
  });

  it('streams JSON output as text-delta parts', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const { stream } = await provider.stream(
      call({ prompt: [user('A city as JSON')], responseFormat: { type: 'json', schema } }),
    );
    const parts = await collect(stream);
    assert.equal(lastBody().tool_choice.name, 'json');
    assert.ok(!parts.some((part) => part.type === 'tool-call' || part.type === 'tool-input-start'), 'no tool parts');
    const text = parts
      .filter((part) => part.type === 'text-delta')
      .map((part) => (part as { delta: string }).delta)
      .join('');
    assert.deepEqual(JSON.parse(text), { city: 'sample' });
    assert.ok(parts.filter((part) => part.type === 'text-delta').length > 1, 'several deltas');
    const finish = parts.find((part) => part.type === 'finish');
    assert.ok(finish && finish.type === 'finish');
    assert.deepEqual(finish.finishReason, { unified: 'stop', raw: 'tool_use' });
  });

  it('merges other provider options into the body and sends betas as a header', async () => {
    await provider.generate(
      call({ providerOptions: { anthropic: { metadata: { user_id: 'user-42' }, betas: ['beta-one', 'beta-two'] } } }),
    );
    assert.deepEqual(lastBody().metadata, { user_id: 'user-42' });
    assert.equal('betas' in lastBody(), false);
    assert.equal(simulator.requests[0].headers['anthropic-beta'], 'beta-one,beta-two');
  });

  it('reads options under its instance name too', async () => {
    const named = await createAnthropicProvider('anthropic-eu', {
      type: 'anthropic',
      apiKey: API_KEY,
      baseURL: simulator.baseURL,
    });
    await named.generate(
      call({
        providerOptions: { anthropic: { metadata: { user_id: 'a' } }, 'anthropic-eu': { metadata: { user_id: 'eu' } } },
      }),
    );
    assert.deepEqual(lastBody().metadata, { user_id: 'eu' });
  });

  it('uses BYOK credentials for the auth header and keeps them out of errors', async () => {
    const byok = 'sk-ant-byok-customer-key-9876543210';
    await provider.generate(call({ credentials: { apiKey: byok } }));
    assert.equal(sentKey(simulator.requests[0]), byok);
    await provider.generate(call());
    assert.equal(sentKey(simulator.requests[1]), API_KEY, 'the configured key is back without credentials');
    simulator.script({ type: 'status', status: 401, message: `invalid x-api-key ${byok}` });
    const error = await expectGatewayError(
      provider.generate(call({ credentials: { apiKey: byok } })),
      'provider_authentication',
    );
    assert.ok(!error.message.includes(byok), error.message);
  });

  it('uses BYOK credentials with an injected client', async () => {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const client = new Anthropic({
      apiKey: 'sk-ant-injected-client-key-000',
      baseURL: simulator.baseURL,
      maxRetries: 0,
    });
    const injected = await createAnthropicProvider('anthropic', { type: 'anthropic', client });
    await injected.generate(call());
    await injected.generate(call({ credentials: { apiKey: 'sk-ant-byok-for-injected-111' } }));
    assert.equal(sentKey(simulator.requests[0]), 'sk-ant-injected-client-key-000');
    assert.equal(sentKey(simulator.requests[1]), 'sk-ant-byok-for-injected-111');
  });

  it('fails with provider_authentication when no key is configured anywhere', async () => {
    const saved = { key: process.env.ANTHROPIC_API_KEY, token: process.env.ANTHROPIC_AUTH_TOKEN };
    delete process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_AUTH_TOKEN;
    try {
      const keyless = await createAnthropicProvider('anthropic', { type: 'anthropic', baseURL: simulator.baseURL });
      await expectGatewayError(keyless.generate(call()), 'provider_authentication');
      assert.equal(simulator.requests.length, 0, 'nothing was sent');
    } finally {
      if (saved.key !== undefined) process.env.ANTHROPIC_API_KEY = saved.key;
      if (saved.token !== undefined) process.env.ANTHROPIC_AUTH_TOKEN = saved.token;
    }
  });

  it('fails a stream whose events do not parse with provider_bad_response', async () => {
    const quiet = await createAnthropicProvider('anthropic', {
      type: 'anthropic',
      apiKey: API_KEY,
      baseURL: simulator.baseURL,
      clientOptions: { logLevel: 'off' },
    });
    simulator.script({ type: 'malformed' });
    const { stream } = await quiet.stream(call());
    await expectGatewayError(collect(stream), 'provider_bad_response');
  });

  it('keeps a 529 status and marks it retryable', async () => {
    simulator.script({ type: 'status', status: 529 });
    const error = await expectGatewayError(provider.generate(call()), 'provider_overloaded');
    assert.equal(error.status, 529);
    assert.equal(error.upstreamStatus, 529);
    assert.match(error.message, /Overloaded/);
    assert.equal(simulator.requests.length, 1, 'the SDK did not retry');
  });
});

describe('anthropic provider (stream failures)', () => {
  const protocol = createAnthropicProtocol();
  let tail: 'error' | 'truncated' = 'error';
  const simulator = new Simulator({
    ...protocol,
    render(request, reply, context) {
      const rendered = protocol.render(request, reply, context);
      if (rendered.kind !== 'stream') return rendered;
      const chunks = rendered.chunks.filter(
        (chunk) =>
          !String(chunk.data).startsWith('event: message_delta') &&
          !String(chunk.data).startsWith('event: message_stop'),
      );
      if (tail === 'error')
        chunks.push({
          data: 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
          content: false,
        });
      return { ...rendered, chunks };
    },
  });
  let provider: Provider;
  beforeAll(async () => {
    provider = await createAnthropicProvider('anthropic', {
      type: 'anthropic',
      apiKey: API_KEY,
      baseURL: await simulator.start(),
    });
  });
  afterAll(() => simulator.close());

  async function consume(): Promise<{ parts: StreamPart[]; failure: unknown }> {
    const { stream } = await provider.stream({
      modelId: MODEL,
      prompt: [user('Tell me something')],
      abortSignal: new AbortController().signal,
    });
    const parts: StreamPart[] = [];
    try {
      for await (const part of stream) parts.push(part);
    } catch (error) {
      return { parts, failure: error };
    }
    return { parts, failure: undefined };
  }

  it('throws a retryable GatewayError on an error event mid-stream', async () => {
    tail = 'error';
    const { parts, failure } = await consume();
    assert.ok(failure instanceof GatewayError, String(failure));
    assert.equal(failure.code, 'provider_overloaded');
    assert.equal(failure.isRetryable, true);
    assert.ok(parts.some((part) => part.type === 'text-delta'));
    assert.ok(!parts.some((part) => part.type === 'finish'));
  });

  it('throws when the stream ends without message_stop', async () => {
    tail = 'truncated';
    const { failure } = await consume();
    assert.ok(failure instanceof GatewayError, String(failure));
    assert.equal(failure.code, 'provider_connection');
  });
});
