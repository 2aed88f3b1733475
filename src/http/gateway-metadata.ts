/**
 * `providerMetadata.gateway`, as Vercel's AI Gateway reports it: the generation id, cost and market
 * cost as exact decimal USD strings, and the routing (resolved and final provider, every attempt).
 *
 * @module
 */
import { nanoToDollars } from '../billing/cost.js';
import type { AttemptRecord, CostBreakdown, CredentialType } from '../core/events.js';
import type { JsonObject, JsonValue } from '../core/types.js';
import type { GatewayRouter } from './http-types.js';
import { servingProviders } from '../catalog/model-directory.js';

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
  // Plain loops, no callbacks or spreads: this runs on every response.
  const providerAttempts: JsonObject[] = [];
  const byModel = new Map<string, JsonObject[]>();
  for (const attempt of attempts) {
    const metadata = attemptMetadata(attempt);
    providerAttempts.push(metadata);
    const list = byModel.get(attempt.model);
    if (list) list.push(metadata);
    else byModel.set(attempt.model, [metadata]);
  }
  const modelAttempts: JsonValue[] = [];
  for (const [modelId, list] of byModel) {
    let success = false;
    for (const attempt of list) if (attempt.success === true) success = true;
    modelAttempts.push({
      modelId,
      canonicalSlug: modelId,
      success,
      providerAttemptCount: list.length,
      providerAttempts: list,
    });
  }
  const resolvedProvider = first?.provider ?? source.provider;
  const fallbacksAvailable: string[] = [];
  for (const provider of servingProviders(router, requestedModel))
    if (provider !== resolvedProvider) fallbacksAvailable.push(provider);
  return {
    generationId: source.generationId,
    cost: credentialType === 'byok' ? '0' : marketCost,
    marketCost,
    routing: {
      originalModelId: requestedModel,
      resolvedProvider,
      resolvedProviderApiModelId: first?.providerModelId ?? null,
      canonicalSlug: requestedModel,
      fallbacksAvailable,
      finalProvider: source.provider,
      attempts: providerAttempts,
      modelAttemptCount: byModel.size,
      modelAttempts,
      totalProviderAttemptCount: attempts.length,
    },
  };
}

function attemptMetadata(attempt: AttemptRecord): JsonObject {
  const metadata: JsonObject = {
    provider: attempt.provider,
    internalModelId: `${attempt.provider}:${attempt.providerModelId}`,
    providerApiModelId: attempt.providerModelId,
    credentialType: attempt.credentialType,
    success: attempt.outcome === 'success',
    startTime: attempt.startTime,
    endTime: attempt.endTime,
    statusCode: attempt.status ?? null,
    providerResponseId: attempt.providerResponseId ?? null,
  };
  if (attempt.code) metadata.errorCode = attempt.code;
  return metadata;
}
