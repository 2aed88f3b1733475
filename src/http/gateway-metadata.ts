/**
 * `providerMetadata.gateway`, as Vercel's AI Gateway reports it: the generation id, cost and market
 * cost as exact decimal USD strings, and the routing (resolved and final provider, every attempt).
 *
 * @module
 */
import { nanoToDollars } from '../billing/cost.js';
import type { AttemptRecord, CostBreakdown, CredentialType } from '../events.js';
import type { JsonObject, JsonValue } from '../types.js';
import type { GatewayRouter } from './http-types.js';
import { servingProviders } from './model-directory.js';

/**
 * What the metadata is built from: a generate, stream or embedding result.
 *
 * @example
 * ```ts
 * const source: MetadataSource = { generationId: result.generationId, provider: result.provider, cost: result.cost, attempts: result.attempts };
 * ```
 */
export interface MetadataSource {
  generationId: string;
  provider: string;
  cost: CostBreakdown;
  attempts: AttemptRecord[];
  credentialType?: CredentialType;
}

/**
 * The `gateway` entry of `providerMetadata`. `marketCost` is the list price of what was used; `cost`
 * is what the account is charged: the same, or `'0'` when the caller brought its own key (BYOK).
 *
 * @example
 * ```ts
 * const gateway = gatewayMetadata(router, 'openai/gpt-4o', result);
 * // { generationId: 'gen_...', cost: '0.000125', marketCost: '0.000125', routing: { ... } }
 * ```
 */
export function gatewayMetadata(router: GatewayRouter, requestedModel: string, source: MetadataSource): JsonObject {
  const attempts = source.attempts;
  const first = attempts[0];
  const last = attempts[attempts.length - 1];
  const credentialType = source.credentialType ?? last?.credentialType ?? 'system';
  const marketCost = nanoToDollars(source.cost.total);
  const providerAttempts = attempts.map(attemptMetadata);
  const byModel = new Map<string, JsonObject[]>();
  attempts.forEach((attempt, index) => {
    const list = byModel.get(attempt.model) ?? [];
    list.push(providerAttempts[index]);
    byModel.set(attempt.model, list);
  });
  const modelAttempts: JsonValue[] = [...byModel].map(([modelId, list]) => ({
    modelId,
    canonicalSlug: modelId,
    success: list.some((attempt) => attempt.success === true),
    providerAttemptCount: list.length,
    providerAttempts: list,
  }));
  return {
    generationId: source.generationId,
    cost: credentialType === 'byok' ? '0' : marketCost,
    marketCost,
    routing: {
      originalModelId: requestedModel,
      resolvedProvider: first?.provider ?? source.provider,
      resolvedProviderApiModelId: first?.providerModelId ?? null,
      canonicalSlug: requestedModel,
      fallbacksAvailable: servingProviders(router, requestedModel).filter((provider) => provider !== (first?.provider ?? source.provider)),
      finalProvider: source.provider,
      attempts: providerAttempts,
      modelAttemptCount: byModel.size,
      modelAttempts,
      totalProviderAttemptCount: attempts.length,
    },
  };
}

function attemptMetadata(attempt: AttemptRecord): JsonObject {
  return {
    provider: attempt.provider,
    internalModelId: `${attempt.provider}:${attempt.providerModelId}`,
    providerApiModelId: attempt.providerModelId,
    credentialType: attempt.credentialType,
    success: attempt.outcome === 'success',
    startTime: attempt.startTime,
    endTime: attempt.endTime,
    statusCode: attempt.status ?? null,
    ...(attempt.code ? { errorCode: attempt.code } : {}),
    providerResponseId: attempt.providerResponseId ?? null,
  };
}
