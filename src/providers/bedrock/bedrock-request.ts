/**
 * Canonical call options → a Converse request: inference settings, model-family specific fields
 * (topK, reasoning) in `additionalModelRequestFields`, tools and tool choice, the forced-tool JSON
 * mode, and the `providerOptions.bedrock` passthrough.
 *
 * @module
 */
import type {
  ConverseCommandInput,
  Tool,
  ToolChoice as BedrockToolChoice,
  ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import type { ReasoningEffort, Warning } from '../../core/types.js';
import type { ProviderCall } from '../provider.js';
import { asDocument, cachePointFor, convertPrompt, readOptions } from './bedrock-prompt.js';

/**
 * The model family behind a Bedrock model id, inference profile id (`us.`, `eu.`, `global.`...) or ARN.
 *
 * @example
 * ```ts
 * modelFamily('us.anthropic.claude-sonnet-4-20250514-v1:0'); // 'anthropic'
 * modelFamily('amazon.nova-lite-v1:0'); // 'nova'
 * ```
 */
export type BedrockModelFamily = 'anthropic' | 'meta' | 'mistral' | 'nova' | 'titan' | 'cohere' | 'deepseek' | 'other';

/** @see BedrockModelFamily @example `modelFamily('meta.llama3-3-70b-instruct-v1:0') // 'meta'` */
export function modelFamily(modelId: string): BedrockModelFamily {
  const id = (modelId.split('/').pop() ?? modelId).toLowerCase();
  const match = /(?:^|\.)(anthropic|meta|mistral|amazon|cohere|deepseek)\.([a-z0-9-]+)/.exec(id);
  if (!match) return 'other';
  if (match[1] === 'amazon')
    return match[2].startsWith('nova') ? 'nova' : match[2].startsWith('titan') ? 'titan' : 'other';
  return match[1] as BedrockModelFamily;
}

/**
 * The name of the tool that carries JSON output when `responseFormat` is JSON (Converse has no JSON mode). @example
 * `toolChoice: { tool: { name: JSON_TOOL_NAME } }`
 */
export const JSON_TOOL_NAME = 'json';

const THINKING_BUDGETS: Record<Exclude<ReasoningEffort, 'provider-default' | 'none'>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 24576,
  max: 32000,
};

/** Converse request members merged from `providerOptions.bedrock`; other keys go to `additionalModelRequestFields`. */
const CONVERSE_MEMBERS = new Set([
  'inferenceConfig',
  'guardrailConfig',
  'promptVariables',
  'additionalModelResponseFieldPaths',
  'requestMetadata',
  'performanceConfig',
  'serviceTier',
  'outputConfig',
  'toolConfig',
]);
/** Option keys the provider itself reads (on parts, messages and calls), never passed through. */
const OWN_KEYS = new Set(['cachePoint', 'signature', 'redactedData', 'reasoningConfig']);
/** Model families with prompt caching: Anthropic's cache breakpoints become cache points for them. */
const CACHING_FAMILIES: ReadonlySet<BedrockModelFamily> = new Set(['anthropic', 'nova']);

/**
 * `@ai-sdk/amazon-bedrock`'s `reasoningConfig` (`{ type, budgetTokens?, maxReasoningEffort? }`) in
 * the model's own fields: Claude's `thinking` with `budget_tokens`, Nova's `reasoningConfig`.
 * Returns Claude's thinking budget (0 when none), or `undefined` when the option is absent.
 */
function applyReasoningConfig(
  family: BedrockModelFamily,
  value: unknown,
  fields: Fields,
  warnings: Warning[],
): number | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const config = value as { type?: unknown; budgetTokens?: unknown; maxReasoningEffort?: unknown };
  if (family === 'anthropic') {
    if (config.type === 'disabled') {
      fields.thinking = { type: 'disabled' };
      return 0;
    }
    const budget = typeof config.budgetTokens === 'number' ? config.budgetTokens : THINKING_BUDGETS.medium;
    fields.thinking = { type: 'enabled', budget_tokens: budget };
    return budget;
  }
  if (family === 'nova') {
    fields.reasoningConfig =
      config.type === 'disabled'
        ? { type: 'disabled' }
        : {
            type: 'enabled',
            ...(typeof config.maxReasoningEffort === 'string' ? { maxReasoningEffort: config.maxReasoningEffort } : {}),
          };
    return 0;
  }
  warnings.push({
    type: 'unsupported',
    feature: 'reasoningConfig',
    details: `Bedrock ${family} models take no reasoning setting`,
  });
  return 0;
}

/**
 * A Converse request ready to send, with the warnings it produced.
 *
 * @example
 * ```ts
 * const prepared: PreparedConverse = { input: { modelId: 'amazon.nova-lite-v1:0', messages: [] }, warnings: [], jsonMode: false };
 * ```
 */
export interface PreparedConverse {
  input: ConverseCommandInput;
  warnings: Warning[];
  /** Whether the forced `json` tool carries the answer (its input becomes the text). */
  jsonMode: boolean;
}

type Fields = Record<string, unknown>;

function applyTopK(family: BedrockModelFamily, topK: number, fields: Fields, warnings: Warning[]): void {
  if (family === 'anthropic' || family === 'mistral') fields.top_k = topK;
  else if (family === 'nova') fields.inferenceConfig = { ...(fields.inferenceConfig as Fields | undefined), topK };
  else warnings.push({ type: 'unsupported', feature: 'topK', details: `Bedrock ${family} models take no topK` });
}

/** Sets the family's reasoning field; returns Claude's thinking budget (0 when none), which max_tokens must exceed. */
function applyReasoning(
  family: BedrockModelFamily,
  modelId: string,
  effort: ReasoningEffort,
  forcedTool: boolean,
  fields: Fields,
  warnings: Warning[],
): number {
  if (effort === 'provider-default') return 0;
  if (effort === 'none') {
    if (family === 'anthropic') fields.thinking = { type: 'disabled' };
    return 0;
  }
  if (family === 'anthropic') {
    if (forcedTool) {
      warnings.push({
        type: 'unsupported',
        feature: 'reasoning',
        details: 'Claude cannot think while a tool (or JSON output) is forced; reasoning was turned off',
      });
      return 0;
    }
    const budget = THINKING_BUDGETS[effort];
    fields.thinking = { type: 'enabled', budget_tokens: budget };
    return budget;
  }
  if (family === 'nova' && /nova-2/.test(modelId)) {
    fields.reasoningConfig = {
      type: 'enabled',
      maxReasoningEffort: effort === 'minimal' || effort === 'low' ? 'low' : effort === 'medium' ? 'medium' : 'high',
    };
    return 0;
  }
  warnings.push({
    type: 'unsupported',
    feature: 'reasoning',
    details: `Bedrock model ${modelId} takes no reasoning setting`,
  });
  return 0;
}

function toolConfiguration(
  call: ProviderCall,
  optionKeys: readonly string[],
  hasToolContent: boolean,
  warnings: Warning[],
  anthropicCacheHints: boolean,
): { toolConfig?: ToolConfiguration; jsonMode: boolean; forcedTool: boolean } {
  const tools: Tool[] = [];
  for (const tool of call.tools ?? []) {
    tools.push({
      toolSpec: {
        name: tool.name,
        description: tool.description,
        inputSchema: { json: asDocument(tool.inputSchema) },
        ...(tool.strict === undefined ? {} : { strict: tool.strict }),
      },
    });
    const cachePoint = cachePointFor(tool.providerOptions, optionKeys, anthropicCacheHints);
    if (cachePoint) tools.push({ cachePoint });
  }
  let choice = call.toolChoice;
  if (choice?.type === 'none' && tools.length > 0) {
    if (!hasToolContent) return jsonTool(call, [], undefined, warnings);
    warnings.push({
      type: 'unsupported',
      feature: 'toolChoice',
      details: "Converse has no tool choice 'none'; the tools stay available because the prompt holds tool calls",
    });
    choice = { type: 'auto' };
  }
  return jsonTool(call, tools, choice, warnings);
}

function jsonTool(
  call: ProviderCall,
  tools: Tool[],
  choice: ProviderCall['toolChoice'],
  warnings: Warning[],
): { toolConfig?: ToolConfiguration; jsonMode: boolean; forcedTool: boolean } {
  let toolChoice: BedrockToolChoice | undefined;
  let jsonMode = false;
  if (call.responseFormat?.type === 'json') {
    if (choice?.type === 'tool') {
      warnings.push({
        type: 'unsupported',
        feature: 'responseFormat',
        details: 'JSON output is carried by a forced tool, but another tool is forced already',
      });
    } else {
      jsonMode = true;
      const schema = call.responseFormat.schema ?? { type: 'object', additionalProperties: true };
      tools.push({
        toolSpec: {
          name: JSON_TOOL_NAME,
          description: call.responseFormat.description ?? 'Respond with a JSON object.',
          inputSchema: { json: asDocument(schema) },
        },
      });
      // With other tools on offer the model must call one of them or answer through the JSON tool.
      toolChoice = tools.length > 1 ? { any: {} } : { tool: { name: JSON_TOOL_NAME } };
    }
  }
  if (!jsonMode && choice) {
    if (choice.type === 'required') toolChoice = { any: {} };
    else if (choice.type === 'tool') toolChoice = { tool: { name: choice.toolName } };
    else if (choice.type === 'auto') toolChoice = { auto: {} };
  }
  if (tools.length === 0) return { jsonMode, forcedTool: false };
  return {
    toolConfig: toolChoice ? { tools, toolChoice } : { tools },
    jsonMode,
    forcedTool: toolChoice !== undefined && toolChoice.auto === undefined,
  };
}

function hasCachePoint(
  system: ConverseCommandInput['system'],
  messages: ConverseCommandInput['messages'],
  toolConfig: ToolConfiguration | undefined,
): boolean {
  const marked = (block: { cachePoint?: unknown }): boolean => block.cachePoint !== undefined;
  return (
    (system ?? []).some(marked) ||
    (toolConfig?.tools ?? []).some(marked) ||
    (messages ?? []).some((message) => (message.content ?? []).some(marked))
  );
}

/**
 * Builds the Converse request for a call. `optionKeys` are the providerOptions keys this provider
 * reads (`bedrock` and its instance name).
 *
 * @example
 * ```ts
 * const { input, warnings } = buildConverseInput({ modelId: 'amazon.nova-lite-v1:0', prompt, abortSignal }, ['bedrock']);
 * ```
 */
export function buildConverseInput(call: ProviderCall, optionKeys: readonly string[]): PreparedConverse {
  const warnings: Warning[] = [];
  const family = modelFamily(call.modelId);
  const caches = CACHING_FAMILIES.has(family);
  const { system, messages, hasToolContent } = convertPrompt(call.prompt, optionKeys, warnings, caches);
  const { toolConfig, jsonMode, forcedTool } = toolConfiguration(call, optionKeys, hasToolContent, warnings, caches);
  const fields: Fields = {};
  const passthrough = readOptions(call.providerOptions, optionKeys);

  const thinkingBudget =
    applyReasoningConfig(family, passthrough.reasoningConfig, fields, warnings) ??
    (call.reasoning ? applyReasoning(family, call.modelId, call.reasoning, forcedTool, fields, warnings) : 0);
  if (call.parallelToolCalls === false && call.tools?.length)
    warnings.push({
      type: 'unsupported',
      feature: 'parallelToolCalls',
      details: 'Converse has no setting for parallel tool calls',
    });
  const inferenceConfig: NonNullable<ConverseCommandInput['inferenceConfig']> = {};
  if (call.maxOutputTokens !== undefined) inferenceConfig.maxTokens = call.maxOutputTokens + thinkingBudget;
  else if (thinkingBudget > 0) inferenceConfig.maxTokens = 4096 + thinkingBudget; // Claude needs max_tokens above the budget
  if (thinkingBudget > 0 && (call.temperature !== undefined || call.topP !== undefined || call.topK !== undefined)) {
    warnings.push({
      type: 'unsupported',
      feature: 'temperature/topP/topK',
      details: 'Claude takes no sampling settings while thinking; they were dropped',
    });
  } else {
    if (call.temperature !== undefined) inferenceConfig.temperature = call.temperature;
    if (call.topP !== undefined) inferenceConfig.topP = call.topP;
    if (call.topK !== undefined) applyTopK(family, call.topK, fields, warnings);
  }
  if (call.stopSequences && call.stopSequences.length > 0) inferenceConfig.stopSequences = call.stopSequences;
  if (call.seed !== undefined) warnings.push({ type: 'unsupported', feature: 'seed' });
  if (call.presencePenalty !== undefined) warnings.push({ type: 'unsupported', feature: 'presencePenalty' });
  if (call.frequencyPenalty !== undefined) warnings.push({ type: 'unsupported', feature: 'frequencyPenalty' });

  const input: ConverseCommandInput = { modelId: call.modelId, messages };
  if (system.length > 0) input.system = system;
  // `providerOptions.gateway.caching: 'auto'`: with no cache point of the caller's, one after the prompt.
  if (caches && call.providerOptions?.gateway?.caching === 'auto' && !hasCachePoint(system, messages, toolConfig))
    messages[messages.length - 1]?.content?.push({ cachePoint: { type: 'default' } });
  if (Object.keys(inferenceConfig).length > 0) input.inferenceConfig = inferenceConfig;
  if (toolConfig) input.toolConfig = toolConfig;
  else if (hasToolContent)
    warnings.push({
      type: 'other',
      message: 'The prompt holds tool calls but no tools were given; Bedrock requires the tools to be declared',
    });

  // providerOptions.bedrock: Converse members are merged into the request, the rest are model-native fields.
  for (const [key, value] of Object.entries(passthrough)) {
    if (OWN_KEYS.has(key) || value === undefined) continue;
    if (key === 'additionalModelRequestFields' && value && typeof value === 'object') Object.assign(fields, value);
    else if (CONVERSE_MEMBERS.has(key)) {
      const current = (input as unknown as Record<string, unknown>)[key];
      (input as unknown as Record<string, unknown>)[key] =
        current && typeof current === 'object' && value && typeof value === 'object' && !Array.isArray(value)
          ? { ...current, ...value }
          : value;
    } else fields[key] = value;
  }
  if (Object.keys(fields).length > 0) input.additionalModelRequestFields = asDocument(fields);
  return { input, warnings, jsonMode };
}
