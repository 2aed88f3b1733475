/**
 * The hedge policy: when an attempt has produced no first content by a deadline (fixed, or a percentile
 * of the offering's recent time to first content), one more attempt starts on the next candidate; the
 * first to produce content wins, the other is cancelled at once (its upstream request aborted) and billed.
 *
 * @module
 */
import { AbortHandle } from '../core/abort-handle.js';
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { Operation } from '../operations/operation.js';
import type { OpenAttempt } from '../router/attempts.js';
import type { PipelineRun } from '../router/request-run.js';
import type { Candidate } from '../strategies/strategy.js';
import type { CandidatePolicy, CandidateSteps } from './policy.js';

/**
 * When a hedge starts its extra attempt: after a fixed number of milliseconds without first content, or at
 * a percentile of the offering's recent time to first content (`'p95'`: slower than 95% of its recent
 * successes). For `generate`, first content is the whole answer, so the percentile is of its latency.
 *
 * @example
 * ```ts
 * const after: HedgeAfter = 'p95';
 * ```
 */
export type HedgeAfter = number | 'p50' | 'p75' | 'p90' | 'p95' | 'p99';

/** The operations a hedge may apply to. @example `'stream'` */
export type HedgeOperation = 'stream' | 'generate';

/**
 * Hedged requests: on the router (`RouterConfig.hedge`, the gateway config's `hedge`) or per request
 * (`providerOptions.gateway.hedge`; `false` turns a configured hedge off for the request).
 *
 * @example
 * ```ts
 * const options: HedgeOptions = { after: 'p95', maxExtra: 1, operations: ['stream', 'generate'] };
 * ```
 */
export interface HedgeOptions {
  /** The deadline for first content: milliseconds, or a percentile of the offering's recent ones. */
  after: HedgeAfter;
  /** Extra attempts at most, each on the next candidate (default 1). */
  maxExtra?: number;
  /** The operations hedged (default both `stream` and `generate`; embeddings never are). */
  operations?: HedgeOperation[];
  /**
   * For a percentile deadline: the recent successes an offering needs before it is hedged (default 20);
   * with fewer, its attempts are not hedged.
   */
  minimumSamples?: number;
}

/**
 * What the hedge reads of the health tracker: a percentile of an offering's time to first content
 * (the {@link HealthTracker} is one).
 *
 * @example
 * ```ts
 * const percentiles: FirstContentPercentiles = router.health;
 * ```
 */
export interface FirstContentPercentiles {
  firstContentPercentile(
    provider: string,
    providerModelId: string,
    quantile: number,
    streamed: boolean,
    minimumSamples?: number,
  ): number | undefined;
}

const PERCENTILES: Record<string, number> = { p50: 0.5, p75: 0.75, p90: 0.9, p95: 0.95, p99: 0.99 };
const OPERATIONS: readonly string[] = ['stream', 'generate'];
const DEFAULT_MINIMUM_SAMPLES = 20;

/**
 * Validates hedge options (from a config file or a request); throws `invalid_request` (or, with
 * `code: 'config_invalid'`, that) naming the field. `false` is valid: no hedge.
 *
 * @example
 * ```ts
 * validateHedgeOptions({ after: 250 }, 'providerOptions.gateway.hedge');
 * ```
 */
export function validateHedgeOptions(
  value: unknown,
  path: string,
  code: 'invalid_request' | 'config_invalid' = 'invalid_request',
): asserts value is HedgeOptions | false {
  const fail = (message: string, field: string): never => {
    throw new GatewayError(code, `\`${field}\` ${message}`, { param: field });
  };
  if (value === false) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail('must be an object such as { after: "p95" } or false', path);
  const options = value as Record<string, unknown>;
  const { after, maxExtra, operations, minimumSamples } = options;
  if (typeof after === 'number') {
    if (!Number.isFinite(after) || after < 0) fail('must be a number of milliseconds (0 or more)', `${path}.after`);
  } else if (typeof after !== 'string' || PERCENTILES[after] === undefined)
    fail(`must be milliseconds or one of ${Object.keys(PERCENTILES).join(', ')}`, `${path}.after`);
  if (maxExtra !== undefined && (!Number.isInteger(maxExtra) || (maxExtra as number) < 0 || (maxExtra as number) > 4))
    fail('must be an integer from 0 to 4', `${path}.maxExtra`);
  if (
    operations !== undefined &&
    (!Array.isArray(operations) || operations.some((operation) => !OPERATIONS.includes(operation as string)))
  )
    fail('must be a list of "stream" and "generate"', `${path}.operations`);
  if (minimumSamples !== undefined && (!Number.isInteger(minimumSamples) || (minimumSamples as number) < 1))
    fail('must be a positive integer', `${path}.minimumSamples`);
  for (const key of Object.keys(options))
    if (!['after', 'maxExtra', 'operations', 'minimumSamples'].includes(key))
      fail('is not a hedge option', `${path}.${key}`);
}

/** One candidate being tried by the race: its cancel handle and the timer of the hedge it may start. */
interface InFlight {
  readonly candidate: Candidate;
  readonly cancel: AbortHandle;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function ignore(): void {}

/**
 * The hedge policy, around the candidate policy it hedges (the router's fallback): a request that is not
 * hedged (no options on the router or the request, an operation not listed, a single candidate) goes to
 * `inner` unchanged. A hedged one runs lanes over the ranked candidates: each tries the next untried
 * candidate, moving on when one fails (with `onFallback`); a lane whose attempt has no first content by the
 * deadline starts another lane, up to `maxExtra`. The first attempt that counts wins; every other one is
 * cancelled (an attempt under way is aborted and billed as estimated; one that also counted is discarded
 * and billed for what it consumed). A failure of one lane while another runs is not the request's.
 *
 * @example
 * ```ts
 * const policy = hedge({ after: 'p95' }, router.health, fallback());
 * ```
 */
export function hedge(
  configured: HedgeOptions | undefined,
  percentiles: FirstContentPercentiles,
  inner: CandidatePolicy,
  onFallback?: (run: PipelineRun, from: Candidate, to: Candidate | undefined, error: GatewayError) => void,
): CandidatePolicy {
  return {
    name: 'hedge',
    execute<Value>(
      run: PipelineRun,
      operation: Operation<Value, unknown>,
      candidates: readonly Candidate[],
      steps: CandidateSteps,
    ): Promise<OpenAttempt<Value>> {
      const requested = run.request.providerOptions?.gateway?.hedge;
      const options =
        requested === undefined ? configured : requested === false ? undefined : { ...configured, ...requested };
      if (
        options === undefined ||
        candidates.length < 2 ||
        (options.maxExtra ?? 1) < 1 ||
        operation.kind !== 'language' ||
        !(options.operations ?? OPERATIONS).includes(run.operation)
      )
        return inner.execute(run, operation, candidates, steps);
      return race(run, operation, candidates, steps, options, percentiles, onFallback);
    },
  };
}

function race<Value>(
  run: PipelineRun,
  operation: Operation<Value, unknown>,
  candidates: readonly Candidate[],
  steps: CandidateSteps,
  options: HedgeOptions,
  percentiles: FirstContentPercentiles,
  onFallback: ((run: PipelineRun, from: Candidate, to: Candidate | undefined, error: GatewayError) => void) | undefined,
): Promise<OpenAttempt<Value>> {
  const maxExtra = options.maxExtra ?? 1;
  const quantile = typeof options.after === 'number' ? undefined : PERCENTILES[options.after];
  const minimumSamples = options.minimumSamples ?? DEFAULT_MINIMUM_SAMPLES;
  return new Promise<OpenAttempt<Value>>((resolve, reject) => {
    let cursor = 0;
    let extra = 0;
    let lanes = 0;
    let done = false;
    let lastError: unknown;
    /** A refusal (not the provider's failure): what the request fails with if every lane ends. */
    let refusal: unknown;
    const inFlight = new Set<InFlight>();

    const deadlineOf = (candidate: Candidate): number | undefined =>
      quantile === undefined
        ? (options.after as number)
        : percentiles.firstContentPercentile(
            candidate.provider,
            candidate.providerModelId,
            quantile,
            run.streamed,
            minimumSamples,
          );

    const end = (): void => {
      done = true;
      for (const each of inFlight) {
        clearTimeout(each.timer);
        each.cancel.abort(
          new GatewayError('aborted', 'Another attempt answered first', { provider: each.candidate.provider }),
        );
      }
      inFlight.clear();
    };

    const arm = (entry: InFlight): void => {
      if (extra >= maxExtra || cursor >= candidates.length) return;
      const afterMs = deadlineOf(entry.candidate);
      if (afterMs === undefined) return;
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (done || extra >= maxExtra || cursor >= candidates.length || !inFlight.has(entry)) return;
        extra += 1;
        startLane();
      }, afterMs);
    };

    const lane = async (): Promise<void> => {
      while (!done && cursor < candidates.length) {
        const candidate = candidates[cursor];
        cursor += 1;
        const entry: InFlight = { candidate, cancel: new AbortHandle(), timer: undefined };
        inFlight.add(entry);
        arm(entry);
        let opened: OpenAttempt<Value>;
        try {
          opened = await steps.tryCandidate<Value>(run, operation, candidate, candidates[cursor], entry.cancel);
        } catch (error) {
          clearTimeout(entry.timer);
          inFlight.delete(entry);
          if (done) return;
          if (run.abort?.aborted) {
            end();
            reject(error);
            return;
          }
          if (!isGatewayError(error) || error.scope !== 'provider') {
            // A refusal ends this lane, not the others (a second reservation refused by a budget).
            refusal ??= error;
            return;
          }
          lastError = error;
          onFallback?.(run, candidate, candidates[cursor], error);
          continue;
        }
        clearTimeout(entry.timer);
        inFlight.delete(entry);
        if (done) {
          void steps.discard(opened).catch(ignore);
          return;
        }
        end();
        resolve(opened);
        return;
      }
    };

    function startLane(): void {
      lanes += 1;
      lane().then(laneEnded, (error: unknown) => {
        refusal ??= error;
        laneEnded();
      });
    }

    function laneEnded(): void {
      lanes -= 1;
      if (done || lanes > 0) return;
      done = true;
      reject(refusal ?? lastError ?? new GatewayError('no_route', 'No candidate could be tried'));
    }

    startLane();
  });
}
