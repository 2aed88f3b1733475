/**
 * The `anthropic` provider: Anthropic's Messages API through the official `@anthropic-ai/sdk`,
 * loaded lazily on first use.
 *
 * @module
 */
import { nodeFetch } from '../shared/node-fetch.js';
import type Anthropic from '@anthropic-ai/sdk';
import type {
  Provider,
  ProviderCall,
  ProviderConfig,
  ProviderFactory,
  ProviderGenerateResult,
  ProviderStreamResult,
} from '../provider.js';
import { loadSdk, warmUp } from '../shared/provider-support.js';
import { sdkLoggerFor } from '../shared/sdk-logger.js';
import { importOptional } from '../../core/optional-import.js';
import { AnthropicMessages } from './anthropic-messages.js';

export {
  AnthropicMessages,
  extractAnthropicError,
  type AnthropicMessagesSettings,
  type MessagesClient,
} from './anthropic-messages.js';

/** BYOK clients kept per key; the oldest is dropped beyond this many. */
const MAX_BYOK_CLIENTS = 32;

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
  private readonly messages: AnthropicMessages;

  constructor(
    readonly name: string,
    private readonly config: ProviderConfig,
  ) {
    this.messages = new AnthropicMessages({
      provider: name,
      optionsKey: name,
      timeoutMs: config.timeoutMs,
      client: (call) => this.clientFor(call),
      secrets: (call) =>
        [config.apiKey, call.credentials?.apiKey].filter((secret): secret is string => typeof secret === 'string'),
    });
  }

  generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    return this.messages.generate(call);
  }

  /** Builds the configured client (its SDK loaded), so that the first call loads nothing. */
  warm(): Promise<void> {
    return warmUp(this.baseClient());
  }

  stream(call: ProviderCall): Promise<ProviderStreamResult> {
    return this.messages.stream(call);
  }

  /** The configured client, or a client for the call's own key (BYOK). */
  private clientFor(call: ProviderCall): Promise<Anthropic> {
    const apiKey = call.credentials?.apiKey;
    if (typeof apiKey !== 'string' || apiKey === '' || apiKey === this.config.apiKey) return this.baseClient();
    let client = this.byokClients.get(apiKey);
    if (!client) {
      client = this.config.client
        ? this.baseClient().then((base) => base.withOptions({ apiKey }))
        : this.createClient(apiKey);
      client.catch(() => this.byokClients.delete(apiKey));
      if (this.byokClients.size >= MAX_BYOK_CLIENTS)
        this.byokClients.delete(this.byokClients.keys().next().value as string);
      this.byokClients.set(apiKey, client);
    }
    return client;
  }

  private baseClient(): Promise<Anthropic> {
    if (!this.client) {
      this.client = this.config.client
        ? Promise.resolve(this.config.client as Anthropic)
        : this.createClient(this.config.apiKey);
      this.client.catch(() => (this.client = undefined));
    }
    return this.client;
  }

  private async createClient(apiKey: string | undefined): Promise<Anthropic> {
    const { default: AnthropicClient } = await loadSdk('@anthropic-ai/sdk', 'anthropic', () =>
      importOptional<typeof import('@anthropic-ai/sdk')>('@anthropic-ai/sdk'),
    );
    return new AnthropicClient({
      fetch: nodeFetch,
      // The SDK logs to the console by default (a malformed stream event, for one): to the configured logger or
      // nowhere.
      logger: sdkLoggerFor(this.name, this.config.logger),
      logLevel: this.config.logger ? 'warn' : 'off',
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
export const createAnthropicProvider: ProviderFactory = async (name: string, config: ProviderConfig) =>
  new AnthropicProvider(name, config);
