/**
 * The billing layer's public surface: credits, budgets, rate limits, usage records and reports.
 *
 * @example
 * ```ts
 * import { createBilling } from 'switchyard';
 * const billing = createBilling({ freeAllocationNano: 1_000_000_000 });
 * ```
 *
 * @module
 */
export {
  Billing,
  createBilling,
  type AccountBalance,
  type BillingEventTarget,
  type BillingOptions,
  type BudgetStatus,
  type StoreFailurePolicy,
} from './billing.js';
export type { BudgetPeriod, BudgetRule, BudgetScope } from './budgets.js';
export { withMarkup } from './markup.js';
export { RATE_WINDOW, type RateLimits } from './rate-limits.js';
export {
  checkReportQuery,
  CREDENTIAL_TYPES,
  MAX_REPORT_DAYS,
  SPEND_GROUPINGS,
  type SpendGrouping,
  type SpendReport,
  type SpendReportQuery,
  type SpendReportRow,
} from './spend-report.js';
export { toGenerationSummary, type GenerationSummary, type TokenTotals, type UsageRecord } from './usage-record.js';
