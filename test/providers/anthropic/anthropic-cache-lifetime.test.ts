/**
 * 1-hour prompt-cache writes: Anthropic prices them at 2× the input price (5-minute writes at 1.25×) and
 * reports them apart in `usage.cache_creation`. The split must reach the usage, the usage event and the
 * cost, to the nano-dollar, through the real SDK against the simulator.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { tokenCost } from '../../../src/billing/cost.js';
import { BUILT_IN_MODELS } from '../../../src/catalog/built-in-models.js';
import type { UsageEvent } from '../../../src/core/events.js';
import { createAnthropicProvider } from '../../../src/providers/anthropic/index.js';
import type { Provider, ProviderCall } from '../../../src/providers/provider.js';
import { Router } from '../../../src/router/router.js';
import { createAnthropicSimulator } from '../../../src/testing/anthropic-simulator.js';
import type { Message, StreamPart } from '../../../src/core/types.js';

const MODEL = 'claude-sonnet-4-5-20250929';
const API_KEY = 'sk-ant-configured-key-0123456789';
const LONG_SYSTEM = 'You are a careful assistant who caches its instructions. '.repeat(40);
const LONG_TOOLS_TEXT = 'Reference material that stays for a while. '.repeat(30);

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const marked = (ttl: '5m' | '1h' | undefined) => ({
  anthropic: { cacheControl: ttl ? { type: 'ephemeral', ttl } : { type: 'ephemeral' } },
});

/** What the simulator sent as `usage` for its last answer (a JSON body). */
interface WireUsage {
  cache_creation_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

describe('anthropic 1-hour cache writes', () => {
  const simulator = createAnthropicSimulator();
  let provider: Provider;
  let baseURL = '';
  const call = (prompt: Message[]): ProviderCall => ({
    modelId: MODEL,
    prompt,
    abortSignal: new AbortController().signal,
  });

  beforeAll(async () => {
    baseURL = await simulator.start();
    provider = await createAnthropicProvider('anthropic', { type: 'anthropic', apiKey: API_KEY, baseURL });
  });
  afterAll(() => simulator.close());
  beforeEach(async () => {
    await simulator.reset();
  });

  it('the simulator reports the writes by lifetime, as the API does, and rejects 1h after 5m', async () => {
    const send = async (system: unknown): Promise<Response> =>
      fetch(`${baseURL}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 100,
          system,
          messages: [{ role: 'user', content: `Hi ${Math.random()}` }],
        }),
      });
    const oneHour = await send([
      { type: 'text', text: `${LONG_SYSTEM} a`, cache_control: { type: 'ephemeral', ttl: '1h' } },
    ]);
    assert.equal(oneHour.status, 200);
    const usage = ((await oneHour.json()) as { usage: WireUsage }).usage;
    assert.ok(usage.cache_creation_input_tokens > 0);
    assert.deepEqual(usage.cache_creation, {
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: usage.cache_creation_input_tokens,
    });

    const mixed = await send([
      { type: 'text', text: `${LONG_TOOLS_TEXT} b`, cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral' } },
    ]);
    const split = ((await mixed.json()) as { usage: WireUsage }).usage;
    assert.ok(
      split.cache_creation.ephemeral_1h_input_tokens > 0 && split.cache_creation.ephemeral_5m_input_tokens > 0,
      JSON.stringify(split),
    );
    assert.equal(
      split.cache_creation.ephemeral_1h_input_tokens + split.cache_creation.ephemeral_5m_input_tokens,
      split.cache_creation_input_tokens,
    );

    const wrongOrder = await send([
      { type: 'text', text: `${LONG_TOOLS_TEXT} c`, cache_control: { type: 'ephemeral' } },
      { type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral', ttl: '1h' } },
    ]);
    assert.equal(wrongOrder.status, 400);
  });

  it('carries the 1-hour part of the writes in the usage, generated and streamed', async () => {
    const prompt: Message[] = [
      { role: 'system', content: `${LONG_SYSTEM} generate`, providerOptions: marked('1h') },
      user('First'),
    ];
    const result = await provider.generate(call(prompt));
    const written = simulator.requests[0].usage?.cacheWriteTokens ?? 0;
    assert.ok(written > 0);
    assert.equal(result.usage.inputTokens.cacheWrite, written);
    assert.equal(result.usage.inputTokens.cacheWriteOneHour, written);

    const { stream } = await provider.stream(
      call([{ role: 'system', content: `${LONG_SYSTEM} stream`, providerOptions: marked('1h') }, user('Second')]),
    );
    const parts: StreamPart[] = [];
    for await (const part of stream) parts.push(part);
    const finish = parts.find((part) => part.type === 'finish');
    assert.ok(finish && finish.type === 'finish');
    assert.equal(finish.usage.inputTokens.cacheWrite, simulator.requests[1].usage?.cacheWriteTokens);
    assert.equal(finish.usage.inputTokens.cacheWriteOneHour, simulator.requests[1].usage?.cacheWriteTokens);

    const fiveMinutes = await provider.generate(
      call([{ role: 'system', content: `${LONG_SYSTEM} five`, providerOptions: marked(undefined) }, user('Third')]),
    );
    assert.ok((fiveMinutes.usage.inputTokens.cacheWrite ?? 0) > 0);
    assert.equal(fiveMinutes.usage.inputTokens.cacheWriteOneHour, undefined, 'no 1-hour writes, no field');
  });

  it('bills 1-hour writes at the catalog 1-hour price, to the nano-dollar, end to end through the router', async () => {
    const model = BUILT_IN_MODELS.find((definition) => definition.id === 'anthropic/claude-sonnet-4.5');
    assert.ok(model);
    const pricing = model.offerings.find((offering) => offering.provider === 'anthropic')?.pricing;
    assert.deepEqual(pricing, {
      input: '3',
      output: '15',
      cacheRead: '0.30',
      cacheWrite: '3.75',
      cacheWriteOneHour: '6',
    });
    const router = new Router({
      providers: { anthropic: { type: 'anthropic', apiKey: API_KEY, baseURL } },
      catalog: {
        models: [{ ...model, offerings: model.offerings.filter((offering) => offering.provider === 'anthropic') }],
      },
      retry: { maxRetries: 0 },
    });
    const events: UsageEvent[] = [];
    router.on('usage', (event) => void events.push(event));
    try {
      for (const [index, streamed] of [false, true].entries()) {
        const messages: Message[] = [
          { role: 'system', content: `${LONG_TOOLS_TEXT} router ${index}`, providerOptions: marked('1h') },
          { role: 'system', content: LONG_SYSTEM, providerOptions: marked('5m') },
          user(`Question ${index}`),
        ];
        if (streamed) {
          const stream = router.stream({ model: model.id, messages });
          for await (const _part of stream) {
            /* drain */
          }
          await stream.result;
        } else await router.generate({ model: model.id, messages });
      }
      assert.equal(events.length, 2);
      for (const [index, event] of events.entries()) {
        const served = simulator.requests[index].usage;
        assert.ok(served);
        const oneHour = event.cacheWriteOneHourTokens ?? 0;
        assert.ok(
          oneHour > 0 && oneHour < event.cacheWriteTokens,
          `a split write: ${oneHour} of ${event.cacheWriteTokens}`,
        );
        assert.equal(event.cacheWriteTokens, served.cacheWriteTokens);
        const fiveMinutes = event.cacheWriteTokens - oneHour;
        // 1h writes at 2× input ($6/M), 5m writes at 1.25× ($3.75/M).
        assert.equal(event.cost.cacheWrite, tokenCost(oneHour, '6') + tokenCost(fiveMinutes, '3.75'));
        assert.equal(event.cost.input, tokenCost(event.noCacheInputTokens, '3'));
        assert.equal(event.cost.output, tokenCost(event.outputTokens, '15'));
        assert.equal(
          event.cost.total,
          event.cost.input + event.cost.output + event.cost.cacheRead + event.cost.cacheWrite,
        );
        assert.ok(
          event.cost.cacheWrite > tokenCost(event.cacheWriteTokens, '3.75'),
          'more than all writes at the 5-minute price',
        );
      }
    } finally {
      await router.close();
    }
  });
});
