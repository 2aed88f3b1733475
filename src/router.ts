/**
 * The `Router`: resolves a model into candidate offerings, ranks them with its strategy, and tries
 * them in turn through the providers, with retries, fallbacks, timeouts, health tracking, hooks and
 * typed events.
 *
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { computeCost } from './billing/cost.js';
import { Catalog, parseRawModelId, type ResolvedOffering } from './catalog/catalog.js';
import { GatewayError, isGatewayError } from './errors.js';
import type { AccountReference, AttemptRecord, CostBreakdown, CredentialType, RouterEventName, RouterEvents, UsageEvent } from './events.js';
import { HealthTracker } from './health/health-tracker.js';
import { createUlid } from './ids.js';
import { AbortHandle, ATTEMPT_ABORT, CALLER_ABORT, listenTo, signalOf, unlistenTo, type AbortSource } from './abort-handle.js';
import { PROVIDER_TYPES, type Provider, type ProviderCall, type ProviderConfig, type ProviderType } from './providers/provider.js';
import { createProvider, loadProviderSdk, PROVIDER_TRAITS } from './providers/registry.js';
import { normalizeRequest, requiredCapabilities } from './request.js';
import type {
  AttemptLease,
  AttemptPlan,
  EmbedManyRequest,
  EmbedManyResult,
  EmbedRequest,
  EmbedResult,
  GenerateObjectRequest,
  GenerateObjectResult,
  GenerateResult,
  NormalizedRequest,
  ObjectOf,
  RequestContext,
  RequestHook,
  RouterConfig,
  SchemaLike,
  StreamObjectResult,
  StreamResult,
  ToolCall,
} from './router-types.js';
import { latencyWeighted } from './strategies/latency-weighted.js';
import { filterProviders, orderFirst } from './strategies/ordered.js';
import type { Candidate, Strategy, StrategyContext } from './strategies/strategy.js';
import { StreamChannel } from './stream-channel.js';
import { generateObjectWith, streamObjectWith } from './structured-output.js';
import { estimatePromptTokens, estimateTextTokens } from './tokens.js';
import { CONTENT_PART_TYPES, type ContentPart, type FinishReason, type GenerateRequest, type JsonSchema, type ProviderCredentials, type ProviderMetadata, type StreamPart, type Usage } from './types.js';

type Operation = UsageEvent['operation'];

interface ProviderEntry {
  name: string;
  type: ProviderType;
  instance: Promise<Provider> | undefined;
  /** The instance once built, so the request path need not await it. */
  ready: Provider | undefined;
  /** Why the provider cannot serve (its SDK is not installed): its offerings are skipped without another try. */
  missing: GatewayError | undefined;
  config: ProviderConfig;
}

/** Everything one request carries through its attempts. */
interface RequestRun {
  requestId: string;
  generationId: string;
  context: RequestContext;
  startTime: number;
  deadline: number;
  attempts: AttemptRecord[];
  /** The caller's abort (its `abortSignal`, or the handle the HTTP layer passes instead). */
  caller: AbortSource | undefined;
  attemptTimeoutMs: number;
  byok: Record<string, ProviderCredentials[]> | undefined;
}

/** A started attempt that got far enough to count (a generate call answered, a stream began content). */
interface OpenAttempt<T> {
  value: T;
  candidate: Candidate;
  record: AttemptRecord;
  leases: AttemptLease[];
  abort: AttemptAbort;
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 60_000;
const DEFAULT_DEADLINE_MS = 5 * 60_000;
const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;
const TIMEOUT_REASON = Symbol('switchyard.attempt-timeout');
/** What a background probe of a half-open offering sends: one token of the gateway's own (see {@link Router.probe}). */
const PROBE_PROMPT: ProviderCall['prompt'] = [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }];

/**
 * One attempt's abort: fires on the attempt's timeout or the caller's abort. A class with a shared
 * timeout function, so the request path allocates little for it. It is an {@link AbortHandle}:
 * `nodeFetch` follows it directly, and its `AbortSignal` is built only when something asks for one
 * (a provider on another transport, a stream), so the common attempt, never aborted, builds none.
 */
class AttemptAbort extends AbortHandle {
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly followCaller: (() => void) | undefined;

  constructor(
    private readonly caller: AbortSource | undefined,
    timeoutMs: number,
  ) {
    super();
    this.timer = setTimeout(abortOnTimeout, timeoutMs, this);
    if (caller) {
      this.followCaller = (): void => this.abort(caller.reason);
      listenTo(caller, this.followCaller);
    }
  }

  /** Whether the attempt's own timeout aborted it. */
  get timedOut(): boolean {
    return this.reason === TIMEOUT_REASON;
  }

  /** Stops the timeout and the link to the caller (the attempt finished, or has begun streaming). */
  cleanup(): void {
    clearTimeout(this.timer);
    if (this.caller && this.followCaller) unlistenTo(this.caller, this.followCaller);
  }
}

/** A provider call carrying its attempt's abort (see {@link ATTEMPT_ABORT}). */
type AttemptCall = ProviderCall & { [ATTEMPT_ABORT]: AttemptAbort };

function abortOnTimeout(abort: AttemptAbort): void {
  abort.abort(TIMEOUT_REASON);
}
const NO_LEASES: AttemptLease[] = [];

/**
 * The gateway's core: routes each request to the best offering, fails over, retries, and accounts.
 *
 * @example
 * ```ts
 * import { Router } from 'switchyard';
 *
 * const router = new Router({
 *   providers: {
 *     openai: { type: 'openai', apiKey: process.env.OPENAI_API_KEY },
 *     anthropic: { type: 'anthropic', apiKey: process.env.ANTHROPIC_API_KEY },
 *   },
 * });
 * router.on('usage', (event) => console.log(event.provider, event.cost.total, 'nano-USD'));
 * const result = await router.generate({ model: 'anthropic/claude-sonnet-4', prompt: 'Hi' });
 * console.log(result.text);
 * ```
 */
export class Router {
  /** The model catalog this router resolves ids against. */
  readonly catalog: Catalog;
  /** Per-offering health: success rates, latencies, breaker states. */
  readonly health: HealthTracker;
  /** The default ranking strategy. */
  readonly strategy: Strategy;
  private readonly emitter = new EventEmitter();
  private readonly wrappedListeners = new WeakMap<(...args: never[]) => unknown, (...args: unknown[]) => void>();
  private readonly providers = new Map<string, ProviderEntry>();
  private readonly hooks: RequestHook[];
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly probes = new Set<AttemptAbort>();
  private preloading: Promise<void> | undefined;
  private readonly eligible = new Map<string, { candidates: Candidate[]; reasons: string[] }>();
  private eligibleVersion = -1;

  constructor(config: RouterConfig) {
    if (!config || typeof config.providers !== 'object' || config.providers === null) {
      throw new GatewayError('config_invalid', 'Router config needs `providers`: an object of provider instances by name, e.g. { openai: { type: "openai", apiKey } }');
    }
    for (const [name, instanceConfig] of Object.entries(config.providers)) {
      if (!instanceConfig || typeof instanceConfig !== 'object') throw new GatewayError('config_invalid', `Provider '${name}' must be an object such as { apiKey } (got ${instanceConfig === null ? 'null' : typeof instanceConfig})`);
      const type = instanceConfig.type ?? (PROVIDER_TYPES.includes(name as ProviderType) ? (name as ProviderType) : undefined);
      if (typeof type !== 'string') throw new GatewayError('config_invalid', `Provider '${name}' needs a \`type\` (${PROVIDER_TYPES.join(', ')}); only an instance named after its type may leave it out`);
      const typed: ProviderConfig = instanceConfig.type === type ? (instanceConfig as ProviderConfig) : { ...instanceConfig, type };
      const providerConfig = config.logger && !typed.logger ? { ...typed, logger: config.logger } : typed; // the SDKs' own logging
      this.providers.set(name, { name, type, config: providerConfig, instance: undefined, ready: undefined, missing: undefined });
    }
    this.catalog = config.catalog instanceof Catalog ? config.catalog : new Catalog(config.catalog);
    this.health = new HealthTracker(config.health);
    this.health.onStateChange((change) => this.emit('health', change));
    this.strategy = config.strategy ?? latencyWeighted();
    this.hooks = [...(config.hooks ?? [])];
    this.random = config.random ?? Math.random;
    this.maxRetries = config.retry?.maxRetries ?? 1;
    this.initialDelayMs = config.retry?.initialDelayMs ?? 250;
    this.maxDelayMs = config.retry?.maxDelayMs ?? 4_000;
    this.maxRetryAfterMs = config.retry?.maxRetryAfterMs ?? 10_000;
    this.attemptTimeoutMs = config.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.deadlineMs = config.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (config.preload !== false) void this.ready();
  }

  // ---------------------------------------------------------------------------------------------
  // Events: every listener is wrapped so that a throwing or rejecting listener never fails a request.

  /** Subscribes to an event. A listener that throws or rejects is reported as `listener-error`, never to the request. */
  on<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): this {
    this.emitter.on(event, this.wrap(event, listener));
    return this;
  }

  /** Subscribes to the next occurrence of an event only. */
  once<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): this {
    this.emitter.once(event, this.wrap(event, listener));
    return this;
  }

  /** Unsubscribes a listener. */
  off<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): this {
    const wrapped = this.wrappedListeners.get(listener as (...args: never[]) => unknown);
    if (wrapped) this.emitter.off(event, wrapped);
    return this;
  }

  /** Emits an event (the billing layer emits `budget` and `warning` through here). */
  emit<E extends RouterEventName>(event: E, ...args: RouterEvents[E]): boolean {
    return this.emitter.emit(event, ...args);
  }

  /** The number of listeners of an event. */
  listenerCount(event: RouterEventName): number {
    return this.emitter.listenerCount(event);
  }

  private wrap<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): (...args: unknown[]) => void {
    const existing = this.wrappedListeners.get(listener as (...args: never[]) => unknown);
    if (existing) return existing;
    const wrapped = (...args: unknown[]): void => {
      try {
        const returned = (listener as (...args: unknown[]) => unknown)(...args);
        if (returned && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).then(undefined, (error: unknown) => this.reportListenerError(event, error));
      } catch (error) {
        this.reportListenerError(event, error);
      }
    };
    this.wrappedListeners.set(listener as (...args: never[]) => unknown, wrapped);
    return wrapped;
  }

  private reportListenerError(event: string, error: unknown): void {
    if (event === 'listener-error') return;
    this.emit('listener-error', { event, error });
  }

  // ---------------------------------------------------------------------------------------------
  // Providers, hooks, candidates

  /** The configured provider instance names. */
  providerNames(): string[] {
    return [...this.providers.keys()];
  }

  /**
   * The type of a configured provider instance, or undefined when no instance has the name.
   *
   * @example
   * ```ts
   * router.providerType('openai-eu'); // 'openai'
   * ```
   */
  providerType(name: string): ProviderType | undefined {
    return this.providers.get(name)?.type;
  }

  /** The provider instance of a name (constructed, and its SDK loaded, at start-up or on first use). */
  provider(name: string): Promise<Provider> {
    const entry = this.providers.get(name);
    if (!entry) return Promise.reject(new GatewayError('config_invalid', `No provider named '${name}' is configured`));
    if (entry.missing) return Promise.reject(entry.missing);
    if (!entry.instance) {
      entry.instance = createProvider(name, entry.config).then(async (provider) => {
        await loadProviderSdk(entry.config);
        return provider;
      });
      entry.instance.then(
        (provider) => {
          entry.ready = provider;
        },
        (error: unknown) => {
          // A missing SDK stays missing until restart (installing a package needs one); anything else may be tried again.
          if (isGatewayError(error) && error.code === 'provider_sdk_missing') entry.missing = new GatewayError('provider_sdk_missing', error.message, { provider: name, details: error.details });
          else entry.instance = undefined;
        },
      );
    }
    return entry.instance;
  }

  /**
   * Resolves once every configured provider is built and its vendor SDK loaded. The router starts this
   * at construction (unless `preload: false`), in the background, so that no request's attempt timeout
   * or latency statistics include loading an SDK (0.5 to 1.5 s each); await it before serving to start
   * warm. A provider that cannot load (its SDK is not installed) is reported by a `warning` event with
   * code `provider_sdk_missing`, and its offerings are skipped. Never rejects.
   *
   * @example
   * ```ts
   * const router = new Router({ providers });
   * router.on('warning', (warning) => console.warn(warning.message));
   * await router.ready();
   * app.listen(3000);
   * ```
   */
  ready(): Promise<void> {
    if (!this.preloading) {
      this.preloading = Promise.all(
        [...this.providers.keys()].map((name) =>
          this.provider(name).then(
            () => undefined,
            (error: unknown) => {
              const failure = asGatewayError(error, name);
              this.emit('warning', { code: failure.code, message: `Provider '${name}' cannot serve: ${failure.message}` });
            },
          ),
        ),
      ).then(() => undefined);
      this.track(this.preloading);
    }
    return this.preloading;
  }

  private track(task: Promise<unknown>): void {
    this.pending.add(task);
    const forget = (): void => void this.pending.delete(task);
    task.then(forget, forget);
  }

  /** Adds a hook (billing, limits, auditing) after construction. */
  addHook(hook: RequestHook): void {
    this.hooks.push(hook);
  }

  /** Normalises a request (see {@link normalizeRequest}). */
  normalize(request: GenerateRequest & { account?: AccountReference }): NormalizedRequest {
    return normalizeRequest(request);
  }

  /**
   * The candidates of a request in the order they would be tried: the requested model's offerings,
   * then each fallback model's, restricted to configured providers, `only`, and capabilities.
   * Throws `model_not_found` or `no_route` saying why.
   */
  candidates(request: NormalizedRequest, operation: Operation = 'generate'): Candidate[] {
    const gateway = request.providerOptions?.gateway;
    const streamed = operation === 'stream';
    const context: StrategyContext = { health: this.health, streamed, random: this.random };
    const needs = operation === 'embed' ? undefined : requiredCapabilities(request);
    const reasons: string[] = [];
    const ordered: Candidate[] = [];
    const models = [request.model, ...(gateway?.models ?? [])];
    for (const model of models) {
      const eligible = this.eligibleOfferings(model, operation, needs);
      reasons.push(...eligible.reasons);
      let group = eligible.candidates;
      if (gateway?.only) {
        const before = group.length;
        group = filterProviders(group, gateway.only);
        if (group.length < before) reasons.push(`providerOptions.gateway.only is [${gateway.only.join(', ')}]`);
      }
      ordered.push(...this.rank(group, context, gateway?.order, gateway?.sort));
    }
    if (ordered.length === 0) {
      // The reasons say why each offering was left out; the list of configured providers is the
      // operator's business and does not go to clients.
      throw new GatewayError('no_route', `No provider can serve '${request.model}': ${[...new Set(reasons)].join('; ') || 'no offering'}`, { param: 'model', details: { modelId: request.model } });
    }
    return ordered;
  }

  /**
   * The configured offerings of one model that fit an operation and the request's needs, with the
   * reasons others were left out. Computed once per model and kind of request, then reused (the
   * catalog's version invalidates it).
   */
  private eligibleOfferings(model: string, operation: Operation, needs: ReturnType<typeof requiredCapabilities> | undefined): { candidates: Candidate[]; reasons: string[] } {
    const key = `${operation === 'embed' ? 'e' : 'g'}${needs?.tools ? 1 : 0}${needs?.images ? 1 : 0}${needs?.json ? 1 : 0}${needs?.fileUrls ? 1 : 0}${needs?.documents ? 1 : 0}${model}`;
    if (this.eligibleVersion !== this.catalog.version) {
      this.eligible.clear();
      this.eligibleVersion = this.catalog.version;
    }
    const cached = this.eligible.get(key);
    if (cached) return cached;
    const reasons: string[] = [];
    const candidates = this.offeringsOf(model, reasons).filter((candidate) => {
      const capabilities = candidate.offering.capabilities;
      if (operation === 'embed') {
        if (capabilities.embeddings === false || (capabilities.embeddings === undefined && this.catalog.get(candidate.model)?.type === 'language')) {
          reasons.push(`${candidate.model} is not an embedding model`);
          return false;
        }
        return true;
      }
      if (capabilities.embeddings) {
        reasons.push(`${candidate.model} is an embedding model`);
        return false;
      }
      const missing = (['tools', 'images', 'json'] as const).filter((need) => needs?.[need] && capabilities[need] === false);
      // A PDF is not an image: say "files" when the request's files are documents.
      if (missing.length > 0) reasons.push(`${candidate.provider} (${candidate.providerModelId}) does not support ${missing.map((need) => (need === 'images' && needs?.documents ? 'file input (documents such as PDFs)' : need)).join(', ')}`);
      if (missing.length === 0 && needs?.fileUrls && !PROVIDER_TRAITS[candidate.providerType].fileUrls) {
        reasons.push(`${candidate.provider} takes files as inline bytes, not URLs`);
        return false;
      }
      return missing.length === 0;
    });
    const entry = { candidates, reasons };
    if (this.eligible.size >= 1_000) this.eligible.clear(); // raw ids are open-ended: keep the cache bounded
    this.eligible.set(key, entry);
    return entry;
  }

  private rank(group: Candidate[], context: StrategyContext, order: string[] | undefined, sort: 'cost' | 'tps' | 'ttft' | undefined): Candidate[] {
    if (group.length <= 1) return group;
    let ranked = this.strategy.rank(group, context);
    if (sort) ranked = sortCandidates(ranked, sort, context);
    if (order && order.length > 0) ranked = orderFirst(ranked, order, { name: 'as-ranked', rank: (rest) => ranked.filter((candidate) => rest.includes(candidate)) }, context);
    return ranked;
  }

  private offeringsOf(model: string, reasons: string[]): Candidate[] {
    const raw = parseRawModelId(model);
    if (raw) {
      const entries = [...this.providers.values()].filter((entry) => entry.name === raw.provider || entry.type === raw.provider);
      if (entries.length === 0) reasons.push(`no provider named or of type '${raw.provider}' is configured`);
      return entries.map((entry) => {
        const known = this.findPriced(entry, raw.providerModelId);
        const offering: ResolvedOffering = known ?? { provider: entry.name, providerModelId: raw.providerModelId, pricing: { input: '0', output: '0' }, model, capabilities: {} };
        return { model: known?.model ?? model, provider: entry.name, providerType: entry.type, providerModelId: raw.providerModelId, offering };
      });
    }
    const offerings = this.catalog.resolve(model);
    const candidates: Candidate[] = [];
    for (const offering of offerings) {
      const entries = [...this.providers.values()].filter((entry) => entry.name === offering.provider || (entry.type === offering.provider && !this.hasExactOffering(offerings, entry.name)));
      if (entries.length === 0) reasons.push(`${model} is offered by ${offering.provider}, which is not configured`);
      for (const entry of entries) candidates.push({ model, provider: entry.name, providerType: entry.type, providerModelId: offering.providerModelId, offering });
    }
    return candidates;
  }

  private hasExactOffering(offerings: ResolvedOffering[], instanceName: string): boolean {
    return offerings.some((offering) => offering.provider === instanceName);
  }

  private findPriced(entry: ProviderEntry, providerModelId: string): ResolvedOffering | undefined {
    for (const model of this.catalog.list()) {
      for (const offering of model.offerings) {
        if (offering.providerModelId === providerModelId && (offering.provider === entry.name || offering.provider === entry.type)) {
          return this.catalog.resolve(model.id).find((resolved) => resolved.provider === offering.provider);
        }
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  private beginRun(request: NormalizedRequest, operation: Operation, values?: string[]): RequestRun {
    const byok = request.providerOptions?.gateway?.byok;
    // One ULID names both the request and its generation (`req_<ulid>`, `gen_<ulid>`).
    const ulid = createUlid();
    const requestId = `req_${ulid}`;
    const startTime = Date.now();
    const timeoutMs = request.timeoutMs ?? this.attemptTimeoutMs;
    const context: RequestContext = {
      requestId,
      model: request.model,
      operation,
      streamed: operation === 'stream',
      user: request.user,
      tags: request.tags,
      metadata: request.metadata,
      account: request.account,
      byok: byok !== undefined && Object.keys(byok).length > 0,
      request,
    };
    if (values) context.values = values;
    return { requestId, generationId: `gen_${ulid}`, context, startTime, deadline: startTime + this.deadlineMs, attempts: [], caller: request[CALLER_ABORT] ?? request.abortSignal, attemptTimeoutMs: timeoutMs, byok };
  }

  private async runRequestHooks(run: RequestRun): Promise<void> {
    const request = run.context.request;
    // Hooks see the caller's abort as a signal, also when the HTTP layer passed a handle instead.
    const callerAbort = request[CALLER_ABORT];
    if (request.abortSignal === undefined && callerAbort !== undefined) request.abortSignal = signalOf(callerAbort);
    for (const hook of this.hooks) if (hook.onRequest) await hook.onRequest(run.context);
  }

  /** Whether any hook wants to see requests or attempts (without hooks the hot path skips them). */
  private get hooked(): boolean {
    return this.hooks.length > 0;
  }

  private credentialsFor(run: RequestRun, candidate: Candidate): { credentials: ProviderCredentials | undefined; credentialType: CredentialType } {
    const list = run.byok?.[candidate.provider] ?? run.byok?.[candidate.providerType];
    if (list && list.length > 0) return { credentials: list[0], credentialType: 'byok' };
    return { credentials: undefined, credentialType: 'system' };
  }

  private planAttempt(run: RequestRun, candidate: Candidate, credentialType: CredentialType): AttemptPlan {
    const request = run.context.request;
    const estimatedInputTokens = run.context.values ? run.context.values.reduce((sum, value) => sum + estimateTextTokens(value), 0) : estimatePromptTokens(request.prompt, request.tools);
    const maxOutputTokens = run.context.operation === 'embed' ? 0 : (request.maxOutputTokens ?? candidate.offering.limits?.output ?? DEFAULT_MAX_OUTPUT_TOKENS);
    const maxCost = computeCost({ noCacheInput: estimatedInputTokens, cacheRead: 0, cacheWrite: 0, output: maxOutputTokens }, candidate.offering.pricing);
    return { attempt: run.attempts.length, provider: candidate.provider, providerType: candidate.providerType, providerModelId: candidate.providerModelId, model: candidate.model, pricing: candidate.offering.pricing, credentialType, estimatedInputTokens, maxOutputTokens, maxCostNano: credentialType === 'byok' ? 0 : maxCost.total };
  }

  private async openLeases(run: RequestRun, plan: AttemptPlan): Promise<AttemptLease[]> {
    const leases: AttemptLease[] = [];
    try {
      for (const hook of this.hooks) {
        if (!hook.onAttempt) continue;
        const lease = await hook.onAttempt(run.context, plan);
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
        this.emit('warning', { code: 'hook_failed', message: `A billing hook failed to ${usage ? 'settle' : 'release'}: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  }

  private backoffMs(retry: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return retryAfterMs;
    const ceiling = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** retry);
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /**
   * Tries candidates in order until `open` succeeds. Retryable errors retry the same offering with
   * backoff (honouring Retry-After); provider errors move on; request errors fail fast. A connection
   * error (refused, reset: `provider_connection`) moves on at once while another candidate is left,
   * and a provider whose SDK is missing is skipped. An offering whose breaker is half-open goes last,
   * probed in the background ({@link Router.probe}), so no request waits on a probe while another
   * candidate can serve it.
   */
  private async failover<T>(run: RequestRun, candidates: Candidate[], open: (candidate: Candidate, call: { abort: AttemptAbort; credentials: ProviderCredentials | undefined; provider: Provider; startTime: number }) => Promise<T>): Promise<OpenAttempt<T>> {
    if (!this.health.allClosed) candidates = this.deferHalfOpen(candidates, run.context.operation);
    let lastError: GatewayError | undefined;
    for (let index = 0; index < candidates.length; index += 1) {
      const candidate = candidates[index];
      for (let retry = 0; retry <= this.maxRetries; retry += 1) {
        if (run.caller?.aborted) throw this.finalError(run, new GatewayError('aborted', 'The request was aborted by the caller'));
        let provider = this.providers.get(candidate.provider)?.ready;
        if (!provider) {
          // Building the provider and loading its SDK (when start-up has not finished it) is not part of the
          // attempt: it counts neither in the attempt's timeout nor in the offering's latency statistics.
          try {
            provider = await this.provider(candidate.provider);
          } catch (thrown) {
            const error = asGatewayError(thrown, candidate.provider);
            const now = Date.now();
            this.finishAttempt(run, { provider: candidate.provider, providerType: candidate.providerType, providerModelId: candidate.providerModelId, model: candidate.model, outcome: 'error', latencyMs: 0, credentialType: this.credentialsFor(run, candidate).credentialType, startTime: now, endTime: now }, error, false);
            lastError = error;
            if (error.scope !== 'provider') throw this.finalError(run, error);
            this.emitFallback(run, candidate, candidates[index + 1], error);
            break;
          }
        }
        const remaining = run.deadline - Date.now();
        if (remaining <= 0) throw this.finalError(run, new GatewayError('timeout', `The request did not complete within its deadline of ${this.deadlineMs} ms`, { cause: lastError }));
        const { credentials, credentialType } = this.credentialsFor(run, candidate);
        let leases: AttemptLease[] = NO_LEASES;
        if (this.hooked) {
          try {
            leases = await this.openLeases(run, this.planAttempt(run, candidate, credentialType));
          } catch (error) {
            throw this.finalError(run, asGatewayError(error));
          }
        }
        const startTime = Date.now();
        const timeoutMs = Math.min(run.attemptTimeoutMs, remaining);
        const abort = new AttemptAbort(run.caller, timeoutMs);
        const record: AttemptRecord = { provider: candidate.provider, providerType: candidate.providerType, providerModelId: candidate.providerModelId, model: candidate.model, outcome: 'success', latencyMs: 0, credentialType, startTime, endTime: startTime };
        if (retry > 0) record.retry = retry;
        this.health.begin(candidate.provider, candidate.providerModelId);
        try {
          const value = await open(candidate, { abort, credentials, provider, startTime });
          return { value, candidate, record, leases, abort };
        } catch (thrown) {
          abort.cleanup();
          const error = this.classify(thrown, abort, run, candidate, timeoutMs);
          this.finishAttempt(run, record, error, false);
          if (leases.length > 0) await this.closeLeases(leases, undefined);
          lastError = error;
          if (error.code === 'aborted' || error.scope === 'request' || error.scope === 'gateway') throw this.finalError(run, error);
          const next = candidates[index + 1];
          const waitMs = this.backoffMs(retry, error.retryAfterMs);
          // A connection that failed (refused, reset) is not worth a backoff here while another candidate can answer.
          const canRetry = error.isRetryable && retry < this.maxRetries && !(next && error.code === 'provider_connection') && (error.retryAfterMs === undefined || error.retryAfterMs <= this.maxRetryAfterMs) && Date.now() + waitMs < run.deadline;
          if (canRetry) {
            await sleep(waitMs, run.caller);
            continue;
          }
          this.emitFallback(run, candidate, next, error);
          break;
        }
      }
    }
    throw this.finalError(run, lastError ?? new GatewayError('no_route', 'No candidate could be tried'));
  }

  private emitFallback(run: RequestRun, from: Candidate, to: Candidate | undefined, error: GatewayError): void {
    if (to) this.emit('fallback', { requestId: run.requestId, from: { provider: from.provider, model: from.model, providerModelId: from.providerModelId }, to: { provider: to.provider, model: to.model, providerModelId: to.providerModelId }, code: error.code, message: error.message });
  }

  /**
   * Moves the offerings whose breaker is half-open (its cooldown is over) behind the others and probes
   * each in the background. When every candidate is half-open, the request itself is the probe.
   */
  private deferHalfOpen(candidates: Candidate[], operation: Operation): Candidate[] {
    if (candidates.length <= 1) return candidates;
    const halfOpen = candidates.filter((candidate) => {
      if (this.health.state(candidate.provider, candidate.providerModelId) === 'closed') return false;
      this.health.isAvailable(candidate.provider, candidate.providerModelId); // an open breaker past its cooldown turns half-open
      return this.health.state(candidate.provider, candidate.providerModelId) === 'half-open';
    });
    if (halfOpen.length === 0 || halfOpen.length === candidates.length) return candidates;
    for (const candidate of halfOpen) this.probe(candidate, operation);
    return [...candidates.filter((candidate) => !halfOpen.includes(candidate)), ...halfOpen];
  }

  /**
   * Probes a half-open offering in the background, unless a probe is already under way: one request
   * of the gateway's own (the prompt `ping` with `maxOutputTokens: 1`, or an embedding of `ping`), with
   * the provider's configured credentials and the attempt timeout. An answer, even a refusal of the
   * request itself (a 400), closes the breaker; a provider failure opens it for another cooldown. The
   * probe is not a sample of the offering's statistics and is billed to no account (a few tokens per
   * cooldown while an offering recovers).
   */
  private probe(candidate: Candidate, operation: Operation): void {
    const { provider: name, providerModelId } = candidate;
    if (!this.health.isAvailable(name, providerModelId)) return; // a probe is under way
    this.health.begin(name, providerModelId);
    const abort = new AttemptAbort(undefined, this.attemptTimeoutMs);
    this.probes.add(abort);
    const task = (async (): Promise<void> => {
      let success: boolean;
      try {
        const provider = await this.provider(name);
        if (operation === 'embed') {
          if (!provider.embed) throw new GatewayError('provider_not_found', `Provider '${name}' does not support embeddings`, { provider: name });
          await provider.embed({ modelId: providerModelId, values: ['ping'], abortSignal: abort.signal });
        } else {
          const call: ProviderCall = {
            modelId: providerModelId,
            prompt: PROBE_PROMPT,
            maxOutputTokens: 1,
            get abortSignal(): AbortSignal {
              return abort.signal;
            },
          };
          (call as AttemptCall)[ATTEMPT_ABORT] = abort;
          await provider.generate(call);
        }
        success = true;
      } catch (thrown) {
        const error = abort.timedOut ? new GatewayError('provider_timeout', `${name} did not answer the probe`, { provider: name }) : asGatewayError(thrown, name);
        success = error.scope === 'request' && error.code !== 'aborted';
      } finally {
        abort.cleanup();
        this.probes.delete(abort);
      }
      if (abort.aborted && !abort.timedOut) this.health.cancel(name, providerModelId); // the router closed
      else this.health.recordProbe(name, providerModelId, success);
    })();
    this.track(task);
  }

  private classify(thrown: unknown, abort: AttemptAbort, run: RequestRun, candidate: Candidate, timeoutMs: number): GatewayError {
    if (abort.timedOut) {
      return new GatewayError('provider_timeout', `${candidate.provider} did not answer within ${timeoutMs} ms`, { provider: candidate.provider });
    }
    if (run.caller?.aborted) return new GatewayError('aborted', 'The request was aborted by the caller', { provider: candidate.provider });
    return asGatewayError(thrown, candidate.provider);
  }

  private finishAttempt(run: RequestRun, record: AttemptRecord, error: GatewayError | undefined, billable: boolean, sample?: { outputTokens?: number; timeToFirstTokenMs?: number }): void {
    record.endTime = Date.now();
    record.latencyMs = record.endTime - record.startTime;
    if (error) {
      record.outcome = error.code === 'aborted' ? 'aborted' : 'error';
      record.status = error.upstreamStatus ?? error.status;
      record.code = error.code;
    } else record.status = 200;
    if (sample?.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = sample.timeToFirstTokenMs;
    run.attempts.push(record);
    if (error && (error.scope !== 'provider' || error.code === 'provider_sdk_missing') && !billable) this.health.cancel(record.provider, record.providerModelId);
    else this.health.record(record.provider, record.providerModelId, { success: !error, latencyMs: record.latencyMs, timeToFirstTokenMs: sample?.timeToFirstTokenMs, outputTokens: sample?.outputTokens, streamed: run.context.streamed });
    if (this.listenerCount('attempt') > 0) this.emit('attempt', { ...record, requestId: run.requestId });
  }

  private finalError(run: RequestRun, error: GatewayError): GatewayError {
    if (!error.attempts) error.attempts = run.attempts;
    if (this.listenerCount('error') > 0) this.emit('error', { requestId: run.requestId, model: run.context.model, error, attempts: run.attempts });
    return error;
  }

  private usageEvent(run: RequestRun, attempt: OpenAttempt<unknown>, usage: Usage, finishReason: FinishReason, estimated: boolean, timeToFirstTokenMs: number | undefined): UsageEvent {
    const cacheRead = usage.inputTokens.cacheRead ?? 0;
    const cacheWrite = usage.inputTokens.cacheWrite ?? 0;
    const inputTokens = usage.inputTokens.total ?? 0;
    const noCache = usage.inputTokens.noCache ?? Math.max(0, inputTokens - cacheRead - cacheWrite);
    const outputTokens = usage.outputTokens.total ?? (usage.outputTokens.text ?? 0) + (usage.outputTokens.reasoning ?? 0);
    const cacheWriteOneHour = usage.inputTokens.cacheWriteOneHour;
    const cost = computeCost({ noCacheInput: noCache, cacheRead, cacheWrite, cacheWriteOneHour, output: outputTokens }, attempt.candidate.offering.pricing);
    // Written out field by field (no spreads): this object is built on every request.
    const { candidate, record } = attempt;
    const event: UsageEvent = {
      requestId: run.requestId,
      attempt: run.attempts.length - 1,
      generationId: run.generationId,
      model: candidate.model,
      provider: candidate.provider,
      providerType: candidate.providerType,
      providerModelId: candidate.providerModelId,
      credentialType: record.credentialType,
      inputTokens,
      noCacheInputTokens: noCache,
      cacheReadTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      outputTokens,
      reasoningTokens: usage.outputTokens.reasoning ?? 0,
      cost,
      estimated,
      latencyMs: record.latencyMs,
      streamed: run.context.streamed,
      finishReason: finishReason.unified,
      user: run.context.user,
      tags: run.context.tags,
      metadata: run.context.metadata,
      account: run.context.account,
      timestamp: record.endTime,
      operation: run.context.operation,
    };
    if (timeToFirstTokenMs !== undefined) event.timeToFirstTokenMs = timeToFirstTokenMs;
    if (cacheWriteOneHour) event.cacheWriteOneHourTokens = cacheWriteOneHour;
    return event;
  }

  private async bill(attempt: OpenAttempt<unknown>, usage: UsageEvent): Promise<void> {
    if (attempt.leases.length > 0) await this.closeLeases(attempt.leases, usage);
    this.emit('usage', usage);
  }

  /**
   * Generates a response, failing over across offerings and models as needed.
   *
   * @example
   * ```ts
   * const result = await router.generate({ model: 'openai/gpt-4o', prompt: 'Hello', providerOptions: { gateway: { models: ['anthropic/claude-sonnet-4'] } } });
   * ```
   */
  async generate(request: GenerateRequest & { account?: AccountReference }): Promise<GenerateResult> {
    const normalized = this.normalize(request);
    const run = this.beginRun(normalized, 'generate');
    const candidates = this.prepare(run);
    if (this.hooked) await this.runRequestHooks(run);
    const attempt = await this.failover(run, candidates, ({ providerModelId }, call) => call.provider.generate(this.providerCall(normalized, providerModelId, call.abort, call.credentials)));
    attempt.abort.cleanup();
    const value = attempt.value;
    const estimated = value.usage.inputTokens.total === undefined || value.usage.outputTokens.total === undefined;
    const usage = estimated ? fillEstimates(value.usage, normalized, value.content) : value.usage;
    attempt.record.providerResponseId = value.responseId;
    this.finishAttempt(run, attempt.record, undefined, true, { outputTokens: usage.outputTokens.total });
    const usageEvent = this.usageEvent(run, attempt, usage, value.finishReason, estimated, undefined);
    await this.bill(attempt, usageEvent);
    const result = this.buildResult(run, attempt, value.content, value.finishReason, usage, usageEvent.cost, value.warnings, value.providerMetadata, value.responseId, undefined);
    this.emitResponse(run, result);
    return result;
  }

  private prepare(run: RequestRun): Candidate[] {
    const candidates = this.candidates(run.context.request, run.context.operation);
    if (this.listenerCount('request') > 0) {
      this.emit('request', { requestId: run.requestId, model: run.context.model, streamed: run.context.streamed, operation: run.context.operation, candidates: candidates.map((candidate) => ({ provider: candidate.provider, providerModelId: candidate.providerModelId, model: candidate.model })), user: run.context.user, tags: run.context.tags, account: run.context.account });
    }
    return candidates;
  }

  private providerCall(request: NormalizedRequest, modelId: string, abort: AttemptAbort, credentials: ProviderCredentials | undefined): ProviderCall {
    // Written out like normalizeRequest's copy, not spread: a spread costs microseconds per request, and
    // an object literal keeps the compiler checking every field.
    const call: ProviderCall = {
      modelId,
      prompt: request.prompt,
      maxOutputTokens: request.maxOutputTokens,
      temperature: request.temperature,
      topP: request.topP,
      topK: request.topK,
      stopSequences: request.stopSequences,
      presencePenalty: request.presencePenalty,
      frequencyPenalty: request.frequencyPenalty,
      seed: request.seed,
      responseFormat: request.responseFormat,
      tools: request.tools,
      toolChoice: request.toolChoice,
      reasoning: request.reasoning,
      parallelToolCalls: request.parallelToolCalls,
      user: request.user,
      providerOptions: request.providerOptions,
      headers: request.headers,
      // Built on first read (a spread of the call reads it too): see AttemptAbort.
      get abortSignal(): AbortSignal {
        return (this as unknown as AttemptCall)[ATTEMPT_ABORT].signal;
      },
      credentials,
    };
    (call as AttemptCall)[ATTEMPT_ABORT] = abort;
    return call;
  }

  private buildResult(run: RequestRun, attempt: OpenAttempt<unknown>, content: ContentPart[], finishReason: FinishReason, usage: Usage, cost: CostBreakdown, warnings: GenerateResult['warnings'], providerMetadata: GenerateResult['providerMetadata'], responseId: string | undefined, timeToFirstTokenMs: number | undefined): GenerateResult {
    let text = '';
    let reasoning: string | undefined;
    const toolCalls: ToolCall[] = [];
    for (const part of content) {
      if (part.type === 'text') text += part.text;
      else if (part.type === 'reasoning') reasoning = (reasoning ?? '') + part.text;
      else if (part.type === 'tool-call') toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: parseJsonOrText(part.input) });
    }
    const { candidate, record } = attempt;
    // The same seven leading fields as the usage event, written out for the same reason as there.
    const result: GenerateResult = {
      requestId: run.requestId,
      generationId: run.generationId,
      model: candidate.model,
      provider: candidate.provider,
      providerType: candidate.providerType,
      providerModelId: candidate.providerModelId,
      credentialType: record.credentialType,
      text,
      reasoningText: reasoning,
      content,
      toolCalls,
      finishReason,
      usage,
      cost,
      attempts: run.attempts,
      warnings,
      providerMetadata,
      responseId,
      latencyMs: Date.now() - run.startTime,
    };
    if (timeToFirstTokenMs !== undefined) result.timeToFirstTokenMs = timeToFirstTokenMs;
    return result;
  }

  private emitResponse(run: RequestRun, result: GenerateResult): void {
    if (this.listenerCount('response') > 0) {
      this.emit('response', { requestId: run.requestId, generationId: run.generationId, model: result.model, provider: result.provider, providerModelId: result.providerModelId, finishReason: result.finishReason.unified, latencyMs: result.latencyMs, streamed: run.context.streamed, attempts: run.attempts });
    }
  }

  /**
   * Streams a response. Failover stays invisible until the first content part reaches the caller;
   * after that a failure ends the stream with an `error` part, and what was consumed is billed.
   * Returns at once; nothing is sent upstream until the stream is read or a promise is awaited.
   *
   * @example
   * ```ts
   * const stream = router.stream({ model: 'anthropic/claude-sonnet-4', prompt: 'Tell me a story' });
   * for await (const text of stream.textStream) process.stdout.write(text);
   * const { usage, cost } = await stream.result;
   * ```
   */
  stream(request: GenerateRequest & { account?: AccountReference }): StreamResult {
    let run: RequestRun | undefined;
    let setupError: unknown;
    try {
      run = this.beginRun(this.normalize(request), 'stream');
    } catch (error) {
      setupError = error;
    }
    const outer = new AbortHandle();
    let finalResult: GenerateResult | undefined;
    let finalError: GatewayError | undefined;
    const channel = new StreamChannel<StreamPart>(
      async (push) => {
        if (!run) throw setupError;
        try {
          finalResult = await this.runStream(run, outer, push);
        } catch (error) {
          finalError = asGatewayError(error);
          await push({ type: 'error', error: finalError });
        }
      },
      () => outer.abort(),
    );
    const settled = (): Promise<void> => channel.drain();
    const resultPromise = lazyPromise(async () => {
      await settled();
      if (finalResult) return finalResult;
      throw finalError ?? asGatewayError(setupError);
    });
    const textStream = (): AsyncIterableIterator<string> => textOnly(channel.reader());
    const requestId = run?.requestId ?? 'req_invalid';
    const generationId = run?.generationId ?? 'gen_invalid';
    return {
      requestId,
      generationId,
      get fullStream() {
        return channel.reader();
      },
      get textStream() {
        return textStream();
      },
      get text() {
        return resultPromise().then((result) => result.text);
      },
      get usage() {
        return resultPromise().then((result) => result.usage);
      },
      get result() {
        return resultPromise();
      },
      abort: () => outer.abort(),
      [Symbol.asyncIterator]: () => textStream(),
    };
  }

  private async runStream(run: RequestRun, outer: AbortHandle, push: (part: StreamPart) => Promise<void>): Promise<GenerateResult> {
    const request = run.context.request;
    const caller = run.caller;
    const linked = new AbortHandle();
    const abortLinked = (): void => linked.abort(caller?.aborted ? caller.reason : outer.reason);
    if (caller?.aborted || outer.aborted) abortLinked();
    if (caller) listenTo(caller, abortLinked);
    outer.listen(abortLinked);
    run.caller = linked;
    const candidates = this.prepare(run);
    if (this.hooked) await this.runRequestHooks(run);
    interface Opened {
      iterator: AsyncIterator<StreamPart>;
      held: StreamPart[];
      first: StreamPart | undefined;
      timeToFirstTokenMs: number | undefined;
    }
    const attempt = await this.failover<Opened>(run, candidates, async ({ providerModelId }, call) => {
      const { stream } = await call.provider.stream(this.providerCall(request, providerModelId, call.abort, call.credentials));
      const iterator = stream[Symbol.asyncIterator]();
      const held: StreamPart[] = [];
      // Hold everything until the first content part: a failure before it fails over invisibly.
      for (;;) {
        const next = await iterator.next();
        if (next.done) return { iterator, held, first: undefined, timeToFirstTokenMs: undefined };
        const part = next.value;
        if (part.type === 'error') throw part.error;
        if (CONTENT_PART_TYPES.has(part.type) || part.type === 'finish') return { iterator, held, first: part, timeToFirstTokenMs: Date.now() - call.startTime };
        held.push(part);
      }
    });
    attempt.abort.cleanup(); // the attempt timeout covers the time to first token only
    const abortUpstream = (): void => attempt.abort.abort(linked.reason);
    linked.listen(abortUpstream);
    const { iterator, held, first, timeToFirstTokenMs } = attempt.value;
    const content: ContentPart[] = [];
    const warnings: GenerateResult['warnings'] = [];
    let finish: Extract<StreamPart, { type: 'finish' }> | undefined;
    let failure: GatewayError | undefined;
    let responseId: string | undefined;
    const textBuffers = new Map<string, TextBuffer>();
    const collect = (part: StreamPart): void => {
      switch (part.type) {
        case 'stream-start':
          warnings.push(...part.warnings);
          break;
        case 'response-metadata':
          responseId = part.id ?? responseId;
          break;
        case 'text-start':
        case 'reasoning-start': {
          const buffer: TextBuffer = { type: part.type === 'text-start' ? 'text' : 'reasoning', text: '' };
          textBuffers.set(`${buffer.type}:${part.id}`, buffer);
          content.push(buffer as ContentPart);
          if (part.providerMetadata) mergeMetadata(buffer, part.providerMetadata);
          break;
        }
        case 'text-delta':
        case 'reasoning-delta': {
          const kind = part.type === 'text-delta' ? 'text' : 'reasoning';
          let buffer = textBuffers.get(`${kind}:${part.id}`);
          if (!buffer) {
            buffer = { type: kind, text: '' };
            textBuffers.set(`${kind}:${part.id}`, buffer);
            content.push(buffer as ContentPart);
          }
          buffer.text += part.delta;
          if (part.providerMetadata) mergeMetadata(buffer, part.providerMetadata);
          break;
        }
        case 'text-end':
        case 'reasoning-end': {
          // Thinking signatures and redacted thinking arrive on the block's parts: the result keeps them, as generate's does.
          const buffer = part.providerMetadata && textBuffers.get(`${part.type === 'text-end' ? 'text' : 'reasoning'}:${part.id}`);
          if (buffer) mergeMetadata(buffer, part.providerMetadata as ProviderMetadata);
          break;
        }
        case 'tool-call':
          content.push({ type: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input, ...(part.providerMetadata ? { providerMetadata: part.providerMetadata } : {}) });
          break;
        case 'file':
        case 'source':
          content.push(part);
          break;
        case 'finish':
          finish = part;
          break;
      }
    };
    const forward = async (part: StreamPart): Promise<void> => {
      collect(part);
      if (part.type !== 'finish') await push(part);
    };
    try {
      for (const part of held) await forward(part);
      if (first) await forward(first);
      while (!finish) {
        if (linked.aborted) throw new GatewayError('aborted', 'The stream was aborted', { provider: attempt.candidate.provider });
        const next = await iterator.next();
        if (next.done) break;
        if (next.value.type === 'error') throw next.value.error;
        await forward(next.value);
      }
      if (!finish) throw new GatewayError('provider_bad_response', `${attempt.candidate.provider} ended the stream without a finish`, { provider: attempt.candidate.provider });
    } catch (error) {
      failure = linked.aborted ? new GatewayError('aborted', 'The stream was aborted', { provider: attempt.candidate.provider }) : asGatewayError(error, attempt.candidate.provider);
      attempt.abort.abort(failure);
      void iterator.return?.().catch(() => undefined);
    } finally {
      linked.unlisten(abortUpstream);
      if (caller) unlistenTo(caller, abortLinked);
      outer.unlisten(abortLinked);
    }
    const finishReason: FinishReason = finish?.finishReason ?? { unified: failure?.code === 'aborted' ? 'other' : 'error', raw: failure?.code };
    const reported = finish?.usage;
    const estimated = !reported || reported.inputTokens.total === undefined || reported.outputTokens.total === undefined;
    const usage = estimated ? fillEstimates(reported, request, content) : reported;
    attempt.record.providerResponseId = responseId;
    attempt.record.timeToFirstTokenMs = timeToFirstTokenMs;
    this.finishAttempt(run, attempt.record, failure, true, { outputTokens: usage.outputTokens.total, timeToFirstTokenMs });
    const usageEvent = this.usageEvent(run, attempt, usage, finishReason, estimated, timeToFirstTokenMs);
    await this.bill(attempt, usageEvent);
    if (failure) throw this.finalError(run, failure);
    const result = this.buildResult(run, attempt, content, finishReason, usage, usageEvent.cost, warnings, finish?.providerMetadata, responseId, timeToFirstTokenMs);
    this.emitResponse(run, result);
    await push(finish as StreamPart);
    return result;
  }

  /**
   * Embeds one value.
   *
   * @example
   * ```ts
   * const { embedding } = await router.embed({ model: 'openai/text-embedding-3-small', value: 'sunny day at the beach' });
   * ```
   */
  async embed(request: EmbedRequest): Promise<EmbedResult> {
    const { value, ...rest } = request;
    if (typeof value !== 'string') throw new GatewayError('invalid_request', '`value` must be a string', { param: 'value' });
    const { embeddings, ...result } = await this.embedMany({ ...rest, values: [value] });
    return { ...result, embedding: embeddings[0] };
  }

  /**
   * Embeds many values, batched to the vendor's limit per call, with the same routing and fallbacks
   * as text. All batches of one request go to the same offering.
   *
   * @example
   * ```ts
   * const { embeddings, usage, cost } = await router.embedMany({ model: 'cohere/embed-v4.0', values: ['a', 'b', 'c'], dimensions: 256 });
   * ```
   */
  async embedMany(request: EmbedManyRequest): Promise<EmbedManyResult> {
    if (!request || typeof request.model !== 'string' || request.model === '') throw new GatewayError('invalid_request', '`model` is required: an embedding model id such as "openai/text-embedding-3-small"', { param: 'model' });
    if (!Array.isArray(request.values) || request.values.length === 0 || request.values.some((value) => typeof value !== 'string')) {
      throw new GatewayError('invalid_request', '`values` must be a non-empty array of strings', { param: 'values' });
    }
    if (request.dimensions !== undefined && (!Number.isInteger(request.dimensions) || request.dimensions < 1)) throw new GatewayError('invalid_request', '`dimensions` must be a positive integer', { param: 'dimensions' });
    const normalized: NormalizedRequest = { model: request.model, prompt: [], providerOptions: request.providerOptions, abortSignal: request.abortSignal, [CALLER_ABORT]: request[CALLER_ABORT], headers: request.headers, user: request.user ?? request.providerOptions?.gateway?.user, tags: request.tags ?? request.providerOptions?.gateway?.tags ?? [], metadata: request.metadata ?? {}, account: request.account };
    const run = this.beginRun(normalized, 'embed', request.values);
    const candidates = this.prepare(run);
    if (this.hooked) await this.runRequestHooks(run);
    const attempt = await this.failover(run, candidates, async ({ providerModelId, provider: name }, call) => {
      const provider = call.provider;
      if (!provider.embed) throw new GatewayError('provider_not_found', `Provider '${name}' does not support embeddings`, { provider: name });
      const batchSize = provider.maxEmbeddingsPerCall ?? 96;
      const embeddings: number[][] = [];
      let tokens: number | undefined = 0;
      const warnings: EmbedManyResult['warnings'] = [];
      for (let start = 0; start < request.values.length; start += batchSize) {
        const batch = request.values.slice(start, start + batchSize);
        const result = await provider.embed({ modelId: providerModelId, values: batch, dimensions: request.dimensions, abortSignal: call.abort.signal, providerOptions: request.providerOptions, headers: request.headers, ...(call.credentials ? { credentials: call.credentials } : {}) });
        embeddings.push(...result.embeddings);
        tokens = tokens === undefined || result.usage.tokens === undefined ? undefined : tokens + result.usage.tokens;
        for (const warning of result.warnings) if (!warnings.some((known) => JSON.stringify(known) === JSON.stringify(warning))) warnings.push(warning);
      }
      return { embeddings, tokens, warnings };
    });
    attempt.abort.cleanup();
    const estimated = attempt.value.tokens === undefined;
    const tokens = attempt.value.tokens ?? request.values.reduce((sum, value) => sum + estimateTextTokens(value), 0);
    this.finishAttempt(run, attempt.record, undefined, true, {});
    const usage: Usage = { inputTokens: { total: tokens, noCache: tokens, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 0, text: 0, reasoning: 0 } };
    const usageEvent = this.usageEvent(run, attempt, usage, { unified: 'stop' }, estimated, undefined);
    await this.bill(attempt, usageEvent);
    return { requestId: run.requestId, generationId: run.generationId, model: attempt.candidate.model, provider: attempt.candidate.provider, providerModelId: attempt.candidate.providerModelId, embeddings: attempt.value.embeddings, usage: { tokens }, cost: usageEvent.cost, attempts: run.attempts, warnings: attempt.value.warnings };
  }

  /**
   * Generates an object that matches a JSON Schema or a zod schema, using each provider's native
   * structured-output mechanism; the result is parsed and validated (`invalid_object` otherwise).
   *
   * @example
   * ```ts
   * const { object } = await router.generateObject({ model: 'openai/gpt-4o', prompt: 'Invent a person', schema: z.object({ name: z.string(), age: z.number() }) });
   * ```
   */
  generateObject<T = never, Schema extends JsonSchema | SchemaLike = JsonSchema | SchemaLike>(request: GenerateObjectRequest & { schema: Schema; account?: AccountReference }): Promise<GenerateObjectResult<ObjectOf<T, Schema>>> {
    return generateObjectWith<ObjectOf<T, Schema>>(this, request);
  }

  /**
   * Streams an object: partial objects while the JSON arrives, the validated object at the end.
   *
   * @example
   * ```ts
   * const stream = router.streamObject({ model: 'openai/gpt-4o', prompt: 'Invent a person', schema });
   * for await (const partial of stream.partialObjectStream) console.log(partial);
   * ```
   */
  streamObject<T = never, Schema extends JsonSchema | SchemaLike = JsonSchema | SchemaLike>(request: GenerateObjectRequest & { schema: Schema; account?: AccountReference }): StreamObjectResult<ObjectOf<T, Schema>> {
    return streamObjectWith<ObjectOf<T, Schema>>(this, request);
  }

  /** Stops health sharing, waits for pending background work and drops listeners. */
  async close(): Promise<void> {
    this.health.close();
    for (const probe of this.probes) probe.abort(new GatewayError('aborted', 'The router closed'));
    await Promise.allSettled([...this.pending]);
    this.emitter.removeAllListeners();
  }
}

/** A text or reasoning part of a streamed result while its deltas arrive. */
type TextBuffer = { type: 'text' | 'reasoning'; text: string; providerMetadata?: ProviderMetadata };

/** Adds a stream part's provider metadata to a part of the result (per provider, later keys win). */
function mergeMetadata(buffer: TextBuffer, metadata: ProviderMetadata): void {
  const merged: ProviderMetadata = { ...buffer.providerMetadata };
  for (const [provider, values] of Object.entries(metadata)) merged[provider] = { ...merged[provider], ...values };
  buffer.providerMetadata = merged;
}

function asGatewayError(error: unknown, provider?: string): GatewayError {
  if (isGatewayError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError(provider ? 'provider_error' : 'internal_error', provider ? `${provider}: ${message}` : message, { provider, cause: error });
}

function sleep(milliseconds: number, abort: AbortSource | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (milliseconds <= 0 || abort?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      if (abort) unlistenTo(abort, done);
      resolve();
    }
    if (abort) listenTo(abort, done);
  });
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function fillEstimates(usage: Usage | undefined, request: NormalizedRequest, content: ContentPart[]): Usage {
  const inputTotal = usage?.inputTokens.total ?? estimatePromptTokens(request.prompt, request.tools);
  let outputCharacters = 0;
  for (const part of content) {
    if (part.type === 'text' || part.type === 'reasoning') outputCharacters += part.text.length;
    else if (part.type === 'tool-call') outputCharacters += part.toolName.length + part.input.length;
  }
  const outputTotal = usage?.outputTokens.total ?? Math.ceil(outputCharacters / 4);
  return {
    inputTokens: { total: inputTotal, noCache: usage?.inputTokens.noCache ?? inputTotal - (usage?.inputTokens.cacheRead ?? 0) - (usage?.inputTokens.cacheWrite ?? 0), cacheRead: usage?.inputTokens.cacheRead ?? 0, cacheWrite: usage?.inputTokens.cacheWrite ?? 0 },
    outputTokens: { total: outputTotal, text: usage?.outputTokens.text ?? outputTotal - (usage?.outputTokens.reasoning ?? 0), reasoning: usage?.outputTokens.reasoning ?? 0 },
  };
}

function sortCandidates(candidates: Candidate[], sort: 'cost' | 'tps' | 'ttft', context: StrategyContext): Candidate[] {
  const key = (candidate: Candidate): number => {
    if (sort === 'cost') return computeCost({ noCacheInput: 1_000_000, cacheRead: 0, cacheWrite: 0, output: 1_000_000 }, candidate.offering.pricing).total;
    const score = context.health.score(candidate.provider, candidate.providerModelId, sort === 'ttft');
    return score.latencyMs ?? Number.MAX_SAFE_INTEGER;
  };
  return candidates.map((candidate, index) => ({ candidate, index, key: key(candidate) })).sort((a, b) => a.key - b.key || a.index - b.index).map((entry) => entry.candidate);
}

function lazyPromise<T>(factory: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    if (!promise) {
      promise = factory();
      promise.catch(() => undefined);
    }
    return promise;
  };
}

async function* textOnly(parts: AsyncIterableIterator<StreamPart>): AsyncIterableIterator<string> {
  try {
    for (;;) {
      const next = await parts.next();
      if (next.done) return;
      const part = next.value;
      if (part.type === 'text-delta') yield part.delta;
      else if (part.type === 'error') throw part.error;
    }
  } finally {
    await parts.return?.();
  }
}
