/**
 * Canonical request, message parts, results, stream parts and usage.
 *
 * These types follow the AI SDK's language-model specification (V4 call options, content parts,
 * stream parts, usage and finish reasons) so that the `@ai-sdk/gateway` dialect maps one to one.
 *
 * @module
 */
import type { HedgeOptions } from '../resilience/hedge.js';

/** Any JSON value. */
export type JsonValue = null | string | number | boolean | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** A JSON Schema document (draft 7 / 2020-12), kept as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

/**
 * Per-vendor passthrough options, keyed by provider type or instance name (`openai`, `anthropic`, ...),
 * plus the gateway's own routing options under `gateway`.
 *
 * @example
 * ```ts
 * const providerOptions: ProviderOptions = {
 *   gateway: { order: ['bedrock', 'anthropic'] },
 *   anthropic: { thinking: { type: 'enabled', budget_tokens: 1024 } },
 * };
 * ```
 */
export type ProviderOptions = { gateway?: GatewayOptions } & {
  [provider: string]: { [key: string]: unknown } | undefined;
};

/**
 * Routing options, named after Vercel AI Gateway's `providerOptions.gateway`.
 *
 * @example
 * ```ts
 * const gateway: GatewayOptions = { order: ['anthropic', 'bedrock'], models: ['openai/gpt-4o'] };
 * ```
 */
export interface GatewayOptions {
  /** Providers to try first, in this order; the rest follow, ranked by the router's strategy. */
  order?: string[];
  /** Only these providers may serve the request. */
  only?: string[];
  /** Fallback models, tried in order after every offering of the requested model failed. */
  models?: string[];
  /** Rank offerings by price, throughput or time to first token instead of the strategy. */
  sort?: 'cost' | 'tps' | 'ttft';
  /** End user the request is made for (accounting). */
  user?: string;
  /** Free tags for accounting and reports. */
  tags?: string[];
  /**
   * `'auto'`: prompt caching for vendors that need explicit breakpoints (Claude on Anthropic, Vertex AI
   * and Bedrock, Nova on Bedrock) when the request marks none; the others cache on their own.
   */
  caching?: 'auto';
  /** Bring-your-own-key credentials per provider type: the first one is used for this request. */
  byok?: { [provider: string]: ProviderCredentials[] };
  /** Hedged request options for this request (over the router's), or `false` for no hedge. */
  hedge?: HedgeOptions | false;
  /** Any further gateway option is accepted and ignored. */
  [key: string]: unknown;
}

/**
 * Credentials for one provider call (BYOK). Only the fields the provider type knows are used.
 *
 * @example
 * ```ts
 * const credentials: ProviderCredentials = { apiKey: process.env.OPENAI_API_KEY };
 * ```
 */
export interface ProviderCredentials {
  apiKey?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  [key: string]: unknown;
}

/**
 * File data: inline bytes (a `Uint8Array` or a base64 string) or a URL the provider fetches.
 *
 * @example
 * ```ts
 * const data: FileData = { type: 'url', url: 'https://example.com/cat.png' };
 * ```
 */
export type FileData = { type: 'data'; data: Uint8Array | string } | { type: 'url'; url: string };

/** Text content. @example `{ type: 'text', text: 'Hello' }` */
export interface TextPart {
  type: 'text';
  text: string;
  providerOptions?: ProviderOptions;
}

/** An image or other file. @example `{ type: 'file', mediaType: 'image/png', data: { type: 'data', data: base64 } }` */
export interface FilePart {
  type: 'file';
  mediaType: string;
  data: FileData;
  filename?: string;
  providerOptions?: ProviderOptions;
}

/** Model reasoning, as returned by reasoning models. @example `{ type: 'reasoning', text: 'Let me think' }` */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  providerOptions?: ProviderOptions;
}

/**
 * A tool call made by the assistant; `input` is the parsed JSON arguments. @example
 * `{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } }`
 */
export interface ToolCallPart {
  type: 'tool-call';
  toolCallId: string;
  toolName: string;
  input: unknown;
  providerOptions?: ProviderOptions;
}

/**
 * The output of a tool execution.
 *
 * @example
 * ```ts
 * const output: ToolResultOutput = { type: 'json', value: { temperature: 21 } };
 * ```
 */
export type ToolResultOutput =
  | { type: 'text'; value: string }
  | { type: 'json'; value: JsonValue }
  | { type: 'error-text'; value: string }
  | { type: 'error-json'; value: JsonValue }
  | { type: 'execution-denied'; reason?: string }
  | {
      type: 'content';
      value: Array<{ type: 'text'; text: string } | { type: 'media'; data: string; mediaType: string }>;
    };

/**
 * The result of a tool call, sent back to the model. @example
 * `{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'text', value: 'sunny' } }`
 */
export interface ToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  toolName: string;
  output: ToolResultOutput;
  providerOptions?: ProviderOptions;
}

/** A system message. @example `{ role: 'system', content: 'Be brief.' }` */
export interface SystemMessage {
  role: 'system';
  content: string;
  providerOptions?: ProviderOptions;
}
/** A user message. @example `{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }` */
export interface UserMessage {
  role: 'user';
  content: Array<TextPart | FilePart>;
  providerOptions?: ProviderOptions;
}
/** An assistant message. @example `{ role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] }` */
export interface AssistantMessage {
  role: 'assistant';
  content: Array<TextPart | FilePart | ReasoningPart | ToolCallPart | ToolResultPart>;
  providerOptions?: ProviderOptions;
}
/** Tool results. @example `{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'text', value: 'sunny' } }] }` */
export interface ToolMessage {
  role: 'tool';
  content: ToolResultPart[];
  providerOptions?: ProviderOptions;
}

/**
 * One message of a prompt.
 *
 * @example
 * ```ts
 * const messages: Message[] = [
 *   { role: 'system', content: 'Be brief.' },
 *   { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
 * ];
 * ```
 */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/**
 * Messages as callers may write them: user and assistant content may be a plain string.
 *
 * @example
 * ```ts
 * const input: MessageInput = { role: 'user', content: 'Hi' };
 * ```
 */
export type MessageInput = Message | { role: 'user' | 'assistant'; content: string; providerOptions?: ProviderOptions };

/**
 * A function tool the model may call.
 *
 * @example
 * ```ts
 * const tool: ToolDefinition = {
 *   type: 'function', name: 'weather', description: 'Weather for a city',
 *   inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 * };
 * ```
 */
export interface ToolDefinition {
  type: 'function';
  name: string;
  description?: string;
  inputSchema: JsonSchema;
  strict?: boolean;
  providerOptions?: ProviderOptions;
}

/** How the model must use tools. @example `{ type: 'tool', toolName: 'weather' }` */
export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; toolName: string };

/** Plain text, or JSON (optionally with a schema). @example `{ type: 'json', schema: { type: 'object' } }` */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json'; schema?: JsonSchema; name?: string; description?: string };

/** Reasoning effort, as in the V4 specification. @example `'low'` */
export type ReasoningEffort = 'provider-default' | 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/**
 * The call options every provider receives: the V4 language-model call options.
 *
 * @example
 * ```ts
 * const options: CallOptions = { prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], maxOutputTokens: 100 };
 * ```
 */
export interface CallOptions {
  prompt: Message[];
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseFormat?: ResponseFormat;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  reasoning?: ReasoningEffort;
  /**
   * `false` asks for at most one tool call per step (OpenAI's `parallel_tool_calls: false`,
   * Anthropic's `disable_parallel_tool_use: true`); a vendor without the setting answers with a warning.
   */
  parallelToolCalls?: boolean;
  /**
   * The end user the request is made for: sent to vendors that take one for abuse monitoring
   * (OpenAI and xAI `user`, Anthropic `metadata.user_id`), and used for accounting.
   */
  user?: string;
  providerOptions?: ProviderOptions;
  /** Extra HTTP headers for the upstream call. */
  headers?: Record<string, string>;
}

/**
 * A request to the router. `prompt` may be a plain string (sugar for one user message) or messages;
 * `messages` and `system` are accepted as in the AI SDK.
 *
 * @example
 * ```ts
 * const request: GenerateRequest = {
 *   model: 'anthropic/claude-sonnet-4',
 *   system: 'Be brief.',
 *   prompt: 'What is a switchyard?',
 *   providerOptions: { gateway: { order: ['bedrock', 'anthropic'] } },
 * };
 * ```
 */
export interface GenerateRequest extends Omit<CallOptions, 'prompt'> {
  /** A catalog model id (`creator/model`) or a raw `provider:model` id. */
  model: string;
  prompt?: string | MessageInput[];
  messages?: MessageInput[];
  system?: string;
  abortSignal?: AbortSignal;
  /** End user, for accounting and vendor abuse monitoring (also read from `providerOptions.gateway.user`). */
  user?: string;
  /** Tags, for accounting (also read from `providerOptions.gateway.tags`). */
  tags?: string[];
  /** Free key/value metadata, passed to events. */
  metadata?: Record<string, string>;
  /** Overrides the router's per-attempt timeout for this request. */
  timeoutMs?: number;
}

/**
 * Why generation stopped, unified across vendors; `raw` keeps the vendor's own value.
 *
 * @example
 * ```ts
 * const reason: FinishReason = { unified: 'stop', raw: 'end_turn' };
 * ```
 */
export interface FinishReason {
  unified: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'interrupted' | 'other';
  raw?: string;
}

/**
 * Token counts, as in the V4 specification. Unknown counts are `undefined`.
 *
 * @example
 * ```ts
 * const usage: Usage = {
 *   inputTokens: { total: 120, noCache: 20, cacheRead: 100, cacheWrite: 0 },
 *   outputTokens: { total: 40, text: 30, reasoning: 10 },
 * };
 * ```
 */
export interface Usage {
  inputTokens: {
    total: number | undefined;
    noCache: number | undefined;
    cacheRead: number | undefined;
    cacheWrite: number | undefined;
    /**
     * Of `cacheWrite`, the tokens written with a 1-hour lifetime (Anthropic, Bedrock), when the vendor reports the
     * split.
     */
    cacheWriteOneHour?: number;
  };
  outputTokens: { total: number | undefined; text: number | undefined; reasoning: number | undefined };
}

/** A warning about a request option that was dropped or changed. @example `{ type: 'unsupported', feature: 'topK' }` */
export type Warning =
  | { type: 'unsupported'; feature: string; details?: string }
  | { type: 'compatibility'; feature: string; details?: string }
  | { type: 'other'; message: string };

/**
 * A tool call in a result: `input` is the JSON string the model produced, as in the V4 specification. @example
 * `{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: '{"city":"Paris"}' }`
 */
export interface ToolCallContent {
  type: 'tool-call';
  toolCallId: string;
  toolName: string;
  input: string;
  providerMetadata?: ProviderMetadata;
}

/** Provider-specific metadata, keyed by provider. @example `{ anthropic: { cacheCreationInputTokens: 0 } }` */
export type ProviderMetadata = { [provider: string]: { [key: string]: JsonValue | undefined } };

/**
 * A part of a generated result.
 *
 * @example
 * ```ts
 * const part: ContentPart = { type: 'text', text: 'Hello' };
 * ```
 */
export type ContentPart =
  | { type: 'text'; text: string; providerMetadata?: ProviderMetadata }
  | { type: 'reasoning'; text: string; providerMetadata?: ProviderMetadata }
  | ToolCallContent
  | { type: 'file'; mediaType: string; data: string }
  | { type: 'source'; sourceType: 'url'; id: string; url: string; title?: string };

/**
 * One part of a stream, as in the V4 specification, plus the gateway's own `error` part.
 *
 * @example
 * ```ts
 * for await (const part of router.stream(request).fullStream) {
 *   if (part.type === 'text-delta') process.stdout.write(part.delta);
 * }
 * ```
 */
export type StreamPart =
  | { type: 'stream-start'; warnings: Warning[] }
  | { type: 'response-metadata'; id?: string; modelId?: string; timestamp?: Date }
  | { type: 'text-start'; id: string; providerMetadata?: ProviderMetadata }
  | { type: 'text-delta'; id: string; delta: string; providerMetadata?: ProviderMetadata }
  | { type: 'text-end'; id: string; providerMetadata?: ProviderMetadata }
  | { type: 'reasoning-start'; id: string; providerMetadata?: ProviderMetadata }
  | { type: 'reasoning-delta'; id: string; delta: string; providerMetadata?: ProviderMetadata }
  | { type: 'reasoning-end'; id: string; providerMetadata?: ProviderMetadata }
  | { type: 'tool-input-start'; id: string; toolName: string; providerMetadata?: ProviderMetadata }
  | { type: 'tool-input-delta'; id: string; delta: string; providerMetadata?: ProviderMetadata }
  | { type: 'tool-input-end'; id: string; providerMetadata?: ProviderMetadata }
  | ToolCallContent
  | { type: 'file'; mediaType: string; data: string }
  | { type: 'source'; sourceType: 'url'; id: string; url: string; title?: string }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage; providerMetadata?: ProviderMetadata }
  | { type: 'error'; error: unknown }
  | { type: 'raw'; rawValue: unknown };

/** The stream part types that carry content to the caller (failover stops being invisible at the first). */
export const CONTENT_PART_TYPES: ReadonlySet<StreamPart['type']> = new Set([
  'text-delta',
  'reasoning-delta',
  'tool-input-start',
  'tool-input-delta',
  'tool-call',
  'file',
  'source',
]);

/**
 * An empty usage record (every count unknown).
 *
 * @example
 * ```ts
 * const usage = emptyUsage();
 * ```
 */
export function emptyUsage(): Usage {
  return {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined },
  };
}
