import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { configProblems, validateGatewayConfig, type ConfigProblem } from '../../src/gateway-config.js';

function problemsOf(data: unknown): ConfigProblem[] {
  try {
    validateGatewayConfig(data);
  } catch (error) {
    assert.ok(error instanceof GatewayError && error.code === 'config_invalid', String(error));
    return configProblems(error);
  }
  assert.fail('the configuration was accepted');
}

const providers = { openai: { apiKey: 'sk-anything-at-all' } };

describe('gateway config: rules, virtual models, fallbacks and provider facts', () => {
  it('accepts a config that uses all of them', () => {
    validateGatewayConfig({
      providers,
      rules: [
        { name: 'retire', match: { model: 'openai/gpt-4' }, action: { type: 'rewrite', model: 'openai/gpt-4.1' } },
        {
          match: { account: ['team_free'], tags: ['x'], metadata: { job: 'a' } },
          action: { type: 'deny', message: 'no' },
        },
        { action: { type: 'route', only: ['openai'], sort: 'cost' } },
      ],
      virtualModels: { 'acme/fast': { model: 'openai/gpt-4o-mini', fallbacks: ['openai/gpt-4o'], tags: ['fast'] } },
      contextWindowFallbacks: { 'openai/gpt-4o': ['openai/gpt-4.1'] },
      contentPolicyFallbacks: { 'openai/gpt-4o': ['anthropic/claude-sonnet-4'] },
      catalog: { providers: { openai: { zeroDataRetention: true, headquarters: 'US' } } },
    });
  });

  it('reports each problem with its path, what was expected and what was found', () => {
    const problems = problemsOf({
      providers,
      rules: [
        { match: { model: 7, colour: 'red' }, action: { type: 'teleport' } },
        { action: { type: 'route', sort: 'fastest', weight: 3 } },
      ],
      virtualModels: { fast: { model: 'openai/gpt-4o-mini' }, 'acme/loop': { model: 'acme/loop' } },
      contextWindowFallbacks: { 'openai/gpt-4o': 'openai/gpt-4.1' },
      catalog: { providers: { openai: { headquarters: 'USA', zeroDataRetention: 'yes' } } },
    });
    const at = (path: string) => {
      const found = problems.find((problem) => problem.path === path);
      assert.ok(found, `a problem at ${path}; got ${problems.map((problem) => problem.path).join(', ')}`);
      return found;
    };
    assert.equal(at('rules[0].match.model').found, 'number 7');
    assert.equal(at('rules[0].match.colour').found, 'an unknown option');
    assert.match(at('rules[0].action.type').expected, /'rewrite', 'deny', 'route'/);
    assert.match(at('rules[1].action.sort').expected, /'cost', 'tps', 'ttft'/);
    assert.equal(at('rules[1].action.weight').found, 'an unknown option');
    assert.match(at('virtualModels.fast').expected, /creator\/model/);
    assert.match(at('virtualModels.acme/loop.model').expected, /another model/);
    assert.equal(at('contextWindowFallbacks.openai/gpt-4o').expected, 'an array of strings');
    assert.match(at('catalog.providers.openai.headquarters').expected, /two-letter country code/);
    assert.equal(at('catalog.providers.openai.zeroDataRetention').expected, 'true or false');
  });
});
