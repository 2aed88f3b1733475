/**
 * The `google` and `vertex` providers: Gemini through the official `@google/genai` SDK (loaded on
 * first use), on the Gemini API (`google`, an API key) or on Vertex AI (`vertex`, a Google Cloud
 * project and location). Both share the request and response mapping; only the client differs.
 * `vertex` also serves Anthropic's Claude models through `@anthropic-ai/vertex-sdk`, with the
 * `anthropic` provider's request, response and stream mapping (see `vertex-claude-client.ts`).
 *
 * The SDK runs with its retries off (the default when no `retryOptions` are set) and automatic
 * continuation off, so one call is one upstream request; every request carries the call's abort
 * signal and a `fetch` that records response headers (for `Retry-After`) and applies `timeoutMs`
 * until the response starts.
 *
 * Vertex AI credentials, in order: `credentials.accessToken` (a fixed OAuth token), a service-account
 * key (`credentials.client_email` + `credentials.private_key`), an API key (`apiKey` or
 * `credentials.apiKey`: Vertex express mode), else Application Default Credentials
 * (`GOOGLE_APPLICATION_CREDENTIALS`, `gcloud auth application-default login`, the metadata server).
 * The project is `config.project` (or `GOOGLE_CLOUD_PROJECT`), the location `config.region` (or
 * `GOOGLE_CLOUD_LOCATION`, else `global`). BYOK credentials may carry their own `project` and `region`.
 * Claude takes the same settings, except the API key: Vertex AI serves Claude with Google OAuth only.
 *
 * @module
 */
import type { AnthropicVertex } from '@anthropic-ai/vertex-sdk';
import type {
  Content,
  EmbedContentConfig,
  EmbedContentResponse,
  GenerateContentParameters,
  GenerateImagesConfig,
  GoogleGenAI,
  GoogleGenAIOptions,
} from '@google/genai';
import { GatewayError } from '../../core/errors.js';
import type { ProviderCredentials, Warning } from '../../core/types.js';
import { loadSdk, toGatewayError, warmUp } from '../shared/provider-support.js';
import { importOptional } from '../../core/optional-import.js';
import type {
  Provider,
  ProviderCall,
  ProviderConfig,
  ProviderEmbedCall,
  ProviderEmbedResult,
  ProviderFactory,
  ProviderGenerateResult,
  ProviderImageCall,
  ProviderImageResult,
  ProviderStreamResult,
} from '../provider.js';
import { SdkClientPool } from '../shared/sdk-client-pool.js';
import { AnthropicMessages } from '../anthropic/anthropic-messages.js';
import { accessTokenAuthClient, extractGeminiError, UpstreamExchange, type GeminiFetch } from './google-client.js';
import {
  buildGeminiEmbedRequest,
  buildGeminiRequest,
  geminiProviderOptions,
  type GeminiRequestPlan,
  type GeminiTarget,
} from './google-request.js';
import { geminiResult, geminiStreamParts } from './google-response.js';
import {
  createClaudeClient,
  extractClaudeOnVertexError,
  isClaudeModel,
  VERTEX_ANTHROPIC_VERSION,
} from './vertex-claude-client.js';

export { accessTokenAuthClient, extractGeminiError, UpstreamExchange, type GeminiFetch } from './google-client.js';
export {
  buildGeminiEmbedRequest,
  buildGeminiRequest,
  geminiContents,
  geminiProviderOptions,
  geminiThinkingConfig,
  type GeminiRequestPlan,
  type GeminiTarget,
} from './google-request.js';
export { geminiFinishReason, geminiResult, geminiStreamParts, geminiUsage } from './google-response.js';
export {
  claudeBaseURL,
  createClaudeClient,
  extractClaudeOnVertexError,
  isClaudeModel,
  VERTEX_ANTHROPIC_VERSION,
  type ClaudeClientSettings,
} from './vertex-claude-client.js';

/** Embedding requests a Vertex AI model that takes one input per request runs at once. */
const EMBED_CONCURRENCY = 8;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A base URL with a trailing API version (`.../v1beta`) split into the SDK's `baseUrl` and `apiVersion`. */
function splitBaseURL(baseURL: string | undefined): { baseUrl?: string; apiVersion?: string } {
  if (!baseURL) return {};
  const trimmed = baseURL.replace(/\/+$/, '');
  const match = /^(.*)\/(v\d+(?:alpha|beta)?\d*)$/.exec(trimmed);
  return match ? { baseUrl: match[1], apiVersion: match[2] } : { baseUrl: trimmed };
}

/** Runs `task` over `items`, at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += limit)
    results.push(...(await Promise.all(items.slice(start, start + limit).map(task))));
  return results;
}

/** Tokens an embedding response reports: per-embedding statistics (Vertex AI), else its usage metadata. */
function embeddingTokens(response: EmbedContentResponse): number | undefined {
  const counts = (response.embeddings ?? []).map((embedding) => embedding.statistics?.tokenCount);
  if (counts.length > 0 && counts.every((count) => typeof count === 'number'))
    return (counts as number[]).reduce((sum, count) => sum + count, 0);
  return response.usageMetadata?.promptTokenCount;
}

/**
 * A provider for the Gemini API (`gemini-2.5-flash`, `gemini-2.5-pro`, `gemini-3-pro-preview`,
 * `gemini-embedding-001`...). `config.apiKey` (or `GEMINI_API_KEY` / `GOOGLE_API_KEY`) authenticates;
 * BYOK calls bring `credentials.apiKey`. `providerOptions.google` takes `GenerateContentConfig` fields
 * (`safetySettings`, `thinkingConfig`, `cachedContent`, `tools` such as `{ googleSearch: {} }`...)
 * and `extraBody` for raw request fields.
 *
 * @example
 * ```ts
 * const provider = new GoogleProvider('google', { type: 'google', apiKey: process.env.GEMINI_API_KEY });
 * const result = await provider.generate({ modelId: 'gemini-2.5-flash', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export class GoogleProvider implements Provider {
  readonly type: 'google' | 'vertex' = 'google';
  /** Values per embedding call (the Gemini API's batch limit). */
  readonly maxEmbeddingsPerCall: number = 100;
  private readonly clients: SdkClientPool<GoogleGenAI>;

  constructor(
    readonly name: string,
    protected readonly config: ProviderConfig,
  ) {
    this.clients = new SdkClientPool((key) => this.createClient(key), config.client as GoogleGenAI | undefined);
  }

  async generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    return this.attempt(call, async (client, exchange) => {
      const plan = buildGeminiRequest(call, this.target());
      const response = await client.models.generateContent(this.parameters(plan, call, exchange));
      return geminiResult(response, plan.warnings, this.target());
    });
  }

  /** Builds the configured client (its SDK loaded), so that the first call loads nothing. */
  warm(): Promise<void> {
    return warmUp(this.clients.get(undefined));
  }

  async stream(call: ProviderCall): Promise<ProviderStreamResult> {
    return this.attempt(call, async (client, exchange) => {
      const plan = buildGeminiRequest(call, this.target());
      const chunks = await client.models.generateContentStream(this.parameters(plan, call, exchange));
      const stream = geminiStreamParts(chunks, {
        target: this.target(),
        warnings: plan.warnings,
        signal: call.abortSignal,
        toError: (error) => this.toError(error, call, exchange),
      });
      return { stream, warnings: plan.warnings };
    });
  }

  async embed(call: ProviderEmbedCall): Promise<ProviderEmbedResult> {
    return this.attempt(call, async (client, exchange) => {
      const plan = buildGeminiEmbedRequest(call, this.target());
      const config: EmbedContentConfig = {
        ...plan.config,
        abortSignal: call.abortSignal,
        httpOptions: this.httpOptions(call, exchange),
      };
      const responses = await mapLimit(
        this.embeddingBatches(plan.model, plan.contents),
        EMBED_CONCURRENCY,
        (contents) => client.models.embedContent({ model: plan.model, contents, config }),
      );
      const embeddings = responses.flatMap((response) => response.embeddings ?? []);
      if (embeddings.length !== call.values.length || embeddings.some((embedding) => !embedding.values)) {
        throw new GatewayError(
          'provider_bad_response',
          `${this.name}: expected ${call.values.length} embeddings, got ${embeddings.length}`,
          { provider: this.name },
        );
      }
      const counts = responses.map(embeddingTokens);
      const tokens = counts.every((count) => count !== undefined)
        ? (counts as number[]).reduce((sum, count) => sum + count, 0)
        : undefined;
      return {
        embeddings: embeddings.map((embedding) => embedding.values as number[]),
        usage: { tokens },
        warnings: plan.warnings,
      };
    });
  }

  /**
   * Generates images with Imagen through the SDK's `models.generateImages` (which `@google/genai` serves on
   * Vertex AI only). `aspectRatio` and `seed` pass through (a seed needs `addWatermark: false`, set with it);
   * `size` is not an Imagen setting (`unsupported` warning: use `aspectRatio`, or `imageSize` in
   * `providerOptions.vertex`); other `providerOptions.<type>` keys go into the SDK's config as they are.
   */
  async generateImage(call: ProviderImageCall): Promise<ProviderImageResult> {
    return this.attempt(call, async (client, exchange) => {
      const warnings: Warning[] = [];
      if (call.size !== undefined)
        warnings.push({ type: 'unsupported', feature: 'size', details: 'Imagen takes an aspectRatio instead' });
      const config: GenerateImagesConfig = {
        numberOfImages: call.n,
        ...(call.aspectRatio !== undefined ? { aspectRatio: call.aspectRatio } : {}),
        ...(call.seed !== undefined ? { seed: call.seed, addWatermark: false } : {}),
        ...(geminiProviderOptions(call.providerOptions, this.target()) as GenerateImagesConfig),
        abortSignal: call.abortSignal,
        httpOptions: this.httpOptions(call, exchange),
      };
      const response = await client.models.generateImages({ model: call.modelId, prompt: call.prompt, config });
      const images: ProviderImageResult['images'] = [];
      for (const generated of response.generatedImages ?? []) {
        const bytes = generated.image?.imageBytes;
        if (typeof bytes === 'string' && bytes !== '')
          images.push({ base64: bytes, mediaType: generated.image?.mimeType ?? 'image/png' });
        else if (generated.raiFilteredReason)
          warnings.push({ type: 'other', message: `An image was filtered: ${generated.raiFilteredReason}` });
      }
      if (images.length === 0 && warnings.some((warning) => warning.type === 'other'))
        throw new GatewayError('provider_content_filter', `${this.name}: every image was filtered`, {
          provider: this.name,
        });
      return { images, warnings };
    });
  }

  /** Imagen makes up to four images per call. */
  maxImagesPerCall(): number {
    return 4;
  }

  /**
   * Runs one upstream call with the client for the call's credentials and a fresh
   * {@link UpstreamExchange}; whatever fails leaves as a `GatewayError`.
   */
  private async attempt<T>(
    call: { abortSignal: AbortSignal; credentials?: ProviderCredentials },
    run: (client: GoogleGenAI, exchange: UpstreamExchange) => Promise<T>,
  ): Promise<T> {
    let exchange: UpstreamExchange | undefined;
    try {
      const client = await this.clients.get(this.clientKey(call.credentials));
      exchange = this.exchange(client);
      return await run(client, exchange);
    } catch (error) {
      throw this.toError(error, call, exchange);
    }
  }

  /** The request groups of an embedding call (the Gemini API embeds a whole batch in one request). */
  protected embeddingBatches(_model: string, contents: Content[]): Content[][] {
    return [contents];
  }

  /** The pool key of a call's credentials (`undefined`: the configured client). */
  protected clientKey(credentials: ProviderCredentials | undefined): string | undefined {
    return text(credentials?.apiKey);
  }

  /** Builds a client for a pool key. */
  protected async createClient(apiKey: string | undefined): Promise<GoogleGenAI> {
    const key = apiKey ?? this.configuredKey();
    if (!key) {
      throw new GatewayError(
        'provider_authentication',
        `${this.name}: no API key; set apiKey in the provider config, or GEMINI_API_KEY / GOOGLE_API_KEY`,
        { provider: this.name },
      );
    }
    return this.buildClient({ vertexai: false, apiKey: key }, 'v1beta');
  }

  /** Constructs the SDK client: the config's client options, base URL, API version and headers, plus `options`. */
  protected async buildClient(
    options: GoogleGenAIOptions,
    defaultApiVersion: string | undefined,
  ): Promise<GoogleGenAI> {
    const { GoogleGenAI: Client } = await loadSdk('@google/genai', this.type, () =>
      importOptional<typeof import('@google/genai')>('@google/genai'),
    );
    const extra = (this.config.clientOptions ?? {}) as GoogleGenAIOptions;
    const { baseUrl, apiVersion } = splitBaseURL(this.config.baseURL);
    const headers = { ...extra.httpOptions?.headers, ...this.config.headers };
    const version = extra.apiVersion ?? apiVersion ?? defaultApiVersion;
    return new Client({
      ...extra,
      ...options,
      ...(version === undefined ? {} : { apiVersion: version }),
      httpOptions: {
        ...extra.httpOptions,
        ...(baseUrl ? { baseUrl } : {}),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
      },
    });
  }

  /** Secrets that must never reach an error message. */
  protected secrets(credentials: ProviderCredentials | undefined): string[] {
    return [this.configuredKey(), credentials?.apiKey].filter(
      (secret): secret is string => typeof secret === 'string' && secret !== '',
    );
  }

  private configuredKey(): string | undefined {
    return this.config.apiKey ?? text(process.env.GOOGLE_API_KEY) ?? text(process.env.GEMINI_API_KEY);
  }

  private target(): GeminiTarget {
    return { type: this.type, name: this.name };
  }

  /** A recorder for one upstream call, sending through the client's own custom `fetch` if it has one. */
  private exchange(client: GoogleGenAI): UpstreamExchange {
    const custom = (client as unknown as { apiClient?: { getFetch?(): unknown } }).apiClient?.getFetch?.();
    return new UpstreamExchange(
      this.config.timeoutMs,
      typeof custom === 'function' ? (custom as GeminiFetch) : undefined,
    );
  }

  private httpOptions(
    call: { headers?: Record<string, string> },
    exchange: UpstreamExchange,
    extraBody?: Record<string, unknown>,
  ): NonNullable<EmbedContentConfig['httpOptions']> {
    const headers = { ...this.config.headers, ...call.headers };
    return {
      fetch: exchange.fetch,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(extraBody ? { extraBody } : {}),
    };
  }

  private parameters(
    plan: GeminiRequestPlan,
    call: ProviderCall,
    exchange: UpstreamExchange,
  ): GenerateContentParameters {
    return {
      model: plan.model,
      contents: plan.contents,
      config: {
        ...plan.config,
        abortSignal: call.abortSignal,
        automaticContinuation: false,
        httpOptions: this.httpOptions(call, exchange, plan.extraBody),
      },
    };
  }

  private toError(
    error: unknown,
    call: { abortSignal: AbortSignal; credentials?: ProviderCredentials },
    exchange: UpstreamExchange | undefined,
  ): GatewayError {
    return toGatewayError(error, {
      provider: this.name,
      signal: call.abortSignal,
      secrets: this.secrets(call.credentials),
      extract: (caught) => extractGeminiError(caught, exchange ?? new UpstreamExchange(undefined)),
    });
  }
}

/** A service-account key, as google-auth-library's `credentials` option. */
type ServiceAccountKey = NonNullable<NonNullable<GoogleGenAIOptions['googleAuthOptions']>['credentials']>;

/**
 * The Vertex AI settings of one client: from the config, or from a BYOK call's credentials (with the
 * config's project and location as fallbacks).
 */
interface VertexSettings {
  accessToken?: string;
  serviceAccount?: ServiceAccountKey;
  apiKey?: string;
  project?: string;
  location?: string;
}

/**
 * A provider for Vertex AI: Gemini (`gemini-2.5-flash`, `gemini-2.5-pro`, `gemini-embedding-001`,
 * `text-embedding-005`...) through `@google/genai` in Vertex mode, and Anthropic's Claude
 * (`claude-sonnet-4@20250514`, any model id starting with `claude-`) through `AnthropicVertex` from
 * `@anthropic-ai/vertex-sdk`, loaded on the first Claude call. Both take `project` and `region` (the
 * location; Claude is served in fewer regions, e.g. `us-east5`, `europe-west1` or `global`) from the
 * config and credentials as described in the module documentation; an API key (express mode) serves
 * Gemini only, and an injected `client` is a Gemini client. `providerOptions.vertex` takes
 * `GenerateContentConfig` fields for Gemini, including Vertex-only ones (`labels`, `routingConfig`,
 * `modelArmorConfig`...); Claude reads `providerOptions.anthropic`, as on the `anthropic` provider.
 *
 * @example
 * ```ts
 * const provider = new VertexProvider('vertex', { type: 'vertex', project: 'my-project', region: 'us-east5' });
 * const gemini = await provider.generate({ modelId: 'gemini-2.5-flash', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * const claude = await provider.generate({ modelId: 'claude-sonnet-4@20250514', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export class VertexProvider extends GoogleProvider {
  override readonly type = 'vertex' as const;
  /**
   * Values per embedding call (text-embedding models' instance limit; Gemini embedding models take one per request).
   */
  override readonly maxEmbeddingsPerCall = 250;
  private readonly claudeClients = new SdkClientPool<AnthropicVertex>((key) => this.createClaudeClient(key));
  private readonly claude = new AnthropicMessages({
    provider: this.name,
    optionsKey: 'anthropic',
    timeoutMs: this.config.timeoutMs,
    client: (call) => this.claudeClients.get(this.clientKey(call.credentials)),
    secrets: (call) => this.secrets(call.credentials),
    extraBody: { anthropic_version: VERTEX_ANTHROPIC_VERSION },
    extract: extractClaudeOnVertexError,
  });

  override async generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    return isClaudeModel(call.modelId) ? this.claude.generate(call) : super.generate(call);
  }

  /**
   * Builds the Gemini client and, when `@anthropic-ai/vertex-sdk` is installed, the Claude one (a missing Claude SDK
   * is reported by the first Claude call, as without warming: Gemini still serves).
   */
  override async warm(): Promise<void> {
    await Promise.all([super.warm(), this.claudeClients.get(undefined).catch(() => undefined)]);
  }

  override async stream(call: ProviderCall): Promise<ProviderStreamResult> {
    return isClaudeModel(call.modelId) ? this.claude.stream(call) : super.stream(call);
  }

  /** Gemini embedding models on Vertex AI embed one input per request; the others a batch. */
  protected override embeddingBatches(model: string, contents: Content[]): Content[][] {
    return model.includes('gemini') || model.includes('maas') ? contents.map((content) => [content]) : [contents];
  }

  /** BYOK credentials as a pool key (their JSON), so each distinct credential set gets its own client. */
  protected override clientKey(credentials: ProviderCredentials | undefined): string | undefined {
    if (!credentials) return undefined;
    const entries = Object.entries(credentials).filter(([, value]) => value !== undefined && value !== '');
    return entries.length === 0
      ? undefined
      : JSON.stringify(Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))));
  }

  protected override async createClient(key: string | undefined): Promise<GoogleGenAI> {
    const extra = (this.config.clientOptions ?? {}) as GoogleGenAIOptions;
    const { accessToken, serviceAccount, apiKey, project, location } = this.settings(key);
    let auth: Pick<GoogleGenAIOptions, 'apiKey' | 'googleAuthOptions'> = extra.googleAuthOptions
      ? { googleAuthOptions: extra.googleAuthOptions }
      : {};
    if (accessToken)
      auth = { googleAuthOptions: { ...extra.googleAuthOptions, authClient: accessTokenAuthClient(accessToken) } };
    else if (serviceAccount)
      auth = {
        googleAuthOptions: {
          ...extra.googleAuthOptions,
          credentials: serviceAccount,
          ...(project ? { projectId: project } : {}),
        },
      };
    else if (apiKey) auth = { apiKey };
    return this.buildClient(
      { vertexai: true, ...(project ? { project } : {}), ...(location ? { location } : {}), ...auth },
      undefined,
    );
  }

  /** Loads `@anthropic-ai/vertex-sdk`; called on the first call of a Claude model. */
  protected importClaudeSdk(): Promise<typeof import('@anthropic-ai/vertex-sdk')> {
    return importOptional<typeof import('@anthropic-ai/vertex-sdk')>('@anthropic-ai/vertex-sdk');
  }

  /** Builds the `AnthropicVertex` client for a pool key, from the same settings as the Gemini client. */
  private async createClaudeClient(key: string | undefined): Promise<AnthropicVertex> {
    const { AnthropicVertex: Client } = await loadSdk('@anthropic-ai/vertex-sdk', this.type, () =>
      this.importClaudeSdk(),
    );
    const { accessToken, serviceAccount, project, location } = this.settings(key);
    return createClaudeClient(Client, {
      provider: this.type,
      project: project ?? text(process.env.GOOGLE_CLOUD_PROJECT),
      region: location,
      baseURL: this.config.baseURL,
      timeoutMs: this.config.timeoutMs,
      headers: this.config.headers,
      accessToken,
      serviceAccount,
      googleAuthOptions: (this.config.clientOptions as GoogleGenAIOptions | undefined)?.googleAuthOptions,
      logger: this.config.logger,
    });
  }

  /** The settings of a pool key: the configured credentials, or the BYOK ones it encodes. */
  private settings(key: string | undefined): VertexSettings {
    const byok = key !== undefined;
    const credentials = byok ? (JSON.parse(key) as ProviderCredentials) : this.config.credentials;
    return {
      accessToken: text(credentials?.accessToken),
      serviceAccount:
        credentials && text(credentials.client_email) && text(credentials.private_key)
          ? serviceAccountKey(credentials)
          : undefined,
      apiKey: text(credentials?.apiKey) ?? (byok ? undefined : text(this.config.apiKey)),
      project: text(credentials?.project) ?? text(this.config.project),
      location: text(credentials?.region) ?? text(credentials?.location) ?? text(this.config.region),
    };
  }

  protected override secrets(credentials: ProviderCredentials | undefined): string[] {
    const fields = ['apiKey', 'accessToken', 'private_key'];
    const values = [credentials, this.config.credentials].flatMap((source) => fields.map((field) => source?.[field]));
    return [
      ...super.secrets(credentials),
      ...values.filter((value): value is string => typeof value === 'string' && value !== ''),
    ];
  }
}

/** The service-account fields of credentials, as google-auth-library's `credentials` option. */
function serviceAccountKey(credentials: ProviderCredentials): ServiceAccountKey {
  const {
    region: _region,
    location: _location,
    project: _project,
    apiKey: _apiKey,
    accessToken: _accessToken,
    ...key
  } = credentials;
  return key as ServiceAccountKey;
}

/**
 * Builds a `google` (Gemini API) provider instance.
 *
 * @example
 * ```ts
 * const provider = await createGoogleProvider('google', { type: 'google', apiKey: process.env.GEMINI_API_KEY });
 * ```
 */
export const createGoogleProvider: ProviderFactory = async (name, config) => new GoogleProvider(name, config);

/**
 * Builds a `vertex` (Gemini and Claude on Vertex AI) provider instance.
 *
 * @example
 * ```ts
 * const provider = await createVertexProvider('vertex', { type: 'vertex', project: 'my-project', region: 'europe-west4' });
 * ```
 */
export const createVertexProvider: ProviderFactory = async (name, config) => new VertexProvider(name, config);
