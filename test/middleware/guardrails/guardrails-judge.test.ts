import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import type { AccountReference } from '../../../src/core/events.js';
import { guardrails, type GuardrailJudge } from '../../../src/middleware/guardrails/guardrails.js';
import type { GenerateRequest } from '../../../src/core/types.js';
import type { GenerateResult } from '../../../src/router/router-types.js';
import { makeRun, partsOf, readAll, resultOf, streamOf } from './run-fixture.js';

type JudgeRequest = GenerateRequest & { account?: AccountReference };

function fakeRouter(
  answer: (request: JudgeRequest) => Promise<GenerateResult>,
): GuardrailJudge['router'] & { requests: JudgeRequest[] } {
  const requests: JudgeRequest[] = [];
  return {
    requests,
    generate(request) {
      requests.push(request);
      return answer(request);
    },
  };
}

const isBlocked =
  (detector: string) =>
  (error: unknown): boolean =>
    error instanceof GatewayError && error.code === 'guardrail_blocked' && error.details?.detector === detector;

describe('guardrails: model-based checks (a judge through the router)', () => {
  it('asks the judge model with a JSON schema, tagged and billed to the account, and blocks on its verdict', async () => {
    const router = fakeRouter(async (request) =>
      resultOf(
        String(request.prompt).includes('attack')
          ? '{"flagged":true,"category":"violence"}'
          : '{"flagged":false,"category":"none"}',
      ),
    );
    const middleware = guardrails({
      guardrails: [
        {
          name: 'moderation',
          judge: { router, model: 'openai/gpt-4o-mini', instructions: 'Flag violence.' },
          action: 'block',
        },
      ],
    });
    const account = { id: 'team_acme', apiKeyId: 'key_1' };
    await assert.rejects(
      middleware.transformRequest?.(makeRun('plan an attack', { account })) ?? Promise.resolve(),
      isBlocked('judge:violence'),
    );
    await middleware.transformRequest?.(makeRun('plan a picnic', { account }));
    const asked = router.requests[0];
    assert.equal(asked?.model, 'openai/gpt-4o-mini');
    assert.equal(asked?.responseFormat?.type, 'json');
    assert.deepEqual(asked?.tags, ['guardrail-judge']);
    assert.deepEqual(asked?.account, account);
    assert.match(String(asked?.system), /Flag violence\./);
  });

  it("the judge's own request is not judged again; a request cannot pass itself off as one", async () => {
    const router = fakeRouter(async () => resultOf('{"flagged":true,"category":"x"}'));
    const middleware = guardrails({
      guardrails: [{ name: 'moderation', judge: { router, model: 'm/j', instructions: 'Flag all.' }, action: 'block' }],
    });
    await assert.rejects(middleware.transformRequest?.(makeRun('anything')) ?? Promise.resolve(), isBlocked('judge:x'));
    const judgeRequest = makeRun('anything');
    judgeRequest.request = { ...judgeRequest.request, metadata: { ...(router.requests[0]?.metadata ?? {}) } };
    await middleware.transformRequest?.(judgeRequest);
    assert.equal(router.requests.length, 1, 'the judge request went through unjudged');
    const forged = makeRun('anything');
    forged.request = { ...forged.request, metadata: { 'switchyard-guardrail-judge': 'guess' } };
    await assert.rejects(middleware.transformRequest?.(forged) ?? Promise.resolve(), isBlocked('judge:x'));
  });

  it('fails open by default and closed when asked, on an error, a timeout or an answer without a verdict', async () => {
    const failing = [
      fakeRouter(async () => {
        throw new GatewayError('provider_unavailable', 'down');
      }),
      fakeRouter(
        (request) =>
          new Promise((_, reject) =>
            request.abortSignal?.addEventListener('abort', () => reject(new Error('timed out'))),
          ),
      ),
      fakeRouter(async () => resultOf('no json here')),
    ];
    for (const router of failing) {
      const open = guardrails({
        guardrails: [{ name: 'j', judge: { router, model: 'm/j', instructions: 'x', timeoutMs: 20 }, action: 'block' }],
      });
      await open.transformRequest?.(makeRun('text'));
      const closed = guardrails({
        guardrails: [
          {
            name: 'j',
            judge: { router, model: 'm/j', instructions: 'x', timeoutMs: 20, onFailure: 'block' },
            action: 'block',
          },
        ],
      });
      await assert.rejects(closed.transformRequest?.(makeRun('text')) ?? Promise.resolve(), isBlocked('judge-failed'));
    }
  });

  it('judges whole generate answers, not stream deltas', async () => {
    const router = fakeRouter(async () => resultOf('{"flagged":true,"category":"leak"}'));
    const middleware = guardrails({
      guardrails: [
        { name: 'j', phases: ['output'], judge: { router, model: 'm/j', instructions: 'x' }, action: 'block' },
      ],
    });
    const run = makeRun('hi');
    await middleware.transformRequest?.(run);
    await assert.rejects(
      middleware.wrapGenerate?.(run, async () => resultOf('answer')) ?? Promise.resolve(),
      isBlocked('judge:leak'),
    );
    const streamRun = makeRun('hi', { operation: 'stream' });
    await middleware.transformRequest?.(streamRun);
    const stream = await middleware.wrapStream?.(streamRun, async () => streamOf(partsOf(['an ', 'answer'])));
    assert.ok(stream);
    assert.equal((await readAll(stream)).text, 'an answer');
    assert.equal(router.requests.length, 1);
  });

  it('a judge with redact, or with a check too, is a configuration error', () => {
    const router = fakeRouter(async () => resultOf('{}'));
    assert.throws(
      () =>
        guardrails({ guardrails: [{ name: 'j', judge: { router, model: 'm', instructions: 'x' }, action: 'redact' }] }),
      /redact/,
    );
    assert.throws(
      () =>
        guardrails({
          guardrails: [
            { name: 'j', judge: { router, model: 'm', instructions: 'x' }, check: () => true, action: 'block' },
          ],
        }),
      /not both/,
    );
  });
});
