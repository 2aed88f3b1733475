/**
 * The `Provider` interface: one per vendor, each wrapping its vendor's official SDK.
 *
 * @module
 */
import type { SdkLogger } from './shared/sdk-logger.js';
import type {
  CallOptions,
  ContentPart,
  FinishReason,
  ProviderCredentials,
  ProviderMetadata,
  StreamPart,
  Usage,
  Warning,
} from '../core/types.js';

/** The provider types switchyard ships. @example `'anthropic'` */
export type ProviderType = 'openai' | 'anthropic' | 'google' | 'vertex' | 'mistral' | 'bedrock' | 'cohere' | 'xai';

/** Every provider type, in a stable order. */
export const PROVIDER_TYPES: readonly ProviderType[] = [
  'openai',
  'anthropic',
  'google',
  'vertex',
  'mistral',
  'bedrock',
  'cohere',
  'xai',
];

/**
 * Configuration of one provider instance. Several instances of one type may be declared under
 * different names; each counts as a separate provider for routing.
 *
 * @example
 * ```ts
 * const config: ProviderConfig = { type: 'openai', apiKey: process.env.OPENAI_API_KEY, baseURL: 'https://eu.api.openai.com/v1' };
 * ```
 */
export interface ProviderConfig {
  type: ProviderType;
  /** The vendor API key (not used by `bedrock`, which takes AWS credentials). */
  apiKey?: string;
  /**
   * A pool of vendor API keys instead of `apiKey`: attempts are spread over them in turn; a key that gets a
   * 429 cools down on its own (the vendor's Retry-After, else 30 s), one the vendor rejects (401/403) is
   * taken out, with a `key` event naming its fingerprint. Usage events say which key served (`keyFingerprint`).
   */
  apiKeys?: string[];
  /** The vendor API's base URL (for proxies, regions, or a simulator). */
  baseURL?: string;
  /** Timeout of one upstream HTTP call inside the SDK, in milliseconds. */
  timeoutMs?: number;
  /** Extra headers sent with every upstream call. */
  headers?: Record<string, string>;
  /** AWS region (`bedrock`) or Google Cloud location (`vertex`). */
  region?: string;
  /** Google Cloud project (`vertex`). */
  project?: string;
  /** AWS credentials (`bedrock`); when absent, the standard AWS credential chain is used. */
  credentials?: ProviderCredentials;
  /** An already constructed SDK client to use instead of building one (tests, custom transports). */
  client?: unknown;
  /** Vendor-specific options passed to the SDK client's constructor. */
  clientOptions?: Record<string, unknown>;
  /** Where the SDK's own warnings and errors go (default: the router's `logger`, else nowhere). */
  logger?: SdkLogger;
}

/**
 * One call to a provider: the V4 call options plus the provider's model id, the abort signal and,
 * for BYOK, the credentials that override the configured ones.
 *
 * @example
 * ```ts
 * const call: ProviderCall = { modelId: 'gpt-4o', prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], abortSignal: new AbortController().signal };
 * ```
 */
export interface ProviderCall extends CallOptions {
  modelId: string;
  abortSignal: AbortSignal;
  credentials?: ProviderCredentials;
}

/**
 * What a provider returns from a non-streaming call.
 *
 * @example
 * ```ts
 * const result: ProviderGenerateResult = { content: [{ type: 'text', text: 'Hi' }], finishReason: { unified: 'stop' }, usage, warnings: [] };
 * ```
 */
export interface ProviderGenerateResult {
  content: ContentPart[];
  finishReason: FinishReason;
  usage: Usage;
  warnings: Warning[];
  /** The vendor's own response id. */
  responseId?: string;
  /** The model id the vendor reported. */
  responseModelId?: string;
  providerMetadata?: ProviderMetadata;
}

/**
 * What a provider returns from a streaming call. The stream ends with a `finish` part, or throws a
 * `GatewayError` (or yields an `error` part) when the upstream fails.
 *
 * @example
 * ```ts
 * const { stream } = await provider.stream(call);
 * for await (const part of stream) console.log(part.type);
 * ```
 */
export interface ProviderStreamResult {
  stream: AsyncIterable<StreamPart>;
  warnings: Warning[];
}

/**
 * One embedding call: at most `maxEmbeddingsPerCall` values.
 *
 * @example
 * ```ts
 * const call: ProviderEmbedCall = { modelId: 'text-embedding-3-small', values: ['hello'], abortSignal: AbortSignal.timeout(5000) };
 * ```
 */
export interface ProviderEmbedCall {
  modelId: string;
  values: string[];
  dimensions?: number;
  abortSignal: AbortSignal;
  credentials?: ProviderCredentials;
  providerOptions?: CallOptions['providerOptions'];
  headers?: Record<string, string>;
}

/**
 * The result of one embedding call.
 *
 * @example
 * ```ts
 * const result: ProviderEmbedResult = { embeddings: [[0.1, 0.2]], usage: { tokens: 2 }, warnings: [] };
 * ```
 */
export interface ProviderEmbedResult {
  embeddings: number[][];
  usage: { tokens: number | undefined };
  warnings: Warning[];
  providerMetadata?: ProviderMetadata;
}

/**
 * One image generation call: at most `maxImagesPerCall` images.
 *
 * @example
 * ```ts
 * const call: ProviderImageCall = { modelId: 'gpt-image-1', prompt: 'A fox', n: 1, abortSignal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface ProviderImageCall {
  modelId: string;
  prompt: string;
  n: number;
  size?: string;
  aspectRatio?: string;
  seed?: number;
  abortSignal: AbortSignal;
  credentials?: ProviderCredentials;
  providerOptions?: CallOptions['providerOptions'];
  headers?: Record<string, string>;
}

/**
 * The result of one image generation call. `size` and `quality` are what the vendor made (its defaults
 * when the call named none), for the price per image; `usage` is set where the vendor bills tokens.
 *
 * @example
 * ```ts
 * const result: ProviderImageResult = { images: [{ base64: 'iVBORw0KGgo', mediaType: 'image/png' }], size: '1024x1024', warnings: [] };
 * ```
 */
export interface ProviderImageResult {
  images: Array<{ base64: string; mediaType: string }>;
  size?: string;
  quality?: string;
  usage?: { inputTokens: number; outputTokens: number };
  warnings: Warning[];
  providerMetadata?: ProviderMetadata;
}

/**
 * One rerank call: the documents as texts (objects already serialized).
 *
 * @example
 * ```ts
 * const call: ProviderRerankCall = { modelId: 'rerank-v3.5', query: 'q', documents: ['a', 'b'], abortSignal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface ProviderRerankCall {
  modelId: string;
  query: string;
  documents: string[];
  topN?: number;
  abortSignal: AbortSignal;
  credentials?: ProviderCredentials;
  providerOptions?: CallOptions['providerOptions'];
  headers?: Record<string, string>;
}

/**
 * The result of one rerank call, most relevant first; `searchUnits` when the vendor reported them.
 *
 * @example
 * ```ts
 * const result: ProviderRerankResult = { ranking: [{ index: 1, relevanceScore: 0.9 }], searchUnits: 1, warnings: [] };
 * ```
 */
export interface ProviderRerankResult {
  ranking: Array<{ index: number; relevanceScore: number }>;
  searchUnits?: number;
  warnings: Warning[];
}

/**
 * A model provider. Every vendor wraps its official SDK behind this interface; every vendor error
 * leaves as a `GatewayError` with a stable code.
 *
 * @example
 * ```ts
 * const provider: Provider = await createProvider('openai', { type: 'openai', apiKey: 'sk-...' });
 * const result = await provider.generate({ modelId: 'gpt-4o', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export interface Provider {
  /** The instance name from the config (`openai`, `openai-eu`, ...). */
  readonly name: string;
  readonly type: ProviderType;
  generate(call: ProviderCall): Promise<ProviderGenerateResult>;
  stream(call: ProviderCall): Promise<ProviderStreamResult>;
  embed?(call: ProviderEmbedCall): Promise<ProviderEmbedResult>;
  /** The vendor's limit of values per embedding call. */
  readonly maxEmbeddingsPerCall?: number;
  /** Generates images (image models). */
  generateImage?(call: ProviderImageCall): Promise<ProviderImageResult>;
  /** The vendor's limit of images per call for a model (the operation splits larger `n`). */
  maxImagesPerCall?(modelId: string): number;
  /** Reranks documents against a query (reranking models). */
  rerank?(call: ProviderRerankCall): Promise<ProviderRerankResult>;
  /**
   * Loads what the first call would load (the vendor SDK, the configured client, modules the provider
   * or its SDK import on first use), so that calls after it load nothing. The router's `ready()` calls
   * it. Rejects with `provider_sdk_missing` when the SDK is not installed; any other problem (no API
   * key, say) is left for the call to report.
   */
  warm?(): Promise<void>;
}

/**
 * Builds a provider instance from its config. Each vendor module exports one.
 *
 * @example
 * ```ts
 * const factory: ProviderFactory = (name, config) => new OpenAIProvider(name, config);
 * ```
 */
export type ProviderFactory = (name: string, config: ProviderConfig) => Promise<Provider>;
