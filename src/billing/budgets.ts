/**
 * Budgets: spending limits per account, per user or per API key over a calendar day or month (UTC)
 * or a rolling window, each with a soft limit (a `budget` event when crossed) and/or a hard limit
 * (requests that could cross it are refused with 402 `budget_exceeded`).
 *
 * @module
 */
import type { AccountReference } from '../core/events.js';
import { GatewayError } from '../core/errors.js';
import type { MeterRef } from '../store/store.js';
import { assertInteger } from '../store/store.js';

/**
 * A budget's period: a UTC calendar day or month, or a rolling window of `rollingMs`.
 *
 * @example
 * ```ts
 * const periods: BudgetPeriod[] = ['day', 'month', { rollingMs: 3_600_000 }];
 * ```
 */
export type BudgetPeriod = 'day' | 'month' | { rollingMs: number };

/**
 * Who a budget caps: the whole account, one user of it, or one of its API keys.
 *
 * @example
 * ```ts
 * const scope: BudgetScope = 'user';
 * ```
 */
export type BudgetScope = 'account' | 'user' | 'apiKey';

/**
 * A budget. Limits are nano-dollars of what the account is charged (markup included); requests
 * paid with the caller's own keys (BYOK) cost the account nothing and do not count.
 *
 * @example
 * ```ts
 * // Every user of team_acme: warn at $4, refuse past $5 a day.
 * const rule: BudgetRule = { accountId: 'team_acme', scope: 'user', target: '*', period: 'day', softLimitNano: 4_000_000_000, hardLimitNano: 5_000_000_000 };
 * ```
 */
export interface BudgetRule {
  /** The account; `'*'` (in `createBilling({ budgets })` only) applies the rule to every account. */
  accountId: string;
  scope: BudgetScope;
  /** The user (scope `user`) or API key id (scope `apiKey`); `'*'` caps each one separately. */
  target?: string;
  period: BudgetPeriod;
  /** Crossing it emits a `budget` event (once per crossing). */
  softLimitNano?: number;
  /** Requests that could take spending past it are refused (each refusal emits a `budget` event with `hard: true`). */
  hardLimitNano?: number;
}

/**
 * A budget as it applies to one request: the rule, the meter counting its spend and how it is named
 * in events.
 *
 * @example
 * ```ts
 * const applied: AppliedBudget = applyBudget(rule, account, 'alice', Date.now());
 * ```
 */
export interface AppliedBudget {
  rule: BudgetRule;
  meter: MeterRef;
  /** `account`, `user:<id>` or `apiKey:<id>`. */
  scope: string;
  /** `day`, `month` or `rolling:<ms>`. */
  period: string;
}

const DAY_MS = 86_400_000;
/** How long a calendar-period meter is kept after its period ended (to read the spend). */
const PERIOD_GRACE_MS = 2 * DAY_MS;

/**
 * A period's name: `day`, `month` or `rolling:<ms>`.
 *
 * @example
 * ```ts
 * periodName({ rollingMs: 3_600_000 }); // 'rolling:3600000'
 * ```
 */
export function periodName(period: BudgetPeriod): string {
  return typeof period === 'string' ? period : `rolling:${period.rollingMs}`;
}

/**
 * Checks a budget rule, throwing `invalid_request` with what is wrong.
 *
 * @example
 * ```ts
 * validateBudget({ accountId: 'team_acme', scope: 'account', period: 'month', hardLimitNano: 100_000_000_000 });
 * ```
 */
export function validateBudget(rule: BudgetRule): void {
  const fail = (message: string, param: string): never => {
    throw new GatewayError('invalid_request', `Invalid budget: ${message}`, { param });
  };
  if (typeof rule.accountId !== 'string' || rule.accountId === '') fail('accountId is required', 'accountId');
  if (!['account', 'user', 'apiKey'].includes(rule.scope))
    fail(`scope must be 'account', 'user' or 'apiKey', got '${String(rule.scope)}'`, 'scope');
  if (rule.scope !== 'account' && (typeof rule.target !== 'string' || rule.target === ''))
    fail(`a ${rule.scope} budget needs a target (an id, or '*' for each one)`, 'target');
  const period = rule.period;
  if (
    period !== 'day' &&
    period !== 'month' &&
    !(
      typeof period === 'object' &&
      period !== null &&
      Number.isSafeInteger(period.rollingMs) &&
      period.rollingMs >= 1_000
    )
  ) {
    fail("period must be 'day', 'month' or { rollingMs } of at least 1000", 'period');
  }
  if (rule.softLimitNano === undefined && rule.hardLimitNano === undefined)
    fail('give a softLimitNano, a hardLimitNano or both', 'hardLimitNano');
  for (const name of ['softLimitNano', 'hardLimitNano'] as const) {
    const value = rule[name];
    if (value === undefined) continue;
    assertInteger(value, name);
    if (value < 0) fail(`${name} must not be negative`, name);
  }
}

/**
 * The stored name of a rule: one rule per account, scope, target and period.
 *
 * @example
 * ```ts
 * budgetId({ accountId: 'a', scope: 'user', target: 'alice', period: 'day' }); // 'user:alice:day'
 * ```
 */
export function budgetId(rule: Pick<BudgetRule, 'scope' | 'target' | 'period'>): string {
  return `${rule.scope}:${rule.scope === 'account' ? '' : encodeURIComponent(rule.target ?? '')}:${periodName(rule.period)}`;
}

/**
 * The budget a rule puts on one request, or undefined when the rule does not concern it (a user
 * budget for a request without a user, another user, another key).
 *
 * @example
 * ```ts
 * applyBudget({ accountId: 'acme', scope: 'user', target: '*', period: 'day', hardLimitNano: 1e9 }, { id: 'acme' }, 'bob', Date.now());
 * ```
 */
export function applyBudget(
  rule: BudgetRule,
  account: AccountReference,
  user: string | undefined,
  now: number,
): AppliedBudget | undefined {
  let subject: string;
  let scope: string;
  if (rule.scope === 'account') {
    subject = 'account';
    scope = 'account';
  } else {
    const id = rule.scope === 'user' ? user : account.apiKeyId;
    if (id === undefined || (rule.target !== '*' && rule.target !== id)) return undefined;
    subject = `${rule.scope}:${encodeURIComponent(id)}`;
    scope = `${rule.scope}:${id}`;
  }
  const base = `budget:${encodeURIComponent(account.id)}:${subject}`;
  const period = periodName(rule.period);
  if (typeof rule.period === 'object')
    return {
      rule,
      scope,
      period,
      meter: { key: `${base}:${period}`, group: account.id, window: { windowMs: rule.period.rollingMs } },
    };
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const end = rule.period === 'day' ? Date.UTC(year, month, date.getUTCDate() + 1) : Date.UTC(year, month + 1, 1);
  const label = date.toISOString().slice(0, rule.period === 'day' ? 10 : 7);
  return {
    rule,
    scope,
    period,
    meter: { key: `${base}:${period}:${label}`, group: account.id, ttlMs: end - now + PERIOD_GRACE_MS },
  };
}

/**
 * The budgets that apply to a request, one per meter: an account's own rule wins over a `'*'` rule
 * for the same scope and period, and a stored rule over a configured one.
 *
 * @example
 * ```ts
 * const budgets = budgetsFor([...storedRules, ...configuredRules], { id: 'acme', apiKeyId: 'key_1' }, 'alice', Date.now());
 * ```
 */
export function budgetsFor(
  rules: readonly BudgetRule[],
  account: AccountReference,
  user: string | undefined,
  now: number,
): AppliedBudget[] {
  const chosen = new Map<string, { budget: AppliedBudget; rank: number }>();
  for (const [position, rule] of rules.entries()) {
    if (rule.accountId !== account.id && rule.accountId !== '*') continue;
    const budget = applyBudget(rule, account, user, now);
    if (!budget) continue;
    // Earlier rules (stored before configured) and exact matches rank first.
    const rank = (rule.accountId === '*' ? 2 : 0) + (rule.target === '*' ? 1 : 0) + position / (rules.length + 1);
    const current = chosen.get(budget.meter.key);
    if (!current || rank < current.rank) chosen.set(budget.meter.key, { budget, rank });
  }
  return [...chosen.values()].map((entry) => entry.budget);
}
