/**
 * Image generation through the `openai` SDK's `client.images.generate`, for OpenAI (gpt-image, DALL·E) and
 * xAI (grok-2-image, on its OpenAI-compatible API). Always answered as base64.
 *
 * @module
 */
import type { OpenAI } from 'openai';
import type { ImageGenerateParamsNonStreaming, ImagesResponse } from 'openai/resources/images';
import { GatewayError } from '../../core/errors.js';
import type { Warning } from '../../core/types.js';
import type { ProviderImageCall, ProviderImageResult, ProviderType } from '../provider.js';
import { passthroughOptions } from './openai-request.js';

/** How a vendor's images endpoint differs: which settings it takes, its defaults, its media type. */
interface ImageDialect {
  readonly type: ProviderType;
  readonly name: string;
}

const GPT_IMAGE = /^gpt-image/;

/**
 * The most images one call may ask of a model: DALL·E 3 makes one, the others up to ten.
 *
 * @example
 * ```ts
 * maxOpenAIImagesPerCall('dall-e-3'); // 1
 * ```
 */
export function maxOpenAIImagesPerCall(modelId: string): number {
  return /^dall-e-3/.test(modelId) ? 1 : 10;
}

/**
 * Generates images with `client.images.generate`: `size` passes through (OpenAI; xAI takes none), the
 * vendor's own settings (`quality`, `style`, `background`, `outputFormat`...) from `providerOptions.<type>`;
 * `aspectRatio` and `seed`, which neither API takes, come back as `unsupported` warnings.
 *
 * @example
 * ```ts
 * const result = await generateOpenAIImages(client, { modelId: 'dall-e-3', prompt: 'A fox', n: 1, abortSignal }, provider, options);
 * ```
 */
export async function generateOpenAIImages(
  client: OpenAI,
  call: ProviderImageCall,
  dialect: ImageDialect,
  options: { signal?: AbortSignal; maxRetries?: number; headers?: Record<string, string> },
): Promise<ProviderImageResult> {
  const warnings: Warning[] = [];
  const gptImage = GPT_IMAGE.test(call.modelId);
  const body: ImageGenerateParamsNonStreaming = { model: call.modelId, prompt: call.prompt, n: call.n };
  // gpt-image models always answer base64 and reject `response_format`.
  if (!gptImage) body.response_format = 'b64_json';
  if (call.size !== undefined) {
    if (dialect.type === 'xai')
      warnings.push({ type: 'unsupported', feature: 'size', details: 'xAI image models take no size' });
    else body.size = call.size as ImageGenerateParamsNonStreaming['size'];
  }
  if (call.aspectRatio !== undefined)
    warnings.push({ type: 'unsupported', feature: 'aspectRatio', details: 'Use size (such as "1024x1536") instead' });
  if (call.seed !== undefined) warnings.push({ type: 'unsupported', feature: 'seed' });
  Object.assign(body, passthroughOptions(call.providerOptions, dialect));
  const response: ImagesResponse = await client.images.generate(body, options);
  const format = response.output_format ?? (body.output_format as string | undefined);
  const mediaType = format ? `image/${format}` : dialect.type === 'xai' ? 'image/jpeg' : 'image/png';
  const images = (response.data ?? []).map((image) => {
    if (typeof image.b64_json !== 'string' || image.b64_json === '')
      throw new GatewayError('provider_bad_response', `${dialect.name} answered an image without b64_json`, {
        provider: dialect.name,
      });
    return { base64: image.b64_json, mediaType };
  });
  const usage = response.usage
    ? { inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens }
    : undefined;
  const quality = response.quality ?? (body.quality as string | undefined);
  const size = response.size ?? body.size ?? (dialect.type === 'xai' ? undefined : '1024x1024');
  return {
    images,
    ...(size ? { size } : {}),
    ...(quality ? { quality } : /^dall-e-3/.test(call.modelId) ? { quality: 'standard' } : {}),
    ...(usage ? { usage } : {}),
    warnings,
  };
}
