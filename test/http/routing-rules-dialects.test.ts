import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { createGateway, GatewayForbiddenError, GatewayInvalidRequestError } from '@ai-sdk/gateway';
import { generateText, streamText } from 'ai';
import type { ModelDefinition } from '../../src/catalog/catalog.js';
import type { RouterConfig } from '../../src/router/router-types.js';
import { TEST_MODEL } from '../helpers/router-fixture.js';
import { GATEWAY_KEY, startGateway, type Gateway } from './gateway-fixture.js';

const WINDOWED: ModelDefinition[] = [
  {
    id: 'test/small',
    limits: { context: 8_000 },
    capabilities: { tools: true, images: true, json: true },
    offerings: [{ provider: 'openai', providerModelId: 'gpt-4o-mini', pricing: { input: '0.15', output: '0.60' } }],
  },
  {
    id: 'test/large',
    limits: { context: 200_000 },
    capabilities: { tools: true, images: true, json: true },
    offerings: [
      { provider: 'anthropic', providerModelId: 'claude-sonnet-4-20250514', pricing: { input: '3', output: '15' } },
    ],
  },
  {
    id: 'test/split',
    capabilities: { tools: true, images: true, json: true },
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
];

const ROUTER: Partial<RouterConfig> = {
  catalog: { models: [TEST_MODEL, ...WINDOWED], providers: { anthropic: { zeroDataRetention: true } } },
  rules: [
    { name: 'retire-legacy', match: { model: 'legacy/*' }, action: { type: 'rewrite', model: 'test/echo' } },
    {
      name: 'no-opus',
      match: { model: 'anthropic/claude-opus-*' },
      action: { type: 'deny', message: 'Opus is not enabled for this team' },
    },
    { name: 'eu-only', match: { tags: ['eu'] }, action: { type: 'route', only: ['anthropic'] } },
  ],
  virtualModels: {
    'acme/fast': { model: 'test/echo', providerOptions: { gateway: { order: ['anthropic'] } }, tags: ['fast'] },
  },
};

const LONG_PROMPT = 'lorem ipsum dolor sit amet '.repeat(40);

describe('rules, virtual models and gateway options through the three dialects (real clients)', () => {
  let gateway: Gateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const ai = () => createGateway({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v4/ai` });
  /** Which simulator served the request made by `call`. */
  const servedBy = async (call: () => Promise<unknown>): Promise<'openai' | 'anthropic'> => {
    const before = { openai: gateway.openai.requests.length, anthropic: gateway.anthropic.requests.length };
    await call();
    const openaiCalls = gateway.openai.requests.length - before.openai;
    const anthropicCalls = gateway.anthropic.requests.length - before.anthropic;
    assert.equal(openaiCalls + anthropicCalls, 1, 'exactly one upstream request');
    return openaiCalls === 1 ? 'openai' : 'anthropic';
  };

  beforeAll(async () => {
    (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false; // the warnings are asserted
    gateway = await startGateway({}, ROUTER);
    openai = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
  });
  afterAll(() => gateway.close());
  beforeEach(() => {
    gateway.openai.reset();
    gateway.anthropic.reset();
  });

  describe('OpenAI dialect (openai SDK)', () => {
    it('rewrite: a legacy model id is served as the rule says', async () => {
      const completion = await openai.chat.completions.create({
        model: 'legacy/gpt-3',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      assert.equal(completion.model, 'test/echo');
      assert.equal(completion.choices[0].message.content, 'You said: Hi');
    });

    it('deny: 403 permission_error with code forbidden, naming the rule', async () => {
      await assert.rejects(
        openai.chat.completions.create({
          model: 'anthropic/claude-opus-4.1',
          messages: [{ role: 'user', content: 'Hi' }],
        }),
        (error: unknown) =>
          error instanceof OpenAI.PermissionDeniedError &&
          error.status === 403 &&
          error.code === 'forbidden' &&
          /routing rule 'no-opus': Opus is not enabled/.test(error.message),
      );
      assert.equal(gateway.anthropic.requests.length, 0);
    });

    it('route: the x-gateway-tags header matches a rule that keeps the request on anthropic', async () => {
      for (let index = 0; index < 3; index += 1) {
        const served = await servedBy(() =>
          openai.chat.completions.create(
            { model: 'test/echo', messages: [{ role: 'user', content: 'Hi' }] },
            { headers: { 'x-gateway-tags': 'eu' } },
          ),
        );
        assert.equal(served, 'anthropic');
      }
    });

    it('a virtual model is listed in /v1/models and served with its saved routing', async () => {
      const ids: string[] = [];
      for await (const model of openai.models.list()) ids.push(model.id);
      assert.ok(ids.includes('acme/fast'));
      assert.ok(ids.includes('test/echo'));
      const retrieved = await openai.models.retrieve('acme/fast');
      assert.equal(retrieved.id, 'acme/fast');
      const served = await servedBy(() =>
        openai.chat.completions.create({ model: 'acme/fast', messages: [{ role: 'user', content: 'Hi' }] }),
      );
      assert.equal(served, 'anthropic');
    });

    it('zeroDataRetention filters offerings; an unknown `has` tag is a 400; an unknown option is a warning', async () => {
      const served = await servedBy(() =>
        openai.chat.completions.create({
          model: 'test/echo',
          messages: [{ role: 'user', content: 'Hi' }],
          providerOptions: { gateway: { zeroDataRetention: true, order: ['openai'] } },
        } as OpenAI.ChatCompletionCreateParamsNonStreaming),
      );
      assert.equal(served, 'anthropic');
      await assert.rejects(
        openai.chat.completions.create({
          model: 'test/echo',
          messages: [{ role: 'user', content: 'Hi' }],
          providerOptions: { gateway: { has: ['telepathy'] } },
        } as OpenAI.ChatCompletionCreateParamsNonStreaming),
        (error: unknown) =>
          error instanceof OpenAI.BadRequestError && /unknown capability tag 'telepathy'/.test(error.message),
      );
      const { response } = await openai.chat.completions
        .create({
          model: 'test/echo',
          messages: [{ role: 'user', content: 'Hi' }],
          providerOptions: { gateway: { quotaEntityId: 'q_1' } },
        } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .withResponse();
      const warnings = JSON.parse(response.headers.get('x-gateway-warnings') ?? '[]') as Array<{ feature?: string }>;
      assert.ok(warnings.some((warning) => warning.feature === 'providerOptions.gateway.quotaEntityId'));
    });

    it("OpenAI's context_length_exceeded moves on to the fallback model with a larger window (streamed too)", async () => {
      gateway.openai.script({ type: 'context-length-exceeded', contextWindow: 8_000 });
      const completion = await openai.chat.completions.create({
        model: 'test/small',
        messages: [{ role: 'user', content: 'Hi' }],
        providerOptions: { gateway: { models: ['test/large'] } },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      assert.equal(completion.model, 'test/large');
      gateway.openai.script({ type: 'context-length-exceeded', contextWindow: 8_000 });
      const stream = await openai.chat.completions.create({
        model: 'test/small',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        providerOptions: { gateway: { models: ['test/large'] } },
      } as OpenAI.ChatCompletionCreateParamsStreaming);
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.equal(text, 'You said: Hi');
      assert.equal(gateway.anthropic.requests.length, 2);
    });

    it('maxPrice keeps the request off offerings above it; none left is a 400 no_route saying why', async () => {
      const served = await servedBy(() =>
        openai.chat.completions.create({
          model: 'test/echo',
          messages: [{ role: 'user', content: 'Hi' }],
          providerOptions: { gateway: { maxPrice: { input: 1 }, order: ['anthropic'] } },
        } as OpenAI.ChatCompletionCreateParamsNonStreaming),
      );
      assert.equal(served, 'openai');
      await assert.rejects(
        openai.chat.completions.create({
          model: 'test/echo',
          messages: [{ role: 'user', content: 'Hi' }],
          providerOptions: { gateway: { maxPrice: { output: '0.5' } } },
        } as OpenAI.ChatCompletionCreateParamsNonStreaming),
        (error: unknown) =>
          error instanceof OpenAI.BadRequestError &&
          error.code === 'no_route' &&
          /maxPrice\.output/.test(error.message),
      );
    });
  });

  describe('Anthropic dialect (@anthropic-ai/sdk)', () => {
    it('deny: 403 permission_error naming the rule', async () => {
      await assert.rejects(
        anthropic.messages.create({
          model: 'claude-opus-4-1-20250805',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'Hi' }],
        }),
        (error: unknown) =>
          error instanceof Anthropic.PermissionDeniedError &&
          error.status === 403 &&
          (error.error as { error?: { type?: string } }).error?.type === 'permission_error' &&
          /routing rule 'no-opus'/.test(error.message),
      );
    });

    it('rewrite and route: a legacy id is rewritten, a tagged request routed to anthropic', async () => {
      const rewritten = await anthropic.messages.create({
        model: 'legacy/claude-2',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      assert.equal(rewritten.content[0].type === 'text' && rewritten.content[0].text, 'You said: Hi');
      const served = await servedBy(() =>
        anthropic.messages.create(
          { model: 'test/echo', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] },
          { headers: { 'x-gateway-tags': 'eu' } },
        ),
      );
      assert.equal(served, 'anthropic');
    });

    it('a virtual model is listed in /v1/models and served', async () => {
      const ids: string[] = [];
      for await (const model of anthropic.models.list()) ids.push(model.id);
      assert.ok(ids.includes('acme/fast'), `listed: ${ids.join(', ')}`);
      const served = await servedBy(() =>
        anthropic.messages.create({ model: 'acme/fast', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }),
      );
      assert.equal(served, 'anthropic');
    });

    it('skips an offering whose context window the prompt does not fit', async () => {
      const served = await servedBy(() =>
        anthropic.messages.create({
          model: 'test/split',
          max_tokens: 16,
          messages: [{ role: 'user', content: LONG_PROMPT }],
          providerOptions: { gateway: { order: ['openai'] } },
        } as Anthropic.MessageCreateParamsNonStreaming),
      );
      assert.equal(served, 'anthropic');
    });

    it('has filters offerings and an unknown tag is a 400 invalid_request_error', async () => {
      const served = await servedBy(() =>
        anthropic.messages.create({
          model: 'test/echo',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'Hi' }],
          providerOptions: { gateway: { has: ['implicit-caching'] } },
        } as Anthropic.MessageCreateParamsNonStreaming),
      );
      assert.equal(served, 'openai');
      await assert.rejects(
        anthropic.messages.create({
          model: 'test/echo',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'Hi' }],
          providerOptions: { gateway: { has: ['!telepathy'] } },
        } as Anthropic.MessageCreateParamsNonStreaming),
        (error: unknown) => error instanceof Anthropic.BadRequestError && /unknown capability tag/.test(error.message),
      );
    });
  });

  describe('@ai-sdk/gateway dialect (ai + @ai-sdk/gateway)', () => {
    it('deny: GatewayForbiddenError with the rule as its ruleId', async () => {
      await assert.rejects(
        generateText({ model: ai()('anthropic/claude-opus-4.1'), prompt: 'Hi', maxRetries: 0 }),
        (error: unknown) =>
          GatewayForbiddenError.isInstance(error) &&
          (error as GatewayForbiddenError).ruleId === 'no-opus' &&
          /Opus is not enabled/.test((error as Error).message),
      );
    });

    it('rewrite and route (tags in providerOptions.gateway)', async () => {
      const rewritten = await generateText({ model: ai()('legacy/any'), prompt: 'Hi', maxRetries: 0 });
      assert.equal(rewritten.text, 'You said: Hi');
      const served = await servedBy(() =>
        generateText({
          model: ai()('test/echo'),
          prompt: 'Hi',
          providerOptions: { gateway: { tags: ['eu'] } },
          maxRetries: 0,
        }),
      );
      assert.equal(served, 'anthropic');
    });

    it('a virtual model is listed in /config and served', async () => {
      const { models } = await ai().getAvailableModels();
      const fast = models.find((model) => model.id === 'acme/fast');
      assert.ok(fast, 'acme/fast is in /config');
      assert.equal(fast.specification.modelId, 'acme/fast');
      const served = await servedBy(() => generateText({ model: ai()('acme/fast'), prompt: 'Hi', maxRetries: 0 }));
      assert.equal(served, 'anthropic');
    });

    it('zeroDataRetention and has filter; an unknown has tag is a GatewayInvalidRequestError', async () => {
      const served = await servedBy(() =>
        generateText({
          model: ai()('test/echo'),
          prompt: 'Hi',
          providerOptions: { gateway: { zeroDataRetention: true, has: ['tool-use'], order: ['openai'] } },
          maxRetries: 0,
        }),
      );
      assert.equal(served, 'anthropic');
      await assert.rejects(
        generateText({
          model: ai()('test/echo'),
          prompt: 'Hi',
          providerOptions: { gateway: { has: ['quantum'] } },
          maxRetries: 0,
        }),
        (error: unknown) =>
          GatewayInvalidRequestError.isInstance(error) &&
          /unknown capability tag 'quantum'/.test((error as Error).message),
      );
    });

    it('an unknown gateway option is a warning on the result, not an error (generated and streamed)', async () => {
      const result = await generateText({
        model: ai()('test/echo'),
        prompt: 'Hi',
        providerOptions: { gateway: { quotaEntityId: 'q_1', idempotencyKey: 'k_1' } },
        maxRetries: 0,
      });
      assert.equal(result.text, 'You said: Hi');
      const features = result.warnings?.map((warning) => ('feature' in warning ? warning.feature : undefined));
      assert.ok(features?.includes('providerOptions.gateway.quotaEntityId'), JSON.stringify(result.warnings));
      assert.ok(features?.includes('providerOptions.gateway.idempotencyKey'));
      const stream = streamText({
        model: ai()('test/echo'),
        prompt: 'Hi',
        providerOptions: { gateway: { quotaEntityId: 'q_1' } },
        maxRetries: 0,
      });
      assert.equal(await stream.text, 'You said: Hi');
      const streamed = (await stream.warnings)?.map((warning) => ('feature' in warning ? warning.feature : undefined));
      assert.ok(streamed?.includes('providerOptions.gateway.quotaEntityId'), JSON.stringify(await stream.warnings));
    });

    it('context length exceeded moves on to the larger model; maxPrice with nothing left is a 400 saying why', async () => {
      gateway.openai.script({ type: 'context-length-exceeded', contextWindow: 8_000 });
      const result = await generateText({
        model: ai()('test/small'),
        prompt: 'Hi',
        providerOptions: { gateway: { models: ['test/large'] } },
        maxRetries: 0,
      });
      assert.equal(result.text, 'You said: Hi');
      const routing = (result.providerMetadata?.gateway as { routing?: { finalProvider?: string } } | undefined)
        ?.routing;
      assert.equal(routing?.finalProvider, 'anthropic');
      await assert.rejects(
        generateText({
          model: ai()('test/echo'),
          prompt: 'Hi',
          providerOptions: { gateway: { maxPrice: { input: '0.01' } } },
          maxRetries: 0,
        }),
        (error: unknown) =>
          GatewayInvalidRequestError.isInstance(error) && /maxPrice\.input/.test((error as Error).message),
      );
    });
  });
});
