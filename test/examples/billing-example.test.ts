/**
 * `examples/billing` as a user runs it: against an unreachable REDIS_URL it ends with one line saying
 * what to do, and two runs against the same Redis both serve.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  REDIS_SKIP,
  REDIS_SKIP_NOTE,
  startRedisServer,
  type TestRedisServer,
} from '../store/redis-server.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/billing/index.ts', import.meta.url));

function runExample(redisUrl: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', EXAMPLE],
      { env: { ...process.env, REDIS_URL: redisUrl }, timeout: 300_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('the billing example', () => {
  it('ends with one clear line when REDIS_URL is unreachable', { timeout: 600_000 }, async () => {
    const { code, output } = await runExample(`redis://127.0.0.1:${await freePort()}`);
    assert.equal(code, 1, output);
    assert.match(output, /cannot use the Redis at REDIS_URL .*run without REDIS_URL/);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });

  describe(`against Redis${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
    let redis: TestRedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.stop());

    it('serves on a second run against the same Redis', { timeout: 600_000 }, async () => {
      for (const run of [1, 2]) {
        const { code, output } = await runExample(redis.url);
        assert.equal(code, 0, output);
        assert.match(output, /request 1: "/, `run ${run} was served:\n${output}`);
      }
    });
  });
});
