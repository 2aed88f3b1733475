/**
 * The `Operation` interface: what one kind of request (language, embedding; later image, rerank) says
 * about itself, so that the router's attempt/usage sequence is written once for all of them (language,
 * embedding, image, rerank).
 *
 * @module
 */
import type { TransportAbort } from '../core/abort-handle.js';
import type { Catalog } from '../catalog/catalog.js';
import type { BillableUnits } from '../billing/cost.js';
import type { CostBreakdown } from '../core/events.js';
import type { Provider } from '../providers/provider.js';
import type { Attempt } from '../router/attempts.js';
import type { PipelineRun } from '../router/request-run.js';
import type { Metered } from '../router/usage-metering.js';
import type { NormalizedRequest } from '../router/router-types.js';
import type { Candidate } from '../strategies/strategy.js';

/**
 * What a request needs of an offering: the reason an offering cannot serve it, and the key under which the
 * eligible offerings of a model are cached for every request with the same needs.
 *
 * @example
 * ```ts
 * const anything: Eligibility = { key: 'any', ineligible: () => undefined };
 * ```
 */
export interface Eligibility {
  readonly key: string;
  /** Why an offering cannot serve the request, or undefined when it can. */
  ineligible(candidate: Candidate, catalog: Catalog): string | undefined;
}

/**
 * One kind of request. The router resolves the candidates with `ineligible`, reserves each attempt with
 * `plan`, makes it with `call`, measures it with `meter`, and answers with `result`.
 *
 * @example
 * ```ts
 * const echo: Operation<string, string> = {
 *   kind: 'language',
 *   eligibility: () => ({ key: 'echo', ineligible: () => undefined }),
 *   plan: () => ({ estimatedInputTokens: 1, maxOutputTokens: 1 }),
 *   call: async () => 'echo',
 *   meter: () => ({ usage: emptyUsage(), estimated: true, finishReason: { unified: 'stop' }, outputTokens: 0,
 *     responseId: undefined, timeToFirstTokenMs: undefined }),
 *   result: (_run, _attempt, value) => value,
 *   probe: async () => undefined,
 * };
 * ```
 */
export interface Operation<Value, Result> {
  /** Which offerings serve it: language, embedding, image or reranking models. */
  readonly kind: 'language' | 'embedding' | 'image' | 'rerank';
  /** What the run needs of an offering: which offerings are eligible, and the key they are cached under. */
  eligibility(request: NormalizedRequest): Eligibility;
  /**
   * What billing reserves before an attempt: the input estimated from the request, the most output, and
   * the most units (images, search units) it may bill.
   */
  plan(
    run: PipelineRun,
    candidate: Candidate,
  ): { estimatedInputTokens: number; maxOutputTokens: number; units?: BillableUnits };
  /** Makes one attempt on the provider: its value once it counts (a stream: once its first content arrived). */
  call(run: PipelineRun, attempt: Attempt): Promise<Value>;
  /** The usage of an attempt that counted (estimated where the vendor gave none). */
  meter(run: PipelineRun, value: Value): Metered;
  /** The caller's answer. */
  result(run: PipelineRun, attempt: Attempt, value: Value, metered: Metered, cost: CostBreakdown): Result;
  /** A request of the gateway's own that tells whether a half-open offering recovered. */
  probe(provider: Provider, providerModelId: string, abort: TransportAbort): Promise<unknown>;
}
