/**
 * Canonical prompt → Bedrock Converse `system` and `messages`, with cache points, images,
 * documents, reasoning and tool blocks.
 *
 * @module
 */
import type {
  CachePointBlock,
  ContentBlock,
  DocumentFormat,
  ImageFormat,
  Message as BedrockMessage,
  SystemContentBlock,
  ToolResultContentBlock,
  ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { GatewayError } from '../../core/errors.js';
import type { FilePart, JsonValue, Message, ProviderOptions, ToolResultOutput, Warning } from '../../core/types.js';
import { fileDataToBytes, toolResultToText } from '../shared/provider-support.js';

/**
 * The option bags a Bedrock provider reads from `providerOptions`: its type (`bedrock`) and its instance name.
 *
 * @example
 * ```ts
 * readOptions({ bedrock: { cachePoint: true } }, ['bedrock', 'bedrock-eu']); // { cachePoint: true }
 * ```
 */
export function readOptions(
  providerOptions: ProviderOptions | undefined,
  keys: readonly string[],
): Record<string, unknown> {
  let merged: Record<string, unknown> = {};
  for (const key of keys) {
    const value = providerOptions?.[key];
    if (value && typeof value === 'object') merged = { ...merged, ...value };
  }
  return merged;
}

/**
 * The cache point a part, message or tool asks for with `providerOptions.bedrock.cachePoint`
 * (`true`, `{ type: 'default' }` or `{ type: 'default', ttl: '1h' }`). With `fromAnthropic` (a model
 * that caches: Claude, Nova), Anthropic's breakpoint `providerOptions.anthropic.cacheControl` (what
 * the Anthropic dialect and `@ai-sdk/anthropic` send) counts as one too, with its `ttl`.
 *
 * @example
 * ```ts
 * cachePointFor({ bedrock: { cachePoint: { type: 'default' } } }, ['bedrock']); // { type: 'default' }
 * cachePointFor({ anthropic: { cacheControl: { type: 'ephemeral', ttl: '1h' } } }, ['bedrock'], true); // { type: 'default', ttl: '1h' }
 * ```
 */
export function cachePointFor(
  providerOptions: ProviderOptions | undefined,
  keys: readonly string[],
  fromAnthropic = false,
): CachePointBlock | undefined {
  let value = readOptions(providerOptions, keys).cachePoint;
  if ((value === undefined || value === null) && fromAnthropic) {
    const anthropic = providerOptions?.anthropic;
    const marker = anthropic?.cacheControl ?? anthropic?.cache_control;
    if (marker && typeof marker === 'object') value = marker;
  }
  if (value === undefined || value === false || value === null) return undefined;
  const ttl =
    typeof value === 'object' && typeof (value as { ttl?: unknown }).ttl === 'string'
      ? (value as { ttl: CachePointBlock['ttl'] }).ttl
      : undefined;
  return ttl ? { type: 'default', ttl } : { type: 'default' };
}

const IMAGE_FORMATS: Record<string, ImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
const DOCUMENT_FORMATS: Record<string, DocumentFormat> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

function inlineBytes(part: FilePart): Uint8Array {
  if (part.data.type === 'url' && !part.data.url.startsWith('data:')) {
    throw new GatewayError(
      'invalid_request',
      `Bedrock takes files as inline bytes, not URLs (${part.mediaType}); send the data instead`,
      { param: 'prompt' },
    );
  }
  return fileDataToBytes(part.data);
}

/** A Bedrock image block for an image part, or undefined when the media type is not an image Bedrock reads. */
function imageBlock(part: FilePart): ContentBlock.ImageMember | undefined {
  const format = IMAGE_FORMATS[part.mediaType.toLowerCase()];
  return format ? { image: { format, source: { bytes: inlineBytes(part) } } } : undefined;
}

/**
 * A file part as a Converse content block: an image (png, jpeg, gif, webp) or a document
 * (pdf, csv, doc(x), xls(x), html, txt, md). URLs and other types fail with `invalid_request`.
 *
 * @example
 * ```ts
 * fileBlock({ type: 'file', mediaType: 'image/png', data: { type: 'data', data: 'iVBORw0KGgo=' } }, 0);
 * ```
 */
export function fileBlock(part: FilePart, index: number): ContentBlock {
  const image = imageBlock(part);
  if (image) return image;
  const format = DOCUMENT_FORMATS[part.mediaType.toLowerCase().split(';')[0]];
  if (!format) {
    throw new GatewayError(
      'invalid_request',
      `Bedrock cannot read files of type ${part.mediaType} (images: png, jpeg, gif, webp; documents: ${Object.values(DOCUMENT_FORMATS).join(', ')})`,
      { param: 'prompt' },
    );
  }
  // Document names: letters, digits, single spaces, hyphens, parentheses and brackets only.
  const base = (part.filename ?? '')
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9\s\-()[\]]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { document: { format, name: `${base || 'document'} ${index + 1}`, source: { bytes: inlineBytes(part) } } };
}

function toolResultContent(output: ToolResultOutput): ToolResultContentBlock[] {
  switch (output.type) {
    case 'json':
    case 'error-json':
      return output.value !== null && typeof output.value === 'object' && !Array.isArray(output.value)
        ? [{ json: output.value as ToolResultContentBlock.JsonMember['json'] }]
        : [{ text: JSON.stringify(output.value) }];
    case 'content':
      return output.value.map((item): ToolResultContentBlock => {
        if (item.type === 'text') return { text: item.text };
        const image = imageBlock({ type: 'file', mediaType: item.mediaType, data: { type: 'data', data: item.data } });
        return image ?? { text: `[${item.mediaType}]` };
      });
    default:
      return [{ text: toolResultToText(output) || ' ' }];
  }
}

function toolUseInput(input: unknown): ToolUseBlock['input'] {
  if (typeof input === 'string') {
    try {
      return JSON.parse(input) as ToolUseBlock['input'];
    } catch {
      return { _raw: input };
    }
  }
  return (input ?? {}) as ToolUseBlock['input'];
}

/**
 * The Converse form of a prompt.
 *
 * @example
 * ```ts
 * const converted: ConvertedPrompt = { system: [{ text: 'Be brief.' }], messages: [], hasToolContent: false };
 * ```
 */
export interface ConvertedPrompt {
  system: SystemContentBlock[];
  messages: BedrockMessage[];
  /** Whether the messages carry toolUse/toolResult blocks (Bedrock then requires a toolConfig). */
  hasToolContent: boolean;
}

/**
 * Converts a canonical prompt to Converse `system` and `messages`: system messages go to `system`,
 * tool messages become user messages with toolResult blocks, consecutive messages of one role are
 * merged (Converse requires alternating roles), and `providerOptions.bedrock.cachePoint` on a part or
 * message adds a `cachePoint` block after it (so does Anthropic's `cacheControl` with
 * `anthropicCacheHints`, for models that cache).
 *
 * @example
 * ```ts
 * const { system, messages } = convertPrompt([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }] }], ['bedrock'], []);
 * ```
 */
export function convertPrompt(
  prompt: Message[],
  optionKeys: readonly string[],
  warnings: Warning[],
  anthropicCacheHints = false,
): ConvertedPrompt {
  const system: SystemContentBlock[] = [];
  const messages: BedrockMessage[] = [];
  let hasToolContent = false;
  let fileIndex = 0;
  let seenConversation = false;
  const withCachePoint = <T>(
    blocks: T[],
    options: ProviderOptions | undefined,
    make: (cachePoint: CachePointBlock) => T,
  ): void => {
    const cachePoint = cachePointFor(options, optionKeys, anthropicCacheHints);
    if (cachePoint) blocks.push(make(cachePoint));
  };

  for (const message of prompt) {
    if (message.role === 'system') {
      if (seenConversation)
        warnings.push({
          type: 'compatibility',
          feature: 'system message position',
          details: 'Bedrock takes system text before the conversation; a later system message was moved there',
        });
      system.push({ text: message.content });
      withCachePoint(system, message.providerOptions, (cachePoint) => ({ cachePoint }));
      continue;
    }
    seenConversation = true;
    const blocks: ContentBlock[] = [];
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
          if (part.text.length > 0) blocks.push({ text: part.text });
          break;
        case 'file':
          blocks.push(fileBlock(part, fileIndex++));
          break;
        case 'reasoning': {
          const options = readOptions(part.providerOptions, optionKeys);
          if (typeof options.redactedData === 'string') {
            blocks.push({
              reasoningContent: { redactedContent: new Uint8Array(Buffer.from(options.redactedData, 'base64')) },
            });
          } else if (part.text.length > 0) {
            const signature = typeof options.signature === 'string' ? options.signature : undefined;
            blocks.push({
              reasoningContent: { reasoningText: signature ? { text: part.text, signature } : { text: part.text } },
            });
          }
          break;
        }
        case 'tool-call':
          hasToolContent = true;
          blocks.push({
            toolUse: { toolUseId: part.toolCallId, name: part.toolName, input: toolUseInput(part.input) },
          });
          break;
        case 'tool-result': {
          if (message.role === 'assistant') {
            warnings.push({
              type: 'unsupported',
              feature: 'assistant tool-result part',
              details: 'Bedrock takes tool results from the user side only; the part was dropped',
            });
            continue;
          }
          hasToolContent = true;
          const error =
            part.output.type === 'error-text' ||
            part.output.type === 'error-json' ||
            part.output.type === 'execution-denied';
          blocks.push({
            toolResult: {
              toolUseId: part.toolCallId,
              content: toolResultContent(part.output),
              ...(error ? { status: 'error' as const } : {}),
            },
          });
          break;
        }
      }
      withCachePoint(blocks, part.providerOptions, (cachePoint) => ({ cachePoint }));
    }
    withCachePoint(blocks, message.providerOptions, (cachePoint) => ({ cachePoint }));
    if (blocks.length === 0) continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const previous = messages[messages.length - 1];
    if (previous && previous.role === role) previous.content!.push(...blocks);
    else messages.push({ role, content: blocks });
  }

  // Converse rejects a final assistant message that ends with whitespace (a prefill).
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') {
    const lastBlock = last.content![last.content!.length - 1];
    if (lastBlock && typeof lastBlock.text === 'string')
      (lastBlock as { text: string }).text = lastBlock.text.trimEnd() || lastBlock.text;
  }
  return { system, messages, hasToolContent };
}

/** The SDK's JSON document type. @example `const document: BedrockDocument = { a: 1 };` */
export type BedrockDocument = NonNullable<ToolUseBlock['input']>;

/** A JSON value as the SDK's document type. @example `asDocument({ a: 1 })` */
export function asDocument(value: unknown): BedrockDocument {
  return value as JsonValue as BedrockDocument;
}
