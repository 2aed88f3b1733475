/**
 * Claude on Vertex AI, for the `vertex` provider: the `AnthropicVertex` client of the official
 * `@anthropic-ai/vertex-sdk` (which sends Anthropic's Messages API as
 * `POST /v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict`,
 * or `:streamRawPredict`, with Google OAuth), and what differs from Anthropic's own API: the
 * `anthropic_version` body field, the base URL, and the Google credential failures.
 *
 * @module
 */
import type { AnthropicVertex, ClientOptions as AnthropicVertexOptions } from '@anthropic-ai/vertex-sdk';
import type { GoogleGenAIOptions } from '@google/genai';
import { extractAnthropicError } from '../anthropic/anthropic-messages.js';
import { nodeFetch } from '../shared/node-fetch.js';
import { loadSdk, type UpstreamErrorInfo } from '../shared/provider-support.js';
import { sdkLoggerFor, type SdkLogger } from '../shared/sdk-logger.js';
import { importOptional } from '../../core/optional-import.js';
import { accessTokenAuthClient } from './google-client.js';

/**
 * The Messages API version Vertex AI expects in the body of every Claude request. The provider sets
 * it itself: older SDKs add it, newer ones copy the first-party `anthropic-version` header instead.
 *
 * @example
 * ```ts
 * const body = { ...messagesBody, anthropic_version: VERTEX_ANTHROPIC_VERSION };
 * ```
 */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** The OAuth scope Vertex AI needs (the one `AnthropicVertex` asks for by default). */
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Whether a Vertex AI model id names an Anthropic Claude model (`claude-sonnet-4@20250514`), served
 * through `AnthropicVertex` rather than `@google/genai`.
 *
 * @example
 * ```ts
 * isClaudeModel('claude-sonnet-4@20250514'); // true
 * isClaudeModel('gemini-2.5-flash'); // false
 * ```
 */
export function isClaudeModel(modelId: string): boolean {
  return /^claude-/i.test(modelId);
}

/**
 * The base URL for `AnthropicVertex`: the configured one, with `/v1` appended when it names no API
 * version (the `vertex` config shares one base URL between Gemini and Claude); `undefined` lets the
 * SDK derive Google's endpoint from the region.
 *
 * @example
 * ```ts
 * claudeBaseURL('http://127.0.0.1:4010'); // 'http://127.0.0.1:4010/v1'
 * claudeBaseURL('https://us-east5-aiplatform.googleapis.com/v1'); // unchanged
 * ```
 */
export function claudeBaseURL(baseURL: string | undefined): string | undefined {
  if (!baseURL) return undefined;
  const trimmed = baseURL.replace(/\/+$/, '');
  return /\/v\d+(?:alpha|beta)?\d*$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

/**
 * Reads an `AnthropicVertex` failure: Anthropic's error bodies (and Google's, for quota and
 * authentication errors) as for the `anthropic` provider; Google credentials that cannot be obtained
 * and an unknown project are authentication failures, not connection errors.
 *
 * @example
 * ```ts
 * toGatewayError(error, { provider: 'vertex', extract: extractClaudeOnVertexError });
 * ```
 */
export function extractClaudeOnVertexError(error: unknown): UpstreamErrorInfo | undefined {
  if (error instanceof Error && /Failed to acquire Google OAuth credentials/.test(error.message)) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { code: 'provider_authentication', message: `no Google credentials for Claude on Vertex AI${cause}` };
  }
  if (error instanceof Error && /No projectId was given/.test(error.message)) {
    return {
      code: 'provider_authentication',
      message: 'no Google Cloud project: set project in the provider config or GOOGLE_CLOUD_PROJECT',
    };
  }
  return extractAnthropicError(error);
}

/**
 * What an `AnthropicVertex` client is built from: the resolved Vertex AI settings of the `vertex`
 * provider (the configured ones, or a BYOK call's).
 *
 * @example
 * ```ts
 * const settings: ClaudeClientSettings = { provider: 'vertex', project: 'my-project', region: 'us-east5', accessToken: 'ya29...' };
 * ```
 */
export interface ClaudeClientSettings {
  /** The provider type, for a missing-package error. */
  provider: string;
  project?: string;
  region?: string;
  baseURL?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** A fixed OAuth access token. */
  accessToken?: string;
  /** A service-account key (`client_email`, `private_key`...), as google-auth-library's `credentials`. */
  serviceAccount?: NonNullable<NonNullable<GoogleGenAIOptions['googleAuthOptions']>['credentials']>;
  /** google-auth-library options from the config's `clientOptions.googleAuthOptions`. */
  googleAuthOptions?: GoogleGenAIOptions['googleAuthOptions'];
  /** Where the SDK's warnings and errors go (default: nowhere). */
  logger?: SdkLogger;
}

/**
 * Builds an `AnthropicVertex` client with its retries off: a fixed access token as its auth client;
 * else a service-account key or the config's google-auth-library options as its `GoogleAuth`
 * (google-auth-library is a dependency of the SDK); else the SDK's own Application Default
 * Credentials. The region defaults to `CLOUD_ML_REGION`, `GOOGLE_CLOUD_LOCATION`, else `global`.
 *
 * @example
 * ```ts
 * const { AnthropicVertex } = await import('@anthropic-ai/vertex-sdk');
 * const client = await createClaudeClient(AnthropicVertex, { provider: 'vertex', project: 'my-project', region: 'us-east5' });
 * ```
 */
export async function createClaudeClient(
  Client: typeof AnthropicVertex,
  settings: ClaudeClientSettings,
): Promise<AnthropicVertex> {
  const region = settings.region ?? process.env.CLOUD_ML_REGION ?? process.env.GOOGLE_CLOUD_LOCATION ?? 'global';
  const options: AnthropicVertexOptions = {
    fetch: nodeFetch,
    region,
    maxRetries: 0,
    // The SDK logs to the console by default (a malformed stream event, for one): to the configured logger or nowhere.
    logger: sdkLoggerFor(settings.provider, settings.logger),
    logLevel: settings.logger ? 'warn' : 'off',
    ...(settings.project ? { projectId: settings.project } : {}),
    ...(settings.baseURL ? { baseURL: claudeBaseURL(settings.baseURL) } : {}),
    ...(settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }),
    ...(settings.headers ? { defaultHeaders: settings.headers } : {}),
  };
  if (settings.accessToken) {
    options.authClient = accessTokenAuthClient(settings.accessToken) as unknown as AnthropicVertexOptions['authClient'];
  } else if (settings.serviceAccount || settings.googleAuthOptions) {
    const { GoogleAuth } = await loadSdk('google-auth-library', settings.provider, () =>
      importOptional<typeof import('google-auth-library')>('google-auth-library'),
    );
    options.googleAuth = new GoogleAuth({
      scopes: CLOUD_PLATFORM_SCOPE,
      ...settings.googleAuthOptions,
      ...(settings.serviceAccount ? { credentials: settings.serviceAccount } : {}),
      ...(settings.project ? { projectId: settings.project } : {}),
    });
  }
  return new Client(options);
}
