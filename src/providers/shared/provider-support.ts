/**
 * Helpers every provider shares: lazy SDK loading, error mapping, file data and tool-result
 * conversion, usage construction. Vendor-neutral by design.
 *
 * @module
 */
import {
  GatewayError,
  codeForUpstreamStatus,
  parseRetryAfter,
  redactSecrets,
  type GatewayErrorCode,
} from '../../core/errors.js';
import type { FileData, FilePart, ToolResultOutput, Usage } from '../../core/types.js';

/**
 * Loads a vendor SDK lazily; a missing package fails with `provider_sdk_missing` naming it.
 *
 * @example
 * ```ts
 * const { default: OpenAI } = await loadSdk('openai', 'openai', () => import('openai'));
 * ```
 */
export async function loadSdk<T>(packageName: string, providerType: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new GatewayError(
        'provider_sdk_missing',
        `Provider type '${providerType}' needs the package '${packageName}': run npm install ${packageName}`,
        { details: { package: packageName } },
      );
    }
    throw error;
  }
}

/**
 * Waits for what a provider's `warm()` loads; only a missing SDK (`provider_sdk_missing`) is passed on, any other
 * failure (no API key, say) is left for the first call to report as it always would.
 *
 * @example
 * ```ts
 * async warm(): Promise<void> {
 *   await warmUp(this.clients.get(undefined), importOptional('@vendor/sdk/extra'));
 * }
 * ```
 */
export async function warmUp(...loading: Array<Promise<unknown> | undefined>): Promise<void> {
  const outcomes = await Promise.allSettled(loading);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected' && (outcome.reason as { code?: unknown })?.code === 'provider_sdk_missing')
      throw outcome.reason;
  }
}

/**
 * What a vendor error exposes, extracted by each provider from its SDK's error classes.
 *
 * @example
 * ```ts
 * const info: UpstreamErrorInfo = { status: 429, headers: error.headers, message: error.message };
 * ```
 */
export interface UpstreamErrorInfo {
  status?: number;
  headers?: { get(name: string): string | null } | Record<string, string | string[] | undefined>;
  message?: string;
  /** Overrides the code derived from the status (a content filter, an SDK timeout...). */
  code?: GatewayErrorCode;
}

/**
 * How each vendor words a prompt that does not fit the model's context window (OpenAI and xAI's
 * `context_length_exceeded`, Anthropic's "prompt is too long", Gemini's "exceeds the maximum number of
 * tokens", Bedrock's "Input is too long", Mistral's "too large for model").
 */
const CONTEXT_LENGTH_EXCEEDED =
  /context[ _-]length|context window|maximum context|prompt is too long|exceeds the maximum number of tokens|input is too long|too many (?:input )?tokens|too large for model/i;

/**
 * Turns anything an SDK threw into a `GatewayError` with a stable code. Aborts become `aborted`,
 * SDK timeouts `provider_timeout`, errors without a status `provider_connection`, the rest follow the
 * upstream status. Messages are scrubbed of anything that looks like a key.
 *
 * @example
 * ```ts
 * catch (error) { throw toGatewayError(error, { provider: this.name, signal: call.abortSignal, extract: (e) => ({ status: e.status }) }); }
 * ```
 */
export function toGatewayError(
  error: unknown,
  options: {
    provider: string;
    signal?: AbortSignal;
    extract?: (error: unknown) => UpstreamErrorInfo | undefined;
    secrets?: readonly string[];
  },
): GatewayError {
  if (error instanceof GatewayError) return error;
  if (options.signal?.aborted) {
    return new GatewayError('aborted', `The request to ${options.provider} was aborted`, {
      provider: options.provider,
      cause: undefined,
    });
  }
  const info = options.extract?.(error) ?? {};
  const rawMessage = info.message ?? (error instanceof Error ? error.message : String(error));
  const message = redactSecrets(rawMessage, options.secrets ?? []);
  const name = error instanceof Error ? error.name : '';
  let code: GatewayErrorCode = info.code ?? codeForUpstreamStatus(info.status);
  if (info.code === undefined && info.status === undefined) {
    if (/timeout|timed out/i.test(name) || /timed? ?out/i.test(rawMessage)) code = 'provider_timeout';
    else if (error instanceof SyntaxError || /json|unexpected token|parse/i.test(rawMessage))
      code = 'provider_bad_response';
    else code = 'provider_connection';
  }
  if (code === 'provider_invalid_request' && CONTEXT_LENGTH_EXCEEDED.test(rawMessage))
    code = 'provider_context_length_exceeded';
  return new GatewayError(code, `${options.provider}: ${message}`, {
    provider: options.provider,
    upstreamStatus: info.status,
    retryAfterMs: parseRetryAfter(info.headers),
    status: info.status === 529 ? 529 : undefined,
  });
}

/**
 * File data as base64 (fetches nothing: URLs must be handled by the caller).
 *
 * @example
 * ```ts
 * fileDataToBase64({ type: 'data', data: new Uint8Array([104, 105]) }); // 'aGk='
 * ```
 */
export function fileDataToBase64(data: FileData): string {
  if (data.type === 'url') {
    const match = /^data:[^;,]*;base64,(.*)$/s.exec(data.url);
    if (match) return match[1];
    throw new GatewayError('invalid_request', 'This provider needs inline file data, not a URL', { param: 'prompt' });
  }
  return typeof data.data === 'string' ? data.data : Buffer.from(data.data).toString('base64');
}

/**
 * File data as bytes.
 *
 * @example
 * ```ts
 * fileDataToBytes({ type: 'data', data: 'aGk=' }); // Uint8Array [104, 105]
 * ```
 */
export function fileDataToBytes(data: FileData): Uint8Array {
  if (data.type === 'data' && typeof data.data !== 'string') return data.data;
  return new Uint8Array(Buffer.from(fileDataToBase64(data), 'base64'));
}

/**
 * A file part as a URL: its own `http(s)` URL, or a `data:` URL built from inline data.
 *
 * @example
 * ```ts
 * fileToUrl({ type: 'file', mediaType: 'image/png', data: { type: 'data', data: 'aGk=' } }); // 'data:image/png;base64,aGk='
 * ```
 */
export function fileToUrl(part: FilePart): string {
  if (part.data.type === 'url') return part.data.url;
  return `data:${part.mediaType};base64,${fileDataToBase64(part.data)}`;
}

/**
 * A tool result as text, for vendors that take tool results as strings.
 *
 * @example
 * ```ts
 * toolResultToText({ type: 'json', value: { ok: true } }); // '{"ok":true}'
 * ```
 */
export function toolResultToText(output: ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return output.reason ?? 'Tool execution denied';
    case 'content':
      return output.value.map((part) => (part.type === 'text' ? part.text : `[${part.mediaType}]`)).join('\n');
  }
}

/**
 * Parses a tool call's JSON input text; an empty text is `{}`.
 *
 * @example
 * ```ts
 * parseToolInput('{"city":"Paris"}'); // { city: 'Paris' }
 * ```
 */
export function parseToolInput(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { _raw: text };
  }
}

/**
 * Builds a V4 usage record from a vendor's counts. `inputTotal` includes cached tokens.
 *
 * @example
 * ```ts
 * makeUsage({ inputTotal: 120, cacheRead: 100, output: 40, reasoning: 10 });
 * ```
 */
export function makeUsage(counts: {
  inputTotal?: number;
  cacheRead?: number;
  cacheWrite?: number;
  output?: number;
  reasoning?: number;
}): Usage {
  const cacheRead = counts.cacheRead ?? 0;
  const cacheWrite = counts.cacheWrite ?? 0;
  return {
    inputTokens: {
      total: counts.inputTotal,
      noCache: counts.inputTotal === undefined ? undefined : Math.max(0, counts.inputTotal - cacheRead - cacheWrite),
      cacheRead: counts.inputTotal === undefined && counts.cacheRead === undefined ? undefined : cacheRead,
      cacheWrite: counts.inputTotal === undefined && counts.cacheWrite === undefined ? undefined : cacheWrite,
    },
    outputTokens: {
      total: counts.output,
      text: counts.output === undefined ? undefined : Math.max(0, counts.output - (counts.reasoning ?? 0)),
      reasoning: counts.output === undefined && counts.reasoning === undefined ? undefined : (counts.reasoning ?? 0),
    },
  };
}
