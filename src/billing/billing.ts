/**
 * The billing layer: a credits ledger per account (free allocation on first request, top-ups,
 * optional reseller markup), reserve-then-settle around every attempt, budgets, rate limits, usage
 * records and reports. All shared state goes through a {@link StateStore}, so several gateway
 * instances on one Redis bill as one.
 *
 * How money moves: before an attempt, the most it can cost (the input estimated from the request
 * plus max output tokens, at list price, with markup) is reserved on the account's ledger and on its
 * hard-limited budgets, atomically, all or nothing; the exact cost from the usage event is settled
 * afterwards (the hold is dropped, the cost charged and the usage record appended, once per attempt);
 * an attempt that was not billable releases its hold. A balance can only go below zero by the error
 * of the input estimate (the vendor counting more input tokens than the estimate) and, for a request
 * that sets no `maxOutputTokens`, by the output beyond `defaultOutputReservationTokens` (4 096 by
 * default): at most (the model's output limit − that reservation) × its output price, per request in flight.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import type { AccountReference, CredentialType, RouterEvents, UsageEvent } from '../core/events.js';
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { AttemptLease, AttemptPlan, CacheHit, RequestContext, RequestHook } from '../router/router-types.js';
import { MemoryStore } from '../store/memory-store.js';
import type {
  MeterCharge,
  MeterHold,
  MeterRef,
  ReserveResult,
  SettleRequest,
  SettleResult,
  StateStore,
} from '../store/store.js';
import { assertInteger } from '../store/store.js';
import { budgetId, budgetsFor, validateBudget, type AppliedBudget, type BudgetRule } from './budgets.js';
import { nanoToDollars, tokenCost } from './cost.js';
import { parseMarkup, withMarkup } from './markup.js';
import { RATE_WINDOW, rateLimitError, resolveRateLimits, validateRateLimits, type RateLimits } from './rate-limits.js';
import { buildSpendReport, checkReportQuery, type SpendReport, type SpendReportQuery } from './spend-report.js';
import {
  cacheHitRecord,
  toGenerationSummary,
  toUsageRecord,
  visibleTo,
  type GenerationSummary,
  type UsageRecord,
} from './usage-record.js';

/**
 * What billing does when its store cannot be reached: `fail-closed` refuses requests with 503
 * `store_unavailable`; `fail-open` serves them without credit, budget or rate checks, emits a
 * `warning` event, and settles their usage once the store is back.
 *
 * @example
 * ```ts
 * const policy: StoreFailurePolicy = 'fail-open';
 * ```
 */
export type StoreFailurePolicy = 'fail-closed' | 'fail-open';

/**
 * Billing options.
 *
 * @example
 * ```ts
 * const options: BillingOptions = {
 *   store: new RedisStore({ url: process.env.REDIS_URL }),
 *   freeAllocationNano: 5_000_000_000, // $5 on each account's first request
 *   budgets: [{ accountId: '*', scope: 'user', target: '*', period: 'day', hardLimitNano: 1_000_000_000 }],
 *   rateLimits: { requestsPerMinute: 60 },
 * };
 * ```
 */
export interface BillingOptions {
  /** Where balances, budgets, limits and records live (default: a new in-memory store). */
  store?: StateStore;
  /** Credited to an account on its first request (default 0). */
  freeAllocationNano?: number;
  /** Budgets for every instance (`accountId: '*'` for every account); more can be set at run time. */
  budgets?: BudgetRule[];
  /** Default rate limits of every key; per account and per key limits can be set at run time. */
  rateLimits?: RateLimits;
  /** When the store is unreachable (default `fail-closed`). */
  onStoreFailure?: StoreFailurePolicy;
  /** A hold not settled or released within this time lapses (a crashed instance; default 15 min). */
  reservationTtlMs?: number;
  /** Extra input reserved, as a fraction of the estimated input tokens, against estimate errors (default 0). */
  inputEstimateMargin?: number;
  /**
   * Output tokens reserved for a request that sets no `maxOutputTokens` (default 4 096), instead of the
   * model's whole output limit, so that a small balance can still serve short answers. The answer's
   * true cost is settled afterwards; an answer longer than this can take the balance below zero by the
   * output beyond it (see "How money moves").
   */
  defaultOutputReservationTokens?: number;
  /**
   * How long an instance reuses an account's settings (markup, budgets, limits) before re-reading them (default 1 s).
   */
  configCacheMs?: number;
  /** The account billed for requests that carry none; without it such requests are not billed. */
  defaultAccountId?: string;
  /** Called once per usage record after it was stored (a usage hook feeding your own database). */
  onUsageRecord?: (record: UsageRecord) => void | Promise<void>;
  /** Settlements kept for a retry while the store is unreachable, at most (default 10 000). */
  maxPendingSettlements?: number;
  /** How often pending settlements are retried (default 1 s). */
  retryIntervalMs?: number;
  /**
   * Charge a request a cache answers (a reseller's choice): the account pays what the stored answer cost when it was
   * made, with its markup, checked against its credits and hard budgets like an attempt. Default false: a hit costs
   * the caller nothing. Either way the hit is recorded (`cacheHit`, `savedCostNano`), so reports show what the cache
   * saved.
   */
  billCacheHits?: boolean;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

/**
 * An account's ledger in nano-dollars. `balance = credited - totalUsed`; `available` also subtracts
 * what requests in flight hold.
 *
 * @example
 * ```ts
 * const { balanceNano, availableNano } = await billing.getBalance('team_acme');
 * ```
 */
export interface AccountBalance {
  balanceNano: number;
  availableNano: number;
  creditedNano: number;
  totalUsedNano: number;
  reservedNano: number;
}

/**
 * A budget with what was spent against it in its current period.
 *
 * @example
 * ```ts
 * for (const status of await billing.getBudgetStatus({ id: 'team_acme', user: 'alice' })) console.log(status.scope, status.spentNano);
 * ```
 */
export interface BudgetStatus {
  rule: BudgetRule;
  scope: string;
  period: string;
  spentNano: number;
  reservedNano: number;
}

/**
 * Where billing emits `budget` and `warning` events: the `Router` (`billing.attach(router)`).
 *
 * @example
 * ```ts
 * const target: BillingEventTarget = router;
 * ```
 */
export interface BillingEventTarget {
  emit<E extends 'budget' | 'warning'>(event: E, ...args: RouterEvents[E]): boolean;
}

interface AccountSettings {
  markup: string | undefined;
  budgets: BudgetRule[];
  limits: Map<string, RateLimits>;
}

/** One attempt's billing state, from its reservation to its settlement. */
interface AttemptState {
  id: string;
  account: AccountReference;
  credentialType: CredentialType;
  markup: string | undefined;
  budgets: AppliedBudget[];
  /** Spend counters charged with the cost: day and month of the account, user and key, and rolling budgets. */
  spend: MeterRef[];
  /** The meters holding part of the reservation (released when the attempt is not billable). */
  held: MeterRef[];
  /** Counts tokens per minute after the settlement. */
  tokensKey: string | undefined;
}

interface PendingSettlement {
  request: SettleRequest;
  state: AttemptState;
  record: UsageRecord;
}

const DEGRADED = Symbol('degraded');
/** Day and month spend of every account, user and key (budgets read them; rolling windows are counted per budget). */
const SPEND_COUNTERS: BudgetRule[] = (['account', 'user', 'apiKey'] as const).flatMap((scope) =>
  (['day', 'month'] as const).map((period) => ({ accountId: '*', scope, target: '*', period, softLimitNano: 0 })),
);
const KEY_FIELD_PREFIX = 'limits:';
const BUDGET_FIELD_PREFIX = 'budget:';
const WARNING_INTERVAL_MS = 5_000;
const DEFAULT_OUTPUT_RESERVATION_TOKENS = 4_096;

/**
 * The billing layer. Give `billing.hook` to the router and call `billing.attach(router)` for its
 * events; serve `getCredits`, `getReport` and `getGeneration` over HTTP with the handler's `billing`
 * option, or call them in-process.
 *
 * @example
 * ```ts
 * const billing = createBilling({ store: new RedisStore({ url: process.env.REDIS_URL }), freeAllocationNano: 1_000_000_000 });
 * const router = new Router({ providers, hooks: [billing.hook] });
 * billing.attach(router);
 * await billing.topUp('team_acme', 20_000_000_000, { idempotencyKey: 'stripe_pi_123' });
 * const { balance } = await billing.getCredits({ id: 'team_acme' });
 * ```
 */
export class Billing {
  /** The request hook: rate limits on arrival, a reservation per attempt, settlement from usage. */
  readonly hook: RequestHook;
  readonly store: StateStore;
  private readonly options: BillingOptions;
  private readonly now: () => number;
  private readonly ownsStore: boolean;
  private readonly settings: LRUCache<string, { value: AccountSettings; at: number }>;
  private readonly pending = new Map<string, PendingSettlement>();
  /** Holds to release once the store is back: a release that failed, or a reservation whose answer was lost. */
  private readonly pendingReleases = new Map<string, MeterRef[]>();
  /** Requests counted against a requests-per-minute limit (held weakly: a request's context ends with it). */
  private readonly counted = new WeakSet<RequestContext>();
  private readonly lastWarning = new Map<string, number>();
  private target: BillingEventTarget | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<number> | undefined;

  constructor(options: BillingOptions = {}) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? new MemoryStore({ now: this.now });
    this.settings = new LRUCache({ max: 10_000 });
    if (options.freeAllocationNano !== undefined) assertInteger(options.freeAllocationNano, 'freeAllocationNano');
    for (const rule of options.budgets ?? []) validateBudget(rule);
    if (options.rateLimits) validateRateLimits(options.rateLimits);
    this.hook = {
      onRequest: (context) => this.onRequest(context),
      onAttempt: (context, plan) => this.onAttempt(context, plan),
      onCacheHit: (context, hit) => this.onCacheHit(context, hit),
    };
  }

  /**
   * Sends billing's `budget` and `warning` events through the router.
   *
   * @example
   * ```ts
   * billing.attach(router);
   * router.on('budget', (event) => notify(event.accountId, event.spentNano));
   * ```
   */
  attach(target: BillingEventTarget): this {
    this.target = target;
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // The hook

  private async onRequest(context: RequestContext): Promise<void> {
    const account = this.accountOf(context);
    if (!account) return;
    await this.guarded(async () => {
      const limits = this.limitsFor(await this.accountSettings(account.id), account);
      const subject = account.apiKeyId === undefined ? `account '${account.id}'` : `API key '${account.apiKeyId}'`;
      if (limits.tokensPerMinute !== undefined) {
        const tokens = await this.store.windowAdd({
          key: rateKey('tpm', account),
          amount: 0,
          limit: limits.tokensPerMinute,
          window: RATE_WINDOW,
        });
        if (!tokens.allowed) throw rateLimitError('tokens', limits.tokensPerMinute, subject, tokens.retryAfterMs);
      }
      if (limits.requestsPerMinute !== undefined) {
        const requests = await this.store.windowAdd({
          key: rateKey('rpm', account),
          amount: 1,
          limit: limits.requestsPerMinute,
          window: RATE_WINDOW,
        });
        if (!requests.allowed)
          throw rateLimitError('requests', limits.requestsPerMinute, subject, requests.retryAfterMs);
        this.counted.add(context);
      }
    });
  }

  private async onAttempt(context: RequestContext, plan: AttemptPlan): Promise<AttemptLease | undefined> {
    const account = this.accountOf(context);
    if (!account) return undefined;
    const id = `${context.requestId}:${plan.attempt}`;
    // The holds of a reservation on its way to the store: when the store fails before it answers, the
    // reservation may still have been made there (the answer lost), so the holds are released once it is back.
    let reserving: MeterRef[] | undefined;
    const outcome = await this.guarded(async () => {
      const settings = await this.accountSettings(account.id);
      const state = this.attemptState(id, account, context, plan, settings, true);
      if (plan.credentialType === 'byok') return state;
      const margin = tokenCost(
        Math.ceil(plan.estimatedInputTokens * (this.options.inputEstimateMargin ?? 0)),
        plan.pricing.input,
      );
      const amount = withMarkup(this.reservedCost(context, plan) + margin, settings.markup);
      const hard = state.budgets.filter((budget) => budget.rule.hardLimitNano !== undefined);
      const holds: MeterHold[] = [
        { ...ledgerMeter(account.id), amount, limit: 'credit', ...(this.grant > 0 ? { grant: this.grant } : {}) },
        ...hard.map((budget) => ({ ...budget.meter, amount, limit: budget.rule.hardLimitNano as number })),
      ];
      reserving = holds.map(meterOf);
      const result = await this.store.reserve({ id, ttlMs: this.options.reservationTtlMs ?? 15 * 60_000, holds });
      reserving = undefined;
      if (!result.ok) {
        await this.uncountRefusedRequest(context, account, settings);
        throw this.refusal(
          result,
          account,
          hard,
          amount,
          `may cost up to ${usd(amount)} (${plan.model}, at most ${plan.maxOutputTokens} output tokens). Add credits, or lower maxOutputTokens.`,
        );
      }
      state.held = holds.map(meterOf);
      return state;
    }).catch((error: unknown) => {
      // Fail-closed: the request is refused, so nothing settles this id; release what may be held.
      if (reserving !== undefined && isStoreUnavailable(error)) this.deferRelease(id, reserving);
      throw error;
    });
    // Fail-open: no reservation was made, but the usage is still charged once the store is back.
    const state =
      outcome === DEGRADED
        ? this.attemptState(id, account, context, plan, this.cachedSettings(account.id), false)
        : outcome;
    return {
      settle: (usage) => this.settle(state, usage),
      release: () => this.release(state),
    };
  }

  /**
   * A cache answers the request: its record (what the hit saved) is written, and, with `billCacheHits`, the account
   * is charged the stored answer's cost with its markup, reserved first so that credits and hard budgets can refuse
   * it. A free hit's record is written in the background (the hit waits for nothing); a charged one before the
   * answer is served.
   */
  private async onCacheHit(context: RequestContext, hit: CacheHit): Promise<void> {
    const account = this.accountOf(context);
    if (!account) return;
    const id = `${context.requestId}:cache`;
    const charging = this.options.billCacheHits === true && !context.byok && hit.savedCostNano > 0;
    if (!charging) {
      const record = cacheHitRecord(id, context, hit, account, 0, this.now());
      const state = this.cacheHitState(id, account, context, this.cachedSettings(account.id), false);
      void this.applySettlement({ request: this.recordRequest(id, record, []), state, record });
      return;
    }
    const outcome = await this.guarded(async () => {
      const settings = await this.accountSettings(account.id);
      const state = this.cacheHitState(id, account, context, settings, true);
      const amount = withMarkup(hit.savedCostNano, settings.markup);
      const hard = state.budgets.filter((budget) => budget.rule.hardLimitNano !== undefined);
      const holds: MeterHold[] = [
        { ...ledgerMeter(account.id), amount, limit: 'credit', ...(this.grant > 0 ? { grant: this.grant } : {}) },
        ...hard.map((budget) => ({ ...budget.meter, amount, limit: budget.rule.hardLimitNano as number })),
      ];
      const result = await this.store.reserve({ id, ttlMs: this.options.reservationTtlMs ?? 15 * 60_000, holds });
      if (!result.ok)
        throw this.refusal(
          result,
          account,
          hard,
          amount,
          `costs ${usd(amount)} (an answer from the cache, ${hit.model}). Add credits.`,
        );
      state.held = holds.map(meterOf);
      return { state, amount };
    });
    // Fail-open with the store unreachable: served, and charged once the store is back.
    const { state, amount } =
      outcome === DEGRADED
        ? {
            state: this.cacheHitState(id, account, context, this.cachedSettings(account.id), false),
            amount: withMarkup(hit.savedCostNano, this.cachedSettings(account.id).markup),
          }
        : outcome;
    const record = cacheHitRecord(id, context, hit, account, amount, this.now());
    const charges = [ledgerMeter(account.id), ...state.spend].map((meter) => ({ ...meter, amount }));
    await this.applySettlement({ request: this.recordRequest(id, record, charges), state, record });
  }

  private cacheHitState(
    id: string,
    account: AccountReference,
    context: RequestContext,
    settings: AccountSettings,
    withBudgets: boolean,
  ): AttemptState {
    const credentialType: CredentialType = context.byok ? 'byok' : 'system';
    return this.attemptState(id, account, context, { credentialType }, settings, withBudgets);
  }

  /** The settlement of one record: its charges and the record, written together. */
  private recordRequest(id: string, record: UsageRecord, charges: MeterCharge[]): SettleRequest {
    return {
      id,
      charges,
      record: {
        id,
        // The account is the store group: the record lands in the slot of its ledger and reservations.
        group: record.accountId,
        timestamp: record.timestamp,
        indexes: [accountIndex(record.accountId), generationIndex(record.generationId)],
        body: JSON.stringify(record),
      },
    };
  }

  /**
   * The most an attempt may cost as reserved: the plan's, with the default output reservation when the request set no
   * limit.
   */
  private reservedCost(context: RequestContext, plan: AttemptPlan): number {
    if (context.request.maxOutputTokens !== undefined) return plan.maxCostNano;
    const reservedOutput = Math.min(
      plan.maxOutputTokens,
      this.options.defaultOutputReservationTokens ?? DEFAULT_OUTPUT_RESERVATION_TOKENS,
    );
    return (
      plan.maxCostNano -
      tokenCost(plan.maxOutputTokens, plan.pricing.output) +
      tokenCost(reservedOutput, plan.pricing.output)
    );
  }

  /**
   * A request refused for credits or a hard budget is not served: it gives back the request it took from the rate
   * limit.
   */
  private async uncountRefusedRequest(
    context: RequestContext,
    account: AccountReference,
    settings: AccountSettings,
  ): Promise<void> {
    if (!this.counted.delete(context)) return;
    const limits = this.limitsFor(settings, account);
    if (limits.requestsPerMinute === undefined) return;
    await this.store
      .windowAdd({ key: rateKey('rpm', account), amount: -1, window: RATE_WINDOW })
      .catch((error: unknown) =>
        this.warn(
          'rate_limit_unrecorded',
          `A refused request was not taken back from the requests per minute: ${messageOf(error)}`,
        ),
      );
  }

  private attemptState(
    id: string,
    account: AccountReference,
    context: RequestContext,
    plan: Pick<AttemptPlan, 'credentialType'>,
    settings: AccountSettings,
    withBudgets: boolean,
  ): AttemptState {
    const limits = this.limitsFor(settings, account);
    const user = account.user ?? context.user;
    const now = this.now();
    const billed = plan.credentialType === 'system';
    const budgets =
      withBudgets && billed
        ? budgetsFor([...settings.budgets, ...(this.options.budgets ?? [])], account, user, now)
        : [];
    // Calendar spend is counted whether or not a budget exists yet, so a budget set mid-period sees it.
    const calendar = billed ? budgetsFor(SPEND_COUNTERS, account, user, now).map((budget) => budget.meter) : [];
    const spend = new Map([...calendar, ...budgets.map((budget) => budget.meter)].map((meter) => [meter.key, meter]));
    return {
      id,
      account: { ...account, ...(user !== undefined ? { user } : {}) },
      credentialType: plan.credentialType,
      markup: settings.markup,
      budgets,
      spend: [...spend.values()],
      held: [],
      tokensKey: limits.tokensPerMinute === undefined ? undefined : rateKey('tpm', account),
    };
  }

  private refusal(
    result: Extract<ReserveResult, { ok: false }>,
    account: AccountReference,
    hard: AppliedBudget[],
    amount: number,
    /** What the request costs, and what to do: `may cost up to $0.01 (openai/gpt-4o, ...). Add credits...`. */
    cost: string,
  ): GatewayError {
    const { limit, state } = result;
    const available = Math.max(0, limit - state.used - state.reserved);
    if (result.index === 0) {
      return new GatewayError(
        'insufficient_credits',
        `Insufficient credits: account '${account.id}' has ${usd(available)} available and this request ${cost}`,
        { details: { accountId: account.id, availableNano: available, requiredNano: amount } },
      );
    }
    const budget = hard[result.index - 1];
    this.emit('budget', {
      accountId: account.id,
      scope: budget.scope,
      limitNano: limit,
      spentNano: state.used,
      period: budget.period,
      hard: true,
    });
    const inFlight = state.reserved > 0 ? ` (plus ${usd(state.reserved)} held by requests in flight)` : '';
    return new GatewayError(
      'budget_exceeded',
      `Budget exceeded: the ${describePeriod(budget.period)} budget of ${describeScope(budget.scope, account.id)} is ${usd(limit)}, ${usd(state.used)} is spent${inFlight}, and this request may cost up to ${usd(amount)}.`,
      {
        details: {
          accountId: account.id,
          scope: budget.scope,
          period: budget.period,
          limitNano: limit,
          spentNano: state.used,
          requiredNano: amount,
        },
      },
    );
  }

  private async settle(state: AttemptState, usage: UsageEvent): Promise<void> {
    const billed = state.credentialType === 'system' && usage.credentialType === 'system';
    const charged = billed ? withMarkup(usage.cost.total, state.markup) : 0;
    const record = toUsageRecord(state.id, usage, state.account, charged);
    const charges: MeterCharge[] = billed
      ? [ledgerMeter(state.account.id), ...state.spend].map((meter) => ({ ...meter, amount: charged }))
      : [];
    await this.applySettlement({ request: this.recordRequest(state.id, record, charges), state, record });
  }

  private async applySettlement(settlement: PendingSettlement): Promise<boolean> {
    let result: SettleResult;
    try {
      result = await this.store.settle(settlement.request);
    } catch (error) {
      if (!isStoreUnavailable(error)) {
        this.warn('settlement_failed', `A usage settlement failed and was dropped: ${messageOf(error)}`);
        return true;
      }
      this.deferSettlement(settlement);
      return false;
    }
    this.pending.delete(settlement.request.id);
    if (result.applied) await this.afterSettlement(settlement, result);
    return true;
  }

  private async afterSettlement({ state, record, request }: PendingSettlement, result: SettleResult): Promise<void> {
    for (const budget of state.budgets) {
      const spent = result.meters[request.charges.findIndex((charge) => charge.key === budget.meter.key)]?.used ?? 0;
      const before = spent - record.costNano;
      for (const [limit, hard] of [
        [budget.rule.softLimitNano, false],
        [budget.rule.hardLimitNano, true],
      ] as const) {
        if (limit !== undefined && before < limit && spent >= limit)
          this.emit('budget', {
            accountId: state.account.id,
            scope: budget.scope,
            limitNano: limit,
            spentNano: spent,
            period: budget.period,
            hard,
          });
      }
    }
    const tokens = record.inputTokens + record.outputTokens;
    if (state.tokensKey !== undefined && tokens > 0) {
      await this.store
        .windowAdd({ key: state.tokensKey, amount: tokens, window: RATE_WINDOW })
        .catch((error: unknown) =>
          this.warn('rate_limit_unrecorded', `Tokens per minute were not counted: ${messageOf(error)}`),
        );
    }
    const sink = this.options.onUsageRecord;
    if (sink) {
      Promise.resolve()
        .then(() => sink(record))
        .catch((error: unknown) => this.warn('usage_sink_failed', `onUsageRecord failed: ${messageOf(error)}`));
    }
  }

  private deferSettlement(settlement: PendingSettlement): void {
    const max = this.options.maxPendingSettlements ?? 10_000;
    if (!this.pending.has(settlement.request.id) && this.pending.size >= max) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.warn('usage_lost', `More than ${max} settlements waited for the store; the oldest (${oldest}) was dropped`);
    }
    this.pending.set(settlement.request.id, settlement);
    this.warn(
      'store_unavailable',
      `The billing store is unreachable; ${this.pending.size} settlement(s) will be retried`,
    );
    this.retryLater();
  }

  private retryLater(): void {
    if (!this.retryTimer) {
      this.retryTimer = setInterval(() => void this.flush(), this.options.retryIntervalMs ?? 1_000);
      this.retryTimer.unref();
    }
  }

  private async release(state: AttemptState): Promise<void> {
    if (state.held.length === 0) return;
    await this.store.release(state.id, state.held).catch((error: unknown) => {
      // Unreachable store: retried with the settlements (and the hold lapses by itself after the reservation TTL).
      if (isStoreUnavailable(error)) this.deferRelease(state.id, state.held);
      else this.warn('release_failed', `A reservation was not released (it lapses by itself): ${messageOf(error)}`);
    });
  }

  private deferRelease(id: string, held: MeterRef[]): void {
    this.pendingReleases.set(id, held);
    this.retryLater();
  }

  /** Retries one deferred release; false when the store is still unreachable. */
  private async applyRelease(id: string, held: MeterRef[]): Promise<boolean> {
    try {
      await this.store.release(id, held);
    } catch (error) {
      if (isStoreUnavailable(error)) return false;
      this.warn('release_failed', `A reservation was not released (it lapses by itself): ${messageOf(error)}`);
    }
    this.pendingReleases.delete(id);
    return true;
  }

  /**
   * Retries the settlements that waited for the store; resolves to how many still wait.
   *
   * @example
   * ```ts
   * if ((await billing.flush()) > 0) console.warn('the store is still unreachable');
   * ```
   */
  async flush(): Promise<number> {
    this.flushing ??= (async () => {
      let reachable = true;
      for (const settlement of [...this.pending.values()])
        if (!(await this.applySettlement(settlement))) {
          reachable = false;
          break;
        }
      if (reachable)
        for (const [id, held] of [...this.pendingReleases]) if (!(await this.applyRelease(id, held))) break;
      if (this.pendingSettlements === 0 && this.retryTimer) {
        clearInterval(this.retryTimer);
        this.retryTimer = undefined;
      }
      return this.pendingSettlements;
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /**
   * Settlements (and releases of reservations) waiting for the store to come back.
   *
   * @example
   * ```ts
   * console.log(billing.pendingSettlements);
   * ```
   */
  get pendingSettlements(): number {
    return this.pending.size + this.pendingReleases.size;
  }

  // ---------------------------------------------------------------------------------------------
  // Reports (the data of GET /v1/credits, /v1/report, /v1/generation)

  /**
   * The account's ledger (`GET /v1/credits` shows `balanceNano` and `totalUsedNano` as decimal USD).
   * Since #12 a domain type: before, `{ balance, total_used }` decimal strings.
   *
   * @example
   * ```ts
   * const { balanceNano, totalUsedNano } = await billing.getCredits({ id: 'team_acme' });
   * ```
   */
  async getCredits(account: AccountReference): Promise<AccountBalance> {
    return this.getBalance(account.id);
  }

  /**
   * Spend grouped by day, hour, user, model, tag, provider or credential type (`GET /v1/report`),
   * in nano-dollars. A user's key sees only that user's spend. An invalid query is `invalid_request`.
   *
   * @example
   * ```ts
   * const { rows } = await billing.getReport({ id: 'team_acme' }, { from: new Date('2025-06-01'), to: new Date('2025-06-30T23:59:59.999Z'), groupBy: 'model' });
   * ```
   */
  async getReport(account: AccountReference, query: SpendReportQuery): Promise<SpendReport> {
    const checked = checkReportQuery(query);
    const records = await this.records(account.id, accountIndex(account.id), checked.from, checked.to);
    return buildSpendReport(
      records.filter((record) => visibleTo(record, account)),
      checked,
    );
  }

  /**
   * One generation's cost, tokens, provider, timings, finish reason, BYOK and streaming flags
   * (`GET /v1/generation`), or undefined when the account has no such generation.
   *
   * @example
   * ```ts
   * const generation = await billing.getGeneration({ id: 'team_acme' }, result.generationId);
   * ```
   */
  async getGeneration(account: AccountReference, id: string): Promise<GenerationSummary | undefined> {
    const records = (await this.records(account.id, generationIndex(id), 0, Number.MAX_SAFE_INTEGER)).filter((record) =>
      visibleTo(record, account),
    );
    return records.length === 0 ? undefined : toGenerationSummary(records.sort((a, b) => a.timestamp - b.timestamp));
  }

  /**
   * An account's usage records in a time range (epoch ms, inclusive), oldest first.
   *
   * @example
   * ```ts
   * const records = await billing.listUsage('team_acme', { from: Date.now() - 86_400_000, to: Date.now() });
   * ```
   */
  async listUsage(accountId: string, range: { from: number; to: number }): Promise<UsageRecord[]> {
    return this.records(accountId, accountIndex(accountId), range.from, range.to);
  }

  private async records(group: string, index: string, from: number, to: number): Promise<UsageRecord[]> {
    const bodies = await this.store.listRecords({ index, group, from, to });
    return bodies.map((body) => JSON.parse(body) as UsageRecord);
  }

  // ---------------------------------------------------------------------------------------------
  // Operator API

  /**
   * Adds credits to an account (negative to debit). With an idempotency key (a payment id), a
   * repeated call adds nothing.
   *
   * @example
   * ```ts
   * await billing.topUp('team_acme', 10_000_000_000, { idempotencyKey: 'pi_3Nx...' }); // $10
   * ```
   */
  async topUp(
    accountId: string,
    amountNano: number,
    options: { idempotencyKey?: string } = {},
  ): Promise<AccountBalance & { applied: boolean }> {
    assertInteger(amountNano, 'amountNano');
    await this.grantIfNew(accountId);
    const state = await this.store.credit(ledgerMeter(accountId), amountNano, options);
    return { ...toBalance(state), applied: state.applied };
  }

  /**
   * An account's ledger in nano-dollars (a first look grants the free allocation, as a first request would).
   *
   * @example
   * ```ts
   * const { balanceNano } = await billing.getBalance('team_acme');
   * ```
   */
  async getBalance(accountId: string): Promise<AccountBalance> {
    return this.grantIfNew(accountId);
  }

  /**
   * Sets (or with `undefined` removes) an account's markup: a decimal fraction added to the list
   * price of what it uses (`'0.2'` = 20 %). Zero by default.
   *
   * @example
   * ```ts
   * await billing.setMarkup('reseller_client_7', '0.15');
   * ```
   */
  async setMarkup(accountId: string, markup: string | undefined): Promise<void> {
    if (markup !== undefined) parseMarkup(markup);
    await this.setSetting(accountId, 'markup', markup);
  }

  /**
   * Sets a budget (replacing the one with the same account, scope, target and period), shared by
   * every instance on the store.
   *
   * @example
   * ```ts
   * await billing.setBudget({ accountId: 'team_acme', scope: 'account', period: 'month', softLimitNano: 80e9, hardLimitNano: 100e9 });
   * ```
   */
  async setBudget(rule: BudgetRule): Promise<void> {
    validateBudget(rule);
    if (rule.accountId === '*')
      throw new GatewayError(
        'invalid_request',
        "Budgets for every account ('*') belong in createBilling({ budgets })",
        { param: 'accountId' },
      );
    await this.setSetting(rule.accountId, `${BUDGET_FIELD_PREFIX}${budgetId(rule)}`, JSON.stringify(rule));
  }

  /**
   * Removes a budget set with {@link Billing.setBudget}.
   *
   * @example
   * ```ts
   * await billing.removeBudget({ accountId: 'team_acme', scope: 'user', target: 'alice', period: 'day' });
   * ```
   */
  async removeBudget(rule: Pick<BudgetRule, 'accountId' | 'scope' | 'target' | 'period'>): Promise<void> {
    await this.setSetting(rule.accountId, `${BUDGET_FIELD_PREFIX}${budgetId(rule)}`, undefined);
  }

  /**
   * The budgets set for an account at run time (configured ones are in the options).
   *
   * @example
   * ```ts
   * const rules = await billing.listBudgets('team_acme');
   * ```
   */
  async listBudgets(accountId: string): Promise<BudgetRule[]> {
    return (await this.accountSettings(accountId, true)).budgets;
  }

  /**
   * The budgets that apply to an account (and its user and key, when given), with the spend of
   * their current period.
   *
   * @example
   * ```ts
   * const statuses = await billing.getBudgetStatus({ id: 'team_acme', user: 'alice' });
   * ```
   */
  async getBudgetStatus(account: AccountReference): Promise<BudgetStatus[]> {
    const settings = await this.accountSettings(account.id, true);
    const budgets = budgetsFor(
      [...settings.budgets, ...(this.options.budgets ?? [])],
      account,
      account.user,
      this.now(),
    );
    return Promise.all(
      budgets.map(async (budget) => {
        const state = await this.store.readMeter(budget.meter);
        return {
          rule: budget.rule,
          scope: budget.scope,
          period: budget.period,
          spentNano: state.used,
          reservedNano: state.reserved,
        };
      }),
    );
  }

  /**
   * Sets (or with `undefined` removes) the rate limits of one API key, or with no key id the
   * account's own (which its keys inherit field by field).
   *
   * @example
   * ```ts
   * await billing.setRateLimits('team_acme', { requestsPerMinute: 30, tokensPerMinute: 50_000 }, 'key_acme_1');
   * ```
   */
  async setRateLimits(accountId: string, limits: RateLimits | undefined, apiKeyId?: string): Promise<void> {
    if (limits) validateRateLimits(limits);
    await this.setSetting(
      accountId,
      `${KEY_FIELD_PREFIX}${apiKeyId ?? '*'}`,
      limits ? JSON.stringify(limits) : undefined,
    );
  }

  /**
   * Stops retrying settlements and closes the store if billing created it.
   *
   * @example
   * ```ts
   * await billing.flush();
   * await billing.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    if (this.ownsStore) await this.store.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private get grant(): number {
    return this.options.freeAllocationNano ?? 0;
  }

  private accountOf(context: RequestContext): AccountReference | undefined {
    if (context.account) return context.account;
    return this.options.defaultAccountId === undefined ? undefined : { id: this.options.defaultAccountId };
  }

  private limitsFor(settings: AccountSettings, account: AccountReference): RateLimits {
    const own = account.apiKeyId === undefined ? undefined : settings.limits.get(account.apiKeyId);
    return resolveRateLimits([own, settings.limits.get('*'), this.options.rateLimits]);
  }

  private async grantIfNew(accountId: string): Promise<AccountBalance> {
    const meter = ledgerMeter(accountId);
    return toBalance(
      this.grant > 0 ? await this.store.credit(meter, this.grant, { grant: true }) : await this.store.readMeter(meter),
    );
  }

  private async setSetting(accountId: string, field: string, value: string | undefined): Promise<void> {
    await this.store.setField(settingsKey(accountId), field, value);
    this.settings.delete(accountId);
  }

  private async accountSettings(accountId: string, fresh = false): Promise<AccountSettings> {
    const maxAge = this.options.configCacheMs ?? 1_000;
    const cached = this.settings.get(accountId);
    if (!fresh && cached && this.now() - cached.at < maxAge) return cached.value;
    const fields = await this.store.getFields(settingsKey(accountId));
    const value: AccountSettings = { markup: fields.markup, budgets: [], limits: new Map() };
    for (const [field, raw] of Object.entries(fields)) {
      if (field.startsWith(BUDGET_FIELD_PREFIX)) value.budgets.push(JSON.parse(raw) as BudgetRule);
      else if (field.startsWith(KEY_FIELD_PREFIX))
        value.limits.set(field.slice(KEY_FIELD_PREFIX.length), JSON.parse(raw) as RateLimits);
    }
    this.settings.set(accountId, { value, at: this.now() });
    return value;
  }

  private cachedSettings(accountId: string): AccountSettings {
    return this.settings.get(accountId)?.value ?? { markup: undefined, budgets: [], limits: new Map() };
  }

  /** Runs a store operation under the failure policy. */
  private async guarded<T>(operation: () => Promise<T>): Promise<T | typeof DEGRADED> {
    try {
      return await operation();
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      if ((this.options.onStoreFailure ?? 'fail-closed') === 'fail-closed') {
        throw new GatewayError(
          'store_unavailable',
          'Billing is unavailable: its state store cannot be reached. Retry shortly.',
          { retryAfterMs: 1_000, cause: error },
        );
      }
      this.warn(
        'store_unavailable',
        `The billing store is unreachable; serving without credit, budget or rate checks (fail-open): ${messageOf(error)}`,
      );
      return DEGRADED;
    }
  }

  private emit<E extends 'budget' | 'warning'>(event: E, ...args: RouterEvents[E]): void {
    try {
      this.target?.emit(event, ...args);
    } catch {
      // A listener's failure never affects billing.
    }
  }

  /** Emits a `warning`, at most once per code every few seconds. */
  private warn(code: string, message: string): void {
    const now = this.now();
    if (now - (this.lastWarning.get(code) ?? -Infinity) < WARNING_INTERVAL_MS) return;
    this.lastWarning.set(code, now);
    this.emit('warning', { code, message });
  }
}

/**
 * Creates the billing layer.
 *
 * @example
 * ```ts
 * const billing = createBilling({ freeAllocationNano: 1_000_000_000, rateLimits: { requestsPerMinute: 60 } });
 * const router = new Router({ providers, hooks: [billing.hook] });
 * billing.attach(router);
 * ```
 */
export function createBilling(options: BillingOptions = {}): Billing {
  return new Billing(options);
}

function ledgerMeter(accountId: string): MeterRef {
  // The account is the store group: its ledger, budgets, reservations and records share one Redis Cluster slot.
  return { key: `ledger:${encodeURIComponent(accountId)}`, group: accountId };
}

function settingsKey(accountId: string): string {
  return `account:${encodeURIComponent(accountId)}`;
}

function accountIndex(accountId: string): string {
  return `account:${encodeURIComponent(accountId)}`;
}

function generationIndex(generationId: string): string {
  return `generation:${encodeURIComponent(generationId)}`;
}

function rateKey(kind: 'rpm' | 'tpm', account: AccountReference): string {
  return `${kind}:${encodeURIComponent(account.id)}:${account.apiKeyId === undefined ? '' : encodeURIComponent(account.apiKeyId)}`;
}

function meterOf(hold: MeterHold): MeterRef {
  return {
    key: hold.key,
    ...(hold.group !== undefined ? { group: hold.group } : {}),
    ...(hold.window ? { window: hold.window } : {}),
    ...(hold.ttlMs !== undefined ? { ttlMs: hold.ttlMs } : {}),
  };
}

function toBalance(state: { credit: number; used: number; reserved: number }): AccountBalance {
  return {
    balanceNano: state.credit - state.used,
    availableNano: state.credit - state.used - state.reserved,
    creditedNano: state.credit,
    totalUsedNano: state.used,
    reservedNano: state.reserved,
  };
}

function usd(nano: number): string {
  return `$${nanoToDollars(nano)}`;
}

function describePeriod(period: string): string {
  if (period === 'day') return 'daily';
  if (period === 'month') return 'monthly';
  const milliseconds = Number(period.slice('rolling:'.length));
  const hours = milliseconds / 3_600_000;
  return Number.isInteger(hours) ? `rolling ${hours}-hour` : `rolling ${Math.round(milliseconds / 60_000)}-minute`;
}

function describeScope(scope: string, accountId: string): string {
  if (scope === 'account') return `account '${accountId}'`;
  const [kind, ...rest] = scope.split(':');
  return `${kind === 'user' ? 'user' : 'API key'} '${rest.join(':')}'`;
}

function isStoreUnavailable(error: unknown): boolean {
  return isGatewayError(error) && error.code === 'store_unavailable';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
