/**
 * The gateway options of the current `@ai-sdk/gateway` client beyond routing order (`has`, `headquarters`,
 * `zeroDataRetention`, `disallowPromptTraining`, `maxPrice`, `providerTimeouts`), their validation, and the
 * per-request filter of offerings they make, with the context-window check every language request gets.
 * An option the gateway does not know is ignored with a warning on the result, never rejected.
 *
 * @module
 */
import { dollarsToNano } from '../billing/cost.js';
import type { Catalog, ProviderFacts } from '../catalog/catalog.js';
import { GatewayError } from '../core/errors.js';
import { estimatePromptTokens } from '../core/tokens.js';
import type { GatewayOptions, Warning } from '../core/types.js';
import type { ProviderType } from '../providers/provider.js';
import type { Candidate } from '../strategies/strategy.js';
import type { NormalizedRequest } from './router-types.js';

/**
 * The capability tags `providerOptions.gateway.has` takes (each may be negated with `!`), besides
 * `quantization:<format>` (`quantization:fp8`, `!quantization:fp8`).
 *
 * @example
 * ```ts
 * CAPABILITY_TAGS.includes('tool-use'); // true
 * ```
 */
export const CAPABILITY_TAGS = [
  'tool-use',
  'vision',
  'file-input',
  'reasoning',
  'structured-output',
  'implicit-caching',
] as const;

/**
 * The `providerOptions.gateway` keys switchyard reads; any other is ignored with a warning.
 *
 * @example
 * ```ts
 * KNOWN_GATEWAY_OPTIONS.has('order'); // true
 * ```
 */
export const KNOWN_GATEWAY_OPTIONS: ReadonlySet<string> = new Set([
  'order',
  'only',
  'models',
  'sort',
  'user',
  'tags',
  'caching',
  'byok',
  'cache',
  'guardrails',
  'hedge',
  'has',
  'headquarters',
  'zeroDataRetention',
  'disallowPromptTraining',
  'maxPrice',
  'providerTimeouts',
]);

/** Provider types whose vendors cache repeated prompt prefixes on their own (Claude on Vertex AI does not). */
const IMPLICIT_CACHING: ReadonlySet<ProviderType> = new Set<ProviderType>(['openai', 'xai', 'google', 'vertex']);
const COUNTRY = /^!?[A-Za-z]{2}$/;
const DECIMAL = /^\d+(\.\d{1,9})?$/;

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

/**
 * Validates the gateway options this module reads and returns a warning for each key switchyard does not
 * know (undefined when there is none). Throws `invalid_request` for a malformed option or an unknown
 * capability tag in `has` (as the hosted gateway does).
 *
 * @example
 * ```ts
 * checkGatewayOptions({ order: ['openai'], quotaEntityId: 'q1' });
 * // [{ type: 'unsupported', feature: 'providerOptions.gateway.quotaEntityId', details: '...' }]
 * ```
 */
export function checkGatewayOptions(gateway: GatewayOptions): Warning[] | undefined {
  let warnings: Warning[] | undefined;
  for (const key in gateway) {
    if (KNOWN_GATEWAY_OPTIONS.has(key) || gateway[key] === undefined) continue;
    (warnings ??= []).push({
      type: 'unsupported',
      feature: `providerOptions.gateway.${key}`,
      details: 'this gateway does not know this option; it was ignored',
    });
  }
  const path = 'providerOptions.gateway';
  if (gateway.has !== undefined && gateway.has !== null) {
    const has = gateway.has;
    if (!Array.isArray(has) || has.some((tag) => typeof tag !== 'string'))
      throw invalid(`${path}.has must be an array of capability tags`, `${path}.has`);
    for (const tag of has as string[]) {
      const bare = tag.startsWith('!') ? tag.slice(1) : tag;
      const known =
        (CAPABILITY_TAGS as readonly string[]).includes(bare) ||
        (bare.startsWith('quantization:') && bare.length > 'quantization:'.length);
      if (!known)
        throw invalid(
          `${path}.has: unknown capability tag '${tag}' (known: ${CAPABILITY_TAGS.join(', ')}, quantization:<format>, each may be negated with '!')`,
          `${path}.has`,
        );
    }
  }
  const headquarters = gateway.headquarters;
  if (headquarters !== undefined && headquarters !== null) {
    if (!Array.isArray(headquarters) || headquarters.some((item) => typeof item !== 'string' || !COUNTRY.test(item)))
      throw invalid(
        `${path}.headquarters must be an array of two-letter country codes, each may be negated with '!' (['US', 'DE'] or ['!US'])`,
        `${path}.headquarters`,
      );
  }
  for (const key of ['zeroDataRetention', 'disallowPromptTraining'] as const) {
    const value = gateway[key];
    if (value !== undefined && value !== null && typeof value !== 'boolean')
      throw invalid(`${path}.${key} must be true or false`, `${path}.${key}`);
  }
  const maxPrice = gateway.maxPrice;
  if (maxPrice !== undefined && maxPrice !== null) {
    const fields = maxPrice as Record<string, unknown>;
    const ok =
      typeof maxPrice === 'object' &&
      !Array.isArray(maxPrice) &&
      Object.keys(fields).every((key) => key === 'input' || key === 'output') &&
      (['input', 'output'] as const).every((key) => fields[key] === undefined || priceNano(fields[key]) !== undefined);
    if (!ok)
      throw invalid(
        `${path}.maxPrice must be { input?, output? }: USD per million tokens, as non-negative numbers or decimal strings`,
        `${path}.maxPrice`,
      );
  }
  const timeouts = gateway.providerTimeouts;
  if (timeouts !== undefined && timeouts !== null) {
    const byok = (timeouts as { byok?: unknown }).byok;
    const ok =
      typeof timeouts === 'object' &&
      (byok === undefined ||
        (typeof byok === 'object' &&
          byok !== null &&
          Object.values(byok).every((ms) => Number.isInteger(ms) && (ms as number) > 0)));
    if (!ok)
      throw invalid(
        `${path}.providerTimeouts must be { byok: { <provider>: milliseconds } } with positive integers`,
        `${path}.providerTimeouts`,
      );
  }
  return warnings;
}

/** A price in USD per million tokens (a number or a decimal string) in nano-dollars, or undefined when malformed. */
function priceNano(value: unknown): bigint | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > 1e9) return undefined;
    return dollarsToNano(value.toFixed(9));
  }
  if (typeof value === 'string' && DECIMAL.test(value)) return dollarsToNano(value);
  return undefined;
}

/**
 * The request's estimated input tokens (its prompt and tools), computed once per request: the context
 * check and every attempt's billing reservation share it.
 *
 * @example
 * ```ts
 * estimatedInputTokens(normalized); // 6
 * ```
 */
export function estimatedInputTokens(request: NormalizedRequest): number {
  // Kept beside the request, not on it: the request is not changed, and a middleware's changed copy (a redacted
  // prompt) gets its own estimate rather than a stale one.
  let tokens = INPUT_ESTIMATES.get(request);
  if (tokens === undefined) {
    tokens = estimatePromptTokens(request.prompt, request.tools);
    INPUT_ESTIMATES.set(request, tokens);
  }
  return tokens;
}

const INPUT_ESTIMATES = new WeakMap<NormalizedRequest, number>();

/**
 * The tokens a language request needs of an offering's context window: its estimated input plus its
 * output budget (`maxOutputTokens`, when set).
 *
 * @example
 * ```ts
 * contextNeeded(normalized); // 1_030 for a 30-token prompt with maxOutputTokens 1_000
 * ```
 */
export function contextNeeded(request: NormalizedRequest): number {
  return estimatedInputTokens(request) + (request.maxOutputTokens ?? 0);
}

/**
 * The offerings of one group (one model's) the request's options and size allow, with the reasons the
 * others were left out pushed onto `reasons` (and those too small for the request counted in `skipped`).
 * Returns `group` itself when nothing is left out.
 *
 * @example
 * ```ts
 * const allowed = filterOfferings(request, group, catalog, reasons);
 * ```
 */
export function filterOfferings(
  request: NormalizedRequest,
  group: Candidate[],
  catalog: Catalog,
  reasons: string[],
  skipped?: { context: number },
): Candidate[] {
  if (group.length === 0) return group;
  const gateway = request.providerOptions?.gateway;
  const language = request.prompt.length > 0;
  const options =
    gateway &&
    (gateway.has ??
      gateway.headquarters ??
      gateway.zeroDataRetention ??
      gateway.disallowPromptTraining ??
      gateway.maxPrice)
      ? gateway
      : undefined;
  let needed: number | undefined;
  let kept: Candidate[] | undefined;
  for (let index = 0; index < group.length; index += 1) {
    const candidate = group[index];
    let reason: string | undefined;
    const context = language ? candidate.offering.limits?.context : undefined;
    if (context !== undefined) {
      needed ??= contextNeeded(request);
      if (needed > context) {
        if (skipped) skipped.context += 1;
        reason = `${describe(candidate)} has a context window of ${context} tokens; the request needs about ${needed} (its estimated input plus maxOutputTokens)`;
      }
    }
    if (reason === undefined && options) reason = optionReason(options, candidate, catalog);
    if (reason === undefined) {
      kept?.push(candidate);
      continue;
    }
    reasons.push(reason);
    kept ??= group.slice(0, index);
  }
  return kept ?? group;
}

function describe(candidate: Candidate): string {
  return `${candidate.provider} (${candidate.providerModelId})`;
}

/** What the catalog says of an offering: its own field, else its instance's, else its provider type's. */
function fact<Key extends keyof ProviderFacts>(candidate: Candidate, catalog: Catalog, key: Key): ProviderFacts[Key] {
  const own = candidate.offering[key];
  if (own !== undefined) return own;
  const facts = catalog.providerFacts(candidate.provider) ?? catalog.providerFacts(candidate.offering.provider);
  return facts?.[key] ?? catalog.providerFacts(candidate.providerType)?.[key];
}

function optionReason(gateway: GatewayOptions, candidate: Candidate, catalog: Catalog): string | undefined {
  if (gateway.zeroDataRetention === true && fact(candidate, catalog, 'zeroDataRetention') !== true)
    return `providerOptions.gateway.zeroDataRetention: ${describe(candidate)} does not declare zero data retention`;
  if (gateway.disallowPromptTraining === true && fact(candidate, catalog, 'disallowPromptTraining') !== true)
    return `providerOptions.gateway.disallowPromptTraining: ${describe(candidate)} does not declare that it never trains on prompts`;
  const headquarters = gateway.headquarters as string[] | undefined | null;
  if (headquarters && headquarters.length > 0) {
    const country = fact(candidate, catalog, 'headquarters')?.toUpperCase();
    const allowed = headquarters.filter((code) => !code.startsWith('!')).map((code) => code.toUpperCase());
    const excluded = headquarters.filter((code) => code.startsWith('!')).map((code) => code.slice(1).toUpperCase());
    if (
      (allowed.length > 0 && (country === undefined || !allowed.includes(country))) ||
      (country !== undefined && excluded.includes(country))
    )
      return `providerOptions.gateway.headquarters is [${headquarters.join(', ')}]: ${describe(candidate)} is headquartered in ${country ?? 'an unrecorded country'}`;
  }
  const has = gateway.has as string[] | undefined | null;
  if (has) {
    for (const tag of has) {
      const negated = tag.startsWith('!');
      const bare = negated ? tag.slice(1) : tag;
      if (hasCapability(candidate, bare) === negated)
        return `providerOptions.gateway.has '${tag}': ${describe(candidate)} ${negated ? 'has' : 'does not have'} ${bare}`;
    }
  }
  const maxPrice = gateway.maxPrice as { input?: unknown; output?: unknown } | undefined | null;
  if (maxPrice) {
    const pricing = candidate.offering.pricing;
    for (const key of ['input', 'output'] as const) {
      const limit = maxPrice[key] === undefined ? undefined : priceNano(maxPrice[key]);
      if (limit !== undefined && dollarsToNano(pricing[key]) > limit)
        return `providerOptions.gateway.maxPrice.${key} is $${String(maxPrice[key])} per million tokens: ${describe(candidate)} costs $${pricing[key]}`;
    }
  }
  return undefined;
}

function hasCapability(candidate: Candidate, tag: string): boolean {
  const { capabilities } = candidate.offering;
  switch (tag) {
    case 'tool-use':
      return capabilities.tools === true;
    case 'vision':
    case 'file-input':
      return capabilities.images === true;
    case 'reasoning':
      return capabilities.reasoning === true;
    case 'structured-output':
      return capabilities.json === true;
    case 'implicit-caching':
      return (
        capabilities.implicitCaching ??
        (IMPLICIT_CACHING.has(candidate.providerType) && !candidate.offering.model.startsWith('anthropic/'))
      );
    default:
      // quantization:<format>
      return candidate.offering.quantization === tag.slice('quantization:'.length);
  }
}

/**
 * The attempt timeout `providerOptions.gateway.providerTimeouts.byok` sets for an attempt made with the
 * caller's own credentials, or undefined.
 *
 * @example
 * ```ts
 * byokTimeout(request, candidate); // 5_000 for { providerTimeouts: { byok: { openai: 5_000 } } }
 * ```
 */
export function byokTimeout(request: NormalizedRequest, candidate: Candidate): number | undefined {
  const byok = (request.providerOptions?.gateway?.providerTimeouts as { byok?: Record<string, number> } | undefined)
    ?.byok;
  return byok?.[candidate.provider] ?? byok?.[candidate.providerType];
}
