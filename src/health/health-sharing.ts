/**
 * Health shared between gateway instances through a {@link StateStore}, in the background: the
 * request path never waits for the store.
 *
 * The rule, in four parts:
 *
 * 1. **Publish.** Every `shareIntervalMs` (default 1 s) each instance writes one report to the store
 *    (an expiring field named after its `instanceId`): per offering, its own successes and failures
 *    over its window, the sums and counts of its success latencies, times to first token and
 *    milliseconds per output token, and its breaker if that is open on its own evidence. A report is
 *    the instance's whole window, not a delta, so writing it twice changes nothing. It expires
 *    `shareTtlMs` (default 3 intervals) after it was written: a stopped instance's view fades within
 *    seconds, and a running one's samples leave with its window.
 * 2. **Blend.** In the same round it reads the other instances' live reports and sums them per
 *    offering. `score()` then counts every instance's samples: the success rate is
 *    `(successes + 2) / (samples + 2)` over local and shared samples together (still capped by the
 *    local recent trend), and the latency figure is the sample-weighted mean of the local average and
 *    the shared one.
 * 3. **Open on the shared failure rate.** A breaker re-checks the failure rate whenever a new failure
 *    arrives: a local one (in `record`) or one that another instance reported since the last round.
 *    The rate is over local and shared samples together, with the same `failureRateToOpen` and
 *    `minimumSamples` as locally.
 * 4. **Adopt open breakers.** A closed breaker opens when another instance reports the offering's
 *    breaker open, until that instance's cooldown ends (then this instance probes it half-open as
 *    usual) — unless this instance saw the offering succeed after that breaker opened. Adopted
 *    breakers are not published again, so an opening never echoes back and forth.
 *
 * When the store fails, the round is skipped (`onShareError` hears of it) and the next one retries;
 * once no round has succeeded for `shareTtlMs`, the shared view is dropped and each instance goes by
 * its own samples until the store is back.
 *
 * @module
 */
import type { StateStore } from '../store/store.js';

/**
 * A sum and a count, for a mean that several instances can add up.
 *
 * @example
 * ```ts
 * const latency: SharedMean = { sum: 1_200, count: 3 }; // 400 ms on average
 * ```
 */
export interface SharedMean {
  sum: number;
  count: number;
}

/**
 * One offering in one instance's report.
 *
 * @example
 * ```ts
 * const offering: OfferingReport = {
 *   provider: 'openai', providerModelId: 'gpt-4o', successes: 8, failures: 2,
 *   latencyMs: { sum: 3_200, count: 8 }, timeToFirstTokenMs: { sum: 0, count: 0 }, msPerOutputToken: { sum: 80, count: 8 },
 * };
 * ```
 */
export interface OfferingReport {
  provider: string;
  providerModelId: string;
  successes: number;
  failures: number;
  /** Over successes. */
  latencyMs: SharedMean;
  timeToFirstTokenMs: SharedMean;
  /** Over non-streamed successes with output tokens. */
  msPerOutputToken: SharedMean;
  /** The breaker, when it is open on this instance's own evidence. */
  open?: { openedAt: number; until: number; reason: string };
}

/**
 * What one instance publishes each round.
 *
 * @example
 * ```ts
 * const report: HealthReport = { instanceId: 'web-1', at: Date.now(), offerings: [] };
 * ```
 */
export interface HealthReport {
  instanceId: string;
  /** When it was written (epoch ms). */
  at: number;
  offerings: OfferingReport[];
}

/**
 * The other instances' reports on one offering, summed.
 *
 * @example
 * ```ts
 * const shared: SharedOfferingHealth = mergeHealthReports(fields, 'web-1').get('openai\u0000gpt-4o')!;
 * console.log(shared.failures, shared.open?.instanceId);
 * ```
 */
export interface SharedOfferingHealth extends Omit<OfferingReport, 'open'> {
  /** The open breaker reported by another instance that stays open longest. */
  open?: { instanceId: string; openedAt: number; until: number; reason: string };
}

/**
 * The key under which instances publish their reports (the store adds its namespace prefix).
 *
 * @example
 * ```ts
 * await store.getExpiringFields(HEALTH_REPORTS_KEY);
 * ```
 */
export const HEALTH_REPORTS_KEY = 'health:reports';

/**
 * The map key of an offering.
 *
 * @example
 * ```ts
 * offeringKey('openai', 'gpt-4o'); // 'openai\u0000gpt-4o'
 * ```
 */
export function offeringKey(provider: string, providerModelId: string): string {
  return `${provider}\u0000${providerModelId}`;
}

/**
 * Sums the other instances' reports per offering (keyed by {@link offeringKey}); reports that do not
 * parse, and this instance's own, are left out.
 *
 * @example
 * ```ts
 * const shared = mergeHealthReports(await store.getExpiringFields(HEALTH_REPORTS_KEY), 'web-1');
 * ```
 */
export function mergeHealthReports(fields: Record<string, string>, selfId: string): Map<string, SharedOfferingHealth> {
  const merged = new Map<string, SharedOfferingHealth>();
  for (const [instanceId, text] of Object.entries(fields)) {
    if (instanceId === selfId) continue;
    for (const offering of parseOfferings(text)) {
      const key = offeringKey(offering.provider, offering.providerModelId);
      let shared = merged.get(key);
      if (!shared) {
        shared = {
          provider: offering.provider,
          providerModelId: offering.providerModelId,
          successes: 0,
          failures: 0,
          latencyMs: { sum: 0, count: 0 },
          timeToFirstTokenMs: { sum: 0, count: 0 },
          msPerOutputToken: { sum: 0, count: 0 },
        };
        merged.set(key, shared);
      }
      shared.successes += offering.successes;
      shared.failures += offering.failures;
      addMean(shared.latencyMs, offering.latencyMs);
      addMean(shared.timeToFirstTokenMs, offering.timeToFirstTokenMs);
      addMean(shared.msPerOutputToken, offering.msPerOutputToken);
      if (offering.open && (!shared.open || offering.open.until > shared.open.until))
        shared.open = { instanceId, ...offering.open };
    }
  }
  return merged;
}

/**
 * The background loop that publishes this instance's report and pulls the others', one round at a
 * time; a failed round is reported and skipped, never thrown.
 *
 * @example
 * ```ts
 * const sharing = new HealthSharing({ store, instanceId: 'web-1', intervalMs: 1_000, ttlMs: 3_000, now: Date.now },
 *   { report: (now) => tracker.report(now), apply: (shared) => tracker.applyShared(shared) });
 * await sharing.syncNow();
 * await sharing.close();
 * ```
 */
export class HealthSharing {
  private readonly timer: ReturnType<typeof setInterval>;
  private round: Promise<void> | undefined;
  private lastPullAt: number;
  private closed = false;

  constructor(
    private readonly options: {
      store: StateStore;
      instanceId: string;
      intervalMs: number;
      ttlMs: number;
      now: () => number;
      onError?: (error: unknown) => void;
    },
    private readonly tracker: {
      report(now: number): OfferingReport[];
      apply(shared: Map<string, SharedOfferingHealth>): void;
    },
  ) {
    this.lastPullAt = options.now();
    this.timer = setInterval(() => void this.syncNow(), options.intervalMs);
    this.timer.unref();
  }

  /** Runs one round now (or joins the one under way); never rejects. */
  syncNow(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.round ??= this.run().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** Stops the loop and waits for a round under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.round;
  }

  private async run(): Promise<void> {
    const { store, instanceId, ttlMs, now } = this.options;
    const startedAt = now();
    try {
      const report: HealthReport = { instanceId, at: startedAt, offerings: this.tracker.report(startedAt) };
      await store.setExpiringField(HEALTH_REPORTS_KEY, instanceId, JSON.stringify(report), ttlMs);
      const fields = await store.getExpiringFields(HEALTH_REPORTS_KEY);
      if (this.closed) return;
      this.lastPullAt = startedAt;
      this.tracker.apply(mergeHealthReports(fields, instanceId));
    } catch (error) {
      // Too long without news from the others: go by this instance's own samples until the store is back.
      if (!this.closed && now() - this.lastPullAt >= ttlMs) this.tracker.apply(new Map());
      try {
        this.options.onError?.(error);
      } catch {
        // A failing error callback must not break the loop either.
      }
    }
  }
}

function addMean(target: SharedMean, value: SharedMean): void {
  target.sum += value.sum;
  target.count += value.count;
}

function parseOfferings(text: string): OfferingReport[] {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    return [];
  }
  const offerings = isObject(report) && Array.isArray(report.offerings) ? (report.offerings as unknown[]) : [];
  return offerings.filter(isOfferingReport);
}

function isOfferingReport(value: unknown): value is OfferingReport {
  if (!isObject(value)) return false;
  const open = value.open;
  return (
    typeof value.provider === 'string' &&
    typeof value.providerModelId === 'string' &&
    isCount(value.successes) &&
    isCount(value.failures) &&
    isMean(value.latencyMs) &&
    isMean(value.timeToFirstTokenMs) &&
    isMean(value.msPerOutputToken) &&
    (open === undefined ||
      (isObject(open) &&
        Number.isFinite(open.openedAt) &&
        Number.isFinite(open.until) &&
        typeof open.reason === 'string'))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isMean(value: unknown): value is SharedMean {
  return isObject(value) && isCount(value.sum) && isCount(value.count);
}
