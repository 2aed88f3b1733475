/**
 * The rerank operation: `router.rerank()`. The query travels as the run's prompt, the documents (objects
 * as their JSON text) as its `values`; priced per search unit (a query with up to 100 documents).
 *
 * @module
 */
import type { TransportAbort } from '../core/abort-handle.js';
import type { Catalog } from '../catalog/catalog.js';
import type { BillableUnits } from '../billing/cost.js';
import { GatewayError } from '../core/errors.js';
import type { CostBreakdown } from '../core/events.js';
import type { Provider, ProviderRerankResult } from '../providers/provider.js';
import type { RerankResult } from '../router/router-types.js';
import type { Attempt, AttemptAbort } from '../router/attempts.js';
import type { PipelineRun } from '../router/request-run.js';
import { embeddingUsage, type Metered } from '../router/usage-metering.js';
import type { Candidate } from '../strategies/strategy.js';
import { promptOf, servesKind } from './image.js';
import type { Eligibility, Operation } from './operation.js';

/** Documents per search unit, as Cohere and Bedrock bill them. */
const DOCUMENTS_PER_SEARCH_UNIT = 100;

/**
 * The search units of a query over `documents` documents, as the vendors count them when they report none.
 *
 * @example
 * ```ts
 * searchUnitsFor(250); // 3
 * ```
 */
export function searchUnitsFor(documents: number): number {
  return Math.max(1, Math.ceil(documents / DOCUMENTS_PER_SEARCH_UNIT));
}

const RERANKING_MODELS: Eligibility = {
  key: 'rerank',
  ineligible(candidate: Candidate, catalog: Catalog): string | undefined {
    return servesKind(candidate, catalog, 'reranking') ? undefined : `${candidate.model} is not a reranking model`;
  },
};

/**
 * Reranking: the run's documents ordered by relevance to its query, the best `topN`.
 *
 * @example
 * ```ts
 * const result = await pipeline.run(run, rerankOperation);
 * ```
 */
export const rerankOperation: Operation<ProviderRerankResult, RerankResult> = {
  kind: 'rerank',
  eligibility: () => RERANKING_MODELS,
  plan(run: PipelineRun): { estimatedInputTokens: number; maxOutputTokens: number; units: BillableUnits } {
    return {
      estimatedInputTokens: 0,
      maxOutputTokens: 0,
      units: { searchUnits: searchUnitsFor(run.values?.length ?? 0) },
    };
  },
  async call(run: PipelineRun, attempt: Attempt): Promise<ProviderRerankResult> {
    const { provider, candidate } = attempt;
    const name = candidate.provider;
    if (!provider.rerank)
      throw new GatewayError('provider_not_found', `Provider '${name}' does not rerank`, { provider: name });
    const documents = run.values ?? [];
    const topN = run.parameters?.topN;
    const result = await provider.rerank({
      modelId: candidate.providerModelId,
      query: promptOf(run.request.prompt),
      documents,
      ...(topN !== undefined ? { topN } : {}),
      abortSignal: (attempt.abort as AttemptAbort).signal,
      providerOptions: run.request.providerOptions,
      headers: run.request.headers,
      ...(attempt.credentials ? { credentials: attempt.credentials } : {}),
    });
    for (const entry of result.ranking) {
      if (!Number.isInteger(entry.index) || entry.index < 0 || entry.index >= documents.length)
        throw new GatewayError('provider_bad_response', `${name} ranked a document that was not sent`, {
          provider: name,
        });
    }
    const ranking = [...result.ranking].sort((a, b) => b.relevanceScore - a.relevanceScore);
    return { ...result, ranking: topN === undefined ? ranking : ranking.slice(0, topN) };
  },
  meter(run: PipelineRun, value: ProviderRerankResult): Metered {
    return {
      usage: embeddingUsage(0),
      estimated: value.searchUnits === undefined,
      finishReason: { unified: 'stop' },
      outputTokens: undefined,
      responseId: undefined,
      timeToFirstTokenMs: undefined,
      units: { searchUnits: value.searchUnits ?? searchUnitsFor(run.values?.length ?? 0) },
    };
  },
  result(
    run: PipelineRun,
    attempt: Attempt,
    value: ProviderRerankResult,
    metered: Metered,
    cost: CostBreakdown,
  ): RerankResult {
    const { candidate } = attempt;
    return {
      requestId: run.requestId,
      generationId: run.generationId,
      model: candidate.model,
      provider: candidate.provider,
      providerModelId: candidate.providerModelId,
      ranking: value.ranking,
      usage: { searchUnits: metered.units?.searchUnits ?? 0 },
      cost,
      attempts: run.attempts,
      warnings: value.warnings,
    };
  },
  probe(provider: Provider, providerModelId: string, abort: TransportAbort): Promise<unknown> {
    if (!provider.rerank) return Promise.reject(new GatewayError('provider_not_found', 'The provider does not rerank'));
    return provider.rerank({ modelId: providerModelId, query: 'ping', documents: ['ping'], abortSignal: abort.signal });
  },
};
