/**
 * A short chaos run inside `npm test` (the long one is `npm run chaos`): faults injected by two of
 * three providers must not lose a request, a token or a nano-dollar.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { runChaos } from './chaos-harness.js';

test('chaos: two of three providers failing often, every request answered, every served token billed once and exactly', async () => {
  // A healthy attempt must never hit the attempt timeout, even on a loaded machine: only the injected hangs do.
  const report = await runChaos({
    requests: Number(process.env.CHAOS_REQUESTS ?? 400),
    concurrency: 24,
    seed: 20261201,
    attemptTimeoutMs: 5_000,
  });
  const summary = JSON.stringify({ ...report, failures: report.failures.slice(0, 5) }, null, 1);
  assert.ok(
    report.upstream.openai.faults > 0 && report.upstream.anthropic.faults > 0,
    `faults were injected: ${summary}`,
  );
  assert.ok(report.successRate >= 0.999, `success rate ${report.successRate}: ${summary}`);
  assert.equal(report.duplicateUsageEvents, 0, summary);
  assert.equal(
    report.countedUsageEvents,
    report.servedResponses,
    `one counted usage event per response served: ${summary}`,
  );
  assert.ok(
    report.estimatedUsageEvents >= report.droppedStreams &&
      report.estimatedUsageEvents <= report.droppedStreams + report.abortedStreams,
    `one estimated usage event per stream dropped midway (and at most one per stream aborted): ${summary}`,
  );
  assert.deepEqual(report.billedTokens, report.servedTokens, summary);
  assert.deepEqual(report.costMismatches, [], summary);
  assert.equal(report.socketsLeftOpen, 0, summary);
});
