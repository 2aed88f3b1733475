import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { listModels } from '../../src/catalog/model-directory.js';
import type { ModelDefinition } from '../../src/catalog/catalog.js';
import type { StreamPart } from '../../src/core/types.js';
import type { RouterConfig } from '../../src/router/router-types.js';
import type { Router } from '../../src/router/router.js';
import { compileRoutingRules } from '../../src/router/routing-rules.js';
import { startRouterFixture, TEST_MODEL, type RouterFixture } from '../helpers/router-fixture.js';

/** Models with known context windows, one offering each. */
const WINDOWED: ModelDefinition[] = [
  {
    id: 'test/small',
    capabilities: { tools: true, images: true, json: true },
    limits: { context: 8_000 },
    offerings: [{ provider: 'openai', providerModelId: 'gpt-4o-mini', pricing: { input: '0.15', output: '0.60' } }],
  },
  {
    id: 'test/small-anthropic',
    limits: { context: 8_000 },
    offerings: [
      { provider: 'anthropic', providerModelId: 'claude-3-5-haiku-20241022', pricing: { input: '0.8', output: '4' } },
    ],
  },
  {
    id: 'test/large',
    limits: { context: 200_000 },
    offerings: [
      { provider: 'anthropic', providerModelId: 'claude-sonnet-4-20250514', pricing: { input: '3', output: '15' } },
    ],
  },
  {
    id: 'test/large-openai',
    limits: { context: 400_000 },
    offerings: [{ provider: 'openai', providerModelId: 'gpt-5', pricing: { input: '1.25', output: '10' } }],
  },
  {
    id: 'test/split',
    offerings: [
      {
        provider: 'openai',
        providerModelId: 'gpt-4o-mini',
        pricing: { input: '0.15', output: '0.60' },
        limits: { context: 50 },
      },
      {
        provider: 'anthropic',
        providerModelId: 'claude-sonnet-4-20250514',
        pricing: { input: '3', output: '15' },
        limits: { context: 200_000 },
      },
    ],
  },
  {
    id: 'test/tiny',
    limits: { context: 50 },
    offerings: [{ provider: 'openai', providerModelId: 'gpt-4o-mini', pricing: { input: '0.15', output: '0.60' } }],
  },
];

const LONG_PROMPT = 'lorem ipsum dolor sit amet '.repeat(40); // about 270 tokens by the gateway's estimate

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

/**
 * One router fixture (the simulators) for a describe block: started before its tests, reset before each, closed
 * after; `build` makes a router over it with the test catalog and the windowed models.
 */
function useRouterFixture(): { build: (config?: Partial<RouterConfig>) => Router; readonly fixture: RouterFixture } {
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
  });
  return {
    build: (config = {}) => fixture.build({ catalog: { models: [TEST_MODEL, ...WINDOWED] }, ...config }),
    get fixture() {
      return fixture;
    },
  };
}

describe('routing rules and virtual models (in process)', () => {
  const setup = useRouterFixture();
  const { build } = setup;

  it('with no rules and no virtual models there is no rewriter at all', () => {
    assert.equal(compileRoutingRules(undefined, undefined), undefined);
    assert.equal(compileRoutingRules([], {}), undefined);
  });

  it('rewrite: a rule matched by a model pattern sends the request to another model', async () => {
    const router = build({
      rules: [{ name: 'retire-legacy', match: { model: 'legacy/*' }, action: { type: 'rewrite', model: 'test/echo' } }],
    });
    const result = await router.generate({
      model: 'legacy/chat-1',
      prompt: 'Hi',
      providerOptions: { gateway: { only: ['openai'] } },
    });
    assert.equal(result.model, 'test/echo');
    assert.equal(setup.fixture.openai.requests.length, 1);
    await router.close();
  });

  it('deny: 403 forbidden naming the rule, matched on account, api key, user and metadata', async () => {
    const router = build({
      rules: [
        { name: 'free-tier-no-anthropic', match: { model: 'test/*', account: 'team_free' }, action: { type: 'deny' } },
        { name: 'revoked-key', match: { apiKey: ['key_old'] }, action: { type: 'deny', message: 'rotate your key' } },
        { match: { user: 'mallory' }, action: { type: 'deny' } },
        { name: 'no-batch', match: { metadata: { job: 'batch' } }, action: { type: 'deny' } },
      ],
    });
    const denied = await rejection(router.generate({ model: 'test/echo', prompt: 'Hi', account: { id: 'team_free' } }));
    assert.equal(denied.code, 'forbidden');
    assert.equal(denied.status, 403);
    assert.match(denied.message, /free-tier-no-anthropic/);
    assert.equal(denied.details?.ruleId, 'free-tier-no-anthropic');
    const key = await rejection(
      router.generate({ model: 'test/echo', prompt: 'Hi', account: { id: 'team_paid', apiKeyId: 'key_old' } }),
    );
    assert.match(key.message, /'revoked-key': rotate your key/);
    const user = await rejection(router.generate({ model: 'test/echo', prompt: 'Hi', user: 'mallory' }));
    assert.equal(user.details?.ruleId, 'rules[2]');
    const batch = await rejection(router.generate({ model: 'test/echo', prompt: 'Hi', metadata: { job: 'batch' } }));
    assert.equal(batch.details?.ruleId, 'no-batch');
    assert.equal(setup.fixture.openai.requests.length + setup.fixture.anthropic.requests.length, 0);
    // Not matched: served.
    const served = await router.generate({ model: 'test/echo', prompt: 'Hi', account: { id: 'team_paid' } });
    assert.equal(served.model, 'test/echo');
    await router.close();
  });

  it('route: a rule matched by a tag restricts the providers and overrides the request', async () => {
    const router = build({
      rules: [{ name: 'eu', match: { tags: ['eu'] }, action: { type: 'route', only: ['anthropic'] } }],
    });
    for (let index = 0; index < 3; index += 1) {
      const result = await router.generate({
        model: 'test/echo',
        prompt: 'Hi',
        tags: ['eu'],
        providerOptions: { gateway: { only: ['openai'] } },
      });
      assert.equal(result.provider, 'anthropic');
    }
    const untagged = await router.generate({
      model: 'test/echo',
      prompt: 'Hi',
      providerOptions: { gateway: { only: ['openai'] } },
    });
    assert.equal(untagged.provider, 'openai');
    await router.close();
  });

  it('a virtual model resolves to its model with its saved routing and tags, and is listed', async () => {
    const router = build({
      virtualModels: {
        'acme/fast': {
          model: 'test/echo',
          providerOptions: { gateway: { order: ['anthropic'] } },
          tags: ['fast'],
          name: 'Acme Fast',
        },
        'acme/resilient': { model: 'openai/gpt-4o-mini', fallbacks: ['anthropic/claude-sonnet-4'] },
      },
    });
    setup.fixture.usage.length = 0;
    const fast = await router.generate({ model: 'acme/fast', prompt: 'Hi', tags: ['mine'] });
    assert.equal(fast.model, 'test/echo');
    assert.equal(fast.provider, 'anthropic');
    assert.deepEqual(setup.fixture.usage.at(-1)?.tags, ['mine', 'fast']);
    setup.fixture.openai.script({ type: 'status', status: 500 });
    const resilient = await router.generate({ model: 'acme/resilient', prompt: 'Hi' });
    assert.equal(resilient.model, 'anthropic/claude-sonnet-4');
    const listed = listModels(router, undefined);
    const virtual = listed.find((entry) => entry.model.id === 'acme/fast');
    assert.ok(virtual, 'acme/fast is listed');
    assert.equal(virtual.model.name, 'Acme Fast');
    assert.deepEqual(virtual.offerings.map((offering) => offering.provider).sort(), ['anthropic', 'openai']);
    assert.ok(listModels(router, ['openai/*']).every((entry) => !entry.model.id.startsWith('acme/')));
    await router.close();
  });

  it('rules and virtual models in a bad config are rejected at construction with each path', () => {
    assert.throws(
      () =>
        build({
          rules: [{ match: { model: 3 as unknown as string }, action: { type: 'teleport' } as never }],
          virtualModels: { 'acme/x': { model: '' } },
        }),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.code === 'config_invalid' &&
        /rules\[0\]\.match\.model/.test(error.message) &&
        /rules\[0\]\.action\.type/.test(error.message) &&
        /virtualModels\.acme\/x\.model/.test(error.message),
    );
  });
});

describe('gateway options (in process)', () => {
  const setup = useRouterFixture();
  const { build } = setup;

  it('has: filters by capability; a tag nobody has is no_route saying why; an unknown tag is a 400', async () => {
    const router = build();
    const tools = await router.generate({
      model: 'test/echo',
      prompt: 'Hi',
      providerOptions: { gateway: { has: ['tool-use', 'vision'] } },
    });
    assert.equal(tools.model, 'test/echo');
    const none = await rejection(
      router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: { gateway: { has: ['reasoning'] } } }),
    );
    assert.equal(none.code, 'no_route');
    assert.match(none.message, /has 'reasoning'/);
    const cached = await router.generate({
      model: 'test/echo',
      prompt: 'Hi',
      providerOptions: { gateway: { has: ['implicit-caching'] } },
    });
    assert.equal(cached.provider, 'openai'); // Claude caches only with breakpoints
    const unknown = await rejection(
      router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: { gateway: { has: ['teleportation'] } } }),
    );
    assert.equal(unknown.code, 'invalid_request');
    assert.equal(unknown.status, 400);
    assert.match(unknown.message, /unknown capability tag 'teleportation'/);
    await router.close();
  });

  it('zeroDataRetention and disallowPromptTraining go only to offerings that declare them', async () => {
    const undeclared = build();
    const refused = await rejection(
      undeclared.generate({
        model: 'test/echo',
        prompt: 'Hi',
        providerOptions: { gateway: { zeroDataRetention: true } },
      }),
    );
    assert.equal(refused.code, 'no_route');
    assert.match(refused.message, /zeroDataRetention: openai \(gpt-4o-mini\) does not declare zero data retention/);
    await undeclared.close();
    const router = build({
      catalog: {
        models: [TEST_MODEL],
        providers: {
          anthropic: { zeroDataRetention: true, disallowPromptTraining: true },
          openai: { disallowPromptTraining: true },
        },
      },
    });
    for (let index = 0; index < 3; index += 1) {
      const result = await router.generate({
        model: 'test/echo',
        prompt: 'Hi',
        providerOptions: { gateway: { zeroDataRetention: true, order: ['openai'] } },
      });
      assert.equal(result.provider, 'anthropic');
    }
    const training = await router.generate({
      model: 'test/echo',
      prompt: 'Hi',
      providerOptions: { gateway: { disallowPromptTraining: true, order: ['openai'] } },
    });
    assert.equal(training.provider, 'openai');
    await router.close();
  });

  it('headquarters: the catalog records each provider country; a request can require or exclude one', async () => {
    const router = build({ catalog: { models: [TEST_MODEL], providers: { anthropic: { headquarters: 'DE' } } } });
    assert.equal(router.catalog.providerFacts('openai')?.headquarters, 'US');
    assert.equal(router.catalog.providerFacts('mistral')?.headquarters, 'FR');
    const german = await router.generate({
      model: 'test/echo',
      prompt: 'Hi',
      providerOptions: { gateway: { headquarters: ['DE'] } },
    });
    assert.equal(german.provider, 'anthropic');
    const notUs = await router.generate({
      model: 'test/echo',
      prompt: 'Hi',
      providerOptions: { gateway: { headquarters: ['!US'] } },
    });
    assert.equal(notUs.provider, 'anthropic');
    const none = await rejection(
      router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: { gateway: { headquarters: ['FR'] } } }),
    );
    assert.equal(none.code, 'no_route');
    assert.match(none.message, /headquarters is \[FR\]/);
    await router.close();
  });

  it('an unknown gateway option is ignored with a warning on the result, generated and streamed', async () => {
    const router = build();
    const gateway = { quotaEntityId: 'q_1', only: ['openai'] };
    const result = await router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: { gateway } });
    assert.deepEqual(
      result.warnings.find((warning) => warning.type === 'unsupported' && warning.feature.endsWith('quotaEntityId')),
      {
        type: 'unsupported',
        feature: 'providerOptions.gateway.quotaEntityId',
        details: 'this gateway does not know this option; it was ignored',
      },
    );
    const stream = router.stream({ model: 'test/echo', prompt: 'Hi', providerOptions: { gateway } });
    const parts: StreamPart[] = [];
    for await (const part of stream.fullStream) parts.push(part);
    const start = parts.find((part) => part.type === 'stream-start');
    assert.ok(start && start.type === 'stream-start');
    assert.ok(
      start.warnings.some((warning) => warning.type === 'unsupported' && warning.feature.endsWith('quotaEntityId')),
    );
    assert.ok((await stream.result).warnings.some((warning) => warning.type === 'unsupported'));
    const plain = await router.generate({
      model: 'test/echo',
      prompt: 'Hi',
      providerOptions: { gateway: { only: ['openai'] } },
    });
    assert.deepEqual(plain.warnings, []);
    await router.close();
  });

  it('maxPrice: offerings above it are not tried; none left is no_route saying why', async () => {
    const router = build();
    for (let index = 0; index < 3; index += 1) {
      const result = await router.generate({
        model: 'test/echo',
        prompt: 'Hi',
        providerOptions: { gateway: { maxPrice: { input: 1, output: '1' }, order: ['anthropic'] } },
      });
      assert.equal(result.provider, 'openai');
    }
    assert.equal(setup.fixture.anthropic.requests.length, 0);
    const none = await rejection(
      router.generate({
        model: 'test/echo',
        prompt: 'Hi',
        providerOptions: { gateway: { maxPrice: { input: '0.1' } } },
      }),
    );
    assert.equal(none.code, 'no_route');
    assert.match(none.message, /maxPrice\.input is \$0\.1 per million tokens: openai \(gpt-4o-mini\) costs \$0\.15/);
    const malformed = await rejection(
      router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: { gateway: { maxPrice: { input: -1 } } } }),
    );
    assert.equal(malformed.code, 'invalid_request');
    await router.close();
  });

  it('providerTimeouts.byok bounds an attempt made with the caller key, then the next offering serves', async () => {
    const router = build();
    setup.fixture.openai.script({ type: 'hang' });
    const result = await router.generate({
      model: 'test/echo',
      prompt: 'Hi',
      providerOptions: {
        gateway: {
          order: ['openai', 'anthropic'],
          byok: { openai: [{ apiKey: 'sk-caller-own-key-0123456789' }] },
          providerTimeouts: { byok: { openai: 100 } },
        },
      },
    });
    assert.equal(result.provider, 'anthropic');
    assert.equal(result.attempts[0].code, 'provider_timeout');
    assert.equal(result.attempts[0].credentialType, 'byok');
    await router.close();
  });
});

describe('fallbacks by kind of failure (in process)', () => {
  const setup = useRouterFixture();
  const { build } = setup;

  it('skips an offering whose context window is smaller than the estimated input plus maxOutputTokens', async () => {
    const router = build();
    const result = await router.generate({
      model: 'test/split',
      prompt: LONG_PROMPT,
      providerOptions: { gateway: { order: ['openai'] } },
    });
    assert.equal(result.provider, 'anthropic');
    assert.equal(setup.fixture.openai.requests.length, 0);
    // A short prompt fits, until its output budget does not.
    const short = await router.generate({
      model: 'test/split',
      prompt: 'Hi',
      providerOptions: { gateway: { order: ['openai'] } },
    });
    assert.equal(short.provider, 'openai');
    const budget = await router.generate({
      model: 'test/split',
      prompt: 'Hi',
      maxOutputTokens: 100,
      providerOptions: { gateway: { order: ['openai'] } },
    });
    assert.equal(budget.provider, 'anthropic');
    const none = await rejection(router.generate({ model: 'test/tiny', prompt: LONG_PROMPT }));
    assert.equal(none.code, 'no_route');
    assert.match(none.message, /context window of 50 tokens; the request needs about \d+/);
    await router.close();
  });

  it('a model too small for the request moves to its configured contextWindowFallbacks', async () => {
    const router = build({ contextWindowFallbacks: { 'test/tiny': ['test/large'] } });
    const result = await router.generate({ model: 'test/tiny', prompt: LONG_PROMPT });
    assert.equal(result.model, 'test/large');
    assert.equal(setup.fixture.openai.requests.length, 0);
    await router.close();
  });

  it("OpenAI's context_length_exceeded moves on to the next fallback model with a larger window", async () => {
    const router = build();
    setup.fixture.openai.script({ type: 'context-length-exceeded', contextWindow: 8_000 });
    const result = await router.generate({
      model: 'test/small',
      prompt: 'Hi',
      providerOptions: { gateway: { models: ['test/small-anthropic', 'test/large'] } },
    });
    assert.equal(result.model, 'test/large');
    assert.equal(result.attempts[0].code, 'provider_context_length_exceeded');
    assert.equal(result.attempts.length, 2); // test/small-anthropic (same window) was not tried
    const body = setup.fixture.anthropic.requests[0].body as { model: string };
    assert.equal(body.model, 'claude-sonnet-4-20250514');
    await router.close();
  });

  it("Anthropic's 'prompt is too long' moves on to a configured contextWindowFallbacks model; without one it is a 400", async () => {
    const router = build({ contextWindowFallbacks: { 'test/large': ['test/large-openai'] } });
    setup.fixture.anthropic.script({ type: 'context-length-exceeded', contextWindow: 200_000 });
    const result = await router.generate({ model: 'test/large', prompt: 'Hi' });
    assert.equal(result.model, 'test/large-openai');
    assert.equal(result.attempts[0].code, 'provider_context_length_exceeded');
    await router.close();
    const plain = build();
    setup.fixture.anthropic.script({ type: 'context-length-exceeded', contextWindow: 200_000 });
    const failed = await rejection(plain.generate({ model: 'test/large', prompt: 'Hi' }));
    assert.equal(failed.code, 'provider_context_length_exceeded');
    assert.equal(failed.status, 400);
    assert.match(failed.message, /prompt is too long/);
    await plain.close();
  });

  it('a content-filter refusal is final by default, and moves on to contentPolicyFallbacks when configured', async () => {
    const plain = build();
    setup.fixture.openai.script({ type: 'content-filter' });
    const refused = await rejection(
      plain.generate({ model: 'test/small', prompt: 'Hi', providerOptions: { gateway: { models: ['test/large'] } } }),
    );
    assert.equal(refused.code, 'provider_content_filter');
    assert.equal(setup.fixture.anthropic.requests.length, 0);
    await plain.close();
    const router = build({ contentPolicyFallbacks: { 'test/small': ['test/large'], 'test/large': ['test/small'] } });
    setup.fixture.openai.script({ type: 'content-filter' });
    const moved = await router.generate({ model: 'test/small', prompt: 'Hi' });
    assert.equal(moved.model, 'test/large');
    assert.equal(moved.attempts[0].code, 'provider_content_filter');
    // Anthropic refuses with a finish reason (stop_reason "refusal"): that answer is replaced by the fallback's.
    setup.fixture.anthropic.script({ type: 'content-filter' });
    setup.fixture.usage.length = 0;
    const replaced = await router.generate({ model: 'test/large', prompt: 'Hi' });
    assert.equal(replaced.model, 'test/small');
    assert.equal(replaced.finishReason.unified, 'stop');
    assert.equal(setup.fixture.usage.length, 2, 'the refused answer is billed too');
    await router.close();
  });
});
