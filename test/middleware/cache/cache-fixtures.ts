/**
 * Test helpers of the response cache: a {@link RequestRun} built by hand, and `next` steps that answer
 * like the rest of the pipeline would (and count their calls).
 *
 * @module
 */
import type { AccountReference, CacheEvent, RouterEvents } from '../../../src/core/events.js';
import type { PipelineStream, RequestRun } from '../../../src/middleware/middleware.js';
import type { EmbedManyResult, GenerateResult, NormalizedRequest } from '../../../src/router/router-types.js';
import type { StreamPart, Usage } from '../../../src/core/types.js';

let counter = 0;

/**
 * A run for `request` (a normalized request; `prompt` a string is one user message).
 *
 * @example
 * ```ts
 * const run = makeRun({ prompt: 'Hi', temperature: 0 }, { account: { id: 'a' } });
 * ```
 */
export function makeRun(
  request: Partial<Omit<NormalizedRequest, 'prompt'>> & { prompt?: string | NormalizedRequest['prompt'] },
  options: {
    account?: AccountReference;
    operation?: RequestRun['operation'];
    values?: string[];
    model?: string;
    aborted?: boolean;
  } = {},
): RequestRun {
  counter += 1;
  const model = options.model ?? request.model ?? 'openai/gpt-4o';
  const prompt =
    typeof request.prompt === 'string' || request.prompt === undefined
      ? [{ role: 'user' as const, content: [{ type: 'text' as const, text: request.prompt ?? 'Hi' }] }]
      : request.prompt;
  const normalized: NormalizedRequest = {
    ...request,
    model,
    prompt,
    tags: request.tags ?? [],
    metadata: request.metadata ?? {},
  };
  const operation = options.operation ?? 'generate';
  const controller = new AbortController();
  if (options.aborted) controller.abort();
  return {
    requestId: `req_${counter}`,
    generationId: `gen_${counter}`,
    operation,
    streamed: operation === 'stream',
    model,
    request: normalized,
    values: options.values,
    account: options.account,
    user: request.user,
    tags: normalized.tags,
    metadata: normalized.metadata,
    byok: false,
    startTime: Date.now(),
    deadline: Date.now() + 60_000,
    attempts: [],
    abort: controller.signal,
  };
}

/** A usage record. @example `usage(10, 2)` */
export function usage(input: number, output: number): Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

/**
 * A result as the pipeline would answer it.
 *
 * @example
 * ```ts
 * const result = makeResult(run, 'Hello');
 * ```
 */
export function makeResult(
  run: RequestRun,
  text: string,
  finish: GenerateResult['finishReason']['unified'] = 'stop',
): GenerateResult {
  return {
    requestId: run.requestId,
    generationId: run.generationId,
    model: run.model,
    provider: 'openai',
    providerType: 'openai',
    providerModelId: 'gpt-4o',
    credentialType: 'system',
    text,
    reasoningText: undefined,
    content: [{ type: 'text', text }],
    toolCalls: [],
    finishReason: { unified: finish, raw: finish },
    usage: usage(10, 2),
    cost: { input: 25_000, output: 20_000, cacheRead: 0, cacheWrite: 0, total: 45_000 },
    attempts: [
      {
        provider: 'openai',
        providerType: 'openai',
        providerModelId: 'gpt-4o',
        model: run.model,
        outcome: 'success',
        latencyMs: 5,
        credentialType: 'system',
        startTime: 0,
        endTime: 5,
      },
    ],
    warnings: [],
    providerMetadata: undefined,
    responseId: 'chatcmpl-1',
    latencyMs: 5,
  };
}

/**
 * A `next` for `wrapGenerate` that answers `text` (or what `answer` makes) and counts its calls.
 *
 * @example
 * ```ts
 * const next = generateNext(run, 'Hello');
 * await cache.wrapGenerate!(run, next.call);
 * assert.equal(next.calls, 1);
 * ```
 */
export function generateNext(
  run: RequestRun,
  answer: string | (() => GenerateResult | Promise<GenerateResult>),
): { calls: number; call: () => Promise<GenerateResult> } {
  const step = {
    calls: 0,
    call: async (): Promise<GenerateResult> => {
      step.calls += 1;
      return typeof answer === 'string' ? makeResult(run, answer) : answer();
    },
  };
  return step;
}

/**
 * The parts of a streamed answer of `text` in two deltas, a tool call, and a finish part.
 *
 * @example
 * ```ts
 * const parts = streamParts('Hello there');
 * ```
 */
export function streamParts(text: string, finish: 'stop' | 'length' = 'stop'): StreamPart[] {
  const half = Math.ceil(text.length / 2);
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', id: 'chatcmpl-s', modelId: 'gpt-4o', timestamp: new Date(1_700_000_000_000) },
    { type: 'text-start', id: 't0' },
    { type: 'text-delta', id: 't0', delta: text.slice(0, half) },
    { type: 'text-delta', id: 't0', delta: text.slice(half) },
    { type: 'text-end', id: 't0' },
    { type: 'tool-input-start', id: 'call_1', toolName: 'weather' },
    { type: 'tool-input-delta', id: 'call_1', delta: '{"city":"Paris"}' },
    { type: 'tool-input-end', id: 'call_1' },
    { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: '{"city":"Paris"}' },
    { type: 'finish', finishReason: { unified: finish, raw: finish }, usage: usage(12, 7) },
  ];
}

/**
 * A `next` for `wrapStream` that streams `parts` and counts its calls. After an `error` part the result
 * still resolves (with finish reason `stop`): the cache must see the failure in the parts.
 *
 * @example
 * ```ts
 * const next = streamNext(run, streamParts('Hello'));
 * ```
 */
export function streamNext(
  run: RequestRun,
  parts: StreamPart[],
): { calls: number; call: () => Promise<PipelineStream> } {
  const step = {
    calls: 0,
    call: async (): Promise<PipelineStream> => {
      step.calls += 1;
      let settle!: (result: GenerateResult) => void;
      let fail!: (error: unknown) => void;
      const result = new Promise<GenerateResult>((resolve, reject) => {
        settle = resolve;
        fail = reject;
      });
      result.catch(() => undefined);
      async function* generate(): AsyncGenerator<StreamPart> {
        let text = '';
        try {
          for (const part of parts) {
            if (part.type === 'text-delta') text += part.delta;
            yield part;
            if (part.type === 'error') {
              // After content, the router may settle the result rather than reject it: the worst case for a cache.
              settle(makeResult(run, text, 'stop'));
              return;
            }
          }
          const finish = parts.find((part) => part.type === 'finish');
          const answer = makeResult(run, text, finish?.type === 'finish' ? finish.finishReason.unified : 'other');
          answer.content = [{ type: 'text', text }, ...parts.filter((part) => part.type === 'tool-call')];
          answer.toolCalls = parts.flatMap((part) =>
            part.type === 'tool-call'
              ? [{ toolCallId: part.toolCallId, toolName: part.toolName, input: JSON.parse(part.input) as unknown }]
              : [],
          );
          if (finish?.type === 'finish') answer.usage = finish.usage;
          settle(answer);
        } finally {
          // A caller that stops reading ends the stream: the result rejects, as the router's does (no-op once settled).
          fail(new Error('the stream was not read to the end'));
        }
      }
      return { parts: generate(), result };
    },
  };
  return step;
}

/**
 * A `next` for `wrapEmbed`: embeds each of `run.values` (as the pipeline sees them when called) as
 * `[length, first char code]`, and records the values of each call.
 *
 * @example
 * ```ts
 * const next = embedNext(run);
 * ```
 */
export function embedNext(run: RequestRun): { calls: string[][]; call: () => Promise<EmbedManyResult> } {
  const step = {
    calls: [] as string[][],
    call: async (): Promise<EmbedManyResult> => {
      const values = [...(run.values ?? [])];
      step.calls.push(values);
      return {
        requestId: run.requestId,
        generationId: run.generationId,
        model: run.model,
        provider: 'openai',
        providerModelId: 'text-embedding-3-small',
        embeddings: values.map((value) => [value.length, value.charCodeAt(0)]),
        usage: { tokens: values.reduce((sum, value) => sum + value.length, 0) },
        cost: { input: 100 * values.length, output: 0, cacheRead: 0, cacheWrite: 0, total: 100 * values.length },
        attempts: [],
        warnings: [],
      };
    },
  };
  return step;
}

/**
 * Collects the events a cache emits.
 *
 * @example
 * ```ts
 * const events = eventLog();
 * const cache = responseCache({ emit: events.emit });
 * ```
 */
export function eventLog(): {
  cache: CacheEvent[];
  warnings: Array<RouterEvents['warning'][0]>;
  emit: <E extends 'cache' | 'warning'>(event: E, ...args: RouterEvents[E]) => void;
} {
  const log = {
    cache: [] as CacheEvent[],
    warnings: [] as Array<RouterEvents['warning'][0]>,
    emit: <E extends 'cache' | 'warning'>(event: E, ...args: RouterEvents[E]): void => {
      if (event === 'cache') log.cache.push(args[0] as CacheEvent);
      else log.warnings.push(args[0] as RouterEvents['warning'][0]);
    },
  };
  return log;
}

/** Reads a stream's parts to the end. @example `const parts = await readAll(stream.parts)` */
export async function readAll(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const all: StreamPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}
