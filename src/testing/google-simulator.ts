/**
 * A simulator of Google's Gemini API and of Gemini on Vertex AI, as `@google/genai` speaks them.
 *
 * - Gemini API (`x-goog-api-key` header or `?key=`): `POST /{v1,v1beta,v1alpha}/models/{model}:generateContent`,
 *   `:streamGenerateContent?alt=sse` (SSE `data: {GenerateContentResponse}` events; without `alt=sse`
 *   a JSON array), `:embedContent` and `:batchEmbedContents`.
 * - Vertex AI (`Authorization: Bearer <access token>`):
 *   `POST /{v1,v1beta1}/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`,
 *   `:streamGenerateContent`, `:predict` (text embeddings, one instance per request for
 *   `gemini-embedding-001`) and `:embedContent`; the same paths without `projects/.../locations/...`
 *   are Vertex express mode, authenticated by an API key.
 * - Claude on Vertex AI (`Authorization: Bearer <access token>`), as `@anthropic-ai/vertex-sdk` sends it:
 *   `POST /v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}:rawPredict`
 *   (a Messages API answer) and `:streamRawPredict` (Anthropic's event stream). The body is a Messages
 *   API body without `model` and with `anthropic_version: 'vertex-2023-10-16'`; the Anthropic
 *   protocol of `anthropic-simulator.ts` validates and answers it. Authentication and quota errors
 *   are Google's, a 529 is Anthropic's `overloaded_error`, as on Vertex AI.
 *
 * Answers carry `candidates[].content.parts` (text, `thought: true` reasoning, `functionCall`),
 * Gemini finish reasons (`STOP` also for function calls, `MAX_TOKENS`, `SAFETY`) and `usageMetadata`
 * in which `candidatesTokenCount` excludes `thoughtsTokenCount`. Prompts of at least
 * `implicitCacheMinTokens` tokens are remembered per model (Gemini's implicit caching): a later
 * prompt that starts with one reports it as `cachedContentTokenCount`. Errors use Google's
 * `{ error: { code, message, status } }` body; malformed requests get the API's 400 messages.
 *
 * @module
 */
import { createAnthropicProtocol } from './anthropic-simulator.js';
import {
  isWireObject,
  jsonResponse,
  PromptPrefixCache,
  readJsonObject,
  sseFrame,
  type WireObject,
} from './chat-simulator-support.js';
import {
  Simulator,
  countTokens,
  splitIntoTokens,
  type SimulatedReply,
  type SimulatedRequest,
  type SimulatedResponse,
  type SimulatorOptions,
  type SimulatorProtocol,
} from './simulator-server.js';
import type { JsonSchema } from '../core/types.js';

/**
 * Options of a Gemini / Vertex AI simulator.
 *
 * @example
 * ```ts
 * const options: GoogleSimulatorOptions = { apiKey: 'AIza-test-key', accessToken: 'ya29.test-token', implicitCacheMinTokens: 32 };
 * ```
 */
export interface GoogleSimulatorOptions extends SimulatorOptions {
  /**
   * When set, only these API keys are accepted (Gemini API and Vertex express mode); otherwise any non-empty key is.
   */
  apiKey?: string | readonly string[];
  /**
   * When set, only these bearer tokens are accepted on Vertex AI paths (Gemini and Claude); otherwise any bearer token
   * is.
   */
  accessToken?: string | readonly string[];
  /** Smallest prompt, in tokens, that implicit caching remembers (default 1024, Gemini 2.5 Flash's minimum). */
  implicitCacheMinTokens?: number;
}

/** Which API a request addressed. */
type GoogleApi = 'gemini' | 'vertex' | 'vertex-express';

/** What a request's path said, kept for rendering its answer. */
interface GoogleRoute {
  api: GoogleApi;
  /** The model's publisher on Vertex AI paths (`google`, `anthropic`). */
  publisher?: string;
  model: string;
  method: string;
  /** `alt=sse` on a streaming call (without it the stream is one JSON array). */
  sse: boolean;
  /** Cache scope of a chat request. */
  cacheScope?: string;
}

/** Google's canonical status names per HTTP status. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const GEMINI_PATH = /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):([A-Za-z]+)$/;
const VERTEX_PATH =
  /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/([^/]+)\/models\/([^/:]+):([A-Za-z]+)$/;
const VERTEX_EXPRESS_PATH = /^\/(v1|v1beta1)\/publishers\/([^/]+)\/models\/([^/:]+):([A-Za-z]+)$/;
const METHODS: Record<GoogleApi, ReadonlySet<string>> = {
  gemini: new Set(['generateContent', 'streamGenerateContent', 'embedContent', 'batchEmbedContents']),
  vertex: new Set(['generateContent', 'streamGenerateContent', 'predict', 'embedContent']),
  'vertex-express': new Set(['generateContent', 'streamGenerateContent', 'predict', 'embedContent']),
};
/** The methods of Claude models on Vertex AI (`publishers/anthropic`). */
const CLAUDE_METHODS: ReadonlySet<string> = new Set(['rawPredict', 'streamRawPredict']);
/** The Messages API version Vertex AI accepts in a Claude request body. */
const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** Top-level fields of a GenerateContentRequest, and of its generationConfig. */
const REQUEST_FIELDS = new Set([
  'model',
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'safetySettings',
  'generationConfig',
  'cachedContent',
  'labels',
  'serviceTier',
  'store',
  'continuationToken',
  'modelArmorConfig',
  'outputConfig',
]);
const GENERATION_FIELDS = new Set([
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'enableEnhancedCivicAnswers',
  'speechConfig',
  'thinkingConfig',
  'imageConfig',
  'mediaResolution',
  'audioTimestamp',
  'routingConfig',
  'modelConfig',
  'audioTranscriptionConfig',
]);
const PART_DATA_FIELDS = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
  'toolCall',
  'toolResponse',
];
const FUNCTION_MODES = new Set(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']);
const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;
/** Tokens a simulated image counts for (as the engine counts them). */
const IMAGE_TOKENS = 85;

/**
 * Google's error body: `{ error: { code, message, status, details? } }`.
 *
 * @example
 * ```ts
 * googleErrorResponse(429, 'Resource has been exhausted (e.g. check quota).');
 * ```
 */
export function googleErrorResponse(status: number, message: string, details?: WireObject[]): SimulatedResponse {
  return jsonResponse(status, {
    error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', ...(details ? { details } : {}) },
  });
}

const invalid = (message: string): SimulatedResponse => googleErrorResponse(400, message);

/** The text of a content's parts (text, function calls and responses), and its media count. */
function partsText(parts: readonly WireObject[]): { text: string; media: number } {
  const texts: string[] = [];
  let media = 0;
  for (const part of parts) {
    if (typeof part.text === 'string' && part.thought !== true) texts.push(part.text);
    if (isWireObject(part.functionCall))
      texts.push(`${String(part.functionCall.name)}${JSON.stringify(part.functionCall.args ?? {})}`);
    if (isWireObject(part.functionResponse))
      texts.push(`${String(part.functionResponse.name)}${JSON.stringify(part.functionResponse.response ?? {})}`);
    if (isWireObject(part.inlineData) || isWireObject(part.fileData)) media += 1;
  }
  return { text: texts.join(' '), media };
}

const countParts = (parts: readonly WireObject[], field: string): number =>
  parts.filter((part) => isWireObject(part[field])).length;

/** Checks `contents` as the API does: roles, non-empty parts, function-call / function-response turns. */
function checkContents(contents: unknown): SimulatedResponse | undefined {
  if (!Array.isArray(contents) || contents.length === 0)
    return invalid('* GenerateContentRequest.contents: contents is not specified\n');
  let previous: WireObject | undefined;
  for (const [index, content] of contents.entries()) {
    if (!isWireObject(content)) return invalid(`Invalid value at 'contents[${index}]': expected a Content object`);
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model')
      return invalid('Please use a valid role: user, model.');
    if (!Array.isArray(content.parts) || content.parts.length === 0)
      return invalid(`* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.\n`);
    for (const [partIndex, part] of content.parts.entries()) {
      if (!isWireObject(part) || !PART_DATA_FIELDS.some((field) => part[field] !== undefined)) {
        return invalid(
          `* GenerateContentRequest.contents[${index}].parts[${partIndex}].data: required oneof field 'data' must have one initialized field\n`,
        );
      }
    }
    const parts = content.parts as WireObject[];
    const calls = countParts(parts, 'functionCall');
    const responses = countParts(parts, 'functionResponse');
    if (calls > 0 && (previous === undefined || previous.role === 'model')) {
      return invalid(
        'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
      );
    }
    if (responses > 0) {
      const previousCalls =
        previous && Array.isArray(previous.parts) ? countParts(previous.parts as WireObject[], 'functionCall') : 0;
      if (previousCalls !== responses) {
        return invalid(
          'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
        );
      }
    }
    previous = content;
  }
  return undefined;
}

/** Checks tools, toolConfig and generationConfig. */
function checkConfig(body: WireObject): SimulatedResponse | undefined {
  for (const key of Object.keys(body))
    if (!REQUEST_FIELDS.has(key))
      return invalid(`Invalid JSON payload received. Unknown name "${key}": Cannot find field.`);
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    for (const declaration of isWireObject(tool) && Array.isArray(tool.functionDeclarations)
      ? tool.functionDeclarations
      : []) {
      const name = isWireObject(declaration) ? declaration.name : undefined;
      if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
        return invalid(
          '* GenerateContentRequest.tools[0].function_declarations[0].name: Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum length of 64.\n',
        );
      }
    }
  }
  const calling =
    isWireObject(body.toolConfig) && isWireObject(body.toolConfig.functionCallingConfig)
      ? body.toolConfig.functionCallingConfig
      : undefined;
  if (calling) {
    if (calling.mode !== undefined && !FUNCTION_MODES.has(String(calling.mode)))
      return invalid(
        `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "${String(calling.mode)}"`,
      );
    if (
      Array.isArray(calling.allowedFunctionNames) &&
      calling.allowedFunctionNames.length > 0 &&
      calling.mode !== 'ANY' &&
      calling.mode !== 'VALIDATED'
    ) {
      return invalid(
        '* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed_function_names should only be set when the mode is ANY or VALIDATED.\n',
      );
    }
  }
  const generation = body.generationConfig;
  if (generation === undefined) return undefined;
  if (!isWireObject(generation)) return invalid("Invalid value at 'generation_config': expected an object");
  for (const key of Object.keys(generation))
    if (!GENERATION_FIELDS.has(key))
      return invalid(`Invalid JSON payload received. Unknown name "${key}" at 'generation_config': Cannot find field.`);
  if (
    (generation.responseSchema !== undefined || generation.responseJsonSchema !== undefined) &&
    generation.responseMimeType !== 'application/json' &&
    generation.responseMimeType !== 'text/x.enum'
  ) {
    return invalid(
      '* GenerateContentRequest.generation_config.response_mime_type: must be application/json or text/x.enum when response_schema is set.\n',
    );
  }
  if (generation.responseSchema !== undefined && generation.responseJsonSchema !== undefined)
    return invalid('response_schema and response_json_schema cannot both be set.');
  const thinking = generation.thinkingConfig;
  if (isWireObject(thinking) && thinking.thinkingBudget !== undefined && thinking.thinkingLevel !== undefined)
    return invalid('You can only set only one of thinking budget and thinking level.');
  if (
    generation.maxOutputTokens !== undefined &&
    !(Number.isInteger(generation.maxOutputTokens) && (generation.maxOutputTokens as number) > 0)
  ) {
    return invalid(
      `* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.\n`,
    );
  }
  return undefined;
}

/** An OpenAPI-style `responseSchema` (`type: 'OBJECT'`) as a JSON Schema (lower-case types). */
function lowerCaseTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerCaseTypes);
  if (!isWireObject(schema)) return schema;
  const result: WireObject = {};
  for (const [key, value] of Object.entries(schema))
    result[key] = key === 'type' && typeof value === 'string' ? value.toLowerCase() : lowerCaseTypes(value);
  return result;
}

/** The function tools offered, restricted to `allowedFunctionNames` under mode ANY, and the tool choice. */
function toolsOf(body: WireObject): Pick<SimulatedRequest, 'tools' | 'toolChoice'> {
  let tools: SimulatedRequest['tools'] = [];
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    for (const declaration of isWireObject(tool) && Array.isArray(tool.functionDeclarations)
      ? tool.functionDeclarations
      : []) {
      if (!isWireObject(declaration) || typeof declaration.name !== 'string') continue;
      const schema = declaration.parametersJsonSchema ?? lowerCaseTypes(declaration.parameters);
      tools.push(
        isWireObject(schema)
          ? { name: declaration.name, inputSchema: schema as JsonSchema }
          : { name: declaration.name },
      );
    }
  }
  const calling =
    isWireObject(body.toolConfig) && isWireObject(body.toolConfig.functionCallingConfig)
      ? body.toolConfig.functionCallingConfig
      : {};
  const allowed = Array.isArray(calling.allowedFunctionNames)
    ? calling.allowedFunctionNames.filter((name): name is string => typeof name === 'string')
    : [];
  if (allowed.length > 0) tools = tools.filter((tool) => allowed.includes(tool.name));
  switch (calling.mode) {
    case 'ANY':
      return { tools, toolChoice: allowed.length === 1 && tools.length === 1 ? { name: allowed[0] } : 'required' };
    case 'NONE':
      return { tools, toolChoice: 'none' };
    default:
      return { tools, toolChoice: 'auto' };
  }
}

/** A JSON path step for a member name: `.name`, or `['name']` for one that is not an identifier. */
function memberPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}['${key.replace(/['\\]/g, '\\$&')}']`;
}

/** The partial arguments of one value: one per leaf, a string of two characters or more in two pieces. */
function partialArgs(path: string, value: unknown): WireObject[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => partialArgs(`${path}[${index}]`, item));
  if (isWireObject(value))
    return Object.entries(value).flatMap(([key, item]) => partialArgs(memberPath(path, key), item));
  if (typeof value === 'string') {
    if (value.length < 2) return [{ jsonPath: path, stringValue: value }];
    const half = Math.ceil(value.length / 2);
    return [
      { jsonPath: path, stringValue: value.slice(0, half), willContinue: true },
      { jsonPath: path, stringValue: value.slice(half) },
    ];
  }
  if (typeof value === 'number') return [{ jsonPath: path, numberValue: value }];
  if (typeof value === 'boolean') return [{ jsonPath: path, boolValue: value }];
  return [{ jsonPath: path, nullValue: 'NULL_VALUE' }];
}

/**
 * A function call as Vertex AI streams it with `streamFunctionCallArguments`: the name with
 * `willContinue`, one part per partial argument, and an empty `functionCall` that ends it.
 */
function argumentPieces(part: WireObject): WireObject[][] {
  const call = part.functionCall as { name: string; args: unknown };
  const { functionCall: _whole, ...signed } = part;
  return [
    [{ functionCall: { name: call.name, willContinue: true }, ...signed }],
    ...partialArgs('$', call.args).map((piece) => [{ functionCall: { partialArgs: [piece], willContinue: true } }]),
    [{ functionCall: {} }],
  ];
}

/** Default output dimension of an embedding model. */
function embeddingDimensions(model: string): number {
  return model.includes('gemini-embedding') ? 3072 : 768;
}

const isPositiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;

/** The text of an embedding request's `content` (`{ parts: [{ text }] }`). */
function contentText(content: unknown): string | undefined {
  if (!isWireObject(content) || !Array.isArray(content.parts)) return undefined;
  const texts = content.parts.map((part) =>
    isWireObject(part) && typeof part.text === 'string' ? part.text : undefined,
  );
  return texts.every((text) => text !== undefined) && texts.length > 0 ? texts.join(' ') : undefined;
}

function embedRequest(model: string, values: string[], dimensions: unknown): SimulatedRequest | SimulatedResponse {
  if (dimensions !== undefined && !isPositiveInteger(dimensions))
    return invalid('* outputDimensionality must be a positive integer.\n');
  const dimension = (dimensions as number | undefined) ?? embeddingDimensions(model);
  if (dimension > embeddingDimensions(model))
    return invalid(`* outputDimensionality must be at most ${embeddingDimensions(model)}.\n`);
  return {
    kind: 'embed',
    model,
    stream: false,
    lastUserText: '',
    promptText: values.join('\n'),
    tools: [],
    values,
    dimensions: dimension,
  };
}

/**
 * Parses an Imagen `:predict` call, as `@google/genai`'s `models.generateImages` sends it on Vertex AI:
 * `{ instances: [{ prompt }], parameters: { sampleCount, aspectRatio?, seed?, addWatermark? } }`.
 */
function parseImagen(route: GoogleRoute, body: WireObject): SimulatedRequest | SimulatedResponse {
  const instances = body.instances;
  const first = Array.isArray(instances) && isWireObject(instances[0]) ? instances[0] : undefined;
  if (!first || typeof first.prompt !== 'string' || first.prompt === '')
    return invalid('Image generation failed with the following error: The prompt is empty.');
  const parameters = isWireObject(body.parameters) ? body.parameters : {};
  const n = parameters.sampleCount ?? 4;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 4)
    return invalid(
      `Image generation failed with the following error: sampleCount must be from 1 to 4, got ${String(n)}.`,
    );
  const ratios = ['1:1', '9:16', '16:9', '3:4', '4:3'];
  if (parameters.aspectRatio !== undefined && !ratios.includes(parameters.aspectRatio as string))
    return invalid(`Unsupported aspect ratio: ${String(parameters.aspectRatio)}. Supported: ${ratios.join(', ')}.`);
  if (parameters.seed !== undefined && parameters.addWatermark !== false)
    return invalid('Seed is not supported when watermark is enabled. Set addWatermark to false.');
  return {
    kind: 'image',
    model: route.model,
    stream: false,
    lastUserText: first.prompt,
    promptText: first.prompt,
    tools: [],
    image: { n },
  };
}

/** Parses the body of an embedding call on any of the four embedding endpoints. */
function parseEmbed(route: GoogleRoute, body: WireObject): SimulatedRequest | SimulatedResponse {
  if (route.method === 'batchEmbedContents') {
    const requests = body.requests;
    if (!Array.isArray(requests) || requests.length === 0)
      return invalid('* BatchEmbedContentsRequest.requests: requests is not specified\n');
    if (requests.length > 100)
      return invalid('* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n');
    const values: string[] = [];
    for (const request of requests) {
      if (!isWireObject(request))
        return invalid('* BatchEmbedContentsRequest.requests: each request must be an object\n');
      if (request.model !== `models/${route.model}`)
        return invalid(`Model names in requests must match the model name in the request URL (models/${route.model}).`);
      const text = contentText(request.content);
      if (text === undefined)
        return invalid('* BatchEmbedContentsRequest.requests[0].content: content is not specified\n');
      values.push(text);
    }
    const first = requests[0] as WireObject;
    return embedRequest(route.model, values, first.outputDimensionality);
  }
  if (route.method === 'predict') {
    const instances = body.instances;
    if (!Array.isArray(instances) || instances.length === 0) return invalid('instances must not be empty.');
    if (route.model.includes('gemini') && instances.length > 1) {
      return invalid(
        `Unable to submit request because the model ${route.model} supports only one instance per request.`,
      );
    }
    if (instances.length > 250)
      return invalid('Unable to submit request because the number of instances exceeds the limit of 250.');
    const values = instances.map((instance) =>
      isWireObject(instance) && typeof instance.content === 'string' ? instance.content : undefined,
    );
    if (values.some((value) => value === undefined))
      return invalid('Each instance must have a string field "content".');
    const parameters = isWireObject(body.parameters) ? body.parameters : {};
    return embedRequest(route.model, values as string[], parameters.outputDimensionality);
  }
  const text = contentText(body.content);
  if (text === undefined) return invalid('* EmbedContentRequest.content: content is not specified\n');
  const config = route.api === 'gemini' ? body : isWireObject(body.embedContentConfig) ? body.embedContentConfig : {};
  return embedRequest(route.model, [text], config.outputDimensionality);
}

/** The route of a path, or `undefined` for paths the API does not serve. */
function routeOf(pathname: string, sse: boolean): GoogleRoute | undefined {
  const gemini = GEMINI_PATH.exec(pathname);
  if (gemini) return { api: 'gemini', model: decodeURIComponent(gemini[2]), method: gemini[3], sse };
  const vertex = VERTEX_PATH.exec(pathname);
  if (vertex)
    return { api: 'vertex', publisher: vertex[4], model: decodeURIComponent(vertex[5]), method: vertex[6], sse };
  const express = VERTEX_EXPRESS_PATH.exec(pathname);
  if (express) return { api: 'vertex-express', model: decodeURIComponent(express[3]), method: express[4], sse };
  return undefined;
}

/** Whether a route is a Claude model on Vertex AI. */
const isClaudeRoute = (route: GoogleRoute): boolean => route.api === 'vertex' && route.publisher === 'anthropic';

/** Whether a route's method is served for its API and publisher. */
function serves(route: GoogleRoute): boolean {
  if (isClaudeRoute(route)) return CLAUDE_METHODS.has(route.method);
  return (route.publisher === undefined || route.publisher === 'google') && METHODS[route.api].has(route.method);
}

/** Whether a protocol's parse result is a request to answer (not an answer already). */
const isRequest = (parsed: SimulatedRequest | SimulatedResponse): parsed is SimulatedRequest =>
  parsed.kind === 'chat' || parsed.kind === 'embed' || parsed.kind === 'image';

/** Whether a credential is one of the accepted ones (any is, when none are configured). */
function accepted(value: string, allowed: string | readonly string[] | undefined): boolean {
  return allowed === undefined || (typeof allowed === 'string' ? value === allowed : allowed.includes(value));
}

/** The authentication failure of a request, if any. */
function authFailure(
  route: GoogleRoute,
  headers: Record<string, string | string[] | undefined>,
  url: URL,
  options: GoogleSimulatorOptions,
): SimulatedResponse | undefined {
  if (route.api === 'vertex') {
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : '';
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (token === undefined) {
      return googleErrorResponse(
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
    }
    if (!accepted(token, options.accessToken)) {
      return googleErrorResponse(
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
    }
    return undefined;
  }
  const header = headers['x-goog-api-key'];
  const key = (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('key') ?? undefined;
  if (!key) {
    return googleErrorResponse(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  }
  if (!accepted(key, options.apiKey)) {
    const service = route.api === 'gemini' ? 'generativelanguage.googleapis.com' : 'aiplatform.googleapis.com';
    return googleErrorResponse(400, 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service },
      },
    ]);
  }
  return undefined;
}

/** Gemini's finish reason for a reply (function calls finish with `STOP`). */
function finishReasonOf(reply: SimulatedReply): string {
  if (reply.finishReason === 'length') return 'MAX_TOKENS';
  if (reply.finishReason === 'content-filter') return 'SAFETY';
  return 'STOP';
}

/** A deterministic, base64-looking thought signature. */
function thoughtSignature(seed: string): string {
  return Buffer.from(`sim-thought-signature:${seed}`).toString('base64');
}

/**
 * Builds a Gemini / Vertex AI protocol for the simulator engine. Each protocol keeps its own
 * implicit prompt cache.
 *
 * @example
 * ```ts
 * const simulator = new Simulator(createGoogleProtocol({ apiKey: 'AIza-test-key' }));
 * ```
 */
export function createGoogleProtocol(
  options: Pick<GoogleSimulatorOptions, 'apiKey' | 'accessToken' | 'implicitCacheMinTokens'> = {},
): SimulatorProtocol {
  const cache = new PromptPrefixCache(options.implicitCacheMinTokens ?? 1024);
  const routes = new WeakMap<SimulatedRequest, GoogleRoute>();
  const claude = createAnthropicProtocol();
  const claudeRequests = new WeakSet<SimulatedRequest>();
  /** Vertex requests with `streamFunctionCallArguments`: their streamed calls come in pieces. */
  const streamedArguments = new WeakSet<SimulatedRequest>();

  /** A Claude request: Vertex's envelope checked here, the Messages body by the Anthropic protocol. */
  const parseClaude = (route: GoogleRoute, body: WireObject): SimulatedRequest | SimulatedResponse => {
    const { anthropic_version: version, ...messages } = body;
    if (version === undefined) return claude.errorResponse(400, 'anthropic_version: Field required');
    if (version !== VERTEX_ANTHROPIC_VERSION)
      return claude.errorResponse(400, `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`);
    if (messages.model !== undefined)
      return claude.errorResponse(400, 'model: Extra inputs are not permitted (the model is named in the URL)');
    const parsed = claude.parseMessages({
      ...messages,
      model: route.model,
      stream: route.method === 'streamRawPredict',
    });
    if (isRequest(parsed)) claudeRequests.add(parsed);
    return parsed;
  };

  const parseChat = (route: GoogleRoute, body: WireObject): SimulatedRequest | SimulatedResponse => {
    const problem = checkContents(body.contents) ?? checkConfig(body);
    if (problem) return problem;
    const calling =
      isWireObject(body.toolConfig) && isWireObject(body.toolConfig.functionCallingConfig)
        ? body.toolConfig.functionCallingConfig
        : {};
    if (calling.streamFunctionCallArguments !== undefined && route.api === 'gemini') {
      return invalid(
        `Invalid JSON payload received. Unknown name "streamFunctionCallArguments" at 'tool_config.function_calling_config': Cannot find field.`,
      );
    }
    const contents = body.contents as WireObject[];
    const system =
      isWireObject(body.systemInstruction) && Array.isArray(body.systemInstruction.parts)
        ? partsText(body.systemInstruction.parts as WireObject[]).text
        : '';
    const texts = system ? [system] : [];
    let lastUserText = '';
    let imageCount = 0;
    let hasToolResults = false;
    for (const content of contents) {
      const parts = content.parts as WireObject[];
      const { text, media } = partsText(parts);
      imageCount += media;
      if (countParts(parts, 'functionResponse') > 0) hasToolResults = true;
      const userText = parts
        .filter((part) => typeof part.text === 'string')
        .map((part) => part.text as string)
        .join(' ');
      if (content.role !== 'model' && userText) lastUserText = userText;
      if (text) texts.push(text);
    }
    const promptText = texts.join('\n');
    const generation = isWireObject(body.generationConfig) ? body.generationConfig : {};
    const thinking = isWireObject(generation.thinkingConfig) ? generation.thinkingConfig : {};
    const scope = `${route.api}:${route.model}`;
    const schema = generation.responseJsonSchema ?? lowerCaseTypes(generation.responseSchema);
    const request: SimulatedRequest = {
      kind: 'chat',
      model: route.model,
      stream: route.method === 'streamGenerateContent',
      lastUserText,
      promptText,
      imageCount,
      hasToolResults,
      ...toolsOf(body),
      json:
        generation.responseMimeType === 'application/json'
          ? isWireObject(schema)
            ? { schema: schema as JsonSchema }
            : {}
          : undefined,
      maxTokens: typeof generation.maxOutputTokens === 'number' ? generation.maxOutputTokens : undefined,
      stopSequences: Array.isArray(generation.stopSequences)
        ? generation.stopSequences.filter((stop): stop is string => typeof stop === 'string')
        : undefined,
      cachedTokens: cache.cachedTokens(scope, promptText),
      reasoning: thinking.includeThoughts === true && thinking.thinkingBudget !== 0,
    };
    routes.set(request, { ...route, cacheScope: scope });
    if (calling.streamFunctionCallArguments === true) streamedArguments.add(request);
    return request;
  };

  const renderChat = (
    request: SimulatedRequest,
    reply: SimulatedReply,
    route: GoogleRoute,
    responseId: string,
    created: number,
  ): SimulatedResponse => {
    const usageMetadata = {
      promptTokenCount: reply.inputTokens,
      candidatesTokenCount: reply.outputTokens - reply.reasoningTokens,
      totalTokenCount: reply.inputTokens + reply.outputTokens,
      ...(reply.cachedInputTokens > 0
        ? {
            cachedContentTokenCount: reply.cachedInputTokens,
            cacheTokensDetails: [{ modality: 'TEXT', tokenCount: reply.cachedInputTokens }],
          }
        : {}),
      ...(reply.reasoningTokens > 0 ? { thoughtsTokenCount: reply.reasoningTokens } : {}),
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: reply.inputTokens - (request.imageCount ?? 0) * IMAGE_TOKENS },
        ...((request.imageCount ?? 0) > 0
          ? [{ modality: 'IMAGE', tokenCount: (request.imageCount ?? 0) * IMAGE_TOKENS }]
          : []),
      ],
      ...(route.api === 'gemini' ? {} : { trafficType: 'ON_DEMAND' }),
    };
    const signature = request.reasoning ? thoughtSignature(responseId) : undefined;
    const functionParts = reply.toolCalls.map((call, index) => ({
      functionCall: { name: call.name, args: call.input },
      ...(index === 0 && signature ? { thoughtSignature: signature } : {}),
    }));
    const envelope = (parts: WireObject[], last: boolean): WireObject => ({
      candidates: [
        {
          content: { parts, role: 'model' },
          ...(last ? { finishReason: finishReasonOf(reply) } : {}),
          ...(route.api === 'gemini' ? { index: 0 } : {}),
        },
      ],
      ...(last ? { usageMetadata } : {}),
      modelVersion: request.model,
      ...(route.api === 'gemini' ? {} : { createTime: new Date(created * 1000).toISOString() }),
      responseId,
    });
    if (!request.stream) {
      const parts: WireObject[] = [];
      if (reply.reasoning) parts.push({ text: reply.reasoning, thought: true });
      if (reply.text)
        parts.push({
          text: reply.text,
          ...(signature && functionParts.length === 0 ? { thoughtSignature: signature } : {}),
        });
      parts.push(...functionParts);
      return jsonResponse(200, envelope(parts.length > 0 ? parts : [{ text: '' }], true));
    }
    const pieces: WireObject[][] = [
      ...(reply.reasoning ? splitIntoTokens(reply.reasoning).map((text) => [{ text, thought: true }]) : []),
      ...reply.textChunks.map((text) => [{ text }]),
      ...(functionParts.length > 0
        ? streamedArguments.has(request)
          ? functionParts.flatMap(argumentPieces)
          : [functionParts]
        : []),
      // In a stream the signature of a text answer comes on a last part with empty text.
      ...(signature && functionParts.length === 0 && reply.text ? [[{ text: '', thoughtSignature: signature }]] : []),
    ];
    const events =
      pieces.length > 0
        ? pieces.map((parts, index) => envelope(parts, index === pieces.length - 1))
        : [envelope([{ text: '' }], true)];
    if (!route.sse) return jsonResponse(200, events);
    return {
      kind: 'stream',
      contentType: 'text/event-stream',
      chunks: events.map((event) => ({ data: sseFrame(event), content: pieces.length > 0 })),
    };
  };

  const renderEmbed = (request: SimulatedRequest, reply: SimulatedReply, route: GoogleRoute): SimulatedResponse => {
    const embeddings = reply.embeddings ?? [];
    const values = request.values ?? [];
    const usageMetadata = { promptTokenCount: reply.inputTokens, totalTokenCount: reply.inputTokens };
    switch (route.method) {
      case 'batchEmbedContents':
        return jsonResponse(200, { embeddings: embeddings.map((vector) => ({ values: vector })), usageMetadata });
      case 'predict':
        return jsonResponse(200, {
          predictions: embeddings.map((vector, index) => ({
            embeddings: {
              values: vector,
              statistics: { truncated: false, token_count: countTokens(values[index] ?? '') },
            },
          })),
          metadata: { billableCharacterCount: values.reduce((sum, value) => sum + value.replace(/\s/g, '').length, 0) },
        });
      default:
        return jsonResponse(200, {
          embedding: { values: embeddings[0] ?? [] },
          ...(route.api === 'gemini' ? {} : { usageMetadata, truncated: false }),
        });
    }
  };

  return {
    name: 'google',
    parse({ method, path, headers, body }) {
      const url = new URL(path, 'http://simulator');
      const route = routeOf(url.pathname, url.searchParams.get('alt') === 'sse');
      if (!route || !serves(route))
        return googleErrorResponse(404, `The requested URL ${url.pathname} was not found on this server.`);
      if (method !== 'POST') return googleErrorResponse(404, `Method ${method} is not supported on ${url.pathname}.`);
      const unauthenticated = authFailure(route, headers, url, options);
      if (unauthenticated) return unauthenticated;
      const parsed = readJsonObject(body);
      if (parsed === 'invalid-json' || parsed === 'not-an-object')
        return invalid('Invalid JSON payload received. Unexpected token.');
      if (isClaudeRoute(route)) return parseClaude(route, parsed);
      const request =
        route.method === 'generateContent' || route.method === 'streamGenerateContent'
          ? parseChat(route, parsed)
          : route.method === 'predict' && route.model.startsWith('imagen')
            ? parseImagen(route, parsed)
            : parseEmbed(route, parsed);
      if ('kind' in request && request.kind === 'embed') routes.set(request, route);
      return request;
    },
    render(request, reply, { responseId, created }) {
      if (claudeRequests.has(request)) return claude.render(request, reply, { responseId, created });
      const route = routes.get(request) ?? {
        api: 'gemini',
        model: request.model,
        method: request.kind === 'embed' ? 'batchEmbedContents' : 'generateContent',
        sse: true,
      };
      if (request.kind === 'embed') return renderEmbed(request, reply, route);
      if (request.kind === 'image')
        return jsonResponse(200, {
          predictions: (reply.images ?? []).map((base64) => ({ bytesBase64Encoded: base64, mimeType: 'image/png' })),
        });
      if (route.cacheScope !== undefined) cache.remember(route.cacheScope, request.promptText);
      return renderChat(request, reply, route, responseId, created);
    },
    errorResponse(status, message) {
      // Only Claude answers 529 on Vertex AI, with Anthropic's body; Google's front end answers the rest.
      return status === 529 ? claude.errorResponse(status, message) : googleErrorResponse(status, message);
    },
    malformedResponse(request) {
      return claudeRequests.has(request) ? claude.malformedResponse?.(request) : undefined;
    },
  };
}

/**
 * A Gemini / Vertex AI protocol with default options (its prompt cache is shared by every simulator
 * built on it; {@link createGoogleSimulator} builds a fresh protocol each time).
 *
 * @example
 * ```ts
 * const simulator = new Simulator(googleProtocol);
 * ```
 */
export const googleProtocol: SimulatorProtocol = createGoogleProtocol();

/**
 * A loopback simulator of the Gemini API and of Gemini on Vertex AI for `@google/genai` (pass its
 * base URL as `httpOptions.baseUrl`).
 *
 * @example
 * ```ts
 * import { createGoogleSimulator } from 'switchyard/testing';
 * const simulator = createGoogleSimulator();
 * const baseUrl = await simulator.start();
 * const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl } });
 * ```
 */
export function createGoogleSimulator(options: GoogleSimulatorOptions = {}): Simulator {
  return new Simulator(createGoogleProtocol(options), options);
}
