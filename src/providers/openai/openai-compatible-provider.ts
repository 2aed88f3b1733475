/**
 * The provider base shared by every vendor reached through the official `openai` SDK's Chat
 * Completions API (`openai`, `xai`): client construction (lazy SDK, BYOK clients, no SDK retries),
 * generate, stream and error mapping. Subclasses describe their vendor's differences by overriding
 * the {@link OpenAIChatDialect} methods.
 *
 * @module
 */
import type { ClientOptions, OpenAI } from 'openai';
import { GatewayError } from '../../core/errors.js';
import { nodeFetch, transportSignalOptions, type TransportFetchOptions } from '../shared/node-fetch.js';
import { sdkLoggerFor } from '../shared/sdk-logger.js';
import { leanOpenAIClass } from './lean-openai-client.js';
import { loadSdk, toGatewayError, warmUp, type UpstreamErrorInfo } from '../shared/provider-support.js';
import { importOptional } from '../../core/optional-import.js';
import type {
  Provider,
  ProviderCall,
  ProviderConfig,
  ProviderGenerateResult,
  ProviderStreamResult,
  ProviderType,
} from '../provider.js';
import type { ProviderCredentials, ReasoningEffort, Warning } from '../../core/types.js';
import { buildChatRequest, type OpenAIChatDialect, type SamplingSetting } from './openai-request.js';
import { mapCompletion } from './openai-response.js';
import { mapChatStream } from './openai-stream.js';

/**
 * What a vendor fixes about its client: its type, where its key comes from, client defaults.
 *
 * @example
 * ```ts
 * const settings: OpenAICompatibleSettings = { type: 'xai', apiKeyVariable: 'XAI_API_KEY', clientDefaults: { baseURL: 'https://api.x.ai/v1' } };
 * ```
 */
export interface OpenAICompatibleSettings {
  type: ProviderType;
  /** The environment variable read when the config has no `apiKey`. */
  apiKeyVariable: string;
  /** SDK client options under the config's own (`baseURL`, `organization`...). */
  clientDefaults?: ClientOptions;
}

/** The parts of a call that pick and drive the SDK client. */
type CallTransport = { credentials?: ProviderCredentials; abortSignal: AbortSignal; headers?: Record<string, string> };

/** The per-request options switchyard passes to the SDK. */
type OpenAIRequestOptions = {
  signal?: AbortSignal;
  fetchOptions?: TransportFetchOptions;
  maxRetries?: number;
  headers?: Record<string, string>;
};
/** What the Chat Completions protocol cannot express, for any model. */
const TOP_K_ONLY: ReadonlySet<SamplingSetting> = new Set<SamplingSetting>(['topK']);
const MAX_BYOK_CLIENTS = 64;
const CONTENT_FILTER_CODES = new Set(['content_filter', 'content_policy_violation']);

/**
 * A provider speaking OpenAI's Chat Completions protocol through the `openai` SDK.
 *
 * @example
 * ```ts
 * class AcmeProvider extends OpenAICompatibleProvider {
 *   constructor(name: string, config: ProviderConfig) {
 *     super(name, config, { type: 'openai', apiKeyVariable: 'ACME_API_KEY', clientDefaults: { baseURL: 'https://api.acme.test/v1' } });
 *   }
 * }
 * ```
 */
export class OpenAICompatibleProvider implements Provider, OpenAIChatDialect {
  readonly name: string;
  readonly type: ProviderType;
  protected readonly config: ProviderConfig;
  private readonly settings: OpenAICompatibleSettings;
  private defaultClient: Promise<OpenAI> | undefined;
  private readonly byokClients = new Map<string, Promise<OpenAI>>();

  constructor(name: string, config: ProviderConfig, settings: OpenAICompatibleSettings) {
    this.name = name;
    this.type = settings.type;
    this.config = config;
    this.settings = settings;
  }

  async generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    try {
      const { body, warnings } = buildChatRequest(call, this);
      const client = await this.clientFor(call);
      // The body is this call's own: set the flag rather than copy it.
      const request = body as typeof body & { stream: false };
      request.stream = false;
      const response = await client.chat.completions.create(request, this.requestOptions(client, call));
      return mapCompletion(response, this, warnings);
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  /** Builds the configured client (its SDK loaded), so that the first call loads nothing. */
  warm(): Promise<void> {
    return warmUp(this.clientFor({ abortSignal: new AbortController().signal }));
  }

  async stream(call: ProviderCall): Promise<ProviderStreamResult> {
    try {
      const { body, warnings } = buildChatRequest(call, this);
      const client = await this.clientFor(call);
      const chunks = await client.chat.completions.create(
        { ...body, stream: true, stream_options: { include_usage: true, ...body.stream_options } },
        this.requestOptions(client, call),
      );
      const stream = mapChatStream(chunks, {
        dialect: this,
        warnings,
        signal: call.abortSignal,
        toError: (error) => this.toError(error, call),
      });
      return { stream, warnings };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  /** The wire `reasoning_effort`: by default every effort but `provider-default` is sent as it is. */
  reasoningEffort(effort: ReasoningEffort, _modelId: string, _warnings: Warning[]): string | undefined {
    return effort === 'provider-default' ? undefined : effort;
  }

  /** The sampling settings a model does not accept: by default only `topK`, which the protocol lacks. */
  unsupportedSettings(_modelId: string, _reasoningEffort: string | undefined): ReadonlySet<SamplingSetting> {
    return TOP_K_ONLY;
  }

  /** Reasoning text of a message or delta: none by default (OpenAI's Chat Completions sends none). */
  reasoningText(_source: object): string | undefined {
    return undefined;
  }

  /** The SDK client for a call: the configured one, or a BYOK client for `call.credentials.apiKey`. */
  protected clientFor(call: CallTransport): Promise<OpenAI> {
    const byokKey = call.credentials?.apiKey;
    if (byokKey === undefined || byokKey === '' || byokKey === this.config.apiKey) {
      this.defaultClient ??= this.forgetOnFailure(this.createClient(undefined), () => (this.defaultClient = undefined));
      return this.defaultClient;
    }
    let client = this.byokClients.get(byokKey);
    if (!client) {
      client = this.forgetOnFailure(this.createClient(byokKey), () => this.byokClients.delete(byokKey));
      this.byokClients.set(byokKey, client);
      if (this.byokClients.size > MAX_BYOK_CLIENTS)
        this.byokClients.delete(this.byokClients.keys().next().value as string);
    }
    return client;
  }

  /**
   * Per-request SDK options: the abort signal (see {@link transportSignalOptions}), no SDK retries, the call's extra
   * headers.
   */
  protected requestOptions(client: OpenAI, call: CallTransport): OpenAIRequestOptions {
    const options: OpenAIRequestOptions = transportSignalOptions(client, call);
    options.maxRetries = 0;
    if (call.headers) options.headers = call.headers;
    return options;
  }

  /** Anything the SDK threw, as a `GatewayError` without any key in it. */
  protected toError(error: unknown, call: CallTransport): GatewayError {
    const secrets = [this.configuredKey(), call.credentials?.apiKey].filter(
      (secret): secret is string => typeof secret === 'string',
    );
    return toGatewayError(error, {
      provider: this.name,
      signal: call.abortSignal,
      secrets,
      extract: extractOpenAIError,
    });
  }

  private async createClient(byokKey: string | undefined): Promise<OpenAI> {
    const injected = this.config.client as OpenAI | undefined;
    if (injected) return byokKey === undefined ? injected : injected.withOptions({ apiKey: byokKey, maxRetries: 0 });
    const apiKey = byokKey ?? this.configuredKey();
    if (!apiKey) {
      throw new GatewayError(
        'provider_authentication',
        `${this.name}: no API key; set apiKey in the provider config or ${this.settings.apiKeyVariable}`,
        { provider: this.name },
      );
    }
    const { default: OpenAIClient } = await loadSdk('openai', this.type, () =>
      importOptional<typeof import('openai')>('openai'),
    );
    const clientOptions = (this.config.clientOptions ?? {}) as ClientOptions;
    // The SDK's client, with less work per request on the common path (see lean-openai-client.ts).
    const Client = leanOpenAIClass(OpenAIClient);
    return new Client({
      ...this.settings.clientDefaults,
      // The SDK logs to the console by default (a malformed stream event, for one): to the configured logger or
      // nowhere.
      logger: sdkLoggerFor(this.name, this.config.logger),
      logLevel: this.config.logger ? 'warn' : 'off',
      ...clientOptions,
      apiKey,
      ...(this.config.baseURL === undefined ? {} : { baseURL: this.config.baseURL }),
      ...(this.config.timeoutMs === undefined ? {} : { timeout: this.config.timeoutMs }),
      maxRetries: 0,
      fetch: clientOptions.fetch ?? nodeFetch,
      defaultHeaders: {
        ...(clientOptions.defaultHeaders as Record<string, string> | undefined),
        ...this.config.headers,
      },
    });
  }

  /** The key of the config, or of the vendor's environment variable. */
  private configuredKey(): string | undefined {
    return this.config.apiKey ?? process.env[this.settings.apiKeyVariable];
  }

  private forgetOnFailure(client: Promise<OpenAI>, forget: () => void): Promise<OpenAI> {
    client.catch(forget);
    return client;
  }
}

/**
 * Reads the `openai` SDK's error classes by shape, so that an injected client from another copy of the SDK works too.
 */
function extractOpenAIError(error: unknown): UpstreamErrorInfo | undefined {
  if (!(error instanceof Error)) return undefined;
  const upstream = error as Error & {
    status?: unknown;
    headers?: UpstreamErrorInfo['headers'];
    code?: unknown;
    error?: unknown;
    requestID?: unknown;
  };
  if (typeof upstream.status === 'number') {
    const filtered = typeof upstream.code === 'string' && CONTENT_FILTER_CODES.has(upstream.code);
    return {
      status: upstream.status,
      headers: upstream.headers,
      message: upstream.message,
      ...(filtered ? { code: 'provider_content_filter' } : {}),
    };
  }
  // An error event inside a stream: an APIError without a status, carrying the vendor's error body.
  if ('requestID' in upstream && typeof upstream.error === 'object' && upstream.error !== null)
    return { message: upstream.message, code: 'provider_error' };
  return undefined;
}
