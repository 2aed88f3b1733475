import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { HealthTracker, MAX_RECENT_FAILURES } from '../../src/health/health-tracker.js';

describe('health snapshots list the recent failures', () => {
  it('keeps the last failures with their code and status, newest first, within the window', () => {
    let now = 1_000;
    const tracker = new HealthTracker({ windowMs: 10_000, consecutiveFailuresToOpen: 1_000, now: () => now });
    assert.deepEqual(tracker.snapshot('p', 'm').recentFailures, []);
    for (let index = 0; index < MAX_RECENT_FAILURES + 3; index += 1) {
      now += 10;
      tracker.record('p', 'm', {
        success: false,
        latencyMs: index,
        streamed: false,
        code: `code_${index}`,
        status: 500 + index,
      });
    }
    tracker.record('p', 'm', { success: true, latencyMs: 50, streamed: false });
    const { recentFailures } = tracker.snapshot('p', 'm');
    assert.equal(recentFailures.length, MAX_RECENT_FAILURES);
    assert.deepEqual(recentFailures[0], {
      at: now,
      code: `code_${MAX_RECENT_FAILURES + 2}`,
      status: 512,
      latencyMs: 12,
    });
    assert.equal(recentFailures.at(-1)?.code, 'code_3');
    now += 10_000 - 15;
    assert.deepEqual(
      tracker.snapshot('p', 'm').recentFailures.map((failure) => failure.code),
      ['code_12', 'code_11'],
      'failures older than the window are dropped',
    );
    assert.equal(tracker.window, 10_000);
  });
});
