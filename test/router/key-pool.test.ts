/**
 * Key pools (`apiKeys: [...]`) through the real openai provider against the OpenAI simulator: spread over
 * the keys, a revoked key taken out with a `key` event naming its fingerprint, a 429 cooling a key down,
 * and usage events saying which key served.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { KeyStateChange, UsageEvent } from '../../src/core/events.js';
import { GatewayError } from '../../src/core/errors.js';
import { KeyPool, keyFingerprint } from '../../src/router/key-pool.js';
import { Router } from '../../src/router/router.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';

const GOOD_KEY = 'sk-test-pool-good-0123456789';
const REVOKED_KEY = 'sk-test-pool-revoked-0123456789';
const MODEL = 'openai/gpt-4o-mini';

let simulator: Simulator;
let usage: UsageEvent[];
let keyEvents: KeyStateChange[];

function build(): Router {
  const router = new Router({
    providers: { openai: { apiKeys: [REVOKED_KEY, GOOD_KEY], baseURL: `${simulator.baseURL}/v1` } },
    retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1 },
  });
  router.on('usage', (event) => void usage.push(event));
  router.on('key', (event) => void keyEvents.push(event));
  return router;
}

/** The key each request the simulator got carried. */
function keysSeen(): string[] {
  return simulator.requests.map((request) => String(request.headers.authorization).replace(/^Bearer\s+/i, ''));
}

beforeAll(async () => {
  simulator = createOpenAISimulator();
  await simulator.start();
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => {
  simulator.reset();
  usage = [];
  keyEvents = [];
});

describe('key pools', () => {
  it('takes a revoked key out (a key event with its fingerprint, never the key) and serves with the other', async () => {
    simulator.configure({ rejectedKeys: [REVOKED_KEY] });
    const router = build();
    try {
      const first = await router.generate({ model: MODEL, prompt: 'Hello pool' });
      assert.match(first.text, /Hello pool/);
      // The revoked key was tried first (its 401), then the good one, within the same request.
      assert.deepEqual(keysSeen(), [REVOKED_KEY, GOOD_KEY]);
      assert.equal(keyEvents.length, 1);
      assert.deepEqual(keyEvents[0], {
        provider: 'openai',
        keyFingerprint: keyFingerprint(REVOKED_KEY),
        state: 'revoked',
        status: 401,
        code: 'provider_authentication',
      });
      assert.ok(!JSON.stringify(keyEvents).includes(REVOKED_KEY), 'no key in the event');
      // From now on every request goes to the good key, without touching the revoked one.
      for (let index = 0; index < 4; index += 1) await router.generate({ model: MODEL, prompt: `again ${index}` });
      assert.deepEqual(keysSeen().slice(2), [GOOD_KEY, GOOD_KEY, GOOD_KEY, GOOD_KEY]);
      assert.equal(usage.length, 5);
      for (const event of usage) assert.equal(event.keyFingerprint, keyFingerprint(GOOD_KEY));
      assert.ok(!JSON.stringify(usage).includes(GOOD_KEY), 'no key in the usage events');
    } finally {
      await router.close();
    }
  });

  it('spreads requests over the keys in turn', async () => {
    const router = build();
    try {
      for (let index = 0; index < 4; index += 1) await router.generate({ model: MODEL, prompt: `turn ${index}` });
      assert.deepEqual(keysSeen(), [REVOKED_KEY, GOOD_KEY, REVOKED_KEY, GOOD_KEY]);
      assert.deepEqual(
        usage.map((event) => event.keyFingerprint),
        [REVOKED_KEY, GOOD_KEY, REVOKED_KEY, GOOD_KEY].map(keyFingerprint),
      );
    } finally {
      await router.close();
    }
  });

  it('cools a key that got a 429 down for its Retry-After, then uses it again', async () => {
    let now = 1_000_000;
    const changes: KeyStateChange[] = [];
    const pool = new KeyPool(
      'openai',
      ['a', 'b'],
      (change) => void changes.push(change),
      30_000,
      () => now,
    );
    assert.equal(pool.pick()?.key, 'a');
    pool.failed(keyFingerprint('a'), new GatewayError('provider_rate_limited', 'slow down', { retryAfterMs: 5_000 }));
    assert.deepEqual(changes[0], {
      provider: 'openai',
      keyFingerprint: keyFingerprint('a'),
      state: 'cooling',
      until: 1_005_000,
      status: undefined,
      code: 'provider_rate_limited',
    });
    assert.equal(pool.pick()?.key, 'b');
    assert.equal(pool.pick()?.key, 'b', 'a is cooling down');
    now += 5_000;
    assert.equal(pool.pick()?.key, 'a', 'a is back on its own');
    // Without a Retry-After: the default cooldown.
    pool.failed(keyFingerprint('b'), new GatewayError('provider_rate_limited', 'slow down'));
    assert.equal(changes[1].until, now + 30_000);
  });

  it('a 429 at the vendor moves the retry to the other key', async () => {
    simulator.script({ type: 'status', status: 429, retryAfterSeconds: 1 });
    const router = build();
    try {
      await router.generate({ model: MODEL, prompt: 'Rate limited' });
      assert.deepEqual(keysSeen(), [REVOKED_KEY, GOOD_KEY]);
      assert.equal(keyEvents[0]?.state, 'cooling');
      assert.equal(keyEvents[0]?.keyFingerprint, keyFingerprint(REVOKED_KEY));
    } finally {
      await router.close();
    }
  });

  it('fails with provider_authentication once every key is revoked', async () => {
    simulator.configure({ rejectedKeys: [REVOKED_KEY, GOOD_KEY] });
    const router = build();
    try {
      await assert.rejects(router.generate({ model: MODEL, prompt: 'No keys' }));
      await assert.rejects(router.generate({ model: MODEL, prompt: 'No keys' }), (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, 'provider_authentication');
        assert.ok(!error.message.includes(GOOD_KEY) && !error.message.includes(REVOKED_KEY));
        return true;
      });
      assert.equal(keyEvents.filter((event) => event.state === 'revoked').length, 2);
    } finally {
      await router.close();
    }
  });
});

describe('key pools in the request log', () => {
  it('each logged attempt says which key served, by fingerprint only', async () => {
    const router = new Router({
      providers: { openai: { apiKeys: [REVOKED_KEY, GOOD_KEY], baseURL: `${simulator.baseURL}/v1` } },
      retry: { maxRetries: 0 },
      requestLog: true,
    });
    try {
      for (let index = 0; index < 2; index += 1) await router.generate({ model: MODEL, prompt: `logged ${index}` });
      const { records } = await router.logs!.query({ limit: 10 });
      assert.deepEqual(
        records.map((record) => record.attempts.map((attempt) => attempt.keyFingerprint)),
        [[keyFingerprint(GOOD_KEY)], [keyFingerprint(REVOKED_KEY)]],
        'newest first: the second request went to the second key',
      );
      const text = JSON.stringify(records);
      assert.ok(!text.includes(GOOD_KEY) && !text.includes(REVOKED_KEY), 'no key in the records');
    } finally {
      await router.close();
    }
  });
});
