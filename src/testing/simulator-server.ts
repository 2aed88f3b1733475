/**
 * The shared engine behind every vendor simulator: a loopback HTTP server with scriptable latency,
 * throughput and injected faults. Each vendor supplies a {@link SimulatorProtocol} that parses its
 * wire format into a neutral {@link SimulatedRequest} and renders a {@link SimulatedReply} back.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import type { JsonSchema } from '../core/types.js';

/**
 * An injected fault.
 *
 * - `status`: answer with this HTTP status and the vendor's error body (429 with Retry-After, 500, 503, 529, 401...).
 * - `hang`: accept the request and never answer.
 * - `reset`: destroy the connection without an answer.
 * - `malformed`: answer 200 with a body that is not valid for the protocol.
 * - `disconnect`: start a streaming answer and drop the connection after `afterParts` content parts
 *   (a non-streaming request is reset instead).
 * - `context-length-exceeded`: the vendor's own 400 for a prompt longer than the model's context window
 *   (`contextWindow` tokens, default 128,000), with its real error body.
 * - `content-filter`: the vendor's own refusal of a prompt by its content policy, as an error (OpenAI's
 *   400 `content_filter`); a vendor that refuses with a finish reason instead answers with that.
 * - `slow`: answer normally, `delayMs` later: before the answer, or before the first content part of a
 *   stream (a slow time to first token). Not counted as a fault in `totals`; as a share of `faults`, a
 *   heavy tail: `[{ rate: 0.1, fault: { type: 'slow', delayMs: 950 } }]`.
 *
 * @example
 * ```ts
 * simulator.script({ type: 'status', status: 429, retryAfterSeconds: 1 }, 'ok');
 * ```
 */
export type SimulatorFault =
  | { type: 'status'; status: number; retryAfterSeconds?: number; message?: string }
  | { type: 'hang' }
  | { type: 'reset' }
  | { type: 'malformed' }
  | { type: 'disconnect'; afterParts?: number }
  | { type: 'context-length-exceeded'; contextWindow?: number }
  | { type: 'content-filter' }
  | { type: 'slow'; delayMs: number };

/** One step of a script: a fault, or `'ok'` for a normal answer. @example `'ok'` */
export type SimulatorStep = SimulatorFault | 'ok';

/**
 * A vendor request, reduced to what a simulator needs to answer it.
 *
 * @example
 * ```ts
 * const request: SimulatedRequest = { kind: 'chat', model: 'gpt-4o', stream: false, lastUserText: 'Hi', promptText: 'Hi', tools: [] };
 * ```
 */
export interface SimulatedRequest {
  kind: 'chat' | 'embed' | 'image' | 'rerank';
  model: string;
  stream: boolean;
  /** Text of the last user message (what the default reply echoes). */
  lastUserText: string;
  /** All prompt text, for the input token count. */
  promptText: string;
  /** Number of images or files in the prompt. */
  imageCount?: number;
  tools: Array<{ name: string; inputSchema?: JsonSchema }>;
  /** `required` or a tool name forces a tool call. */
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  /** Whether the prompt already carries tool results (then the default reply is text). */
  hasToolResults?: boolean;
  /** JSON output was requested, with this schema when one was given. */
  json?: { schema?: JsonSchema };
  maxTokens?: number;
  stopSequences?: string[];
  /** Values to embed (`kind: 'embed'`). */
  values?: string[];
  dimensions?: number;
  /** Prompt tokens the vendor would report as read from its cache (prompt caching). */
  cachedTokens?: number;
  /** Whether the request asked to write the prompt to the cache (Anthropic cache_control, Bedrock cachePoint). */
  cacheWrite?: boolean;
  /** Whether reasoning was requested. */
  reasoning?: boolean;
  /** For `kind: 'image'`: how many images, and whether the vendor bills them as tokens (gpt-image). */
  image?: { n: number; tokenBilled?: boolean };
  /** For `kind: 'rerank'`: the query (also `lastUserText`), the documents and how many results to return. */
  rerank?: { query: string; documents: string[]; topN?: number };
}

/**
 * What a simulator answers, before it is rendered in the vendor's format.
 *
 * @example
 * ```ts
 * const reply: SimulatedReply = { text: 'Hello there', finishReason: 'stop', inputTokens: 5, outputTokens: 2 };
 * ```
 */
export interface SimulatedReply {
  text: string;
  reasoning?: string;
  toolCalls: Array<{ id: string; name: string; input: Record<string, unknown> }>;
  finishReason: 'stop' | 'length' | 'tool-calls' | 'content-filter';
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** For `kind: 'embed'`: one vector per value. */
  embeddings?: number[][];
  /** The pieces the streamed text is cut into, one per output token. */
  textChunks: string[];
  /** For `kind: 'image'`: the images as base64 PNG. */
  images?: string[];
  /** For `kind: 'rerank'`: document indexes with their scores, most relevant first. */
  ranking?: Array<{ index: number; relevanceScore: number }>;
  /** For `kind: 'rerank'`: the search units billed (a query with up to 100 documents is one). */
  searchUnits?: number;
}

/**
 * A rendered answer: JSON, or a stream of chunks (SSE text or binary frames). Chunks marked
 * `content` are paced by the simulator's time to first token and tokens per second.
 *
 * @example
 * ```ts
 * const response: SimulatedResponse = { kind: 'json', status: 200, body: { ok: true } };
 * ```
 */
export type SimulatedResponse =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | {
      kind: 'stream';
      contentType: string;
      chunks: Array<{ data: string | Uint8Array; content: boolean }>;
      headers?: Record<string, string>;
    };

/**
 * What a vendor protocol supplies to the shared simulator engine.
 *
 * @example
 * ```ts
 * const protocol: SimulatorProtocol = { name: 'openai', parse, render, errorResponse };
 * ```
 */
export interface SimulatorProtocol {
  /** Vendor name, used in ids and logs. */
  readonly name: string;
  /**
   * Turns an HTTP request into a neutral request, or answers it directly (404, 400 for a bad body,
   * a model list...). `body` is the raw body text.
   */
  parse(request: {
    method: string;
    path: string;
    headers: IncomingMessage['headers'];
    body: string;
    bodyBytes: Buffer;
  }): SimulatedRequest | SimulatedResponse;
  /** Renders a reply in the vendor's wire format. */
  render(
    request: SimulatedRequest,
    reply: SimulatedReply,
    context: { responseId: string; created: number },
  ): SimulatedResponse;
  /** The vendor's error body for a status (429, 500, 529, 401...). */
  errorResponse(status: number, message: string): SimulatedResponse;
  /**
   * A body that does not parse as the vendor's format (when absent or `undefined`: truncated JSON / a broken SSE
   * event).
   */
  malformedResponse?(request: SimulatedRequest): SimulatedResponse | undefined;
  /**
   * The vendor's refusal of a request: a prompt over the context window (`contextWindow` tokens, the prompt
   * counted as `promptTokens`), or its content policy. Absent or `undefined`: a 400 error body with a
   * message of the kind, or (content policy) an answer whose finish reason is `content-filter`.
   */
  refusalResponse?(
    refusal: { kind: 'context-length'; contextWindow: number; promptTokens: number } | { kind: 'content-filter' },
    request: SimulatedRequest,
  ): SimulatedResponse | undefined;
}

/**
 * Scriptable behaviour of a simulator. Every field may be changed at any time with
 * {@link Simulator.configure}.
 *
 * @example
 * ```ts
 * const behaviour: SimulatorBehaviour = { latencyMs: 20, timeToFirstTokenMs: 50, tokensPerSecond: 200, faultRate: 0.1, fault: { type: 'status', status: 503 } };
 * ```
 */
export interface SimulatorBehaviour {
  /** Delay before a non-streaming answer (or before the headers of a streaming one). */
  latencyMs: number;
  /** Delay before the first content part of a stream. */
  timeToFirstTokenMs: number;
  /** Pace of streamed content parts; 0 sends them as fast as possible. */
  tokensPerSecond: number;
  /** Share of requests (0..1) that get `fault` when no script step is pending. */
  faultRate: number;
  fault: SimulatorFault;
  /**
   * A mix of faults, each given to its share (0..1) of the requests (the shares add up to at most 1),
   * drawn after `faultRate`/`fault`. For chaos runs:
   * `[{ rate: 0.3, fault: { type: 'status', status: 503 } }, { rate: 0.05, fault: { type: 'hang' } }]`.
   */
  faults?: ReadonlyArray<{ rate: number; fault: SimulatorFault }>;
  /**
   * Every answer waits for this promise (after `latencyMs`): a test holds requests open at the vendor, for
   * example to see how many are in flight at once, then resolves it. `reset()` clears it.
   */
  hold?: Promise<unknown>;
  /** Custom answer; the default echoes the last user message, calls a tool when asked, or fills a JSON schema. */
  reply?: (request: SimulatedRequest) => Partial<SimulatedReply> | undefined;
  /** Random source for fault rates (tests pass a seeded one). */
  random: () => number;
  /**
   * API keys answered with a 401 (a revoked key), read from `Authorization: Bearer`, `x-api-key` or
   * `x-goog-api-key`. `reset()` clears them.
   */
  rejectedKeys?: readonly string[];
}

/**
 * A request the simulator received, for assertions.
 *
 * @example
 * ```ts
 * expect(simulator.requests[0].body).toMatchObject({ model: 'gpt-4o' });
 * ```
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** The step taken: `'ok'` or the fault's type. */
  outcome: 'ok' | SimulatorFault['type'];
  /** Whether the client went away before the answer was complete. */
  aborted: boolean;
  /** When the request arrived (epoch ms). */
  receivedAt: number;
  /** When the client closed the connection before the answer was complete (epoch ms). */
  closedAt?: number;
  /** The usage reported to the client, when it was reported. */
  usage?: {
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens: number;
    cacheWriteTokens: number;
    reasoningTokens: number;
  };
}

/**
 * Options for a simulator.
 *
 * @example
 * ```ts
 * const simulator = createOpenAISimulator({ behaviour: { latencyMs: 5 } });
 * ```
 */
export interface SimulatorOptions {
  /** Port to listen on (default 0: a free port). */
  port?: number;
  /** Host to bind (default 127.0.0.1). */
  host?: string;
  behaviour?: Partial<SimulatorBehaviour>;
}

/**
 * A running (or startable) vendor simulator.
 *
 * @example
 * ```ts
 * import { createOpenAISimulator } from 'switchyard/testing';
 * const simulator = createOpenAISimulator();
 * const baseURL = await simulator.start();
 * simulator.script({ type: 'status', status: 500 }, 'ok');
 * // ... point the provider's baseURL at it ...
 * await simulator.close();
 * ```
 */
export class Simulator {
  readonly protocol: SimulatorProtocol;
  readonly requests: RecordedRequest[] = [];
  private behaviour: SimulatorBehaviour;
  private readonly steps: SimulatorStep[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  private url: string | undefined;
  private sequence = 0;

  constructor(
    protocol: SimulatorProtocol,
    private readonly options: SimulatorOptions = {},
  ) {
    this.protocol = protocol;
    this.behaviour = {
      latencyMs: 0,
      timeToFirstTokenMs: 0,
      tokensPerSecond: 0,
      faultRate: 0,
      fault: { type: 'status', status: 500 },
      random: Math.random,
      ...options.behaviour,
    };
  }

  /** Starts listening; resolves to the base URL (`http://127.0.0.1:PORT`). */
  async start(): Promise<string> {
    if (this.url) return this.url;
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: { message: String(error) } }));
        } else response.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The longest accept queue the system allows (Node's default is 511): a burst of new connections
      // (1,000 streams at once) past it has its handshakes dropped and retried a second or more later,
      // so a healthy upstream's answers arrive after the client's attempt timeout.
      server.listen(
        { port: this.options.port ?? 0, host: this.options.host ?? '127.0.0.1', backlog: LISTEN_BACKLOG },
        () => resolve(),
      );
    });
    const address = server.address() as AddressInfo;
    this.url = `http://${this.options.host ?? '127.0.0.1'}:${address.port}`;
    return this.url;
  }

  /** The base URL; throws when not started. */
  get baseURL(): string {
    if (!this.url) throw new Error(`${this.protocol.name} simulator is not started`);
    return this.url;
  }

  /** Stops the server and drops every open connection. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.url = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Changes the behaviour (merged into the current one). */
  configure(behaviour: Partial<SimulatorBehaviour>): this {
    this.behaviour = { ...this.behaviour, ...behaviour };
    return this;
  }

  /** Queues steps, each taken by one request in arrival order, before the fault rate applies again. */
  script(...steps: SimulatorStep[]): this {
    this.steps.push(...steps);
    return this;
  }

  /** Clears the script, the recorded requests, and resets faults to none. */
  reset(): this {
    this.steps.length = 0;
    this.requests.length = 0;
    this.behaviour = {
      ...this.behaviour,
      faultRate: 0,
      faults: undefined,
      hold: undefined,
      reply: undefined,
      rejectedKeys: undefined,
      latencyMs: 0,
      timeToFirstTokenMs: 0,
      tokensPerSecond: 0,
    };
    return this;
  }

  /** Totals over the recorded requests: usage reported to clients, aborted requests, faults. */
  get totals(): {
    requests: number;
    aborted: number;
    faults: number;
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens: number;
    cacheWriteTokens: number;
    reasoningTokens: number;
  } {
    const totals = {
      requests: 0,
      aborted: 0,
      faults: 0,
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    };
    for (const recorded of this.requests) {
      totals.requests += 1;
      if (recorded.aborted) totals.aborted += 1;
      if (recorded.outcome !== 'ok' && recorded.outcome !== 'slow') totals.faults += 1;
      if (recorded.usage) {
        totals.inputTokens += recorded.usage.inputTokens;
        totals.outputTokens += recorded.usage.outputTokens;
        totals.cachedInputTokens += recorded.usage.cachedInputTokens;
        totals.cacheWriteTokens += recorded.usage.cacheWriteTokens;
        totals.reasoningTokens += recorded.usage.reasoningTokens;
      }
    }
    return totals;
  }

  private nextStep(): SimulatorStep {
    const scripted = this.steps.shift();
    if (scripted) return scripted;
    if (this.behaviour.faultRate > 0 && this.behaviour.random() < this.behaviour.faultRate) return this.behaviour.fault;
    const mix = this.behaviour.faults;
    if (mix && mix.length > 0) {
      let draw = this.behaviour.random();
      for (const { rate, fault } of mix) {
        if (draw < rate) return fault;
        draw -= rate;
      }
    }
    return 'ok';
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const bodyBytes = Buffer.concat(chunks);
    const body = bodyBytes.toString('utf8');
    const url = new URL(request.url ?? '/', 'http://simulator');
    const parsed = this.protocol.parse({
      method: request.method ?? 'GET',
      path: url.pathname + url.search,
      headers: request.headers,
      body,
      bodyBytes,
    });
    let parsedBody: unknown = body;
    try {
      parsedBody = body ? JSON.parse(body) : undefined;
    } catch {
      /* binary or not JSON: keep the text */
    }
    if ('kind' in parsed && (parsed.kind === 'json' || parsed.kind === 'stream')) {
      await this.write(response, parsed, undefined);
      return;
    }
    const simulated = parsed as SimulatedRequest;
    const rejected = this.behaviour.rejectedKeys;
    const step: SimulatorStep =
      rejected !== undefined && rejected.length > 0 && rejected.includes(requestKey(request.headers))
        ? { type: 'status', status: 401 }
        : this.nextStep();
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      headers: request.headers,
      body: parsedBody,
      outcome: step === 'ok' ? 'ok' : step.type,
      aborted: false,
      receivedAt: Date.now(),
    };
    this.requests.push(recorded);
    response.on('close', () => {
      if (!response.writableFinished) {
        recorded.aborted = true;
        recorded.closedAt = Date.now();
      }
    });
    const behaviour = this.behaviour;
    if (behaviour.latencyMs > 0) await delay(behaviour.latencyMs);
    if (behaviour.hold) await behaviour.hold;
    const slowMs = step !== 'ok' && step.type === 'slow' ? step.delayMs : 0;
    if (slowMs > 0 && !simulated.stream) await delay(slowMs);
    if (step !== 'ok') {
      switch (step.type) {
        case 'status': {
          const rendered = this.protocol.errorResponse(step.status, step.message ?? defaultFaultMessage(step.status));
          const headers: Record<string, string> =
            step.retryAfterSeconds === undefined ? {} : { 'retry-after': String(step.retryAfterSeconds) };
          await this.write(response, { ...rendered, headers: { ...rendered.headers, ...headers } }, undefined);
          return;
        }
        case 'hang':
          return; // never answer; the client's abort or timeout closes the socket
        case 'reset':
          request.socket.destroy();
          return;
        case 'malformed':
          await this.write(
            response,
            this.protocol.malformedResponse?.(simulated) ?? defaultMalformed(simulated),
            undefined,
          );
          return;
        case 'disconnect':
          if (!simulated.stream) {
            request.socket.destroy();
            return;
          }
          break;
        case 'context-length-exceeded': {
          const contextWindow = step.contextWindow ?? 128_000;
          const promptTokens = Math.max(Math.ceil(simulated.promptText.length / 4), contextWindow + 1);
          const refusal = { kind: 'context-length' as const, contextWindow, promptTokens };
          await this.write(
            response,
            this.protocol.refusalResponse?.(refusal, simulated) ??
              this.protocol.errorResponse(
                400,
                `prompt is too long: ${promptTokens} tokens > ${contextWindow} maximum context length`,
              ),
            undefined,
          );
          return;
        }
        case 'content-filter': {
          const rendered = this.protocol.refusalResponse?.({ kind: 'content-filter' }, simulated);
          if (rendered) {
            await this.write(response, rendered, undefined);
            return;
          }
          break;
        }
      }
    }
    const filtered = step !== 'ok' && step.type === 'content-filter';
    const reply = filtered
      ? { ...this.reply(simulated), text: '', textChunks: [], toolCalls: [], finishReason: 'content-filter' as const }
      : this.reply(simulated);
    this.sequence += 1;
    const rendered = this.protocol.render(simulated, reply, {
      responseId: `${this.protocol.name}-sim-${this.sequence}`,
      created: Math.floor(Date.now() / 1000),
    });
    recorded.usage = {
      inputTokens: reply.inputTokens,
      outputTokens: reply.outputTokens,
      cachedInputTokens: reply.cachedInputTokens,
      cacheWriteTokens: reply.cacheWriteTokens,
      reasoningTokens: reply.reasoningTokens,
    };
    const disconnectAfter = step !== 'ok' && step.type === 'disconnect' ? (step.afterParts ?? 2) : undefined;
    if (disconnectAfter !== undefined) recorded.usage = undefined; // the client never sees the final usage
    await this.write(response, rendered, disconnectAfter, simulated.stream ? slowMs : 0);
  }

  private reply(request: SimulatedRequest): SimulatedReply {
    const base = defaultReply(request);
    const custom = this.behaviour.reply?.(request);
    if (!custom) return base;
    const merged: SimulatedReply = { ...base, ...custom };
    if (custom.text !== undefined && custom.textChunks === undefined) merged.textChunks = splitIntoTokens(custom.text);
    if (custom.text !== undefined && custom.outputTokens === undefined)
      merged.outputTokens = merged.textChunks.length + toolCallTokens(merged.toolCalls) + merged.reasoningTokens;
    if (custom.toolCalls && custom.finishReason === undefined)
      merged.finishReason = custom.toolCalls.length > 0 ? 'tool-calls' : 'stop';
    return merged;
  }

  private async write(
    response: ServerResponse,
    rendered: SimulatedResponse,
    disconnectAfterParts: number | undefined,
    firstContentDelayMs = 0,
  ): Promise<void> {
    if (rendered.kind === 'json') {
      const text = typeof rendered.body === 'string' ? rendered.body : JSON.stringify(rendered.body);
      response.writeHead(rendered.status, { 'content-type': 'application/json', ...rendered.headers });
      response.end(text);
      return;
    }
    response.writeHead(200, { 'content-type': rendered.contentType, 'cache-control': 'no-cache', ...rendered.headers });
    response.flushHeaders();
    const behaviour = this.behaviour;
    let contentParts = 0;
    for (const chunk of rendered.chunks) {
      if (response.destroyed) return;
      if (chunk.content) {
        if (contentParts === 0 && behaviour.timeToFirstTokenMs + firstContentDelayMs > 0) {
          await delay(behaviour.timeToFirstTokenMs + firstContentDelayMs);
          if (response.destroyed) return;
        } else if (contentParts > 0 && behaviour.tokensPerSecond > 0) await delay(1000 / behaviour.tokensPerSecond);
        if (disconnectAfterParts !== undefined && contentParts >= disconnectAfterParts) {
          // Let the parts already written reach (and be read by) the client before the connection drops:
          // a close that arrives in the same read as the data makes fetch-based clients discard the data.
          if (response.writableNeedDrain) await new Promise<void>((resolve) => response.once('drain', () => resolve()));
          await delay(15);
          response.socket?.destroy();
          return;
        }
        contentParts += 1;
      }
      if (response.destroyed) return;
      const ok = response.write(chunk.data);
      if (!ok) await new Promise<void>((resolve) => response.once('drain', () => resolve()));
    }
    response.end();
  }
}

/** The accept queue asked for; the kernel caps it (Linux: net.core.somaxconn, 4096 by default). */
const LISTEN_BACKLOG = 65_535;

/** The API key a request carries, in whichever header its vendor uses ('' without one). */
function requestKey(headers: IncomingMessage['headers']): string {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^Bearer\s+/i.test(authorization))
    return authorization.replace(/^Bearer\s+/i, '').trim();
  const header = headers['x-api-key'] ?? headers['x-goog-api-key'];
  return typeof header === 'string' ? header : '';
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function defaultFaultMessage(status: number): string {
  if (status === 429) return 'Rate limit reached for requests (simulated)';
  if (status === 401) return 'Invalid API key (simulated)';
  if (status === 529) return 'Overloaded (simulated)';
  if (status === 503) return 'Service unavailable (simulated)';
  return `Simulated upstream error ${status}`;
}

function defaultMalformed(request: SimulatedRequest): SimulatedResponse {
  if (request.stream)
    return {
      kind: 'stream',
      contentType: 'text/event-stream',
      chunks: [{ data: 'data: {"id": "broken", "choi\n\n', content: true }],
    };
  return { kind: 'json', status: 200, body: '{"id": "broken", "choi' };
}

/**
 * Splits text into the pieces a simulator streams, one per output token (a word with its leading space).
 *
 * @example
 * ```ts
 * splitIntoTokens('Hello big world'); // ['Hello', ' big', ' world']
 * ```
 */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? (text ? [text] : []);
}

/**
 * The simulators' token count for a text: one token per four characters, at least one for non-empty text.
 *
 * @example
 * ```ts
 * countTokens('Hello world'); // 3
 * ```
 */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

function toolCallTokens(toolCalls: SimulatedReply['toolCalls']): number {
  return toolCalls.reduce((sum, call) => sum + countTokens(call.name + JSON.stringify(call.input)), 0);
}

/**
 * A value that satisfies a JSON Schema (the simplest one: first enum value, required properties...).
 *
 * @example
 * ```ts
 * sampleFromSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }); // { city: 'sample' }
 * ```
 */
export function sampleFromSchema(schema: JsonSchema | undefined, depth = 0): unknown {
  // A malformed schema (a string or number where a schema belongs) gets an empty object, not a crash.
  if (!schema || typeof schema !== 'object' || Array.isArray(schema) || depth > 8) return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const anyOf = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(anyOf) && anyOf.length > 0) return sampleFromSchema(anyOf[0], depth + 1);
  const type = Array.isArray(schema.type)
    ? (schema.type as string[]).find((t) => t !== 'null')
    : (schema.type as string | undefined);
  switch (type) {
    case 'string':
      return typeof schema.format === 'string' && schema.format === 'date-time' ? '2026-01-01T00:00:00Z' : 'sample';
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1.5;
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const minItems = typeof schema.minItems === 'number' ? schema.minItems : 1;
      return Array.from({ length: Math.max(1, minItems) }, () =>
        sampleFromSchema(schema.items as JsonSchema | undefined, depth + 1),
      );
    }
    default: {
      const properties = (
        schema.properties !== null && typeof schema.properties === 'object' ? schema.properties : {}
      ) as Record<string, JsonSchema>;
      const result: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(properties)) result[key] = sampleFromSchema(value, depth + 1);
      return result;
    }
  }
}

/**
 * A deterministic embedding for a text: a unit vector derived from its characters.
 *
 * @example
 * ```ts
 * embeddingFor('hello', 4).length; // 4
 * ```
 */
export function embeddingFor(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    vector[(code * 31 + index) % dimensions] += ((code % 7) + 1) / 8;
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0)) || 1;
  return vector.map((value) => Math.round((value / norm) * 1e6) / 1e6);
}

/**
 * The default answer: embeddings for embed requests; a tool call when a tool is forced (or tools are
 * offered and the user asks to use one); an object matching the schema for JSON; otherwise an echo.
 *
 * @example
 * ```ts
 * defaultReply({ kind: 'chat', model: 'm', stream: false, lastUserText: 'Hi', promptText: 'Hi', tools: [] }).text; // 'You said: Hi'
 * ```
 */
export function defaultReply(request: SimulatedRequest): SimulatedReply {
  const inputTokens = countTokens(request.promptText) + (request.imageCount ?? 0) * 85;
  const cachedInputTokens = Math.min(request.cachedTokens ?? 0, inputTokens);
  const base: SimulatedReply = {
    text: '',
    toolCalls: [],
    finishReason: 'stop',
    inputTokens,
    cachedInputTokens,
    cacheWriteTokens: request.cacheWrite ? inputTokens - cachedInputTokens : 0,
    outputTokens: 0,
    reasoningTokens: 0,
    textChunks: [],
  };
  if (request.kind === 'image') {
    const n = request.image?.n ?? 1;
    return {
      ...base,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      inputTokens: request.image?.tokenBilled ? countTokens(request.promptText) : 0,
      outputTokens: request.image?.tokenBilled ? n * IMAGE_TOKENS : 0,
      images: Array.from({ length: n }, (_, index) => simulatedImage(`${request.promptText}#${index}`)),
    };
  }
  if (request.kind === 'rerank') {
    const { query, documents, topN } = request.rerank ?? { query: '', documents: [] };
    const words = new Set(query.toLowerCase().match(/\w+/g) ?? []);
    const scored = documents.map((document, index) => {
      const terms = document.toLowerCase().match(/\w+/g) ?? [];
      const hits = terms.filter((term) => words.has(term)).length;
      return { index, relevanceScore: Math.round((hits / (terms.length + 1)) * 1e6) / 1e6 };
    });
    scored.sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index);
    return {
      ...base,
      inputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      ranking: topN === undefined ? scored : scored.slice(0, topN),
      searchUnits: Math.max(1, Math.ceil(documents.length / 100)),
    };
  }
  if (request.kind === 'embed') {
    const values = request.values ?? [];
    return {
      ...base,
      inputTokens: values.reduce((sum, value) => sum + countTokens(value), 0),
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      embeddings: values.map((value) => embeddingFor(value, request.dimensions ?? 8)),
    };
  }
  const forced =
    request.toolChoice === 'required' || (typeof request.toolChoice === 'object' && request.toolChoice !== null);
  const asked =
    request.toolChoice !== 'none' &&
    !request.hasToolResults &&
    /\b(use|call)\b.*\btools?\b|\btools?\b.*\bplease\b/i.test(request.lastUserText);
  if (request.tools.length > 0 && (forced || asked)) {
    const chosen =
      typeof request.toolChoice === 'object'
        ? request.tools.filter((tool) => tool.name === (request.toolChoice as { name: string }).name)
        : /\bparallel\b|\ball tools\b/i.test(request.lastUserText)
          ? request.tools
          : [request.tools[0]];
    const toolCalls = chosen.map((tool, index) => ({
      id: `call_sim_${index + 1}`,
      name: tool.name,
      input: (sampleFromSchema(tool.inputSchema) ?? {}) as Record<string, unknown>,
    }));
    return { ...base, toolCalls, finishReason: 'tool-calls', outputTokens: toolCallTokens(toolCalls) };
  }
  let text: string;
  if (request.json)
    text = JSON.stringify(
      request.json.schema ? sampleFromSchema(request.json.schema) : { answer: request.lastUserText },
    );
  else text = `You said: ${request.lastUserText}`;
  let chunks = request.json ? splitJson(text) : splitIntoTokens(text);
  let finishReason: SimulatedReply['finishReason'] = 'stop';
  if (request.stopSequences && request.stopSequences.length > 0) {
    const joined = chunks.join('');
    const cut = request.stopSequences
      .map((stop) => joined.indexOf(stop))
      .filter((at) => at >= 0)
      .sort((a, b) => a - b)[0];
    if (cut !== undefined) {
      text = joined.slice(0, cut);
      chunks = splitIntoTokens(text);
    }
  }
  if (request.maxTokens !== undefined && chunks.length > request.maxTokens) {
    chunks = chunks.slice(0, request.maxTokens);
    text = chunks.join('');
    finishReason = 'length';
  }
  const reasoning = request.reasoning ? `Thinking about: ${request.lastUserText}` : undefined;
  const reasoningTokens = reasoning ? splitIntoTokens(reasoning).length : 0;
  return {
    ...base,
    text,
    textChunks: chunks,
    finishReason,
    reasoning,
    reasoningTokens,
    outputTokens: chunks.length + reasoningTokens,
  };
}

function splitJson(text: string): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += 6) pieces.push(text.slice(index, index + 6));
  return pieces;
}

/** The output tokens a simulated token-billed image reports (gpt-image-1, low quality, 1024×1024). */
const IMAGE_TOKENS = 272;

/**
 * A deterministic 1×1 PNG for a text (its one pixel's colour derived from the text), as base64.
 *
 * @example
 * ```ts
 * Buffer.from(simulatedImage('a fox'), 'base64').subarray(1, 4).toString(); // 'PNG'
 * ```
 */
export function simulatedImage(text: string): string {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 16777619) >>> 0;
  const pixel = Buffer.from([0, hash & 255, (hash >>> 8) & 255, (hash >>> 16) & 255]);
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixel)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return png.toString('base64');
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
