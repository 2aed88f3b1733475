/**
 * The `xai` provider: xAI's Grok models through the official `openai` SDK pointed at xAI's
 * OpenAI-compatible API. It shares the OpenAI provider's code and differs only where xAI does.
 *
 * @module
 */
import type { CompletionUsage } from 'openai/resources/completions';
import { OpenAICompatibleProvider, type SamplingSetting } from '../openai/index.js';
import { mapUsage } from '../openai/openai-response.js';
import { generateOpenAIImages } from '../openai/openai-images.js';
import type { ProviderConfig, ProviderFactory, ProviderImageCall, ProviderImageResult } from '../provider.js';
import type { ReasoningEffort, Usage, Warning } from '../../core/types.js';

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
 * penalties and no stop sequences (dropped with warnings); `completion_tokens` leaves out
 * `reasoning_tokens` (`total_tokens` = prompt + completion + reasoning), so the output is their
 * sum (see {@link xaiUsage}). No embeddings.
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
    super(name, config, {
      type: 'xai',
      apiKeyVariable: 'XAI_API_KEY',
      clientDefaults: { baseURL: XAI_BASE_URL, organization: null, project: null },
    });
  }

  override reasoningEffort(effort: ReasoningEffort, modelId: string, warnings: Warning[]): string | undefined {
    if (effort === 'provider-default') return undefined;
    if (!EFFORT_MODEL.test(modelId)) {
      warnings.push({ type: 'unsupported', feature: 'reasoning', details: `${modelId} takes no reasoning effort` });
      return undefined;
    }
    if (effort === 'none') {
      warnings.push({
        type: 'unsupported',
        feature: 'reasoning',
        details: `${modelId} always reasons; effort 'none' was not sent`,
      });
      return undefined;
    }
    if (effort === 'low' || effort === 'high') return effort;
    const mapped = effort === 'minimal' ? 'low' : 'high';
    warnings.push({
      type: 'compatibility',
      feature: 'reasoning',
      details: `xAI supports reasoning effort low or high; '${effort}' was sent as '${mapped}'`,
    });
    return mapped;
  }

  override unsupportedSettings(modelId: string, reasoningEffort: string | undefined): ReadonlySet<SamplingSetting> {
    const unsupported = new Set(super.unsupportedSettings(modelId, reasoningEffort));
    if (REASONING_MODEL.test(modelId) && !NON_REASONING_MODEL.test(modelId))
      for (const setting of REASONING_UNSUPPORTED) unsupported.add(setting);
    return unsupported;
  }

  /** The canonical usage of a response or of a stream's usage chunk: {@link xaiUsage}. */
  usage(usage: CompletionUsage | null | undefined): Usage {
    return xaiUsage(usage);
  }

  override reasoningText(source: object): string | undefined {
    const reasoning = (source as { reasoning_content?: unknown }).reasoning_content;
    return typeof reasoning === 'string' && reasoning !== '' ? reasoning : undefined;
  }

  /** Generates images (grok-2-image) with the SDK's `client.images.generate` on xAI's API, as base64 JPEG. */
  async generateImage(call: ProviderImageCall): Promise<ProviderImageResult> {
    try {
      const client = await this.clientFor(call);
      return await generateOpenAIImages(client, call, this, this.requestOptions(client, call));
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  /** xAI makes up to ten images per call. */
  maxImagesPerCall(): number {
    return 10;
  }
}

/**
 * xAI's usage as canonical usage. xAI's `completion_tokens` excludes the reasoning tokens (its
 * `total_tokens` is prompt + completion + reasoning, and its `cost_in_usd_ticks` bills the reasoning
 * as output), so the output total adds them. A response whose total already holds the reasoning in
 * the completion (OpenAI's meaning) is read as OpenAI's. Cached tokens are part of `prompt_tokens`.
 *
 * @example
 * ```ts
 * xaiUsage({ prompt_tokens: 32, completion_tokens: 12, total_tokens: 344, completion_tokens_details: { reasoning_tokens: 300 } }).outputTokens;
 * // { total: 312, text: 12, reasoning: 300 }
 * ```
 */
export function xaiUsage(usage: CompletionUsage | null | undefined): Usage {
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
  if (!usage || reasoning <= 0) return mapUsage(usage);
  const reasoningInCompletion =
    usage.total_tokens === usage.prompt_tokens + usage.completion_tokens && usage.completion_tokens >= reasoning;
  if (reasoningInCompletion) return mapUsage(usage);
  return mapUsage({ ...usage, completion_tokens: usage.completion_tokens + reasoning });
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
