/**
 * The per-request run: one object of a fixed shape per request, which the middleware, the billing hooks
 * (as their `RequestContext`), the resilience policies and the attempts all read.
 *
 * @module
 */
import type { AbortSource } from '../core/abort-handle.js';
import type { GatewayError } from '../core/errors.js';
import type { AccountReference, AttemptRecord } from '../core/events.js';
import { createUlid } from '../core/ids.js';
import type { OperationName, RequestRun } from '../middleware/middleware.js';
import type { NormalizedRequest, RequestContext } from './router-types.js';
import type { ProviderCredentials } from '../core/types.js';
import type { TraceContext } from '../middleware/telemetry/trace-context.js';

/**
 * The parameters of an image or rerank run that are not routing fields: the prompt or query travels in
 * `request.prompt` (as one user message, where guardrails see it), rerank documents in `values`.
 *
 * @example
 * ```ts
 * const parameters: OperationParameters = { n: 2, size: '1024x1024' };
 * ```
 */
export interface OperationParameters {
  n?: number;
  size?: string;
  aspectRatio?: string;
  seed?: number;
  topN?: number;
}

/**
 * One request through the pipeline: the public {@link RequestRun}, and what the router keeps beside it.
 *
 * @example
 * ```ts
 * const run = new PipelineRun(normalizeRequest({ model: 'openai/gpt-4o', prompt: 'Hi' }), 'generate', undefined, 60_000, 300_000);
 * run.nextAttemptNumber(); // 0
 * ```
 */
export class PipelineRun implements RequestRun, RequestContext {
  readonly requestId: string;
  readonly generationId: string;
  readonly streamed: boolean;
  readonly model: string;
  values: string[] | undefined;
  readonly account: AccountReference | undefined;
  readonly user: string | undefined;
  readonly tags: string[];
  readonly metadata: Record<string, string>;
  readonly byok: boolean;
  readonly startTime: number;
  readonly deadline: number;
  readonly attempts: AttemptRecord[] = [];
  /** The caller's abort; for a stream, the handle that also follows the stream's own `abort()`. */
  abort: AbortSource | undefined;
  /** The caller's own keys by provider (BYOK). */
  readonly credentials: Record<string, ProviderCredentials[]> | undefined;
  /** The timeout of one attempt (the request's `timeoutMs`, else the router's). */
  readonly attemptTimeoutMs: number;
  /** The last attempt's failure, the cause of a deadline that ends the request. */
  lastError: GatewayError | undefined = undefined;
  /** The caller's W3C trace context (`CallScope.traceContext`), when it passed one. */
  traceContext: TraceContext | undefined = undefined;
  private attemptCount = 0;

  constructor(
    public request: NormalizedRequest,
    readonly operation: OperationName,
    abort: AbortSource | undefined,
    attemptTimeoutMs: number,
    deadlineMs: number,
    values?: string[],
    /** For `embed`: the dimensions asked for. */
    readonly dimensions?: number,
    /** For `image` and `rerank`: the operation's own parameters (image count and size, top N). */
    readonly parameters?: OperationParameters,
  ) {
    // One ULID names both the request and its generation (`req_<ulid>`, `gen_<ulid>`).
    const ulid = createUlid();
    this.requestId = `req_${ulid}`;
    this.generationId = `gen_${ulid}`;
    this.streamed = operation === 'stream';
    this.model = request.model;
    this.values = values;
    this.account = request.account;
    this.user = request.user;
    this.tags = request.tags;
    this.metadata = request.metadata;
    const byok = request.providerOptions?.gateway?.byok;
    this.credentials = byok;
    this.byok = byok !== undefined && Object.keys(byok).length > 0;
    this.startTime = Date.now();
    this.deadline = this.startTime + deadlineMs;
    this.abort = abort ?? request.abortSignal;
    this.attemptTimeoutMs = request.timeoutMs ?? attemptTimeoutMs;
  }

  /**
   * The number of the next attempt, from 0. Taken from a counter, not from the attempts recorded so far,
   * so that two attempts in flight at once (a hedge) never share a number or a billing lease id.
   */
  nextAttemptNumber(): number {
    return this.attemptCount++;
  }
}
