/**
 * AWS error names → gateway error codes, for errors thrown by `@aws-sdk/client-bedrock-runtime`
 * (HTTP errors, mid-stream exception events, event-stream decoding failures).
 *
 * @module
 */
import type { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { toGatewayError, type UpstreamErrorInfo } from '../shared/provider-support.js';

/** Bedrock's modelled exceptions and the AWS-wide authentication errors, by name. */
const CODES_BY_NAME: Record<string, GatewayErrorCode> = {
  ThrottlingException: 'provider_rate_limited',
  ServiceQuotaExceededException: 'provider_rate_limited',
  ServiceUnavailableException: 'provider_overloaded',
  ModelNotReadyException: 'provider_overloaded',
  ModelTimeoutException: 'provider_timeout',
  InternalServerException: 'provider_unavailable',
  ModelErrorException: 'provider_error',
  ModelStreamErrorException: 'provider_error',
  ValidationException: 'provider_invalid_request',
  ConflictException: 'provider_invalid_request',
  SerializationException: 'provider_invalid_request',
  AccessDeniedException: 'provider_permission',
  ResourceNotFoundException: 'provider_not_found',
  // AWS answers 403 for bad credentials; for the gateway they are an authentication failure.
  UnrecognizedClientException: 'provider_authentication',
  InvalidSignatureException: 'provider_authentication',
  IncompleteSignatureException: 'provider_authentication',
  MissingAuthenticationTokenException: 'provider_authentication',
  ExpiredTokenException: 'provider_authentication',
  InvalidClientTokenId: 'provider_authentication',
  CredentialsProviderError: 'provider_authentication',
  TokenProviderError: 'provider_authentication',
};

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

/**
 * What a Bedrock SDK error exposes: the HTTP status (`$metadata.httpStatusCode`), the response
 * headers (`$response`, for retry-after) and a code derived from the AWS error name.
 *
 * @example
 * ```ts
 * extractBedrockError(Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }));
 * // { status: 429, code: 'provider_rate_limited', message: 'ThrottlingException: slow down', ... }
 * ```
 */
export function extractBedrockError(error: unknown): UpstreamErrorInfo | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const aws = error as AwsErrorShape;
  const name = aws.name ?? '';
  const status = aws.$metadata?.httpStatusCode ?? aws.$response?.statusCode;
  let rawMessage = (aws.message ?? '').split('\n  Deserialization error')[0];
  if (aws.code === 'ECONNRESET' && rawMessage === 'aborted')
    rawMessage = 'the connection closed before the answer was complete';
  const awsName = name in CODES_BY_NAME || name.endsWith('Exception');
  const message = awsName && !rawMessage.startsWith(name) ? `${name}: ${rawMessage}` : rawMessage;
  let code: GatewayErrorCode | undefined = CODES_BY_NAME[name];
  // The SDK's HTTP handler names ECONNRESET and EPIPE "TimeoutError" (for its retry logic): they are connection
  // failures.
  if (code === undefined && (aws.code === 'ECONNRESET' || aws.code === 'EPIPE' || aws.code === 'ECONNREFUSED'))
    code = 'provider_connection';
  if (code === undefined && status !== undefined && status >= 200 && status < 300) code = 'provider_bad_response'; // a body the SDK could not read
  if (code === undefined && /checksum|event stream|message length|eventstream/i.test(rawMessage))
    code = 'provider_bad_response';
  return { status, headers: aws.$response?.headers, message, code };
}

/**
 * Any error from a Bedrock call as a `GatewayError` (aborts, timeouts and connection failures included).
 *
 * @example
 * ```ts
 * catch (error) { throw bedrockError(error, 'bedrock', call.abortSignal, [secretAccessKey]); }
 * ```
 */
export function bedrockError(
  error: unknown,
  provider: string,
  signal: AbortSignal | undefined,
  secrets: readonly string[],
): GatewayError {
  return toGatewayError(error, { provider, signal, extract: extractBedrockError, secrets });
}
