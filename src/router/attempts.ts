/**
 * Attempts: one try of one offering. Its abort (timeout or caller), its billing leases, how its failure
 * is classified, and how it is finished (the attempt record, the health sample, the `attempt` event) and
 * billed (the `usage` event, the leases settled exactly once).
 *
 * @module
 */
import { AbortHandle, ATTEMPT_ABORT, listenTo, unlistenTo, type AbortSource } from '../core/abort-handle.js';
import { computeCost, withUnitCost } from '../billing/cost.js';
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { AttemptRecord, CredentialType, RouterEventName, RouterEvents, UsageEvent } from '../core/events.js';
import type { HealthTracker } from '../health/health-tracker.js';
import type { Operation } from '../operations/operation.js';
import type { Provider, ProviderCall } from '../providers/provider.js';
import type { AttemptLease, AttemptPlan, RequestHook } from './router-types.js';
import type { Candidate } from '../strategies/strategy.js';
import type { ProviderCredentials } from '../core/types.js';
import type { PipelineRun } from './request-run.js';
import { unansweredUsage, usageEventOf, type Metered } from './usage-metering.js';
import type { KeyPool } from './key-pool.js';

const TIMEOUT_REASON = Symbol('switchyard.attempt-timeout');

/**
 * How a hedge ended an attempt it did not use: `answered` (it counted too, then was discarded: a sample of
 * its speed), `cancelled` (aborted while under way: no health sample, since its outcome is unknown).
 *
 * @example
 * ```ts
 * const outcome: HedgedOutcome = 'cancelled';
 * ```
 */
export type HedgedOutcome = 'answered' | 'cancelled';
const NO_LEASES: AttemptLease[] = [];

/**
 * One attempt's abort: fires on the attempt's timeout or the caller's abort. A class with a shared
 * timeout function, so the request path allocates little for it. It is an {@link AbortHandle}:
 * `nodeFetch` follows it directly, and its `AbortSignal` is built only when something asks for one
 * (a provider on another transport, a stream), so the common attempt, never aborted, builds none.
 *
 * @example
 * ```ts
 * const abort = new AttemptAbort(run.abort, 30_000);
 * abort.cleanup(); // the attempt answered
 * ```
 */
export class AttemptAbort extends AbortHandle {
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly followCaller: (() => void) | undefined;
  private readonly followCancel: (() => void) | undefined;

  constructor(
    private readonly caller: AbortSource | undefined,
    timeoutMs: number,
    /** An abort of this attempt alone (a hedge cancels its slower attempt with it). */
    private readonly cancel?: AbortHandle,
  ) {
    super();
    this.timer = setTimeout(abortOnTimeout, timeoutMs, this);
    if (caller) {
      this.followCaller = (): void => this.abort(caller.reason);
      listenTo(caller, this.followCaller);
    } else this.followCaller = undefined;
    if (cancel) {
      this.followCancel = (): void => this.abort(cancel.reason);
      cancel.listen(this.followCancel);
    } else this.followCancel = undefined;
  }

  /** Whether the attempt's own timeout aborted it. */
  get timedOut(): boolean {
    return this.reason === TIMEOUT_REASON;
  }

  /** Stops the timeout and the link to the caller (the attempt finished, or has begun streaming). */
  cleanup(): void {
    clearTimeout(this.timer);
    if (this.caller && this.followCaller) unlistenTo(this.caller, this.followCaller);
    if (this.cancel && this.followCancel) this.cancel.unlisten(this.followCancel);
  }
}

function abortOnTimeout(abort: AttemptAbort): void {
  abort.abort(TIMEOUT_REASON);
}

/**
 * A provider call carrying its attempt's abort (see {@link ATTEMPT_ABORT}).
 *
 * @example
 * ```ts
 * (call as AttemptCall)[ATTEMPT_ABORT] = abort;
 * ```
 */
export type AttemptCall = ProviderCall & { [ATTEMPT_ABORT]: AttemptAbort };

/**
 * One try of one candidate, as the resilience policies pass it along: a fixed-shape object made once per
 * candidate (a retry reuses it with a new number, record and abort); a policy that runs attempts at once
 * makes one per attempt.
 *
 * @example
 * ```ts
 * const opened = await attempts.make(new Attempt(run, generateOperation, candidate, undefined, provider));
 * ```
 */
export class Attempt<Value = unknown> {
  /** The attempt's number within its request (from the run's counter), set when it starts. */
  number = -1;
  /** The retry of this candidate, from 0. */
  retry = 0;
  /** The time the attempt may take (the timeout policy sets it). */
  timeoutMs = 0;
  record: AttemptRecord | undefined = undefined;
  leases: AttemptLease[] = NO_LEASES;
  abort: AttemptAbort | undefined = undefined;
  startTime = 0;
  value: Value | undefined = undefined;
  /** The pooled provider key's fingerprint, when the provider has a key pool (set when the attempt starts). */
  keyFingerprint: string | undefined = undefined;
  credentials: ProviderCredentials | undefined;
  readonly credentialType: CredentialType;

  constructor(
    readonly run: PipelineRun,
    readonly operation: Operation<Value, unknown>,
    readonly candidate: Candidate,
    /** The candidate tried after this one, if any (a connection error moves on to it at once). */
    readonly next: Candidate | undefined,
    readonly provider: Provider,
    /** An abort of this attempt alone: a hedge cancels its slower attempt with it (see {@link CandidateStep}). */
    readonly cancel?: AbortHandle,
  ) {
    const list = run.credentials?.[candidate.provider] ?? run.credentials?.[candidate.providerType];
    this.credentials = list && list.length > 0 ? list[0] : undefined;
    this.credentialType = this.credentials ? 'byok' : 'system';
  }
}

/**
 * An attempt that counted: its value, record and abort are set.
 *
 * @example
 * ```ts
 * const opened: OpenAttempt<ProviderGenerateResult> = await attempts.make(attempt);
 * opened.abort.cleanup();
 * ```
 */
export type OpenAttempt<Value> = Attempt<Value> & { value: Value; record: AttemptRecord; abort: AttemptAbort };

/**
 * Where the attempts' events go (the router).
 *
 * @example
 * ```ts
 * const events: AttemptEvents = router; // a Router is one
 * ```
 */
export interface AttemptEvents {
  emit<E extends RouterEventName>(event: E, ...args: RouterEvents[E]): boolean;
  listenerCount(event: RouterEventName): number;
}

/**
 * Starts, fails, finishes and bills attempts for a router: one per router, shared by every request.
 *
 * @example
 * ```ts
 * const attempts = new Attempts(health, hooks, router);
 * const usage = await attempts.settle(opened, metered, undefined);
 * ```
 */
export class Attempts {
  constructor(
    private readonly health: HealthTracker,
    private readonly hooks: RequestHook[],
    private readonly events: AttemptEvents,
    /** The key pools by provider instance; undefined when no instance has one (then nothing is looked up). */
    private readonly keyPools?: ReadonlyMap<string, KeyPool>,
  ) {}

  /** Whether any hook wants to see requests or attempts (without hooks the request path skips them). */
  get hooked(): boolean {
    return this.hooks.length > 0;
  }

  /**
   * Makes one attempt: the lease of every hook (reserved before it starts), its abort, its record, the
   * operation's call. Rejects with the classified GatewayError once the attempt is finished and its leases
   * released; resolves with the attempt once it counts.
   */
  async make<Value>(attempt: Attempt<Value>): Promise<OpenAttempt<Value>> {
    const { run, candidate } = attempt;
    if (run.abort?.aborted) throw new GatewayError('aborted', 'The request was aborted by the caller');
    if (attempt.cancel?.aborted) throw asGatewayError(attempt.cancel.reason);
    if (this.keyPools !== undefined && attempt.credentialType === 'system') this.pickKey(attempt);
    attempt.number = run.nextAttemptNumber();
    attempt.leases = NO_LEASES;
    if (this.hooks.length > 0) {
      try {
        attempt.leases = await this.openLeases(run, this.plan(attempt));
      } catch (error) {
        throw asGatewayError(error);
      }
    }
    const startTime = Date.now();
    const abort = new AttemptAbort(run.abort, attempt.timeoutMs, attempt.cancel);
    const record: AttemptRecord = {
      provider: candidate.provider,
      providerType: candidate.providerType,
      providerModelId: candidate.providerModelId,
      model: candidate.model,
      outcome: 'success',
      latencyMs: 0,
      credentialType: attempt.credentialType,
      startTime,
      endTime: startTime,
    };
    if (attempt.retry > 0) record.retry = attempt.retry;
    attempt.startTime = startTime;
    attempt.abort = abort;
    attempt.record = record;
    this.health.begin(candidate.provider, candidate.providerModelId);
    try {
      attempt.value = await attempt.operation.call(run, attempt);
      return attempt as OpenAttempt<Value>;
    } catch (thrown) {
      abort.cleanup();
      const error = this.classify(thrown, attempt);
      if (attempt.cancel?.aborted && !run.abort?.aborted) {
        // Cancelled by a hedge while under way: the vendor may bill what it received, so the attempt gets
        // its usage event (estimated: the vendor sent no count) and its leases settled, not released.
        run.lastError = error;
        await this.settle(attempt as OpenAttempt<Value>, unansweredUsage(run), error, 'cancelled');
        throw error;
      }
      const pool = attempt.keyFingerprint === undefined ? undefined : this.keyPools?.get(candidate.provider);
      const revoked = pool !== undefined && pool.failed(attempt.keyFingerprint as string, error) === 'revoked';
      this.finish(run, record, error, false);
      if (attempt.leases.length > 0) await this.closeLeases(attempt.leases, undefined);
      run.lastError = error;
      // A key the vendor rejected says nothing of the offering: the attempt is made again with another key.
      if (revoked && pool.usable) return this.make(attempt);
      throw error;
    }
  }

  /** Gives the attempt the next key of its provider's pool, if it has one; throws when every key was revoked. */
  private pickKey(attempt: Attempt<unknown>): void {
    const { candidate } = attempt;
    const pool = this.keyPools?.get(candidate.provider);
    if (!pool) return;
    const picked = pool.pick();
    if (!picked) {
      const error = new GatewayError(
        'provider_authentication',
        `${candidate.provider}: every key of its pool was rejected by the vendor (401/403)`,
        { provider: candidate.provider },
      );
      throw this.unavailable(attempt.run, candidate, error);
    }
    attempt.credentials = { apiKey: picked.key };
    attempt.keyFingerprint = picked.fingerprint;
  }

  /** Records a candidate whose provider could not be built (its SDK is missing): no attempt, no sample. */
  unavailable(run: PipelineRun, candidate: Candidate, thrown: unknown): GatewayError {
    const error = asGatewayError(thrown, candidate.provider);
    const now = Date.now();
    const list = run.credentials?.[candidate.provider] ?? run.credentials?.[candidate.providerType];
    run.nextAttemptNumber();
    const record: AttemptRecord = {
      provider: candidate.provider,
      providerType: candidate.providerType,
      providerModelId: candidate.providerModelId,
      model: candidate.model,
      outcome: 'error',
      latencyMs: 0,
      credentialType: list && list.length > 0 ? 'byok' : 'system',
      startTime: now,
      endTime: now,
    };
    this.finish(run, record, error, false);
    run.lastError = error;
    return error;
  }

  /**
   * Finishes an attempt that counted and bills it: the record and health sample, then the `usage` event
   * and the leases settled with it (exactly once). Returns the usage event: at once when there is no lease
   * to settle (the common case, which then costs no promise), else once they are settled.
   */
  settle(
    attempt: OpenAttempt<unknown>,
    metered: Metered,
    failure: GatewayError | undefined,
    hedged?: HedgedOutcome,
  ): UsageEvent | Promise<UsageEvent> {
    const { run, record } = attempt;
    if (attempt.operation.kind === 'language') record.providerResponseId = metered.responseId;
    if (metered.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = metered.timeToFirstTokenMs;
    this.finish(run, record, failure, true, metered.outputTokens, metered.timeToFirstTokenMs, hedged);
    const usage = usageEventOf(run, attempt, metered);
    if (attempt.leases.length === 0) {
      this.events.emit('usage', usage);
      return usage;
    }
    return this.closeLeases(attempt.leases, usage).then(() => {
      this.events.emit('usage', usage);
      return usage;
    });
  }

  /** The error a request ends with: its attempts attached, and the `error` event. */
  finalError(run: PipelineRun, error: GatewayError): GatewayError {
    if (!error.attempts) error.attempts = run.attempts;
    if (this.events.listenerCount('error') > 0) {
      this.events.emit('error', { requestId: run.requestId, model: run.model, error, attempts: run.attempts });
    }
    return error;
  }

  /** The `fallback` event, when another candidate follows. */
  fallback(run: PipelineRun, from: Candidate, to: Candidate | undefined, error: GatewayError): void {
    if (!to) return;
    this.events.emit('fallback', {
      requestId: run.requestId,
      from: { provider: from.provider, model: from.model, providerModelId: from.providerModelId },
      to: { provider: to.provider, model: to.model, providerModelId: to.providerModelId },
      code: error.code,
      message: error.message,
    });
  }

  private plan(attempt: Attempt<unknown>): AttemptPlan {
    const { run, candidate, credentialType } = attempt;
    const { estimatedInputTokens, maxOutputTokens, units } = attempt.operation.plan(run, candidate);
    const pricing = candidate.offering.pricing;
    const tokenCost = computeCost(
      { noCacheInput: estimatedInputTokens, cacheRead: 0, cacheWrite: 0, output: maxOutputTokens },
      pricing,
    );
    const maxCost = units ? withUnitCost(tokenCost, units, pricing) : tokenCost;
    return {
      attempt: attempt.number,
      provider: candidate.provider,
      providerType: candidate.providerType,
      providerModelId: candidate.providerModelId,
      model: candidate.model,
      pricing,
      credentialType,
      estimatedInputTokens,
      maxOutputTokens,
      maxCostNano: credentialType === 'byok' ? 0 : maxCost.total,
    };
  }

  private async openLeases(run: PipelineRun, plan: AttemptPlan): Promise<AttemptLease[]> {
    const leases: AttemptLease[] = [];
    try {
      for (const hook of this.hooks) {
        if (!hook.onAttempt) continue;
        const lease = await hook.onAttempt(run, plan);
        if (lease) leases.push(lease);
      }
    } catch (error) {
      await this.closeLeases(leases, undefined);
      throw error;
    }
    return leases;
  }

  private async closeLeases(leases: AttemptLease[], usage: UsageEvent | undefined): Promise<void> {
    for (const lease of leases) {
      try {
        if (usage) await lease.settle(usage);
        else await lease.release();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.events.emit('warning', {
          code: 'hook_failed',
          message: `A billing hook failed to ${usage ? 'settle' : 'release'}: ${message}`,
        });
      }
    }
  }

  /** Runs each hook's `onRequest`, before any attempt. */
  async beforeRequest(run: PipelineRun): Promise<void> {
    for (const hook of this.hooks) if (hook.onRequest) await hook.onRequest(run);
  }

  private classify(thrown: unknown, attempt: Attempt<unknown>): GatewayError {
    const { provider } = attempt.candidate;
    if (attempt.cancel?.aborted && !attempt.run.abort?.aborted) return asGatewayError(attempt.cancel.reason, provider);
    if (attempt.abort?.timedOut)
      return new GatewayError('provider_timeout', `${provider} did not answer within ${attempt.timeoutMs} ms`, {
        provider,
      });
    if (attempt.run.abort?.aborted)
      return new GatewayError('aborted', 'The request was aborted by the caller', { provider });
    return asGatewayError(thrown, provider);
  }

  private finish(
    run: PipelineRun,
    record: AttemptRecord,
    error: GatewayError | undefined,
    billable: boolean,
    outputTokens?: number,
    timeToFirstTokenMs?: number,
    hedged?: HedgedOutcome,
  ): void {
    record.endTime = Date.now();
    record.latencyMs = record.endTime - record.startTime;
    if (error) {
      record.outcome = error.code === 'aborted' ? 'aborted' : 'error';
      record.status = error.upstreamStatus ?? error.status;
      record.code = error.code;
    } else record.status = 200;
    if (timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = timeToFirstTokenMs;
    run.attempts.push(record);
    if (
      hedged === 'cancelled' ||
      (error && (error.scope !== 'provider' || error.code === 'provider_sdk_missing') && !billable)
    )
      this.health.cancel(record.provider, record.providerModelId);
    else if (hedged === 'answered')
      // A hedge's slower attempt that had answered too: a sample of its speed, not a failure.
      this.health.record(record.provider, record.providerModelId, {
        success: true,
        latencyMs: record.latencyMs,
        timeToFirstTokenMs,
        outputTokens: undefined,
        streamed: run.streamed,
      });
    else
      this.health.record(record.provider, record.providerModelId, {
        success: !error,
        latencyMs: record.latencyMs,
        timeToFirstTokenMs,
        outputTokens,
        streamed: run.streamed,
        ...(error ? { code: error.code, status: record.status } : {}),
      });
    if (this.events.listenerCount('attempt') > 0) this.events.emit('attempt', { ...record, requestId: run.requestId });
  }
}

/**
 * Any thrown value as a GatewayError: a provider's own failure as `provider_error`, else `internal_error`.
 *
 * @example
 * ```ts
 * throw asGatewayError(error, 'openai');
 * ```
 */
export function asGatewayError(error: unknown, provider?: string): GatewayError {
  if (isGatewayError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError(
    provider ? 'provider_error' : 'internal_error',
    provider ? `${provider}: ${message}` : message,
    { provider, cause: error },
  );
}
