/**
 * The request log's vocabulary: one record per request, the query over them, and the interface the
 * router exposes as `router.logs` when `requestLog` is configured. The dashboard, `GET /v1/logs` and a
 * user's own tooling read records through {@link RequestLog}; the memory and Redis stores keep them.
 *
 * @module
 */
import type { GatewayErrorCode } from '../../core/errors.js';
import type { AttemptRecord, UsageEvent } from '../../core/events.js';

/**
 * One attempt of a logged request (an {@link AttemptRecord} with its number and cost).
 *
 * @example
 * ```ts
 * const attempt: RequestLogAttempt = { attempt: 0, provider: 'openai', providerType: 'openai', providerModelId: 'gpt-4o',
 *   model: 'openai/gpt-4o', outcome: 'error', status: 503, code: 'provider_unavailable', latencyMs: 40,
 *   credentialType: 'system', startTime: 0, endTime: 40, costNano: 0 };
 * ```
 */
export interface RequestLogAttempt extends AttemptRecord {
  /** The attempt's number within its request, from 0. */
  attempt: number;
  /** What the attempt cost, in nano-dollars (0 when it was not billed). */
  costNano: number;
  /** The fingerprint of the pooled provider key that served it (`apiKeys: [...]`), never the key. */
  keyFingerprint?: string;
}

/**
 * Tokens of a logged request by kind, summed over its billed attempts.
 *
 * @example
 * ```ts
 * const tokens: RequestLogTokens = { input: 12, output: 40, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
 * ```
 */
export interface RequestLogTokens {
  /** Every input token, as the vendor counts them (cache reads and writes included). */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

/**
 * One request, as the request log keeps it. It holds no provider key and no gateway key (only the key's
 * id); prompt and completion text only when the log is configured with `logContent: true`, then redacted.
 *
 * @example
 * ```ts
 * const record: RequestLogRecord = await router.logs!.query({ limit: 1 }).then((page) => page.records[0]);
 * console.log(record.generationId, record.status, record.costNano);
 * ```
 */
export interface RequestLogRecord {
  generationId: string;
  requestId: string;
  /** Epoch milliseconds when the request arrived. */
  time: number;
  operation: UsageEvent['operation'];
  streamed: boolean;
  /** The account billed, its end user and the gateway API key's id (never the key). */
  account?: string;
  user?: string;
  apiKeyId?: string;
  tags: string[];
  /** The model the caller asked for. */
  requestedModel: string;
  /** The model, provider instance and vendor model id that answered (absent when none did). */
  model?: string;
  provider?: string;
  providerModelId?: string;
  /** `success`, `error` (the request failed for good) or `aborted` (the caller went away). */
  status: 'success' | 'error' | 'aborted';
  /** The HTTP-like status of the outcome (200 on success). */
  httpStatus: number;
  errorCode?: GatewayErrorCode;
  /** Every attempt, in the order they started. */
  attempts: RequestLogAttempt[];
  /**
   * The offerings tried, in order, each once, as `provider:providerModelId` (the raw model id syntax:
   * `openai:gpt-4o`); the last one answered when the request succeeded.
   */
  fallbackChain: string[];
  /** Streams: from the request's arrival to the first content part of the attempt that answered. */
  timeToFirstTokenMs?: number;
  /** From the request's arrival to its end (a stream's last part, or its failure). */
  latencyMs: number;
  tokens: RequestLogTokens;
  /** Total cost in nano-dollars, over every billed attempt. */
  costNano: number;
  /** True when any billed count was estimated (the vendor gave none). */
  estimated: boolean;
  /** What the response cache did, when one is configured. */
  cache?: 'hit' | 'miss' | 'store' | 'skip';
  /** What the guardrails did, when any acted: the strongest action taken. */
  guardrail?: 'block' | 'redact' | 'warn';
  /** Only with `logContent: true`, redacted of provider keys. */
  content?: { prompt: string; completion: string };
}

/**
 * A query over the request log. Every filter is optional; records come newest first.
 *
 * @example
 * ```ts
 * const query: RequestLogQuery = { account: 'team_acme', status: 'error', since: Date.now() - 3_600_000, limit: 50 };
 * ```
 */
export interface RequestLogQuery {
  account?: string;
  /** The model asked for or the model that answered. */
  model?: string;
  provider?: string;
  status?: RequestLogRecord['status'];
  /** Epoch milliseconds, inclusive. */
  since?: number;
  /** Epoch milliseconds, exclusive. */
  until?: number;
  /** At most this many records (default 50, at most 1,000). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * One page of records, newest first, and the cursor of the next page when there is one.
 *
 * @example
 * ```ts
 * let page = await router.logs!.query({ limit: 100 });
 * while (page.nextCursor) page = await router.logs!.query({ limit: 100, cursor: page.nextCursor });
 * ```
 */
export interface RequestLogPage {
  records: RequestLogRecord[];
  nextCursor?: string;
}

/**
 * The request log as the router exposes it (`router.logs`, present when `requestLog` is configured).
 *
 * @example
 * ```ts
 * const router = new Router({ providers, requestLog: { size: 10_000 } });
 * const { records } = await router.logs!.query({ model: 'openai/gpt-4o', limit: 20 });
 * ```
 */
export interface RequestLog {
  query(query?: RequestLogQuery): Promise<RequestLogPage>;
  /** The record of one generation, if the log still holds it. */
  get(generationId: string): Promise<RequestLogRecord | undefined>;
}
