/**
 * The embedding operation: `router.embed()` and `embedMany()`. The values are batched to the vendor's
 * limit per call; every batch of one request goes to the same offering, within one attempt.
 *
 * @module
 */
import type { TransportAbort } from '../core/abort-handle.js';
import type { Catalog } from '../catalog/catalog.js';
import { GatewayError } from '../core/errors.js';
import type { CostBreakdown } from '../core/events.js';
import type { Provider } from '../providers/provider.js';
import type { EmbedManyResult } from '../router/router-types.js';
import type { Attempt, AttemptAbort } from '../router/attempts.js';
import type { PipelineRun } from '../router/request-run.js';
import { embeddingUsage, type Metered } from '../router/usage-metering.js';
import type { Candidate } from '../strategies/strategy.js';
import { estimateTextTokens } from '../core/tokens.js';
import type { Eligibility, Operation } from './operation.js';

const DEFAULT_EMBEDDINGS_PER_CALL = 96;

/**
 * What an embedding attempt returned: every batch's vectors, and the tokens when the vendor counted them all.
 *
 * @example
 * ```ts
 * const embedded: Embedded = { embeddings: [[0.1, 0.2]], tokens: 3, warnings: [] };
 * ```
 */
export interface Embedded {
  embeddings: number[][];
  tokens: number | undefined;
  warnings: EmbedManyResult['warnings'];
}

const EMBEDDING_MODELS: Eligibility = {
  key: 'embedding',
  ineligible(candidate: Candidate, catalog: Catalog): string | undefined {
    const capabilities = candidate.offering.capabilities;
    const type = catalog.get(candidate.model)?.type;
    const other = capabilities.embeddings === undefined && type !== undefined && type !== 'embedding';
    const notEmbedding =
      capabilities.embeddings === false || other || capabilities.imageGeneration || capabilities.reranking;
    return notEmbedding ? `${candidate.model} is not an embedding model` : undefined;
  },
};

function valueTokens(values: readonly string[]): number {
  let sum = 0;
  for (const value of values) sum += estimateTextTokens(value);
  return sum;
}

/**
 * Embeddings: the run's `values`, in `dimensions` when the request asks, batched per call.
 *
 * @example
 * ```ts
 * const result = await pipeline.run(run, embeddingOperation);
 * ```
 */
export const embeddingOperation: Operation<Embedded, EmbedManyResult> = {
  kind: 'embedding',
  eligibility: () => EMBEDDING_MODELS,
  plan(run: PipelineRun): { estimatedInputTokens: number; maxOutputTokens: number } {
    return { estimatedInputTokens: valueTokens(run.values ?? []), maxOutputTokens: 0 };
  },
  async call(run: PipelineRun, attempt: Attempt): Promise<Embedded> {
    const { provider, candidate } = attempt;
    const name = candidate.provider;
    if (!provider.embed)
      throw new GatewayError('provider_not_found', `Provider '${name}' does not support embeddings`, {
        provider: name,
      });
    const values = run.values ?? [];
    const request = run.request;
    const batchSize = provider.maxEmbeddingsPerCall ?? DEFAULT_EMBEDDINGS_PER_CALL;
    const embeddings: number[][] = [];
    let tokens: number | undefined = 0;
    const warnings: EmbedManyResult['warnings'] = [];
    for (let start = 0; start < values.length; start += batchSize) {
      const result = await provider.embed({
        modelId: candidate.providerModelId,
        values: values.slice(start, start + batchSize),
        dimensions: run.dimensions,
        abortSignal: (attempt.abort as AttemptAbort).signal,
        providerOptions: request.providerOptions,
        headers: request.headers,
        ...(attempt.credentials ? { credentials: attempt.credentials } : {}),
      });
      embeddings.push(...result.embeddings);
      tokens = tokens === undefined || result.usage.tokens === undefined ? undefined : tokens + result.usage.tokens;
      for (const warning of result.warnings) {
        if (!warnings.some((known) => JSON.stringify(known) === JSON.stringify(warning))) warnings.push(warning);
      }
    }
    return { embeddings, tokens, warnings };
  },
  meter(run: PipelineRun, value: Embedded): Metered {
    const tokens = value.tokens ?? valueTokens(run.values ?? []);
    return {
      usage: embeddingUsage(tokens),
      estimated: value.tokens === undefined,
      finishReason: { unified: 'stop' },
      outputTokens: undefined,
      responseId: undefined,
      timeToFirstTokenMs: undefined,
    };
  },
  result(run: PipelineRun, attempt: Attempt, value: Embedded, metered: Metered, cost: CostBreakdown): EmbedManyResult {
    const { candidate } = attempt;
    return {
      requestId: run.requestId,
      generationId: run.generationId,
      model: candidate.model,
      provider: candidate.provider,
      providerModelId: candidate.providerModelId,
      embeddings: value.embeddings,
      usage: { tokens: metered.usage.inputTokens.total ?? 0 },
      cost,
      attempts: run.attempts,
      warnings: value.warnings,
    };
  },
  probe(provider: Provider, providerModelId: string, abort: TransportAbort): Promise<unknown> {
    if (!provider.embed)
      return Promise.reject(new GatewayError('provider_not_found', 'The provider does not support embeddings'));
    return provider.embed({ modelId: providerModelId, values: ['ping'], abortSignal: abort.signal });
  },
};
