import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { createBedrockProvider } from '../../../src/providers/bedrock/index.js';
import type { Provider, ProviderCall, ProviderConfig } from '../../../src/providers/provider.js';
import { createBedrockSimulator } from '../../../src/testing/bedrock-simulator.js';
import type { ContentPart, Message, StreamPart } from '../../../src/core/types.js';
import { runProviderContract } from '../provider-contract.js';
import { waitFor } from '../../helpers/wait-for.js';

// The AWS SDK must never read this machine's credentials or config: every client gets explicit
// credentials and a region, and the shared config files point nowhere.
process.env.AWS_CONFIG_FILE = '/nonexistent/switchyard-test/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/switchyard-test/aws-credentials';
for (const name of [
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
  'AWS_AUTH_SCHEME_PREFERENCE',
])
  delete process.env[name];

const CLAUDE = 'anthropic.claude-sonnet-4-20250514-v1:0';
const config = (baseURL: string, secretAccessKey: string, extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
  type: 'bedrock',
  baseURL,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDCONFIGURED0001', secretAccessKey },
  ...extra,
});

runProviderContract({
  name: 'bedrock provider',
  createSimulator: () => createBedrockSimulator(),
  createProvider: (baseURL, apiKey) => createBedrockProvider('bedrock', config(baseURL, apiKey)),
  modelId: CLAUDE,
  supports: {
    tools: true,
    images: true,
    json: true,
    embeddings: { modelId: 'amazon.titan-embed-text-v2:0', dimensions: true },
  },
});

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY01';

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

async function failure(run: () => Promise<unknown>): Promise<GatewayError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof GatewayError, `a GatewayError, got ${String(error)}`);
    return error;
  }
  return assert.fail('expected a failure');
}

const textOf = (content: ContentPart[]): string =>
  content.map((part) => (part.type === 'text' ? part.text : '')).join('');

describe('bedrock provider (vendor specifics)', () => {
  const simulator = createBedrockSimulator({ auth: { invalidAccessKeyIds: ['AKIDREVOKED0000001'] } });
  let provider: Provider;
  const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
    modelId: CLAUDE,
    prompt: [user('Hello vendor')],
    abortSignal: new AbortController().signal,
    ...overrides,
  });
  const lastRequest = () => simulator.requests[simulator.requests.length - 1];
  const lastBody = (): Record<string, any> => lastRequest().body as Record<string, any>;

  beforeAll(async () => {
    const baseURL = await simulator.start();
    provider = await createBedrockProvider(
      'bedrock-east',
      config(baseURL, SECRET, { headers: { 'x-config-header': 'from-config' } }),
    );
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  for (const modelId of [
    'meta.llama3-3-70b-instruct-v1:0',
    'amazon.nova-lite-v1:0',
    'mistral.mistral-large-2407-v1:0',
  ]) {
    it(`answers text with ${modelId}, in generate and stream`, async () => {
      const result = await provider.generate(
        call({ modelId, prompt: [{ role: 'system', content: 'Be brief.' }, user('Hi from another family')] }),
      );
      assert.equal(textOf(result.content), 'You said: Hi from another family');
      assert.equal(result.finishReason.unified, 'stop');
      assert.equal(result.responseModelId, modelId);
      assert.equal(lastRequest().path, `/model/${encodeURIComponent(modelId)}/converse`);
      assert.deepEqual(lastBody().system, [{ text: 'Be brief.' }]);
      const parts = await collect(
        (await provider.stream(call({ modelId, prompt: [user('Stream from another family')] }))).stream,
      );
      assert.equal(
        parts
          .filter((part) => part.type === 'text-delta')
          .map((part) => (part as { delta: string }).delta)
          .join(''),
        'You said: Stream from another family',
      );
      assert.equal(lastRequest().path, `/model/${encodeURIComponent(modelId)}/converse-stream`);
    });
  }

  it('embeds with Cohere Embed on Bedrock, counting tokens from the response header', async () => {
    assert.ok(provider.embed);
    const result = await provider.embed({
      modelId: 'cohere.embed-english-v3',
      values: ['alpha', 'beta gamma'],
      abortSignal: new AbortController().signal,
      providerOptions: { bedrock: { input_type: 'search_query' } },
    });
    assert.equal(result.embeddings.length, 2);
    assert.equal(result.embeddings[0].length, 1024);
    assert.notDeepEqual(result.embeddings[0], result.embeddings[1]);
    assert.equal(result.usage.tokens, simulator.totals.inputTokens);
    assert.ok((result.usage.tokens ?? 0) > 0);
    assert.equal(simulator.requests.length, 1, 'one call for both values');
    assert.deepEqual(lastBody(), { texts: ['alpha', 'beta gamma'], input_type: 'search_query' });
  });

  it('sends one Titan call per value, with dimensions and no cross-talk', async () => {
    assert.ok(provider.embed);
    const result = await provider.embed({
      modelId: 'amazon.titan-embed-text-v2:0',
      values: ['one', 'two', 'three'],
      dimensions: 256,
      abortSignal: new AbortController().signal,
    });
    assert.equal(simulator.requests.length, 3);
    assert.deepEqual(simulator.requests.map((request) => (request.body as { inputText: string }).inputText).sort(), [
      'one',
      'three',
      'two',
    ]);
    assert.ok(simulator.requests.every((request) => (request.body as { dimensions: number }).dimensions === 256));
    assert.deepEqual(
      result.embeddings.map((vector) => vector.length),
      [256, 256, 256],
    );
    assert.equal(result.usage.tokens, simulator.totals.inputTokens);
  });

  it('adds cache points and reports cache writes, then cache reads (inputTokens excludes them)', async () => {
    const prompt = (question: string): Message[] => [
      {
        role: 'system',
        content: 'You are the switchyard assistant. Answer from the long manual.',
        providerOptions: { bedrock: { cachePoint: true } },
      },
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: 'The manual: routes, offerings, strategies and billing.',
            providerOptions: { bedrock: { cachePoint: { type: 'default' } } },
          },
          { type: 'text', text: question },
        ],
      },
    ];
    const first = await provider.generate(call({ prompt: prompt('First question?') }));
    assert.deepEqual(lastBody().system, [
      { text: 'You are the switchyard assistant. Answer from the long manual.' },
      { cachePoint: { type: 'default' } },
    ]);
    assert.deepEqual(lastBody().messages[0].content[1], { cachePoint: { type: 'default' } });
    assert.equal(first.usage.inputTokens.cacheRead, 0);
    assert.ok((first.usage.inputTokens.cacheWrite ?? 0) > 0);
    assert.equal(first.usage.inputTokens.cacheWrite, simulator.totals.cacheWriteTokens);
    assert.equal(first.usage.inputTokens.cacheWriteOneHour, undefined, '5-minute writes only');
    assert.equal(first.usage.inputTokens.total, simulator.totals.inputTokens);

    simulator.requests.length = 0;
    const second = await provider.generate(call({ prompt: prompt('Second question?') }));
    const cached = simulator.totals.cachedInputTokens;
    assert.ok(cached > 0, 'a cached prefix');
    assert.equal(second.usage.inputTokens.cacheRead, cached);
    assert.equal(second.usage.inputTokens.total, simulator.totals.inputTokens, 'the total includes the cached tokens');
    assert.equal(
      second.usage.inputTokens.noCache,
      simulator.totals.inputTokens - cached - (second.usage.inputTokens.cacheWrite ?? 0),
    );

    simulator.requests.length = 0;
    const parts = await collect((await provider.stream(call({ prompt: prompt('Third question?') }))).stream);
    const finish = parts.find((part) => part.type === 'finish');
    assert.ok(finish && finish.type === 'finish');
    assert.equal(finish.usage.inputTokens.cacheRead, simulator.totals.cachedInputTokens);
    assert.equal(finish.usage.inputTokens.total, simulator.totals.inputTokens);
  });

  it("turns Anthropic's cache breakpoints (the Anthropic dialect's, @ai-sdk/anthropic's) into cache points for Claude, and reads the cache", async () => {
    const marker = { anthropic: { cacheControl: { type: 'ephemeral', ttl: '1h' } } };
    const system = 'You are the switchyard assistant, caching through the Anthropic spelling. '.repeat(20);
    const prompt = (question: string): Message[] => [
      { role: 'system', content: system, providerOptions: marker },
      user(question),
    ];
    const first = await provider.generate(
      call({
        prompt: prompt('First?'),
        tools: [
          {
            type: 'function',
            name: 'lookup',
            inputSchema: { type: 'object', properties: {} },
            providerOptions: marker,
          },
        ],
      }),
    );
    assert.deepEqual(lastBody().system[1], { cachePoint: { type: 'default', ttl: '1h' } });
    assert.deepEqual(lastBody().toolConfig.tools[1], { cachePoint: { type: 'default', ttl: '1h' } });
    assert.ok((first.usage.inputTokens.cacheWrite ?? 0) > 0);
    // Bedrock's cacheDetails say the writes were for an hour, which costs more: the usage keeps the split.
    assert.equal(first.usage.inputTokens.cacheWriteOneHour, first.usage.inputTokens.cacheWrite);
    const second = await provider.generate(
      call({
        prompt: prompt('Second?'),
        tools: [
          {
            type: 'function',
            name: 'lookup',
            inputSchema: { type: 'object', properties: {} },
            providerOptions: marker,
          },
        ],
      }),
    );
    assert.ok((second.usage.inputTokens.cacheRead ?? 0) > 0);
    await provider.generate(call({ modelId: 'meta.llama3-3-70b-instruct-v1:0', prompt: prompt('No cache on Llama') }));
    assert.deepEqual(lastBody().system, [{ text: system }], 'no cache point for a model family without prompt caching');
  });

  it("adds a cache point after the prompt for providerOptions.gateway.caching 'auto', unless the caller placed one", async () => {
    await provider.generate(call({ prompt: [user('Cache me')], providerOptions: { gateway: { caching: 'auto' } } }));
    assert.deepEqual(lastBody().messages[0].content, [{ text: 'Cache me' }, { cachePoint: { type: 'default' } }]);
    await provider.generate(
      call({
        prompt: [
          { role: 'system', content: 'Mine', providerOptions: { bedrock: { cachePoint: true } } },
          user('Not twice'),
        ],
        providerOptions: { gateway: { caching: 'auto' } },
      }),
    );
    assert.deepEqual(lastBody().messages[0].content, [{ text: 'Not twice' }]);
    await provider.generate(
      call({
        modelId: 'meta.llama3-3-70b-instruct-v1:0',
        prompt: [user('Llama')],
        providerOptions: { gateway: { caching: 'auto' } },
      }),
    );
    assert.deepEqual(lastBody().messages[0].content, [{ text: 'Llama' }]);
  });

  it("maps @ai-sdk/amazon-bedrock's reasoningConfig to Claude's thinking (budget_tokens), and warns about parallelToolCalls", async () => {
    const tool = { type: 'function' as const, name: 'lookup', inputSchema: { type: 'object', properties: {} } };
    const result = await provider.generate(
      call({
        maxOutputTokens: 500,
        parallelToolCalls: false,
        tools: [tool],
        providerOptions: { bedrock: { reasoningConfig: { type: 'enabled', budgetTokens: 1024 } } },
      }),
    );
    assert.deepEqual(lastBody().additionalModelRequestFields, { thinking: { type: 'enabled', budget_tokens: 1024 } });
    assert.equal(lastBody().inferenceConfig.maxTokens, 1524);
    assert.ok(
      result.warnings.some((warning) => warning.type === 'unsupported' && warning.feature === 'parallelToolCalls'),
    );
    // What reached Claude before: the AI SDK's spelling, which Claude rejects.
    await assert.rejects(
      provider.generate(
        call({
          providerOptions: {
            bedrock: { additionalModelRequestFields: { thinking: { type: 'enabled', budgetTokens: 1024 } } },
          },
        }),
      ),
      (error: unknown) => error instanceof GatewayError && error.code === 'provider_invalid_request',
    );
    await assert.rejects(
      provider.generate(
        call({
          providerOptions: { bedrock: { additionalModelRequestFields: { reasoningConfig: { type: 'enabled' } } } },
        }),
      ),
      (error: unknown) => error instanceof GatewayError && error.code === 'provider_invalid_request',
    );
  });

  it('asks Claude to think and returns reasoning with its signature, in generate and stream', async () => {
    const result = await provider.generate(
      call({ prompt: [user('Think about routing')], reasoning: 'low', maxOutputTokens: 500 }),
    );
    assert.deepEqual(lastBody().additionalModelRequestFields, { thinking: { type: 'enabled', budget_tokens: 2048 } });
    assert.equal(lastBody().inferenceConfig.maxTokens, 2548);
    const reasoning = result.content.find((part) => part.type === 'reasoning');
    assert.ok(reasoning && reasoning.type === 'reasoning');
    assert.equal(reasoning.text, 'Thinking about: Think about routing');
    assert.equal(typeof reasoning.providerMetadata?.bedrock?.signature, 'string');
    assert.equal(result.content[result.content.length - 1].type, 'text');
    assert.deepEqual(
      result.usage.outputTokens,
      { total: simulator.totals.outputTokens, text: undefined, reasoning: undefined },
      'Bedrock does not split reasoning tokens out',
    );

    const parts = await collect(
      (await provider.stream(call({ prompt: [user('Think about routing')], reasoning: 'high' }))).stream,
    );
    const types = parts.map((part) => part.type);
    assert.ok(types.indexOf('reasoning-start') < types.indexOf('reasoning-delta'));
    assert.ok(types.indexOf('reasoning-end') < types.indexOf('text-start'), 'reasoning comes before the text');
    assert.equal(
      parts
        .filter((part) => part.type === 'reasoning-delta')
        .map((part) => (part as { delta: string }).delta)
        .join(''),
      'Thinking about: Think about routing',
    );
    const end = parts.find((part) => part.type === 'reasoning-end');
    assert.ok(end && end.type === 'reasoning-end' && typeof end.providerMetadata?.bedrock?.signature === 'string');

    // The signature goes back with the reasoning on the next turn.
    await provider.generate(
      call({
        prompt: [
          user('Think'),
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'Hmm', providerOptions: { bedrock: { signature: 'c2ln' } } },
              { type: 'text', text: 'Done' },
            ],
          },
          user('Again'),
        ],
      }),
    );
    assert.deepEqual(lastBody().messages[1].content[0], {
      reasoningContent: { reasoningText: { text: 'Hmm', signature: 'c2ln' } },
    });
  });

  it('carries JSON output through a forced tool and returns it as text with finish reason stop', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city', 'days'],
    };
    const result = await provider.generate(
      call({ prompt: [user('A trip as JSON')], responseFormat: { type: 'json', schema } }),
    );
    assert.deepEqual(lastBody().toolConfig.toolChoice, { tool: { name: 'json' } });
    assert.deepEqual(lastBody().toolConfig.tools[0].toolSpec.inputSchema, { json: schema });
    assert.deepEqual(JSON.parse(textOf(result.content)), { city: 'sample', days: 1 });
    assert.ok(!result.content.some((part) => part.type === 'tool-call'));
    assert.deepEqual(result.finishReason, { unified: 'stop', raw: 'tool_use' });

    const parts = await collect(
      (await provider.stream(call({ prompt: [user('A trip as JSON')], responseFormat: { type: 'json', schema } })))
        .stream,
    );
    assert.ok(!parts.some((part) => part.type.startsWith('tool-')));
    assert.deepEqual(
      JSON.parse(
        parts
          .filter((part) => part.type === 'text-delta')
          .map((part) => (part as { delta: string }).delta)
          .join(''),
      ),
      { city: 'sample', days: 1 },
    );
    const finish = parts.find((part) => part.type === 'finish');
    assert.ok(finish && finish.type === 'finish' && finish.finishReason.unified === 'stop');
  });

  it('signs with the static access key id and never leaks the secret key', async () => {
    await provider.generate(call());
    const authorization = String(lastRequest().headers.authorization);
    assert.match(
      authorization,
      /^AWS4-HMAC-SHA256 Credential=AKIDCONFIGURED0001\/\d{8}\/us-east-1\/bedrock\/aws4_request/,
    );
    assert.ok(!authorization.includes(SECRET));
    assert.equal(lastRequest().headers['x-config-header'], 'from-config');

    simulator.script({ type: 'status', status: 400, message: `The request signed with ${SECRET} is invalid` });
    const error = await failure(() => provider.generate(call()));
    assert.equal(error.code, 'provider_invalid_request');
    assert.ok(!error.message.includes(SECRET), error.message);
    assert.ok(!JSON.stringify(error.toJSON()).includes(SECRET));
  });

  it('uses per-call credentials (BYOK): other keys, another region, or a Bedrock API key', async () => {
    await provider.generate(
      call({
        credentials: {
          accessKeyId: 'AKIDBYOK0000000001',
          secretAccessKey: 'byok-secret-key-000000',
          region: 'eu-west-1',
        },
      }),
    );
    assert.match(
      String(lastRequest().headers.authorization),
      /Credential=AKIDBYOK0000000001\/\d{8}\/eu-west-1\/bedrock\//,
    );
    assert.equal(lastRequest().headers['x-amz-security-token'], undefined);
    await provider.generate(
      call({
        credentials: {
          accessKeyId: 'AKIDBYOK0000000002',
          secretAccessKey: 'byok-secret-key-000000',
          sessionToken: 'session-token-0001',
        },
      }),
    );
    assert.equal(lastRequest().headers['x-amz-security-token'], 'session-token-0001');
    assert.match(String(lastRequest().headers.authorization), /Credential=AKIDBYOK0000000002\/\d{8}\/us-east-1\//);
    await provider.generate(call({ credentials: { apiKey: 'bedrock-api-key-byok-0001' } }));
    assert.equal(lastRequest().headers.authorization, 'Bearer bedrock-api-key-byok-0001');
    await provider.generate(call());
    assert.match(
      String(lastRequest().headers.authorization),
      /Credential=AKIDCONFIGURED0001\//,
      'the configured keys again without BYOK',
    );

    const error = await failure(() =>
      provider.generate(
        call({ credentials: { accessKeyId: 'AKIDREVOKED0000001', secretAccessKey: 'revoked-secret-000000' } }),
      ),
    );
    assert.equal(error.code, 'provider_authentication', 'AWS answers 403 UnrecognizedClientException for bad keys');
    assert.equal(error.upstreamStatus, 403);
    assert.ok(!error.message.includes('revoked-secret-000000'));
  });

  it('throws a GatewayError from the iteration when the stream carries an exception frame', async () => {
    simulator.failNextStream({
      type: 'modelStreamErrorException',
      message: 'The model stopped unexpectedly',
      afterParts: 2,
    });
    const { stream } = await provider.stream(call({ prompt: [user('a b c d e f g h')] }));
    const seen: StreamPart[] = [];
    const error = await failure(async () => {
      for await (const part of stream) seen.push(part);
    });
    assert.equal(error.code, 'provider_error');
    assert.match(error.message, /ModelStreamErrorException: The model stopped unexpectedly/);
    assert.equal(seen.filter((part) => part.type === 'text-delta').length, 2);
    assert.ok(!seen.some((part) => part.type === 'finish'));

    simulator.failNextStream({ type: 'throttlingException', afterParts: 0 });
    const throttled = await failure(async () => collect((await provider.stream(call())).stream));
    assert.equal(throttled.code, 'provider_rate_limited');
  });

  it('closes the upstream connection when the consumer stops reading early', async () => {
    simulator.configure({ tokensPerSecond: 50 });
    for await (const part of (await provider.stream(call({ prompt: [user('a b c d e f g h i j')] }))).stream)
      if (part.type === 'text-delta') break;
    const { stream } = await provider.stream(call());
    await stream[Symbol.asyncIterator]().return?.(undefined);
    await waitFor(() => simulator.requests.length === 2 && simulator.requests.every((request) => request.aborted));
    assert.deepEqual(
      simulator.requests.map((request) => request.aborted),
      [true, true],
    );
  });

  it('fails a stream whose event-stream bytes are corrupt with provider_bad_response', async () => {
    simulator.script({ type: 'malformed' });
    const error = await failure(async () => collect((await provider.stream(call())).stream));
    assert.equal(error.code, 'provider_bad_response');
  });

  it('puts topK where each model family takes it, and warns where it cannot', async () => {
    await provider.generate(call({ topK: 40, temperature: 0.3, topP: 0.9, stopSequences: ['END'] }));
    assert.deepEqual(lastBody().additionalModelRequestFields, { top_k: 40 });
    assert.deepEqual(lastBody().inferenceConfig, { temperature: 0.3, topP: 0.9, stopSequences: ['END'] });
    await provider.generate(call({ modelId: 'us.amazon.nova-lite-v1:0', topK: 20 }));
    assert.deepEqual(lastBody().additionalModelRequestFields, { inferenceConfig: { topK: 20 } });
    const llama = await provider.generate(
      call({
        modelId: 'meta.llama3-3-70b-instruct-v1:0',
        topK: 20,
        seed: 7,
        presencePenalty: 0.5,
        frequencyPenalty: 0.5,
      }),
    );
    assert.equal(lastBody().additionalModelRequestFields, undefined);
    assert.deepEqual(llama.warnings.map((warning) => (warning as { feature: string }).feature).sort(), [
      'frequencyPenalty',
      'presencePenalty',
      'seed',
      'topK',
    ]);
    const { stream, warnings } = await provider.stream(call({ modelId: 'meta.llama3-3-70b-instruct-v1:0', topK: 20 }));
    const start = (await collect(stream))[0];
    assert.ok(start.type === 'stream-start' && start.warnings.length === 1 && warnings.length === 1);
  });

  it('merges providerOptions into the Converse request (by type and by instance name) and sends call headers', async () => {
    await provider.generate(
      call({
        headers: { 'x-call-header': 'from-call' },
        providerOptions: {
          bedrock: {
            performanceConfig: { latency: 'optimized' },
            requestMetadata: { team: 'search' },
            additionalModelRequestFields: { anthropic_beta: ['context-1m-2025-08-07'] },
          },
          'bedrock-east': { top_k: 5 },
        },
      }),
    );
    const body = lastBody();
    assert.deepEqual(body.performanceConfig, { latency: 'optimized' });
    assert.deepEqual(body.requestMetadata, { team: 'search' });
    assert.deepEqual(body.additionalModelRequestFields, { anthropic_beta: ['context-1m-2025-08-07'], top_k: 5 });
    assert.equal(lastRequest().headers['x-call-header'], 'from-call');
  });

  it('sends tool results in a user message and tool calls as toolUse blocks', async () => {
    const weather = {
      type: 'function' as const,
      name: 'weather',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
    };
    await provider.generate(
      call({
        tools: [weather],
        prompt: [
          user('Weather in Paris and Rome?'),
          {
            role: 'assistant',
            content: [
              { type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: { city: 'Paris' } },
              { type: 'tool-call', toolCallId: 't2', toolName: 'weather', input: '{"city":"Rome"}' },
            ],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: 't1',
                toolName: 'weather',
                output: { type: 'json', value: { temperature: 21 } },
              },
              {
                type: 'tool-result',
                toolCallId: 't2',
                toolName: 'weather',
                output: { type: 'error-text', value: 'station offline' },
              },
            ],
          },
        ],
      }),
    );
    const messages = lastBody().messages;
    assert.deepEqual(
      messages.map((message: { role: string }) => message.role),
      ['user', 'assistant', 'user'],
    );
    assert.deepEqual(messages[1].content[1], {
      toolUse: { toolUseId: 't2', name: 'weather', input: { city: 'Rome' } },
    });
    assert.deepEqual(messages[2].content, [
      { toolResult: { toolUseId: 't1', content: [{ json: { temperature: 21 } }] } },
      { toolResult: { toolUseId: 't2', content: [{ text: 'station offline' }], status: 'error' } },
    ]);
  });

  it('drops the tools for tool choice none and applies config.timeoutMs', async () => {
    const weather = { type: 'function' as const, name: 'weather', inputSchema: { type: 'object' } };
    const result = await provider.generate(call({ tools: [weather], toolChoice: { type: 'none' } }));
    assert.equal(lastBody().toolConfig, undefined);
    assert.equal(result.finishReason.unified, 'stop');

    const impatient = await createBedrockProvider('bedrock', config(simulator.baseURL, SECRET, { timeoutMs: 100 }));
    simulator.script({ type: 'hang' });
    const error = await failure(() => impatient.generate(call()));
    assert.equal(error.code, 'provider_timeout');
  });

  it('refuses an image given as a URL with invalid_request, before calling Bedrock', async () => {
    const error = await failure(() =>
      provider.generate(
        call({
          prompt: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is this?' },
                { type: 'file', mediaType: 'image/png', data: { type: 'url', url: 'https://example.com/cat.png' } },
              ],
            },
          ],
        }),
      ),
    );
    assert.equal(error.code, 'invalid_request');
    assert.equal(simulator.requests.length, 0);
  });

  it("maps Bedrock's own refusal of a forced tool choice on Llama to provider_invalid_request", async () => {
    const weather = { type: 'function' as const, name: 'weather', inputSchema: { type: 'object' } };
    const error = await failure(() =>
      provider.generate(
        call({ modelId: 'meta.llama3-3-70b-instruct-v1:0', tools: [weather], toolChoice: { type: 'required' } }),
      ),
    );
    assert.equal(error.code, 'provider_invalid_request');
    assert.match(error.message, /ValidationException: This model doesn't support the toolConfig.toolChoice.any field/);
  });
});
