/**
 * Embeddings through InvokeModel: Amazon Titan Text Embeddings (one text per call, run in parallel)
 * and Cohere Embed on Bedrock (up to 96 texts per call).
 *
 * @module
 */
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { GatewayError } from '../../core/errors.js';
import type { Warning } from '../../core/types.js';
import type { ProviderEmbedCall, ProviderEmbedResult } from '../provider.js';
import { addHeaders, type BedrockSdk } from './bedrock-client.js';
import { modelFamily } from './bedrock-request.js';

/** Cohere Embed's limit of texts per call. @example `values.length <= COHERE_MAX_TEXTS` */
export const COHERE_MAX_TEXTS = 96;

/**
 * A JSON InvokeModel answer, with Bedrock's input token count header.
 *
 * @example
 * ```ts
 * const { body } = await invokeJson(sdk, client, call, { inputText: 'hi' });
 * ```
 */
export interface InvokeResult {
  body: Record<string, unknown>;
  /** `X-Amzn-Bedrock-Input-Token-Count`, which Bedrock sets on every InvokeModel answer. */
  inputTokens: number | undefined;
}

/**
 * One InvokeModel call with a JSON body and a JSON answer (embeddings, images, rerank).
 *
 * @example
 * ```ts
 * const { body } = await invokeJson(sdk, client, { modelId, abortSignal }, { inputText: 'hi' });
 * ```
 */
export async function invokeJson(
  sdk: BedrockSdk,
  client: BedrockRuntimeClient,
  call: Pick<ProviderEmbedCall, 'modelId' | 'abortSignal' | 'headers'>,
  body: Record<string, unknown>,
): Promise<InvokeResult> {
  const command = new sdk.InvokeModelCommand({
    modelId: call.modelId,
    contentType: 'application/json',
    accept: 'application/json',
    body: new TextEncoder().encode(JSON.stringify(body)),
  });
  let inputTokens: number | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
      const count = Number(headers['x-amzn-bedrock-input-token-count']);
      if (Number.isFinite(count) && headers['x-amzn-bedrock-input-token-count'] !== undefined) inputTokens = count;
      return result;
    },
    { step: 'deserialize', name: 'switchyardTokenCount' },
  );
  addHeaders(command.middlewareStack as unknown as Parameters<typeof addHeaders>[0], call.headers);
  const response = await client.send(command, { abortSignal: call.abortSignal });
  const text = new TextDecoder().decode(response.body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GatewayError('provider_bad_response', `Bedrock returned an answer that is not JSON: ${String(error)}`, {
      cause: error,
    });
  }
  if (!parsed || typeof parsed !== 'object')
    throw new GatewayError('provider_bad_response', 'Bedrock returned an empty answer');
  return { body: parsed as Record<string, unknown>, inputTokens };
}

function vectorsOf(value: unknown, count: number): number[][] {
  const vectors = Array.isArray(value)
    ? value
    : value && typeof value === 'object'
      ? (value as { float?: unknown }).float
      : undefined;
  if (!Array.isArray(vectors) || vectors.length !== count || !vectors.every((vector) => Array.isArray(vector))) {
    throw new GatewayError(
      'provider_bad_response',
      `Bedrock returned ${Array.isArray(vectors) ? vectors.length : 'no'} embeddings for ${count} values`,
    );
  }
  return vectors as number[][];
}

/**
 * Embeds values with a Titan or Cohere embedding model on Bedrock. `options` is the merged
 * `providerOptions.bedrock`, passed into the model's request body (`normalize`, `input_type`, `truncate`...).
 *
 * @example
 * ```ts
 * const result = await embedWithBedrock(sdk, client, { modelId: 'amazon.titan-embed-text-v2:0', values: ['hi'], dimensions: 256, abortSignal }, {});
 * ```
 */
export async function embedWithBedrock(
  sdk: BedrockSdk,
  client: BedrockRuntimeClient,
  call: ProviderEmbedCall,
  options: Record<string, unknown>,
): Promise<ProviderEmbedResult> {
  const warnings: Warning[] = [];
  const family = modelFamily(call.modelId);
  if (family === 'cohere') {
    if (call.values.length > COHERE_MAX_TEXTS)
      throw new GatewayError(
        'invalid_request',
        `Cohere Embed on Bedrock takes at most ${COHERE_MAX_TEXTS} values per call`,
        { param: 'values' },
      );
    const body: Record<string, unknown> = { texts: call.values, input_type: 'search_document', ...options };
    if (call.dimensions !== undefined) {
      if (/embed-v4/.test(call.modelId)) body.output_dimension = call.dimensions;
      else warnings.push({ type: 'unsupported', feature: 'dimensions', details: `${call.modelId} has a fixed size` });
    }
    const result = await invokeJson(sdk, client, call, body);
    return {
      embeddings: vectorsOf(result.body.embeddings, call.values.length),
      usage: { tokens: result.inputTokens },
      warnings,
    };
  }
  if (family !== 'titan')
    throw new GatewayError(
      'invalid_request',
      `Bedrock embeddings support Amazon Titan and Cohere Embed models, not ${call.modelId}`,
      { param: 'model' },
    );
  const takesDimensions = !/titan-embed-text-v1|titan-embed-g1/.test(call.modelId);
  if (call.dimensions !== undefined && !takesDimensions)
    warnings.push({ type: 'unsupported', feature: 'dimensions', details: `${call.modelId} has a fixed size` });
  // Titan takes one text per call: the values go out in parallel, and the first failure cancels the rest.
  const cancel = new AbortController();
  const each: ProviderEmbedCall = { ...call, abortSignal: AbortSignal.any([call.abortSignal, cancel.signal]) };
  const results = await Promise.all(
    call.values.map((inputText) =>
      invokeJson(sdk, client, each, {
        inputText,
        ...(call.dimensions !== undefined && takesDimensions ? { dimensions: call.dimensions } : {}),
        ...options,
      }),
    ),
  ).catch((error: unknown) => {
    cancel.abort();
    throw error;
  });
  let tokens: number | undefined = 0;
  const embeddings = results.map((result) => {
    const count =
      typeof result.body.inputTextTokenCount === 'number' ? result.body.inputTextTokenCount : result.inputTokens;
    tokens = tokens === undefined || count === undefined ? undefined : tokens + count;
    return vectorsOf([result.body.embedding], 1)[0];
  });
  return { embeddings, usage: { tokens }, warnings };
}
