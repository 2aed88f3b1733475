/**
 * The dashboard's data: what its JSON routes (`<dashboard>/api/*`) answer, built from the router (catalog,
 * health, request log) and billing (spend reports, credits, budgets). Plain JSON-able shapes the page
 * (src/dashboard/) reads; amounts in integer nano-dollars, prices as the catalog's decimal strings. No
 * provider key, gateway key or message content is in any of them.
 *
 * @module
 */
import { dollarsToNano } from '../../../billing/cost.js';
import type { SpendGrouping, SpendReportRow } from '../../../billing/spend-report.js';
import type { Capabilities, ModelDefinition, Pricing } from '../../../catalog/catalog.js';
import { listModels } from '../../../catalog/model-directory.js';
import type { AccountReference } from '../../../core/events.js';
import { GatewayError } from '../../../core/errors.js';
import type { HealthSnapshot } from '../../../health/health-tracker.js';
import type {
  RequestLog,
  RequestLogQuery,
  RequestLogRecord,
} from '../../../middleware/request-log/request-log-record.js';
import type { GatewayBilling, GatewayRouter } from '../../http-types.js';

/**
 * One offering of a model on the Models view.
 *
 * @example
 * ```ts
 * const offering: DashboardOffering = { provider: 'anthropic', providerModelId: 'claude-sonnet-4-20250514', configured: true,
 *   pricing: { input: '3', output: '15', cacheRead: '0.3', cacheWrite: '3.75' }, contextWindow: 200_000, capabilities: ['tools'], cheapest: true };
 * ```
 */
export interface DashboardOffering {
  provider: string;
  providerModelId: string;
  /** Whether this gateway has the provider configured (it can route to the offering). */
  configured: boolean;
  /** USD per million tokens, exact decimal strings. */
  pricing: Pick<Pricing, 'input' | 'output' | 'cacheRead' | 'cacheWrite'>;
  contextWindow?: number;
  maxOutputTokens?: number;
  capabilities: string[];
  /** The lowest input + output price of the model's offerings (ties all marked; none when all cost the same). */
  cheapest: boolean;
}

/**
 * One catalog model on the Models view.
 *
 * @example
 * ```ts
 * const model: DashboardModel = { id: 'openai/gpt-4o', name: 'GPT-4o', type: 'language', capabilities: ['tools'], offerings: [] };
 * ```
 */
export interface DashboardModel {
  id: string;
  name?: string;
  type: 'language' | 'embedding';
  released?: string;
  capabilities: string[];
  offerings: DashboardOffering[];
}

/**
 * The answer of `<dashboard>/api/models`.
 *
 * @example
 * ```ts
 * const { models } = (await (await fetch('/dashboard/api/models')).json()) as DashboardModels;
 * ```
 */
export interface DashboardModels {
  models: DashboardModel[];
  /** The configured provider instances. */
  providers: string[];
}

/**
 * One offering on the Availability view: its health snapshot and the catalog model it serves.
 *
 * @example
 * ```ts
 * const row: DashboardHealthOffering = { ...router.health.snapshot('openai', 'gpt-4o'), models: ['openai/gpt-4o'] };
 * ```
 */
export interface DashboardHealthOffering extends HealthSnapshot {
  /** The catalog models this offering serves. */
  models: string[];
}

/**
 * The answer of `<dashboard>/api/health`.
 *
 * @example
 * ```ts
 * const health: DashboardHealth = { now: Date.now(), windowMs: 300_000, offerings: [] };
 * ```
 */
export interface DashboardHealth {
  now: number;
  /** The window the statistics cover (undefined when the router does not say). */
  windowMs?: number;
  offerings: DashboardHealthOffering[];
}

/**
 * Tokens by kind, as the Spend view charts them. @example
 * `{ input: 10, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0 }`
 */
export interface DashboardTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

/**
 * One bar of the Spend view: a period (`start`) or a group, with its cost, tokens and requests.
 *
 * @example
 * ```ts
 * const bar: DashboardSpendBar = { key: 'openai/gpt-4o', costNano: 2_500_000, requests: 3, cacheHits: 1, cacheSavedNano: 800_000, tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0 } };
 * ```
 */
export interface DashboardSpendBar {
  /** The group's value (`'(none)'` for records without one), or the period's start as an ISO string. */
  key: string;
  costNano: number;
  requests: number;
  /** Of `requests`, those a cache answered, and what they saved (the stored answers' upstream cost). */
  cacheHits: number;
  cacheSavedNano: number;
  tokens: DashboardTokens;
}

/**
 * A budget of an account with what its current period spent.
 *
 * @example
 * ```ts
 * const budget: DashboardBudget = { scope: 'account team_acme', period: 'month', spentNano: 4e9, hardLimitNano: 10e9 };
 * ```
 */
export interface DashboardBudget {
  scope: string;
  period: string;
  spentNano: number;
  reservedNano: number;
  softLimitNano?: number;
  hardLimitNano?: number;
}

/**
 * An account's credits and budgets on the Spend view.
 *
 * @example
 * ```ts
 * const account: DashboardAccount = { id: 'team_acme', balanceNano: 9e9, totalUsedNano: 1e9, budgets: [] };
 * ```
 */
export interface DashboardAccount {
  id: string;
  balanceNano?: number;
  totalUsedNano?: number;
  budgets: DashboardBudget[];
  /** Why the figures are missing (the store did not answer). */
  error?: string;
}

/** The groupings of the Spend view. @example `const grouping: DashboardGrouping = 'account';` */
export type DashboardGrouping = 'model' | 'provider' | 'account' | 'user' | 'tag';

/** The groupings of the Spend view, in menu order. @example `DASHBOARD_GROUPINGS[0]; // 'model'` */
export const DASHBOARD_GROUPINGS: readonly DashboardGrouping[] = ['model', 'provider', 'account', 'user', 'tag'];

/**
 * The answer of `<dashboard>/api/spend`: `{ enabled: false }` without billing.
 *
 * @example
 * ```ts
 * const spend = (await (await fetch('/dashboard/api/spend?range=24h&groupBy=model')).json()) as DashboardSpend;
 * ```
 */
export type DashboardSpend =
  | { enabled: false }
  | {
      enabled: true;
      from: number;
      to: number;
      /** The periods of the time series. */
      bucket: 'hour' | 'day';
      groupBy: DashboardGrouping;
      /** Every period of the range, oldest first (empty periods included, at 0). */
      series: DashboardSpendBar[];
      /** The groups, most expensive first. */
      groups: DashboardSpendBar[];
      accounts: DashboardAccount[];
    };

/**
 * A request log record as the page shows it (never with message content). @example
 * `const row: DashboardLogRecord = record;`
 */
export type DashboardLogRecord = Omit<RequestLogRecord, 'content'>;

/**
 * The answer of `<dashboard>/api/logs`: `{ enabled: false }` without a request log.
 *
 * @example
 * ```ts
 * const logs = (await (await fetch('/dashboard/api/logs?status=error')).json()) as DashboardLogs;
 * ```
 */
export type DashboardLogs = { enabled: false } | { enabled: true; records: DashboardLogRecord[]; nextCursor?: string };

/** The ranges of the Spend view. @example `SPEND_RANGES['24h']; // { ms: 86_400_000, bucket: 'hour' }` */
export const SPEND_RANGES: Readonly<Record<string, { ms: number; bucket: 'hour' | 'day' }>> = {
  '24h': { ms: 24 * 3_600_000, bucket: 'hour' },
  '7d': { ms: 7 * 86_400_000, bucket: 'day' },
  '30d': { ms: 30 * 86_400_000, bucket: 'day' },
};

/** What the dashboard reads of a router's health beyond {@link GatewayRouter} (`Router` has both). */
interface DashboardRouterParts {
  health: GatewayRouter['health'] & { snapshots?(): HealthSnapshot[]; readonly window?: number };
}

function parts(router: GatewayRouter): DashboardRouterParts {
  return router as unknown as DashboardRouterParts;
}

/**
 * The request log of a router, when it keeps one.
 *
 * @example
 * ```ts
 * const logs = requestLogOf(router);
 * ```
 */
export function requestLogOf(router: GatewayRouter): RequestLog | undefined {
  const logs = router.logs;
  return logs && typeof logs.query === 'function' ? logs : undefined;
}

function capabilityNames(capabilities: Capabilities | undefined): string[] {
  if (!capabilities) return [];
  return (Object.keys(capabilities) as Array<keyof Capabilities>).filter((name) => capabilities[name] === true);
}

function priceNano(price: string | undefined): bigint {
  if (price === undefined) return 0n;
  try {
    return dollarsToNano(price);
  } catch {
    return 0n;
  }
}

/**
 * The Models view: every catalog model, every offering with its prices, whether it is configured here,
 * and the cheapest marked.
 *
 * @example
 * ```ts
 * const { models } = dashboardModels(router);
 * ```
 */
export function dashboardModels(router: GatewayRouter): DashboardModels {
  const names = router.providerNames();
  const configured = new Map<string, Array<{ provider: string; providerModelId: string; pricing: Pricing }>>();
  for (const listed of listModels(router, undefined)) configured.set(listed.model.id, listed.offerings);
  const models = router.catalog.list().map((model) => dashboardModel(model, configured.get(model.id) ?? [], names));
  models.sort(
    (a, b) =>
      Number(b.offerings.some((offering) => offering.configured)) -
        Number(a.offerings.some((offering) => offering.configured)) || a.id.localeCompare(b.id),
  );
  return { models, providers: names };
}

function dashboardModel(
  model: ModelDefinition,
  reachable: Array<{ provider: string; providerModelId: string; pricing: Pricing }>,
  names: string[],
): DashboardModel {
  const offerings: DashboardOffering[] = model.offerings.map((offering) => ({
    provider: offering.provider,
    providerModelId: offering.providerModelId,
    configured:
      names.includes(offering.provider) ||
      reachable.some(
        (item) => item.provider === offering.provider && item.providerModelId === offering.providerModelId,
      ),
    pricing: pick(offering.pricing),
    contextWindow: offering.limits?.context ?? model.limits?.context,
    maxOutputTokens: offering.limits?.output ?? model.limits?.output,
    capabilities: capabilityNames({ ...model.capabilities, ...offering.capabilities }),
    cheapest: false,
  }));
  // Configured instances of another name (`openai-eu`) serve the model too.
  for (const item of reachable) {
    if (offerings.some((offering) => offering.provider === item.provider)) continue;
    offerings.push({
      provider: item.provider,
      providerModelId: item.providerModelId,
      configured: true,
      pricing: pick(item.pricing),
      contextWindow: model.limits?.context,
      maxOutputTokens: model.limits?.output,
      capabilities: capabilityNames(model.capabilities),
      cheapest: false,
    });
  }
  const blended = offerings.map((offering) => priceNano(offering.pricing.input) + priceNano(offering.pricing.output));
  // Marked only when it is cheaper than another offering (not when every offering costs the same).
  if (blended.length > 1 && blended.some((value) => value !== blended[0])) {
    const lowest = blended.reduce((min, value) => (value < min ? value : min));
    blended.forEach((value, index) => {
      offerings[index].cheapest = value === lowest;
    });
  }
  return {
    id: model.id,
    ...(model.name ? { name: model.name } : {}),
    type: model.type === 'embedding' || model.capabilities?.embeddings ? 'embedding' : 'language',
    ...(model.released ? { released: model.released } : {}),
    capabilities: capabilityNames(model.capabilities),
    offerings,
  };
}

function pick(pricing: Pricing): DashboardOffering['pricing'] {
  return {
    input: pricing.input,
    output: pricing.output,
    ...(pricing.cacheRead !== undefined ? { cacheRead: pricing.cacheRead } : {}),
    ...(pricing.cacheWrite !== undefined ? { cacheWrite: pricing.cacheWrite } : {}),
  };
}

/**
 * The Availability view: every offering the health tracker has seen, with the catalog models it serves.
 *
 * @example
 * ```ts
 * const { offerings } = dashboardHealth(router);
 * ```
 */
export function dashboardHealth(router: GatewayRouter): DashboardHealth {
  const health = parts(router).health;
  const snapshots = typeof health.snapshots === 'function' ? health.snapshots() : [];
  const modelsOf = new Map<string, string[]>();
  for (const listed of listModels(router, undefined)) {
    for (const offering of listed.offerings) {
      const key = `${offering.provider}\u0000${offering.providerModelId}`;
      const models = modelsOf.get(key) ?? [];
      models.push(listed.model.id);
      modelsOf.set(key, models);
    }
  }
  const offerings = snapshots
    .map((snapshot) => ({
      ...snapshot,
      models: modelsOf.get(`${snapshot.provider}\u0000${snapshot.providerModelId}`) ?? [],
    }))
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.providerModelId.localeCompare(b.providerModelId));
  const windowMs = typeof health.window === 'number' ? health.window : undefined;
  return { now: Date.now(), ...(windowMs !== undefined ? { windowMs } : {}), offerings };
}

/**
 * The accounts the Spend view covers: those of the gateway API keys (with their users), the default
 * account, and the accounts of recent requests in the log.
 *
 * @example
 * ```ts
 * const accounts = await knownAccounts(router, [{ id: 'team_acme', users: ['alice'] }]);
 * ```
 */
export async function knownAccounts(
  router: GatewayRouter,
  configured: ReadonlyArray<{ id: string; users: readonly string[] }>,
): Promise<Map<string, Set<string>>> {
  const accounts = new Map<string, Set<string>>();
  const add = (id: string | undefined, user?: string): void => {
    if (!id) return;
    const users = accounts.get(id) ?? new Set<string>();
    if (user) users.add(user);
    accounts.set(id, users);
  };
  for (const account of configured) {
    add(account.id);
    for (const user of account.users) add(account.id, user);
  }
  const logs = requestLogOf(router);
  if (logs) {
    try {
      const { records } = await logs.query({ limit: 1_000 });
      for (const record of records) add(record.account, record.user);
    } catch {
      // The log's store did not answer: the configured accounts still show.
    }
  }
  return accounts;
}

function tokensOf(row: SpendReportRow): DashboardTokens {
  return {
    input: row.inputTokens,
    output: row.outputTokens,
    cacheRead: row.cacheReadTokens,
    cacheWrite: row.cacheWriteTokens,
    reasoning: row.reasoningTokens,
  };
}

function addInto(target: DashboardSpendBar, row: SpendReportRow): void {
  target.costNano += row.costNano;
  target.requests += row.requestCount;
  target.cacheHits += row.cacheHitCount;
  target.cacheSavedNano += row.cacheSavedNano;
  const tokens = tokensOf(row);
  for (const kind of Object.keys(tokens) as Array<keyof DashboardTokens>) target.tokens[kind] += tokens[kind];
}

function emptyBar(key: string): DashboardSpendBar {
  return {
    key,
    costNano: 0,
    requests: 0,
    cacheHits: 0,
    cacheSavedNano: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
  };
}

/**
 * The Spend view, from billing's spend reports: the range's cost and tokens by hour or day, the groups,
 * and every known account's credits and budgets.
 *
 * @example
 * ```ts
 * const spend = await dashboardSpend(billing, accounts, { range: '7d', groupBy: 'provider', now: Date.now() });
 * ```
 */
export async function dashboardSpend(
  billing: GatewayBilling | undefined,
  accounts: Map<string, Set<string>>,
  options: { range: string; groupBy: string; now: number },
): Promise<DashboardSpend> {
  if (!billing) return { enabled: false };
  const range = SPEND_RANGES[options.range];
  if (!range)
    throw new GatewayError('invalid_request', `range must be one of ${Object.keys(SPEND_RANGES).join(', ')}`, {
      param: 'range',
    });
  const groupBy = options.groupBy as DashboardGrouping;
  if (!DASHBOARD_GROUPINGS.includes(groupBy))
    throw new GatewayError('invalid_request', `groupBy must be one of ${DASHBOARD_GROUPINGS.join(', ')}`, {
      param: 'groupBy',
    });
  const bucketMs = range.bucket === 'hour' ? 3_600_000 : 86_400_000;
  const to = options.now;
  const firstStart = Math.floor((to - range.ms) / bucketMs) * bucketMs + bucketMs;
  const from = firstStart;
  const series = new Map<number, DashboardSpendBar>();
  for (let start = firstStart; start <= to; start += bucketMs)
    series.set(start, emptyBar(new Date(start).toISOString()));
  const groups = new Map<string, DashboardSpendBar>();
  const list: DashboardAccount[] = [];
  const budgetSource = billing as GatewayBilling & {
    getBudgetStatus?(account: AccountReference): Promise<
      Array<{
        scope: string;
        period: string;
        spentNano: number;
        reservedNano: number;
        rule: { softLimitNano?: number; hardLimitNano?: number };
      }>
    >;
  };
  await Promise.all(
    [...accounts].map(async ([id, users]) => {
      const account: DashboardAccount = { id, budgets: [] };
      list.push(account);
      try {
        const reportGrouping: SpendGrouping = groupBy === 'account' ? range.bucket : groupBy;
        const [timeline, grouped, credits] = await Promise.all([
          billing.getReport({ id }, { from, to, groupBy: range.bucket }),
          groupBy === 'account' ? undefined : billing.getReport({ id }, { from, to, groupBy: reportGrouping }),
          billing.getCredits({ id }),
        ]);
        account.balanceNano = credits.balanceNano;
        account.totalUsedNano = credits.totalUsedNano;
        for (const row of timeline.rows) {
          const start = row.periodStart ? new Date(row.periodStart).getTime() : undefined;
          const bar = start === undefined ? undefined : series.get(Math.floor(start / bucketMs) * bucketMs);
          if (bar) addInto(bar, row);
          if (groupBy === 'account') {
            const group = groups.get(id) ?? emptyBar(id);
            addInto(group, row);
            groups.set(id, group);
          }
        }
        for (const row of grouped?.rows ?? []) {
          const key = row.group ?? '(none)';
          const group = groups.get(key) ?? emptyBar(key);
          addInto(group, row);
          groups.set(key, group);
        }
        if (typeof budgetSource.getBudgetStatus === 'function') {
          const seen = new Set<string>();
          for (const reference of [{ id }, ...[...users].map((user) => ({ id, user }))]) {
            for (const status of await budgetSource.getBudgetStatus(reference)) {
              const name = `${status.scope}\u0000${status.period}`;
              if (seen.has(name)) continue;
              seen.add(name);
              account.budgets.push({
                scope: status.scope,
                period: status.period,
                spentNano: status.spentNano,
                reservedNano: status.reservedNano,
                ...(status.rule.softLimitNano !== undefined ? { softLimitNano: status.rule.softLimitNano } : {}),
                ...(status.rule.hardLimitNano !== undefined ? { hardLimitNano: status.rule.hardLimitNano } : {}),
              });
            }
          }
        }
      } catch (error) {
        account.error = error instanceof GatewayError ? error.code : 'store_unavailable';
      }
    }),
  );
  list.sort((a, b) => a.id.localeCompare(b.id));
  return {
    enabled: true,
    from,
    to,
    bucket: range.bucket,
    groupBy,
    series: [...series.values()],
    groups: [...groups.values()].filter((group) => group.requests > 0 || group.costNano > 0).sort(byCost),
    accounts: list,
  };
}

function byCost(a: DashboardSpendBar, b: DashboardSpendBar): number {
  return b.costNano - a.costNano || b.requests - a.requests || a.key.localeCompare(b.key);
}

/**
 * The Requests view: a page of the request log (filters as `GET /v1/logs` takes them), without content.
 *
 * @example
 * ```ts
 * const logs = await dashboardLogs(router, new URLSearchParams('status=error&limit=50'));
 * ```
 */
export async function dashboardLogs(router: GatewayRouter, query: URLSearchParams): Promise<DashboardLogs> {
  const logs = requestLogOf(router);
  if (!logs) return { enabled: false };
  const filter: RequestLogQuery = {};
  for (const name of ['account', 'model', 'provider', 'cursor'] as const) {
    const value = query.get(name)?.trim();
    if (value) filter[name] = value;
  }
  const status = query.get('status');
  if (status) {
    if (status !== 'success' && status !== 'error' && status !== 'aborted')
      throw new GatewayError('invalid_request', 'status must be success, error or aborted', { param: 'status' });
    filter.status = status;
  }
  for (const name of ['since', 'until', 'limit'] as const) {
    const value = query.get(name);
    if (value === null || value === '') continue;
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < 0)
      throw new GatewayError('invalid_request', `${name} must be a non-negative integer`, { param: name });
    filter[name] = number;
  }
  const page = await logs.query(filter);
  return {
    enabled: true,
    records: page.records.map(withoutContent),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

/**
 * One request of the log, without content, or undefined.
 *
 * @example
 * ```ts
 * const record = await dashboardLogRecord(router, 'gen_01J...');
 * ```
 */
export async function dashboardLogRecord(router: GatewayRouter, id: string): Promise<DashboardLogRecord | undefined> {
  const record = await requestLogOf(router)?.get(id);
  return record ? withoutContent(record) : undefined;
}

function withoutContent(record: RequestLogRecord): DashboardLogRecord {
  const { content: _content, ...rest } = record;
  return rest;
}
