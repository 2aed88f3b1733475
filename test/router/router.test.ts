import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { AbortHandle } from '../../src/core/abort-handle.js';
import { computeCost } from '../../src/billing/cost.js';
import { GatewayError } from '../../src/core/errors.js';
import type { StreamPart } from '../../src/core/types.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  startRouterFixture,
  TEST_MODEL,
  type RouterFixture,
} from '../helpers/router-fixture.js';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `a GatewayError, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    return error;
  }
  return assert.fail(`expected ${code}`);
}

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('Router', () => {
  let fixture: RouterFixture;
  beforeAll(async () => {
    fixture = await startRouterFixture();
  });
  afterAll(() => fixture.close());
  beforeEach(async () => {
    await fixture.reset();
  });

  describe('generate', () => {
    it('answers through the catalog offering and reports provider, usage, cost and attempts', async () => {
      const result = await fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hello router' });
      assert.match(result.text, /Hello router/);
      assert.equal(result.provider, 'openai');
      assert.equal(result.providerModelId, 'gpt-4o-mini');
      assert.match(result.generationId, /^gen_[0-9A-HJKMNP-TV-Z]{26}$/);
      assert.equal(result.attempts.length, 1);
      assert.equal(result.attempts[0].outcome, 'success');
      const totals = fixture.openai.totals;
      assert.equal(result.usage.inputTokens.total, totals.inputTokens);
      assert.equal(result.usage.outputTokens.total, totals.outputTokens);
      const expected = computeCost(
        {
          noCacheInput: totals.inputTokens - totals.cachedInputTokens,
          cacheRead: totals.cachedInputTokens,
          cacheWrite: 0,
          output: totals.outputTokens,
        },
        { input: '0.15', output: '0.60', cacheRead: '0.075' },
      );
      assert.deepEqual(result.cost, expected);
      assert.equal(fixture.usage.length, 1);
      assert.equal(fixture.usage[0].generationId, result.generationId);
      assert.equal(fixture.usage[0].cost.total, expected.total);
      assert.equal(fixture.usage[0].estimated, false);
      assert.equal(fixture.usage[0].credentialType, 'system');
    });

    it('accepts messages and system, and passes tools and parses tool calls', async () => {
      const result = await fixture.router.generate({
        model: 'anthropic/claude-sonnet-4',
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Please use the tool' }],
        tools: [
          {
            type: 'function',
            name: 'weather',
            inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
        toolChoice: { type: 'required' },
      });
      assert.equal(result.provider, 'anthropic');
      assert.deepEqual(
        result.toolCalls.map((call) => [call.toolName, call.input]),
        [['weather', { city: 'sample' }]],
      );
      assert.equal(result.finishReason.unified, 'tool-calls');
      assert.equal((fixture.anthropic.requests[0].body as { system?: unknown }).system !== undefined, true);
    });

    it('rejects bad input with invalid_request saying what is wrong', async () => {
      await rejectsWith(fixture.router.generate({ model: '', prompt: 'x' }), 'invalid_request');
      const error = await rejectsWith(
        fixture.router.generate({ model: 'openai/gpt-4o', prompt: 42 as unknown as string }),
        'invalid_request',
      );
      assert.match(error.message, /prompt/);
      await rejectsWith(
        fixture.router.generate({ model: 'openai/gpt-4o', prompt: 'x', maxOutputTokens: -1 }),
        'invalid_request',
      );
      await rejectsWith(
        fixture.router.generate({ model: 'openai/gpt-4o', messages: [{ role: 'robot', content: 'x' } as never] }),
        'invalid_request',
      );
      assert.equal(fixture.openai.requests.length, 0);
    });

    it('says model_not_found for an unknown model and no_route when nothing configured serves it', async () => {
      const missing = await rejectsWith(
        fixture.router.generate({ model: 'openai/gpt-99', prompt: 'x' }),
        'model_not_found',
      );
      assert.equal(missing.status, 404);
      const noRoute = await rejectsWith(
        fixture.router.generate({ model: 'google/gemini-2.5-flash', prompt: 'x' }),
        'no_route',
      );
      assert.match(noRoute.message, /google.*not configured/);
    });

    it('never routes a request to an offering that lacks a needed capability', async () => {
      const router = fixture.build({
        catalog: {
          models: [
            {
              ...TEST_MODEL,
              offerings: [{ ...TEST_MODEL.offerings[0], capabilities: { tools: false } }, TEST_MODEL.offerings[1]],
            },
          ],
        },
      });
      const tool = { type: 'function' as const, name: 'weather', inputSchema: { type: 'object' } };
      for (let index = 0; index < 5; index += 1) {
        const result = await router.generate({ model: 'test/echo', prompt: 'Hi', tools: [tool] });
        assert.equal(result.provider, 'anthropic');
      }
      const only = await rejectsWith(
        router.generate({
          model: 'test/echo',
          prompt: 'Hi',
          tools: [tool],
          providerOptions: { gateway: { only: ['openai'] } },
        }),
        'no_route',
      );
      assert.match(only.message, /does not support tools/);
    });

    it('bypasses the catalog with a raw provider:model id', async () => {
      const result = await fixture.router.generate({ model: 'openai:gpt-4o-mini-2024-07-18', prompt: 'raw' });
      assert.equal(result.providerModelId, 'gpt-4o-mini-2024-07-18');
      assert.equal((fixture.openai.requests[0].body as { model: string }).model, 'gpt-4o-mini-2024-07-18');
    });
  });

  describe('routing options', () => {
    it('order: the listed providers first, in order', async () => {
      for (let index = 0; index < 4; index += 1) {
        const result = await fixture.router.generate({
          model: 'test/echo',
          prompt: 'Hi',
          providerOptions: { gateway: { order: ['anthropic', 'openai'] } },
        });
        assert.equal(result.provider, 'anthropic');
      }
      assert.equal(fixture.openai.requests.length, 0);
    });

    it('order: falls to the next listed provider when the first fails', async () => {
      fixture.anthropic.script({ type: 'status', status: 500 });
      const fallbacks: string[] = [];
      fixture.router.on('fallback', (event) => {
        fallbacks.push(`${event.from.provider}->${event.to.provider}:${event.code}`);
      });
      const result = await fixture.router.generate({
        model: 'test/echo',
        prompt: 'Hi',
        providerOptions: { gateway: { order: ['anthropic', 'openai'] } },
      });
      assert.equal(result.provider, 'openai');
      assert.deepEqual(
        result.attempts.map((attempt) => [attempt.provider, attempt.outcome, attempt.status]),
        [
          ['anthropic', 'error', 500],
          ['openai', 'success', 200],
        ],
      );
      assert.deepEqual(fallbacks, ['anthropic->openai:provider_unavailable']);
    });

    it('only: restricts to the listed providers, and fails rather than leave them', async () => {
      fixture.anthropic.script({ type: 'status', status: 500 });
      const error = await rejectsWith(
        fixture.router.generate({
          model: 'test/echo',
          prompt: 'Hi',
          providerOptions: { gateway: { only: ['anthropic'] } },
        }),
        'provider_unavailable',
      );
      assert.equal(error.attempts?.length, 1);
      assert.equal(fixture.openai.requests.length, 0);
    });

    it('models: falls back to the next model once every offering of the first failed', async () => {
      fixture.openai.script({ type: 'status', status: 503 });
      const result = await fixture.router.generate({
        model: 'openai/gpt-4o-mini',
        prompt: 'Hi',
        providerOptions: { gateway: { models: ['anthropic/claude-sonnet-4'] } },
      });
      assert.equal(result.model, 'anthropic/claude-sonnet-4');
      assert.equal(result.provider, 'anthropic');
      assert.equal(result.attempts.length, 2);
    });

    it('sort by cost puts the cheaper offering first', async () => {
      for (let index = 0; index < 3; index += 1) {
        const result = await fixture.router.generate({
          model: 'test/echo',
          prompt: 'Hi',
          providerOptions: { gateway: { sort: 'cost' } },
        });
        assert.equal(result.provider, 'openai');
      }
    });
  });

  describe('faults and failover', () => {
    const faults: Array<[string, Parameters<RouterFixture['openai']['script']>[0], string]> = [
      [
        'a 429 whose Retry-After is too long to wait',
        { type: 'status', status: 429, retryAfterSeconds: 60 },
        'provider_rate_limited',
      ],
      ['a 500', { type: 'status', status: 500 }, 'provider_unavailable'],
      ['a 503', { type: 'status', status: 503 }, 'provider_overloaded'],
      ['a 529', { type: 'status', status: 529 }, 'provider_overloaded'],
      ['a 401 (bad provider key)', { type: 'status', status: 401 }, 'provider_authentication'],
      ['a hang past the attempt timeout', { type: 'hang' }, 'provider_timeout'],
      ['a connection reset', { type: 'reset' }, 'provider_connection'],
      ['a malformed body', { type: 'malformed' }, 'provider_bad_response'],
    ];
    for (const [label, fault, code] of faults) {
      it(`fails over to the next provider on ${label}`, async () => {
        // Only the hang needs the attempt timeout to pass; a short one elsewhere would race the answer on a busy
        // machine.
        const router = fixture.build({
          attemptTimeoutMs: code === 'provider_timeout' ? 1_500 : 30_000,
          retry: { maxRetries: 1, initialDelayMs: 5, maxRetryAfterMs: 1_000 },
        });
        await router.ready();
        fixture.openai.script(fault, fault);
        const result = await router.generate({
          model: 'test/echo',
          prompt: 'Hi',
          providerOptions: { gateway: { order: ['openai', 'anthropic'] } },
        });
        assert.equal(result.provider, 'anthropic');
        assert.equal(result.attempts[0].code, code);
        assert.equal(result.attempts.at(-1)?.outcome, 'success');
      });
    }

    it('fails fast on a bad request (400) without trying another provider', async () => {
      fixture.openai.script({ type: 'status', status: 400, message: 'Invalid value for temperature' });
      const error = await rejectsWith(
        fixture.router.generate({
          model: 'test/echo',
          prompt: 'Hi',
          providerOptions: { gateway: { order: ['openai', 'anthropic'] } },
        }),
        'provider_invalid_request',
      );
      assert.equal(error.status, 400);
      assert.match(error.message, /temperature/);
      assert.equal(fixture.anthropic.requests.length, 0);
    });

    it('retries a retryable error on the same offering, honouring Retry-After', async () => {
      const router = fixture.build({ retry: { maxRetries: 2, initialDelayMs: 5 } });
      fixture.openai.script({ type: 'status', status: 429, retryAfterSeconds: 1 }, 'ok');
      const started = Date.now();
      const result = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
      assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
      assert.equal(result.provider, 'openai');
      assert.deepEqual(
        result.attempts.map((attempt) => [attempt.code ?? 'ok', attempt.retry ?? 0]),
        [
          ['provider_rate_limited', 0],
          ['ok', 1],
        ],
      );
    });

    it('retries with backoff when no Retry-After is given, then moves on', async () => {
      const router = fixture.build({ retry: { maxRetries: 2, initialDelayMs: 5 } });
      fixture.openai.script(
        { type: 'status', status: 500 },
        { type: 'status', status: 500 },
        { type: 'status', status: 500 },
      );
      const result = await router.generate({
        model: 'test/echo',
        prompt: 'Hi',
        providerOptions: { gateway: { order: ['openai'] } },
      });
      assert.equal(fixture.openai.requests.length, 3);
      assert.equal(result.provider, 'anthropic');
    });

    it('carries the last error and every attempt when all candidates fail', async () => {
      fixture.openai.script({ type: 'status', status: 503 });
      fixture.anthropic.script({ type: 'status', status: 529 });
      const errors: string[] = [];
      fixture.router.on('error', (event) => {
        errors.push(event.error.code);
      });
      const error = await rejectsWith(
        fixture.router.generate({ model: 'test/echo', prompt: 'Hi' }),
        'provider_overloaded',
      );
      assert.equal(error.attempts?.length, 2);
      assert.deepEqual(errors, ['provider_overloaded']);
      assert.equal(fixture.usage.length, 0, 'failed attempts are not billed');
    });

    it('aborts the upstream call at once when the caller aborts', async () => {
      fixture.openai.script({ type: 'hang' });
      const controller = new AbortController();
      const promise = fixture.router.generate({
        model: 'openai/gpt-4o-mini',
        prompt: 'Hi',
        abortSignal: controller.signal,
      });
      await waitFor(() => fixture.openai.requests.length > 0);
      controller.abort();
      await rejectsWith(promise, 'aborted');
      await waitFor(() => fixture.openai.requests[0].aborted);
      assert.equal(fixture.openai.requests[0].aborted, true);
      assert.equal(fixture.anthropic.requests.length, 0, 'an abort does not fail over');
    });

    it('follows an abort handle in place of a signal (the HTTP layer passes one), building no signal unless read', async () => {
      const seen: Array<AbortSignal | undefined> = [];
      const hooked = fixture.build({
        hooks: [{ onRequest: (context) => void seen.push(context.request.abortSignal) }],
      });
      const handle = new AbortHandle();
      await hooked.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' }, { abort: handle });
      assert.equal(seen[0]?.aborted, false, 'a request hook sees a signal that follows the handle');
      handle.abort();
      assert.equal(seen[0]?.aborted, true);
      assert.equal((seen[0]?.reason as DOMException).name, 'AbortError');
      fixture.openai.script({ type: 'hang' });
      const aborting = new AbortHandle();
      const promise = fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' }, { abort: aborting });
      await waitFor(() => fixture.openai.requests.length > 1);
      aborting.abort();
      await rejectsWith(promise, 'aborted');
      await waitFor(() => fixture.openai.requests[1].aborted);
      assert.equal(fixture.openai.requests[1].aborted, true, 'the upstream call was cut');
      assert.equal(fixture.anthropic.requests.length, 0, 'an abort does not fail over');
      assert.equal(
        (aborting as unknown as { controller?: AbortController }).controller,
        undefined,
        'no signal was built on the way',
      );
    });

    it('gives up at the overall deadline', async () => {
      const router = fixture.build({ deadlineMs: 200, attemptTimeoutMs: 5_000 });
      fixture.openai.script({ type: 'hang' });
      fixture.anthropic.script({ type: 'hang' });
      const error = await rejectsWith(router.generate({ model: 'test/echo', prompt: 'Hi' }), 'timeout');
      assert.equal(error.status, 504);
    });

    it('opens the breaker of an offering that keeps failing and routes around it', async () => {
      const router = fixture.build({ health: { consecutiveFailuresToOpen: 2, cooldownMs: 60_000 } });
      const states: string[] = [];
      router.on('health', (event) => {
        states.push(`${event.provider}:${event.state}`);
      });
      fixture.openai.configure({ faultRate: 1, fault: { type: 'status', status: 500 } });
      for (let index = 0; index < 2; index += 1)
        await router.generate({
          model: 'test/echo',
          prompt: 'Hi',
          providerOptions: { gateway: { order: ['openai'] } },
        });
      assert.deepEqual(states, ['openai:open']);
      const before = fixture.openai.requests.length;
      for (let index = 0; index < 5; index += 1)
        assert.equal((await router.generate({ model: 'test/echo', prompt: 'Hi' })).provider, 'anthropic');
      assert.equal(fixture.openai.requests.length, before, 'an open breaker is skipped');
      const snapshot = router.health.snapshot('openai', 'gpt-4o-mini');
      assert.equal(snapshot.state, 'open');
      assert.equal(snapshot.failures, 2);
    });
  });

  describe('stream', () => {
    it('streams text, and resolves text, usage and result, with one usage event', async () => {
      const stream = fixture.router.stream({ model: 'openai/gpt-4o-mini', prompt: 'Stream me please' });
      let text = '';
      for await (const delta of stream) text += delta;
      assert.match(text, /Stream me please/);
      assert.equal(await stream.text, text);
      const result = await stream.result;
      assert.equal(result.usage.outputTokens.total, fixture.openai.totals.outputTokens);
      assert.ok(result.timeToFirstTokenMs !== undefined);
      assert.equal(fixture.usage.length, 1);
      assert.equal(fixture.usage[0].streamed, true);
      assert.equal(fixture.usage[0].estimated, false);
    });

    it('fails over invisibly before the first content part', async () => {
      fixture.openai.script({ type: 'status', status: 503 });
      const stream = fixture.router.stream({
        model: 'test/echo',
        prompt: 'Failover stream',
        providerOptions: { gateway: { order: ['openai', 'anthropic'] } },
      });
      const parts = await collect(stream.fullStream);
      assert.ok(!parts.some((part) => part.type === 'error'), 'no error part');
      assert.equal(parts.filter((part) => part.type === 'stream-start').length <= 1, true);
      assert.equal(parts.at(-1)?.type, 'finish');
      const result = await stream.result;
      assert.equal(result.provider, 'anthropic');
      assert.equal(result.attempts.length, 2);
    });

    it('ends with an error part after content began, and bills what was consumed', async () => {
      fixture.openai.script({ type: 'disconnect', afterParts: 3 });
      const stream = fixture.router.stream({
        model: 'test/echo',
        prompt: 'a b c d e f g h i j k l',
        providerOptions: { gateway: { order: ['openai', 'anthropic'] } },
      });
      const parts = await collect(stream.fullStream);
      const last = parts.at(-1);
      assert.equal(last?.type, 'error');
      assert.ok(parts.some((part) => part.type === 'text-delta'));
      assert.equal(fixture.anthropic.requests.length, 0, 'no failover after content');
      await assert.rejects(stream.result, GatewayError);
      assert.equal(fixture.usage.length, 1);
      assert.equal(fixture.usage[0].estimated, true);
      assert.ok(fixture.usage[0].outputTokens > 0);
      assert.ok(fixture.usage[0].cost.total > 0);
    });

    it('aborting the stream aborts the upstream and bills the consumed part', async () => {
      fixture.openai.configure({ tokensPerSecond: 50 });
      const stream = fixture.router.stream({
        model: 'openai/gpt-4o-mini',
        prompt: 'one two three four five six seven eight nine ten',
      });
      let deltas = 0;
      for await (const _delta of stream.textStream) {
        if (++deltas === 2) break;
      }
      await waitFor(() => fixture.openai.requests[0].aborted && fixture.usage.length > 0);
      assert.equal(fixture.openai.requests[0].aborted, true);
      assert.equal(fixture.usage.length, 1);
      assert.equal(fixture.usage[0].estimated, true);
    });

    it('lets several readers see every part', async () => {
      const stream = fixture.router.stream({ model: 'openai/gpt-4o-mini', prompt: 'two readers' });
      const [full, text] = await Promise.all([
        collect(stream.fullStream),
        (async () => {
          let all = '';
          for await (const delta of stream.textStream) all += delta;
          return all;
        })(),
      ]);
      assert.equal(
        full
          .filter((part) => part.type === 'text-delta')
          .map((part) => (part as { delta: string }).delta)
          .join(''),
        text,
      );
    });

    it('reports a bad request through the stream', async () => {
      const stream = fixture.router.stream({ model: 'nope/none', prompt: 'x' });
      const parts = await collect(stream.fullStream);
      assert.equal(parts[0].type, 'error');
      await rejectsWith(stream.result, 'model_not_found');
    });
  });

  describe('events and credentials', () => {
    it('a listener that throws or rejects never fails a request', async () => {
      const listenerErrors: string[] = [];
      fixture.router.on('listener-error', (event) => {
        listenerErrors.push(event.event);
      });
      fixture.router.on('usage', () => {
        throw new Error('listener bug');
      });
      fixture.router.on('response', async () => {
        throw new Error('async listener bug');
      });
      fixture.router.on('attempt', () => new Promise(() => undefined)); // never settles: must not delay
      const result = await fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
      assert.match(result.text, /Hi/);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(listenerErrors.sort(), ['response', 'usage']);
    });

    it('emits request, attempt, usage and response in order', async () => {
      const events: string[] = [];
      for (const name of ['request', 'attempt', 'usage', 'response'] as const)
        fixture.router.on(name, () => void events.push(name));
      await fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
      assert.deepEqual(events, ['request', 'attempt', 'usage', 'response']);
    });

    it('usage events sum to what the simulators reported, across providers and models', async () => {
      for (let index = 0; index < 6; index += 1)
        await fixture.router.generate({ model: 'test/echo', prompt: `Message number ${index} with some words` });
      const stream = fixture.router.stream({ model: 'anthropic/claude-sonnet-4', prompt: 'streamed words here' });
      await stream.result;
      const byProvider = (provider: string) => fixture.usage.filter((event) => event.provider === provider);
      for (const [provider, simulator] of [
        ['openai', fixture.openai],
        ['anthropic', fixture.anthropic],
      ] as const) {
        const events = byProvider(provider);
        assert.equal(
          events.reduce((sum, event) => sum + event.inputTokens, 0),
          simulator.totals.inputTokens,
        );
        assert.equal(
          events.reduce((sum, event) => sum + event.outputTokens, 0),
          simulator.totals.outputTokens,
        );
      }
      assert.equal(fixture.usage.length, 7);
      for (const event of fixture.usage)
        assert.equal(
          event.cost.total,
          event.cost.input + event.cost.output + event.cost.cacheRead + event.cost.cacheWrite,
        );
    });

    it('BYOK credentials replace the configured key for that request and mark usage byok', async () => {
      const own = 'sk-own-key-for-this-request-42';
      await fixture.router.generate({
        model: 'openai/gpt-4o-mini',
        prompt: 'Hi',
        providerOptions: { gateway: { byok: { openai: [{ apiKey: own }] } } },
      });
      assert.equal(fixture.openai.requests[0].headers.authorization, `Bearer ${own}`);
      assert.equal(fixture.usage[0].credentialType, 'byok');
      await fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
      assert.equal(fixture.openai.requests[1].headers.authorization, `Bearer ${OPENAI_KEY}`);
    });

    it('never lets a provider key reach an error, event or result', async () => {
      fixture.openai.script({ type: 'status', status: 401, message: `Incorrect API key provided: ${OPENAI_KEY}` });
      fixture.anthropic.script({ type: 'status', status: 401, message: `invalid x-api-key ${ANTHROPIC_KEY}` });
      const seen: unknown[] = [];
      for (const name of ['request', 'attempt', 'fallback', 'error'] as const)
        fixture.router.on(name, (event) => void seen.push(event));
      const error = await rejectsWith(
        fixture.router.generate({ model: 'test/echo', prompt: 'Hi' }),
        'provider_authentication',
      );
      const everything = JSON.stringify([error.message, error.toJSON(), seen, error.attempts]);
      assert.ok(!everything.includes(OPENAI_KEY) && !everything.includes(ANTHROPIC_KEY), 'no key anywhere');
    });

    it('serves one model from two named instances of one provider type', async () => {
      const router = fixture.build({
        providers: {
          openai: { type: 'openai', apiKey: OPENAI_KEY, baseURL: `${fixture.openai.baseURL}/v1` },
          'openai-eu': { type: 'openai', apiKey: 'sk-eu-key-0123456789', baseURL: `${fixture.openai.baseURL}/v1` },
        },
      });
      fixture.openai.script({ type: 'status', status: 500 });
      const result = await router.generate({
        model: 'openai/gpt-4o-mini',
        prompt: 'Hi',
        providerOptions: { gateway: { order: ['openai'] } },
      });
      assert.equal(result.provider, 'openai-eu');
      assert.deepEqual(
        result.attempts.map((attempt) => attempt.provider),
        ['openai', 'openai-eu'],
      );
    });
  });

  describe('embeddings and structured output', () => {
    it('embeds one and many values with usage and cost', async () => {
      const one = await fixture.router.embed({ model: 'openai/text-embedding-3-small', value: 'hello', dimensions: 4 });
      assert.equal(one.embedding.length, 4);
      const many = await fixture.router.embedMany({ model: 'openai/text-embedding-3-small', values: ['a', 'b', 'c'] });
      assert.equal(many.embeddings.length, 3);
      assert.equal(many.usage.tokens, 3);
      assert.equal(fixture.usage.at(-1)?.operation, 'embed');
      await rejectsWith(fixture.router.embedMany({ model: 'openai/gpt-4o-mini', values: ['a'] }), 'no_route');
      await rejectsWith(
        fixture.router.embedMany({ model: 'openai/text-embedding-3-small', values: [] }),
        'invalid_request',
      );
    });

    it('generates a validated object from a JSON Schema', async () => {
      const schema = {
        type: 'object',
        properties: { name: { type: 'string' }, age: { type: 'integer' } },
        required: ['name', 'age'],
        additionalProperties: false,
      };
      for (const model of ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4']) {
        const { object } = await fixture.router.generateObject<{ name: string; age: number }>({
          model,
          prompt: 'A person',
          schema,
        });
        assert.deepEqual(object, { name: 'sample', age: 1 });
      }
    });

    it('gives invalid_object with the raw text when the object does not match', async () => {
      fixture.openai.configure({ reply: () => ({ text: '{"name": 5}' }) });
      const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
      const error = await rejectsWith(
        fixture.router.generateObject({ model: 'openai/gpt-4o-mini', prompt: 'A person', schema }),
        'invalid_object',
      );
      assert.equal(error.text, '{"name": 5}');
      fixture.openai.configure({ reply: () => ({ text: '{"name": "trunc', finishReason: 'length' }) });
      const truncated = await rejectsWith(
        fixture.router.generateObject({ model: 'openai/gpt-4o-mini', prompt: 'A person', schema }),
        'invalid_object',
      );
      assert.match(truncated.message, /truncated/);
    });

    it('streams partial objects, then the validated object', async () => {
      const { z } = await import('zod');
      const schema = z.object({ title: z.string(), tags: z.array(z.string()) });
      const stream = fixture.router.streamObject<{ title: string; tags: string[] }>({
        model: 'openai/gpt-4o-mini',
        prompt: 'A post',
        schema,
      });
      const partials: unknown[] = [];
      for await (const partial of stream.partialObjectStream) partials.push(partial);
      assert.ok(partials.length > 1, 'several partials');
      assert.deepEqual(await stream.object, { title: 'sample', tags: ['sample'] });
    });
  });
});

describe('attempt numbers', () => {
  it('numbers the attempts of a request in plans and usage events', async () => {
    const fixture = await startRouterFixture();
    try {
      const plans: number[] = [];
      const router = fixture.build({ hooks: [{ onAttempt: (_context, plan) => void plans.push(plan.attempt) }] });
      fixture.openai.script({ type: 'status', status: 500 });
      const result = await router.generate({
        model: 'test/echo',
        prompt: 'Hi',
        providerOptions: { gateway: { order: ['openai', 'anthropic'] } },
      });
      assert.equal(result.provider, 'anthropic');
      assert.deepEqual(plans, [0, 1]);
      assert.equal(fixture.usage.at(-1)?.attempt, 1);
    } finally {
      await fixture.close();
    }
  });
});
