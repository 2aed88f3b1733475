/**
 * The model catalog: model ids (`creator/model`) and their offerings (provider + provider model id +
 * price + limits + capabilities), built in and overridable from config.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import type { ProviderType } from '../providers/provider.js';
import { BUILT_IN_MODELS, BUILT_IN_PROVIDER_FACTS } from './built-in-models.js';

/**
 * List prices in USD per million tokens, as exact decimal strings (`'2.50'`). Never floats.
 *
 * @example
 * ```ts
 * const pricing: Pricing = { input: '3', output: '15', cacheRead: '0.30', cacheWrite: '3.75', cacheWriteOneHour: '6' };
 * ```
 */
export interface Pricing {
  input: string;
  output: string;
  cacheRead?: string;
  /** Cache writes (for Anthropic, writes with the default 5-minute lifetime). */
  cacheWrite?: string;
  /**
   * Cache writes with a 1-hour lifetime (Anthropic's `cache_control: { type: 'ephemeral', ttl: '1h' }`,
   * Bedrock's `cachePoint` with `ttl: '1h'`), which Anthropic prices at 2× the input price. When absent,
   * they are priced as {@link Pricing.cacheWrite}.
   */
  cacheWriteOneHour?: string;
  /**
   * Image models: USD per generated image, by `quality/size` (`'hd/1024x1792'`), `size` (`'1024x1792'`),
   * `quality` (`'hd'`) or `default`, looked up in that order. A vendor that bills image tokens
   * (gpt-image-1) lists none and is priced by `input` and `output`.
   */
  image?: Record<string, string>;
  /** Reranking models: USD per search unit (one query with up to 100 documents). */
  searchUnit?: string;
}

/** What an offering can do. @example `{ tools: true, images: true, json: true, reasoning: false }` */
export interface Capabilities {
  tools?: boolean;
  images?: boolean;
  json?: boolean;
  reasoning?: boolean;
  /** An embedding model (embed only, no text generation). */
  embeddings?: boolean;
  /**
   * The vendor caches repeated prompt prefixes on its own (`has: ['implicit-caching']`); when absent, told
   * from the provider type (OpenAI, xAI, Gemini do; Claude does not).
   */
  implicitCaching?: boolean;
  /** An image model (`generateImage` only). */
  imageGeneration?: boolean;
  /** A reranking model (`rerank` only). */
  reranking?: boolean;
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
  /** The country of the company serving this offering (ISO 3166-1 alpha-2), when it differs from its provider's. */
  headquarters?: string;
  /** The offering keeps no prompt or answer once it answered (zero data retention), by contract. */
  zeroDataRetention?: boolean;
  /** The offering's provider does not train on prompts or answers, by contract. */
  disallowPromptTraining?: boolean;
  /** How the served weights are quantized (`'fp8'`), when they are; absent: the vendor's own, unquantized. */
  quantization?: string;
}

/**
 * What the catalog records of a provider (a type such as `mistral`, or a configured instance name such
 * as `openai-eu`): the country it is headquartered in, and the data policies its offerings share. An
 * offering's own fields win over its provider's.
 *
 * @example
 * ```ts
 * const facts: ProviderFacts = { headquarters: 'FR', zeroDataRetention: true, disallowPromptTraining: true };
 * ```
 */
export interface ProviderFacts {
  /** ISO 3166-1 alpha-2 country code of the provider's headquarters (`'US'`, `'FR'`). */
  headquarters?: string;
  zeroDataRetention?: boolean;
  disallowPromptTraining?: boolean;
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
  /** When the vendor released the model (`'2025-09-29'`), for model listings (`created`). */
  released?: string;
  /** What the model does; `image` and `reranking` as in the `@ai-sdk/gateway` `/config` listing. */
  type?: 'language' | 'embedding' | 'image' | 'reranking';
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
  /**
   * Facts about providers by type or instance name, merged over the built-in ones (which record each
   * vendor's headquarters and declare no data policy): `{ "openai-eu": { "zeroDataRetention": true } }`.
   */
  providers?: Record<string, ProviderFacts>;
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
  private readonly facts = new Map<string, ProviderFacts>();
  private revision = 0;

  constructor(config: CatalogConfig = {}) {
    if (!config.replaceBuiltIn) for (const model of BUILT_IN_MODELS) this.add(model);
    for (const model of config.models ?? []) this.add(model);
    for (const [provider, facts] of Object.entries(BUILT_IN_PROVIDER_FACTS)) this.facts.set(provider, facts);
    for (const [provider, facts] of Object.entries(config.providers ?? {}))
      this.facts.set(provider, { ...this.facts.get(provider), ...facts });
  }

  /**
   * What the catalog records of a provider type or instance name, or undefined.
   *
   * @example
   * ```ts
   * new Catalog().providerFacts('mistral')?.headquarters; // 'FR'
   * ```
   */
  providerFacts(provider: string): ProviderFacts | undefined {
    return this.facts.get(provider);
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
    const offerings = existing.offerings.filter(
      (offering) => !model.offerings.some((added) => added.provider === offering.provider),
    );
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

  /**
   * The catalog id a model name stands for, or undefined. Besides a catalog id itself it takes the
   * names users type: a dated snapshot (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) names the
   * catalog's model when the catalog has the base; `-latest` names the model; the vendor's dashed
   * version (`claude-sonnet-4-5`, `claude-3-5-haiku`) the dotted catalog one (`claude-sonnet-4.5`);
   * an offering's provider model id (`mistral-large-latest`) its model; and an id without a creator
   * (`claude-opus-4-1`) the one model of any creator it names, when exactly one matches. An alias is
   * served by the catalog model's offerings (to pin an exact snapshot, use a raw `provider:model` id).
   *
   * @example
   * ```ts
   * new Catalog().canonicalId('claude-3-5-haiku-latest'); // 'anthropic/claude-3.5-haiku'
   * ```
   */
  canonicalId(id: string): string | undefined {
    if (this.models.has(id)) return id;
    if (typeof id !== 'string' || id === '' || parseRawModelId(id)) return undefined;
    const slash = id.indexOf('/');
    const creator = slash >= 0 ? id.slice(0, slash) : undefined;
    const name = slash >= 0 ? id.slice(slash + 1) : id;
    for (const variant of nameVariants(name)) {
      if (creator !== undefined) {
        if (this.models.has(`${creator}/${variant}`)) return `${creator}/${variant}`;
        continue;
      }
      const matches = this.list().filter((model) => model.id.slice(model.id.indexOf('/') + 1) === variant);
      if (matches.length === 1) return matches[0].id;
    }
    const byOffering = this.list().filter(
      (model) =>
        (creator === undefined || model.id.startsWith(`${creator}/`)) &&
        model.offerings.some((offering) => offering.providerModelId === name),
    );
    return byOffering.length === 1 ? byOffering[0].id : undefined;
  }

  /**
   * The catalog ids nearest by name to an id that is not in the catalog (for "did you mean"): of the
   * same creator when the catalog has it, best first.
   *
   * @example
   * ```ts
   * new Catalog().suggest('anthropic/claude-sonet-4'); // ['anthropic/claude-sonnet-4', ...]
   * ```
   */
  suggest(id: string, limit = 3): string[] {
    const slash = id.indexOf('/');
    const creator = slash >= 0 ? id.slice(0, slash) : undefined;
    const name = nameVariants(slash >= 0 ? id.slice(slash + 1) : id).at(-1) ?? id;
    const all = this.list();
    const sameCreator = creator === undefined ? [] : all.filter((model) => model.id.startsWith(`${creator}/`));
    const pool = sameCreator.length > 0 ? sameCreator : all;
    const scored = pool.map((model) => ({
      id: model.id,
      distance: editDistance(name.toLowerCase(), model.id.slice(model.id.indexOf('/') + 1).toLowerCase()),
    }));
    scored.sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id));
    // Within another creator's models, only a close name is a useful suggestion.
    const limitDistance = sameCreator.length > 0 ? Infinity : Math.max(3, Math.floor(name.length / 3));
    return scored
      .filter((item) => item.distance <= limitDistance)
      .slice(0, limit)
      .map((item) => item.id);
  }

  /** Every model. */
  list(): ModelDefinition[] {
    return [...this.models.values()];
  }

  /**
   * The offerings of a model id, each with the model's capabilities merged in (computed once, then shared: do not
   * modify). Throws `model_not_found`.
   */
  resolve(id: string): ResolvedOffering[] {
    const cached = this.resolved.get(id);
    if (cached) return cached;
    const canonical = this.canonicalId(id);
    const model = canonical === undefined ? undefined : this.models.get(canonical);
    if (!model) {
      const suggestions = typeof id === 'string' ? this.suggest(id) : [];
      const hint =
        suggestions.length > 0
          ? `Did you mean ${suggestions.map((suggestion) => `'${suggestion}'`).join(' or ')}?`
          : "Use a catalog id such as 'openai/gpt-4o', or a raw 'provider:model' id.";
      throw new GatewayError('model_not_found', `Model '${id}' is not in the catalog. ${hint}`, {
        param: 'model',
        details: { modelId: id, ...(suggestions.length > 0 ? { suggestions } : {}) },
      });
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
const DATED = /-(\d{8}|\d{4}-\d{2}-\d{2})$/;
const DASHED_VERSION = /(^|\D)(\d)-(\d)(?=\D|$)/g;

/**
 * The names an id may stand for, most literal first: as given, without `-latest`, without a date, with dotted versions.
 */
function nameVariants(name: string): string[] {
  const variants = [name];
  const add = (variant: string): void => {
    if (variant !== '' && !variants.includes(variant)) variants.push(variant);
  };
  const undated = name.replace(/-latest$/, '').replace(DATED, '');
  add(name.replace(/-latest$/, ''));
  add(undated);
  add(undated.replace(DASHED_VERSION, '$1$2.$3'));
  return variants;
}

/** Levenshtein distance, for "did you mean" (ids are short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

function validateModel(model: ModelDefinition): void {
  if (typeof model.id !== 'string' || !model.id.includes('/'))
    throw new GatewayError('config_invalid', `Model id '${String(model.id)}' must look like 'creator/model'`);
  if (!Array.isArray(model.offerings))
    throw new GatewayError('config_invalid', `Model '${model.id}' needs an offerings array`);
  for (const offering of model.offerings) {
    const { image, ...perToken } = offering.pricing ?? ({} as Pricing);
    if (image !== undefined && (typeof image !== 'object' || image === null))
      throw new GatewayError(
        'config_invalid',
        `Model '${model.id}' offering '${offering.provider}': price 'image' must be an object`,
      );
    const prices = [
      ...Object.entries(perToken),
      ...Object.entries(image ?? {}).map(([key, value]) => [`image.${key}`, value]),
    ];
    for (const [field, value] of prices) {
      if (value !== undefined && (typeof value !== 'string' || !DECIMAL.test(value))) {
        throw new GatewayError(
          'config_invalid',
          `Model '${model.id}' offering '${offering.provider}': price '${field}' must be a decimal string in USD per million tokens, such as '2.50'`,
        );
      }
    }
    if (!offering.pricing || offering.pricing.input === undefined || offering.pricing.output === undefined) {
      throw new GatewayError(
        'config_invalid',
        `Model '${model.id}' offering '${offering.provider}' needs pricing.input and pricing.output`,
      );
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
