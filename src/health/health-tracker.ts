/**
 * Rolling per-offering statistics (success rate, latency, time to first token, time per output
 * token) over a sliding time window, and a circuit breaker with half-open probes. With a `store`,
 * several gateway instances share these statistics and their open breakers in the background (the
 * rule is in `health-sharing.ts`); the request path still only reads memory.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { StateStore } from '../store/store.js';
import { HealthSharing, offeringKey, type OfferingReport, type SharedOfferingHealth } from './health-sharing.js';

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
  /**
   * A store shared by several gateway instances: each publishes its view of every offering there in
   * the background and blends in the others', so that an offering failing on one instance is ranked
   * down, or skipped, on all. Without one, health is per instance.
   */
  store?: StateStore;
  /** How often the view is shared with the store (default 1 000 ms). */
  shareIntervalMs?: number;
  /** How long a published view counts once its instance stops publishing (default 3 × `shareIntervalMs`). */
  shareTtlMs?: number;
  /** This instance's name among those sharing the store (default: a random id). */
  instanceId?: string;
  /** Hears of a sharing round that failed (the store is unreachable); the next round retries. */
  onShareError?: (error: unknown) => void;
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
  /** A failure's error code and status (kept for the recent failures of {@link HealthSnapshot}). */
  code?: string;
  status?: number;
}

/**
 * One recent failure of an offering, as {@link HealthSnapshot.recentFailures} lists it.
 *
 * @example
 * ```ts
 * const failure: HealthFailure = { at: Date.now(), code: 'provider_unavailable', status: 503, latencyMs: 41 };
 * ```
 */
export interface HealthFailure {
  /** When the attempt ended (epoch ms). */
  at: number;
  code?: string;
  status?: number;
  latencyMs: number;
}

/** How many recent failures a snapshot lists per offering at most. @example `MAX_RECENT_FAILURES; // 10` */
export const MAX_RECENT_FAILURES = 10;

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
  /** The last failures within the window, newest first (at most {@link MAX_RECENT_FAILURES}). */
  recentFailures: HealthFailure[];
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
  /** Why the breaker last opened. */
  openReason: string;
  /** Whether the open breaker was adopted from another instance (then it is not published again). */
  adopted: boolean;
  /** The last success seen here (epoch ms), so older openings reported by others are ignored. */
  lastSuccessAt: number;
  probeInFlight: boolean;
  /** Exponentially weighted averages, for ranking in O(1). */
  ewmaSuccess: number;
  ewmaTimeToFirstTokenMs: number | undefined;
  ewmaMsPerOutputToken: number | undefined;
  ewmaLatencyMs: number | undefined;
  /** The last failures, oldest first (a ring of {@link MAX_RECENT_FAILURES}). */
  failures: HealthFailure[];
  /** Bumped whenever the samples change (the cached percentile is then recomputed). */
  version: number;
  /** The last percentile asked for (a hedge asks for the same one on every request). */
  cachedPercentile:
    | { quantile: number; streamed: boolean; version: number; value: number | undefined; count: number }
    | undefined;
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
  /**
   * Recent success rate (0..1) with a prior, and the recent latency figure for ranking (ms), or undefined when unknown.
   */
  score(
    provider: string,
    providerModelId: string,
    streamed: boolean,
  ): { successRate: number; latencyMs: number | undefined; samples: number };
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
  private readonly listeners: Array<
    (change: {
      provider: string;
      providerModelId: string;
      state: BreakerState;
      previousState: BreakerState;
      reason: string;
    }) => void
  > = [];
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly consecutiveFailuresToOpen: number;
  private readonly failureRateToOpen: number;
  private readonly minimumSamples: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  /** Other instances' reports, summed per offering (empty without a store). */
  private shared = new Map<string, SharedOfferingHealth>();
  private readonly sharing: HealthSharing | undefined;
  /** How many offerings have a breaker that is not closed (the request path skips breaker checks at 0). */
  private notClosed = 0;

  constructor(options: HealthOptions = {}) {
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxSamples = options.maxSamples ?? 200;
    this.consecutiveFailuresToOpen = options.consecutiveFailuresToOpen ?? 5;
    this.failureRateToOpen = options.failureRateToOpen ?? 0.5;
    this.minimumSamples = options.minimumSamples ?? 10;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
    if (options.store) {
      const intervalMs = Math.max(1, options.shareIntervalMs ?? 1_000);
      this.sharing = new HealthSharing(
        {
          store: options.store,
          instanceId: options.instanceId ?? randomUUID(),
          intervalMs,
          ttlMs: options.shareTtlMs ?? 3 * intervalMs,
          now: this.now,
          onError: options.onShareError,
        },
        { report: (now) => this.report(now), apply: (shared) => this.applyShared(shared) },
      );
    }
  }

  /**
   * Runs one sharing round now: publishes this instance's view and blends in the others'. Resolves
   * when done (at once without a store); never rejects. Rounds also run by themselves every
   * `shareIntervalMs`.
   *
   * @example
   * ```ts
   * await tracker.syncNow();
   * ```
   */
  syncNow(): Promise<void> {
    return this.sharing ? this.sharing.syncNow() : Promise.resolve();
  }

  /**
   * Stops sharing (the timer and any round under way). Local tracking goes on.
   *
   * @example
   * ```ts
   * await tracker.close();
   * ```
   */
  async close(): Promise<void> {
    await this.sharing?.close();
  }

  /** Calls `listener` on every breaker state change. */
  onStateChange(
    listener: (change: {
      provider: string;
      providerModelId: string;
      state: BreakerState;
      previousState: BreakerState;
      reason: string;
    }) => void,
  ): void {
    this.listeners.push(listener);
  }

  private entry(provider: string, providerModelId: string): OfferingHealth {
    const key = `${provider}\u0000${providerModelId}`;
    let entry = this.offerings.get(key);
    if (!entry) {
      entry = {
        provider,
        providerModelId,
        samples: [],
        successes: 0,
        state: 'closed',
        consecutiveFailures: 0,
        openedAt: 0,
        openReason: '',
        adopted: false,
        lastSuccessAt: -Infinity,
        probeInFlight: false,
        ewmaSuccess: 1,
        ewmaTimeToFirstTokenMs: undefined,
        ewmaMsPerOutputToken: undefined,
        ewmaLatencyMs: undefined,
        failures: [],
        version: 0,
        cachedPercentile: undefined,
      };
      this.offerings.set(key, entry);
    }
    return entry;
  }

  private prune(entry: OfferingHealth, now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (
      drop < entry.samples.length &&
      (entry.samples[drop].at < cutoff || entry.samples.length - drop > this.maxSamples)
    ) {
      if (entry.samples[drop].success) entry.successes -= 1;
      drop += 1;
    }
    if (drop > 0) {
      entry.samples.splice(0, drop);
      entry.version += 1;
    }
  }

  private transition(entry: OfferingHealth, state: BreakerState, reason: string): void {
    if (entry.state === state) return;
    const previousState = entry.state;
    entry.state = state;
    if (previousState === 'closed') this.notClosed += 1;
    else if (state === 'closed') this.notClosed -= 1;
    if (state === 'open') {
      entry.openedAt = this.now();
      entry.openReason = reason;
      entry.adopted = false;
    }
    for (const listener of this.listeners)
      listener({ provider: entry.provider, providerModelId: entry.providerModelId, state, previousState, reason });
  }

  /** Records one attempt's outcome and updates the breaker. */
  record(provider: string, providerModelId: string, sample: HealthSample): void {
    const now = this.now();
    const entry = this.entry(provider, providerModelId);
    entry.samples.push({
      success: sample.success,
      latencyMs: sample.latencyMs,
      timeToFirstTokenMs: sample.timeToFirstTokenMs,
      outputTokens: sample.outputTokens,
      streamed: sample.streamed,
      at: now,
    });
    if (sample.success) entry.successes += 1;
    entry.version += 1;
    this.prune(entry, now);
    entry.ewmaSuccess = entry.ewmaSuccess * (1 - EWMA_WEIGHT) + (sample.success ? 1 : 0) * EWMA_WEIGHT;
    if (sample.success) {
      entry.ewmaLatencyMs = ewma(entry.ewmaLatencyMs, sample.latencyMs);
      if (sample.timeToFirstTokenMs !== undefined)
        entry.ewmaTimeToFirstTokenMs = ewma(entry.ewmaTimeToFirstTokenMs, sample.timeToFirstTokenMs);
      if (!sample.streamed && sample.outputTokens && sample.outputTokens > 0)
        entry.ewmaMsPerOutputToken = ewma(entry.ewmaMsPerOutputToken, sample.latencyMs / sample.outputTokens);
    }
    entry.probeInFlight = false;
    if (sample.success) {
      entry.lastSuccessAt = now;
      entry.consecutiveFailures = 0;
      if (entry.state !== 'closed') this.transition(entry, 'closed', 'a probe succeeded');
      return;
    }
    entry.consecutiveFailures += 1;
    if (entry.failures.length >= MAX_RECENT_FAILURES) entry.failures.shift();
    entry.failures.push({ at: now, code: sample.code, status: sample.status, latencyMs: sample.latencyMs });
    if (entry.state === 'half-open') {
      this.transition(entry, 'open', 'the half-open probe failed');
      entry.openedAt = now;
      return;
    }
    if (entry.state === 'closed') {
      if (entry.consecutiveFailures >= this.consecutiveFailuresToOpen)
        this.transition(entry, 'open', `${entry.consecutiveFailures} consecutive failures`);
      else {
        const reason = this.failureRateTooHigh(entry, this.shared.get(offeringKey(provider, providerModelId)));
        if (reason) this.transition(entry, 'open', reason);
      }
    }
  }

  /**
   * Why a closed breaker should open on the failure rate over the window (this instance's samples and the shared ones),
   * or undefined.
   */
  private failureRateTooHigh(
    entry: OfferingHealth | undefined,
    shared: SharedOfferingHealth | undefined,
  ): string | undefined {
    const sharedTotal = shared ? shared.successes + shared.failures : 0;
    const localTotal = entry ? entry.samples.length : 0;
    const total = localTotal + sharedTotal;
    const failures = localTotal - (entry?.successes ?? 0) + (shared?.failures ?? 0);
    const failureRate = total === 0 ? 0 : failures / total;
    if (total < this.minimumSamples || failureRate < this.failureRateToOpen) return undefined;
    return `failure rate ${Math.round(failureRate * 100)}% over ${total} samples${sharedTotal > 0 ? ` (${sharedTotal} of them from other instances)` : ''}`;
  }

  /** This instance's report for the other instances: its window per offering, and its own open breakers. */
  private report(now: number): OfferingReport[] {
    const offerings: OfferingReport[] = [];
    for (const entry of this.offerings.values()) {
      this.prune(entry, now);
      const until = entry.openedAt + this.cooldownMs;
      const open =
        entry.state === 'open' && !entry.adopted && until > now
          ? { openedAt: entry.openedAt, until, reason: entry.openReason }
          : undefined;
      if (entry.samples.length === 0 && !open) continue;
      const offering: OfferingReport = {
        provider: entry.provider,
        providerModelId: entry.providerModelId,
        successes: entry.successes,
        failures: entry.samples.length - entry.successes,
        latencyMs: { sum: 0, count: 0 },
        timeToFirstTokenMs: { sum: 0, count: 0 },
        msPerOutputToken: { sum: 0, count: 0 },
      };
      for (const sample of entry.samples) {
        if (!sample.success) continue;
        offering.latencyMs.sum += sample.latencyMs;
        offering.latencyMs.count += 1;
        if (sample.timeToFirstTokenMs !== undefined) {
          offering.timeToFirstTokenMs.sum += sample.timeToFirstTokenMs;
          offering.timeToFirstTokenMs.count += 1;
        }
        if (!sample.streamed && sample.outputTokens && sample.outputTokens > 0) {
          offering.msPerOutputToken.sum += sample.latencyMs / sample.outputTokens;
          offering.msPerOutputToken.count += 1;
        }
      }
      if (open) offering.open = open;
      offerings.push(offering);
    }
    return offerings;
  }

  /** Takes in the other instances' view: adopts their open breakers and re-checks failure rates that rose. */
  private applyShared(shared: Map<string, SharedOfferingHealth>): void {
    const previous = this.shared;
    this.shared = shared;
    const now = this.now();
    for (const [key, offering] of shared) {
      const existing = this.offerings.get(key);
      if (existing && existing.state !== 'closed') continue;
      const open = offering.open;
      if (open && open.until > now && open.openedAt > (existing?.lastSuccessAt ?? -Infinity)) {
        const entry = existing ?? this.entry(offering.provider, offering.providerModelId);
        this.transition(entry, 'open', `instance ${open.instanceId} opened it: ${open.reason}`);
        // Open until the other instance's cooldown ends, then probe half-open as usual.
        entry.openedAt = open.until - this.cooldownMs;
        entry.adopted = true;
        continue;
      }
      if (offering.failures <= (previous.get(key)?.failures ?? 0)) continue;
      if (existing) this.prune(existing, now);
      const reason = this.failureRateTooHigh(existing, offering);
      if (reason) this.transition(existing ?? this.entry(offering.provider, offering.providerModelId), 'open', reason);
    }
  }

  /**
   * Records the verdict of a background probe of a half-open offering: the breaker closes when it
   * succeeded, and opens for another cooldown when it failed. A probe is not a sample: it does not
   * count in the success rate or the latency statistics (it is a one-token request of the gateway's own).
   *
   * @example
   * ```ts
   * tracker.recordProbe('openai', 'gpt-4o', true); // closed again
   * ```
   */
  recordProbe(provider: string, providerModelId: string, success: boolean): void {
    const entry = this.entry(provider, providerModelId);
    const now = this.now();
    entry.probeInFlight = false;
    if (success) {
      entry.lastSuccessAt = now;
      entry.consecutiveFailures = 0;
      this.transition(entry, 'closed', 'a probe succeeded');
      return;
    }
    entry.consecutiveFailures += 1;
    if (entry.state === 'half-open') {
      this.transition(entry, 'open', 'the half-open probe failed');
      entry.openedAt = now;
    }
  }

  /** The sliding window the statistics cover, in milliseconds. @example `tracker.window; // 300000` */
  get window(): number {
    return this.windowMs;
  }

  /** Whether every breaker is closed (then no offering needs a breaker check). */
  get allClosed(): boolean {
    return this.notClosed === 0;
  }

  /** Whether a request may go to the offering now; an open breaker past its cooldown admits one probe (half-open). */
  isAvailable(provider: string, providerModelId: string): boolean {
    const entry = this.offerings.get(`${provider}\u0000${providerModelId}`);
    if (!entry || entry.state === 'closed') return true;
    if (entry.state === 'open' && this.now() - entry.openedAt >= this.cooldownMs)
      this.transition(entry, 'half-open', 'cooldown elapsed');
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

  score(
    provider: string,
    providerModelId: string,
    streamed: boolean,
  ): { successRate: number; latencyMs: number | undefined; samples: number } {
    const key = `${provider}\u0000${providerModelId}`;
    const entry = this.offerings.get(key);
    const shared = this.shared.size === 0 ? undefined : this.shared.get(key);
    if (!entry && !shared) return { successRate: 1, latencyMs: undefined, samples: 0 };
    let samples = 0;
    let successes = 0;
    let latencyMs: number | undefined;
    if (entry) {
      this.prune(entry, this.now());
      samples = entry.samples.length;
      successes = entry.successes;
      latencyMs = streamed
        ? (entry.ewmaTimeToFirstTokenMs ?? entry.ewmaLatencyMs)
        : (entry.ewmaMsPerOutputToken ?? entry.ewmaLatencyMs);
    }
    if (shared) {
      // Other instances' samples count like this one's; latency is the sample-weighted mean of the local and shared
      // averages.
      const mean = streamed
        ? shared.timeToFirstTokenMs.count > 0
          ? shared.timeToFirstTokenMs
          : shared.latencyMs
        : shared.msPerOutputToken.count > 0
          ? shared.msPerOutputToken
          : shared.latencyMs;
      if (mean.count > 0) {
        const localWeight = latencyMs === undefined ? 0 : Math.max(1, successes);
        latencyMs = ((latencyMs ?? 0) * localWeight + mean.sum) / (localWeight + mean.count);
      }
      samples += shared.successes + shared.failures;
      successes += shared.successes;
    }
    // Window success rate with an optimistic prior (as if two successes were seen), so an offering with no
    // samples in the window scores like a new one (1) and a single success is no worse than none; blended
    // with the recent trend so a burst of failures counts at once.
    const windowRate = (successes + 2) / (samples + 2);
    const successRate = Math.min(windowRate, entry ? entry.ewmaSuccess : 1);
    return { successRate, latencyMs, samples };
  }

  /**
   * A percentile of one offering's time to first content over the window, from this instance's successes:
   * for streams (`streamed`) the time to first token, else the latency of the whole answer. Undefined with
   * fewer than `minimumSamples` of them. Cached until the samples change, so that asking on every request
   * (a hedge's adaptive deadline) costs a lookup.
   *
   * @example
   * ```ts
   * const p95 = tracker.firstContentPercentile('openai', 'gpt-4o', 0.95, true, 20); // ms, or undefined
   * ```
   */
  firstContentPercentile(
    provider: string,
    providerModelId: string,
    quantile: number,
    streamed: boolean,
    minimumSamples = 1,
  ): number | undefined {
    const entry = this.offerings.get(`${provider}\u0000${providerModelId}`);
    if (!entry) return undefined;
    this.prune(entry, this.now());
    const cached = entry.cachedPercentile;
    if (
      cached !== undefined &&
      cached.version === entry.version &&
      cached.quantile === quantile &&
      cached.streamed === streamed
    )
      return cached.count >= Math.max(1, minimumSamples) ? cached.value : undefined;
    const values: number[] = [];
    for (const sample of entry.samples) {
      if (!sample.success || sample.streamed !== streamed) continue;
      const value = streamed ? sample.timeToFirstTokenMs : sample.latencyMs;
      if (value !== undefined) values.push(value);
    }
    const value = percentile(values, quantile);
    entry.cachedPercentile = { quantile, streamed, version: entry.version, value, count: values.length };
    return values.length >= Math.max(1, minimumSamples) ? value : undefined;
  }

  /** A snapshot of one offering. */
  snapshot(provider: string, providerModelId: string): HealthSnapshot {
    this.isAvailable(provider, providerModelId);
    const entry = this.offerings.get(`${provider}\u0000${providerModelId}`);
    if (!entry) {
      // Never seen: an empty, closed snapshot (reading does not start tracking an offering).
      return {
        provider,
        providerModelId,
        samples: 0,
        successes: 0,
        failures: 0,
        successRate: undefined,
        latencyMs: { p50: undefined, p95: undefined },
        timeToFirstTokenMs: { p50: undefined, p95: undefined },
        msPerOutputToken: { p50: undefined },
        state: 'closed',
        consecutiveFailures: 0,
        recentFailures: [],
      };
    }
    this.prune(entry, this.now());
    const successes = entry.samples.filter((sample) => sample.success);
    const latencies = successes.map((sample) => sample.latencyMs);
    const ttfts = successes.flatMap((sample) =>
      sample.timeToFirstTokenMs === undefined ? [] : [sample.timeToFirstTokenMs],
    );
    const perToken = successes.flatMap((sample) =>
      !sample.streamed && sample.outputTokens ? [sample.latencyMs / sample.outputTokens] : [],
    );
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
      recentFailures: entry.failures.filter((failure) => failure.at >= this.now() - this.windowMs).reverse(),
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
