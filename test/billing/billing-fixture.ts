/**
 * Test fixture: the real Router with the real `openai` provider against the OpenAI simulator, with
 * a billing layer hooked in, and helpers to look at what happened.
 */
import { createBilling, type Billing, type BillingOptions } from '../../src/billing/billing.js';
import type { RouterEvents, UsageEvent } from '../../src/core/events.js';
import { Router } from '../../src/router/router.js';
import type { AttemptPlan, RouterConfig } from '../../src/router/router-types.js';
import type { StateStore } from '../../src/store/store.js';
import { GatewayError } from '../../src/core/errors.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import type { AccountReference } from '../../src/core/events.js';
import {
  creditsBody,
  generationBody,
  reportBody,
  reportQuery,
} from '../../src/http/dialects/ai-gateway/billing-dialect.js';

/** A report query as the wire sends it (`tags` as a list). */
export type WireReportQuery = Record<string, string | string[] | undefined>;

/**
 * Billing's answers as `GET /v1/credits`, `/v1/report` and `/v1/generation` shape them (the
 * ai-gateway dialect's parsing and shaping around billing's domain types).
 */
export interface WireBilling {
  getCredits(account: AccountReference): Promise<{ balance: string; total_used: string }>;
  getReport(account: AccountReference, query: WireReportQuery): Promise<{ results: Array<Record<string, unknown>> }>;
  getGeneration(account: AccountReference, id: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * The wire view of a billing layer.
 *
 * @example
 * ```ts
 * const { results } = await wireBilling(billing).getReport(acme, { start_date: '2025-06-01', end_date: '2025-06-30' });
 * ```
 */
export function wireBilling(billing: Billing): WireBilling {
  return {
    getCredits: async (account) => creditsBody(await billing.getCredits(account)),
    getReport: async (account, query) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(query))
        if (value !== undefined) params.set(name, Array.isArray(value) ? value.join(',') : value);
      return reportBody(await billing.getReport(account, reportQuery(params)));
    },
    getGeneration: async (account, id) => {
      const generation = await billing.getGeneration(account, id);
      return generation && generationBody(generation);
    },
  };
}

export const MODEL = 'openai/gpt-4o-mini';

export interface BillingFixture {
  simulator: Simulator;
  router: Router;
  billing: Billing;
  /** `billing` as the HTTP endpoints shape it. */
  wire: WireBilling;
  usage: UsageEvent[];
  /** Every attempt plan the router made (what billing reserved against). */
  plans: AttemptPlan[];
  budgets: Array<RouterEvents['budget'][0]>;
  warnings: Array<RouterEvents['warning'][0]>;
  close(): Promise<void>;
}

export async function startBillingFixture(
  options: BillingOptions = {},
  config: Partial<RouterConfig> = {},
  simulator: Simulator = createOpenAISimulator(),
): Promise<BillingFixture> {
  const url = await simulator.start();
  const billing = createBilling({ configCacheMs: 0, ...options });
  const plans: AttemptPlan[] = [];
  const router = new Router({
    providers: { openai: { type: 'openai', apiKey: 'sk-test-billing-0123456789', baseURL: `${url}/v1` } },
    retry: { maxRetries: 0 },
    attemptTimeoutMs: 5_000,
    hooks: [billing.hook, { onAttempt: (_context, plan) => void plans.push(plan) }],
    ...config,
  });
  billing.attach(router);
  const usage: UsageEvent[] = [];
  const budgets: BillingFixture['budgets'] = [];
  const warnings: BillingFixture['warnings'] = [];
  router.on('usage', (event) => void usage.push(event));
  router.on('budget', (event) => void budgets.push(event));
  router.on('warning', (event) => void warnings.push(event));
  return {
    simulator,
    router,
    billing,
    wire: wireBilling(billing),
    usage,
    plans,
    budgets,
    warnings,
    async close() {
      await billing.close();
      await simulator.close();
    },
  };
}

/** Runs a promise expected to fail with a GatewayError and returns that error. */
export async function gatewayError(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError, but the call succeeded');
}

/** Today as YYYY-MM-DD (UTC). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * A store wrapper whose backend can be switched off: every operation then rejects with
 * `store_unavailable`, as the Redis store does when Redis is unreachable.
 */
export class SwitchableStore implements StateStore {
  readonly kind = 'switchable';
  down = false;
  constructor(private readonly inner: StateStore) {}
  private run<T>(operation: () => Promise<T>): Promise<T> {
    return this.down
      ? Promise.reject(new GatewayError('store_unavailable', 'The test store is switched off'))
      : operation();
  }
  reserve: StateStore['reserve'] = (request) => this.run(() => this.inner.reserve(request));
  settle: StateStore['settle'] = (request) => this.run(() => this.inner.settle(request));
  release: StateStore['release'] = (id, meters) => this.run(() => this.inner.release(id, meters));
  readMeter: StateStore['readMeter'] = (meter) => this.run(() => this.inner.readMeter(meter));
  credit: StateStore['credit'] = (meter, amount, options) => this.run(() => this.inner.credit(meter, amount, options));
  windowAdd: StateStore['windowAdd'] = (request) => this.run(() => this.inner.windowAdd(request));
  increment: StateStore['increment'] = (key, amount, ttlMs) => this.run(() => this.inner.increment(key, amount, ttlMs));
  readCounter: StateStore['readCounter'] = (key) => this.run(() => this.inner.readCounter(key));
  appendRecord: StateStore['appendRecord'] = (record) => this.run(() => this.inner.appendRecord(record));
  getRecord: StateStore['getRecord'] = (id, group) => this.run(() => this.inner.getRecord(id, group));
  listRecords: StateStore['listRecords'] = (query) => this.run(() => this.inner.listRecords(query));
  setField: StateStore['setField'] = (key, field, value) => this.run(() => this.inner.setField(key, field, value));
  getFields: StateStore['getFields'] = (key) => this.run(() => this.inner.getFields(key));
  setExpiringField: StateStore['setExpiringField'] = (key, field, value, ttlMs) =>
    this.run(() => this.inner.setExpiringField(key, field, value, ttlMs));
  getExpiringFields: StateStore['getExpiringFields'] = (key) => this.run(() => this.inner.getExpiringFields(key));
  close: StateStore['close'] = () => this.inner.close();
}
