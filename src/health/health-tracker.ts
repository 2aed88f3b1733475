/**
 * Rolling per-offering statistics (success rate, latency, time to first token, time per output
 * token) over a sliding time window, and a circuit breaker with half-open probes.
 *
 * @module
 */

/**
 * Health tracking options.
 *
 * @example
 * ```ts
 * const health: HealthOptions = { windowMs: 60_000, consecutiveFailuresToOpen: 3, cooldownMs: 10_000 };
 * ```
 */
export interface HealthOptions {
  /** The sliding window statistics cover (default 5 minutes). */
  windowMs?: number;
  /** Samples kept per offering at most (default 200). */
  maxSamples?: number;
  /** Consecutive failures that open the breaker (default 5). */
  consecutiveFailuresToOpen?: number;
  /** Failure rate over the window that opens the breaker (default 0.5)… */
  failureRateToOpen?: number;
  /** …once the window holds at least this many samples (default 10). */
  minimumSamples?: number;
  /** How long an open breaker skips the offering before a half-open probe (default 30 s). */
  cooldownMs?: number;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

/** Breaker state. @example `'half-open'` */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One attempt's outcome, as the health tracker records it.
 *
 * @example
 * ```ts
 * tracker.record('openai', 'gpt-4o', { success: true, latencyMs: 420, outputTokens: 30, streamed: false });
 * ```
 */
export interface HealthSample {
  success: boolean;
  latencyMs: number;
  timeToFirstTokenMs?: number;
  outputTokens?: number;
  streamed: boolean;
}

/**
 * A snapshot of one offering's health.
 *
 * @example
 * ```ts
 * const snapshot: HealthSnapshot = tracker.snapshot('openai', 'gpt-4o');
 * console.log(snapshot.successRate, snapshot.latencyMs.p95, snapshot.state);
 * ```
 */
export interface HealthSnapshot {
  provider: string;
  providerModelId: string;
  samples: number;
  successes: number;
  failures: number;
  /** Successes / samples over the window; undefined with no samples. */
  successRate: number | undefined;
  latencyMs: { p50: number | undefined; p95: number | undefined };
  timeToFirstTokenMs: { p50: number | undefined; p95: number | undefined };
  /** Milliseconds per output token (non-streamed successes). */
  msPerOutputToken: { p50: number | undefined };
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker allows its next probe (epoch ms). */
  retryAt?: number;
}

interface Sample extends HealthSample {
  at: number;
}

interface OfferingHealth {
  provider: string;
  providerModelId: string;
  samples: Sample[];
  successes: number;
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: number;
  probeInFlight: boolean;
  /** Exponentially weighted averages, for ranking in O(1). */
  ewmaSuccess: number;
  ewmaTimeToFirstTokenMs: number | undefined;
  ewmaMsPerOutputToken: number | undefined;
  ewmaLatencyMs: number | undefined;
}

/**
 * What strategies read from the health tracker.
 *
 * @example
 * ```ts
 * const score = reader.score('openai', 'gpt-4o', true);
 * ```
 */
export interface HealthReader {
  /** Recent success rate (0..1) with a prior, and the recent latency figure for ranking (ms), or undefined when unknown. */
  score(provider: string, providerModelId: string, streamed: boolean): { successRate: number; latencyMs: number | undefined; samples: number };
  /** Whether the breaker lets a request through now (false while open and cooling down). */
  isAvailable(provider: string, providerModelId: string): boolean;
  state(provider: string, providerModelId: string): BreakerState;
}

const EWMA_WEIGHT = 0.2;

/**
 * Tracks health per offering (provider instance + provider model id).
 *
 * @example
 * ```ts
 * const tracker = new HealthTracker({ cooldownMs: 10_000 });
 * tracker.onStateChange((change) => console.log(change.provider, change.state));
 * tracker.record('anthropic', 'claude-sonnet-4-20250514', { success: false, latencyMs: 30, streamed: false });
 * ```
 */
export class HealthTracker implements HealthReader {
  private readonly offerings = new Map<string, OfferingHealth>();
  private readonly listeners: Array<(change: { provider: string; providerModelId: string; state: BreakerState; previousState: BreakerState; reason: string }) => void> = [];
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly consecutiveFailuresToOpen: number;
  private readonly failureRateToOpen: number;
  private readonly minimumSamples: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: HealthOptions = {}) {
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxSamples = options.maxSamples ?? 200;
    this.consecutiveFailuresToOpen = options.consecutiveFailuresToOpen ?? 5;
    this.failureRateToOpen = options.failureRateToOpen ?? 0.5;
    this.minimumSamples = options.minimumSamples ?? 10;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Calls `listener` on every breaker state change. */
  onStateChange(listener: (change: { provider: string; providerModelId: string; state: BreakerState; previousState: BreakerState; reason: string }) => void): void {
    this.listeners.push(listener);
  }

  private entry(provider: string, providerModelId: string): OfferingHealth {
    const key = `${provider}\u0000${providerModelId}`;
    let entry = this.offerings.get(key);
    if (!entry) {
      entry = { provider, providerModelId, samples: [], successes: 0, state: 'closed', consecutiveFailures: 0, openedAt: 0, probeInFlight: false, ewmaSuccess: 1, ewmaTimeToFirstTokenMs: undefined, ewmaMsPerOutputToken: undefined, ewmaLatencyMs: undefined };
      this.offerings.set(key, entry);
    }
    return entry;
  }

  private prune(entry: OfferingHealth, now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < entry.samples.length && (entry.samples[drop].at < cutoff || entry.samples.length - drop > this.maxSamples)) {
      if (entry.samples[drop].success) entry.successes -= 1;
      drop += 1;
    }
    if (drop > 0) entry.samples.splice(0, drop);
  }

  private transition(entry: OfferingHealth, state: BreakerState, reason: string): void {
    if (entry.state === state) return;
    const previousState = entry.state;
    entry.state = state;
    if (state === 'open') entry.openedAt = this.now();
    for (const listener of this.listeners) listener({ provider: entry.provider, providerModelId: entry.providerModelId, state, previousState, reason });
  }

  /** Records one attempt's outcome and updates the breaker. */
  record(provider: string, providerModelId: string, sample: HealthSample): void {
    const now = this.now();
    const entry = this.entry(provider, providerModelId);
    entry.samples.push({ success: sample.success, latencyMs: sample.latencyMs, timeToFirstTokenMs: sample.timeToFirstTokenMs, outputTokens: sample.outputTokens, streamed: sample.streamed, at: now });
    if (sample.success) entry.successes += 1;
    this.prune(entry, now);
    entry.ewmaSuccess = entry.ewmaSuccess * (1 - EWMA_WEIGHT) + (sample.success ? 1 : 0) * EWMA_WEIGHT;
    if (sample.success) {
      entry.ewmaLatencyMs = ewma(entry.ewmaLatencyMs, sample.latencyMs);
      if (sample.timeToFirstTokenMs !== undefined) entry.ewmaTimeToFirstTokenMs = ewma(entry.ewmaTimeToFirstTokenMs, sample.timeToFirstTokenMs);
      if (!sample.streamed && sample.outputTokens && sample.outputTokens > 0) entry.ewmaMsPerOutputToken = ewma(entry.ewmaMsPerOutputToken, sample.latencyMs / sample.outputTokens);
    }
    entry.probeInFlight = false;
    if (sample.success) {
      entry.consecutiveFailures = 0;
      if (entry.state !== 'closed') this.transition(entry, 'closed', 'a probe succeeded');
      return;
    }
    entry.consecutiveFailures += 1;
    if (entry.state === 'half-open') {
      this.transition(entry, 'open', 'the half-open probe failed');
      entry.openedAt = now;
      return;
    }
    const total = entry.samples.length;
    const failureRate = total === 0 ? 0 : (total - entry.successes) / total;
    if (entry.state === 'closed') {
      if (entry.consecutiveFailures >= this.consecutiveFailuresToOpen) this.transition(entry, 'open', `${entry.consecutiveFailures} consecutive failures`);
      else if (total >= this.minimumSamples && failureRate >= this.failureRateToOpen) this.transition(entry, 'open', `failure rate ${Math.round(failureRate * 100)}% over ${total} samples`);
    }
  }

  /** Whether a request may go to the offering now; an open breaker past its cooldown admits one probe (half-open). */
  isAvailable(provider: string, providerModelId: string): boolean {
    const entry = this.offerings.get(`${provider}\u0000${providerModelId}`);
    if (!entry || entry.state === 'closed') return true;
    if (entry.state === 'open' && this.now() - entry.openedAt >= this.cooldownMs) this.transition(entry, 'half-open', 'cooldown elapsed');
    if (entry.state === 'half-open' && !entry.probeInFlight) return true;
    return false;
  }

  /** Marks the start of an attempt (a half-open breaker admits only one probe at a time). */
  begin(provider: string, providerModelId: string): void {
    const entry = this.offerings.get(`${provider}\u0000${providerModelId}`);
    if (entry && entry.state === 'half-open') entry.probeInFlight = true;
  }

  /** The attempt ended without a verdict on the offering (a bad request, an abort by the caller). */
  cancel(provider: string, providerModelId: string): void {
    const entry = this.offerings.get(`${provider}\u0000${providerModelId}`);
    if (entry) entry.probeInFlight = false;
  }

  state(provider: string, providerModelId: string): BreakerState {
    return this.offerings.get(`${provider}\u0000${providerModelId}`)?.state ?? 'closed';
  }

  score(provider: string, providerModelId: string, streamed: boolean): { successRate: number; latencyMs: number | undefined; samples: number } {
    const entry = this.offerings.get(`${provider}\u0000${providerModelId}`);
    if (!entry) return { successRate: 1, latencyMs: undefined, samples: 0 };
    this.prune(entry, this.now());
    const samples = entry.samples.length;
    // Window success rate with a Laplace prior, blended with the recent trend so a burst of failures counts at once.
    const windowRate = (entry.successes + 1) / (samples + 2);
    const successRate = Math.min(windowRate, entry.ewmaSuccess);
    const latencyMs = streamed ? (entry.ewmaTimeToFirstTokenMs ?? entry.ewmaLatencyMs) : (entry.ewmaMsPerOutputToken ?? entry.ewmaLatencyMs);
    return { successRate, latencyMs, samples };
  }

  /** A snapshot of one offering. */
  snapshot(provider: string, providerModelId: string): HealthSnapshot {
    this.isAvailable(provider, providerModelId);
    const entry = this.offerings.get(`${provider}\u0000${providerModelId}`);
    if (!entry) {
      // Never seen: an empty, closed snapshot (reading does not start tracking an offering).
      return { provider, providerModelId, samples: 0, successes: 0, failures: 0, successRate: undefined, latencyMs: { p50: undefined, p95: undefined }, timeToFirstTokenMs: { p50: undefined, p95: undefined }, msPerOutputToken: { p50: undefined }, state: 'closed', consecutiveFailures: 0 };
    }
    this.prune(entry, this.now());
    const successes = entry.samples.filter((sample) => sample.success);
    const latencies = successes.map((sample) => sample.latencyMs);
    const ttfts = successes.flatMap((sample) => (sample.timeToFirstTokenMs === undefined ? [] : [sample.timeToFirstTokenMs]));
    const perToken = successes.flatMap((sample) => (!sample.streamed && sample.outputTokens ? [sample.latencyMs / sample.outputTokens] : []));
    return {
      provider,
      providerModelId,
      samples: entry.samples.length,
      successes: entry.successes,
      failures: entry.samples.length - entry.successes,
      successRate: entry.samples.length === 0 ? undefined : entry.successes / entry.samples.length,
      latencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
      timeToFirstTokenMs: { p50: percentile(ttfts, 0.5), p95: percentile(ttfts, 0.95) },
      msPerOutputToken: { p50: percentile(perToken, 0.5) },
      state: entry.state,
      consecutiveFailures: entry.consecutiveFailures,
      ...(entry.state === 'open' ? { retryAt: entry.openedAt + this.cooldownMs } : {}),
    };
  }

  /** Snapshots of every offering seen so far. */
  snapshots(): HealthSnapshot[] {
    return [...this.offerings.values()].map((entry) => this.snapshot(entry.provider, entry.providerModelId));
  }
}

function ewma(previous: number | undefined, value: number): number {
  return previous === undefined ? value : previous * (1 - EWMA_WEIGHT) + value * EWMA_WEIGHT;
}

/**
 * The p-quantile of a list (nearest rank), or undefined for an empty list.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 0.5); // 2
 * ```
 */
export function percentile(values: number[], quantile: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))];
}
