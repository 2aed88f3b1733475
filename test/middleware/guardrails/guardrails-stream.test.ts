import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import type { GuardrailEvent } from '../../../src/core/events.js';
import { builtInDetector, type BuiltInDetectorName } from '../../../src/middleware/guardrails/detectors.js';
import { guardrails } from '../../../src/middleware/guardrails/guardrails.js';
import type { PipelineStream, RequestMiddleware } from '../../../src/middleware/middleware.js';
import type { StreamPart } from '../../../src/core/types.js';
import { CORPUS, inSentence } from './detector-corpus.js';
import { makeRun, partsOf, readAll, streamOf } from './run-fixture.js';

async function guardedStream(
  middleware: RequestMiddleware,
  deltas: readonly string[],
  userText = 'hi',
): Promise<PipelineStream & { inner: ReturnType<typeof streamOf> }> {
  const run = makeRun(userText, { operation: 'stream' });
  await middleware.transformRequest?.(run);
  const inner = streamOf(partsOf(deltas));
  const stream = await middleware.wrapStream?.(run, async () => inner);
  assert.ok(stream);
  return { ...stream, inner };
}

const NAMES = Object.keys(CORPUS) as BuiltInDetectorName[];

describe('guardrails on streams: matches split across deltas', () => {
  for (const name of NAMES) {
    it(`${name}: every positive redacted the same at every split position, and one character per delta`, async () => {
      const middleware = guardrails({
        guardrails: [{ name: 'out', detectors: [name], action: 'redact', phases: ['output'] }],
      });
      const label = builtInDetector(name).label;
      for (const value of CORPUS[name].positives) {
        const { text } = inSentence(value);
        const expected = `Here it is: [${label}_1] — thanks.`;
        for (let split = 1; split < text.length; split += 1) {
          const { text: streamed } = await readAll(
            await guardedStream(middleware, [text.slice(0, split), text.slice(split)]),
          );
          assert.equal(streamed, expected, `${name} split at ${split} of ${JSON.stringify(value)}`);
        }
        const { text: byCharacter } = await readAll(await guardedStream(middleware, [...text]));
        assert.equal(byCharacter, expected, `${name} one character per delta`);
      }
    });
  }

  it('restores reversible placeholders split across deltas, at every split position', async () => {
    const middleware = guardrails({
      guardrails: [{ name: 'pii', detectors: ['email'], action: 'redact', reversible: true }],
    });
    const answer = 'Sent to [EMAIL_1] and [EMAIL_1], not [EMAIL_2] nor [NOPE].';
    for (let split = 1; split < answer.length; split += 1) {
      const stream = await guardedStream(
        middleware,
        [answer.slice(0, split), answer.slice(split)],
        'mail jane@example.com',
      );
      const { text } = await readAll(stream);
      assert.equal(
        text,
        'Sent to jane@example.com and jane@example.com, not [EMAIL_2] nor [NOPE].',
        `split at ${split}`,
      );
      assert.equal((await stream.result).text, text);
    }
  });
});

describe('guardrails on streams: hold-back, blocks and the result', () => {
  it('holds back no more than the configured characters: text flows before the answer ends', async () => {
    const middleware = guardrails({
      streamHoldBack: 64,
      guardrails: [{ name: 'pii', detectors: ['pii', 'secrets'], action: 'redact', phases: ['output'] }],
    });
    const deltas = Array.from({ length: 100 }, (_, index) => `word${index % 10} `);
    const stream = await guardedStream(middleware, deltas);
    let received = 0;
    for await (const part of stream.parts) {
      if (part.type !== 'text-delta') continue;
      received += part.delta.length;
      const pushed = deltas.slice(0, stream.inner.state.read - 2).join('').length; // minus stream-start, text-start
      assert.ok(pushed - received <= 64, `held ${pushed - received} characters`);
    }
    assert.equal(received, deltas.join('').length);
  });

  it('without output guardrails or reversible placeholders the stream is passed through untouched', async () => {
    const middleware = guardrails({ guardrails: [{ name: 'pii', detectors: ['email'], action: 'redact' }] });
    const run = makeRun('nothing to redact', { operation: 'stream' });
    await middleware.transformRequest?.(run);
    const inner = streamOf(partsOf(['a@b.co']));
    assert.equal(await middleware.wrapStream?.(run, async () => inner), inner);
  });

  it('with no guardrail configured, or none for this account, generate and stream answers pass through as they are', async () => {
    for (const middleware of [
      guardrails({}),
      guardrails({
        accounts: { other: { guardrails: [{ name: 'x', detectors: ['email'], action: 'block', phases: ['output'] }] } },
      }),
    ]) {
      const run = makeRun('a@b.co', { operation: 'stream', account: { id: 'mine' } });
      await middleware.transformRequest?.(run);
      const inner = streamOf(partsOf(['a@b.co']));
      assert.equal(await middleware.wrapStream?.(run, async () => inner), inner);
    }
  });

  it('a block after content began ends the stream with an error part and stops reading upstream', async () => {
    const events: GuardrailEvent[] = [];
    const middleware = guardrails({
      guardrails: [{ name: 'leak', detectors: ['secrets'], action: 'block', phases: ['output'] }],
      onEvent: (event) => events.push(event),
    });
    const deltas = [
      ...Array.from({ length: 40 }, () => 'safe text '),
      'key AKIAIOSF',
      'ODNN7EXAMPLE here',
      ...Array.from({ length: 40 }, () => 'more '),
    ];
    const stream = await guardedStream(middleware, deltas);
    const { parts, text } = await readAll(stream);
    const last = parts.at(-1) as Extract<StreamPart, { type: 'error' }>;
    assert.equal(last.type, 'error');
    assert.ok(last.error instanceof GatewayError && last.error.code === 'guardrail_blocked');
    assert.ok(text.length > 0 && !text.includes('AKIA'), 'content before the key reached the caller, the key did not');
    assert.ok(stream.inner.state.cancelled, 'the upstream stream was stopped');
    await assert.rejects(
      stream.result,
      (error: unknown) => error instanceof GatewayError && error.code === 'guardrail_blocked',
    );
    assert.deepEqual(
      events.map((event) => [event.phase, event.detector, event.action]),
      [['output', 'aws-access-key', 'block']],
    );
  });

  it('a block before any content fails the request like any other error', async () => {
    const middleware = guardrails({
      guardrails: [{ name: 'leak', detectors: ['secrets'], action: 'block', phases: ['output'] }],
    });
    const run = makeRun('hi', { operation: 'stream' });
    await middleware.transformRequest?.(run);
    const inner = streamOf(partsOf(['AKIAIOSFODNN7EXAMPLE']));
    await assert.rejects(
      middleware.wrapStream?.(run, async () => inner) ?? Promise.resolve(),
      (error: unknown) => error instanceof GatewayError && error.code === 'guardrail_blocked',
    );
  });

  it('an async output check sees the text so far and can block mid-stream', async () => {
    const middleware = guardrails({
      guardrails: [
        { name: 'judge', phases: ['output'], action: 'block', check: async ({ text }) => text.includes('STOP') },
      ],
    });
    const stream = await guardedStream(middleware, ['fine ', 'fine ', 'now STOP', ' never']);
    const { parts, text } = await readAll(stream);
    assert.equal(parts.at(-1)?.type, 'error');
    assert.ok(!text.includes('never'));
  });

  it('the result agrees with the parts, and output redactions are counted once in an event', async () => {
    const events: GuardrailEvent[] = [];
    const middleware = guardrails({
      guardrails: [{ name: 'pii', detectors: ['email'], action: 'redact', phases: ['input', 'output'] }],
      onEvent: (event) => events.push(event),
    });
    const stream = await guardedStream(middleware, ['mail a@exa', 'mple.com and b@example.org', ' bye']);
    const { text } = await readAll(stream);
    assert.equal(text, 'mail [EMAIL_1] and [EMAIL_2] bye');
    const result = await stream.result;
    assert.equal(result.text, text);
    assert.deepEqual(result.content, [{ type: 'text', text }]);
    assert.deepEqual(
      events.map(({ phase, detector, count }) => [phase, detector, count]),
      [['output', 'email', 2]],
    );
  });

  it('a PEM block longer than the hold-back is redacted from its BEGIN line and swallowed to its END line', async () => {
    const middleware = guardrails({
      streamHoldBack: 64,
      guardrails: [{ name: 'keys', detectors: ['private-key'], action: 'redact', phases: ['output'] }],
    });
    const body = Array.from({ length: 20 }, (_, index) => `MIIEpAIBAAKCAQEA${String(index).padStart(48, 'x')}`).join(
      '\n',
    );
    const answer = `Key:\n-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\nDone.`;
    for (const size of [1, 7, 50, 333]) {
      const deltas = answer.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
      const { text } = await readAll(await guardedStream(middleware, deltas));
      assert.equal(text, 'Key:\n[PRIVATE_KEY_1]\nDone.', `deltas of ${size}`);
    }
  });
});
