/**
 * Building `BedrockRuntimeClient`s: credentials (static keys, a Bedrock API key, or the standard AWS
 * chain), region, endpoint, an HTTP/1.1 keep-alive handler, no SDK retries, and extra headers.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { BedrockRuntimeClient, BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { GatewayError } from '../../core/errors.js';
import type { ProviderCredentials } from '../../core/types.js';
import type { ProviderConfig } from '../provider.js';
import { loadSdk } from '../shared/provider-support.js';
import { sdkLoggerFor, withSdkNotices, type LeveledLogger } from '../shared/sdk-logger.js';
import { importOptional } from '../../core/optional-import.js';

/** The Bedrock runtime SDK module, loaded on first use. @example `const sdk: BedrockSdk = await loadBedrockSdk();` */
export type BedrockSdk = typeof import('@aws-sdk/client-bedrock-runtime');

/**
 * Loads `@aws-sdk/client-bedrock-runtime` (fails with `provider_sdk_missing` naming it).
 *
 * @example
 * ```ts
 * const { ConverseCommand } = await loadBedrockSdk();
 * ```
 */
export function loadBedrockSdk(): Promise<BedrockSdk> {
  return loadSdk('@aws-sdk/client-bedrock-runtime', 'bedrock', () =>
    importOptional<BedrockSdk>('@aws-sdk/client-bedrock-runtime'),
  );
}

/**
 * What signs a client's requests: static AWS keys (SigV4), a Bedrock API key (bearer token), or
 * nothing (the SDK's standard credential chain).
 *
 * @example
 * ```ts
 * const auth: BedrockAuth = { region: 'eu-west-1', accessKeyId: 'AKIA...', secretAccessKey: '...' };
 * ```
 */
export interface BedrockAuth {
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  apiKey?: string;
}

/**
 * The auth a call uses: per-call credentials (BYOK) override the configured ones; a region alone
 * keeps the configured keys.
 *
 * @example
 * ```ts
 * resolveAuth({ type: 'bedrock', region: 'us-east-1' }, { apiKey: 'bedrock-api-key' }); // { region: 'us-east-1', apiKey: 'bedrock-api-key' }
 * ```
 */
export function resolveAuth(config: ProviderConfig, credentials: ProviderCredentials | undefined): BedrockAuth {
  const region =
    credentials?.region ?? config.credentials?.region ?? config.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const pick = (source: ProviderCredentials | undefined, apiKey: string | undefined): BedrockAuth | undefined => {
    if (source?.accessKeyId && source.secretAccessKey)
      return {
        region,
        accessKeyId: source.accessKeyId,
        secretAccessKey: source.secretAccessKey,
        sessionToken: source.sessionToken,
      };
    if (apiKey) return { region, apiKey };
    return undefined;
  };
  return (
    pick(credentials, credentials?.apiKey) ??
    pick(config.credentials, config.credentials?.apiKey ?? config.apiKey) ?? { region }
  );
}

/**
 * The secrets of an auth, for scrubbing error messages.
 *
 * @example
 * ```ts
 * authSecrets({ region: 'us-east-1', apiKey: 'k' }); // ['k']
 * ```
 */
export function authSecrets(auth: BedrockAuth): string[] {
  return [auth.secretAccessKey, auth.sessionToken, auth.apiKey].filter(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
}

/**
 * A cache key for an auth that holds no secret in clear.
 *
 * @example
 * ```ts
 * authKey({ region: 'us-east-1' }).length; // 64
 * ```
 */
export function authKey(auth: BedrockAuth): string {
  return createHash('sha256')
    .update(JSON.stringify([auth.region, auth.accessKeyId, auth.secretAccessKey, auth.sessionToken, auth.apiKey]))
    .digest('hex');
}

/** Adds headers to a request at the build step (before SigV4 signing, so they are signed). */
type HeaderStack = { add(middleware: unknown, options: { step: 'build'; name?: string; override?: boolean }): void };

/**
 * Adds fixed headers to every request sent through a client's or a command's middleware stack.
 *
 * @example
 * ```ts
 * addHeaders(client.middlewareStack, { 'x-team': 'search' });
 * ```
 */
export function addHeaders(stack: HeaderStack, headers: Record<string, string> | undefined): void {
  if (!headers || Object.keys(headers).length === 0) return;
  stack.add(
    (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (request?.headers) Object.assign(request.headers, headers);
      return next(args);
    },
    { step: 'build', name: 'switchyardHeaders', override: true },
  );
}

let http1Handler: Promise<NodeHttpHandler | undefined> | undefined;
const MAX_SOCKETS = 256;

/**
 * An HTTP/1.1 keep-alive handler (`@smithy/node-http-handler`, a dependency of the Bedrock SDK).
 * The SDK's default HTTP/2 handler opens one session per request and cannot talk to a plain-HTTP
 * endpoint (proxies, simulators); keep-alive HTTP/1.1 reuses connections. Undefined when the package
 * cannot be resolved (strict package layouts): the SDK's default is used for HTTPS then.
 */
function loadHttp1Handler(timeoutMs: number | undefined): Promise<NodeHttpHandler | undefined> {
  const create = async (): Promise<NodeHttpHandler | undefined> => {
    try {
      const { NodeHttpHandler: Handler } =
        await importOptional<typeof import('@smithy/node-http-handler')>('@smithy/node-http-handler');
      // A gateway runs many calls at once: more sockets per host than the SDK's default 50.
      const agents = { httpAgent: { maxSockets: MAX_SOCKETS }, httpsAgent: { maxSockets: MAX_SOCKETS } };
      return new Handler(
        timeoutMs === undefined
          ? agents
          : { ...agents, requestTimeout: timeoutMs, throwOnRequestTimeout: true, socketTimeout: timeoutMs },
      );
    } catch {
      return undefined;
    }
  };
  if (timeoutMs !== undefined) return create();
  http1Handler ??= create();
  return http1Handler;
}

/**
 * Builds a client for one auth. `maxAttempts: 1`: the gateway's router does the retrying.
 *
 * @example
 * ```ts
 * const client = await createBedrockClient({ type: 'bedrock', baseURL: 'http://127.0.0.1:4010' }, { region: 'us-east-1', accessKeyId: 'AKIA...', secretAccessKey: '...' });
 * ```
 */
export async function createBedrockClient(
  config: ProviderConfig,
  auth: BedrockAuth,
  name: string = config.type,
): Promise<BedrockRuntimeClient> {
  const sdk = await loadBedrockSdk();
  // The AWS SDK's logger gets each command's input and output at info level: only warnings and errors go on.
  const options: BedrockRuntimeClientConfig = {
    region: auth.region,
    maxAttempts: 1,
    logger: sdkLoggerFor(name, config.logger),
  };
  if (config.baseURL) options.endpoint = config.baseURL;
  if (auth.accessKeyId && auth.secretAccessKey) {
    options.credentials = {
      accessKeyId: auth.accessKeyId,
      secretAccessKey: auth.secretAccessKey,
      ...(auth.sessionToken ? { sessionToken: auth.sessionToken } : {}),
    };
    options.authSchemePreference = ['sigv4'];
  } else if (auth.apiKey) {
    options.token = { token: auth.apiKey };
    options.authSchemePreference = ['httpBearerAuth'];
  }
  if (!config.clientOptions?.requestHandler) {
    const handler = await loadHttp1Handler(config.timeoutMs);
    if (handler) options.requestHandler = handler;
    else if (config.baseURL?.startsWith('http:')) {
      throw new GatewayError(
        'provider_sdk_missing',
        "A plain-HTTP Bedrock endpoint needs the package '@smithy/node-http-handler': run npm install @smithy/node-http-handler",
        { details: { package: '@smithy/node-http-handler' } },
      );
    } else if (config.timeoutMs !== undefined)
      options.requestHandler = { requestTimeout: config.timeoutMs, disableConcurrentStreams: true };
  }
  // Building a client may print the SDK's Node version warning (a process warning): it goes to the logger.
  const client = withSdkNotices(
    options.logger as LeveledLogger,
    () =>
      new sdk.BedrockRuntimeClient({
        ...options,
        ...(config.clientOptions as Partial<BedrockRuntimeClientConfig> | undefined),
      }),
  );
  addHeaders(client.middlewareStack as unknown as HeaderStack, config.headers);
  return client;
}
