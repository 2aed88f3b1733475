import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { createOpenAIProvider } from '../../../src/providers/openai/index.js';
import type { Provider, ProviderCall } from '../../../src/providers/provider.js';
import { createOpenAISimulator } from '../../../src/testing/openai-simulator.js';
import type { Message, StreamPart } from '../../../src/core/types.js';
import { runProviderContract } from '../provider-contract.js';

runProviderContract({
  name: 'openai provider',
  createSimulator: () => createOpenAISimulator(),
  createProvider: (baseURL, apiKey) =>
    createOpenAIProvider('openai', { type: 'openai', apiKey, baseURL: `${baseURL}/v1` }),
  modelId: 'gpt-4o-mini',
  supports: {
    tools: true,
    images: true,
    json: true,
    embeddings: { modelId: 'text-embedding-3-small', dimensions: true },
  },
});

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
/** A system prompt long enough (over 1024 tokens) for OpenAI's automatic prompt caching. */
const LONG_SYSTEM = `You are a careful assistant. ${'Follow the house rules closely. '.repeat(160)}`;

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('openai provider (vendor specifics)', () => {
  const simulator = createOpenAISimulator();
  const configuredKey = 'sk-configured-key-0123456789';
  let provider: Provider;
  const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
    modelId: 'gpt-4o-mini',
    prompt: [user('Hello vendor')],
    abortSignal: new AbortController().signal,
    ...overrides,
  });
  const lastBody = (): Record<string, unknown> =>
    simulator.requests[simulator.requests.length - 1].body as Record<string, unknown>;

  beforeAll(async () => {
    const baseURL = await simulator.start();
    provider = await createOpenAIProvider('openai-eu', {
      type: 'openai',
      apiKey: configuredKey,
      baseURL: `${baseURL}/v1`,
      headers: { 'x-config-header': 'from-config' },
    });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('reports cached prompt tokens as cacheRead, in generate and in stream', async () => {
    const prompt = (question: string): Message[] => [{ role: 'system', content: LONG_SYSTEM }, user(question)];
    const first = await provider.generate(call({ prompt: prompt('First question') }));
    assert.equal(first.usage.inputTokens.cacheRead, 0);
    const second = await provider.generate(call({ prompt: prompt('Second question') }));
    const cached = simulator.totals.cachedInputTokens;
    assert.ok(cached >= 1024, `a cached prefix of at least 1024 tokens, got ${cached}`);
    assert.equal(second.usage.inputTokens.cacheRead, cached);
    assert.equal(second.usage.inputTokens.noCache, (second.usage.inputTokens.total ?? 0) - cached);
    simulator.reset();
    const { stream } = await provider.stream(call({ prompt: prompt('Third question') }));
    const finish = (await collect(stream)).find((part) => part.type === 'finish');
    assert.ok(finish && finish.type === 'finish');
    assert.equal(finish.usage.inputTokens.cacheRead, simulator.totals.cachedInputTokens);
    assert.ok((finish.usage.inputTokens.cacheRead ?? 0) >= 1024);
  });

  it('forwards prompt_cache_breakpoint from part options and reports cache writes', async () => {
    const prompt: Message[] = [
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: 'A short but reusable prefix',
            providerOptions: { openai: { promptCacheBreakpoint: { mode: 'explicit' } } },
          },
          { type: 'text', text: 'and a question' },
        ],
      },
    ];
    const result = await provider.generate(call({ prompt }));
    const messages = lastBody().messages as Array<{ content: Array<Record<string, unknown>> }>;
    assert.deepEqual(messages[0].content[0], {
      type: 'text',
      text: 'A short but reusable prefix',
      prompt_cache_breakpoint: { mode: 'explicit' },
    });
    assert.ok((result.usage.inputTokens.cacheWrite ?? 0) > 0);
    assert.equal(result.usage.inputTokens.cacheWrite, simulator.totals.cacheWriteTokens);
  });

  it('sends reasoning_effort to reasoning models and reports reasoning tokens', async () => {
    const result = await provider.generate(
      call({ modelId: 'o4-mini', reasoning: 'high', temperature: 0.5, prompt: [user('Think hard')] }),
    );
    assert.equal(lastBody().reasoning_effort, 'high');
    assert.equal(lastBody().temperature, undefined);
    assert.deepEqual(result.warnings, [{ type: 'unsupported', feature: 'temperature' }]);
    const reasoning = simulator.totals.reasoningTokens;
    assert.ok(reasoning > 0);
    assert.equal(result.usage.outputTokens.reasoning, reasoning);
    assert.equal(result.usage.outputTokens.text, (result.usage.outputTokens.total ?? 0) - reasoning);
  });

  it('drops reasoning effort for a model that does not reason, with a warning', async () => {
    const result = await provider.generate(call({ reasoning: 'medium' }));
    assert.equal(lastBody().reasoning_effort, undefined);
    assert.deepEqual(result.warnings, [
      { type: 'unsupported', feature: 'reasoning', details: 'gpt-4o-mini is not a reasoning model' },
    ]);
  });

  it('sends images as image_url parts (inline data and URLs)', async () => {
    await provider.generate(
      call({
        prompt: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these' },
              { type: 'file', mediaType: 'image/png', data: { type: 'data', data: PNG_1PX } },
              {
                type: 'file',
                mediaType: 'image/jpeg',
                data: { type: 'url', url: 'https://example.com/cat.jpg' },
                providerOptions: { openai: { imageDetail: 'low' } },
              },
            ],
          },
        ],
      }),
    );
    const messages = lastBody().messages as Array<{ content: unknown[] }>;
    assert.deepEqual(messages[0].content, [
      { type: 'text', text: 'Compare these' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
    ]);
  });

  it("maps the AI SDK's @ai-sdk/openai options to wire fields: camelCase, logprobs as a number, structuredOutputs, systemMessageMode", async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } } };
    const result = await provider.generate(
      call({
        prompt: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        ],
        responseFormat: { type: 'json', schema },
        providerOptions: {
          openai: {
            promptCacheKey: 'k1',
            safetyIdentifier: 's1',
            serviceTier: 'flex',
            textVerbosity: 'low',
            logprobs: 3,
            structuredOutputs: false,
            systemMessageMode: 'developer',
            forceReasoning: true,
            reasoningSummary: 'auto',
          },
        },
      }),
    );
    const body = lastBody();
    assert.equal(body.prompt_cache_key, 'k1');
    assert.equal(body.safety_identifier, 's1');
    assert.equal(body.service_tier, 'flex');
    assert.equal(body.verbosity, 'low');
    assert.equal(body.logprobs, true);
    assert.equal(body.top_logprobs, 3);
    assert.deepEqual(body.response_format, { type: 'json_object' }, 'structuredOutputs: false sends no schema');
    assert.equal((body.messages as Array<{ role: string }>)[0].role, 'developer');
    for (const field of ['structured_outputs', 'system_message_mode', 'force_reasoning', 'reasoning_summary'])
      assert.equal(field in body, false, field);
    assert.ok(
      result.warnings.some((warning) => warning.type === 'unsupported' && warning.feature === 'reasoningSummary'),
    );
  });

  it('sends the user as safety_identifier and parallelToolCalls with the tools', async () => {
    const tool = { type: 'function' as const, name: 'weather', inputSchema: { type: 'object', properties: {} } };
    await provider.generate(call({ user: 'u-9', parallelToolCalls: false, tools: [tool] }));
    assert.equal(lastBody().safety_identifier, 'u-9');
    assert.equal(lastBody().parallel_tool_calls, false);
    assert.equal('user' in lastBody(), false);
    await provider.generate(call({ parallelToolCalls: false }));
    assert.equal('parallel_tool_calls' in lastBody(), false, 'OpenAI rejects parallel_tool_calls without tools');
  });

  it('sends a JSON schema as a strict json_schema response_format', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' } },
      required: ['name'],
      additionalProperties: false,
    };
    const result = await provider.generate(
      call({
        prompt: [user('A name as JSON')],
        responseFormat: { type: 'json', schema, name: 'person', description: 'A person' },
      }),
    );
    assert.deepEqual(lastBody().response_format, {
      type: 'json_schema',
      json_schema: { name: 'person', description: 'A person', schema, strict: true },
    });
    assert.deepEqual(JSON.parse((result.content[0] as { text: string }).text), { name: 'sample' });
    await provider.generate(call({ prompt: [user('Any JSON')], responseFormat: { type: 'json' } }));
    assert.deepEqual(lastBody().response_format, { type: 'json_object' });
  });

  it('forwards tool strictness and maps the tool choice', async () => {
    const tool = {
      type: 'function' as const,
      name: 'weather',
      description: 'Weather',
      inputSchema: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
      strict: true,
    };
    const result = await provider.generate(
      call({ prompt: [user('Weather in Paris?')], tools: [tool], toolChoice: { type: 'tool', toolName: 'weather' } }),
    );
    assert.deepEqual(lastBody().tools, [
      {
        type: 'function',
        function: { name: 'weather', description: 'Weather', parameters: tool.inputSchema, strict: true },
      },
    ]);
    assert.deepEqual(lastBody().tool_choice, { type: 'function', function: { name: 'weather' } });
    assert.deepEqual(result.content, [
      { type: 'tool-call', toolCallId: 'call_sim_1', toolName: 'weather', input: '{"city":"sample"}' },
    ]);
  });

  it('converts a tool round trip into assistant tool_calls and tool messages', async () => {
    await provider.generate(
      call({
        prompt: [
          user('Weather?'),
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'hidden' },
              { type: 'tool-call', toolCallId: 'call_9', toolName: 'weather', input: { city: 'Oslo' } },
            ],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: 'call_9',
                toolName: 'weather',
                output: { type: 'text', value: 'snow' },
              },
            ],
          },
        ],
      }),
    );
    assert.deepEqual((lastBody().messages as unknown[]).slice(1), [
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_9', content: 'snow' },
    ]);
  });

  it('maps the sampling settings and warns about topK', async () => {
    const { stream, warnings } = await provider.stream(
      call({
        maxOutputTokens: 50,
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.3,
        stopSequences: ['END'],
      }),
    );
    const parts = await collect(stream);
    assert.deepEqual(warnings, [{ type: 'unsupported', feature: 'topK' }]);
    assert.deepEqual(parts[0], { type: 'stream-start', warnings });
    const body = lastBody();
    assert.equal(body.max_completion_tokens, 50);
    assert.equal(body.max_tokens, undefined);
    assert.deepEqual(
      [body.temperature, body.top_p, body.seed, body.presence_penalty, body.frequency_penalty, body.stop, body.top_k],
      [0.2, 0.9, 7, 0.1, 0.3, ['END'], undefined],
    );
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    const metadata = parts[1];
    assert.ok(
      metadata.type === 'response-metadata' &&
        metadata.modelId === 'gpt-4o-mini' &&
        metadata.id?.startsWith('chatcmpl-'),
    );
  });

  it('passes providerOptions of the type and of the instance name into the request', async () => {
    const result = await provider.generate(
      call({
        providerOptions: {
          openai: { user: 'u1', serviceTier: 'flex' },
          'openai-eu': { metadata: { team: 'a' } },
          anthropic: { ignored: true },
        },
      }),
    );
    const body = lastBody();
    assert.equal(body.user, 'u1');
    assert.equal(body.service_tier, 'flex');
    assert.deepEqual(body.metadata, { team: 'a' });
    assert.equal(body.ignored, undefined);
    assert.equal(result.providerMetadata?.openai?.serviceTier, 'flex');
  });

  it('uses BYOK credentials instead of the configured key, and sends call and config headers', async () => {
    await provider.generate(
      call({ credentials: { apiKey: 'sk-byok-key-abcdef123456' }, headers: { 'x-call-header': 'from-call' } }),
    );
    const headers = simulator.requests[0].headers;
    assert.equal(headers.authorization, 'Bearer sk-byok-key-abcdef123456');
    assert.equal(headers['x-call-header'], 'from-call');
    assert.equal(headers['x-config-header'], 'from-config');
    await provider.generate(call());
    assert.equal(simulator.requests[1].headers.authorization, `Bearer ${configuredKey}`);
  });

  it('keeps BYOK and configured keys out of error messages', async () => {
    simulator.script({ type: 'status', status: 401, message: 'Incorrect API key provided: sk-byok-key-abcdef123456' });
    await assert.rejects(
      provider.generate(call({ credentials: { apiKey: 'sk-byok-key-abcdef123456' } })),
      (error: unknown) => {
        assert.ok(error instanceof GatewayError && error.code === 'provider_authentication');
        assert.ok(!error.message.includes('sk-byok-key-abcdef123456'), error.message);
        return true;
      },
    );
  });

  it('fails without an API key before any request, naming the variable', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const keyless = await createOpenAIProvider('openai', { type: 'openai', baseURL: `${simulator.baseURL}/v1` });
      await assert.rejects(
        keyless.generate(call()),
        (error: unknown) =>
          error instanceof GatewayError &&
          error.code === 'provider_authentication' &&
          /OPENAI_API_KEY/.test(error.message),
      );
      assert.equal(simulator.requests.length, 0);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('maps a content_filter finish reason', async () => {
    simulator.configure({ reply: () => ({ text: 'partial', finishReason: 'content-filter' }) });
    const result = await provider.generate(call());
    assert.deepEqual(result.finishReason, { unified: 'content-filter', raw: 'content_filter' });
  });

  it('maps an SDK timeout to provider_timeout', async () => {
    simulator.script({ type: 'hang' });
    const impatient = await createOpenAIProvider('openai', {
      type: 'openai',
      apiKey: configuredKey,
      baseURL: `${simulator.baseURL}/v1`,
      timeoutMs: 50,
    });
    await assert.rejects(
      impatient.generate(call()),
      (error: unknown) => error instanceof GatewayError && error.code === 'provider_timeout',
    );
  });

  it('throws a GatewayError when the stream carries an error event', async () => {
    const chunk = {
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }],
    };
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(
        `data: ${JSON.stringify(chunk)}\n\ndata: {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}\n\n`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const broken = await createOpenAIProvider('openai', {
        type: 'openai',
        apiKey: configuredKey,
        baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      });
      const { stream } = await broken.stream(call());
      const seen: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const part of stream) seen.push(part.type);
        })(),
        (error: unknown) =>
          error instanceof GatewayError && error.code === 'provider_error' && /server had an error/.test(error.message),
      );
      assert.ok(seen.includes('text-delta') && !seen.includes('finish'));
    } finally {
      server.close();
    }
  });

  it('uses an injected SDK client', async () => {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({
      apiKey: 'sk-injected-key-0123456789',
      baseURL: `${simulator.baseURL}/v1`,
      maxRetries: 0,
    });
    const injected = await createOpenAIProvider('openai', { type: 'openai', client });
    await injected.generate(call());
    assert.equal(simulator.requests[0].headers.authorization, 'Bearer sk-injected-key-0123456789');
  });
});
