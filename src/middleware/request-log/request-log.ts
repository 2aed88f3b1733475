/**
 * The request log: one {@link RequestLogRecord} per request (generate, stream, embed), built from the
 * router's run (its attempts) and its events (`usage`, `cache`, `guardrail`), kept in a
 * {@link RequestLogStore} (a memory ring by default, Redis when the gateway's store is Redis).
 *
 * The recorder is a {@link RequestMiddleware} that the router puts around its whole chain (outside the
 * configured middleware, so that a request a guardrail refuses or a cache answers is logged too); it
 * records each request exactly once, when it has ended: succeeded, failed, or been aborted. With no
 * `requestLog` configured the router builds none of it.
 *
 * @module
 */
import { GatewayError, isGatewayError, redactSecrets } from '../../core/errors.js';
import type {
  AttemptRecord,
  CacheEvent,
  GuardrailEvent,
  RouterEventName,
  RouterEvents,
  UsageEvent,
} from '../../core/events.js';
import type { Message } from '../../core/types.js';
import type { EmbedManyResult, GenerateResult, ProviderInstanceConfig } from '../../router/router-types.js';
import type { PipelineStream, RequestMiddleware, RequestRun } from '../middleware.js';
import { isCappedLogStore, type CappedLogStore } from '../../store/capped-log-store.js';
import { DEFAULT_LOG_SIZE, MemoryRequestLogStore } from './memory-request-log-store.js';
import { RedisRequestLogStore } from './redis-request-log-store.js';
import type {
  RequestLog,
  RequestLogAttempt,
  RequestLogPage,
  RequestLogQuery,
  RequestLogRecord,
} from './request-log-record.js';
import type { RequestLogStore } from './request-log-store.js';

/**
 * The request log's options (`requestLog` in the router or gateway config; `true` takes the defaults).
 *
 * @example
 * ```ts
 * const requestLog: RequestLogOptions = { size: 5_000, logContent: false };
 * const router = new Router({ providers, requestLog });
 * ```
 */
export interface RequestLogOptions {
  /** How many records the memory ring keeps (default 1,000). */
  size?: number;
  /** How long Redis keeps a record, in seconds (default 86,400: a day). */
  ttlSeconds?: number;
  /** How many records Redis keeps at most, the newest (default 10,000). */
  maxRecords?: number;
  /** Keep the prompt and completion text, redacted of provider keys (default false: no message text). */
  logContent?: boolean;
  /**
   * Where records go (default: Redis when the gateway's store is Redis, else memory): `'memory'` for this
   * process's ring even then, or in code a `RedisStore` (any {@link CappedLogStore}: the log is shared by
   * every instance on it, bounded by `maxRecords` and `ttlSeconds`) or a {@link RequestLogStore} of your own.
   */
  store?: RequestLogStore | CappedLogStore | 'memory';
}

/**
 * `requestLog` as the router and gateway configs take it.
 *
 * @example
 * ```ts
 * const requestLog: RequestLogConfig = true;
 * ```
 */
export type RequestLogConfig = true | RequestLogOptions;

/**
 * What the recorder needs of the router's events: to listen, and to warn when the store fails.
 *
 * @example
 * ```ts
 * const events: RequestLogEvents = router;
 * ```
 */
export interface RequestLogEvents {
  on<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): unknown;
  emit<E extends RouterEventName>(event: E, ...args: RouterEvents[E]): unknown;
}

/** What the recorder collects of a request while it runs (only what the run itself does not hold). */
interface Draft {
  usages: UsageEvent[] | undefined;
  cache: CacheEvent['outcome'] | undefined;
  guardrail: GuardrailEvent['action'] | undefined;
}

const NO_USAGE: readonly UsageEvent[] = [];
const GUARDRAIL_STRENGTH = { warn: 1, redact: 2, block: 3 } as const;

/**
 * Records every request of a router into a store, and reads them back ({@link RequestLog}).
 *
 * @example
 * ```ts
 * const recorder = new RequestLogRecorder({ size: 100 }, router, { secrets: [process.env.OPENAI_API_KEY!] });
 * // the router composes recorder.middleware around its chain; router.logs is the recorder
 * const { records } = await recorder.query({ status: 'error' });
 * ```
 */
export class RequestLogRecorder implements RequestLog {
  /** Where the records are kept. */
  readonly store: RequestLogStore;
  /** The middleware that records each request (the router puts it outermost). */
  readonly middleware: RequestMiddleware;
  private readonly logContent: boolean;
  private readonly secrets: readonly string[];
  private readonly track: ((task: Promise<unknown>) => void) | undefined;
  private readonly drafts = new Map<string, Draft>();
  private storeFailing = false;

  constructor(
    config: RequestLogConfig,
    private readonly events: RequestLogEvents,
    options: { secrets?: readonly string[]; track?: (task: Promise<unknown>) => void; store?: RequestLogStore } = {},
  ) {
    const settings: RequestLogOptions = config === true ? {} : config;
    if (!settings || typeof settings !== 'object')
      throw new GatewayError('config_invalid', '`requestLog` must be true or an object such as { size: 1000 }');
    const given = settings.store;
    if (given !== undefined && given !== 'memory' && (typeof given !== 'object' || given === null))
      throw new GatewayError(
        'config_invalid',
        "`requestLog.store` must be 'memory', a RedisStore or a RequestLogStore",
      );
    if (isCappedLogStore(given))
      this.store = new RedisRequestLogStore(given, {
        maxRecords: settings.maxRecords,
        ttlSeconds: settings.ttlSeconds,
      });
    else if (given !== undefined && given !== 'memory') this.store = given;
    else if (given === undefined && options.store) this.store = options.store;
    else this.store = new MemoryRequestLogStore({ size: settings.size ?? DEFAULT_LOG_SIZE });
    const store = this.store as Partial<RequestLogStore>;
    if (typeof store.append !== 'function' || typeof store.query !== 'function' || typeof store.get !== 'function')
      throw new GatewayError('config_invalid', '`requestLog.store` must be a RequestLogStore (append, query, get)');
    this.logContent = settings.logContent === true;
    this.secrets = (options.secrets ?? []).filter((secret) => secret.length >= 6);
    this.track = options.track;
    events.on('usage', (event) => {
      const draft = this.drafts.get(event.requestId);
      if (draft) (draft.usages ??= []).push(event);
    });
    events.on('cache', (event) => {
      const draft = this.drafts.get(event.requestId);
      if (draft) draft.cache = event.outcome;
    });
    events.on('guardrail', (event) => {
      const draft = this.drafts.get(event.requestId);
      if (draft && (!draft.guardrail || GUARDRAIL_STRENGTH[event.action] > GUARDRAIL_STRENGTH[draft.guardrail]))
        draft.guardrail = event.action;
    });
    this.middleware = {
      name: 'request-log',
      wrapGenerate: (run, next) => this.recordCall(run, next),
      wrapEmbed: (run, next) => this.recordCall(run, next),
      wrapStream: (run, next) => this.recordStream(run, next),
    };
  }

  query(query?: RequestLogQuery): Promise<RequestLogPage> {
    return this.store.query(query);
  }

  get(generationId: string): Promise<RequestLogRecord | undefined> {
    return this.store.get(generationId);
  }

  /** How many requests are under way (recorded once they end). */
  get inFlight(): number {
    return this.drafts.size;
  }

  private async recordCall<Result extends GenerateResult | EmbedManyResult>(
    run: RequestRun,
    next: () => Promise<Result>,
  ): Promise<Result> {
    const draft = this.begin(run);
    let result: Result;
    try {
      result = await next();
    } catch (error) {
      this.end(run, draft, undefined, error);
      throw error;
    }
    this.end(run, draft, result, undefined);
    return result;
  }

  private async recordStream(run: RequestRun, next: () => Promise<PipelineStream>): Promise<PipelineStream> {
    const draft = this.begin(run);
    let stream: PipelineStream;
    try {
      stream = await next();
    } catch (error) {
      this.end(run, draft, undefined, error);
      throw error;
    }
    // The stream as it is (the router reads the innermost one directly); recorded once its result settles.
    stream.result.then(
      (result) => this.end(run, draft, result, undefined),
      (error: unknown) => this.end(run, draft, undefined, error),
    );
    return stream;
  }

  private begin(run: RequestRun): Draft {
    const draft: Draft = { usages: undefined, cache: undefined, guardrail: undefined };
    this.drafts.set(run.requestId, draft);
    return draft;
  }

  private end(
    run: RequestRun,
    draft: Draft,
    result: GenerateResult | EmbedManyResult | undefined,
    thrown: unknown,
  ): void {
    if (this.drafts.get(run.requestId) !== draft) return; // recorded already
    this.drafts.delete(run.requestId);
    let record: RequestLogRecord;
    try {
      record = this.build(run, draft, result, thrown);
    } catch (error) {
      this.warn(`The request log could not record ${run.generationId}: ${describe(error)}`);
      return;
    }
    let written: void | Promise<void>;
    try {
      written = this.store.append(record);
    } catch (error) {
      this.failed(error);
      return;
    }
    if (written instanceof Promise) {
      const task = written.then(
        () => void (this.storeFailing = false),
        (error: unknown) => this.failed(error),
      );
      this.track?.(task);
    }
  }

  private build(
    run: RequestRun,
    draft: Draft,
    result: GenerateResult | EmbedManyResult | undefined,
    thrown: unknown,
  ): RequestLogRecord {
    const end = Date.now();
    const error = result ? undefined : asError(thrown);
    const usages = draft.usages ?? NO_USAGE;
    const attempts = numberedAttempts(run, usages);
    const fallbackChain: string[] = [];
    for (const attempt of attempts) {
      const offering = `${attempt.provider}:${attempt.providerModelId}`;
      if (!fallbackChain.includes(offering)) fallbackChain.push(offering);
    }
    const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
    let costNano = 0;
    let estimated = false;
    for (const usage of usages) {
      tokens.input += usage.inputTokens;
      tokens.output += usage.outputTokens;
      tokens.cacheRead += usage.cacheReadTokens;
      tokens.cacheWrite += usage.cacheWriteTokens;
      tokens.reasoning += usage.reasoningTokens;
      costNano += usage.cost.total;
      estimated ||= usage.estimated;
    }
    const account = run.account;
    const aborted = error !== undefined && (error.code === 'aborted' || run.abort?.aborted === true);
    let timeToFirstTokenMs: number | undefined;
    if (run.streamed && result) {
      const answered = attempts.findLast((attempt) => attempt.outcome === 'success');
      if (answered?.timeToFirstTokenMs !== undefined)
        timeToFirstTokenMs = answered.startTime + answered.timeToFirstTokenMs - run.startTime;
    }
    // One shape for every record (absent fields are undefined, which JSON leaves out): cheaper to build and keep.
    const record: RequestLogRecord = {
      generationId: run.generationId,
      requestId: run.requestId,
      time: run.startTime,
      operation: run.operation,
      streamed: run.streamed,
      account: account?.id,
      user: run.user ?? account?.user,
      apiKeyId: account?.apiKeyId,
      tags: run.tags.length === 0 ? [] : [...run.tags],
      requestedModel: run.model,
      model: result?.model,
      provider: result?.provider,
      providerModelId: result?.providerModelId,
      status: error ? (aborted ? 'aborted' : 'error') : 'success',
      httpStatus: error ? error.status : 200,
      errorCode: error?.code,
      attempts,
      fallbackChain,
      timeToFirstTokenMs,
      latencyMs: end - run.startTime,
      tokens,
      costNano,
      estimated,
      cache: draft.cache ?? result?.cache?.status,
      guardrail: draft.guardrail,
      content: this.logContent ? this.content(run, result) : undefined,
    };
    return record;
  }

  private content(run: RequestRun, result: GenerateResult | EmbedManyResult | undefined): RequestLogRecord['content'] {
    const secrets = [...this.secrets, ...callerSecrets(run)];
    const prompt = run.operation === 'embed' ? (run.values ?? []).join('\n') : promptText(run.request.prompt);
    const completion = result && 'text' in result ? result.text : '';
    return { prompt: redactSecrets(prompt, secrets), completion: redactSecrets(completion, secrets) };
  }

  private failed(error: unknown): void {
    if (this.storeFailing) return; // one warning per outage, not one per request
    this.storeFailing = true;
    this.warn(`The request log's store failed, records are being dropped: ${describe(error)}`);
  }

  private warn(message: string): void {
    this.events.emit('warning', { code: 'request_log_failed', message: redactSecrets(message, this.secrets) });
  }
}

/**
 * The secrets of a router's provider instances (API keys, AWS credentials, header values), to redact
 * literally from logged content.
 *
 * @example
 * ```ts
 * providerSecrets({ openai: { apiKey: 'sk-live-0123456789' } }); // ['sk-live-0123456789']
 * ```
 */
export function providerSecrets(providers: Record<string, ProviderInstanceConfig> | undefined): string[] {
  const secrets: string[] = [];
  for (const instance of Object.values(providers ?? {})) {
    if (!instance || typeof instance !== 'object') continue;
    if (typeof instance.apiKey === 'string') secrets.push(instance.apiKey);
    collectStrings(instance.credentials, secrets);
    collectStrings(instance.headers, secrets);
  }
  return secrets.filter((secret) => secret.length >= 6);
}

/** The run's attempts in the order they started, numbered, each with the cost of its `usage` event. */
function numberedAttempts(run: RequestRun, usages: readonly UsageEvent[]): RequestLogAttempt[] {
  const sorted = run.attempts.length > 1 ? [...run.attempts].sort((a, b) => a.startTime - b.startTime) : run.attempts;
  const attempts: RequestLogAttempt[] = new Array<RequestLogAttempt>(sorted.length);
  for (let index = 0; index < sorted.length; index += 1) attempts[index] = logAttempt(sorted[index], index);
  if (attempts.length === 1 && usages.length === 1) {
    const [attempt] = attempts;
    const [usage] = usages;
    if (attempt.provider === usage.provider && attempt.providerModelId === usage.providerModelId) {
      attempt.costNano = usage.cost.total;
      attempt.keyFingerprint = usage.keyFingerprint;
    }
    return attempts;
  }
  const billed = new Set<number>();
  for (const usage of usages) {
    // The attempt of the same offering that ended closest to the usage event.
    let best = -1;
    for (let index = 0; index < attempts.length; index += 1) {
      const attempt = attempts[index];
      if (billed.has(index) || attempt.provider !== usage.provider) continue;
      if (attempt.providerModelId !== usage.providerModelId) continue;
      if (best < 0 || Math.abs(attempt.endTime - usage.timestamp) < Math.abs(attempts[best].endTime - usage.timestamp))
        best = index;
    }
    if (best >= 0) {
      billed.add(best);
      attempts[best].costNano = usage.cost.total;
      attempts[best].keyFingerprint = usage.keyFingerprint;
    }
  }
  return attempts;
}

/** An attempt as the log keeps it: every field named (one shape), copied from the run's record. */
function logAttempt(attempt: AttemptRecord, index: number): RequestLogAttempt {
  return {
    attempt: index,
    provider: attempt.provider,
    providerType: attempt.providerType,
    providerModelId: attempt.providerModelId,
    model: attempt.model,
    outcome: attempt.outcome,
    status: attempt.status,
    code: attempt.code,
    latencyMs: attempt.latencyMs,
    timeToFirstTokenMs: attempt.timeToFirstTokenMs,
    credentialType: attempt.credentialType,
    startTime: attempt.startTime,
    endTime: attempt.endTime,
    providerResponseId: attempt.providerResponseId,
    retry: attempt.retry,
    costNano: 0,
    keyFingerprint: undefined,
  };
}

function asError(thrown: unknown): GatewayError {
  if (isGatewayError(thrown)) return thrown;
  return new GatewayError('internal_error', describe(thrown), { cause: thrown });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function promptText(prompt: readonly Message[]): string {
  const lines: string[] = [];
  for (const message of prompt) {
    if (typeof message.content === 'string') {
      lines.push(`${message.role}: ${message.content}`);
      continue;
    }
    const texts: string[] = [];
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') texts.push(part.text);
      else if (part.type === 'tool-call') texts.push(`[tool call ${part.toolName}]`);
      else if (part.type === 'tool-result') texts.push(`[tool result ${part.toolName}]`);
      else if (part.type === 'file') texts.push(`[file ${part.mediaType}]`);
    }
    lines.push(`${message.role}: ${texts.join('\n')}`);
  }
  return lines.join('\n');
}

function callerSecrets(run: RequestRun): string[] {
  const byok = run.request.providerOptions?.gateway?.byok;
  if (!byok) return [];
  const secrets: string[] = [];
  collectStrings(byok, secrets);
  return secrets.filter((secret) => secret.length >= 6);
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) collectStrings(item, into);
}
