import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { HealthTracker, percentile } from '../../src/health/health-tracker.js';

describe('health tracker', () => {
  const failure = { success: false, latencyMs: 5, streamed: false } as const;
  const success = { success: true, latencyMs: 100, outputTokens: 10, streamed: false } as const;

  it('opens after consecutive failures, half-opens after the cooldown with one probe, closes on success', () => {
    let now = 1_000;
    const tracker = new HealthTracker({ consecutiveFailuresToOpen: 3, cooldownMs: 500, now: () => now });
    const changes: string[] = [];
    tracker.onStateChange((change) => changes.push(`${change.previousState}->${change.state}`));
    for (let index = 0; index < 3; index += 1) tracker.record('p', 'm', failure);
    assert.equal(tracker.state('p', 'm'), 'open');
    assert.equal(tracker.isAvailable('p', 'm'), false);
    now += 500;
    assert.equal(tracker.isAvailable('p', 'm'), true, 'half-open admits a probe');
    tracker.begin('p', 'm');
    assert.equal(tracker.isAvailable('p', 'm'), false, 'one probe at a time');
    tracker.record('p', 'm', success);
    assert.equal(tracker.state('p', 'm'), 'closed');
    assert.deepEqual(changes, ['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('re-opens when the probe fails', () => {
    let now = 0;
    const tracker = new HealthTracker({ consecutiveFailuresToOpen: 1, cooldownMs: 100, now: () => now });
    tracker.record('p', 'm', failure);
    now = 100;
    assert.equal(tracker.isAvailable('p', 'm'), true);
    tracker.record('p', 'm', failure);
    assert.equal(tracker.state('p', 'm'), 'open');
    assert.equal(tracker.isAvailable('p', 'm'), false);
  });

  it('opens on the failure rate over the window', () => {
    const tracker = new HealthTracker({ consecutiveFailuresToOpen: 100, minimumSamples: 10, failureRateToOpen: 0.5 });
    for (let index = 0; index < 10; index += 1) tracker.record('p', 'm', index % 2 === 1 ? failure : success);
    assert.equal(tracker.state('p', 'm'), 'open');
  });

  it('forgets samples outside the window', () => {
    let now = 0;
    const tracker = new HealthTracker({
      windowMs: 1_000,
      consecutiveFailuresToOpen: 100,
      minimumSamples: 100,
      now: () => now,
    });
    tracker.record('p', 'm', failure);
    now = 2_000;
    tracker.record('p', 'm', success);
    assert.equal(tracker.snapshot('p', 'm').samples, 1);
    assert.equal(tracker.snapshot('p', 'm').successRate, 1);
  });

  it('reads an unknown offering as an empty closed snapshot without starting to track it', () => {
    const tracker = new HealthTracker();
    const snapshot = tracker.snapshot('never', 'seen');
    assert.equal(snapshot.samples, 0);
    assert.equal(snapshot.state, 'closed');
    assert.deepEqual(tracker.snapshots(), []);
  });

  it('reports p50/p95 latency and TTFT in snapshots', () => {
    const tracker = new HealthTracker();
    for (let index = 1; index <= 100; index += 1)
      tracker.record('p', 'm', { success: true, latencyMs: index, timeToFirstTokenMs: index / 10, streamed: true });
    const snapshot = tracker.snapshot('p', 'm');
    assert.equal(snapshot.latencyMs.p50, 50);
    assert.equal(snapshot.latencyMs.p95, 95);
    assert.equal(snapshot.timeToFirstTokenMs.p95, 9.5);
    assert.equal(snapshot.state, 'closed');
    assert.equal(percentile([], 0.5), undefined);
  });
});

describe('health tracker scores', () => {
  it('scores an offering whose samples all left the window like a new one', () => {
    let now = 0;
    const tracker = new HealthTracker({ windowMs: 1_000, now: () => now });
    tracker.record('p', 'm', { success: true, latencyMs: 10, outputTokens: 1, streamed: false });
    now = 5_000;
    assert.equal(tracker.score('p', 'm', false).successRate, tracker.score('new', 'm', false).successRate);
    assert.equal(tracker.score('p', 'm', false).successRate, 1);
  });

  it('lowers the score with failures', () => {
    const tracker = new HealthTracker({ consecutiveFailuresToOpen: 100, minimumSamples: 100 });
    tracker.record('p', 'm', { success: true, latencyMs: 10, outputTokens: 1, streamed: false });
    const before = tracker.score('p', 'm', false).successRate;
    tracker.record('p', 'm', { success: false, latencyMs: 10, streamed: false });
    assert.ok(tracker.score('p', 'm', false).successRate < before);
  });
});
