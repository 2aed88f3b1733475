/**
 * Guardrails on tool calls: the arguments of the model's earlier tool calls and the tool results in a request,
 * and the arguments of the tool calls in an answer (generated and streamed, split across deltas).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import type { GuardrailEvent } from '../../../src/core/events.js';
import type { Message, StreamPart } from '../../../src/core/types.js';
import { emptyUsage } from '../../../src/core/types.js';
import { guardrails, type GuardrailsConfig } from '../../../src/middleware/guardrails/guardrails.js';
import type { RequestMiddleware, RequestRun } from '../../../src/middleware/middleware.js';
import { makeRun, readAll, resultOf, streamOf } from './run-fixture.js';

const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

function withEvents(config: GuardrailsConfig): { middleware: RequestMiddleware; events: GuardrailEvent[] } {
  const events: GuardrailEvent[] = [];
  return { middleware: guardrails({ ...config, onEvent: (event) => events.push(event) }), events };
}

/** A conversation in which the model called a tool and the tool answered, then the user goes on. */
function toolConversation(run: RequestRun, args: unknown, output: Message['content'][number]): RequestRun {
  const prompt: Message[] = [
    { role: 'user', content: [{ type: 'text', text: 'Look up my account' }] },
    { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: args }] },
    { role: 'tool', content: [output] } as Message,
    { role: 'user', content: [{ type: 'text', text: 'Thanks, go on' }] },
  ];
  run.request = { ...run.request, prompt };
  return run;
}

function toolCallParts(id: string, deltas: readonly string[]): StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'tool-input-start', id, toolName: 'send' },
    ...deltas.map((delta): StreamPart => ({ type: 'tool-input-delta', id, delta })),
    { type: 'tool-input-end', id },
    { type: 'tool-call', toolCallId: id, toolName: 'send', input: deltas.join('') },
    { type: 'finish', finishReason: { unified: 'tool-calls' }, usage: emptyUsage() },
  ];
}

describe('guardrails on tool calls in the request', () => {
  it('redacts strings inside earlier tool-call arguments and JSON tool results, not their keys', async () => {
    const { middleware, events } = withEvents({
      guardrails: [{ name: 'pii', detectors: ['email', 'payment-card'], action: 'redact' }],
    });
    const run = toolConversation(
      makeRun('unused'),
      { customer: { email: EMAIL, tags: ['vip', `cc ${EMAIL}`] }, limit: 3 },
      {
        type: 'tool-result',
        toolCallId: 'c1',
        toolName: 'lookup',
        output: { type: 'json', value: { card: CARD, 'jane.doe@example.com': true } },
      },
    );
    const original = run.request;
    await middleware.transformRequest?.(run);
    assert.notEqual(run.request, original, 'a changed copy replaced the request');
    const [, assistant, tool] = run.request.prompt;
    assert.deepEqual(assistant.content[0], {
      type: 'tool-call',
      toolCallId: 'c1',
      toolName: 'lookup',
      input: { customer: { email: '[EMAIL_1]', tags: ['vip', 'cc [EMAIL_1]'] }, limit: 3 },
    });
    assert.deepEqual((tool.content[0] as { output: unknown }).output, {
      type: 'json',
      value: { card: '[CARD_1]', 'jane.doe@example.com': true },
    });
    // The original request object was not changed.
    assert.deepEqual(
      (original.prompt[1].content[0] as { input: { customer: { email: string } } }).input.customer.email,
      EMAIL,
    );
    assert.deepEqual(
      events.map((event) => [event.phase, event.detector, event.action, event.count]),
      [
        ['input', 'email', 'redact', 2],
        ['input', 'payment-card', 'redact', 1],
      ],
    );
    assert.ok(!JSON.stringify(events).includes('jane.doe'), 'no matched content in an event');
  });

  it('checks the text items of a content tool result and a text tool result; blocks name the detector only', async () => {
    const block = guardrails({ guardrails: [{ name: 'secrets', detectors: ['secrets'], action: 'block' }] });
    const content = toolConversation(
      makeRun('unused'),
      {},
      {
        type: 'tool-result',
        toolCallId: 'c1',
        toolName: 'lookup',
        output: { type: 'content', value: [{ type: 'text', text: `found key ${AWS_KEY}` }] },
      },
    );
    await assert.rejects(
      async () => block.transformRequest?.(content),
      (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, 'guardrail_blocked');
        assert.deepEqual(error.details, { guardrail: 'secrets', detector: 'aws-access-key', phase: 'input' });
        assert.ok(!error.message.includes(AWS_KEY));
        return true;
      },
    );
    const inArguments = toolConversation(
      makeRun('unused'),
      { key: AWS_KEY },
      {
        type: 'tool-result',
        toolCallId: 'c1',
        toolName: 'lookup',
        output: { type: 'text', value: 'ok' },
      },
    );
    await assert.rejects(async () => block.transformRequest?.(inArguments), { code: 'guardrail_blocked' });

    const clean = toolConversation(
      makeRun('unused'),
      { id: 42 },
      {
        type: 'tool-result',
        toolCallId: 'c1',
        toolName: 'lookup',
        output: { type: 'error-json', value: { error: 'not found' } },
      },
    );
    const before = clean.request;
    await block.transformRequest?.(clean);
    assert.equal(clean.request, before, 'nothing matched: the request is not copied');
  });
});

describe('guardrails on tool calls in the answer', () => {
  it('generate: arguments are scanned; content and toolCalls agree', async () => {
    const { middleware, events } = withEvents({
      guardrails: [{ name: 'leak', detectors: ['email'], action: 'redact', phases: ['output'] }],
    });
    const run = makeRun('send it');
    await middleware.transformRequest?.(run);
    const args = JSON.stringify({ to: EMAIL, body: 'hello' });
    const result = await middleware.wrapGenerate?.(run, async () =>
      resultOf('', {
        toolCalls: [{ toolCallId: 'c1', toolName: 'send', input: JSON.parse(args) }],
        content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'send', input: args }],
      }),
    );
    assert.deepEqual(result?.toolCalls[0]?.input, { to: '[EMAIL_1]', body: 'hello' });
    assert.deepEqual(result?.content[0], {
      type: 'tool-call',
      toolCallId: 'c1',
      toolName: 'send',
      input: '{"to":"[EMAIL_1]","body":"hello"}',
    });
    assert.deepEqual(
      events.map((event) => [event.phase, event.detector, event.count]),
      [['output', 'email', 1]],
    );

    const block = guardrails({
      guardrails: [{ name: 'keys', detectors: ['secrets'], action: 'block', phases: ['output'] }],
    });
    const blockedRun = makeRun('send it');
    await block.transformRequest?.(blockedRun);
    const leaked = JSON.stringify({ key: AWS_KEY });
    await assert.rejects(
      async () =>
        block.wrapGenerate?.(blockedRun, async () =>
          resultOf('', {
            toolCalls: [{ toolCallId: 'c1', toolName: 'send', input: JSON.parse(leaked) }],
            content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'send', input: leaked }],
          }),
        ),
      { code: 'guardrail_blocked' },
    );
  });

  it('stream: an e-mail split across argument deltas at every position is redacted; the tool-call part agrees', async () => {
    const middleware = guardrails({
      guardrails: [{ name: 'leak', detectors: ['email'], action: 'redact', phases: ['output'] }],
    });
    const args = JSON.stringify({ to: EMAIL, body: 'hello' });
    const expected = '{"to":"[EMAIL_1]","body":"hello"}';
    for (let split = 1; split < args.length; split += 1) {
      const run = makeRun('send it', { operation: 'stream' });
      await middleware.transformRequest?.(run);
      const inner = {
        ...streamOf(toolCallParts('c1', [args.slice(0, split), args.slice(split)])),
        result: Promise.resolve(
          resultOf('', {
            toolCalls: [{ toolCallId: 'c1', toolName: 'send', input: JSON.parse(args) }],
            content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'send', input: args }],
          }),
        ),
      };
      const stream = await middleware.wrapStream?.(run, async () => inner);
      assert.ok(stream);
      const { parts } = await readAll(stream);
      const streamed = parts.flatMap((part) => (part.type === 'tool-input-delta' ? [part.delta] : [])).join('');
      assert.equal(streamed, expected, `split at ${split}`);
      const call = parts.find((part) => part.type === 'tool-call');
      assert.equal(call?.type === 'tool-call' ? call.input : undefined, expected);
      const result = await stream.result;
      assert.deepEqual(result.toolCalls[0]?.input, { to: '[EMAIL_1]', body: 'hello' });
      assert.deepEqual(result.content[0], { type: 'tool-call', toolCallId: 'c1', toolName: 'send', input: expected });
    }
  });

  it('stream: a tool call that comes without deltas is guarded whole; reversible placeholders are restored', async () => {
    const middleware = guardrails({
      guardrails: [
        { name: 'pii', detectors: ['email'], action: 'redact', reversible: true },
        { name: 'leak', detectors: ['payment-card'], action: 'redact', phases: ['output'] },
      ],
    });
    const run = makeRun(`Mail ${EMAIL} the card`, { operation: 'stream' });
    await middleware.transformRequest?.(run);
    const args = JSON.stringify({ to: '[EMAIL_1]', card: CARD });
    const inner = streamOf([
      { type: 'stream-start', warnings: [] },
      { type: 'tool-call', toolCallId: 'c9', toolName: 'send', input: args },
      { type: 'finish', finishReason: { unified: 'tool-calls' }, usage: emptyUsage() },
    ]);
    const stream = await middleware.wrapStream?.(run, async () => inner);
    assert.ok(stream);
    const { parts } = await readAll(stream);
    const call = parts.find((part) => part.type === 'tool-call');
    assert.equal(call?.type === 'tool-call' ? call.input : undefined, `{"to":"${EMAIL}","card":"[CARD_1]"}`);
  });
});
