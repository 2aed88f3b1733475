/**
 * The first config a new user types: `providers: { openai: { apiKey } }`.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Router } from '../../src/router/router.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';

describe('provider instances in the router config', () => {
  const simulator = createOpenAISimulator();
  let baseURL = '';
  beforeAll(async () => {
    baseURL = `${await simulator.start()}/v1`;
  });
  afterAll(() => simulator.close());

  it('takes the type from the name when an instance is named after its type', async () => {
    const router = new Router({
      providers: { openai: { apiKey: 'sk-config-test-0123456789', baseURL } },
      retry: { maxRetries: 0 },
    });
    const result = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hello there' });
    assert.equal(result.provider, 'openai');
    assert.match(result.text, /Hello there/);
    await router.close();
  });

  it('still needs a type for an instance with a name of its own, and says so', () => {
    assert.throws(
      () => new Router({ providers: { 'openai-eu': { apiKey: 'sk-config-test-0123456789' } } }),
      (error: unknown) =>
        (error as { code?: string }).code === 'config_invalid' &&
        /Provider 'openai-eu' needs a `type` \(openai, anthropic, .*\); only an instance named after its type may leave it out/.test(
          (error as Error).message,
        ),
    );
    assert.throws(
      () => new Router({ providers: { openai: null as never } }),
      (error: unknown) =>
        (error as { code?: string }).code === 'config_invalid' && /must be an object/.test((error as Error).message),
    );
  });
});
