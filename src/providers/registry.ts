/**
 * Provider construction: one lazy loader per provider type, so importing switchyard loads no vendor SDK.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import { importOptional } from '../core/optional-import.js';
import { loadSdk } from './shared/provider-support.js';
import {
  PROVIDER_TYPES,
  type Provider,
  type ProviderConfig,
  type ProviderFactory,
  type ProviderType,
} from './provider.js';

const LOADERS: Partial<Record<ProviderType, () => Promise<ProviderFactory>>> = {
  openai: async () => (await import('./openai/index.js')).createOpenAIProvider,
  anthropic: async () => (await import('./anthropic/index.js')).createAnthropicProvider,
  xai: async () => (await import('./xai/index.js')).createXaiProvider,
  google: async () => (await import('./google/index.js')).createGoogleProvider,
  vertex: async () => (await import('./google/index.js')).createVertexProvider,
  mistral: async () => (await import('./mistral/index.js')).createMistralProvider,
  cohere: async () => (await import('./cohere/index.js')).createCohereProvider,
  bedrock: async () => (await import('./bedrock/index.js')).createBedrockProvider,
};

/**
 * What the router must know of a provider type before choosing it: whether its vendor takes a file as a
 * URL (`fileUrls`). An offering whose vendor needs inline bytes is ineligible for a request with a file
 * URL, so the request goes where URLs work instead of failing (Bedrock's Converse API takes bytes or S3
 * locations only).
 *
 * @example
 * ```ts
 * if (!PROVIDER_TRAITS.bedrock.fileUrls) console.log('send bytes to Bedrock');
 * ```
 */
export const PROVIDER_TRAITS: Readonly<Record<ProviderType, { readonly fileUrls: boolean }>> = {
  openai: { fileUrls: true },
  anthropic: { fileUrls: true },
  xai: { fileUrls: true },
  google: { fileUrls: true },
  vertex: { fileUrls: true },
  mistral: { fileUrls: true },
  cohere: { fileUrls: true },
  bedrock: { fileUrls: false },
};

/**
 * Builds a provider instance from its config, loading the vendor's module (and SDK) on first use.
 *
 * @example
 * ```ts
 * const provider = await createProvider('openai-eu', { type: 'openai', apiKey: process.env.OPENAI_API_KEY });
 * ```
 */
export async function createProvider(name: string, config: ProviderConfig): Promise<Provider> {
  if (!PROVIDER_TYPES.includes(config.type)) {
    throw new GatewayError(
      'config_invalid',
      `Provider '${name}' has unknown type '${String(config.type)}'; known types: ${PROVIDER_TYPES.join(', ')}`,
    );
  }
  const loader = LOADERS[config.type];
  if (!loader)
    throw new GatewayError('config_invalid', `Provider type '${config.type}' is not available in this build`);
  const factory = await loader();
  return factory(name, config);
}

/**
 * The vendor SDK each provider type loads for its client (the same specifier its module imports; loaded so that
 * bundlers leave it alone).
 */
const SDKS: Partial<Record<ProviderType, { packageName: string; load: () => Promise<unknown> }>> = {
  openai: { packageName: 'openai', load: () => importOptional('openai') },
  xai: { packageName: 'openai', load: () => importOptional('openai') },
  anthropic: { packageName: '@anthropic-ai/sdk', load: () => importOptional('@anthropic-ai/sdk') },
  google: { packageName: '@google/genai', load: () => importOptional('@google/genai') },
  vertex: { packageName: '@google/genai', load: () => importOptional('@google/genai') },
  mistral: { packageName: '@mistralai/mistralai', load: () => importOptional('@mistralai/mistralai') },
  cohere: { packageName: 'cohere-ai', load: () => importOptional('cohere-ai') },
  bedrock: {
    packageName: '@aws-sdk/client-bedrock-runtime',
    load: () => importOptional('@aws-sdk/client-bedrock-runtime'),
  },
};

/**
 * Loads the vendor SDK a provider config needs, so that its first request does not pay for it (the
 * router calls it at start-up). Nothing to load for an injected `client`. Fails with
 * `provider_sdk_missing` naming the package when it is not installed.
 *
 * @example
 * ```ts
 * await loadProviderSdk({ type: 'anthropic', apiKey: process.env.ANTHROPIC_API_KEY });
 * ```
 */
export async function loadProviderSdk(config: ProviderConfig): Promise<void> {
  if (config.client !== undefined) return;
  const sdk = SDKS[config.type];
  if (sdk) await loadSdk(sdk.packageName, config.type, sdk.load);
}
