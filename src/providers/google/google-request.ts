/**
 * Canonical call options → `@google/genai` request parameters (`model`, `contents`, `config`), shared
 * by the Gemini API and Vertex AI: system instruction, user/model turns with text, inline data and
 * file URIs, function calls and function responses, function declarations with their calling mode,
 * JSON output, thinking, sampling options, and the `providerOptions` passthrough.
 *
 * @module
 */
import type {
  Content,
  EmbedContentConfig,
  FunctionCallingConfigMode,
  FunctionDeclaration,
  GenerateContentConfig,
  Part,
  ThinkingConfig,
  ThinkingLevel,
  Tool,
} from '@google/genai';
import { fileDataToBase64, parseToolInput } from '../shared/provider-support.js';
import type { ProviderCall, ProviderEmbedCall } from '../provider.js';
import type { FilePart, Message, ProviderOptions, ReasoningEffort, ToolResultPart, Warning } from '../../core/types.js';

/**
 * Which API a request is for, and the provider instance's name (for `providerOptions`). @example
 * `const target: GeminiTarget = { type: 'vertex', name: 'vertex-eu' };`
 */
export interface GeminiTarget {
  type: 'google' | 'vertex';
  name: string;
}

/**
 * What `models.generateContent` / `generateContentStream` receive, plus the raw body fields to merge
 * (`providerOptions.<type>.extraBody`) and the warnings about dropped or changed options.
 *
 * @example
 * ```ts
 * const plan: GeminiRequestPlan = { model: 'gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], config: {}, warnings: [] };
 * ```
 */
export interface GeminiRequestPlan {
  model: string;
  contents: Content[];
  config: GenerateContentConfig;
  extraBody?: Record<string, unknown>;
  warnings: Warning[];
}

type Options = { [key: string]: unknown };

/** `GenerateContentConfig` fields the SDK sends on both APIs. */
const CONFIG_FIELDS = new Set([
  'serviceTier',
  'systemInstruction',
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'stopSequences',
  'responseLogprobs',
  'logprobs',
  'presencePenalty',
  'frequencyPenalty',
  'seed',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'safetySettings',
  'tools',
  'toolConfig',
  'labels',
  'cachedContent',
  'responseModalities',
  'mediaResolution',
  'speechConfig',
  'thinkingConfig',
  'audioTranscriptionConfig',
  'imageConfig',
]);
/** Fields the SDK accepts only for one of the two APIs (it throws for the other). */
const API_ONLY_FIELDS: Record<GeminiTarget['type'], ReadonlySet<string>> = {
  google: new Set(['enableEnhancedCivicAnswers', 'store']),
  vertex: new Set([
    'routingConfig',
    'modelSelectionConfig',
    'audioTimestamp',
    'modelArmorConfig',
    'generationOutputConfig',
  ]),
};
/** `EmbedContentConfig` fields per API. */
const EMBED_FIELDS: Record<GeminiTarget['type'], ReadonlySet<string>> = {
  google: new Set(['taskType', 'title', 'outputDimensionality']),
  vertex: new Set(['taskType', 'title', 'outputDimensionality', 'mimeType', 'autoTruncate']),
};

/** Thinking budgets (Gemini 2.5) per reasoning effort. */
const THINKING_BUDGETS: Record<Exclude<ReasoningEffort, 'provider-default' | 'none'>, number> = {
  minimal: 512,
  low: 2048,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 32768,
};
/** The largest budget of Flash models (Pro models take 32768). */
const FLASH_MAX_BUDGET = 24576;
/** The smallest budget of Pro models, which cannot turn thinking off. */
const PRO_MIN_BUDGET = 128;

const isObject = (value: unknown): value is Options =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The passthrough options for a target: `providerOptions[type]`, overridden by `providerOptions[name]`.
 *
 * @example
 * ```ts
 * geminiProviderOptions({ google: { safetySettings: [] } }, { type: 'google', name: 'gemini' }); // { safetySettings: [] }
 * ```
 */
export function geminiProviderOptions(
  providerOptions: ProviderOptions | undefined,
  target: GeminiTarget,
): Record<string, unknown> {
  const byType = providerOptions?.[target.type];
  const byName = target.name === target.type ? undefined : providerOptions?.[target.name];
  return { ...(isObject(byType) ? byType : {}), ...(isObject(byName) ? byName : {}) };
}

/** A thought signature carried in a part's provider options (`google` or `vertex`). */
function thoughtSignatureOf(providerOptions: ProviderOptions | undefined, target: GeminiTarget): string | undefined {
  for (const key of [target.type, target.type === 'google' ? 'vertex' : 'google']) {
    const options = providerOptions?.[key];
    if (isObject(options) && typeof options.thoughtSignature === 'string') return options.thoughtSignature;
  }
  return undefined;
}

/** A file as a part: inline base64 data, or a file URI (`gs://`, `https://`, Files API). */
function filePart(part: FilePart): Part {
  if (part.data.type === 'url' && !part.data.url.startsWith('data:'))
    return { fileData: { mimeType: part.mediaType, fileUri: part.data.url } };
  return { inlineData: { mimeType: part.mediaType, data: fileDataToBase64(part.data) } };
}

/** A tool result as a `functionResponse` part (`output` or `error`), plus its media as inline parts. */
function toolResultParts(part: ToolResultPart): Part[] {
  const output = part.output;
  const response = (() => {
    switch (output.type) {
      case 'text':
      case 'json':
        return { output: output.value };
      case 'error-text':
      case 'error-json':
        return { error: output.value };
      case 'execution-denied':
        return { error: output.reason ?? 'Tool execution denied' };
      case 'content':
        return { output: output.value.flatMap((item) => (item.type === 'text' ? [item.text] : [])).join('\n') };
    }
  })();
  const media =
    output.type === 'content'
      ? output.value.flatMap((item) =>
          item.type === 'media' ? [{ inlineData: { mimeType: item.mediaType, data: item.data } }] : [],
        )
      : [];
  return [{ functionResponse: { name: part.toolName, response } }, ...media];
}

/** The arguments of an assistant tool call, as the object `functionCall.args` needs. */
function callArguments(input: unknown): Record<string, unknown> {
  const value = typeof input === 'string' ? parseToolInput(input) : input;
  return isObject(value) ? value : { value };
}

/** One message's parts, in the role Gemini gives them. */
function messageContent(message: Exclude<Message, { role: 'system' }>, target: GeminiTarget): Content[] {
  if (message.role === 'tool') return [{ role: 'user', parts: message.content.flatMap(toolResultParts) }];
  if (message.role === 'user')
    return [
      {
        role: 'user',
        parts: message.content.map((part) => (part.type === 'text' ? { text: part.text } : filePart(part))),
      },
    ];
  const model: Part[] = [];
  const results: Part[] = [];
  for (const part of message.content) {
    const signature = thoughtSignatureOf(part.providerOptions, target);
    const signed = signature === undefined ? {} : { thoughtSignature: signature };
    switch (part.type) {
      case 'text':
        if (part.text !== '') model.push({ text: part.text, ...signed });
        break;
      case 'reasoning':
        if (part.text !== '') model.push({ text: part.text, thought: true, ...signed });
        break;
      case 'file':
        model.push(filePart(part));
        break;
      case 'tool-call':
        model.push({ functionCall: { name: part.toolName, args: callArguments(part.input) }, ...signed });
        break;
      case 'tool-result':
        results.push(...toolResultParts(part));
        break;
    }
  }
  return [
    { role: 'model', parts: model },
    { role: 'user', parts: results },
  ];
}

/**
 * The prompt as Gemini contents: system messages become the system instruction, assistant turns
 * `model` contents, tool results `functionResponse` parts of a `user` content. Consecutive contents of
 * one role are merged (parallel function responses must share one content) and empty ones dropped.
 *
 * @example
 * ```ts
 * geminiContents([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }] }], { type: 'google', name: 'google' });
 * // { systemInstruction: 'Be brief.', contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }
 * ```
 */
export function geminiContents(
  prompt: readonly Message[],
  target: GeminiTarget,
): { systemInstruction?: string; contents: Content[] } {
  const system: string[] = [];
  const contents: Content[] = [];
  for (const message of prompt) {
    if (message.role === 'system') {
      if (message.content !== '') system.push(message.content);
      continue;
    }
    for (const content of messageContent(message, target)) {
      if (!content.parts || content.parts.length === 0) continue;
      const last = contents.at(-1);
      if (last && last.role === content.role) last.parts = [...(last.parts ?? []), ...content.parts];
      else contents.push(content);
    }
  }
  return { ...(system.length > 0 ? { systemInstruction: system.join('\n\n') } : {}), contents };
}

/** The Gemini generation (2, 2.5, 3...) of a model id, if it names one. */
function generation(modelId: string): number | undefined {
  const match = /gemini-(\d+(?:\.\d+)?)/.exec(modelId);
  return match ? Number.parseFloat(match[1]) : undefined;
}

/**
 * A reasoning effort as Gemini's thinking config: a thinking level on Gemini 3 and later, a thinking
 * budget before; thoughts are included in the answer unless thinking is off.
 *
 * @example
 * ```ts
 * geminiThinkingConfig('gemini-2.5-flash', 'low', []); // { thinkingBudget: 2048, includeThoughts: true }
 * ```
 */
export function geminiThinkingConfig(
  modelId: string,
  effort: ReasoningEffort | undefined,
  warnings: Warning[],
): ThinkingConfig | undefined {
  if (effort === undefined || effort === 'provider-default') return undefined;
  const pro = /-pro\b/.test(modelId);
  if ((generation(modelId) ?? 0) >= 3) {
    const levels: Record<Exclude<ReasoningEffort, 'provider-default'>, string> = {
      none: 'MINIMAL',
      minimal: 'MINIMAL',
      low: 'LOW',
      medium: 'MEDIUM',
      high: 'HIGH',
      xhigh: 'HIGH',
      max: 'HIGH',
    };
    const level = levels[effort];
    if (effort === 'none' || effort === 'xhigh' || effort === 'max') {
      warnings.push({
        type: 'compatibility',
        feature: 'reasoning',
        details: `Gemini 3 models have no '${effort}' thinking level; thinkingLevel ${level} was used`,
      });
    }
    return { thinkingLevel: level as ThinkingLevel, includeThoughts: effort !== 'none' };
  }
  if (effort === 'none') {
    if (!pro) return { thinkingBudget: 0 };
    warnings.push({
      type: 'compatibility',
      feature: 'reasoning',
      details: `${modelId} cannot turn thinking off; the smallest thinking budget (${PRO_MIN_BUDGET}) was used`,
    });
    return { thinkingBudget: PRO_MIN_BUDGET, includeThoughts: false };
  }
  let budget = THINKING_BUDGETS[effort];
  if (!pro && budget > FLASH_MAX_BUDGET) {
    warnings.push({
      type: 'compatibility',
      feature: 'reasoning',
      details: `${modelId} allows a thinking budget of at most ${FLASH_MAX_BUDGET}; reasoning '${effort}' was capped`,
    });
    budget = FLASH_MAX_BUDGET;
  }
  return { thinkingBudget: budget, includeThoughts: true };
}

/** Function declarations and the function calling config for the call's tools. */
function toolsConfig(call: ProviderCall, warnings: Warning[]): Pick<GenerateContentConfig, 'tools' | 'toolConfig'> {
  if (!call.tools || call.tools.length === 0) return {};
  const functionDeclarations: FunctionDeclaration[] = call.tools.map((tool) => ({
    name: tool.name,
    ...(tool.description ? { description: tool.description } : {}),
    parametersJsonSchema: tool.inputSchema,
  }));
  if (call.tools.some((tool) => tool.strict)) {
    warnings.push({
      type: 'unsupported',
      feature: 'tools.strict',
      details: 'Gemini has no strict function schemas; the schemas were sent as parametersJsonSchema',
    });
  }
  const choice = call.toolChoice;
  const mode = (value: string): FunctionCallingConfigMode => value as FunctionCallingConfigMode;
  const functionCallingConfig =
    choice === undefined
      ? undefined
      : choice.type === 'auto'
        ? { mode: mode('AUTO') }
        : choice.type === 'none'
          ? { mode: mode('NONE') }
          : choice.type === 'required'
            ? { mode: mode('ANY') }
            : { mode: mode('ANY'), allowedFunctionNames: [choice.toolName] };
  return {
    tools: [{ functionDeclarations }],
    ...(functionCallingConfig ? { toolConfig: { functionCallingConfig } } : {}),
  };
}

/**
 * Merges `providerOptions.<type>` into the config: known `GenerateContentConfig` fields (objects merged,
 * `tools` appended, `thinkingConfig` replacing the one derived from the reasoning effort), `extraBody`
 * kept for the request body; anything else, and fields of the other API, dropped with a warning.
 */
function mergeProviderOptions(
  config: GenerateContentConfig,
  options: Options,
  target: GeminiTarget,
  warnings: Warning[],
): Record<string, unknown> | undefined {
  let extraBody: Record<string, unknown> | undefined;
  const merged = config as Options;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === 'extraBody' && isObject(value)) {
      extraBody = value;
    } else if (key === 'thoughtSignature') {
      continue; // message-level metadata, not a request option
    } else if (!CONFIG_FIELDS.has(key) && !API_ONLY_FIELDS[target.type].has(key)) {
      const other = API_ONLY_FIELDS[target.type === 'google' ? 'vertex' : 'google'].has(key);
      warnings.push({
        type: 'unsupported',
        feature: `providerOptions.${key}`,
        details: other
          ? `not supported by ${target.type === 'google' ? 'the Gemini API' : 'Vertex AI'}`
          : 'not a @google/genai GenerateContentConfig field the gateway passes through',
      });
    } else if (key === 'tools' && Array.isArray(value)) {
      merged.tools = [...(config.tools ?? []), ...(value as Tool[])];
    } else if (key === 'thinkingConfig' && isObject(value)) {
      const includeThoughts = config.thinkingConfig?.includeThoughts;
      merged.thinkingConfig = { ...(includeThoughts === undefined ? {} : { includeThoughts }), ...value };
    } else if (isObject(value) && isObject(merged[key])) {
      merged[key] = { ...(merged[key] as Options), ...value };
    } else {
      merged[key] = value;
    }
  }
  return extraBody;
}

/**
 * Builds the `generateContent` parameters for a call.
 *
 * @example
 * ```ts
 * const plan = buildGeminiRequest({ modelId: 'gemini-2.5-flash', prompt, abortSignal }, { type: 'google', name: 'google' });
 * await client.models.generateContent({ model: plan.model, contents: plan.contents, config: plan.config });
 * ```
 */
export function buildGeminiRequest(call: ProviderCall, target: GeminiTarget): GeminiRequestPlan {
  const warnings: Warning[] = [];
  const { systemInstruction, contents } = geminiContents(call.prompt, target);
  const config: GenerateContentConfig = {
    ...(systemInstruction === undefined ? {} : { systemInstruction }),
    ...(call.maxOutputTokens === undefined ? {} : { maxOutputTokens: call.maxOutputTokens }),
    ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
    ...(call.topP === undefined ? {} : { topP: call.topP }),
    ...(call.topK === undefined ? {} : { topK: call.topK }),
    ...(call.stopSequences === undefined || call.stopSequences.length === 0
      ? {}
      : { stopSequences: call.stopSequences }),
    ...(call.presencePenalty === undefined ? {} : { presencePenalty: call.presencePenalty }),
    ...(call.frequencyPenalty === undefined ? {} : { frequencyPenalty: call.frequencyPenalty }),
    ...(call.seed === undefined ? {} : { seed: call.seed }),
    ...toolsConfig(call, warnings),
  };
  const { structuredOutputs, ...options } = geminiProviderOptions(call.providerOptions, target);
  if (call.responseFormat?.type === 'json') {
    config.responseMimeType = 'application/json';
    // `@ai-sdk/google`'s `structuredOutputs: false`: JSON without a schema.
    if (call.responseFormat.schema && structuredOutputs !== false)
      config.responseJsonSchema = call.responseFormat.schema;
  }
  if (call.parallelToolCalls === false && call.tools?.length)
    warnings.push({
      type: 'unsupported',
      feature: 'parallelToolCalls',
      details: 'Gemini has no setting for parallel function calls',
    });
  const thinkingConfig = geminiThinkingConfig(call.modelId, call.reasoning, warnings);
  if (thinkingConfig) config.thinkingConfig = thinkingConfig;
  const extraBody = mergeProviderOptions(config, options, target, warnings);
  return { model: call.modelId, contents, config, ...(extraBody ? { extraBody } : {}), warnings };
}

/**
 * Builds the `embedContent` parameters for a call: one content per value, `dimensions` as
 * `outputDimensionality`, `providerOptions.<type>` (`taskType`, `title`, and on Vertex `autoTruncate`,
 * `mimeType`) merged in.
 *
 * @example
 * ```ts
 * const { contents, config } = buildGeminiEmbedRequest({ modelId: 'gemini-embedding-001', values: ['hi'], dimensions: 768, abortSignal }, { type: 'google', name: 'google' });
 * ```
 */
export function buildGeminiEmbedRequest(
  call: ProviderEmbedCall,
  target: GeminiTarget,
): { model: string; contents: Content[]; config: EmbedContentConfig; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const config: EmbedContentConfig = call.dimensions === undefined ? {} : { outputDimensionality: call.dimensions };
  for (const [key, value] of Object.entries(geminiProviderOptions(call.providerOptions, target))) {
    if (value === undefined) continue;
    if (EMBED_FIELDS[target.type].has(key)) (config as Options)[key] = value;
    else
      warnings.push({
        type: 'unsupported',
        feature: `providerOptions.${key}`,
        details: 'not an embedding option of this API',
      });
  }
  return {
    model: call.modelId,
    contents: call.values.map((text) => ({ role: 'user', parts: [{ text }] })),
    config,
    warnings,
  };
}
