/**
 * Image generation and reranking through InvokeModel: Amazon Nova Canvas and Titan Image Generator
 * (`taskType: 'TEXT_IMAGE'`), Cohere Rerank and Amazon Rerank.
 *
 * @module
 */
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { GatewayError } from '../../core/errors.js';
import type { Warning } from '../../core/types.js';
import type { ProviderImageCall, ProviderImageResult, ProviderRerankCall, ProviderRerankResult } from '../provider.js';
import type { BedrockSdk } from './bedrock-client.js';
import { invokeJson } from './bedrock-embeddings.js';

/** Nova Canvas and Titan make up to five images per call. @example `n <= BEDROCK_MAX_IMAGES` */
export const BEDROCK_MAX_IMAGES = 5;

/** Options of `providerOptions.bedrock` that go into `textToImageParams` (the rest into `imageGenerationConfig`). */
const TEXT_PARAMS = new Set(['negativeText', 'style', 'conditionImage', 'controlMode', 'controlStrength']);

/**
 * Generates images with Nova Canvas or Titan Image Generator: `size` becomes `width` and `height` (default
 * 1024×1024), `seed` and `providerOptions.bedrock` (`quality: 'premium'`, `cfgScale`, `negativeText`, `style`)
 * pass through; `aspectRatio`, which the models do not take, comes back as an `unsupported` warning.
 *
 * @example
 * ```ts
 * const result = await generateBedrockImages(sdk, client, { modelId: 'amazon.nova-canvas-v1:0', prompt: 'A fox', n: 1, abortSignal }, {});
 * ```
 */
export async function generateBedrockImages(
  sdk: BedrockSdk,
  client: BedrockRuntimeClient,
  call: ProviderImageCall,
  options: Record<string, unknown>,
): Promise<ProviderImageResult> {
  if (!/(^|\.)amazon\.(nova-canvas|titan-image)/.test(call.modelId))
    throw new GatewayError(
      'invalid_request',
      `Bedrock image generation supports Nova Canvas and Titan Image, not ${call.modelId}`,
      {
        param: 'model',
      },
    );
  const warnings: Warning[] = [];
  if (call.aspectRatio !== undefined)
    warnings.push({ type: 'unsupported', feature: 'aspectRatio', details: 'Use size (such as "1280x720") instead' });
  const size = call.size ?? '1024x1024';
  const [width, height] = size.split('x').map(Number);
  const textToImageParams: Record<string, unknown> = { text: call.prompt };
  const imageGenerationConfig: Record<string, unknown> = { numberOfImages: call.n, width, height };
  if (call.seed !== undefined) imageGenerationConfig.seed = call.seed;
  for (const [key, value] of Object.entries(options)) {
    if (TEXT_PARAMS.has(key)) textToImageParams[key] = value;
    else imageGenerationConfig[key] = value;
  }
  const { body } = await invokeJson(sdk, client, call, {
    taskType: 'TEXT_IMAGE',
    textToImageParams,
    imageGenerationConfig,
  });
  if (typeof body.error === 'string' && body.error !== '')
    throw new GatewayError('provider_content_filter', `Bedrock refused the image: ${body.error}`);
  const images = Array.isArray(body.images) ? body.images : [];
  if (!images.every((image): image is string => typeof image === 'string' && image !== ''))
    throw new GatewayError('provider_bad_response', 'Bedrock returned an image that is not base64 text');
  const quality = typeof imageGenerationConfig.quality === 'string' ? imageGenerationConfig.quality : 'standard';
  return {
    images: images.map((base64) => ({ base64, mediaType: 'image/png' })),
    size,
    quality,
    warnings,
  };
}

/**
 * Reranks with Cohere Rerank (`cohere.rerank-v3-5:0`, `api_version: 2`) or Amazon Rerank (`amazon.rerank-v1:0`)
 * through InvokeModel: `{ query, documents, top_n }`, answered `{ results: [{ index, relevance_score }] }`.
 *
 * @example
 * ```ts
 * const result = await rerankWithBedrock(sdk, client, { modelId: 'cohere.rerank-v3-5:0', query: 'q', documents: ['a'], abortSignal }, {});
 * ```
 */
export async function rerankWithBedrock(
  sdk: BedrockSdk,
  client: BedrockRuntimeClient,
  call: ProviderRerankCall,
  options: Record<string, unknown>,
): Promise<ProviderRerankResult> {
  const cohere = /(^|\.)cohere\.rerank/.test(call.modelId);
  if (!cohere && !/(^|\.)amazon\.rerank/.test(call.modelId))
    throw new GatewayError(
      'invalid_request',
      `Bedrock reranking supports Cohere and Amazon Rerank, not ${call.modelId}`,
      {
        param: 'model',
      },
    );
  const request: Record<string, unknown> = { query: call.query, documents: call.documents, ...options };
  if (call.topN !== undefined) request.top_n = call.topN;
  if (cohere) request.api_version = 2;
  const { body } = await invokeJson(sdk, client, call, request);
  const results = Array.isArray(body.results) ? body.results : undefined;
  if (!results) throw new GatewayError('provider_bad_response', 'Bedrock returned a rerank answer without results');
  const ranking = results.map((entry: unknown) => {
    const { index, relevance_score: score } = (entry ?? {}) as { index?: unknown; relevance_score?: unknown };
    if (typeof index !== 'number' || typeof score !== 'number')
      throw new GatewayError('provider_bad_response', 'Bedrock returned a rerank result without index or score');
    return { index, relevanceScore: score };
  });
  // Bedrock bills a query of up to 100 documents as one and reports no count: its rule, applied.
  return { ranking, searchUnits: Math.max(1, Math.ceil(call.documents.length / 100)), warnings: [] };
}
