/**
 * The built-in catalog: current models of every vendor switchyard speaks, each with every provider
 * that serves it, that provider's model id and its published list price (USD per million tokens).
 * Prices change: override any of them through `RouterConfig.catalog`.
 *
 * @module
 */
import type { Capabilities, Limits, ModelDefinition, Offering, Pricing, ProviderFacts } from './catalog.js';

/**
 * Where each vendor switchyard speaks is headquartered (for `providerOptions.gateway.headquarters`). No
 * data policy is declared here: zero data retention and no training on prompts are contracts an operator
 * has, declared through `catalog.providers`.
 *
 * @example
 * ```ts
 * BUILT_IN_PROVIDER_FACTS.mistral.headquarters; // 'FR'
 * ```
 */
export const BUILT_IN_PROVIDER_FACTS: Readonly<Record<string, ProviderFacts>> = {
  openai: { headquarters: 'US' },
  anthropic: { headquarters: 'US' },
  google: { headquarters: 'US' },
  vertex: { headquarters: 'US' },
  bedrock: { headquarters: 'US' },
  xai: { headquarters: 'US' },
  mistral: { headquarters: 'FR' },
  cohere: { headquarters: 'CA' },
};

type PriceList = [input: string, output: string, cacheRead?: string, cacheWrite?: string, cacheWriteOneHour?: string];

function price([input, output, cacheRead, cacheWrite, cacheWriteOneHour]: PriceList): Pricing {
  return {
    input,
    output,
    ...(cacheRead ? { cacheRead } : {}),
    ...(cacheWrite ? { cacheWrite } : {}),
    ...(cacheWriteOneHour ? { cacheWriteOneHour } : {}),
  };
}

function model(
  id: string,
  name: string,
  capabilities: Capabilities,
  limits: Limits,
  offerings: Array<[provider: string, providerModelId: string, prices: PriceList]>,
): ModelDefinition {
  return {
    id,
    name,
    type: capabilities.embeddings ? 'embedding' : 'language',
    capabilities,
    limits,
    offerings: offerings.map(
      ([provider, providerModelId, prices]): Offering => ({ provider, providerModelId, pricing: price(prices) }),
    ),
  };
}

const IMAGE_MODEL: Capabilities = { imageGeneration: true, tools: false, images: false, json: false };
const RERANKING_MODEL: Capabilities = { reranking: true, tools: false, images: false, json: false };

/**
 * An image model: each offering priced per image (by `quality/size`, `size`, `quality`, `default`), or
 * per token where the vendor bills image tokens (then `tokens` is `[input, output]` per million).
 */
function imageModel(
  id: string,
  name: string,
  offerings: Array<[provider: string, providerModelId: string, perImage: Record<string, string> | PriceList]>,
): ModelDefinition {
  return {
    id,
    name,
    type: 'image',
    capabilities: IMAGE_MODEL,
    offerings: offerings.map(
      ([provider, providerModelId, prices]): Offering => ({
        provider,
        providerModelId,
        pricing: Array.isArray(prices) ? price(prices) : { input: '0', output: '0', image: prices },
      }),
    ),
  };
}

/** A reranking model: each offering priced per search unit (USD). */
function rerankingModel(
  id: string,
  name: string,
  offerings: Array<[provider: string, providerModelId: string, perSearchUnit: string]>,
): ModelDefinition {
  return {
    id,
    name,
    type: 'reranking',
    capabilities: RERANKING_MODEL,
    offerings: offerings.map(
      ([provider, providerModelId, searchUnit]): Offering => ({
        provider,
        providerModelId,
        pricing: { input: '0', output: '0', searchUnit },
      }),
    ),
  };
}

/**
 * Offerings of one model sold at the same list price by every provider that serves it (as Claude is
 * on Anthropic's API, Bedrock and Vertex AI).
 */
function atListPrice(
  prices: PriceList,
  offerings: Array<[provider: string, providerModelId: string]>,
): Array<[provider: string, providerModelId: string, prices: PriceList]> {
  return offerings.map(([provider, providerModelId]) => [provider, providerModelId, prices]);
}

const CHAT: Capabilities = { tools: true, images: true, json: true };
const CHAT_TEXT_ONLY: Capabilities = { tools: true, images: false, json: true };
const REASONING: Capabilities = { ...CHAT, reasoning: true };
const EMBEDDING: Capabilities = { embeddings: true, tools: false, images: false, json: false };

/**
 * The vendors' release dates of the built-in models (the date of the snapshot the catalog serves,
 * or of general availability), for `created` in model listings. A model without one is listed with
 * {@link UNKNOWN_RELEASE_DATE}.
 */
const RELEASE_DATES: Record<string, string> = {
  'openai/gpt-5.1': '2025-11-13',
  'openai/gpt-5': '2025-08-07',
  'openai/gpt-5-mini': '2025-08-07',
  'openai/gpt-5-nano': '2025-08-07',
  'openai/gpt-4.1': '2025-04-14',
  'openai/gpt-4.1-mini': '2025-04-14',
  'openai/gpt-4.1-nano': '2025-04-14',
  'openai/gpt-4o': '2024-05-13',
  'openai/gpt-4o-mini': '2024-07-18',
  'openai/o3': '2025-04-16',
  'openai/o4-mini': '2025-04-16',
  'openai/text-embedding-3-small': '2024-01-25',
  'openai/gpt-image-1': '2025-04-23',
  'openai/dall-e-3': '2023-11-06',
  'cohere/rerank-v3.5': '2024-12-02',
  'openai/text-embedding-3-large': '2024-01-25',
  'anthropic/claude-opus-4.5': '2025-11-24',
  'anthropic/claude-opus-4.1': '2025-08-05',
  'anthropic/claude-opus-4': '2025-05-22',
  'anthropic/claude-sonnet-4.5': '2025-09-29',
  'anthropic/claude-sonnet-4': '2025-05-22',
  'anthropic/claude-3.7-sonnet': '2025-02-24',
  'anthropic/claude-haiku-4.5': '2025-10-15',
  'anthropic/claude-3.5-haiku': '2024-10-22',
  'google/gemini-2.5-pro': '2025-06-17',
  'google/gemini-2.5-flash': '2025-06-17',
  'google/gemini-2.5-flash-lite': '2025-07-22',
  'google/gemini-2.0-flash': '2025-02-05',
  'google/gemini-embedding-001': '2025-07-14',
  'mistral/mistral-large': '2024-07-24',
  'mistral/mistral-medium': '2025-05-07',
  'mistral/codestral': '2025-01-13',
  'mistral/mistral-embed': '2023-12-11',
  'cohere/command-a': '2025-03-13',
  'cohere/command-r-plus': '2024-08-30',
  'cohere/command-r': '2024-08-30',
  'cohere/embed-v4.0': '2025-04-15',
  'cohere/embed-english-v3.0': '2023-11-02',
  'xai/grok-4': '2025-07-09',
  'xai/grok-3': '2025-02-17',
  'xai/grok-3-mini': '2025-02-17',
  'xai/grok-code-fast-1': '2025-08-28',
  'meta/llama-3.3-70b': '2024-12-06',
  'meta/llama-3.1-8b': '2024-07-23',
  'meta/llama-4-maverick': '2025-04-05',
  'meta/llama-4-scout': '2025-04-05',
  'amazon/nova-pro': '2024-12-03',
  'amazon/nova-lite': '2024-12-03',
  'amazon/nova-micro': '2024-12-03',
  'amazon/titan-embed-text-v2': '2024-04-30',
};

/**
 * The `created` date model listings give a model without a release date (a model added through the
 * catalog config without `released`): 2024-01-01, a fixed date rather than 1970.
 *
 * @example
 * ```ts
 * Date.parse(UNKNOWN_RELEASE_DATE) / 1000; // 1704067200
 * ```
 */
export const UNKNOWN_RELEASE_DATE = '2024-01-01';

function withReleaseDates(models: ModelDefinition[]): ModelDefinition[] {
  return models.map((definition) =>
    RELEASE_DATES[definition.id] ? { ...definition, released: RELEASE_DATES[definition.id] } : definition,
  );
}

/**
 * The built-in models. Claude on Bedrock, Llama and Nova use the US cross-region inference profile
 * ids (`us.`); another region overrides them through the catalog config. Claude on Vertex AI uses
 * Vertex's model ids (`claude-sonnet-4@20250514`) at Anthropic's list prices (regional endpoints may
 * cost more: override their prices through the catalog config).
 *
 * @example
 * ```ts
 * BUILT_IN_MODELS.find((model) => model.id === 'openai/gpt-4o')?.offerings[0].pricing.input; // '2.50'
 * ```
 */
export const BUILT_IN_MODELS: readonly ModelDefinition[] = withReleaseDates([
  // OpenAI
  model('openai/gpt-5.1', 'GPT-5.1', REASONING, { context: 400_000, output: 128_000 }, [
    ['openai', 'gpt-5.1', ['1.25', '10', '0.125']],
  ]),
  model('openai/gpt-5', 'GPT-5', REASONING, { context: 400_000, output: 128_000 }, [
    ['openai', 'gpt-5', ['1.25', '10', '0.125']],
  ]),
  model('openai/gpt-5-mini', 'GPT-5 mini', REASONING, { context: 400_000, output: 128_000 }, [
    ['openai', 'gpt-5-mini', ['0.25', '2', '0.025']],
  ]),
  model('openai/gpt-5-nano', 'GPT-5 nano', REASONING, { context: 400_000, output: 128_000 }, [
    ['openai', 'gpt-5-nano', ['0.05', '0.40', '0.005']],
  ]),
  model('openai/gpt-4.1', 'GPT-4.1', CHAT, { context: 1_047_576, output: 32_768 }, [
    ['openai', 'gpt-4.1', ['2', '8', '0.50']],
  ]),
  model('openai/gpt-4.1-mini', 'GPT-4.1 mini', CHAT, { context: 1_047_576, output: 32_768 }, [
    ['openai', 'gpt-4.1-mini', ['0.40', '1.60', '0.10']],
  ]),
  model('openai/gpt-4.1-nano', 'GPT-4.1 nano', CHAT, { context: 1_047_576, output: 32_768 }, [
    ['openai', 'gpt-4.1-nano', ['0.10', '0.40', '0.025']],
  ]),
  model('openai/gpt-4o', 'GPT-4o', CHAT, { context: 128_000, output: 16_384 }, [
    ['openai', 'gpt-4o', ['2.50', '10', '1.25']],
  ]),
  model('openai/gpt-4o-mini', 'GPT-4o mini', CHAT, { context: 128_000, output: 16_384 }, [
    ['openai', 'gpt-4o-mini', ['0.15', '0.60', '0.075']],
  ]),
  model('openai/o3', 'o3', REASONING, { context: 200_000, output: 100_000 }, [['openai', 'o3', ['2', '8', '0.50']]]),
  model('openai/o4-mini', 'o4-mini', REASONING, { context: 200_000, output: 100_000 }, [
    ['openai', 'o4-mini', ['1.10', '4.40', '0.275']],
  ]),
  model('openai/text-embedding-3-small', 'text-embedding-3-small', EMBEDDING, { context: 8_191 }, [
    ['openai', 'text-embedding-3-small', ['0.02', '0']],
  ]),
  model('openai/text-embedding-3-large', 'text-embedding-3-large', EMBEDDING, { context: 8_191 }, [
    ['openai', 'text-embedding-3-large', ['0.13', '0']],
  ]),

  // Anthropic: direct, on Bedrock and on Vertex AI, at Anthropic's list prices
  model(
    'anthropic/claude-opus-4.5',
    'Claude Opus 4.5',
    REASONING,
    { context: 200_000, output: 64_000 },
    atListPrice(
      ['5', '25', '0.50', '6.25', '10'],
      [
        ['anthropic', 'claude-opus-4-5-20251101'],
        ['bedrock', 'us.anthropic.claude-opus-4-5-20251101-v1:0'],
        ['vertex', 'claude-opus-4-5@20251101'],
      ],
    ),
  ),
  model(
    'anthropic/claude-opus-4.1',
    'Claude Opus 4.1',
    REASONING,
    { context: 200_000, output: 32_000 },
    atListPrice(
      ['15', '75', '1.50', '18.75', '30'],
      [
        ['anthropic', 'claude-opus-4-1-20250805'],
        ['bedrock', 'us.anthropic.claude-opus-4-1-20250805-v1:0'],
        ['vertex', 'claude-opus-4-1@20250805'],
      ],
    ),
  ),
  model(
    'anthropic/claude-opus-4',
    'Claude Opus 4',
    REASONING,
    { context: 200_000, output: 32_000 },
    atListPrice(
      ['15', '75', '1.50', '18.75', '30'],
      [
        ['anthropic', 'claude-opus-4-20250514'],
        ['bedrock', 'us.anthropic.claude-opus-4-20250514-v1:0'],
        ['vertex', 'claude-opus-4@20250514'],
      ],
    ),
  ),
  model(
    'anthropic/claude-sonnet-4.5',
    'Claude Sonnet 4.5',
    REASONING,
    { context: 200_000, output: 64_000 },
    atListPrice(
      ['3', '15', '0.30', '3.75', '6'],
      [
        ['anthropic', 'claude-sonnet-4-5-20250929'],
        ['bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
        ['vertex', 'claude-sonnet-4-5@20250929'],
      ],
    ),
  ),
  model(
    'anthropic/claude-sonnet-4',
    'Claude Sonnet 4',
    REASONING,
    { context: 200_000, output: 64_000 },
    atListPrice(
      ['3', '15', '0.30', '3.75', '6'],
      [
        ['anthropic', 'claude-sonnet-4-20250514'],
        ['bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0'],
        ['vertex', 'claude-sonnet-4@20250514'],
      ],
    ),
  ),
  model(
    'anthropic/claude-3.7-sonnet',
    'Claude 3.7 Sonnet',
    REASONING,
    { context: 200_000, output: 64_000 },
    atListPrice(
      ['3', '15', '0.30', '3.75', '6'],
      [
        ['anthropic', 'claude-3-7-sonnet-20250219'],
        ['bedrock', 'us.anthropic.claude-3-7-sonnet-20250219-v1:0'],
        ['vertex', 'claude-3-7-sonnet@20250219'],
      ],
    ),
  ),
  model(
    'anthropic/claude-haiku-4.5',
    'Claude Haiku 4.5',
    REASONING,
    { context: 200_000, output: 64_000 },
    atListPrice(
      ['1', '5', '0.10', '1.25', '2'],
      [
        ['anthropic', 'claude-haiku-4-5-20251001'],
        ['bedrock', 'us.anthropic.claude-haiku-4-5-20251001-v1:0'],
        ['vertex', 'claude-haiku-4-5@20251001'],
      ],
    ),
  ),
  model(
    'anthropic/claude-3.5-haiku',
    'Claude 3.5 Haiku',
    CHAT,
    { context: 200_000, output: 8_192 },
    atListPrice(
      ['0.80', '4', '0.08', '1', '1.60'],
      [
        ['anthropic', 'claude-3-5-haiku-20241022'],
        ['bedrock', 'us.anthropic.claude-3-5-haiku-20241022-v1:0'],
        ['vertex', 'claude-3-5-haiku@20241022'],
      ],
    ),
  ),

  // Google: Gemini API and Vertex AI
  model('google/gemini-2.5-pro', 'Gemini 2.5 Pro', REASONING, { context: 1_048_576, output: 65_536 }, [
    ['google', 'gemini-2.5-pro', ['1.25', '10', '0.31']],
    ['vertex', 'gemini-2.5-pro', ['1.25', '10', '0.31']],
  ]),
  model('google/gemini-2.5-flash', 'Gemini 2.5 Flash', REASONING, { context: 1_048_576, output: 65_536 }, [
    ['google', 'gemini-2.5-flash', ['0.30', '2.50', '0.075']],
    ['vertex', 'gemini-2.5-flash', ['0.30', '2.50', '0.075']],
  ]),
  model('google/gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', REASONING, { context: 1_048_576, output: 65_536 }, [
    ['google', 'gemini-2.5-flash-lite', ['0.10', '0.40', '0.025']],
    ['vertex', 'gemini-2.5-flash-lite', ['0.10', '0.40', '0.025']],
  ]),
  model('google/gemini-2.0-flash', 'Gemini 2.0 Flash', CHAT, { context: 1_048_576, output: 8_192 }, [
    ['google', 'gemini-2.0-flash', ['0.10', '0.40', '0.025']],
    ['vertex', 'gemini-2.0-flash', ['0.10', '0.40', '0.025']],
  ]),
  model('google/gemini-embedding-001', 'Gemini Embedding', EMBEDDING, { context: 2_048 }, [
    ['google', 'gemini-embedding-001', ['0.15', '0']],
    ['vertex', 'gemini-embedding-001', ['0.15', '0']],
  ]),

  // Mistral: direct and on Bedrock
  model('mistral/mistral-large', 'Mistral Large', CHAT_TEXT_ONLY, { context: 128_000, output: 128_000 }, [
    ['mistral', 'mistral-large-latest', ['2', '6']],
    ['bedrock', 'mistral.mistral-large-2407-v1:0', ['2', '6']],
  ]),
  model('mistral/mistral-medium', 'Mistral Medium', CHAT, { context: 128_000, output: 128_000 }, [
    ['mistral', 'mistral-medium-latest', ['0.40', '2']],
  ]),
  model('mistral/mistral-small', 'Mistral Small', CHAT, { context: 128_000, output: 128_000 }, [
    ['mistral', 'mistral-small-latest', ['0.10', '0.30']],
  ]),
  model('mistral/codestral', 'Codestral', CHAT_TEXT_ONLY, { context: 256_000, output: 256_000 }, [
    ['mistral', 'codestral-latest', ['0.30', '0.90']],
  ]),
  model('mistral/mistral-embed', 'Mistral Embed', EMBEDDING, { context: 8_192 }, [
    ['mistral', 'mistral-embed', ['0.10', '0']],
  ]),

  // Cohere: direct and on Bedrock
  model('cohere/command-a', 'Command A', CHAT_TEXT_ONLY, { context: 256_000, output: 8_000 }, [
    ['cohere', 'command-a-03-2025', ['2.50', '10']],
  ]),
  model('cohere/command-r-plus', 'Command R+', CHAT_TEXT_ONLY, { context: 128_000, output: 4_000 }, [
    ['cohere', 'command-r-plus-08-2024', ['2.50', '10']],
    ['bedrock', 'cohere.command-r-plus-v1:0', ['3', '15']],
  ]),
  model('cohere/command-r', 'Command R', CHAT_TEXT_ONLY, { context: 128_000, output: 4_000 }, [
    ['cohere', 'command-r-08-2024', ['0.15', '0.60']],
    ['bedrock', 'cohere.command-r-v1:0', ['0.50', '1.50']],
  ]),
  model('cohere/embed-v4.0', 'Embed v4', EMBEDDING, { context: 128_000 }, [['cohere', 'embed-v4.0', ['0.12', '0']]]),
  model('cohere/embed-english-v3.0', 'Embed English v3', EMBEDDING, { context: 512 }, [
    ['cohere', 'embed-english-v3.0', ['0.10', '0']],
    ['bedrock', 'cohere.embed-english-v3', ['0.10', '0']],
  ]),

  rerankingModel('cohere/rerank-v3.5', 'Rerank 3.5', [
    ['cohere', 'rerank-v3.5', '0.002'],
    ['bedrock', 'cohere.rerank-v3-5:0', '0.002'],
  ]),

  // xAI (through the OpenAI SDK)
  model('xai/grok-4', 'Grok 4', REASONING, { context: 256_000 }, [['xai', 'grok-4-0709', ['3', '15', '0.75']]]),
  model('xai/grok-3', 'Grok 3', CHAT_TEXT_ONLY, { context: 131_072 }, [['xai', 'grok-3', ['3', '15', '0.75']]]),
  model('xai/grok-3-mini', 'Grok 3 Mini', { ...CHAT_TEXT_ONLY, reasoning: true }, { context: 131_072 }, [
    ['xai', 'grok-3-mini', ['0.30', '0.50', '0.075']],
  ]),
  model('xai/grok-code-fast-1', 'Grok Code Fast 1', { ...CHAT_TEXT_ONLY, reasoning: true }, { context: 256_000 }, [
    ['xai', 'grok-code-fast-1', ['0.20', '1.50', '0.02']],
  ]),

  // Meta Llama (through Bedrock)
  model('meta/llama-3.3-70b', 'Llama 3.3 70B Instruct', CHAT_TEXT_ONLY, { context: 128_000, output: 8_192 }, [
    ['bedrock', 'us.meta.llama3-3-70b-instruct-v1:0', ['0.72', '0.72']],
  ]),
  model('meta/llama-3.1-8b', 'Llama 3.1 8B Instruct', CHAT_TEXT_ONLY, { context: 128_000, output: 8_192 }, [
    ['bedrock', 'us.meta.llama3-1-8b-instruct-v1:0', ['0.22', '0.22']],
  ]),
  model('meta/llama-4-maverick', 'Llama 4 Maverick 17B', CHAT, { context: 1_000_000, output: 8_192 }, [
    ['bedrock', 'us.meta.llama4-maverick-17b-instruct-v1:0', ['0.24', '0.97']],
  ]),
  model('meta/llama-4-scout', 'Llama 4 Scout 17B', CHAT, { context: 3_500_000, output: 8_192 }, [
    ['bedrock', 'us.meta.llama4-scout-17b-instruct-v1:0', ['0.17', '0.66']],
  ]),

  // Amazon (Bedrock)
  model('amazon/nova-pro', 'Nova Pro', CHAT, { context: 300_000, output: 10_000 }, [
    ['bedrock', 'us.amazon.nova-pro-v1:0', ['0.80', '3.20', '0.20']],
  ]),
  model('amazon/nova-lite', 'Nova Lite', CHAT, { context: 300_000, output: 10_000 }, [
    ['bedrock', 'us.amazon.nova-lite-v1:0', ['0.06', '0.24', '0.015']],
  ]),
  model('amazon/nova-micro', 'Nova Micro', CHAT_TEXT_ONLY, { context: 128_000, output: 10_000 }, [
    ['bedrock', 'us.amazon.nova-micro-v1:0', ['0.035', '0.14', '0.00875']],
  ]),
  model('amazon/titan-embed-text-v2', 'Titan Text Embeddings V2', EMBEDDING, { context: 8_192 }, [
    ['bedrock', 'amazon.titan-embed-text-v2:0', ['0.02', '0']],
  ]),
  rerankingModel('amazon/rerank-v1.0', 'Amazon Rerank 1.0', [['bedrock', 'amazon.rerank-v1:0', '0.001']]),

  // Image models: per image by size and quality, or per token (gpt-image-1 bills image tokens)
  imageModel('openai/gpt-image-1', 'GPT Image 1', [['openai', 'gpt-image-1', ['5', '40', '1.25']]]),
  imageModel('openai/dall-e-3', 'DALL·E 3', [
    [
      'openai',
      'dall-e-3',
      {
        default: '0.04',
        '1024x1792': '0.08',
        '1792x1024': '0.08',
        hd: '0.08',
        'hd/1024x1792': '0.12',
        'hd/1792x1024': '0.12',
      },
    ],
  ]),
  imageModel('google/imagen-4.0-generate', 'Imagen 4', [['vertex', 'imagen-4.0-generate-001', { default: '0.04' }]]),
  imageModel('google/imagen-4.0-fast-generate', 'Imagen 4 Fast', [
    ['vertex', 'imagen-4.0-fast-generate-001', { default: '0.02' }],
  ]),
  imageModel('amazon/nova-canvas', 'Nova Canvas', [
    [
      'bedrock',
      'amazon.nova-canvas-v1:0',
      { default: '0.04', premium: '0.06', '2048x2048': '0.06', 'premium/2048x2048': '0.08' },
    ],
  ]),
  imageModel('amazon/titan-image-generator-v2', 'Titan Image Generator v2', [
    [
      'bedrock',
      'amazon.titan-image-generator-v2:0',
      { default: '0.01', '512x512': '0.008', premium: '0.012', 'premium/512x512': '0.01' },
    ],
  ]),
  imageModel('xai/grok-2-image', 'Grok 2 Image', [['xai', 'grok-2-image-1212', { default: '0.07' }]]),
]);
