/**
 * Failover costs with a dead primary: a refused connection moves on without a backoff while another
 * candidate is left, and the half-open breaker's probe runs in the background, not on a user's request.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Router } from '../../src/router/router.js';
import type { RouterConfig } from '../../src/router/router-types.js';
import { createAnthropicSimulator } from '../../src/testing/anthropic-simulator.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { seededRandom } from '../helpers/candidates.js';
import { ANTHROPIC_KEY, OPENAI_KEY, TEST_MODEL } from '../helpers/router-fixture.js';
import { waitFor } from '../helpers/wait-for.js';
import { freePort } from '../store/redis-server.js';
import { TestClock } from '../store/store-suite.js';

const PRIMARY_FIRST = { gateway: { order: ['openai', 'anthropic'] } };

describe('Router failover with a dead primary', () => {
  let openai: Simulator;
  let anthropic: Simulator;
  let openaiURL: string;
  let anthropicURL: string;
  beforeAll(async () => {
    openai = createOpenAISimulator();
    anthropic = createAnthropicSimulator();
    [openaiURL, anthropicURL] = await Promise.all([openai.start(), anthropic.start()]);
  });
  afterAll(async () => {
    await Promise.all([openai.close(), anthropic.close()]);
  });

  const build = (openaiBaseURL: string, overrides: Partial<RouterConfig> = {}): Router =>
    new Router({
      providers: {
        openai: { type: 'openai', apiKey: OPENAI_KEY, baseURL: openaiBaseURL },
        anthropic: { type: 'anthropic', apiKey: ANTHROPIC_KEY, baseURL: anthropicURL },
      },
      catalog: { models: [TEST_MODEL] },
      random: seededRandom(3),
      attemptTimeoutMs: 10_000,
      ...overrides,
    });

  it('moves on at once from a refused connection while another candidate is left, and retries it when none is', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/v1`; // nothing listens: every connection is refused
    // A backoff of 20 s or more: a retry before moving on would show in the attempts (and the clock).
    const router = build(closed, { retry: { maxRetries: 1, initialDelayMs: 40_000, maxDelayMs: 40_000 } });
    await router.ready();
    const result = await router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: PRIMARY_FIRST });
    assert.equal(result.provider, 'anthropic');
    assert.deepEqual(
      result.attempts.map((attempt) => `${attempt.provider}:${attempt.code ?? attempt.outcome}`),
      ['openai:provider_connection', 'anthropic:success'],
    );
    const alone = build(closed, { retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1 } });
    const error = await alone
      .generate({ model: 'test/echo', prompt: 'Hi', providerOptions: { gateway: { only: ['openai'] } } })
      .then(
        () => assert.fail('no candidate can answer'),
        (failure: { code: string; attempts: Array<{ retry?: number }> }) => failure,
      );
    assert.equal(error.code, 'provider_connection');
    assert.equal(error.attempts.length, 2, 'the only candidate is retried');
    await Promise.all([router.close(), alone.close()]);
  });

  it('probes a half-open breaker in the background: no request waits on the probe, and a good probe closes it', async () => {
    const clock = new TestClock();
    const router = build(`${openaiURL}/v1`, {
      retry: { maxRetries: 0 },
      attemptTimeoutMs: 1_500,
      health: { consecutiveFailuresToOpen: 1, cooldownMs: 30_000, now: clock.now },
    });
    const states: string[] = [];
    router.on('health', (change) => void states.push(`${change.provider}:${change.state}`));
    openai.reset();
    openai.script({ type: 'status', status: 500 });
    const opening = await router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: PRIMARY_FIRST });
    assert.equal(opening.provider, 'anthropic');
    assert.equal(router.health.state('openai', 'gpt-4o-mini'), 'open');

    // The cooldown ends while the primary still hangs: the request is answered by the next candidate
    // without waiting, while the probe goes to the primary on the side (and fails by timing out).
    clock.advance(30_000);
    openai.script({ type: 'hang' });
    const requestsBefore = openai.requests.length;
    const during = await router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: PRIMARY_FIRST });
    assert.equal(during.provider, 'anthropic');
    assert.deepEqual(
      during.attempts.map((attempt) => attempt.provider),
      ['anthropic'],
      'the user request did not go to the half-open primary',
    );
    await waitFor(() => openai.requests.length > requestsBefore, 10_000);
    assert.match(JSON.stringify(openai.requests.at(-1)?.body), /ping/, 'the probe is the gateway’s own request');
    await waitFor(() => router.health.state('openai', 'gpt-4o-mini') === 'open', 20_000);

    // Next cooldown: the primary is back. The probe closes the breaker, and requests return to it.
    clock.advance(30_000);
    const recovering = await router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: PRIMARY_FIRST });
    assert.deepEqual(
      recovering.attempts.map((attempt) => attempt.provider),
      ['anthropic'],
    );
    await waitFor(() => router.health.state('openai', 'gpt-4o-mini') === 'closed', 20_000);
    const back = await router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: PRIMARY_FIRST });
    assert.equal(back.provider, 'openai');
    assert.deepEqual(states, ['openai:open', 'openai:half-open', 'openai:open', 'openai:half-open', 'openai:closed']);
    const snapshot = router.health.snapshot('openai', 'gpt-4o-mini');
    assert.equal(snapshot.samples, 2, 'the probes are not samples: the opening failure and the last request');
    await router.close();
  });
});
