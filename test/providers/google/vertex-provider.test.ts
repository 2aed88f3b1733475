import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { createVertexProvider } from '../../../src/providers/google/index.js';
import type { Provider, ProviderCall } from '../../../src/providers/provider.js';
import { createGoogleSimulator } from '../../../src/testing/google-simulator.js';
import type { Message, StreamPart } from '../../../src/core/types.js';
import { runProviderContract } from '../provider-contract.js';

const PROJECT = 'sim-project';
const LOCATION = 'us-central1';

runProviderContract({
  name: 'vertex provider',
  createSimulator: () => createGoogleSimulator(),
  createProvider: (baseURL, accessToken) =>
    createVertexProvider('vertex', {
      type: 'vertex',
      project: PROJECT,
      region: LOCATION,
      baseURL,
      credentials: { accessToken },
    }),
  modelId: 'gemini-2.5-flash',
  supports: {
    tools: true,
    images: true,
    json: true,
    embeddings: { modelId: 'gemini-embedding-001', dimensions: true },
  },
});

const MODEL = 'gemini-2.5-flash';
const MODEL_PATH = `/v1beta1/projects/${PROJECT}/locations/${LOCATION}/publishers/google/models`;
const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const weather = {
  type: 'function' as const,
  name: 'weather',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
type Body = Record<string, unknown> & { generationConfig?: Record<string, unknown> };

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('vertex provider (vendor specifics)', () => {
  const token = 'ya29.configured-access-token-0123456789';
  const byokToken = 'ya29.byok-token-abcdefghij';
  const simulator = createGoogleSimulator({
    accessToken: [token, byokToken],
    apiKey: 'AIzaExpressKey-0123456789abcdefghijk',
  });
  let baseURL: string;
  let provider: Provider;
  const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
    modelId: MODEL,
    prompt: [user('Hello Vertex')],
    abortSignal: new AbortController().signal,
    ...overrides,
  });
  const lastRequest = () => simulator.requests[simulator.requests.length - 1];
  const embedCall = (modelId: string, values: string[]) => ({
    modelId,
    values,
    dimensions: 16,
    abortSignal: new AbortController().signal,
  });

  beforeAll(async () => {
    baseURL = await simulator.start();
    provider = await createVertexProvider('vertex', {
      type: 'vertex',
      project: PROJECT,
      region: LOCATION,
      baseURL,
      credentials: { accessToken: token },
    });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('calls the project and location path with a bearer token', async () => {
    const result = await provider.generate(
      call({ prompt: [{ role: 'system', content: 'Be brief.' }, user('Hello Vertex')] }),
    );
    assert.equal(lastRequest().path, `${MODEL_PATH}/${MODEL}:generateContent`);
    assert.equal(lastRequest().headers.authorization, `Bearer ${token}`);
    assert.equal(lastRequest().headers['x-goog-api-key'], undefined);
    assert.deepEqual((lastRequest().body as Body).systemInstruction, { parts: [{ text: 'Be brief.' }], role: 'user' });
    assert.equal((result.content[0] as { text: string }).text, 'You said: Hello Vertex');
    const { stream } = await provider.stream(call());
    const parts = await collect(stream);
    assert.equal(lastRequest().path, `${MODEL_PATH}/${MODEL}:streamGenerateContent`);
    const metadata = parts.find((part) => part.type === 'response-metadata');
    assert.ok(
      metadata?.type === 'response-metadata' && metadata.timestamp instanceof Date,
      'Vertex createTime becomes the timestamp',
    );
  });

  it('uses BYOK credentials: their token, project and region', async () => {
    await provider.generate(
      call({ credentials: { accessToken: byokToken, project: 'byok-project', region: 'europe-west4' } }),
    );
    assert.equal(
      lastRequest().path,
      `/v1beta1/projects/byok-project/locations/europe-west4/publishers/google/models/${MODEL}:generateContent`,
    );
    assert.equal(lastRequest().headers.authorization, `Bearer ${byokToken}`);
    await provider.generate(call());
    assert.equal(lastRequest().headers.authorization, `Bearer ${token}`);
  });

  it('maps a rejected token to provider_authentication without leaking it', async () => {
    const secret = 'ya29.stale-token-0123456789abcdef';
    const error = await provider.generate(call({ credentials: { accessToken: secret } })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'provider_authentication');
    assert.equal(error.upstreamStatus, 401);
    assert.ok(!error.message.includes(secret));
  });

  it('uses Vertex express mode with an API key and no project', async () => {
    const express = await createVertexProvider('vertex-express', {
      type: 'vertex',
      apiKey: 'AIzaExpressKey-0123456789abcdefghijk',
      baseURL,
    });
    await express.generate(call());
    assert.equal(lastRequest().path, `/v1beta1/publishers/google/models/${MODEL}:generateContent`);
    assert.equal(lastRequest().headers['x-goog-api-key'], 'AIzaExpressKey-0123456789abcdefghijk');
    assert.equal(lastRequest().headers.authorization, undefined);
  });

  it('sends tools, thinking and JSON output in the same Gemini format', async () => {
    const result = await provider.generate(
      call({
        prompt: [user('Please use the tool')],
        tools: [weather],
        toolChoice: { type: 'tool', toolName: 'weather' },
        reasoning: 'low',
      }),
    );
    const body = lastRequest().body as Body;
    assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['weather'] } });
    assert.deepEqual(body.generationConfig?.thinkingConfig, { thinkingBudget: 2048, includeThoughts: true });
    const toolCall = result.content.find((part) => part.type === 'tool-call');
    assert.ok(toolCall?.type === 'tool-call');
    assert.equal(toolCall.input, '{"city":"sample"}');
    assert.ok(
      typeof toolCall.providerMetadata?.vertex?.thoughtSignature === 'string',
      'signatures are keyed by the provider type',
    );
    await provider.generate(
      call({ responseFormat: { type: 'json', schema: { type: 'object', properties: { ok: { type: 'boolean' } } } } }),
    );
    assert.equal((lastRequest().body as Body).generationConfig?.responseMimeType, 'application/json');
  });

  it('passes Vertex-only options and warns about Gemini-API-only ones', async () => {
    const result = await provider.generate(
      call({
        providerOptions: {
          vertex: { labels: { team: 'search' }, store: true },
          google: { labels: { ignored: 'yes' } },
        },
      }),
    );
    const body = lastRequest().body as Body;
    assert.deepEqual(body.labels, { team: 'search' });
    assert.ok(!('store' in body));
    assert.deepEqual(result.warnings, [
      { type: 'unsupported', feature: 'providerOptions.store', details: 'not supported by Vertex AI' },
    ]);
  });

  it('streams function-call arguments in pieces (streamFunctionCallArguments) as one call each with its whole arguments', async () => {
    const time = {
      type: 'function' as const,
      name: 'time',
      inputSchema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
    };
    const streamed = { toolConfig: { functionCallingConfig: { streamFunctionCallArguments: true } } };
    simulator.configure({
      reply: () => ({
        text: '',
        toolCalls: [
          { id: 'a', name: 'weather', input: { city: 'Paris', days: 3, hourly: false } },
          { id: 'b', name: 'time', input: { zone: 'Europe/Paris' } },
        ],
        finishReason: 'tool-calls',
      }),
    });
    const { stream } = await provider.stream(
      call({
        prompt: [user('Use the tools')],
        tools: [weather, time],
        toolChoice: { type: 'required' },
        providerOptions: { vertex: streamed },
      }),
    );
    assert.deepEqual(
      (
        (lastRequest().body as { toolConfig: { functionCallingConfig: unknown } }).toolConfig.functionCallingConfig as {
          streamFunctionCallArguments?: unknown;
        }
      ).streamFunctionCallArguments,
      true,
    );
    const parts = await collect(stream);
    const calls = parts.filter((part) => part.type === 'tool-call');
    assert.deepEqual(
      calls.map((part) => (part.type === 'tool-call' ? [part.toolName, JSON.parse(part.input)] : [])),
      [
        ['weather', { city: 'Paris', days: 3, hourly: false }],
        ['time', { zone: 'Europe/Paris' }],
      ],
    );
    assert.equal(new Set(calls.map((part) => (part.type === 'tool-call' ? part.toolCallId : ''))).size, 2);
    assert.deepEqual(
      parts
        .filter((part) => part.type === 'tool-input-start')
        .map((part) => (part.type === 'tool-input-start' ? part.toolName : '')),
      ['weather', 'time'],
    );
  });

  it('embeds with gemini-embedding-001 one instance per predict request', async () => {
    const result = await provider.embed!(embedCall('gemini-embedding-001', ['alpha', 'beta', 'gamma']));
    assert.equal(result.embeddings.length, 3);
    assert.ok(result.embeddings.every((vector) => vector.length === 16));
    assert.equal(simulator.requests.length, 3);
    for (const request of simulator.requests) {
      assert.equal(request.path, `${MODEL_PATH}/gemini-embedding-001:predict`);
      const body = request.body as { instances: unknown[]; parameters: Record<string, unknown> };
      assert.equal(body.instances.length, 1);
      assert.deepEqual(body.parameters, { outputDimensionality: 16 });
    }
    assert.equal(result.usage.tokens, simulator.totals.inputTokens);
  });

  it('embeds a batch with text embedding models in one predict request, with task type', async () => {
    const result = await provider.embed!({
      ...embedCall('text-embedding-005', ['alpha', 'beta']),
      providerOptions: { vertex: { taskType: 'RETRIEVAL_DOCUMENT' } },
    });
    assert.equal(result.embeddings.length, 2);
    assert.equal(simulator.requests.length, 1);
    const body = lastRequest().body as { instances: Array<Record<string, unknown>> };
    assert.deepEqual(body.instances, [
      { content: 'alpha', task_type: 'RETRIEVAL_DOCUMENT' },
      { content: 'beta', task_type: 'RETRIEVAL_DOCUMENT' },
    ]);
    assert.equal(result.usage.tokens, simulator.totals.inputTokens);
  });

  it('embeds with newer Gemini embedding models through embedContent', async () => {
    const result = await provider.embed!(embedCall('gemini-embedding-2-preview', ['alpha', 'beta']));
    assert.equal(result.embeddings.length, 2);
    assert.deepEqual(
      simulator.requests.map((request) => request.path),
      [0, 1].map(() => `${MODEL_PATH}/gemini-embedding-2-preview:embedContent`),
    );
    assert.deepEqual((lastRequest().body as { embedContentConfig: unknown }).embedContentConfig, {
      outputDimensionality: 16,
    });
    assert.equal(result.usage.tokens, simulator.totals.inputTokens);
  });
});
