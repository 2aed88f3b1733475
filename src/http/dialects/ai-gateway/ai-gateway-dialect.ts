/**
 * The `@ai-sdk/gateway` protocol, for `createGateway({ baseURL: 'https://host/v4/ai' })` (spec V4,
 * `ai` 7.x) and `/v3/ai` (spec V3, `ai` 6.x): `POST language-model` (generate, or stream when the
 * `ai-language-model-streaming` header is `true`), `POST embedding-model` and `GET config`. Bodies
 * are the model call options; results and stream parts are the specification's, with
 * `providerMetadata.gateway` (generation id, cost, market cost, routing) added.
 *
 * @module
 */
import { GatewayError } from '../../../core/errors.js';
import type { GenerateResult, StreamResult } from '../../../router/router-types.js';
import type {
  ContentPart,
  FilePart,
  GenerateRequest,
  JsonObject,
  MessageInput,
  ProviderMetadata,
  ResponseFormat,
  StreamPart,
  ToolChoice,
  ToolDefinition,
  ToolResultOutput,
  Warning,
} from '../../../core/types.js';
import { gatewayMetadata } from '../../gateway-metadata.js';
import type { GatewayHttpResponse, GatewayRouter, HttpHeaders } from '../../http-types.js';
import { dollarsToNano } from '../../../billing/cost.js';
import { listModels } from '../../../catalog/model-directory.js';
import { jsonResponse } from '../../responses.js';
import { mergeProviderOptions, routingFromHeaders } from '../../routing-options.js';
import { sseEvent, type StreamEncoder } from '../../sse-stream.js';
import {
  describeValue,
  expectArray,
  expectFields,
  invalid,
  isFields,
  mapObjects,
  mapOptionalObjects,
  optionalEnum,
  optionalHeaderFields,
  optionalNumber,
  optionalString,
  optionalStringArray,
  requiredString,
  type Fields,
} from '../../validate.js';
import type { Dialect, ReservedPath, Route, RouteContext } from '../dialect.js';
import { fileFromReference } from '../file-data.js';
import { answerEmbedding, answerGeneration, answerImage, answerRerank } from '../generation.js';

/** The specification version a route speaks: `v3` under `/v3/ai`, `v4` under `/v4/ai`. */
type Spec = 'v3' | 'v4';

/**
 * The gateway error body: `{ error: { message, type, param, code } }` with the types the client
 * maps to its error classes (authentication_error 401, invalid_request_error 400,
 * rate_limit_exceeded 429, model_not_found 404, not_found 404, forbidden 403, failed_dependency 424,
 * internal_server_error 5xx).
 *
 * @example
 * ```ts
 * aiGatewayErrorBody(new GatewayError('model_not_found', "Model 'x/y' is not in the catalog", { details: { modelId: 'x/y' } }));
 * // { error: { message: "...", type: 'model_not_found', param: { modelId: 'x/y' }, code: 'model_not_found' } }
 * ```
 */
export function aiGatewayErrorBody(error: GatewayError): unknown {
  const details = error.details ?? {};
  let type: string;
  let param: unknown = error.param ?? null;
  if (error.status === 401) type = 'authentication_error';
  else if (error.status === 403) {
    type = 'forbidden';
    param = { ruleId: typeof details.ruleId === 'string' ? details.ruleId : error.code };
  } else if (error.status === 404) {
    type = error.code === 'model_not_found' ? 'model_not_found' : 'not_found';
    if (type === 'model_not_found') param = { modelId: typeof details.modelId === 'string' ? details.modelId : '' };
  } else if (error.status === 429) type = 'rate_limit_exceeded';
  else if (error.status === 402) type = error.code;
  else if (error.status === 424) type = 'failed_dependency';
  else if (error.status >= 500) type = 'internal_server_error';
  else type = 'invalid_request_error';
  return { error: { message: error.message, type, param, code: error.code } };
}

/**
 * The `@ai-sdk/gateway` dialect, under `/v3/ai` and `/v4/ai`.
 *
 * @example
 * ```ts
 * createAiGatewayDialect().routes.map((route) => route.path); // ['/v3/ai/language-model', ...]
 * ```
 */
export function createAiGatewayDialect(): Dialect {
  const routes: Route[] = [];
  for (const spec of ['v3', 'v4'] as const) {
    routes.push(
      { method: 'POST', path: `/${spec}/ai/language-model`, handle: (context) => languageModel(context, spec) },
      { method: 'POST', path: `/${spec}/ai/embedding-model`, handle: (context) => embeddingModel(context) },
      { method: 'POST', path: `/${spec}/ai/image-model`, handle: (context) => imageModel(context) },
      { method: 'POST', path: `/${spec}/ai/reranking-model`, handle: (context) => rerankingModel(context) },
      {
        method: 'GET',
        path: `/${spec}/ai/config`,
        handle: async (context) => jsonResponse(200, config(context, spec)),
      },
    );
  }
  return { name: 'ai-gateway', errorBody: aiGatewayErrorBody, routes, reservedPaths: RESERVED_PATHS };
}

/**
 * The paths the `@ai-sdk/gateway` client calls that this dialect does not serve: every path under
 * `/v3/ai/` and `/v4/ai/`, and the account endpoints when billing is not configured (with billing,
 * the billing dialect serves them).
 */
const RESERVED_PATHS: ReservedPath[] = [
  ...['/v3/ai/', '/v4/ai/'].map((path) => ({
    path,
    prefix: true,
    hint: ': it serves POST language-model, embedding-model, image-model, reranking-model and GET config under /v3/ai and /v4/ai',
  })),
  ...['/v1/credits', '/v1/report', '/v1/generation'].map((path) => ({
    path,
    hint: ': billing is not configured on this gateway',
  })),
];

function modelHeader(headers: HttpHeaders, name: string): string {
  const value = headers[name];
  const model = Array.isArray(value) ? value[0] : value;
  if (!model) throw invalid(`The \`${name}\` header is required: the model id, such as "openai/gpt-4o"`, name);
  return model;
}

async function languageModel(context: RouteContext, spec: Spec): Promise<GatewayHttpResponse> {
  const model = modelHeader(context.headers, 'ai-language-model-id');
  const streaming = context.headers['ai-language-model-streaming'] === 'true';
  const body = expectFields(context.body, 'The request body');
  const dropped: Warning[] = [];
  const request = callOptions(context, body, model, spec, dropped);
  const includeRaw = body.includeRawChunks === true;
  return answerGeneration(
    context,
    request,
    streaming,
    (result) =>
      generateResult(
        context.router,
        model,
        dropped.length > 0 ? { ...result, warnings: [...dropped, ...result.warnings] } : result,
        spec,
      ),
    (stream) => new StreamPartEncoder(context.router, model, stream, spec, includeRaw, dropped),
  );
}

function callOptions(
  context: RouteContext,
  body: Fields,
  model: string,
  spec: Spec,
  dropped: Warning[],
): GenerateRequest {
  const prompt = expectArray(body.prompt, 'prompt');
  const headers = optionalHeaderFields(body, 'headers');
  const tools = callTools(body.tools, dropped);
  let choice = toolChoice(body.toolChoice);
  const chosen = choice?.type === 'tool' ? choice.toolName : undefined;
  if (chosen !== undefined && !tools?.some((tool) => tool.name === chosen)) choice = undefined;
  return {
    model,
    prompt: prompt.map((message, index) => callMessage(message, `prompt[${index}]`, spec)),
    maxOutputTokens: optionalNumber(body, 'maxOutputTokens', { integer: true, min: 1 }),
    temperature: optionalNumber(body, 'temperature'),
    topP: optionalNumber(body, 'topP'),
    topK: optionalNumber(body, 'topK'),
    presencePenalty: optionalNumber(body, 'presencePenalty'),
    frequencyPenalty: optionalNumber(body, 'frequencyPenalty'),
    seed: optionalNumber(body, 'seed', { integer: true }),
    stopSequences: optionalStringArray(body, 'stopSequences'),
    responseFormat: responseFormat(body.responseFormat),
    ...(tools ? { tools } : {}),
    toolChoice: choice,
    reasoning: optionalEnum(body, 'reasoning', REASONING_EFFORTS),
    providerOptions: mergeProviderOptions(body.providerOptions, routingFromHeaders(context.headers), 'providerOptions'),
    ...(headers ? { headers: forwardableHeaders(headers) } : {}),
  };
}

const REASONING_EFFORTS = ['provider-default', 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

function responseFormat(value: unknown): ResponseFormat | undefined {
  const format = value === undefined || value === null ? undefined : expectFields(value, 'responseFormat');
  if (!format) return undefined;
  if (format.type === 'text') return { type: 'text' };
  if (format.type !== 'json')
    throw invalid(
      `\`responseFormat.type\` must be "text" or "json", got ${describeValue(format.type)}`,
      'responseFormat.type',
    );
  const schema =
    format.schema === undefined || format.schema === null
      ? undefined
      : expectFields(format.schema, 'responseFormat.schema');
  const name = optionalString(format, 'name', 'responseFormat.name');
  const description = optionalString(format, 'description', 'responseFormat.description');
  return {
    type: 'json',
    ...(schema ? { schema } : {}),
    ...(name ? { name } : {}),
    ...(description ? { description } : {}),
  };
}

function toolChoice(value: unknown): ToolChoice | undefined {
  const choice = value === undefined || value === null ? undefined : expectFields(value, 'toolChoice');
  if (!choice) return undefined;
  if (choice.type === 'auto' || choice.type === 'none' || choice.type === 'required') return { type: choice.type };
  if (choice.type === 'tool')
    return { type: 'tool', toolName: requiredString(choice, 'toolName', 'toolChoice.toolName') };
  throw invalid(
    `\`toolChoice.type\` must be one of auto, none, required, tool, got ${describeValue(choice.type)}`,
    'toolChoice.type',
  );
}

/** Per-call headers go upstream, except credentials and hop-by-hop ones (BYOK goes through providerOptions). */
const UNFORWARDED_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'host',
  'content-length',
  'connection',
]);

function forwardableHeaders(headers: Fields): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      (entry): entry is [string, string] =>
        typeof entry[1] === 'string' && !UNFORWARDED_HEADERS.has(entry[0].toLowerCase()),
    ),
  );
}

function callMessage(entry: unknown, path: string, spec: Spec): MessageInput {
  const message = expectFields(entry, path);
  if (!Array.isArray(message.content)) return message as unknown as MessageInput; // system messages; the router validates the rest
  const content = mapObjects(message.content, `${path}.content`, (fields, partPath): unknown[] => {
    switch (fields.type) {
      case 'file':
        return [callFile(fields, partPath, spec)];
      case 'tool-result':
        return [{ ...fields, output: toolOutput(fields.output, `${partPath}.output`) }];
      case 'tool-approval-response':
        return [];
      case 'text':
      case 'reasoning':
      case 'tool-call':
        return [fields];
      default:
        throw invalid(
          `\`${partPath}.type\` ${describeValue(fields.type)} is not supported by this gateway`,
          `${partPath}.type`,
        );
    }
  }).flat();
  return { ...message, content } as unknown as MessageInput;
}

function callFile(part: Fields, path: string, spec: Spec): FilePart {
  const mediaType =
    typeof part.mediaType === 'string' && part.mediaType !== '' ? part.mediaType : 'application/octet-stream';
  const filename = typeof part.filename === 'string' ? { filename: part.filename } : {};
  const data = part.data;
  if (typeof data === 'string')
    return {
      type: 'file',
      ...fileFromReference(data, mediaType, `${path}.data`),
      ...(mediaType.endsWith('/*') ? {} : { mediaType }),
      ...filename,
    };
  if (spec === 'v4' && isFields(data)) {
    if (data.type === 'data' && typeof data.data === 'string')
      return { type: 'file', mediaType, data: { type: 'data', data: data.data }, ...filename };
    if (data.type === 'url' && typeof data.url === 'string')
      return { type: 'file', mediaType, data: { type: 'url', url: data.url }, ...filename };
    if (data.type === 'text' && typeof data.text === 'string')
      return {
        type: 'file',
        mediaType,
        data: { type: 'data', data: Buffer.from(data.text).toString('base64') },
        ...filename,
      };
  }
  throw invalid(
    `\`${path}.data\` must be ${spec === 'v4' ? '{ type: "data", data: base64 } or { type: "url", url }' : 'a base64 string or a URL'}`,
    `${path}.data`,
  );
}

function toolOutput(value: unknown, path: string): ToolResultOutput {
  const output = expectFields(value, path);
  if (output.type !== 'content') return output as unknown as ToolResultOutput;
  const items = mapObjects(output.value, `${path}.value`, (item, itemPath) => {
    if (item.type === 'text')
      return { type: 'text' as const, text: optionalString(item, 'text', `${itemPath}.text`) ?? '' };
    const data = isFields(item.data) ? (item.data.type === 'data' ? item.data.data : undefined) : item.data;
    if (
      (item.type === 'media' || item.type === 'file' || item.type === 'file-data' || item.type === 'image-data') &&
      typeof data === 'string'
    ) {
      return {
        type: 'media' as const,
        data,
        mediaType: typeof item.mediaType === 'string' ? item.mediaType : 'application/octet-stream',
      };
    }
    throw invalid(
      `\`${itemPath}\` (${describeValue(item.type)}) is not supported in tool results: send text or inline base64 data`,
      itemPath,
    );
  });
  return { type: 'content', value: items };
}

/**
 * The function tools of a call. A gateway-executed tool (`{ type: 'provider', id: 'gateway.perplexity_search' }`),
 * which this gateway cannot run, is left out with an `unsupported` warning, as the hosted gateway's client
 * expects; any other kind of tool (a vendor's own, such as `openai.web_search`) is a 400.
 */
function callTools(value: unknown, dropped: Warning[]): ToolDefinition[] | undefined {
  const tools = mapOptionalObjects(value, 'tools', (tool, path): ToolDefinition | undefined => {
    if (tool.type === 'provider' && typeof tool.id === 'string' && tool.id.startsWith('gateway.')) {
      const id = tool.id;
      dropped.push({
        type: 'unsupported',
        feature: `provider-defined tool ${id}`,
        details: 'Provider-executed tools are not run by this gateway; the tool was left out',
      });
      return undefined;
    }
    if (tool.type !== 'function')
      throw invalid(
        `\`${path}\` is a ${describeValue(tool.type)} tool (${describeValue(tool.id ?? tool.name)}); only function tools are supported by this gateway`,
        `${path}.type`,
      );
    const { inputExamples: _examples, ...definition } = tool;
    return definition as unknown as ToolDefinition;
  });
  if (!tools) return undefined;
  const kept = tools.filter((tool): tool is ToolDefinition => tool !== undefined);
  return kept.length > 0 ? kept : undefined;
}

function wireContent(part: ContentPart | Extract<StreamPart, { type: 'file' }>, spec: Spec): unknown {
  if (part.type === 'file' && spec === 'v4')
    return { type: 'file', mediaType: part.mediaType, data: { type: 'data', data: part.data } };
  return part;
}

function finishReason(
  reason: GenerateResult['finishReason'],
  spec: Spec,
): { unified: string; raw: string | undefined } {
  return { unified: spec === 'v3' && reason.unified === 'interrupted' ? 'other' : reason.unified, raw: reason.raw };
}

function withGateway(
  metadata: ProviderMetadata | undefined,
  gateway: ReturnType<typeof gatewayMetadata>,
): ProviderMetadata {
  return { ...metadata, gateway };
}

function generateResult(router: GatewayRouter, model: string, result: GenerateResult, spec: Spec): unknown {
  return {
    content: result.content.map((part) => wireContent(part, spec)),
    finishReason: finishReason(result.finishReason, spec),
    usage: result.usage,
    providerMetadata: withGateway(result.providerMetadata, gatewayMetadata(router, model, result)),
    warnings: result.warnings,
    response: {
      id: result.responseId ?? result.generationId,
      modelId: result.providerModelId,
      timestamp: new Date().toISOString(),
    },
  };
}

const METADATA_PARTS = new Set<StreamPart['type']>([
  'text-start',
  'text-delta',
  'reasoning-start',
  'reasoning-delta',
  'tool-input-start',
  'tool-input-delta',
  'tool-call',
]);

/** Encodes router stream parts as the specification's stream parts, one SSE `data:` event each. */
class StreamPartEncoder implements StreamEncoder {
  private announced = false;

  constructor(
    private readonly router: GatewayRouter,
    private readonly model: string,
    private readonly stream: StreamResult,
    private readonly spec: Spec,
    private readonly includeRaw: boolean,
    private readonly dropped: readonly Warning[] = [],
  ) {}

  async part(part: StreamPart): Promise<string> {
    switch (part.type) {
      case 'stream-start':
        return sseEvent(this.dropped.length > 0 ? { ...part, warnings: [...this.dropped, ...part.warnings] } : part);
      case 'raw':
        return this.includeRaw ? sseEvent(part) : '';
      case 'error':
        return this.error(
          part.error instanceof GatewayError ? part.error : new GatewayError('provider_error', 'The stream failed'),
        );
      case 'file':
        return sseEvent(wireContent(part, this.spec));
      case 'finish': {
        let providerMetadata: ProviderMetadata = { ...part.providerMetadata };
        try {
          providerMetadata = withGateway(
            part.providerMetadata,
            gatewayMetadata(this.router, this.model, await this.stream.result),
          );
        } catch {
          // the result is settled before the finish part; a failure here leaves the upstream metadata alone
        }
        return sseEvent({
          type: 'finish',
          finishReason: finishReason(part.finishReason, this.spec),
          usage: part.usage,
          providerMetadata,
        });
      }
      default:
        if (!this.announced && METADATA_PARTS.has(part.type)) {
          // The generation id rides on the first content chunk, as the hosted gateway does.
          this.announced = true;
          const withId = part as StreamPart & { providerMetadata?: ProviderMetadata };
          return sseEvent({
            ...withId,
            providerMetadata: {
              ...withId.providerMetadata,
              gateway: { ...withId.providerMetadata?.gateway, generationId: this.stream.generationId },
            },
          });
        }
        return sseEvent(part);
    }
  }

  error(error: GatewayError): string {
    const body = aiGatewayErrorBody(error) as { error: { message: string; type: string; code: string } };
    return sseEvent({
      type: 'error',
      error: { ...body.error, statusCode: error.status, isRetryable: error.isRetryable },
    });
  }

  end(): string {
    return '';
  }
}

async function embeddingModel(context: RouteContext): Promise<GatewayHttpResponse> {
  const model = modelHeader(context.headers, 'ai-model-id');
  const body = expectFields(context.body, 'The request body');
  const values = expectArray(body.values, 'values');
  if (values.length === 0 || values.some((value) => typeof value !== 'string'))
    throw invalid('`values` must be a non-empty array of strings', 'values');
  const dimensions = optionalNumber(body, 'dimensions', { integer: true, min: 1 });
  return answerEmbedding(
    context,
    {
      model,
      values: values as string[],
      ...(dimensions !== undefined ? { dimensions } : {}),
      providerOptions: mergeProviderOptions(
        body.providerOptions,
        routingFromHeaders(context.headers),
        'providerOptions',
      ),
    },
    (result) => ({
      embeddings: result.embeddings,
      usage: { tokens: result.usage.tokens },
      warnings: result.warnings,
      providerMetadata: { gateway: gatewayMetadata(context.router, model, result) },
    }),
  );
}

/**
 * `POST image-model`: `{ prompt, n, size?, aspectRatio?, seed?, providerOptions? }` → `{ images: base64[], warnings,
 * providerMetadata, usage }`. Image inputs (`files`, `mask`: image editing) are not supported.
 */
async function imageModel(context: RouteContext): Promise<GatewayHttpResponse> {
  const model = modelHeader(context.headers, 'ai-model-id');
  const body = expectFields(context.body, 'The request body');
  if ((Array.isArray(body.files) && body.files.length > 0) || (body.mask !== undefined && body.mask !== null))
    throw invalid('Image editing (`files`, `mask`) is not supported by this gateway', 'files');
  const prompt = requiredString(body, 'prompt', 'prompt');
  const n = optionalNumber(body, 'n', { integer: true, min: 1, max: 10 });
  const size = optionalString(body, 'size');
  const aspectRatio = optionalString(body, 'aspectRatio');
  const seed = optionalNumber(body, 'seed', { integer: true });
  return answerImage(
    context,
    {
      model,
      prompt,
      ...(n !== undefined ? { n } : {}),
      ...(size !== undefined ? { size: size as `${number}x${number}` } : {}),
      ...(aspectRatio !== undefined ? { aspectRatio: aspectRatio as `${number}:${number}` } : {}),
      ...(seed !== undefined ? { seed } : {}),
      providerOptions: mergeProviderOptions(
        body.providerOptions,
        routingFromHeaders(context.headers),
        'providerOptions',
      ),
    },
    (result) => ({
      images: result.images.map((image) => image.base64),
      warnings: result.warnings,
      providerMetadata: { ...result.providerMetadata, gateway: gatewayMetadata(context.router, model, result) },
      usage: result.usage,
    }),
  );
}

/**
 * `POST reranking-model`: `{ documents: { type: 'text' | 'object', values }, query, topN? }` → `{ ranking, warnings }`.
 */
async function rerankingModel(context: RouteContext): Promise<GatewayHttpResponse> {
  const model = modelHeader(context.headers, 'ai-model-id');
  const body = expectFields(context.body, 'The request body');
  const documents = expectFields(body.documents, 'documents');
  if (documents.type !== 'text' && documents.type !== 'object')
    throw invalid(
      `\`documents.type\` must be "text" or "object", got ${describeValue(documents.type)}`,
      'documents.type',
    );
  const values = expectArray(documents.values, 'documents.values');
  const valid = documents.type === 'text' ? values.every((value) => typeof value === 'string') : values.every(isFields);
  if (!valid)
    throw invalid(
      `\`documents.values\` must be ${documents.type === 'text' ? 'strings' : 'objects'}`,
      'documents.values',
    );
  const topN = optionalNumber(body, 'topN', { integer: true, min: 1 });
  return answerRerank(
    context,
    {
      model,
      query: requiredString(body, 'query', 'query'),
      documents: values as Array<string | JsonObject>,
      ...(topN !== undefined ? { topN } : {}),
      providerOptions: mergeProviderOptions(
        body.providerOptions,
        routingFromHeaders(context.headers),
        'providerOptions',
      ),
    },
    (result) => ({
      ranking: result.ranking,
      warnings: result.warnings,
      providerMetadata: { gateway: gatewayMetadata(context.router, model, result) },
    }),
  );
}

function config(context: RouteContext, spec: Spec): unknown {
  return {
    models: listModels(context.router, context.caller.models).map(({ model, offerings }) => {
      const pricing = offerings[0].pricing;
      return {
        id: model.id,
        name: model.name ?? model.id,
        ...(model.description ? { description: model.description } : {}),
        pricing: {
          input: perTokenPrice(pricing.input),
          output: perTokenPrice(pricing.output),
          ...(pricing.cacheRead ? { input_cache_read: perTokenPrice(pricing.cacheRead) } : {}),
          ...(pricing.cacheWrite ? { input_cache_write: perTokenPrice(pricing.cacheWrite) } : {}),
        },
        specification: { specificationVersion: spec, provider: model.id.split('/')[0], modelId: model.id },
        modelType: model.type ?? 'language',
      };
    }),
  };
}

/**
 * A price per million tokens as the exact price per token `/config` shows (`'2.50'` → `'0.0000025'`).
 *
 * @example
 * ```ts
 * perTokenPrice('3'); // '0.000003'
 * ```
 */
export function perTokenPrice(perMillion: string): string {
  const femto = dollarsToNano(perMillion); // nano-dollars per million tokens = 1e-15 dollars per token
  const scale = 1_000_000_000_000_000n;
  const fraction = (femto % scale).toString().padStart(15, '0').replace(/0+$/, '');
  return `${femto / scale}${fraction ? `.${fraction}` : ''}`;
}
