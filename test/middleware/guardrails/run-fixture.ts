/**
 * Test fixture for the guardrails middleware without a router: a RequestRun built by hand, and fake
 * `next` steps that answer with a GenerateResult or a PipelineStream of given text deltas.
 */
import type { AccountReference } from '../../../src/core/events.js';
import type { PipelineStream, RequestRun } from '../../../src/middleware/middleware.js';
import type { GenerateResult, NormalizedRequest } from '../../../src/router/router-types.js';
import { emptyUsage, type Message, type StreamPart } from '../../../src/core/types.js';

let counter = 0;

export interface RunOptions {
  model?: string;
  account?: AccountReference;
  operation?: RequestRun['operation'];
  values?: string[];
  providerOptions?: NormalizedRequest['providerOptions'];
  system?: string;
}

/** A run whose prompt is one user message (and a system message when given). */
export function makeRun(userText: string, options: RunOptions = {}): RequestRun {
  counter += 1;
  const prompt: Message[] = [];
  if (options.system !== undefined) prompt.push({ role: 'system', content: options.system });
  prompt.push({ role: 'user', content: [{ type: 'text', text: userText }] });
  const model = options.model ?? 'openai/gpt-4o';
  return {
    requestId: `req_${counter}`,
    generationId: `gen_${counter}`,
    operation: options.operation ?? 'generate',
    streamed: options.operation === 'stream',
    model,
    request: {
      model,
      prompt,
      tags: [],
      metadata: {},
      ...(options.providerOptions ? { providerOptions: options.providerOptions } : {}),
    },
    values: options.values,
    account: options.account,
    user: undefined,
    tags: [],
    metadata: {},
    byok: false,
    startTime: Date.now(),
    deadline: Date.now() + 60_000,
    attempts: [],
    abort: undefined,
  };
}

/** The text of every text part of the run's user messages. */
export function userText(run: RequestRun): string {
  return run.request.prompt
    .filter((message) => message.role === 'user')
    .flatMap((message) => (message.role === 'user' ? message.content : []))
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('');
}

/** A GenerateResult answering `text`. */
export function resultOf(text: string, extra: Partial<GenerateResult> = {}): GenerateResult {
  return {
    requestId: 'req_x',
    generationId: 'gen_x',
    model: 'openai/gpt-4o',
    provider: 'openai',
    providerType: 'openai',
    providerModelId: 'gpt-4o',
    credentialType: 'system',
    text,
    reasoningText: undefined,
    content: [{ type: 'text', text }],
    toolCalls: [],
    finishReason: { unified: 'stop' },
    usage: emptyUsage(),
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    attempts: [],
    warnings: [],
    providerMetadata: undefined,
    responseId: undefined,
    latencyMs: 1,
    ...extra,
  };
}

/** The parts of a stream answering `deltas` as one text block. */
export function partsOf(deltas: readonly string[]): StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't0' },
    ...deltas.map((delta): StreamPart => ({ type: 'text-delta', id: 't0', delta })),
    { type: 'text-end', id: 't0' },
    { type: 'finish', finishReason: { unified: 'stop' }, usage: emptyUsage() },
  ];
}

/** A fake inner pipeline stream; `cancelled` tells whether the guard stopped reading it early. */
export function streamOf(
  parts: readonly StreamPart[],
): PipelineStream & { readonly state: { cancelled: boolean; read: number } } {
  const state = { cancelled: false, read: 0 };
  const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('');
  return {
    state,
    parts: (async function* () {
      let done = false;
      try {
        for (const part of parts) {
          state.read += 1;
          yield part;
        }
        done = true;
      } finally {
        if (!done) state.cancelled = true;
      }
    })(),
    result: Promise.resolve(resultOf(text)),
  };
}

/** Reads a stream to its end: the parts and the text of its text deltas. */
export async function readAll(stream: PipelineStream): Promise<{ parts: StreamPart[]; text: string }> {
  const parts: StreamPart[] = [];
  for await (const part of stream.parts) parts.push(part);
  return { parts, text: parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('') };
}
