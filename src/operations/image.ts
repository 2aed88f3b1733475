/**
 * The image operation: `router.generateImage()`. The images of one request go to the same offering, within
 * one attempt, in as many calls as the vendor's limit of images per call needs. Priced per image (by size and
 * quality) where the catalog lists `pricing.image`, else by the vendor's token counts (gpt-image-1).
 *
 * @module
 */
import type { TransportAbort } from '../core/abort-handle.js';
import type { Catalog } from '../catalog/catalog.js';
import { imagePrice, type BillableUnits } from '../billing/cost.js';
import { GatewayError } from '../core/errors.js';
import type { CostBreakdown } from '../core/events.js';
import { estimateTextTokens } from '../core/tokens.js';
import type { Message } from '../core/types.js';
import type { Provider, ProviderImageResult } from '../providers/provider.js';
import type { GeneratedImage, ImageResult } from '../router/router-types.js';
import type { Attempt, AttemptAbort } from '../router/attempts.js';
import type { PipelineRun } from '../router/request-run.js';
import type { Metered } from '../router/usage-metering.js';
import type { Candidate } from '../strategies/strategy.js';
import type { Eligibility, Operation } from './operation.js';

/** The most output tokens one token-billed image may take (gpt-image-1, high quality, 1536×1024). */
const MAX_TOKENS_PER_IMAGE = 6_240;

/**
 * What an image attempt returned: the images of every call, the tokens when the vendor counted them all, and
 * the price each image is billed at.
 *
 * @example
 * ```ts
 * const imaged: Imaged = { images: [], usage: undefined, imagePrice: '0.04', warnings: [] };
 * ```
 */
export interface Imaged {
  images: GeneratedImage[];
  usage: { inputTokens: number; outputTokens: number } | undefined;
  /** The price of each image (undefined: the offering bills tokens only). */
  imagePrice: string | undefined;
  warnings: ProviderImageResult['warnings'];
  providerMetadata: ProviderImageResult['providerMetadata'];
}

/**
 * Whether a catalog offering serves an operation of its own kind (`image`, `reranking`): by its capability
 * flag or its model's type; an offering the catalog does not know (a raw `provider:model` id) may serve any.
 *
 * @example
 * ```ts
 * servesKind(candidate, catalog, 'image'); // true for openai/gpt-image-1
 * ```
 */
export function servesKind(candidate: Candidate, catalog: Catalog, kind: 'image' | 'reranking'): boolean {
  const capabilities = candidate.offering.capabilities;
  if (kind === 'image' ? capabilities.imageGeneration : capabilities.reranking) return true;
  const type = catalog.get(candidate.model)?.type;
  if (type !== undefined) return type === kind;
  return !capabilities.embeddings && !capabilities.imageGeneration && !capabilities.reranking;
}

const IMAGE_MODELS: Eligibility = {
  key: 'image',
  ineligible(candidate: Candidate, catalog: Catalog): string | undefined {
    return servesKind(candidate, catalog, 'image') ? undefined : `${candidate.model} is not an image model`;
  },
};

/**
 * The prompt of an image run: the text of its one user message (a guardrail may have replaced it).
 *
 * @example
 * ```ts
 * promptOf(run.request.prompt); // 'A lighthouse at dusk'
 * ```
 */
export function promptOf(prompt: readonly Message[]): string {
  let text = '';
  for (const message of prompt) {
    if (message.role !== 'user') continue;
    for (const part of message.content) if (part.type === 'text') text += part.text;
  }
  return text;
}

function mostExpensiveImage(candidate: Candidate): string | undefined {
  const table = candidate.offering.pricing.image;
  if (!table) return undefined;
  let highest: string | undefined;
  let highestNano = -1n;
  for (const price of Object.values(table)) {
    const [whole, fraction = ''] = price.split('.');
    const nano = BigInt(whole) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
    if (nano > highestNano) {
      highestNano = nano;
      highest = price;
    }
  }
  return highest;
}

function qualityOf(run: PipelineRun, candidate: Candidate): string | undefined {
  const options = run.request.providerOptions;
  const own = (options?.[candidate.provider] ?? options?.[candidate.providerType]) as { quality?: unknown } | undefined;
  return typeof own?.quality === 'string' ? own.quality : undefined;
}

/**
 * Image generation: `n` images of the run's prompt, in `size` or `aspectRatio`, split into calls of at most
 * the vendor's images per call.
 *
 * @example
 * ```ts
 * const result = await pipeline.run(run, imageOperation);
 * ```
 */
export const imageOperation: Operation<Imaged, ImageResult> = {
  kind: 'image',
  eligibility: () => IMAGE_MODELS,
  plan(
    run: PipelineRun,
    candidate: Candidate,
  ): { estimatedInputTokens: number; maxOutputTokens: number; units: BillableUnits } {
    const n = run.parameters?.n ?? 1;
    const price = mostExpensiveImage(candidate);
    return {
      estimatedInputTokens: estimateTextTokens(promptOf(run.request.prompt)),
      maxOutputTokens: price === undefined ? n * MAX_TOKENS_PER_IMAGE : 0,
      units: { images: n, imagePrice: price },
    };
  },
  async call(run: PipelineRun, attempt: Attempt): Promise<Imaged> {
    const { provider, candidate } = attempt;
    const name = candidate.provider;
    if (!provider.generateImage)
      throw new GatewayError('provider_not_found', `Provider '${name}' does not generate images`, { provider: name });
    const parameters = run.parameters ?? {};
    const request = run.request;
    const prompt = promptOf(request.prompt);
    const total = parameters.n ?? 1;
    const perCall = Math.max(1, provider.maxImagesPerCall?.(candidate.providerModelId) ?? 1);
    const images: GeneratedImage[] = [];
    let usage: Imaged['usage'] = { inputTokens: 0, outputTokens: 0 };
    const warnings: Imaged['warnings'] = [];
    let size = parameters.size;
    let quality: string | undefined;
    let providerMetadata: Imaged['providerMetadata'];
    for (let made = 0; made < total; ) {
      const n = Math.min(perCall, total - made);
      const result = await provider.generateImage({
        modelId: candidate.providerModelId,
        prompt,
        n,
        ...(parameters.size !== undefined ? { size: parameters.size } : {}),
        ...(parameters.aspectRatio !== undefined ? { aspectRatio: parameters.aspectRatio } : {}),
        ...(parameters.seed !== undefined ? { seed: parameters.seed } : {}),
        abortSignal: (attempt.abort as AttemptAbort).signal,
        providerOptions: request.providerOptions,
        headers: request.headers,
        ...(attempt.credentials ? { credentials: attempt.credentials } : {}),
      });
      if (result.images.length === 0)
        throw new GatewayError('provider_bad_response', `${name} returned no image`, { provider: name });
      images.push(...result.images);
      made += result.images.length;
      usage =
        usage === undefined || result.usage === undefined
          ? undefined
          : {
              inputTokens: usage.inputTokens + result.usage.inputTokens,
              outputTokens: usage.outputTokens + result.usage.outputTokens,
            };
      size = result.size ?? size;
      quality = result.quality ?? quality;
      providerMetadata = result.providerMetadata ?? providerMetadata;
      for (const warning of result.warnings) {
        if (!warnings.some((known) => JSON.stringify(known) === JSON.stringify(warning))) warnings.push(warning);
      }
    }
    const price = imagePrice(candidate.offering.pricing, size, quality ?? qualityOf(run, candidate));
    return { images: images.slice(0, total), usage, imagePrice: price, warnings, providerMetadata };
  },
  meter(run: PipelineRun, value: Imaged): Metered {
    // A vendor that bills per image reports no tokens: nothing is estimated. One that bills tokens and
    // reported none has its input estimated from the prompt (its output is then unknown: 0).
    const billsTokens = value.imagePrice === undefined;
    const estimated = billsTokens && value.usage === undefined;
    const input = value.usage?.inputTokens ?? (billsTokens ? estimateTextTokens(promptOf(run.request.prompt)) : 0);
    const output = value.usage?.outputTokens ?? 0;
    return {
      usage: {
        inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: output, text: 0, reasoning: 0 },
      },
      estimated,
      finishReason: { unified: 'stop' },
      outputTokens: undefined,
      responseId: undefined,
      timeToFirstTokenMs: undefined,
      units: { images: value.images.length, imagePrice: value.imagePrice },
    };
  },
  result(run: PipelineRun, attempt: Attempt, value: Imaged, metered: Metered, cost: CostBreakdown): ImageResult {
    const { candidate } = attempt;
    const inputTokens = metered.usage.inputTokens.total ?? 0;
    const outputTokens = metered.usage.outputTokens.total ?? 0;
    return {
      requestId: run.requestId,
      generationId: run.generationId,
      model: candidate.model,
      provider: candidate.provider,
      providerModelId: candidate.providerModelId,
      images: value.images,
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
      cost,
      attempts: run.attempts,
      warnings: value.warnings,
      ...(value.providerMetadata ? { providerMetadata: value.providerMetadata } : {}),
    };
  },
  probe(provider: Provider, providerModelId: string, abort: TransportAbort): Promise<unknown> {
    // An image costs cents: the probe asks for nothing billable and counts any answer of the vendor's as
    // recovered (a refusal of the request itself closes the breaker, see Pipeline.probe).
    if (!provider.generateImage)
      return Promise.reject(new GatewayError('provider_not_found', 'The provider does not generate images'));
    return provider.generateImage({ modelId: providerModelId, prompt: '', n: 1, abortSignal: abort.signal });
  },
};
