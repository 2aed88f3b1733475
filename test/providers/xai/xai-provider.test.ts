import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { Provider, ProviderCall } from '../../../src/providers/provider.js';
import { XAI_BASE_URL, createXaiProvider } from '../../../src/providers/xai/index.js';
import { createOpenAISimulator } from '../../../src/testing/openai-simulator.js';
import type { Message, StreamPart } from '../../../src/core/types.js';
import { runProviderContract } from '../provider-contract.js';

runProviderContract({
  name: 'xai provider',
  createSimulator: () => createOpenAISimulator(),
  createProvider: (baseURL, apiKey) => createXaiProvider('xai', { type: 'xai', apiKey, baseURL: `${baseURL}/v1` }),
  modelId: 'grok-3-mini',
  supports: { tools: true, images: false, json: true },
});

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

describe('xai provider (vendor specifics)', () => {
  const simulator = createOpenAISimulator();
  let provider: Provider;
  const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
    modelId: 'grok-3-mini',
    prompt: [user('Why is the sky blue?')],
    abortSignal: new AbortController().signal,
    ...overrides,
  });
  const lastBody = (): Record<string, unknown> =>
    simulator.requests[simulator.requests.length - 1].body as Record<string, unknown>;

  beforeAll(async () => {
    const baseURL = await simulator.start();
    provider = await createXaiProvider('xai', {
      type: 'xai',
      apiKey: 'xai-configured-key-0123456789',
      baseURL: `${baseURL}/v1`,
    });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('is an xai provider that defaults to the xAI base URL and has no embeddings', () => {
    assert.equal(provider.type, 'xai');
    assert.equal(provider.embed, undefined);
    assert.equal(XAI_BASE_URL, 'https://api.x.ai/v1');
  });

  it('turns reasoning_content into a reasoning part with reasoning tokens', async () => {
    const result = await provider.generate(call());
    assert.deepEqual(
      result.content.map((part) => part.type),
      ['reasoning', 'text'],
    );
    assert.equal((result.content[0] as { text: string }).text, 'Thinking about: Why is the sky blue?');
    assert.equal(result.usage.outputTokens.reasoning, simulator.totals.reasoningTokens);
    assert.ok((result.usage.outputTokens.reasoning ?? 0) > 0);
  });

  it('streams reasoning_content deltas as a reasoning block before the text', async () => {
    const { stream } = await provider.stream(call());
    const parts: StreamPart[] = [];
    for await (const part of stream) parts.push(part);
    const types = parts.map((part) => part.type);
    const reasoning = parts
      .filter((part) => part.type === 'reasoning-delta')
      .map((part) => (part as { delta: string }).delta)
      .join('');
    assert.equal(reasoning, 'Thinking about: Why is the sky blue?');
    assert.ok(types.indexOf('reasoning-start') < types.indexOf('reasoning-end'));
    assert.ok(types.indexOf('reasoning-end') < types.indexOf('text-start'));
    const finish = parts.find((part) => part.type === 'finish');
    assert.ok(
      finish && finish.type === 'finish' && finish.usage.outputTokens.reasoning === simulator.totals.reasoningTokens,
    );
  });

  it('maps reasoning efforts to low or high, with a warning when it changes one', async () => {
    const high = await provider.generate(call({ reasoning: 'high' }));
    assert.equal(lastBody().reasoning_effort, 'high');
    assert.deepEqual(high.warnings, []);
    const medium = await provider.generate(call({ reasoning: 'medium' }));
    assert.equal(lastBody().reasoning_effort, 'high');
    assert.deepEqual(
      medium.warnings.map((warning) => warning.type),
      ['compatibility'],
    );
    await provider.generate(call({ reasoning: 'minimal' }));
    assert.equal(lastBody().reasoning_effort, 'low');
  });

  it('sends no reasoning effort to models that take none', async () => {
    const result = await provider.generate(call({ modelId: 'grok-4', reasoning: 'low' }));
    assert.equal(lastBody().reasoning_effort, undefined);
    assert.deepEqual(result.warnings, [
      { type: 'unsupported', feature: 'reasoning', details: 'grok-4 takes no reasoning effort' },
    ]);
  });

  it('drops penalties and stop sequences for reasoning models, with warnings', async () => {
    const result = await provider.generate(
      call({ presencePenalty: 0.5, frequencyPenalty: 0.5, stopSequences: ['END'], temperature: 0.3 }),
    );
    const body = lastBody();
    assert.equal(body.presence_penalty, undefined);
    assert.equal(body.frequency_penalty, undefined);
    assert.equal(body.stop, undefined);
    assert.equal(body.temperature, 0.3);
    assert.deepEqual(result.warnings.map((warning) => warning.type === 'unsupported' && warning.feature).sort(), [
      'frequencyPenalty',
      'presencePenalty',
      'stopSequences',
    ]);
    await provider.generate(call({ modelId: 'grok-2-1212', presencePenalty: 0.5, stopSequences: ['END'] }));
    assert.equal(lastBody().presence_penalty, 0.5);
    assert.deepEqual(lastBody().stop, ['END']);
  });

  it("sends the user as user, parallelToolCalls, and @ai-sdk/xai's searchParameters in the wire's snake_case", async () => {
    const tool = { type: 'function' as const, name: 'lookup', inputSchema: { type: 'object', properties: {} } };
    await provider.generate(
      call({
        user: 'u-3',
        parallelToolCalls: false,
        tools: [tool],
        providerOptions: { xai: { searchParameters: { mode: 'on', returnCitations: true, maxSearchResults: 5 } } },
      }),
    );
    const body = lastBody();
    assert.equal(body.user, 'u-3');
    assert.equal(body.parallel_tool_calls, false);
    assert.deepEqual(body.search_parameters, { mode: 'on', return_citations: true, max_search_results: 5 });
  });

  it('passes providerOptions.xai into the request and uses BYOK keys', async () => {
    await provider.generate(
      call({
        providerOptions: { xai: { searchParameters: { mode: 'off' } }, openai: { user: 'not-for-xai' } },
        credentials: { apiKey: 'xai-byok-key-abcdef123456' },
      }),
    );
    assert.deepEqual(lastBody().search_parameters, { mode: 'off' });
    assert.equal(lastBody().user, undefined);
    assert.equal(simulator.requests[0].headers.authorization, 'Bearer xai-byok-key-abcdef123456');
  });
});
