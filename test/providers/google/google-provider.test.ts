import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { createGoogleProvider } from '../../../src/providers/google/index.js';
import type { Provider, ProviderCall } from '../../../src/providers/provider.js';
import {
  createGoogleProtocol,
  createGoogleSimulator,
  googleErrorResponse,
} from '../../../src/testing/google-simulator.js';
import { countTokens, Simulator } from '../../../src/testing/simulator-server.js';
import type { Message, StreamPart } from '../../../src/core/types.js';
import { runProviderContract } from '../provider-contract.js';

runProviderContract({
  name: 'google provider',
  createSimulator: () => createGoogleSimulator(),
  createProvider: (baseURL, apiKey) => createGoogleProvider('google', { type: 'google', apiKey, baseURL }),
  modelId: 'gemini-2.5-flash',
  supports: {
    tools: true,
    images: true,
    json: true,
    embeddings: { modelId: 'gemini-embedding-001', dimensions: true },
  },
});

const MODEL = 'gemini-2.5-flash';
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const weather = {
  type: 'function' as const,
  name: 'weather',
  description: 'Weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const time = {
  type: 'function' as const,
  name: 'time',
  inputSchema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
};
type Body = Record<string, unknown> & {
  contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>;
  generationConfig?: Record<string, unknown>;
};

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('google provider (vendor specifics)', () => {
  const simulator = createGoogleSimulator({ implicitCacheMinTokens: 64 });
  const configuredKey = 'AIzaConfiguredKey-0123456789abcdefghij';
  let provider: Provider;
  const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
    modelId: MODEL,
    prompt: [user('Hello vendor')],
    abortSignal: new AbortController().signal,
    ...overrides,
  });
  const lastRequest = () => simulator.requests[simulator.requests.length - 1];
  const lastBody = (): Body => lastRequest().body as Body;

  beforeAll(async () => {
    const baseURL = await simulator.start();
    provider = await createGoogleProvider('gemini-eu', {
      type: 'google',
      apiKey: configuredKey,
      baseURL,
      headers: { 'x-config-header': 'from-config' },
    });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('sends the system instruction, generation config, key and headers on the v1beta path', async () => {
    const result = await provider.generate(
      call({
        prompt: [
          { role: 'system', content: 'Be brief.' },
          { role: 'system', content: 'Be kind.' },
          user('Hello vendor'),
        ],
        maxOutputTokens: 50,
        temperature: 0.3,
        topP: 0.9,
        topK: 40,
        seed: 7,
        stopSequences: ['END'],
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        headers: { 'x-call-header': 'from-call' },
      }),
    );
    const request = lastRequest();
    assert.equal(request.path, `/v1beta/models/${MODEL}:generateContent`);
    assert.equal(request.headers['x-goog-api-key'], configuredKey);
    assert.equal(request.headers['x-config-header'], 'from-config');
    assert.equal(request.headers['x-call-header'], 'from-call');
    const body = lastBody();
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be brief.\n\nBe kind.' }], role: 'user' });
    assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Hello vendor' }] }]);
    assert.deepEqual(body.generationConfig, {
      maxOutputTokens: 50,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      seed: 7,
    });
    assert.deepEqual(result.warnings, []);
    assert.equal(result.responseModelId, MODEL);
    assert.match(result.responseId ?? '', /^google-sim-/);
  });

  it('declares functions with JSON schemas and maps every tool choice to a function calling mode', async () => {
    const cases: Array<[ProviderCall['toolChoice'], Record<string, unknown> | undefined]> = [
      [undefined, undefined],
      [{ type: 'auto' }, { mode: 'AUTO' }],
      [{ type: 'none' }, { mode: 'NONE' }],
      [{ type: 'required' }, { mode: 'ANY' }],
      [
        { type: 'tool', toolName: 'time' },
        { mode: 'ANY', allowedFunctionNames: ['time'] },
      ],
    ];
    for (const [toolChoice, expected] of cases) {
      const result = await provider.generate(call({ tools: [weather, time], ...(toolChoice ? { toolChoice } : {}) }));
      const body = lastBody();
      assert.deepEqual(body.tools, [
        {
          functionDeclarations: [
            { name: 'weather', description: 'Weather for a city', parametersJsonSchema: weather.inputSchema },
            { name: 'time', parametersJsonSchema: time.inputSchema },
          ],
        },
      ]);
      assert.deepEqual(
        (body.toolConfig as { functionCallingConfig?: unknown } | undefined)?.functionCallingConfig,
        expected,
      );
      if (toolChoice?.type === 'tool') {
        const toolCall = result.content.find((part) => part.type === 'tool-call');
        assert.ok(
          toolCall &&
            toolCall.type === 'tool-call' &&
            toolCall.toolName === 'time' &&
            toolCall.input === '{"zone":"sample"}',
        );
      }
    }
  });

  it('gives parallel function calls distinct stable ids and sends their results back as one functionResponse turn', async () => {
    const first = await provider.generate(
      call({ prompt: [user('Use all tools in parallel please')], tools: [weather, time] }),
    );
    const calls = first.content.filter((part) => part.type === 'tool-call');
    assert.equal(calls.length, 2);
    assert.equal(new Set(calls.map((part) => part.toolCallId)).size, 2);
    assert.ok(
      calls.every((part) => part.toolCallId.startsWith(first.responseId ?? '?')),
      'ids derive from the response id',
    );
    assert.equal(first.finishReason.unified, 'tool-calls');
    assert.equal(first.finishReason.raw, 'STOP');

    const result = await provider.generate(
      call({
        tools: [weather, time],
        prompt: [
          user('Use all tools in parallel please'),
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Calling both.' },
              {
                type: 'tool-call',
                toolCallId: 'a',
                toolName: 'weather',
                input: { city: 'Paris' },
                providerOptions: { google: { thoughtSignature: 'c2lnbmF0dXJl' } },
              },
              { type: 'tool-call', toolCallId: 'b', toolName: 'time', input: '{"zone":"CET"}' },
            ],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: 'a',
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
                toolCallId: 'b',
                toolName: 'time',
                output: { type: 'error-text', value: 'no clock' },
              },
            ],
          },
        ],
      }),
    );
    assert.equal(result.finishReason.unified, 'stop');
    const contents = lastBody().contents;
    assert.deepEqual(contents[1], {
      role: 'model',
      parts: [
        { text: 'Calling both.' },
        { functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJl' },
        { functionCall: { name: 'time', args: { zone: 'CET' } } },
      ],
    });
    assert.deepEqual(contents[2], {
      role: 'user',
      parts: [
        { functionResponse: { name: 'weather', response: { output: { temperature: 21 } } } },
        { functionResponse: { name: 'time', response: { error: 'no clock' } } },
      ],
    });
    assert.equal(contents.length, 3);
  });

  it('streams a whole function call as start, one delta, end and call, with its thought signature', async () => {
    const { stream } = await provider.stream(
      call({
        prompt: [user('Please use the tool')],
        tools: [weather],
        toolChoice: { type: 'required' },
        reasoning: 'low',
      }),
    );
    const parts = await collect(stream);
    const types = parts.map((part) => part.type).filter((type) => type.startsWith('tool'));
    assert.deepEqual(types, ['tool-input-start', 'tool-input-delta', 'tool-input-end', 'tool-call']);
    const toolCall = parts.find((part) => part.type === 'tool-call');
    assert.ok(toolCall && toolCall.type === 'tool-call');
    assert.equal(toolCall.input, '{"city":"sample"}');
    const signature = toolCall.providerMetadata?.google?.thoughtSignature;
    assert.ok(
      typeof signature === 'string' && /^[A-Za-z0-9+/=]+$/.test(signature),
      'the thought signature of the call',
    );
    const start = parts.find((part) => part.type === 'tool-input-start');
    assert.equal(start && start.type === 'tool-input-start' ? start.id : undefined, toolCall.toolCallId);
  });

  it('streams the thought signature of a text answer (on its last, empty part) as metadata of a text delta, as generate keeps it', async () => {
    const generated = await provider.generate(call({ reasoning: 'low' }));
    const text = generated.content.find((part) => part.type === 'text');
    assert.ok(
      text && text.type === 'text' && typeof text.providerMetadata?.google?.thoughtSignature === 'string',
      'generate keeps the signature of the text',
    );
    const { stream } = await provider.stream(call({ reasoning: 'low' }));
    const parts = await collect(stream);
    const signed = parts.filter(
      (part) => part.type === 'text-delta' && part.providerMetadata?.google?.thoughtSignature !== undefined,
    );
    assert.equal(signed.length, 1);
    assert.match(
      String(signed[0].type === 'text-delta' ? signed[0].providerMetadata?.google?.thoughtSignature : ''),
      /^[A-Za-z0-9+/=]+$/,
    );
  });

  it('asks for JSON with responseMimeType and responseJsonSchema', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
    const result = await provider.generate(call({ responseFormat: { type: 'json', schema, name: 'person' } }));
    assert.deepEqual(lastBody().generationConfig, { responseMimeType: 'application/json', responseJsonSchema: schema });
    assert.deepEqual(JSON.parse((result.content[0] as { text: string }).text), { name: 'sample' });
    await provider.generate(call({ responseFormat: { type: 'json' } }));
    assert.deepEqual(lastBody().generationConfig, { responseMimeType: 'application/json' });
  });

  it('maps reasoning effort to a thinking budget with thoughts, and thoughts to reasoning and usage', async () => {
    const result = await provider.generate(call({ reasoning: 'low' }));
    assert.deepEqual(lastBody().generationConfig?.thinkingConfig, { thinkingBudget: 2048, includeThoughts: true });
    assert.deepEqual(
      result.content.map((part) => part.type),
      ['reasoning', 'text'],
    );
    assert.equal((result.content[0] as { text: string }).text, 'Thinking about: Hello vendor');
    const totals = simulator.totals;
    assert.ok(totals.reasoningTokens > 0);
    assert.equal(result.usage.outputTokens.reasoning, totals.reasoningTokens);
    assert.equal(result.usage.outputTokens.total, totals.outputTokens, 'candidates plus thoughts');
    assert.equal(result.usage.outputTokens.text, totals.outputTokens - totals.reasoningTokens);

    const none = await provider.generate(call({ reasoning: 'none' }));
    assert.deepEqual(lastBody().generationConfig?.thinkingConfig, { thinkingBudget: 0 });
    assert.ok(!none.content.some((part) => part.type === 'reasoning'));

    const capped = await provider.generate(call({ reasoning: 'max' }));
    assert.deepEqual(lastBody().generationConfig?.thinkingConfig, { thinkingBudget: 24576, includeThoughts: true });
    assert.equal(capped.warnings[0]?.type, 'compatibility');

    await provider.generate(call({ modelId: 'gemini-3-pro-preview', reasoning: 'high' }));
    assert.deepEqual(lastBody().generationConfig?.thinkingConfig, { thinkingLevel: 'HIGH', includeThoughts: true });

    await provider.generate(call({ reasoning: 'provider-default' }));
    assert.deepEqual(lastBody().generationConfig, {}, 'no thinking config');
  });

  it('streams thoughts as a reasoning block before the text', async () => {
    const { stream } = await provider.stream(call({ reasoning: 'medium' }));
    const parts = await collect(stream);
    const types = parts.map((part) => part.type);
    assert.ok(types.indexOf('reasoning-start') < types.indexOf('reasoning-end'));
    assert.ok(types.indexOf('reasoning-end') < types.indexOf('text-start'));
    const reasoning = parts
      .filter((part) => part.type === 'reasoning-delta')
      .map((part) => (part as { delta: string }).delta)
      .join('');
    assert.equal(reasoning, 'Thinking about: Hello vendor');
    const finish = parts.at(-1);
    assert.ok(finish?.type === 'finish');
    assert.equal(finish.usage.outputTokens.reasoning, simulator.totals.reasoningTokens);
  });

  it('reports implicitly cached prompt tokens as cacheRead', async () => {
    const system = 'You are a meticulous assistant. '.repeat(20);
    const prompt: Message[] = [{ role: 'system', content: system }, user('First question')];
    const first = await provider.generate(call({ prompt }));
    assert.equal(first.usage.inputTokens.cacheRead, 0);
    const second = await provider.generate(
      call({
        prompt: [
          ...prompt,
          { role: 'assistant', content: [{ type: 'text', text: 'Answer.' }] },
          user('Second question'),
        ],
      }),
    );
    const cached = countTokens(`${system}\nFirst question`);
    assert.equal(second.usage.inputTokens.cacheRead, cached);
    assert.equal(second.usage.inputTokens.total, simulator.requests[1].usage?.inputTokens);
    assert.equal(second.usage.inputTokens.noCache, (second.usage.inputTokens.total ?? 0) - cached);
  });

  it('sends inline image data and file URIs', async () => {
    await provider.generate(
      call({
        prompt: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these' },
              { type: 'file', mediaType: 'image/png', data: { type: 'data', data: PNG_1PX } },
              { type: 'file', mediaType: 'image/png', data: { type: 'data', data: Buffer.from(PNG_1PX, 'base64') } },
              {
                type: 'file',
                mediaType: 'application/pdf',
                data: { type: 'url', url: 'https://example.com/report.pdf' },
              },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(lastBody().contents[0].parts.slice(1), [
      { inlineData: { mimeType: 'image/png', data: PNG_1PX } },
      { inlineData: { mimeType: 'image/png', data: PNG_1PX } },
      { fileData: { mimeType: 'application/pdf', fileUri: 'https://example.com/report.pdf' } },
    ]);
    assert.equal(simulator.requests[0].usage?.inputTokens, countTokens('Compare these') + 3 * 85);
  });

  it('passes providerOptions through and warns about what it cannot send', async () => {
    const safetySettings = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    const result = await provider.generate(
      call({
        tools: [{ ...weather, strict: true }],
        providerOptions: {
          google: {
            safetySettings,
            thinkingConfig: { thinkingBudget: 100 },
            routingConfig: { autoMode: {} },
            bogus: 1,
            extraBody: { generationConfig: { candidateCount: 1 } },
          },
          'gemini-eu': { tools: [{ googleSearch: {} }] },
        },
      }),
    );
    const body = lastBody();
    assert.deepEqual(body.safetySettings, safetySettings);
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          { name: 'weather', description: 'Weather for a city', parametersJsonSchema: weather.inputSchema },
        ],
      },
      { googleSearch: {} },
    ]);
    assert.deepEqual(body.generationConfig, { thinkingConfig: { thinkingBudget: 100 }, candidateCount: 1 });
    assert.ok(!('routingConfig' in body) && !('bogus' in body));
    assert.deepEqual(
      result.warnings.map((warning) => (warning.type === 'other' ? warning.message : warning.feature)),
      ['tools.strict', 'providerOptions.routingConfig', 'providerOptions.bogus'],
    );

    const { stream, warnings } = await provider.stream(call({ providerOptions: { google: { bogus: true } } }));
    const parts = await collect(stream);
    assert.deepEqual(parts[0], { type: 'stream-start', warnings });
    assert.equal(warnings.length, 1);
  });

  it("takes @ai-sdk/google's options: thinkingConfig as the wire's own names, structuredOutputs: false as JSON without a schema", async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } } };
    const result = await provider.generate(
      call({
        responseFormat: { type: 'json', schema },
        tools: [weather],
        parallelToolCalls: false,
        providerOptions: {
          google: { structuredOutputs: false, thinkingConfig: { thinkingBudget: 0, includeThoughts: false } },
        },
      }),
    );
    const generationConfig = lastBody().generationConfig ?? {};
    assert.equal(generationConfig.responseMimeType, 'application/json');
    assert.equal('responseJsonSchema' in generationConfig, false);
    assert.deepEqual(generationConfig.thinkingConfig, { thinkingBudget: 0, includeThoughts: false });
    assert.deepEqual(
      result.warnings.map((warning) => (warning.type === 'other' ? warning.message : warning.feature)),
      ['parallelToolCalls'],
    );
  });

  it('maps a safety stop to content-filter', async () => {
    simulator.configure({ reply: () => ({ text: 'Partial', finishReason: 'content-filter' }) });
    const result = await provider.generate(call());
    assert.deepEqual(result.finishReason, { unified: 'content-filter', raw: 'SAFETY' });
    const { stream } = await provider.stream(call());
    const finish = (await collect(stream)).at(-1);
    assert.ok(
      finish?.type === 'finish' &&
        finish.finishReason.raw === 'SAFETY' &&
        finish.finishReason.unified === 'content-filter',
    );
  });

  it('sends a BYOK key instead of the configured one', async () => {
    const byok = 'AIzaByokKey-abcdefghijklmnopqrstuvwx';
    await provider.generate(call({ credentials: { apiKey: byok } }));
    assert.equal(lastRequest().headers['x-goog-api-key'], byok);
    await provider.generate(call());
    assert.equal(lastRequest().headers['x-goog-api-key'], configuredKey);
  });

  it('refuses an empty prompt before sending anything', async () => {
    const error = await rejection(provider.generate(call({ prompt: [] })));
    assert.equal(error.code, 'provider_invalid_request');
    assert.equal(simulator.requests.length, 0);
  });
});

describe('google provider (auth, errors and timeouts)', () => {
  const key = 'AIzaRightKey-0123456789abcdefghijklmn';
  const simulator = createGoogleSimulator({ apiKey: key });
  const retryInfo = new Simulator({
    ...createGoogleProtocol(),
    errorResponse: (status, message) =>
      googleErrorResponse(status, message, [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }]),
  });
  let baseURL: string;
  const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
    modelId: MODEL,
    prompt: [user('Hi')],
    abortSignal: new AbortController().signal,
    ...overrides,
  });

  beforeAll(async () => {
    baseURL = await simulator.start();
    await retryInfo.start();
  });
  afterAll(async () => {
    await simulator.close();
    await retryInfo.close();
  });
  beforeEach(() => {
    simulator.reset();
  });

  it("maps Google's 400 for an invalid API key to provider_authentication, without the key", async () => {
    const wrong = 'AIzaWrongKey-0123456789abcdefghijklmn';
    const provider = await createGoogleProvider('google', { type: 'google', apiKey: wrong, baseURL });
    const error = await rejection(provider.generate(call()));
    assert.equal(error.code, 'provider_authentication');
    assert.equal(error.upstreamStatus, 400);
    assert.match(error.message, /API key not valid/);
    assert.ok(!error.message.includes(wrong));
    const byok = await provider.generate(call({ credentials: { apiKey: key } }));
    assert.equal(byok.finishReason.unified, 'stop');
  });

  it('fails without an API key before any request', async () => {
    const saved = [process.env.GOOGLE_API_KEY, process.env.GEMINI_API_KEY];
    delete process.env.GOOGLE_API_KEY;
    delete process.env.GEMINI_API_KEY;
    try {
      const provider = await createGoogleProvider('google', { type: 'google', baseURL });
      const error = await rejection(provider.generate(call()));
      assert.equal(error.code, 'provider_authentication');
      assert.equal(simulator.requests.length, 0);
    } finally {
      if (saved[0] !== undefined) process.env.GOOGLE_API_KEY = saved[0];
      if (saved[1] !== undefined) process.env.GEMINI_API_KEY = saved[1];
    }
  });

  it('reads the retry delay from RetryInfo when there is no Retry-After header', async () => {
    retryInfo.script({ type: 'status', status: 429 });
    const provider = await createGoogleProvider('google', { type: 'google', apiKey: key, baseURL: retryInfo.baseURL });
    const error = await rejection(provider.generate(call()));
    assert.equal(error.code, 'provider_rate_limited');
    assert.equal(error.retryAfterMs, 7000);
    assert.match(error.message, /RESOURCE_EXHAUSTED/);
  });

  it('times out a call whose response does not start within timeoutMs', async () => {
    simulator.script({ type: 'hang' });
    const provider = await createGoogleProvider('google', { type: 'google', apiKey: key, baseURL, timeoutMs: 100 });
    const error = await rejection(provider.generate(call()));
    assert.equal(error.code, 'provider_timeout');
  });

  it('keeps a stream alive past timeoutMs once it has started', async () => {
    simulator.configure({ tokensPerSecond: 40 });
    const provider = await createGoogleProvider('google', { type: 'google', apiKey: key, baseURL, timeoutMs: 100 });
    const { stream } = await provider.stream(
      call({ prompt: [user('one two three four five six seven eight nine ten')] }),
    );
    const parts = await collect(stream);
    assert.equal(parts.at(-1)?.type, 'finish');
  });

  it('throws a GatewayError for an error event inside a stream', async () => {
    const failing = new Simulator({
      ...createGoogleProtocol(),
      render: () => ({
        kind: 'stream',
        contentType: 'text/event-stream',
        chunks: [
          {
            data: `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }] })}\n\n`,
            content: true,
          },
          {
            data: `data: ${JSON.stringify({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } })}\n\n`,
            content: true,
          },
        ],
      }),
    });
    const url = await failing.start();
    try {
      const provider = await createGoogleProvider('google', { type: 'google', apiKey: key, baseURL: url });
      const { stream } = await provider.stream(call());
      const error = await rejection(collect(stream));
      assert.equal(error.code, 'provider_overloaded');
      assert.match(error.message, /overloaded/);
    } finally {
      await failing.close();
    }
  });

  it('finishes with content-filter when the prompt itself is blocked', async () => {
    const blocking = new Simulator({
      ...createGoogleProtocol(),
      render: () => ({
        kind: 'json',
        status: 200,
        body: {
          promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
          usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 },
        },
      }),
    });
    const url = await blocking.start();
    try {
      const provider = await createGoogleProvider('google', { type: 'google', apiKey: key, baseURL: url });
      const result = await provider.generate(call());
      assert.deepEqual(result.finishReason, { unified: 'content-filter', raw: 'PROHIBITED_CONTENT' });
      assert.deepEqual(result.content, []);
      assert.equal(result.usage.inputTokens.total, 3);
    } finally {
      await blocking.close();
    }
  });
});
