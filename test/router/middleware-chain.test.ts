import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError, isGatewayError } from '../../src/core/errors.js';
import type { PipelineStream, RequestMiddleware } from '../../src/middleware/middleware.js';
import type { OpenAttempt } from '../../src/router/attempts.js';
import type { CandidatePolicy } from '../../src/resilience/policy.js';
import type { AttemptPlan, GenerateResult } from '../../src/router/router-types.js';
import type { StreamPart } from '../../src/core/types.js';
import { runMiddlewareContract } from '../middleware/middleware-contract.js';
import { startRouterFixture, type RouterFixture } from '../helpers/router-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

/** The text of the last user message a simulator received. */
function lastUserText(body: unknown): string {
  const messages = (body as { messages: Array<{ role: string; content: unknown }> }).messages;
  const last = messages.filter((message) => message.role === 'user').at(-1);
  const content = last?.content;
  if (typeof content === 'string') return content;
  return (content as Array<{ type: string; text?: string }>).map((part) => part.text ?? '').join('');
}

function fixtureResult(text: string): GenerateResult {
  return {
    requestId: 'req_fixture',
    generationId: 'gen_fixture',
    model: 'openai/gpt-4o-mini',
    provider: 'fixture',
    providerType: 'openai',
    providerModelId: 'gpt-4o-mini',
    credentialType: 'system',
    text,
    reasoningText: undefined,
    content: [{ type: 'text', text }],
    toolCalls: [],
    finishReason: { unified: 'stop' },
    usage: {
      inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 0, text: 0, reasoning: 0 },
    },
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    attempts: [],
    warnings: [],
    providerMetadata: undefined,
    responseId: undefined,
    latencyMs: 0,
  };
}

/** Upper-cases text deltas and the result's text: a middleware that transforms the parts coming back. */
const upper: RequestMiddleware = {
  name: 'upper',
  async wrapStream(_run, next) {
    const inner = await next();
    return {
      parts: (async function* () {
        for await (const part of inner.parts)
          yield part.type === 'text-delta' ? { ...part, delta: part.delta.toUpperCase() } : part;
      })(),
      result: inner.result.then((result) => ({ ...result, text: result.text.toUpperCase() })),
    };
  },
};

runMiddlewareContract('a pass-through middleware', () => ({
  name: 'pass-through',
  wrapGenerate: (_run, next) => next(),
  wrapStream: (_run, next) => next(),
}));
runMiddlewareContract('a stream transformer', () => upper);

describe('the middleware chain', () => {
  let fixture: RouterFixture;
  beforeAll(async () => {
    fixture = await startRouterFixture();
  });
  afterAll(async () => {
    await fixture.close();
  });
  beforeEach(() => {
    fixture.openai.reset();
    fixture.anthropic.reset();
    fixture.usage.length = 0;
  });

  it('runs the middleware outermost first: every transformRequest, then the wraps in, and out in reverse', async () => {
    const log: string[] = [];
    const recording = (name: string): RequestMiddleware => ({
      name,
      transformRequest: () => void log.push(`${name}:transform`),
      async wrapGenerate(_run, next) {
        log.push(`${name}:in`);
        const result = await next();
        log.push(`${name}:out`);
        return result;
      },
    });
    const router = fixture.build({ middleware: [recording('a'), recording('b'), recording('c')] });
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
    assert.deepEqual(log, [
      'a:transform',
      'b:transform',
      'c:transform',
      'a:in',
      'b:in',
      'c:in',
      'c:out',
      'b:out',
      'a:out',
    ]);
  });

  it('answers without next: no attempt, no usage event, no billing hook, nothing upstream', async () => {
    const hookCalls: string[] = [];
    const events: string[] = [];
    const cache: RequestMiddleware = {
      name: 'fixture-cache',
      wrapGenerate: async () => fixtureResult('from the fixture'),
      wrapStream: async (): Promise<PipelineStream> => {
        const parts: StreamPart[] = [
          { type: 'text-start', id: '0' },
          { type: 'text-delta', id: '0', delta: 'from the fixture' },
          { type: 'text-end', id: '0' },
        ];
        return {
          parts: (async function* () {
            yield* parts;
          })(),
          result: Promise.resolve(fixtureResult('from the fixture')),
        };
      },
    };
    const router = fixture.build({
      middleware: [cache],
      hooks: [{ onRequest: () => void hookCalls.push('request'), onAttempt: () => void hookCalls.push('attempt') }],
    });
    for (const event of ['request', 'attempt', 'usage', 'response', 'error'] as const)
      router.on(event, () => void events.push(event));
    const result = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
    assert.equal(result.text, 'from the fixture');
    const stream = router.stream({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
    assert.equal(await stream.text, 'from the fixture');
    assert.deepEqual(hookCalls, [], 'nothing was reserved');
    assert.deepEqual(events, []);
    assert.equal(fixture.usage.length, 0);
    assert.equal(fixture.openai.requests.length + fixture.anthropic.requests.length, 0);
  });

  it('changes what the provider receives with transformRequest', async () => {
    const rewrite: RequestMiddleware = {
      name: 'rewrite',
      transformRequest(run) {
        run.request = {
          ...run.request,
          prompt: [{ role: 'user', content: [{ type: 'text', text: 'rewritten by the middleware' }] }],
        };
      },
    };
    const router = fixture.build({ middleware: [rewrite] });
    const result = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'the original' });
    assert.equal(lastUserText(fixture.openai.requests[0].body), 'rewritten by the middleware');
    assert.match(result.text, /rewritten by the middleware/, 'the simulator echoes what it received');
  });

  it('refuses a request from transformRequest before anything is reserved', async () => {
    const hookCalls: string[] = [];
    const refuse: RequestMiddleware = {
      name: 'refuse',
      transformRequest() {
        throw new GatewayError('invalid_request', 'refused by the guardrail');
      },
    };
    const router = fixture.build({
      middleware: [refuse],
      hooks: [{ onRequest: () => void hookCalls.push('request') }],
    });
    await assert.rejects(router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' }), /refused by the guardrail/);
    await assert.rejects(
      router.stream({ model: 'openai/gpt-4o-mini', prompt: 'Hi' }).result,
      /refused by the guardrail/,
    );
    assert.deepEqual(hookCalls, []);
    assert.equal(fixture.openai.requests.length, 0);
  });

  it("transforms the stream's parts, and stream() reflects what the chain returned", async () => {
    const router = fixture.build({ middleware: [upper] });
    const stream = router.stream({ model: 'openai/gpt-4o-mini', prompt: 'make me loud' });
    let text = '';
    for await (const part of stream.fullStream) if (part.type === 'text-delta') text += part.delta;
    assert.ok(text.length > 0);
    assert.equal(text, text.toUpperCase());
    assert.equal(await stream.text, text);
    assert.equal(fixture.usage.length, 1, 'the attempt under the middleware is billed once');
  });

  it('lets a wrap around next see the errors of the pipeline', async () => {
    const seen: string[] = [];
    const watching: RequestMiddleware = {
      name: 'watching',
      async wrapGenerate(_run, next) {
        try {
          return await next();
        } catch (error) {
          seen.push(isGatewayError(error) ? error.code : 'other');
          throw error;
        }
      },
    };
    const router = fixture.build({ middleware: [watching] });
    fixture.openai.script({ type: 'status', status: 400 });
    await assert.rejects(
      router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' }),
      (error: unknown) => isGatewayError(error) && error.code === 'provider_invalid_request',
    );
    assert.deepEqual(seen, ['provider_invalid_request']);
  });

  it('rejects a second call of next', async () => {
    const twice: RequestMiddleware = {
      name: 'twice',
      async wrapGenerate(_run, next) {
        await next();
        return next();
      },
    };
    const router = fixture.build({ middleware: [twice] });
    await assert.rejects(
      router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' }),
      /called next\(\) more than once/,
    );
    assert.equal(fixture.openai.requests.length, 1);
  });

  it('wraps embeddings: wrapEmbed sees the values, and transformRequest may replace them', async () => {
    const seen: string[][] = [];
    const embeddings: RequestMiddleware = {
      name: 'embeddings',
      transformRequest(run) {
        if (run.values) run.values = run.values.map((value) => value.trim());
      },
      async wrapEmbed(run, next) {
        seen.push(run.values ?? []);
        return next();
      },
    };
    const router = fixture.build({ middleware: [embeddings] });
    const result = await router.embedMany({ model: 'openai/text-embedding-3-small', values: ['  a ', ' b'] });
    assert.equal(result.embeddings.length, 2);
    assert.deepEqual(seen, [['a', 'b']]);
    assert.deepEqual((fixture.openai.requests[0].body as { input: string[] }).input, ['a', 'b']);
    const one = await router.embed({ model: 'openai/text-embedding-3-small', value: ' c ' });
    assert.equal(one.embedding.length > 0, true);
    assert.deepEqual(seen[1], ['c']);
  });

  it('runs the billing hooks inside the middleware: a request the middleware lets through is reserved once per attempt', async () => {
    const plans: AttemptPlan[] = [];
    const order: string[] = [];
    const outer: RequestMiddleware = {
      name: 'outer',
      async wrapGenerate(_run, next) {
        order.push('middleware');
        return next();
      },
    };
    const router = fixture.build({
      middleware: [outer],
      hooks: [{ onRequest: () => void order.push('onRequest'), onAttempt: (_context, plan) => void plans.push(plan) }],
    });
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' });
    assert.deepEqual(order, ['middleware', 'onRequest']);
    assert.deepEqual(
      plans.map((plan) => plan.attempt),
      [0],
    );
  });
});

describe('attempt numbers under a candidate policy that runs attempts at once', () => {
  it('gives two attempts in flight at once different numbers and lease ids, and bills each once', async () => {
    const fixture = await startRouterFixture();
    try {
      let release!: () => void;
      const hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      fixture.openai.configure({ hold });
      fixture.anthropic.configure({ hold });
      // Starts the first two candidates together; answers with the first, discards the other.
      const both: CandidatePolicy = {
        name: 'both-at-once',
        async execute(run, operation, candidates, steps) {
          const started = [
            steps.tryCandidate(run, operation, candidates[0], undefined),
            steps.tryCandidate(run, operation, candidates[1], undefined),
          ];
          const settled = await Promise.allSettled(started);
          const opened = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
          for (const extra of opened.slice(1)) await steps.discard(extra as OpenAttempt<unknown>);
          if (opened.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
          return opened[0];
        },
      };
      const leases: string[] = [];
      const settledLeases: string[] = [];
      const router = fixture.build({
        policies: { candidate: both },
        hooks: [
          {
            onAttempt: (context, plan) => {
              const id = `${context.requestId}:${plan.attempt}`;
              leases.push(id);
              return { settle: () => void settledLeases.push(id), release: () => undefined };
            },
          },
        ],
      });
      const pending = router.generate({ model: 'test/echo', prompt: 'Hi' });
      await waitFor(() => fixture.openai.requests.length === 1 && fixture.anthropic.requests.length === 1);
      assert.equal(new Set(leases).size, 2, `two attempts in flight hold two leases: ${leases.join(', ')}`);
      release();
      const result = await pending;
      assert.equal(result.text.length > 0, true);
      assert.deepEqual([...leases].sort(), [`${result.requestId}:0`, `${result.requestId}:1`]);
      assert.deepEqual([...settledLeases].sort(), [...leases].sort(), 'each lease settled once');
      assert.deepEqual(
        fixture.usage.map((event) => event.attempt).sort(),
        [0, 1],
        'one usage event per attempt, numbered apart',
      );
    } finally {
      await fixture.close();
    }
  });
});
