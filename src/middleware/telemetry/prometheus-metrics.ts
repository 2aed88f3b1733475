/**
 * Prometheus metrics fed from the router's events (`request`, `response`, `error`, `attempt`, `usage`,
 * `fallback`, `cache`, `guardrail`) into a `prom-client` registry of their own. `prom-client` is an optional
 * peer: loaded when metrics are configured, never when importing switchyard. With metrics off nothing
 * listens to the events. Labels are low-cardinality: model, provider, outcome; the account, the user or
 * the API key id only when configured (`labels: ['account']`). No key ever appears in a metric.
 *
 * @module
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GatewayError } from '../../core/errors.js';
import type {
  AccountReference,
  AttemptRecord,
  CacheEvent,
  GuardrailEvent,
  RouterEventName,
  RouterEvents,
  UsageEvent,
} from '../../core/events.js';
import { importOptional } from '../../core/optional-import.js';
import type { HealthSnapshot } from '../../health/health-tracker.js';

/** A label that may be added to the request, token and cost metrics. @example `'account'` */
export type MetricsLabel = 'account' | 'user' | 'apiKey';

/** The labels `labels` accepts. @example `METRICS_LABELS.includes('account') // true` */
export const METRICS_LABELS: readonly MetricsLabel[] = ['account', 'user', 'apiKey'];

/**
 * The handler's `metrics` option: where `GET /metrics` is served, who may read it, and which extra labels.
 *
 * @example
 * ```ts
 * const metrics: MetricsConfig = { path: '/metrics', key: process.env.METRICS_KEY, labels: ['account'] };
 * ```
 */
export interface MetricsConfig {
  /** The path under the base path (default `/metrics`). */
  path?: string;
  /**
   * A key the scraper sends as `Authorization: Bearer <key>` (16+ characters), or `'admin'` for the admin keys
   * (`adminKeys`). Without one, the endpoint is public: keep it off the public network.
   */
  key?: string;
  /** Extra labels on requests, tokens and cost (default none): `account`, `user`, `apiKey` (the key's id). */
  labels?: MetricsLabel[];
  /** In code: a `prom-client` registry to register the metrics in (default: a registry of their own). */
  registry?: PrometheusRegistry;
}

/**
 * A `prom-client` `Registry`, typed by what the gateway reads of it, so that switchyard's own types need no
 * optional package: pass `new Registry()` or `register`.
 *
 * @example
 * ```ts
 * import { register } from 'prom-client';
 * const registry: PrometheusRegistry = register;
 * ```
 */
export interface PrometheusRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/**
 * What the metrics read: the router's events and, when it has them, its health snapshots.
 *
 * @example
 * ```ts
 * const source: MetricsSource = router;
 * ```
 */
export interface MetricsSource {
  on<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): unknown;
  off<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): unknown;
  readonly health?: { snapshots?(): HealthSnapshot[] };
}

type PromClient = typeof import('prom-client');

const PACKAGE = 'prom-client';
const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const FIRST_TOKEN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BREAKER_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;
const REJECTIONS = new Set(['rate_limited', 'budget_exceeded', 'insufficient_credits']);
/** Events kept while prom-client loads (a few milliseconds at start-up); more are dropped. */
const MAX_PENDING = 10_000;
const LISTENED = ['request', 'response', 'error', 'attempt', 'usage', 'fallback', 'cache', 'guardrail'] as const;

type Listened = (typeof LISTENED)[number];
type Pending = { [E in Listened]: [E, RouterEvents[E][0]] }[Listened];

interface InFlight {
  operation: string;
  model: string;
  account: AccountReference | undefined;
  user: string | undefined;
}

interface Instruments {
  registry: Registry;
  requests: Counter;
  inFlight: Gauge;
  attemptDuration: Histogram;
  timeToFirstToken: Histogram;
  tokens: Counter;
  cost: Counter;
  fallbacks: Counter;
  rejections: Counter;
  cache: Counter;
  cacheSaved: Counter;
  guardrails: Counter;
  breaker: Gauge;
}

/**
 * The Prometheus metrics of one router (prefix `switchyard_`), in the text exposition format.
 *
 * @example
 * ```ts
 * const metrics = new PrometheusMetrics(router, { labels: ['account'] });
 * const { contentType, body } = await metrics.render();
 * ```
 */
export class PrometheusMetrics {
  private instruments: Instruments | undefined = undefined;
  private readonly loading: Promise<Instruments>;
  private pending: Pending[] | undefined = [];
  private readonly inFlight = new Map<string, InFlight>();
  private readonly extra: readonly MetricsLabel[];
  private readonly listeners: Array<[Listened, (payload: never) => void]> = [];

  constructor(
    private readonly source: MetricsSource,
    options: Pick<MetricsConfig, 'labels' | 'registry'> = {},
  ) {
    this.extra = [...new Set(options.labels ?? [])];
    for (const name of LISTENED) {
      const listener = (payload: never): void => this.receive([name, payload] as Pending);
      this.listeners.push([name, listener]);
      source.on(name, listener as (...args: RouterEvents[typeof name]) => unknown);
    }
    this.loading = importOptional<PromClient & { default?: PromClient }>(PACKAGE).then(
      (module) => {
        const client = typeof module.Registry === 'function' ? module : (module.default ?? module);
        const instruments = this.build(client, options.registry as Registry | undefined);
        this.instruments = instruments;
        const pending = this.pending ?? [];
        this.pending = undefined;
        for (const event of pending) this.apply(instruments, event);
        return instruments;
      },
      (error: unknown) => {
        this.pending = undefined;
        this.close();
        throw new GatewayError(
          'config_invalid',
          `Prometheus metrics are configured (metrics), but the package '${PACKAGE}' cannot be loaded: install it with \`npm install ${PACKAGE}\``,
          { cause: error },
        );
      },
    );
    this.loading.catch(() => undefined);
  }

  /** Resolves once prom-client is loaded; rejects with `config_invalid` naming the package when it is missing. */
  ready(): Promise<void> {
    return this.loading.then(() => undefined);
  }

  /**
   * The metrics in the Prometheus text format, and its content type.
   *
   * @example
   * ```ts
   * const { contentType, body } = await metrics.render();
   * ```
   */
  async render(): Promise<{ contentType: string; body: string }> {
    const instruments = this.instruments ?? (await this.loading);
    return { contentType: instruments.registry.contentType, body: await instruments.registry.metrics() };
  }

  /** Stops listening to the router's events. */
  close(): void {
    for (const [name, listener] of this.listeners)
      this.source.off(name, listener as (...args: RouterEvents[typeof name]) => unknown);
    this.listeners.length = 0;
  }

  private receive(event: Pending): void {
    if (this.instruments) this.apply(this.instruments, event);
    else if (this.pending && this.pending.length < MAX_PENDING) this.pending.push(event);
  }

  private build(client: PromClient, given: Registry | undefined): Instruments {
    const registry = given ?? new client.Registry();
    const registers = [registry];
    const extra = this.extra.map(labelName);
    const source = this.source;
    const inFlight = this.inFlight;
    return {
      registry,
      requests: new client.Counter({
        name: 'switchyard_requests_total',
        help: 'Requests that reached routing, by the model asked for, the provider that answered (or last failed) and the outcome (success, or the error code)',
        labelNames: ['operation', 'model', 'provider', 'outcome', ...extra],
        registers,
      }),
      inFlight: new client.Gauge({
        name: 'switchyard_requests_in_flight',
        help: 'Requests under way (routed, not yet answered)',
        registers,
        collect() {
          this.set(inFlight.size);
        },
      }),
      attemptDuration: new client.Histogram({
        name: 'switchyard_attempt_duration_seconds',
        help: 'Duration of each attempt at a provider, by outcome (success, error, aborted)',
        labelNames: ['provider', 'model', 'outcome'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
      timeToFirstToken: new client.Histogram({
        name: 'switchyard_time_to_first_token_seconds',
        help: 'Time to the first content of each streamed attempt',
        labelNames: ['provider', 'model'],
        buckets: FIRST_TOKEN_BUCKETS,
        registers,
      }),
      tokens: new client.Counter({
        name: 'switchyard_tokens_total',
        help: 'Tokens of billable attempts by kind: input (all of it), cache_read and cache_write (parts of input), output, reasoning (part of output)',
        labelNames: ['provider', 'model', 'kind', ...extra],
        registers,
      }),
      cost: new client.Counter({
        name: 'switchyard_cost_nanodollars_total',
        help: 'Cost of billable attempts at list price, in nano-dollars (1 USD = 1e9)',
        labelNames: ['provider', 'model', 'credential', ...extra],
        registers,
      }),
      fallbacks: new client.Counter({
        name: 'switchyard_fallbacks_total',
        help: 'Moves from a failed offering to the next, by provider and the error that caused it',
        labelNames: ['from_provider', 'to_provider', 'code'],
        registers,
      }),
      rejections: new client.Counter({
        name: 'switchyard_rejections_total',
        help: 'Requests refused by a rate limit or a budget (rate_limited, budget_exceeded, insufficient_credits)',
        labelNames: ['reason'],
        registers,
      }),
      cache: new client.Counter({
        name: 'switchyard_cache_events_total',
        help: 'What the response cache did: hit, miss, store, skip',
        labelNames: ['operation', 'outcome'],
        registers,
      }),
      cacheSaved: new client.Counter({
        name: 'switchyard_cache_saved_nanodollars_total',
        help: 'What the answers served from the cache cost when they were made, in nano-dollars',
        registers,
      }),
      guardrails: new client.Counter({
        name: 'switchyard_guardrail_actions_total',
        help: 'Guardrail actions (block, redact, warn) by guardrail, detector and phase',
        labelNames: ['guardrail', 'detector', 'action', 'phase'],
        registers,
      }),
      breaker: breakerGauge(client, registers, source),
    };
  }

  private apply(instruments: Instruments, event: Pending): void {
    switch (event[0]) {
      case 'request': {
        const request = event[1];
        this.inFlight.set(request.requestId, {
          operation: request.operation,
          model: request.model,
          account: request.account,
          user: request.user ?? request.account?.user,
        });
        return;
      }
      case 'response': {
        const response = event[1];
        this.finish(instruments, response.requestId, response.provider, 'success', response.model);
        return;
      }
      case 'error': {
        const failure = event[1];
        const code = failure.error.code;
        if (REJECTIONS.has(code)) instruments.rejections.inc({ reason: code });
        const last = failure.attempts.length > 0 ? failure.attempts[failure.attempts.length - 1] : undefined;
        this.finish(instruments, failure.requestId, last?.provider ?? 'none', code, failure.model);
        return;
      }
      case 'attempt':
        this.attempt(instruments, event[1]);
        return;
      case 'usage':
        this.usage(instruments, event[1]);
        return;
      case 'fallback': {
        const fallback = event[1];
        instruments.fallbacks.inc({
          from_provider: fallback.from.provider,
          to_provider: fallback.to.provider,
          code: fallback.code,
        });
        return;
      }
      case 'cache':
        this.cache(instruments, event[1]);
        return;
      case 'guardrail':
        this.guardrail(instruments, event[1]);
        return;
    }
  }

  private finish(instruments: Instruments, requestId: string, provider: string, outcome: string, model: string): void {
    const request = this.inFlight.get(requestId);
    this.inFlight.delete(requestId);
    const labels: Record<string, string> = {
      operation: request?.operation ?? 'generate',
      model: request?.model ?? model,
      provider,
      outcome,
    };
    this.addExtra(labels, request?.account, request?.user);
    instruments.requests.inc(labels);
  }

  private attempt(instruments: Instruments, record: AttemptRecord): void {
    instruments.attemptDuration.observe(
      { provider: record.provider, model: record.model, outcome: record.outcome },
      record.latencyMs / 1000,
    );
    if (record.timeToFirstTokenMs !== undefined)
      instruments.timeToFirstToken.observe(
        { provider: record.provider, model: record.model },
        record.timeToFirstTokenMs / 1000,
      );
  }

  private usage(instruments: Instruments, usage: UsageEvent): void {
    const base = { provider: usage.provider, model: usage.model };
    const add = (kind: string, count: number): void => {
      if (count <= 0) return;
      const labels: Record<string, string> = { ...base, kind };
      this.addExtra(labels, usage.account, usage.user);
      instruments.tokens.inc(labels, count);
    };
    add('input', usage.inputTokens);
    add('cache_read', usage.cacheReadTokens);
    add('cache_write', usage.cacheWriteTokens);
    add('output', usage.outputTokens);
    add('reasoning', usage.reasoningTokens);
    const cost: Record<string, string> = { ...base, credential: usage.credentialType };
    this.addExtra(cost, usage.account, usage.user);
    instruments.cost.inc(cost, usage.cost.total);
    // An embedding request has no `response` event: its (only) billable attempt is its answer.
    if (usage.operation === 'embed' && this.inFlight.has(usage.requestId))
      this.finish(instruments, usage.requestId, usage.provider, 'success', usage.model);
  }

  private cache(instruments: Instruments, event: CacheEvent): void {
    instruments.cache.inc({ operation: event.operation, outcome: event.outcome });
    if (event.outcome === 'hit' && event.savedCostNano) instruments.cacheSaved.inc(event.savedCostNano);
  }

  private guardrail(instruments: Instruments, event: GuardrailEvent): void {
    instruments.guardrails.inc(
      { guardrail: event.guardrail, detector: event.detector, action: event.action, phase: event.phase },
      event.count > 0 ? event.count : 1,
    );
  }

  private addExtra(labels: Record<string, string>, account: AccountReference | undefined, user: string | undefined) {
    for (const label of this.extra) {
      const value = label === 'account' ? account?.id : label === 'user' ? (user ?? account?.user) : account?.apiKeyId;
      labels[labelName(label)] = value ?? '';
    }
  }
}

function labelName(label: MetricsLabel): string {
  return label === 'apiKey' ? 'api_key_id' : label;
}

/** The breaker gauge, read from the router's health snapshots at each scrape. */
function breakerGauge(client: PromClient, registers: Registry[], source: MetricsSource): Gauge {
  return new client.Gauge({
    name: 'switchyard_breaker_state',
    help: 'Breaker state of each offering seen so far: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider', 'provider_model'],
    registers,
    collect() {
      const snapshots = source.health?.snapshots?.() ?? [];
      this.reset();
      for (const snapshot of snapshots)
        this.set(
          { provider: snapshot.provider, provider_model: snapshot.providerModelId },
          BREAKER_VALUES[snapshot.state],
        );
    },
  });
}
