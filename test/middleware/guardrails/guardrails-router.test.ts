/**
 * Guardrails end to end: a Router with `middleware: [guardrails(...)]` over the OpenAI simulator, served by
 * Express through the gateway middleware, called with the openai and anthropic SDKs.
 *
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import express from 'express';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../../adapters/express.js';
import type { GuardrailEvent } from '../../../src/core/events.js';
import { guardrails } from '../../../src/middleware/guardrails/guardrails.js';
import type { RequestMiddleware } from '../../../src/middleware/middleware.js';
import { Router } from '../../../src/router/router.js';
import type { RouterConfig } from '../../../src/router/router-types.js';
import { createOpenAISimulator } from '../../../src/testing/openai-simulator.js';
import type { Simulator } from '../../../src/testing/simulator-server.js';
import { closeServer, listen } from '../../http/gateway-fixture.js';

const GATEWAY_KEY = 'gw-guardrails-key-0001';
const VENDOR_KEY = 'sk-test-guardrails-0123456789abcdef';
const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';

function lastUserContent(simulator: Simulator): string {
  const body = simulator.requests.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
  const content = body.messages.filter((message) => message.role === 'user').at(-1)?.content;
  return typeof content === 'string' ? content : JSON.stringify(content);
}

describe('guardrails through the router and the HTTP dialects', () => {
  let simulator: Simulator;
  let router: Router;
  let server: Server;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const events: GuardrailEvent[] = [];

  beforeAll(async () => {
    simulator = createOpenAISimulator();
    const vendorURL = await simulator.start();
    const middleware = guardrails({
      guardrails: [
        { name: 'pii', detectors: ['email', 'phone'], action: 'redact', reversible: true },
        { name: 'cards', detectors: ['payment-card'], action: 'block' },
        { name: 'answers', deny: ['forbidden-word'], action: 'block', phases: ['output'] },
      ],
      apiKeys: { key_1: { mayDisable: ['pii'] } },
    });
    router = new Router({
      providers: { openai: { type: 'openai', apiKey: VENDOR_KEY, baseURL: `${vendorURL}/v1` } },
      retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 50 },
      middleware: [middleware],
    } as RouterConfig & { middleware: RequestMiddleware[] });
    router.on('guardrail', (event) => {
      events.push(event);
    });
    const app = express();
    app.use(
      createGatewayMiddleware({
        router,
        apiKeys: [{ key: GATEWAY_KEY, id: 'key_1', account: 'team_acme' }],
        logger: false,
      }),
    );
    server = createServer(app);
    const origin = await listen(server);
    openai = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: origin, maxRetries: 0 });
  });
  afterAll(async () => {
    await closeServer(server);
    await router.close();
    await simulator.close();
  });

  it('redacts before the vendor and restores for the caller (chat completions)', async () => {
    const completion = await openai.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: `mail ${EMAIL} today` }],
    });
    assert.equal(lastUserContent(simulator).includes(EMAIL), false, 'the vendor never saw the address');
    assert.match(lastUserContent(simulator), /\[EMAIL_1\]/);
    assert.equal(completion.choices[0]?.message.content, `You said: mail ${EMAIL} today`);
    assert.ok(
      events.some(
        (event) =>
          event.guardrail === 'pii' &&
          event.detector === 'email' &&
          event.action === 'redact' &&
          event.phase === 'input',
      ),
    );
    assert.ok(!JSON.stringify(events).includes(EMAIL));
  });

  it('redacts and restores inside a stream', async () => {
    const stream = await openai.chat.completions.create({
      model: 'openai/gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: `call +44 20 7946 0958 or mail ${EMAIL}` }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, `You said: call +44 20 7946 0958 or mail ${EMAIL}`);
    assert.match(lastUserContent(simulator), /call \[PHONE_1\] or mail \[EMAIL_1\]/);
  });

  it('blocks with a 400 the openai SDK raises as BadRequestError, naming the guardrail, never the card', async () => {
    const before = simulator.requests.length;
    await assert.rejects(
      openai.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: `card ${CARD}` }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.equal(error.status, 400);
        assert.equal(error.code, 'guardrail_blocked');
        assert.match(error.message, /guardrail 'cards' \(detector: payment-card\)/);
        assert.ok(!error.message.includes('4111'));
        return true;
      },
    );
    assert.equal(simulator.requests.length, before, 'nothing went upstream');
  });

  it('blocks with a 400 the anthropic SDK raises as BadRequestError', async () => {
    await assert.rejects(
      anthropic.messages.create({
        model: 'openai/gpt-4o',
        max_tokens: 50,
        messages: [{ role: 'user', content: `card ${CARD}` }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.BadRequestError, String(error));
        assert.equal(error.status, 400);
        assert.ok(!error.message.includes('4111'));
        return true;
      },
    );
  });

  it('ends a stream that a block stops after content began with an error the SDK raises', async () => {
    const filler = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');
    const stream = await openai.chat.completions.create({
      model: 'openai/gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: `${filler} forbidden-word and more` }],
    });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
      (error: unknown) => error instanceof OpenAI.APIError && /guardrail 'answers'/.test(error.message),
    );
    assert.ok(text.startsWith('You said: word0'));
    assert.ok(!text.includes('forbidden-word'));
  });

  it('a key that may turn a guardrail off does so per request', async () => {
    const completion = await openai.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: `mail ${EMAIL}` }],
      // @ts-expect-error: the gateway's own routing options
      providerOptions: { gateway: { guardrails: { disable: ['pii'] } } },
    });
    assert.equal(completion.choices[0]?.message.content, `You said: mail ${EMAIL}`);
    assert.ok(lastUserContent(simulator).includes(EMAIL), 'pii was off for this request');
  });
});
