/**
 * The provider contract suite: every provider runs it through its official SDK against its simulator.
 * A provider test file calls `runProviderContract({...})` once.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import type { Provider, ProviderCall } from '../../src/providers/provider.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import type { Message, StreamPart } from '../../src/core/types.js';
import { waitFor } from '../helpers/wait-for.js';

export interface ProviderContractSetup {
  /** Suite title, e.g. 'openai provider'. */
  name: string;
  createSimulator(): Simulator;
  /** Builds the provider pointed at the simulator's base URL, with the given API key. */
  createProvider(baseURL: string, apiKey: string): Promise<Provider>;
  modelId: string;
  supports: { tools: boolean; images: boolean; json: boolean; embeddings?: { modelId: string; dimensions?: boolean } };
  /** Whether a 401 from this vendor reaches the client as a status (false when the SDK's auth fails before sending). */
  statusFaults?: boolean;
}

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

async function expectGatewayError(promise: Promise<unknown>, code: string): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    assert.equal(error.code, code, `expected code ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected GatewayError ${code}, but the call succeeded`);
}

export function runProviderContract(setup: ProviderContractSetup): void {
  describe(`${setup.name} (provider contract)`, () => {
    const simulator = setup.createSimulator();
    const secretKey = 'sk-contract-secret-key-0123456789';
    let provider: Provider;
    const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
      modelId: setup.modelId,
      prompt: [user('Hello contract')],
      abortSignal: new AbortController().signal,
      ...overrides,
    });

    beforeAll(async () => {
      const baseURL = await simulator.start();
      provider = await setup.createProvider(baseURL, secretKey);
    });
    afterAll(() => simulator.close());
    beforeEach(() => {
      simulator.reset();
    });

    it('generates text with usage that matches what the vendor reported', async () => {
      const result = await provider.generate(
        call({ prompt: [{ role: 'system', content: 'Be brief.' }, user('Hello contract')] }),
      );
      const text = result.content
        .filter((part) => part.type === 'text')
        .map((part) => (part as { text: string }).text)
        .join('');
      assert.match(text, /Hello contract/);
      assert.equal(result.finishReason.unified, 'stop');
      const totals = simulator.totals;
      assert.equal(result.usage.inputTokens.total, totals.inputTokens);
      assert.equal(result.usage.outputTokens.total, totals.outputTokens);
      assert.equal(simulator.requests.length, 1);
    });

    it('streams text deltas that join to the full text, then finishes with usage', async () => {
      const { stream } = await provider.stream(call({ prompt: [user('Stream this please')] }));
      const parts = await collect(stream);
      const text = parts
        .filter((part) => part.type === 'text-delta')
        .map((part) => (part as { delta: string }).delta)
        .join('');
      assert.match(text, /Stream this please/);
      const finish = parts.find((part) => part.type === 'finish');
      assert.ok(finish && finish.type === 'finish', 'a finish part');
      assert.equal(finish.finishReason.unified, 'stop');
      assert.equal(finish.usage.outputTokens.total, simulator.totals.outputTokens);
      assert.equal(finish.usage.inputTokens.total, simulator.totals.inputTokens);
      assert.ok(
        parts.findIndex((part) => part.type === 'text-start') < parts.findIndex((part) => part.type === 'text-delta'),
      );
    });

    it('stops at maxOutputTokens with finish reason length', async () => {
      const result = await provider.generate(
        call({ prompt: [user('one two three four five six seven')], maxOutputTokens: 3 }),
      );
      assert.equal(result.finishReason.unified, 'length');
      assert.equal(result.usage.outputTokens.total, 3);
    });

    if (setup.supports.tools) {
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

      it('makes a tool call with JSON input', async () => {
        const result = await provider.generate(
          call({ prompt: [user('Please use the tool')], tools: [weather], toolChoice: { type: 'required' } }),
        );
        const toolCall = result.content.find((part) => part.type === 'tool-call');
        assert.ok(toolCall && toolCall.type === 'tool-call');
        assert.equal(toolCall.toolName, 'weather');
        assert.deepEqual(JSON.parse(toolCall.input), { city: 'sample' });
        assert.equal(result.finishReason.unified, 'tool-calls');
      });

      it('makes parallel tool calls', async () => {
        const result = await provider.generate(
          call({ prompt: [user('Use all tools in parallel please')], tools: [weather, time] }),
        );
        const names = result.content
          .filter((part) => part.type === 'tool-call')
          .map((part) => (part as { toolName: string }).toolName);
        assert.deepEqual(names.sort(), ['time', 'weather']);
      });

      it('streams tool-call input', async () => {
        const { stream } = await provider.stream(
          call({
            prompt: [user('Please use the tool')],
            tools: [weather],
            toolChoice: { type: 'tool', toolName: 'weather' },
          }),
        );
        const parts = await collect(stream);
        assert.ok(
          parts.some((part) => part.type === 'tool-input-start'),
          'tool-input-start',
        );
        const deltas = parts
          .filter((part) => part.type === 'tool-input-delta')
          .map((part) => (part as { delta: string }).delta)
          .join('');
        assert.deepEqual(JSON.parse(deltas), { city: 'sample' });
        const toolCall = parts.find((part) => part.type === 'tool-call');
        assert.ok(toolCall && toolCall.type === 'tool-call');
        assert.deepEqual(JSON.parse(toolCall.input), { city: 'sample' });
        const finish = parts.find((part) => part.type === 'finish');
        assert.ok(finish && finish.type === 'finish' && finish.finishReason.unified === 'tool-calls');
      });

      it('sends a tool result back and gets text', async () => {
        const result = await provider.generate(
          call({
            tools: [weather],
            prompt: [
              user('Please use the tool'),
              {
                role: 'assistant',
                content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Paris' } }],
              },
              {
                role: 'tool',
                content: [
                  {
                    type: 'tool-result',
                    toolCallId: 'call_1',
                    toolName: 'weather',
                    output: { type: 'json', value: { temperature: 21 } },
                  },
                ],
              },
            ],
          }),
        );
        assert.ok(result.content.some((part) => part.type === 'text'));
        assert.equal(result.finishReason.unified, 'stop');
      });
    }

    if (setup.supports.json) {
      it('returns JSON that matches the requested schema', async () => {
        const schema = {
          type: 'object',
          properties: { name: { type: 'string' }, age: { type: 'integer' } },
          required: ['name', 'age'],
          additionalProperties: false,
        };
        const result = await provider.generate(
          call({ prompt: [user('A person as JSON')], responseFormat: { type: 'json', schema, name: 'person' } }),
        );
        const text = result.content
          .filter((part) => part.type === 'text')
          .map((part) => (part as { text: string }).text)
          .join('');
        const toolInput = result.content.find((part) => part.type === 'tool-call');
        const value = JSON.parse(text || (toolInput && toolInput.type === 'tool-call' ? toolInput.input : '{}'));
        assert.deepEqual(value, { name: 'sample', age: 1 });
      });
    }

    if (setup.supports.images) {
      it('sends image input', async () => {
        const result = await provider.generate(
          call({
            prompt: [
              {
                role: 'user',
                content: [
                  { type: 'text', text: 'What is this?' },
                  { type: 'file', mediaType: 'image/png', data: { type: 'data', data: PNG_1PX } },
                ],
              },
            ],
          }),
        );
        assert.ok(result.content.some((part) => part.type === 'text'));
        assert.ok(
          JSON.stringify(simulator.requests[0].body).includes(PNG_1PX.slice(0, 20)) ||
            simulator.requests[0].body === undefined ||
            typeof simulator.requests[0].body === 'string',
        );
      });
    }

    if (setup.supports.embeddings) {
      const embeddings = setup.supports.embeddings;
      it('embeds values with usage', async () => {
        assert.ok(provider.embed, 'provider.embed');
        const result = await provider.embed({
          modelId: embeddings.modelId,
          values: ['hello', 'world'],
          abortSignal: new AbortController().signal,
          ...(embeddings.dimensions ? { dimensions: 4 } : {}),
        });
        assert.equal(result.embeddings.length, 2);
        if (embeddings.dimensions) assert.equal(result.embeddings[0].length, 4);
        assert.notDeepEqual(result.embeddings[0], result.embeddings[1]);
        assert.equal(result.usage.tokens, simulator.totals.inputTokens);
      });
    }

    const faults: Array<[string, Parameters<Simulator['script']>[0], string]> = [
      ['429 with Retry-After', { type: 'status', status: 429, retryAfterSeconds: 2 }, 'provider_rate_limited'],
      ['500', { type: 'status', status: 500 }, 'provider_unavailable'],
      ['503', { type: 'status', status: 503 }, 'provider_overloaded'],
      ['529', { type: 'status', status: 529 }, 'provider_overloaded'],
      ['400', { type: 'status', status: 400 }, 'provider_invalid_request'],
      ['401', { type: 'status', status: 401 }, 'provider_authentication'],
      ['a connection reset', { type: 'reset' }, 'provider_connection'],
      ['a malformed body', { type: 'malformed' }, 'provider_bad_response'],
    ];
    for (const [label, fault, code] of faults) {
      it(`maps ${label} to ${code}`, async () => {
        simulator.script(fault);
        const error = await expectGatewayError(provider.generate(call()), code);
        assert.equal(error.provider, provider.name);
        assert.ok(!error.message.includes(secretKey), 'the key never reaches an error');
        if (fault !== 'ok' && fault.type === 'status' && fault.retryAfterSeconds)
          assert.equal(error.retryAfterMs, fault.retryAfterSeconds * 1000);
        if (fault !== 'ok' && fault.type === 'status' && fault.status >= 500) assert.equal(error.isRetryable, true);
      });
    }

    it('maps a failed stream request before any part to a GatewayError', async () => {
      simulator.script({ type: 'status', status: 503 });
      await expectGatewayError((async () => collect((await provider.stream(call())).stream))(), 'provider_overloaded');
    });

    it('fails a stream that is cut off midway with a GatewayError', async () => {
      simulator.script({ type: 'disconnect', afterParts: 2 });
      const { stream } = await provider.stream(call({ prompt: [user('a b c d e f g h i j k l m n o p')] }));
      const seen: StreamPart[] = [];
      let failure: unknown;
      try {
        for await (const part of stream) {
          if (part.type === 'error') throw part.error;
          seen.push(part);
        }
      } catch (error) {
        failure = error;
      }
      assert.ok(failure instanceof GatewayError, `a GatewayError, got ${String(failure)}`);
      assert.ok(seen.filter((part) => part.type === 'text-delta').length >= 1, 'some text arrived before the cut');
      assert.ok(!seen.some((part) => part.type === 'finish'), 'no finish part after a cut');
    });

    it('aborts the upstream call when the signal fires', async () => {
      simulator.script({ type: 'hang' });
      const controller = new AbortController();
      const promise = provider.generate(call({ abortSignal: controller.signal }));
      await waitFor(() => simulator.requests.length > 0); // abort once the request is upstream, not after a guess
      controller.abort();
      await expectGatewayError(promise, 'aborted');
      await waitFor(() => simulator.requests[0].aborted);
      assert.equal(simulator.requests[0].aborted, true, 'the simulator saw the connection close');
    });

    it('aborts a stream in progress when the signal fires', async () => {
      simulator.configure({ tokensPerSecond: 20 });
      const controller = new AbortController();
      const { stream } = await provider.stream(
        call({ prompt: [user('a b c d e f g h i j k l m n o p')], abortSignal: controller.signal }),
      );
      let deltas = 0;
      let failure: unknown;
      try {
        for await (const part of stream) {
          if (part.type === 'text-delta' && ++deltas === 2) controller.abort();
          if (part.type === 'error') throw part.error;
        }
      } catch (error) {
        failure = error;
      }
      assert.ok(failure instanceof GatewayError && failure.code === 'aborted', `aborted, got ${String(failure)}`);
      await waitFor(() => simulator.requests[0].aborted);
      assert.equal(simulator.requests[0].aborted, true);
    });
  });
}
