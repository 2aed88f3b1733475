/** The gateway config's `store: { redis: { cluster } }`: accepted when it names cluster nodes, precise problems when not. */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { configProblems, validateGatewayConfig, type ConfigProblem } from '../../src/gateway-config.js';

const providers = { openai: { apiKey: 'sk-anything-at-all' } };

function problemsOf(store: unknown): ConfigProblem[] {
  try {
    validateGatewayConfig({ providers, store });
  } catch (error) {
    assert.ok(error instanceof GatewayError && error.code === 'config_invalid', String(error));
    return configProblems(error);
  }
  assert.fail('the configuration was accepted');
}

describe('store.redis.cluster', () => {
  it('accepts the URLs of some cluster nodes, with credentials and TLS', () => {
    validateGatewayConfig({
      providers,
      store: { redis: { cluster: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'] } },
    });
    validateGatewayConfig({
      providers,
      store: {
        redis: { cluster: ['rediss://gw:secret@cache.example.com:6379'], prefix: 'gw:', commandTimeoutMs: 500 },
      },
    });
  });

  it('reports each wrong node, a database number, mixed schemes, an empty list and a url beside it', () => {
    const problems = problemsOf({
      redis: { url: 'redis://127.0.0.1:6379', cluster: ['redis://a:7000/2', 'http://b:7000', 7, 'rediss://c:7000'] },
    });
    const at = (path: string): ConfigProblem | undefined => problems.find((problem) => problem.path === path);
    assert.match(at('store.redis.url')?.expected ?? '', /no `url` beside `cluster`/);
    assert.match(at('store.redis.cluster[0]')?.expected ?? '', /without a database number/);
    assert.match(at('store.redis.cluster[1]')?.expected ?? '', /redis:\/\/ or rediss:\/\/ URL of a cluster node/);
    assert.match(at('store.redis.cluster[2]')?.expected ?? '', /URL of a cluster node/);
    assert.match(at('store.redis.cluster')?.expected ?? '', /one scheme/);
    assert.match(problemsOf({ redis: { cluster: [] } })[0].expected, /list of Redis Cluster node URLs/);
    assert.equal(problemsOf({ redis: { cluster: 'redis://a:7000' } })[0].path, 'store.redis.cluster');
  });

  it('never prints a node password in a problem', () => {
    const problems = problemsOf({ redis: { cluster: ['redis://gw:hunter2-secret@a:7000/3'] } });
    assert.ok(problems.length > 0);
    for (const problem of problems) assert.doesNotMatch(problem.found, /hunter2/);
  });
});
