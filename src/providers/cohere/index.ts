/**
 * The `cohere` provider: Cohere's v2 chat and embed APIs through `cohere-ai`'s `CohereClientV2`
 * (loaded on first use), with the SDK's retries off, the call's abort signal on every request, BYOK
 * clients per key, and every failure mapped to a `GatewayError`.
 *
 * @module
 */
import type { CohereClientV2 } from 'cohere-ai';
import { GatewayError } from '../../core/errors.js';
import { loadSdk, toGatewayError, warmUp, type UpstreamErrorInfo } from '../shared/provider-support.js';
import { importOptional } from '../../core/optional-import.js';
import type {
  Provider,
  ProviderCall,
  ProviderConfig,
  ProviderEmbedCall,
  ProviderEmbedResult,
  ProviderFactory,
  ProviderGenerateResult,
  ProviderRerankCall,
  ProviderRerankResult,
  ProviderStreamResult,
} from '../provider.js';
import { SdkClientPool } from '../shared/sdk-client-pool.js';
import { sdkLoggerFor } from '../shared/sdk-logger.js';
import { fetchFailureOf, settlingFetch } from './cohere-fetch.js';
import { buildCohereChatRequest, buildCohereEmbedRequest } from './cohere-request.js';
import { cohereResult, cohereStreamParts } from './cohere-response.js';

export {
  buildCohereChatRequest,
  buildCohereEmbedRequest,
  cohereMessages,
  cohereVendorOptions,
  type CohereTarget,
} from './cohere-request.js';
export { cohereFinishReason, cohereResult, cohereStreamParts, cohereUsage } from './cohere-response.js';

type RequestOptions = NonNullable<Parameters<CohereClientV2['chat']>[1]>;

/** A readable message from a Cohere error body (`{ id, message }`, or text). */
function bodyMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 500) || undefined;
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * Reads `cohere-ai`'s errors by name and shape (so a client from another copy of the SDK works too):
 * `CohereError` subclasses carry `statusCode`, `body` and `rawResponse.headers`. The SDK reports a
 * 2xx body that is not JSON, its own timeout, and the marked responses of {@link settlingFetch} as a
 * `CohereError` too.
 */
function extractCohereError(error: unknown): UpstreamErrorInfo | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'CohereTimeoutError') return { code: 'provider_timeout', message: 'the request timed out' };
  const upstream = error as Error & {
    statusCode?: unknown;
    body?: unknown;
    rawResponse?: { headers?: UpstreamErrorInfo['headers'] };
  };
  const status = upstream.statusCode;
  const failure = fetchFailureOf(upstream.rawResponse?.headers);
  if (failure)
    return {
      code: failure === 'timeout' ? 'provider_timeout' : failure === 'aborted' ? 'aborted' : 'provider_connection',
      message: bodyMessage(upstream.body) ?? failure,
    };
  if (typeof status === 'number' && status >= 200 && status < 300)
    return { code: 'provider_bad_response', message: "the response is not in Cohere's format" };
  if (typeof status === 'number')
    return {
      status,
      headers: upstream.rawResponse?.headers,
      message: `status ${status}: ${bodyMessage(upstream.body) ?? error.message}`,
    };
  // The SDK's timeout aborts the request with the reason "timeout", which reaches here as the message.
  if (/^"?timeout"?$/i.test(error.message.trim()))
    return { code: 'provider_timeout', message: 'the request timed out' };
  return undefined;
}

/**
 * A provider for Cohere's v2 API (`command-a-03-2025`, `command-a-reasoning-08-2025`,
 * `command-a-vision-07-2025`, `command-r7b-12-2024`, `embed-v4.0`...).
 *
 * @example
 * ```ts
 * const provider = new CohereProvider('cohere', { type: 'cohere', apiKey: process.env.CO_API_KEY });
 * const result = await provider.generate({ modelId: 'command-a-03-2025', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export class CohereProvider implements Provider {
  readonly type = 'cohere' as const;
  /** Texts per embed call (Cohere's limit). */
  readonly maxEmbeddingsPerCall = 96;
  private readonly clients: SdkClientPool<CohereClientV2>;

  constructor(
    readonly name: string,
    private readonly config: ProviderConfig,
  ) {
    this.clients = new SdkClientPool(
      (apiKey) => this.createClient(apiKey),
      config.client as CohereClientV2 | undefined,
    );
  }

  async generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    try {
      const { request, warnings } = buildCohereChatRequest(call, this);
      const client = await this.clients.get(call.credentials?.apiKey);
      return cohereResult(await client.chat(request, this.requestOptions(call)), warnings, this);
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  /** Builds the configured client (its SDK loaded), so that the first call loads nothing. */
  warm(): Promise<void> {
    return warmUp(this.clients.get(undefined));
  }

  async stream(call: ProviderCall): Promise<ProviderStreamResult> {
    try {
      const { request, warnings } = buildCohereChatRequest(call, this);
      const client = await this.clients.get(call.credentials?.apiKey);
      const events = await client.chatStream(request, this.requestOptions(call));
      const stream = cohereStreamParts(events, {
        target: this,
        modelId: call.modelId,
        warnings,
        signal: call.abortSignal,
        toError: (error) => this.toError(error, call),
      });
      return { stream, warnings };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  async embed(call: ProviderEmbedCall): Promise<ProviderEmbedResult> {
    try {
      const { request, warnings } = buildCohereEmbedRequest(call, this);
      const client = await this.clients.get(call.credentials?.apiKey);
      const response = await client.embed(request, this.requestOptions(call));
      const embeddings = response?.embeddings?.float;
      if (!Array.isArray(embeddings) || embeddings.length !== call.values.length) {
        throw new GatewayError(
          'provider_bad_response',
          `${this.name}: expected ${call.values.length} float embeddings, got ${Array.isArray(embeddings) ? embeddings.length : 'none'}`,
          { provider: this.name },
        );
      }
      const tokens = response.meta?.billedUnits?.inputTokens ?? response.meta?.tokens?.inputTokens;
      return { embeddings, usage: { tokens }, warnings };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  /**
   * Reranks with `client.rerank` (v2): `topN` as the SDK's `topN`, `providerOptions.cohere` (`maxTokensPerDoc`,
   * `priority`) passed through; the search units are the vendor's billed units.
   */
  async rerank(call: ProviderRerankCall): Promise<ProviderRerankResult> {
    try {
      const client = await this.clients.get(call.credentials?.apiKey);
      const passthrough: Record<string, unknown> = {};
      const merged = {
        ...call.providerOptions?.cohere,
        ...(this.name === 'cohere' ? {} : call.providerOptions?.[this.name]),
      } as Record<string, unknown>;
      for (const [key, value] of Object.entries(merged))
        passthrough[key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase())] = value;
      const response = await client.rerank(
        {
          ...passthrough,
          model: call.modelId,
          query: call.query,
          documents: call.documents,
          ...(call.topN !== undefined ? { topN: call.topN } : {}),
        },
        this.requestOptions(call),
      );
      if (!Array.isArray(response?.results))
        throw new GatewayError('provider_bad_response', `${this.name}: a rerank answer without results`, {
          provider: this.name,
        });
      const units = response.meta?.billedUnits?.searchUnits;
      return {
        ranking: response.results.map((result) => ({ index: result.index, relevanceScore: result.relevanceScore })),
        ...(typeof units === 'number' ? { searchUnits: units } : {}),
        warnings: [],
      };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  /** Per-request SDK options: the abort signal, no retries, the timeout, the call's extra headers. */
  private requestOptions(call: { abortSignal: AbortSignal; headers?: Record<string, string> }): RequestOptions {
    return {
      abortSignal: call.abortSignal,
      maxRetries: 0,
      ...(this.config.timeoutMs === undefined ? {} : { timeoutInSeconds: this.config.timeoutMs / 1000 }),
      ...(call.headers ? { headers: call.headers } : {}),
    };
  }

  private toError(error: unknown, call: { abortSignal: AbortSignal; credentials?: { apiKey?: string } }): GatewayError {
    const secrets = [this.configuredKey(), call.credentials?.apiKey].filter(
      (secret): secret is string => typeof secret === 'string' && secret !== '',
    );
    return toGatewayError(error, {
      provider: this.name,
      signal: call.abortSignal,
      secrets,
      extract: extractCohereError,
    });
  }

  private configuredKey(): string | undefined {
    return this.config.apiKey ?? (process.env.CO_API_KEY || undefined) ?? (process.env.COHERE_API_KEY || undefined);
  }

  private async createClient(byokKey: string | undefined): Promise<CohereClientV2> {
    const token = byokKey ?? this.configuredKey();
    if (!token)
      throw new GatewayError(
        'provider_authentication',
        `${this.name}: no API key; set apiKey in the provider config, or CO_API_KEY / COHERE_API_KEY`,
        { provider: this.name },
      );
    const { CohereClientV2: Client } = await loadSdk('cohere-ai', this.type, () =>
      importOptional<typeof import('cohere-ai')>('cohere-ai'),
    );
    const options = (this.config.clientOptions ?? {}) as ConstructorParameters<typeof CohereClientV2>[0];
    // The SDK appends `v2/chat` to the base URL, so a trailing `/v1` or `/v2` is dropped.
    const baseUrl = this.config.baseURL?.replace(/\/+$/, '').replace(/\/v[12]$/, '');
    return new Client({
      // Fern's logger: to the configured logger (warnings and errors) or silent.
      logging: this.config.logger
        ? { level: 'warn', logger: sdkLoggerFor(this.name, this.config.logger), silent: false }
        : { silent: true },
      ...options,
      token,
      ...(baseUrl ? { baseUrl } : {}),
      headers: { ...options.headers, ...this.config.headers },
      fetch: settlingFetch(options.fetch ?? globalThis.fetch),
      maxRetries: 0,
      ...(this.config.timeoutMs === undefined ? {} : { timeoutInSeconds: this.config.timeoutMs / 1000 }),
    });
  }
}

/**
 * Builds a `cohere` provider instance.
 *
 * @example
 * ```ts
 * const provider = await createCohereProvider('cohere', { type: 'cohere', apiKey: process.env.CO_API_KEY });
 * ```
 */
export const createCohereProvider: ProviderFactory = async (name, config) => new CohereProvider(name, config);
