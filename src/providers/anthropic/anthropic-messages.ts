/**
 * One Messages API call over any `@anthropic-ai/sdk` client: Anthropic's own (`anthropic`) or
 * `AnthropicVertex` (Claude on Vertex AI, through the `vertex` provider). Both build the request,
 * map the answer and the event stream, and turn failures into `GatewayError`s the same way; only the
 * client, the provider-option namespace and the secrets to redact differ.
 *
 * @module
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { ProviderCall, ProviderGenerateResult, ProviderStreamResult } from '../provider.js';
import { toGatewayError, type UpstreamErrorInfo } from '../shared/provider-support.js';
import { transportSignalOptions } from '../shared/node-fetch.js';
import { SILENT_LOGGER, withSdkNotices, type LeveledLogger } from '../shared/sdk-logger.js';
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
  if (/Could not resolve authentication method/.test(error.message))
    return { code: 'provider_authentication', message: 'no Anthropic API key is configured' };
  if (status === undefined && type === undefined && apiMessage === undefined) return undefined;
  return {
    status,
    headers:
      typeof (fields.headers as { get?: unknown } | undefined)?.get === 'function'
        ? (fields.headers as { get(name: string): string | null })
        : undefined,
    message: apiMessage === undefined ? undefined : `${status ?? type} ${apiMessage}`,
    code: status === undefined && type !== undefined ? CODES_BY_ERROR_TYPE[type] : undefined,
  };
}

/**
 * What a Messages API call needs of an SDK client: `Anthropic` and `AnthropicVertex` both fit.
 *
 * @example
 * ```ts
 * const client: MessagesClient = new Anthropic({ apiKey, maxRetries: 0 });
 * ```
 */
export interface MessagesClient {
  readonly messages: Pick<Anthropic['messages'], 'create'>;
  readonly timeout: number;
}

/**
 * How one provider runs its Messages API calls.
 *
 * @example
 * ```ts
 * const settings: AnthropicMessagesSettings = { provider: 'anthropic', optionsKey: 'anthropic', client: async () => client, secrets: () => [apiKey] };
 * ```
 */
export interface AnthropicMessagesSettings {
  /** The provider instance name, for errors. */
  provider: string;
  /** Whose `providerOptions` the request reads, on top of `providerOptions.anthropic` (see `anthropicOptions`). */
  optionsKey: string;
  /** Timeout of one upstream call; the client's own timeout when absent. */
  timeoutMs?: number;
  /** The client for a call (its BYOK credentials may select another one). */
  client(call: ProviderCall): Promise<MessagesClient>;
  /** Values that must never reach an error message. */
  secrets(call: ProviderCall): readonly string[];
  /** Fields added to every request body (Vertex AI's `anthropic_version`). */
  extraBody?: Readonly<Record<string, unknown>>;
  /** Reads an SDK failure; {@link extractAnthropicError} by default. */
  extract?(error: unknown): UpstreamErrorInfo | undefined;
}

/**
 * Runs Messages API calls (`generate`, `stream`) over an SDK client, with the SDK's retries off and
 * the call's abort signal, timeout and headers on every request.
 *
 * @example
 * ```ts
 * const messages = new AnthropicMessages({ provider: 'anthropic', optionsKey: 'anthropic', client: async () => client, secrets: () => [apiKey] });
 * const result = await messages.generate({ modelId: 'claude-sonnet-4-20250514', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export class AnthropicMessages {
  constructor(private readonly settings: AnthropicMessagesSettings) {}

  async generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    try {
      const plan = this.plan(call);
      const client = await this.settings.client(call);
      const message = await withSdkNotices(sdkLogger(client), () =>
        client.messages.create({ ...plan.body, stream: false }, this.requestOptions(client, call, plan)),
      );
      const { content, finishReason, usage, providerMetadata } = mapMessage(message, plan.jsonToolName);
      return {
        content,
        finishReason,
        usage,
        warnings: plan.warnings,
        responseId: message.id,
        responseModelId: message.model,
        providerMetadata,
      };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  async stream(call: ProviderCall): Promise<ProviderStreamResult> {
    try {
      const plan = this.plan(call);
      const client = await this.settings.client(call);
      const events = await withSdkNotices(sdkLogger(client), () =>
        client.messages.create({ ...plan.body, stream: true }, this.requestOptions(client, call, plan)),
      );
      const stream = mapMessageStream(events, {
        warnings: plan.warnings,
        jsonToolName: plan.jsonToolName,
        provider: this.settings.provider,
        signal: call.abortSignal,
        toError: (error) => this.toError(error, call),
      });
      return { stream, warnings: plan.warnings };
    } catch (error) {
      throw this.toError(error, call);
    }
  }

  private plan(call: ProviderCall): AnthropicRequestPlan {
    const plan = buildMessagesRequest(call, this.settings.optionsKey);
    if (this.settings.extraBody) Object.assign(plan.body, this.settings.extraBody);
    return plan;
  }

  private requestOptions(client: MessagesClient, call: ProviderCall, plan: AnthropicRequestPlan): RequestOptions {
    return {
      ...transportSignalOptions(client, call),
      maxRetries: 0,
      timeout: this.settings.timeoutMs ?? (typeof client.timeout === 'number' ? client.timeout : DEFAULT_TIMEOUT_MS),
      headers: { ...plan.headers, ...call.headers },
    };
  }

  private toError(error: unknown, call: ProviderCall): GatewayError {
    return toGatewayError(error, {
      provider: this.settings.provider,
      signal: call.abortSignal,
      extract: this.settings.extract ?? extractAnthropicError,
      secrets: this.settings.secrets(call),
    });
  }
}

/**
 * The logger the client was built with (its `logger` option: the configured logger, routed, or a silent
 * one), which the SDK's own console notices go to as well.
 */
function sdkLogger(client: object): LeveledLogger {
  const logger = (client as { logger?: LeveledLogger }).logger;
  return logger ?? SILENT_LOGGER;
}
