/**
 * The `openai` provider: OpenAI's Chat Completions and Embeddings APIs through the official `openai` SDK.
 *
 * @module
 */
import type {
  ProviderConfig,
  ProviderEmbedCall,
  ProviderEmbedResult,
  ProviderFactory,
  ProviderImageCall,
  ProviderImageResult,
} from '../provider.js';
import type { ReasoningEffort, Warning } from '../../core/types.js';
import { OpenAICompatibleProvider } from './openai-compatible-provider.js';
import { generateOpenAIImages, maxOpenAIImagesPerCall } from './openai-images.js';
import { passthroughOptions, type SamplingSetting } from './openai-request.js';

export { OpenAICompatibleProvider, type OpenAICompatibleSettings } from './openai-compatible-provider.js';
export {
  buildChatRequest,
  passthroughOptions,
  type ChatRequest,
  type OpenAIChatDialect,
  type SamplingSetting,
} from './openai-request.js';
export { mapCompletion, mapFinishReason, mapUsage } from './openai-response.js';
export { mapChatStream, type ChatStreamContext } from './openai-stream.js';

/** Models that take no `reasoning_effort` (the pre-reasoning families and the chat snapshots of gpt-5). */
const NON_REASONING_MODEL = /^(gpt-4|gpt-3\.5|chatgpt-|gpt-5(\.\d+)?-chat)/;
/** Reasoning models that reject sampling settings unless their reasoning is off. */
const SAMPLING_FREE_MODEL = /^(o\d|gpt-5)(?!.*-chat)/;
const SAMPLING_SETTINGS: readonly SamplingSetting[] = ['temperature', 'topP', 'presencePenalty', 'frequencyPenalty'];

/**
 * The OpenAI provider. Reasoning effort maps to `reasoning_effort` (dropped with a warning for models
 * that do not reason), `maxOutputTokens` to `max_completion_tokens`; reasoning models (o-series,
 * gpt-5) get no temperature, top-p or penalties unless their reasoning is off.
 *
 * @example
 * ```ts
 * const provider = new OpenAIProvider('openai', { type: 'openai', apiKey: process.env.OPENAI_API_KEY });
 * const result = await provider.generate({ modelId: 'gpt-4o-mini', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export class OpenAIProvider extends OpenAICompatibleProvider {
  /** OpenAI accepts up to 2048 inputs per embeddings request. */
  readonly maxEmbeddingsPerCall = 2048;
  /** OpenAI's field for the end user (`user` is deprecated in its favour). */
  readonly endUserField = 'safety_identifier';

  constructor(name: string, config: ProviderConfig) {
    super(name, config, { type: 'openai', apiKeyVariable: 'OPENAI_API_KEY' });
  }

  override reasoningEffort(effort: ReasoningEffort, modelId: string, warnings: Warning[]): string | undefined {
    if (effort === 'provider-default') return undefined;
    if (NON_REASONING_MODEL.test(modelId)) {
      warnings.push({ type: 'unsupported', feature: 'reasoning', details: `${modelId} is not a reasoning model` });
      return undefined;
    }
    return effort;
  }

  override unsupportedSettings(modelId: string, reasoningEffort: string | undefined): ReadonlySet<SamplingSetting> {
    const inherited = super.unsupportedSettings(modelId, reasoningEffort);
    if (!SAMPLING_FREE_MODEL.test(modelId) || reasoningEffort === 'none') return inherited;
    return new Set([...inherited, ...SAMPLING_SETTINGS]);
  }

  /** Embeds values with `client.embeddings.create` (the SDK asks for base64 and decodes it). */
  async embed(call: ProviderEmbedCall): Promise<ProviderEmbedResult> {
    try {
      const client = await this.clientFor(call);
      const response = await client.embeddings.create(
        {
          model: call.modelId,
          input: call.values,
          ...(call.dimensions === undefined ? {} : { dimensions: call.dimensions }),
          ...passthroughOptions(call.providerOptions, this),
        },
        this.requestOptions(client, call),
      );
      const data = [...response.data].sort((a, b) => a.index - b.index);
      return {
        embeddings: data.map((item) => item.embedding),
        usage: { tokens: response.usage?.prompt_tokens },
        warnings: [],
      };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  /** Generates images with `client.images.generate` (gpt-image, DALL·E), as base64. */
  async generateImage(call: ProviderImageCall): Promise<ProviderImageResult> {
    try {
      const client = await this.clientFor(call);
      return await generateOpenAIImages(client, call, this, this.requestOptions(client, call));
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  /** DALL·E 3 makes one image per call, the others up to ten. */
  maxImagesPerCall(modelId: string): number {
    return maxOpenAIImagesPerCall(modelId);
  }
}

/**
 * Builds an `openai` provider instance.
 *
 * @example
 * ```ts
 * const provider = await createOpenAIProvider('openai', { type: 'openai', apiKey: process.env.OPENAI_API_KEY });
 * ```
 */
export const createOpenAIProvider: ProviderFactory = async (name, config) => new OpenAIProvider(name, config);
