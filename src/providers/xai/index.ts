/**
 * The `xai` provider: xAI's Grok models through the official `openai` SDK pointed at xAI's
 * OpenAI-compatible API. It shares the OpenAI provider's code and differs only where xAI does.
 *
 * @module
 */
import { OpenAICompatibleProvider, type SamplingSetting } from '../openai/index.js';
import type { ProviderConfig, ProviderFactory } from '../provider.js';
import type { ReasoningEffort, Warning } from '../../types.js';

/**
 * xAI's API, as the `openai` SDK's base URL (the default when the config gives no `baseURL`).
 *
 * @example
 * ```ts
 * const provider = new XaiProvider('xai', { type: 'xai', apiKey: process.env.XAI_API_KEY, baseURL: XAI_BASE_URL });
 * ```
 */
export const XAI_BASE_URL = 'https://api.x.ai/v1';

/** Models that take `reasoning_effort` (`low` or `high`). */
const EFFORT_MODEL = /grok-3-mini/;
/** Reasoning models: they reject presence and frequency penalties and stop sequences. */
const REASONING_MODEL = /grok-3-mini|grok-4|grok-code/;
const NON_REASONING_MODEL = /non-reasoning/;
const REASONING_UNSUPPORTED: readonly SamplingSetting[] = ['presencePenalty', 'frequencyPenalty', 'stopSequences'];

/**
 * The xAI provider. Differences from OpenAI: the base URL and `XAI_API_KEY`; `reasoning_content` in
 * messages and deltas becomes reasoning parts; `reasoning_effort` is sent only to models that take
 * it, as `low` or `high` (other efforts are mapped with a warning); reasoning models get no
 * penalties and no stop sequences (dropped with warnings). No embeddings.
 *
 * @example
 * ```ts
 * const provider = new XaiProvider('xai', { type: 'xai', apiKey: process.env.XAI_API_KEY });
 * const result = await provider.generate({ modelId: 'grok-3-mini', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export class XaiProvider extends OpenAICompatibleProvider {
  constructor(name: string, config: ProviderConfig) {
    // organization/project null: the OpenAI SDK would otherwise send OPENAI_ORG_ID / OPENAI_PROJECT_ID to xAI.
    super(name, config, { type: 'xai', apiKeyVariable: 'XAI_API_KEY', clientDefaults: { baseURL: XAI_BASE_URL, organization: null, project: null } });
  }

  override reasoningEffort(effort: ReasoningEffort, modelId: string, warnings: Warning[]): string | undefined {
    if (effort === 'provider-default') return undefined;
    if (!EFFORT_MODEL.test(modelId)) {
      warnings.push({ type: 'unsupported', feature: 'reasoning', details: `${modelId} takes no reasoning effort` });
      return undefined;
    }
    if (effort === 'none') {
      warnings.push({ type: 'unsupported', feature: 'reasoning', details: `${modelId} always reasons; effort 'none' was not sent` });
      return undefined;
    }
    if (effort === 'low' || effort === 'high') return effort;
    const mapped = effort === 'minimal' ? 'low' : 'high';
    warnings.push({ type: 'compatibility', feature: 'reasoning', details: `xAI supports reasoning effort low or high; '${effort}' was sent as '${mapped}'` });
    return mapped;
  }

  override unsupportedSettings(modelId: string, reasoningEffort: string | undefined): ReadonlySet<SamplingSetting> {
    const unsupported = new Set(super.unsupportedSettings(modelId, reasoningEffort));
    if (REASONING_MODEL.test(modelId) && !NON_REASONING_MODEL.test(modelId)) for (const setting of REASONING_UNSUPPORTED) unsupported.add(setting);
    return unsupported;
  }

  override reasoningText(source: object): string | undefined {
    const reasoning = (source as { reasoning_content?: unknown }).reasoning_content;
    return typeof reasoning === 'string' && reasoning !== '' ? reasoning : undefined;
  }
}

/**
 * Builds an `xai` provider instance.
 *
 * @example
 * ```ts
 * const provider = await createXaiProvider('xai', { type: 'xai', apiKey: process.env.XAI_API_KEY });
 * ```
 */
export const createXaiProvider: ProviderFactory = async (name, config) => new XaiProvider(name, config);
