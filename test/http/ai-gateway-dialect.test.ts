import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  createGateway,
  GatewayAuthenticationError,
  GatewayForbiddenError,
  GatewayInternalServerError,
  GatewayInvalidRequestError,
  GatewayModelNotFoundError,
  GatewayRateLimitError,
} from '@ai-sdk/gateway';
import { embed, generateObject, generateText, streamText, tool } from 'ai';
import * as gatewayV3 from 'ai-gateway-v3';
import * as aiV6 from 'ai-v6';
import { z } from 'zod';
import { GATEWAY_KEY, OPENAI_VENDOR_KEY, startGateway, type Gateway } from './gateway-fixture.js';

const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

interface GatewayMetadata {
  generationId: string;
  cost: string;
  marketCost: string;
  routing: {
    originalModelId: string;
    resolvedProvider: string;
    finalProvider: string;
    attempts: Array<{
      provider: string;
      providerApiModelId: string;
      credentialType: string;
      success: boolean;
      statusCode: number;
      providerResponseId: string | null;
    }>;
  };
}

// Both client lines, with the same shape of calls: the 4.x line (spec V4, ai 7) and the 3.x line (spec V3, ai 6).
const LINES = [
  {
    name: '4.x (spec V4)',
    path: '/v4/ai',
    createGateway,
    ai: { generateText, streamText, generateObject, embed, tool },
  },
  {
    name: '3.x (spec V3)',
    path: '/v3/ai',
    createGateway: gatewayV3.createGateway,
    ai: {
      generateText: aiV6.generateText,
      streamText: aiV6.streamText,
      generateObject: aiV6.generateObject,
      embed: aiV6.embed,
      tool: aiV6.tool,
    },
  },
] as const;

describe('@ai-sdk/gateway protocol', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway(
      {
        apiKeys: [
          { key: GATEWAY_KEY, id: 'key_test', account: 'team_test' },
          { key: 'gw-anthropic-only-key', id: 'key_limited', account: 'team_test', models: ['anthropic/*'] },
        ],
      },
      {
        hooks: [
          {
            onRequest: (context) => {
              if (context.user === 'explode') throw new Error('hook exploded');
            },
          },
        ],
      },
    );
  });
  afterAll(() => gateway.close());

  for (const line of LINES) {
    describe(line.name, () => {
      const provider = (key = GATEWAY_KEY) =>
        (line.createGateway as typeof createGateway)({ apiKey: key, baseURL: `${gateway.origin}${line.path}` });
      const ai = line.ai as unknown as {
        generateText: typeof generateText;
        streamText: typeof streamText;
        generateObject: typeof generateObject;
        embed: typeof embed;
        tool: typeof tool;
      };

      it('generateText with providerMetadata.gateway (generation id, exact cost, routing)', async () => {
        const result = await ai.generateText({
          model: provider()('openai/gpt-4o'),
          prompt: 'Hello gateway',
          maxRetries: 0,
        });
        assert.equal(result.text, 'You said: Hello gateway');
        assert.equal(result.finishReason, 'stop');
        assert.ok((result.usage.inputTokens ?? 0) > 0 && (result.usage.outputTokens ?? 0) > 0);
        const metadata = result.providerMetadata?.gateway as unknown as GatewayMetadata;
        assert.match(metadata.generationId, /^gen_/);
        assert.match(metadata.cost, /^\d+(\.\d+)?$/);
        assert.equal(metadata.cost, metadata.marketCost);
        assert.equal(metadata.routing.originalModelId, 'openai/gpt-4o');
        assert.equal(metadata.routing.finalProvider, 'openai');
        assert.deepEqual(
          metadata.routing.attempts.map((attempt) => [
            attempt.provider,
            attempt.providerApiModelId,
            attempt.credentialType,
            attempt.success,
            attempt.statusCode,
          ]),
          [['openai', 'gpt-4o', 'system', true, 200]],
        );
        assert.match(metadata.routing.attempts[0].providerResponseId ?? '', /sim/);
      });

      it('streamText with tools, through Anthropic', async () => {
        const result = ai.streamText({
          model: provider()('anthropic/claude-sonnet-4'),
          prompt: 'Weather in Paris?',
          tools: {
            weather: ai.tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string() }) }),
          },
          toolChoice: 'required',
          maxRetries: 0,
        });
        const types: string[] = [];
        for await (const part of result.fullStream) types.push(part.type);
        const calls = await result.toolCalls;
        assert.equal(calls.length, 1);
        assert.equal(calls[0].toolName, 'weather');
        assert.equal(typeof (calls[0].input as { city: unknown }).city, 'string');
        assert.equal(await result.finishReason, 'tool-calls');
        assert.ok(types.includes('tool-input-start') && types.includes('tool-call'), types.join(','));
        const metadata = (await result.providerMetadata)?.gateway as unknown as GatewayMetadata;
        assert.equal(metadata.routing.finalProvider, 'anthropic');
        assert.match(metadata.marketCost, /^\d+(\.\d+)?$/);
      });

      it("keeps the AI SDK's cache hints and thinking options through to Anthropic, in Anthropic's spelling", async () => {
        const system = 'You are the switchyard assistant for AI SDK callers. '.repeat(60);
        const ask = (question: string) =>
          ai.generateText({
            model: provider()('anthropic/claude-sonnet-4'),
            maxRetries: 0,
            maxOutputTokens: 100,
            messages: [
              {
                role: 'user',
                content: [
                  {
                    type: 'text',
                    text: system,
                    providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } },
                  },
                  { type: 'text', text: question },
                ],
              },
            ],
            providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } },
          });
        await ask(`First, over ${line.name}`);
        const body = gateway.anthropic.requests.at(-1)?.body as {
          messages: Array<{ content: Array<{ cache_control?: unknown }> }>;
          thinking: unknown;
        };
        assert.deepEqual(body.messages[0].content[0].cache_control, { type: 'ephemeral' });
        assert.equal(body.messages[0].content[1].cache_control, undefined);
        assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 1024 });
        const second = await ask(`Second, over ${line.name}`);
        assert.ok((second.usage.inputTokenDetails?.cacheReadTokens ?? 0) > 0, JSON.stringify(second.usage));
      });

      it('streamText text arrives part by part', async () => {
        const result = ai.streamText({
          model: provider()('openai/gpt-4o-mini'),
          prompt: 'one two three four',
          maxRetries: 0,
        });
        const deltas: string[] = [];
        for await (const delta of result.textStream) deltas.push(delta);
        assert.equal(deltas.join(''), 'You said: one two three four');
        assert.ok(deltas.length >= 5);
      });

      it('generateObject', async () => {
        const { object } = await ai.generateObject({
          model: provider()('openai/gpt-4o'),
          schema: z.object({ name: z.string(), age: z.number() }),
          prompt: 'Invent a person',
          maxRetries: 0,
        });
        assert.equal(typeof object.name, 'string');
        assert.equal(typeof object.age, 'number');
      });

      it('sends images (file parts) through', async () => {
        const result = await ai.generateText({
          model: provider()('openai/gpt-4o'),
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is in the picture?' },
                { type: 'image', image: Buffer.from(PIXEL, 'base64'), mediaType: 'image/png' },
              ],
            },
          ],
          maxRetries: 0,
        });
        assert.equal(result.text, 'You said: What is in the picture?');
        assert.ok(JSON.stringify(gateway.openai.requests.at(-1)?.body).includes(PIXEL));
      });

      it('embed', async () => {
        const { embedding, usage, providerMetadata } = await ai.embed({
          model: provider().embeddingModel('openai/text-embedding-3-small'),
          value: 'sunny day',
          maxRetries: 0,
        });
        assert.equal(embedding.length, 1536);
        assert.ok(usage.tokens > 0);
        assert.match((providerMetadata?.gateway as unknown as GatewayMetadata).generationId, /^gen_/);
      });

      it('lists models from config with per-token prices', async () => {
        const { models } = await provider().getAvailableModels();
        const claude = models.find((model) => model.id === 'anthropic/claude-sonnet-4');
        assert.ok(claude);
        assert.deepEqual(claude.pricing, {
          input: '0.000003',
          output: '0.000015',
          cachedInputTokens: '0.0000003',
          cacheCreationInputTokens: '0.00000375',
        });
        assert.ok(
          models.some((model) => model.id === 'openai/text-embedding-3-small' && model.modelType === 'embedding'),
        );
      });

      it('maps every error to the client error classes', async () => {
        // `ai` replaces the client's auth error by a plain Error of the same name; the provider call itself gets the
        // class.
        await assert.rejects(
          ai.generateText({ model: provider('gw-wrong-key-0000')('openai/gpt-4o'), prompt: 'x', maxRetries: 0 }),
          (error: unknown) => (error as Error).name === 'GatewayAuthenticationError',
        );
        await assert.rejects(
          provider('gw-wrong-key-0000').getAvailableModels(),
          (error: unknown) =>
            GatewayAuthenticationError.isInstance(error) && (error as GatewayAuthenticationError).statusCode === 401,
        );
        await assert.rejects(
          ai.generateText({ model: provider()('acme/missing'), prompt: 'x', maxRetries: 0 }),
          (error: unknown) =>
            GatewayModelNotFoundError.isInstance(error) &&
            (error as GatewayModelNotFoundError).modelId === 'acme/missing',
        );
        gateway.openai.script({ type: 'status', status: 429, retryAfterSeconds: 1 });
        await assert.rejects(
          ai.generateText({ model: provider()('openai/gpt-4.1-mini'), prompt: 'x', maxRetries: 0 }),
          (error: unknown) =>
            GatewayRateLimitError.isInstance(error) && (error as GatewayRateLimitError).statusCode === 429,
        );
        await assert.rejects(
          ai.generateText({
            model: provider()('openai/gpt-4o'),
            prompt: 'x',
            providerOptions: { gateway: { sort: 'fastest' } },
            maxRetries: 0,
          }),
          (error: unknown) => GatewayInvalidRequestError.isInstance(error) && /sort/.test((error as Error).message),
        );
        await assert.rejects(
          ai.generateText({
            model: provider()('openai/gpt-4o'),
            prompt: 'x',
            providerOptions: { gateway: { user: 'explode' } },
            maxRetries: 0,
          }),
          (error: unknown) =>
            GatewayInternalServerError.isInstance(error) &&
            (error as GatewayInternalServerError).statusCode === 500 &&
            !/hook exploded/.test((error as Error).message),
        );
        await assert.rejects(
          ai.generateText({ model: provider('gw-anthropic-only-key')('openai/gpt-4o'), prompt: 'x', maxRetries: 0 }),
          (error: unknown) =>
            GatewayForbiddenError.isInstance(error) && (error as GatewayForbiddenError).ruleId === 'api-key-models',
        );
      });
    });
  }

  it('a failure after streaming began ends the stream with an error part', async () => {
    gateway.openai.script({ type: 'disconnect', afterParts: 2 });
    const provider = createGateway({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v4/ai` });
    const errors: unknown[] = [];
    const result = streamText({
      model: provider('openai/gpt-4o'),
      prompt: 'a long answer that will break',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    let text = '';
    for await (const part of result.fullStream) if (part.type === 'text-delta') text += part.text;
    assert.ok(text.length > 0, 'content arrived before the failure');
    assert.equal(errors.length, 1);
  });

  it('BYOK credentials are used upstream, marked byok and not charged', async () => {
    const provider = createGateway({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v4/ai` });
    const byokKey = 'sk-byok-caller-key-987654321';
    const result = await generateText({
      model: provider('openai/gpt-4o'),
      prompt: 'my own key',
      providerOptions: { gateway: { byok: { openai: [{ apiKey: byokKey }] } } },
      maxRetries: 0,
    });
    const metadata = result.providerMetadata?.gateway as unknown as GatewayMetadata;
    assert.equal(metadata.routing.attempts[0].credentialType, 'byok');
    assert.equal(metadata.cost, '0');
    assert.notEqual(metadata.marketCost, '0');
    assert.equal(gateway.openai.requests.at(-1)?.headers.authorization, `Bearer ${byokKey}`);
    assert.notEqual(gateway.openai.requests.at(-1)?.headers.authorization, `Bearer ${OPENAI_VENDOR_KEY}`);
  });
});
