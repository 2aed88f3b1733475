/**
 * The `anthropic` provider: Anthropic's Messages API through the official `@anthropic-ai/sdk`,
 * loaded lazily on first use.
 *
 * @module
 */
import { nodeFetch } from '../node-fetch.js';
import type Anthropic from '@anthropic-ai/sdk';
import type { GatewayError, GatewayErrorCode } from '../../errors.js';
import type { Provider, ProviderCall, ProviderConfig, ProviderFactory, ProviderGenerateResult, ProviderStreamResult } from '../provider.js';
import { loadSdk, toGatewayError, type UpstreamErrorInfo } from '../provider-support.js';
import { buildMessagesRequest, type AnthropicRequestPlan } from './anthropic-request.js';
import { mapMessage } from './anthropic-response.js';
import { mapMessageStream } from './anthropic-stream.js';

/** Error `type`s of Anthropic error bodies and stream error events, for errors without an HTTP status. */
const CODES_BY_ERROR_TYPE: Record<string, GatewayErrorCode> = {
  invalid_request_error: 'provider_invalid_request',
  request_too_large: 'provider_invalid_request',
  authentication_error: 'provider_authentication',
  permission_error: 'provider_permission',
  billing_error: 'provider_permission',
  not_found_error: 'provider_not_found',
  rate_limit_error: 'provider_rate_limited',
  timeout_error: 'provider_timeout',
  api_error: 'provider_unavailable',
  overloaded_error: 'provider_overloaded',
};

/** The SDK's per-request options (not exported under a public path). */
type RequestOptions = NonNullable<Parameters<Anthropic['messages']['create']>[1]>;

/** BYOK clients kept per key; the oldest is dropped beyond this many. */
const MAX_BYOK_CLIENTS = 32;

const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Reads what an `@anthropic-ai/sdk` error exposes: its status, headers, the API's own message and,
 * for stream error events (which have no status), the error type.
 *
 * @example
 * ```ts
 * toGatewayError(error, { provider: 'anthropic', extract: extractAnthropicError });
 * ```
 */
export function extractAnthropicError(error: unknown): UpstreamErrorInfo | undefined {
  if (!(error instanceof Error)) return undefined;
  const fields = error as Error & { status?: unknown; headers?: unknown; type?: unknown; apiMessage?: unknown };
  const status = typeof fields.status === 'number' ? fields.status : undefined;
  const type = typeof fields.type === 'string' ? fields.type : undefined;
  const apiMessage = typeof fields.apiMessage === 'string' ? fields.apiMessage : undefined;
  // The SDK refuses to send a request when it finds no key (none configured, none in the environment).
  if (/Could not resolve authentication method/.test(error.message)) return { code: 'provider_authentication', message: 'no Anthropic API key is configured' };
  if (status === undefined && type === undefined && apiMessage === undefined) return undefined;
  return {
    status,
    headers: fields.headers instanceof Headers ? fields.headers : undefined,
    message: apiMessage === undefined ? undefined : `${status ?? type} ${apiMessage}`,
    code: status === undefined && type !== undefined ? CODES_BY_ERROR_TYPE[type] : undefined,
  };
}

/**
 * A provider for Anthropic's Messages API. Anthropic has no embeddings endpoint, so `embed` is absent.
 *
 * @example
 * ```ts
 * const provider = new AnthropicProvider('anthropic', { type: 'anthropic', apiKey: process.env.ANTHROPIC_API_KEY });
 * const result = await provider.generate({ modelId: 'claude-sonnet-4-20250514', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export class AnthropicProvider implements Provider {
  readonly type = 'anthropic' as const;
  private client: Promise<Anthropic> | undefined;
  private readonly byokClients = new Map<string, Promise<Anthropic>>();

  constructor(
    readonly name: string,
    private readonly config: ProviderConfig,
  ) {}

  async generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    try {
      const plan = buildMessagesRequest(call, this.name);
      const client = await this.clientFor(call);
      const message = await client.messages.create({ ...plan.body, stream: false }, this.requestOptions(client, call, plan));
      const { content, finishReason, usage, providerMetadata } = mapMessage(message, plan.jsonToolName);
      return { content, finishReason, usage, warnings: plan.warnings, responseId: message.id, responseModelId: message.model, providerMetadata };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  async stream(call: ProviderCall): Promise<ProviderStreamResult> {
    try {
      const plan = buildMessagesRequest(call, this.name);
      const client = await this.clientFor(call);
      const events = await client.messages.create({ ...plan.body, stream: true }, this.requestOptions(client, call, plan));
      const stream = mapMessageStream(events, {
        warnings: plan.warnings,
        jsonToolName: plan.jsonToolName,
        provider: this.name,
        signal: call.abortSignal,
        toError: (error) => this.toError(error, call),
      });
      return { stream, warnings: plan.warnings };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  private requestOptions(client: Anthropic, call: ProviderCall, plan: AnthropicRequestPlan): RequestOptions {
    return {
      signal: call.abortSignal,
      maxRetries: 0,
      timeout: this.config.timeoutMs ?? (typeof client.timeout === 'number' ? client.timeout : DEFAULT_TIMEOUT_MS),
      headers: { ...plan.headers, ...call.headers },
    };
  }

  private toError(error: unknown, call: ProviderCall): GatewayError {
    const secrets = [this.config.apiKey, call.credentials?.apiKey].filter((secret): secret is string => typeof secret === 'string');
    return toGatewayError(error, { provider: this.name, signal: call.abortSignal, extract: extractAnthropicError, secrets });
  }

  /** The configured client, or a client for the call's own key (BYOK). */
  private clientFor(call: ProviderCall): Promise<Anthropic> {
    const apiKey = call.credentials?.apiKey;
    if (typeof apiKey !== 'string' || apiKey === '' || apiKey === this.config.apiKey) return this.baseClient();
    let client = this.byokClients.get(apiKey);
    if (!client) {
      client = this.config.client ? this.baseClient().then((base) => base.withOptions({ apiKey })) : this.createClient(apiKey);
      client.catch(() => this.byokClients.delete(apiKey));
      if (this.byokClients.size >= MAX_BYOK_CLIENTS) this.byokClients.delete(this.byokClients.keys().next().value as string);
      this.byokClients.set(apiKey, client);
    }
    return client;
  }

  private baseClient(): Promise<Anthropic> {
    if (!this.client) {
      this.client = this.config.client ? Promise.resolve(this.config.client as Anthropic) : this.createClient(this.config.apiKey);
      this.client.catch(() => (this.client = undefined));
    }
    return this.client;
  }

  private async createClient(apiKey: string | undefined): Promise<Anthropic> {
    const { default: AnthropicClient } = await loadSdk('@anthropic-ai/sdk', 'anthropic', () => import('@anthropic-ai/sdk'));
    return new AnthropicClient({
      fetch: nodeFetch,
      ...this.config.clientOptions,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(this.config.baseURL === undefined ? {} : { baseURL: this.config.baseURL }),
      ...(this.config.timeoutMs === undefined ? {} : { timeout: this.config.timeoutMs }),
      ...(this.config.headers === undefined ? {} : { defaultHeaders: this.config.headers }),
      maxRetries: 0,
    });
  }
}

/**
 * Builds an `anthropic` provider instance (the registry's loader for this type).
 *
 * @example
 * ```ts
 * const provider = await createAnthropicProvider('anthropic', { type: 'anthropic', apiKey: process.env.ANTHROPIC_API_KEY });
 * ```
 */
export const createAnthropicProvider: ProviderFactory = async (name: string, config: ProviderConfig) => new AnthropicProvider(name, config);
