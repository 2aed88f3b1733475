/**
 * The model catalog: model ids (`creator/model`) and their offerings (provider + provider model id +
 * price + limits + capabilities), built in and overridable from config.
 *
 * @module
 */
import { GatewayError } from '../errors.js';
import type { ProviderType } from '../providers/provider.js';
import { BUILT_IN_MODELS } from './built-in-models.js';

/**
 * List prices in USD per million tokens, as exact decimal strings (`'2.50'`). Never floats.
 *
 * @example
 * ```ts
 * const pricing: Pricing = { input: '3', output: '15', cacheRead: '0.30', cacheWrite: '3.75' };
 * ```
 */
export interface Pricing {
  input: string;
  output: string;
  cacheRead?: string;
  cacheWrite?: string;
}

/** What an offering can do. @example `{ tools: true, images: true, json: true, reasoning: false }` */
export interface Capabilities {
  tools?: boolean;
  images?: boolean;
  json?: boolean;
  reasoning?: boolean;
  /** An embedding model (embed only, no text generation). */
  embeddings?: boolean;
}

/** Token limits. @example `{ context: 200_000, output: 64_000 }` */
export interface Limits {
  context?: number;
  output?: number;
}

/**
 * One way to serve a model: a provider (type, or a configured instance name) and its model id.
 *
 * @example
 * ```ts
 * const offering: Offering = { provider: 'bedrock', providerModelId: 'anthropic.claude-sonnet-4-20250514-v1:0', pricing: { input: '3', output: '15' } };
 * ```
 */
export interface Offering {
  /** A provider type (`anthropic`) or a configured instance name (`openai-eu`). */
  provider: string;
  providerModelId: string;
  pricing: Pricing;
  limits?: Limits;
  capabilities?: Capabilities;
}

/**
 * A model and its offerings.
 *
 * @example
 * ```ts
 * const model: ModelDefinition = { id: 'acme/small', name: 'Acme Small', offerings: [{ provider: 'openai', providerModelId: 'acme-small', pricing: { input: '0.1', output: '0.2' } }] };
 * ```
 */
export interface ModelDefinition {
  id: string;
  name?: string;
  description?: string;
  type?: 'language' | 'embedding';
  capabilities?: Capabilities;
  limits?: Limits;
  offerings: Offering[];
}

/**
 * Catalog configuration: extra models, and offerings to add or override (matched by provider) on
 * built-in models.
 *
 * @example
 * ```ts
 * const catalog: CatalogConfig = { models: [{ id: 'openai/gpt-4o', offerings: [{ provider: 'openai-eu', providerModelId: 'gpt-4o', pricing: { input: '2.5', output: '10' } }] }] };
 * ```
 */
export interface CatalogConfig {
  /** Models to add; a model whose id exists has its offerings merged in (same provider replaces). */
  models?: ModelDefinition[];
  /** Start from an empty catalog instead of the built-in one. */
  replaceBuiltIn?: boolean;
}

/** An offering resolved for a request, with the model it belongs to. */
export interface ResolvedOffering extends Offering {
  model: string;
  capabilities: Capabilities;
}

/**
 * The model catalog.
 *
 * @example
 * ```ts
 * const catalog = new Catalog();
 * catalog.resolve('anthropic/claude-sonnet-4').map((offering) => offering.provider); // ['anthropic', 'bedrock', 'vertex']
 * ```
 */
export class Catalog {
  private readonly models = new Map<string, ModelDefinition>();
  private readonly resolved = new Map<string, ResolvedOffering[]>();
  private revision = 0;

  constructor(config: CatalogConfig = {}) {
    if (!config.replaceBuiltIn) for (const model of BUILT_IN_MODELS) this.add(model);
    for (const model of config.models ?? []) this.add(model);
  }

  /** Adds a model, or merges offerings into an existing one (an offering of the same provider is replaced). */
  add(model: ModelDefinition): void {
    validateModel(model);
    this.resolved.clear();
    this.revision += 1;
    const existing = this.models.get(model.id);
    if (!existing) {
      this.models.set(model.id, { ...model, offerings: [...model.offerings] });
      return;
    }
    const offerings = existing.offerings.filter((offering) => !model.offerings.some((added) => added.provider === offering.provider));
    this.models.set(model.id, {
      ...existing,
      ...model,
      capabilities: { ...existing.capabilities, ...model.capabilities },
      limits: { ...existing.limits, ...model.limits },
      offerings: [...offerings, ...model.offerings],
    });
  }

  /** Changes whenever a model is added or changed (lets users of the catalog cache what they derive). */
  get version(): number {
    return this.revision;
  }

  /** A model by id, or undefined. */
  get(id: string): ModelDefinition | undefined {
    return this.models.get(id);
  }

  /** Every model. */
  list(): ModelDefinition[] {
    return [...this.models.values()];
  }

  /** The offerings of a model id, each with the model's capabilities merged in (computed once, then shared: do not modify). Throws `model_not_found`. */
  resolve(id: string): ResolvedOffering[] {
    const cached = this.resolved.get(id);
    if (cached) return cached;
    const model = this.models.get(id);
    if (!model) {
      throw new GatewayError('model_not_found', `Model '${id}' is not in the catalog. Use a catalog id such as 'openai/gpt-4o', or a raw 'provider:model' id.`, { param: 'model', details: { modelId: id } });
    }
    const offerings = model.offerings.map((offering) => ({
      ...offering,
      model: model.id,
      limits: { ...model.limits, ...offering.limits },
      capabilities: { ...model.capabilities, ...offering.capabilities },
    }));
    this.resolved.set(id, offerings);
    return offerings;
  }
}

const DECIMAL = /^\d+(\.\d+)?$/;

function validateModel(model: ModelDefinition): void {
  if (typeof model.id !== 'string' || !model.id.includes('/')) throw new GatewayError('config_invalid', `Model id '${String(model.id)}' must look like 'creator/model'`);
  if (!Array.isArray(model.offerings)) throw new GatewayError('config_invalid', `Model '${model.id}' needs an offerings array`);
  for (const offering of model.offerings) {
    for (const [field, value] of Object.entries(offering.pricing ?? {})) {
      if (value !== undefined && (typeof value !== 'string' || !DECIMAL.test(value))) {
        throw new GatewayError('config_invalid', `Model '${model.id}' offering '${offering.provider}': price '${field}' must be a decimal string in USD per million tokens, such as '2.50'`);
      }
    }
    if (!offering.pricing || offering.pricing.input === undefined || offering.pricing.output === undefined) {
      throw new GatewayError('config_invalid', `Model '${model.id}' offering '${offering.provider}' needs pricing.input and pricing.output`);
    }
  }
}

/**
 * Splits a raw `provider:model` id (which bypasses the catalog), or returns undefined for a catalog id.
 *
 * @example
 * ```ts
 * parseRawModelId('openai:gpt-4o-2024-08-06'); // { provider: 'openai', providerModelId: 'gpt-4o-2024-08-06' }
 * ```
 */
export function parseRawModelId(id: string): { provider: string; providerModelId: string } | undefined {
  const colon = id.indexOf(':');
  const slash = id.indexOf('/');
  if (colon <= 0 || (slash >= 0 && slash < colon)) return undefined;
  return { provider: id.slice(0, colon), providerModelId: id.slice(colon + 1) };
}

/** The provider types a catalog offering's `provider` may name. */
export type CatalogProvider = ProviderType;
