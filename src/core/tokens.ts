/**
 * Token estimates, for reservations before an attempt and for streams the vendor never counted
 * (aborted or cut off). Real counts always come from the vendor when it gives them.
 *
 * @module
 */
import type { Message, ToolDefinition } from './types.js';

/** Tokens assumed for one image or file part. */
export const ESTIMATED_TOKENS_PER_FILE = 1_000;

/**
 * Estimated tokens of a text: one per four characters, rounded up.
 *
 * @example
 * ```ts
 * estimateTextTokens('Hello world'); // 3
 * ```
 */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Estimated input tokens of a prompt and its tools.
 *
 * @example
 * ```ts
 * estimatePromptTokens([{ role: 'user', content: [{ type: 'text', text: 'Hi there' }] }]); // 6
 * ```
 */
export function estimatePromptTokens(prompt: readonly Message[], tools: readonly ToolDefinition[] = []): number {
  let characters = 0;
  let files = 0;
  for (const message of prompt) {
    characters += 16; // role and framing
    if (typeof message.content === 'string') {
      characters += message.content.length;
      continue;
    }
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          characters += part.text.length;
          break;
        case 'file':
          files += 1;
          break;
        case 'tool-call':
          characters += part.toolName.length + JSON.stringify(part.input ?? {}).length;
          break;
        case 'tool-result':
          characters += JSON.stringify(part.output).length;
          break;
      }
    }
  }
  for (const tool of tools)
    characters += tool.name.length + (tool.description?.length ?? 0) + JSON.stringify(tool.inputSchema).length;
  return Math.ceil(characters / 4) + files * ESTIMATED_TOKENS_PER_FILE;
}
