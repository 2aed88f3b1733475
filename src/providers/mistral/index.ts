/**
 * The `mistral` provider: Mistral's chat and embedding APIs through `@mistralai/mistralai`
 * (loaded on first use), with the SDK's retries off, the call's abort signal on every request, BYOK
 * clients per key, and every failure mapped to a `GatewayError`.
 *
 * @module
 */
import type { Mistral } from '@mistralai/mistralai';
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
  ProviderStreamResult,
} from '../provider.js';
import { SdkClientPool } from '../shared/sdk-client-pool.js';

const ignore = (): void => undefined;
/** A `debugLogger` that drops the SDK's request and response dumps. */
const SILENT_DEBUG_LOGGER = { group: ignore, groupEnd: ignore, log: ignore };
import { buildMistralChatRequest, buildMistralEmbeddingRequest } from './mistral-request.js';
import { mistralResult, mistralStreamParts } from './mistral-response.js';

export {
  buildMistralChatRequest,
  buildMistralEmbeddingRequest,
  mistralMessages,
  mistralToolCallId,
  mistralVendorOptions,
  type MistralTarget,
} from './mistral-request.js';
export { mistralFinishReason, mistralResult, mistralStreamParts, mistralUsage } from './mistral-response.js';

type RequestOptions = NonNullable<Parameters<Mistral['chat']['complete']>[1]>;

/** The fields of the SDK's request schemas, to tell which passthrough keys it would drop. */
interface SchemaFields {
  chat?: ReadonlySet<string>;
  embed?: ReadonlySet<string>;
}

/** The keys of a zod object schema wrapped in a transform (`z.object(...).transform(...)`), if it is one. */
function schemaKeys(schema: unknown): ReadonlySet<string> | undefined {
  const shape = (schema as { in?: { shape?: unknown } } | undefined)?.in?.shape;
  return typeof shape === 'object' && shape !== null ? new Set(Object.keys(shape)) : undefined;
}

/** A readable message from a Mistral error body (`{ message }`, or a 422's `{ detail: [{ loc, msg }] }`). */
function bodyMessage(body: unknown): string | undefined {
  if (typeof body !== 'string' || body === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body.slice(0, 500);
  }
  const value = parsed as { message?: unknown; detail?: unknown };
  if (typeof value.message === 'string') return value.message;
  if (typeof value.detail === 'string') return value.detail;
  const detail = Array.isArray(value.detail)
    ? value.detail
    : (value.message as { detail?: unknown } | undefined)?.detail;
  if (Array.isArray(detail)) {
    return detail
      .map(
        (item: { loc?: unknown; msg?: unknown }) =>
          `${Array.isArray(item.loc) ? item.loc.join('.') : ''}: ${String(item.msg)}`,
      )
      .join('; ');
  }
  return body.slice(0, 500);
}

/**
 * Reads the SDK's errors by name and shape (so a client from another copy of the SDK works too):
 * `MistralError` subclasses carry `statusCode`, `headers` and `body`; response validation failures
 * mean a body that is not Mistral's format.
 */
function extractMistralError(error: unknown): UpstreamErrorInfo | undefined {
  if (!(error instanceof Error)) return undefined;
  switch (error.name) {
    case 'ResponseValidationError':
    case 'ZodError':
    case '$ZodError':
      return {
        code: 'provider_bad_response',
        message: `the response is not in Mistral's format (${error.message.split('\n')[0]})`,
      };
    case 'SDKValidationError':
      return { code: 'provider_invalid_request', message: error.message.split('\n')[0] };
    case 'RequestTimeoutError':
      return { code: 'provider_timeout', message: 'the request timed out' };
    case 'ConnectionError':
      return { code: 'provider_connection', message: error.message };
  }
  const upstream = error as Error & { statusCode?: unknown; headers?: UpstreamErrorInfo['headers']; body?: unknown };
  if (typeof upstream.statusCode !== 'number') return undefined;
  return {
    status: upstream.statusCode,
    headers: upstream.headers,
    message: `status ${upstream.statusCode}: ${bodyMessage(upstream.body) ?? error.message}`,
  };
}

/**
 * The call's abort signal, plus the configured timeout until the response starts (the SDK applies
 * its own `timeoutMs` only when no signal is given).
 */
function upstreamSignal(signal: AbortSignal, timeoutMs: number | undefined): { signal: AbortSignal; started(): void } {
  if (!timeoutMs || timeoutMs <= 0) return { signal, started: () => undefined };
  const controller = new AbortController();
  const forward = (): void => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation timed out', 'TimeoutError')),
    timeoutMs,
  );
  return { signal: controller.signal, started: () => clearTimeout(timer) };
}

/**
 * A provider for Mistral's API (`mistral-small-latest`, `mistral-medium-latest`, `pixtral-large-latest`,
 * `magistral-medium-latest`, `mistral-embed`, `codestral-embed`...).
 *
 * @example
 * ```ts
 * const provider = new MistralProvider('mistral', { type: 'mistral', apiKey: process.env.MISTRAL_API_KEY });
 * const result = await provider.generate({ modelId: 'mistral-small-latest', prompt, abortSignal: AbortSignal.timeout(30_000) });
 * ```
 */
export class MistralProvider implements Provider {
  readonly type = 'mistral' as const;
  /** Values per embedding call. */
  readonly maxEmbeddingsPerCall = 32;
  private readonly clients: SdkClientPool<Mistral>;
  private schemaFields: Promise<SchemaFields> | undefined;

  constructor(
    readonly name: string,
    private readonly config: ProviderConfig,
  ) {
    this.clients = new SdkClientPool((apiKey) => this.createClient(apiKey), config.client as Mistral | undefined);
  }

  async generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    const upstream = upstreamSignal(call.abortSignal, this.config.timeoutMs);
    try {
      const { request, warnings } = buildMistralChatRequest(call, this, (await this.fields()).chat);
      const client = await this.clients.get(call.credentials?.apiKey);
      const response = await client.chat.complete(request, this.requestOptions(call, upstream.signal));
      return mistralResult(response, warnings, this.name);
    } catch (error) {
      throw this.toError(error, call);
    } finally {
      upstream.started();
    }
  }

  /**
   * Builds the configured client and reads the SDK's request fields; also loads the SDK's tracing and telemetry
   * modules, which it would otherwise import inside the first request (absent from older SDKs: then nothing).
   */
  warm(): Promise<void> {
    return warmUp(
      this.clients.get(undefined),
      this.fields(),
      ...['otel', 'telemetry'].map((name) =>
        importOptional(`@mistralai/mistralai/extra/observability/${name}`).catch(() => undefined),
      ),
    );
  }

  async stream(call: ProviderCall): Promise<ProviderStreamResult> {
    const upstream = upstreamSignal(call.abortSignal, this.config.timeoutMs);
    try {
      const { request, warnings } = buildMistralChatRequest(call, this, (await this.fields()).chat);
      const client = await this.clients.get(call.credentials?.apiKey);
      const events = await client.chat.stream({ ...request, stream: true }, this.requestOptions(call, upstream.signal));
      const stream = mistralStreamParts(events, {
        provider: this.name,
        warnings,
        signal: call.abortSignal,
        toError: (error) => this.toError(error, call),
      });
      return { stream, warnings };
    } catch (error) {
      throw this.toError(error, call);
    } finally {
      upstream.started();
    }
  }

  async embed(call: ProviderEmbedCall): Promise<ProviderEmbedResult> {
    const upstream = upstreamSignal(call.abortSignal, this.config.timeoutMs);
    try {
      const { request, warnings } = buildMistralEmbeddingRequest(call, this, (await this.fields()).embed);
      const client = await this.clients.get(call.credentials?.apiKey);
      const response = await client.embeddings.create(request, this.requestOptions(call, upstream.signal));
      const data = [...response.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== call.values.length || data.some((item) => !item.embedding)) {
        throw new GatewayError(
          'provider_bad_response',
          `${this.name}: expected ${call.values.length} embeddings, got ${data.length}`,
          { provider: this.name },
        );
      }
      return {
        embeddings: data.map((item) => item.embedding as number[]),
        usage: { tokens: response.usage.promptTokens },
        warnings,
      };
    } catch (error) {
      throw this.toError(error, call);
    } finally {
      upstream.started();
    }
  }

  /** Per-request SDK options: the signal, no retries, the configured and the call's extra headers. */
  private requestOptions(call: { headers?: Record<string, string> }, signal: AbortSignal): RequestOptions {
    const headers = { ...this.config.headers, ...call.headers };
    return { signal, retries: { strategy: 'none' }, ...(Object.keys(headers).length > 0 ? { headers } : {}) };
  }

  private toError(error: unknown, call: { abortSignal: AbortSignal; credentials?: { apiKey?: string } }): GatewayError {
    const secrets = [this.configuredKey(), call.credentials?.apiKey].filter(
      (secret): secret is string => typeof secret === 'string' && secret !== '',
    );
    return toGatewayError(error, {
      provider: this.name,
      signal: call.abortSignal,
      secrets,
      extract: extractMistralError,
    });
  }

  private configuredKey(): string | undefined {
    return this.config.apiKey ?? process.env.MISTRAL_API_KEY;
  }

  private async createClient(byokKey: string | undefined): Promise<Mistral> {
    const apiKey = byokKey ?? this.configuredKey();
    if (!apiKey)
      throw new GatewayError(
        'provider_authentication',
        `${this.name}: no API key; set apiKey in the provider config or MISTRAL_API_KEY`,
        { provider: this.name },
      );
    const { Mistral: MistralClient } = await loadSdk('@mistralai/mistralai', this.type, () =>
      importOptional<typeof import('@mistralai/mistralai')>('@mistralai/mistralai'),
    );
    // The SDK joins absolute paths (`/v1/...`) to the server URL, so a trailing `/v1` is dropped.
    const serverURL = this.config.baseURL?.replace(/\/+$/, '').replace(/\/v1$/, '');
    // The SDK's only logging is a debug dump of every request and response, headers (the API key) included, to the
    // console when MISTRAL_DEBUG is set: silenced, unless the caller passes its own `debugLogger` in clientOptions.
    return new MistralClient({
      debugLogger: SILENT_DEBUG_LOGGER,
      ...this.config.clientOptions,
      apiKey,
      ...(serverURL ? { serverURL } : {}),
      retryConfig: { strategy: 'none' },
    });
  }

  /** The SDK's request fields, read once from its schemas (empty when they cannot be read). */
  private fields(): Promise<SchemaFields> {
    this.schemaFields ??= importOptional<typeof import('@mistralai/mistralai/models/components')>(
      '@mistralai/mistralai/models/components',
    ).then(
      (components) => ({
        chat: schemaKeys(components.ChatCompletionRequest$outboundSchema),
        embed: schemaKeys(components.EmbeddingRequest$outboundSchema),
      }),
      () => ({}),
    );
    return this.schemaFields;
  }
}

/**
 * Builds a `mistral` provider instance.
 *
 * @example
 * ```ts
 * const provider = await createMistralProvider('mistral', { type: 'mistral', apiKey: process.env.MISTRAL_API_KEY });
 * ```
 */
export const createMistralProvider: ProviderFactory = async (name, config) => new MistralProvider(name, config);
