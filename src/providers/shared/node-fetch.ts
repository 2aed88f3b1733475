/**
 * A keep-alive `fetch` for the vendor SDKs that accept a custom fetch: undici's dispatcher (the
 * engine under Node's own fetch) without the WHATWG fetch layers above it. On the gateway's hot path
 * it is measurably cheaper than the global fetch, and cheaper than `node:http` too: its code is its
 * own, so it does not share the inline caches of Node's HTTP internals with the server's requests and
 * responses (which Express, on Node 20, leaves with a hidden class of their own each; see
 * BENCHMARKS.md). Bodies it does not handle (streams, form data) go to the global fetch.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Agent, Dispatcher } from 'undici';
import { abortError, ATTEMPT_ABORT, listenTo, unlistenTo, type TransportAbort } from '../../core/abort-handle.js';
import { BufferedResponse, ResponseHeaders } from './buffered-response.js';

export { ATTEMPT_ABORT, type TransportAbort };

/**
 * The key under which {@link transportSignalOptions} hands an attempt's abort signal to
 * {@link nodeFetch} through an SDK's per-request `fetchOptions`.
 */
const TRANSPORT_SIGNAL = Symbol('switchyard.transportSignal');

/** Keys under which {@link withTransportDeadline} hands an SDK's timeout and stream controller to {@link nodeFetch}. */
const TRANSPORT_TIMEOUT = Symbol('switchyard.transportTimeout');
const TRANSPORT_CONTROLLER = Symbol('switchyard.transportController');

/**
 * A fetch init that may carry an attempt's abort signal (or handle), a timeout and a stream controller for {@link
 * nodeFetch}.
 */
type TransportInit = RequestInit & {
  [TRANSPORT_SIGNAL]?: AbortSignal | TransportAbort;
  [TRANSPORT_TIMEOUT]?: number;
  [TRANSPORT_CONTROLLER]?: AbortController;
};

/**
 * What {@link transportSignalOptions} reads from a provider call.
 *
 * @example
 * ```ts
 * const options = transportSignalOptions(client, call satisfies CallAbort);
 * ```
 */
export interface CallAbort {
  readonly abortSignal: AbortSignal;
  readonly [ATTEMPT_ABORT]?: TransportAbort;
}

/** The longest delay `setTimeout` takes; a longer timeout is no timeout. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * What {@link configureNodeFetch} sets.
 *
 * @example
 * ```ts
 * const options: NodeFetchOptions = { connectionsPerOrigin: 512, onQueued: (event) => console.warn(event) };
 * ```
 */
export interface NodeFetchOptions {
  /**
   * The most connections {@link nodeFetch} opens to one upstream origin; a request past it waits in
   * a queue for a connection to come free (and {@link NodeFetchOptions.onQueued} hears of it).
   * Default: no limit, as the global fetch: every concurrent request (each open stream) has its own
   * connection.
   */
  connectionsPerOrigin?: number;
  /**
   * Called when a request waits for a connection because its origin has `connectionsPerOrigin`
   * busy. Without it, the first wait per origin is reported as a process warning
   * (`SWITCHYARD_TRANSPORT_QUEUED`).
   */
  onQueued?: (event: NodeFetchQueuedEvent) => void;
}

/**
 * A request that waits for a connection (see {@link NodeFetchOptions.onQueued}).
 *
 * @example
 * ```ts
 * const onQueued = (event: NodeFetchQueuedEvent): void => console.warn(`${event.queued} requests wait for ${event.origin}`);
 * ```
 */
export interface NodeFetchQueuedEvent {
  /** The upstream's origin (scheme, host and port). */
  readonly origin: string;
  /** The connection limit it is at. */
  readonly connectionsPerOrigin: number;
  /** How many requests to it wait for a connection, this one included. */
  readonly queued: number;
}

/**
 * undici, loaded on first use ({@link loadNodeFetch}, which the router's `ready()` calls): importing
 * it takes longer than the rest of switchyard (about 100 ms on a busy machine), and a gateway whose
 * providers all bring their own client never needs it.
 */
let undici: typeof import('undici') | undefined;
let loadingUndici: Promise<void> | undefined;

/**
 * Loads what {@link nodeFetch} runs on (undici), so that the first request does not; resolves at once
 * when it is loaded. The router calls it from `ready()` for every provider built on the SDKs' own
 * client.
 *
 * @example
 * ```ts
 * await loadNodeFetch();
 * nodeFetchLoaded(); // true
 * ```
 */
export function loadNodeFetch(): Promise<void> {
  loadingUndici ??= import('undici').then(
    (module) => {
      undici = module;
    },
    (error: unknown) => {
      loadingUndici = undefined;
      throw error;
    },
  );
  return loadingUndici;
}

/**
 * Whether {@link loadNodeFetch} has loaded undici.
 *
 * @example
 * ```ts
 * if (!nodeFetchLoaded()) await loadNodeFetch();
 * ```
 */
export function nodeFetchLoaded(): boolean {
  return undici !== undefined;
}

/**
 * undici's dispatcher, without its fetch: keep-alive pools per origin, as {@link configureNodeFetch} last set them;
 * made on first use.
 */
let dispatcher: Agent | undefined;
let connectionLimit: number | undefined;
let onQueued: ((event: NodeFetchQueuedEvent) => void) | undefined;
const warnedOrigins = new Set<string>();

/**
 * Its own timeouts are off: the SDKs' deadlines (see {@link withTransportDeadline}) and the
 * router's attempt timeouts bound a request.
 */
function newDispatcher(connections: number | undefined): Agent {
  const { Agent: UndiciAgent, Pool } = undici as typeof import('undici');
  // Always a pool, even of one connection (undici's default makes that a bare client), so that a wait shows in its
  // queue.
  return new UndiciAgent({
    connections: connections ?? null,
    headersTimeout: 0,
    bodyTimeout: 0,
    factory: (origin, options) => new Pool(origin, options),
  });
}

/**
 * Sets {@link nodeFetch}'s transport limits, for requests from then on (requests in flight finish
 * on the connections they have). With no argument, back to the defaults.
 *
 * @example
 * ```ts
 * configureNodeFetch({
 *   connectionsPerOrigin: 1_000,
 *   onQueued: (event) => router.emit('warning', { code: 'transport_queued', message: `${event.queued} requests wait for a connection to ${event.origin}` }),
 * });
 * ```
 */
export function configureNodeFetch(options: NodeFetchOptions = {}): void {
  const { connectionsPerOrigin } = options;
  if (connectionsPerOrigin !== undefined && !(Number.isInteger(connectionsPerOrigin) && connectionsPerOrigin > 0))
    throw new RangeError(`connectionsPerOrigin must be a positive integer, not ${connectionsPerOrigin}`);
  const previous = dispatcher;
  // The next request makes the dispatcher with the new limit.
  dispatcher = undefined;
  connectionLimit = connectionsPerOrigin;
  onQueued = options.onQueued;
  warnedOrigins.clear();
  queueChecks.clear();
  void previous?.close().catch(() => undefined);
}

/** Origins whose queue {@link checkQueued} looks at next. */
const queueChecks = new Set<string>();

/**
 * The dispatcher said an origin is at its connection limit. Whether requests wait is seen a turn of
 * the event loop later (once per origin), so that a request that only waited for a keep-alive
 * connection finishing its response (undici hands it over in the next check phase) is not reported.
 */
function reportQueued(origin: string): void {
  if (connectionLimit === undefined || queueChecks.has(origin)) return;
  queueChecks.add(origin);
  setImmediate(checkQueued, origin, dispatcher);
}

function checkQueued(origin: string, checked: Agent | undefined): void {
  queueChecks.delete(origin);
  if (checked === undefined || checked !== dispatcher || connectionLimit === undefined) return;
  const stats = dispatcher.stats[origin];
  const queued = stats !== undefined && 'queued' in stats ? stats.queued : 0;
  if (queued === 0) return;
  const event: NodeFetchQueuedEvent = { origin, connectionsPerOrigin: connectionLimit, queued };
  if (onQueued) onQueued(event);
  else if (!warnedOrigins.has(origin)) {
    warnedOrigins.add(origin);
    process.emitWarning(
      `Requests to ${origin} wait for a connection: all ${connectionLimit} (connectionsPerOrigin) are busy`,
      { code: 'SWITCHYARD_TRANSPORT_QUEUED' },
    );
  }
}

/** Where a URL points, as undici takes it; parsed once per URL (an SDK calls few). */
interface UrlTarget {
  /** Scheme, host and port (the default port left out), without user info. */
  origin: string;
  path: string;
  auth?: string;
}

const MAX_CACHED_URLS = 512;
const targets = new Map<string, UrlTarget>();

function targetOf(url: string): UrlTarget {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (parsed.username || parsed.password)
      target.auth = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    // Only plain URLs are kept: a query or user info may carry a credential.
    if (parsed.search || target.auth) return target;
    if (targets.size >= MAX_CACHED_URLS) targets.delete(targets.keys().next().value as string);
    targets.set(url, target);
  }
  return target;
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  if (headers instanceof Headers) headers.forEach((value, key) => (record[key] = value));
  else if (Array.isArray(headers)) for (const [key, value] of headers) record[key.toLowerCase()] = value;
  else
    for (const key in headers) {
      const value = (headers as Record<string, string | undefined>)[key];
      if (value !== undefined) record[key.toLowerCase()] = String(value);
    }
  return record;
}

/**
 * The request's headers as the flat name/value list undici takes as given, with basic auth from the
 * URL's user info added as `node:http` and fetch add it (undici adds `host` and `content-length`).
 */
function headerList(headers: RequestInit['headers'], target: UrlTarget): string[] {
  const record = headerRecord(headers);
  const list: string[] = [];
  for (const name in record) list.push(name, record[name]);
  if (target.auth !== undefined && record['authorization'] === undefined)
    list.push('authorization', `Basic ${Buffer.from(target.auth).toString('base64')}`);
  return list;
}

function bodyBytes(body: RequestInit['body']): string | Uint8Array | undefined | false {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return false;
}

function fetchHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const key in raw) {
    const value = raw[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(key, item);
    else headers.set(key, value);
  }
  return headers;
}

function withUrl(response: Response, url: string): Response {
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

/**
 * One request through undici's dispatcher, and the response the SDK gets. An event stream is handed
 * over as a web stream, part by part, with backpressure (undici pauses while the reader is behind);
 * any other body is read whole first (the SDKs read it whole anyway) into a {@link BufferedResponse},
 * which skips the cost of a web stream and of undici's `Response` and `Headers`. A class, so that a
 * request allocates one handler rather than a closure per callback.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  /** Why the exchange was stopped (abort or timeout), before or after undici started it. */
  private stopReason: unknown = undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private status = 0;
  private statusText = '';
  private headers: IncomingHttpHeaders | undefined;
  private chunks: Buffer[] | undefined;
  private stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  private streamController: AbortController | undefined;

  constructor(
    private readonly url: string,
    private readonly resolve: (response: Response) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal | undefined,
    private readonly transport: AbortSignal | TransportAbort | undefined,
    private readonly timeoutMs: number | undefined,
    /** The SDK's controller, which it aborts to stop a stream its reader leaves early. */
    private readonly sdkController: AbortController | undefined,
  ) {
    if (timeoutMs !== undefined && timeoutMs < MAX_TIMER_MS) this.timer = setTimeout(timeOut, timeoutMs, this);
    if (signal) listenTo(signal, this.onAbort);
    if (transport) listenTo(transport, this.onAbort);
  }

  /** The caller's signal or the transport abort fired. */
  readonly onAbort = (): void => {
    const reason = (this.signal?.aborted ? this.signal.reason : this.transport?.reason) ?? abortError();
    this.stop(reason);
  };

  /** The deadline passed before the response (a JSON body included) arrived. */
  timedOut(): void {
    const error = new DOMException(`The request timed out after ${this.timeoutMs} ms`, 'TimeoutError');
    this.stop(error);
  }

  /** Stops the exchange on purpose (abort or timeout), failing it with `reason`. */
  private stop(reason: unknown): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.fail(reason);
    this.controller?.abort(reason instanceof Error ? reason : abortError());
  }

  /** Rejects a pending response, or errors the stream in progress, with `error`. */
  private fail(error: unknown): void {
    this.finish();
    if (this.stream) {
      this.stream.error(error);
      this.stream = undefined;
    }
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    }
  }

  /** Stops the timer and the abort listeners. */
  private finish(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.signal) unlistenTo(this.signal, this.onAbort);
    if (this.transport) unlistenTo(this.transport, this.onAbort);
    if (this.streamController) unlistenTo(this.streamController.signal, this.onStreamAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopReason !== undefined)
      controller.abort(this.stopReason instanceof Error ? this.stopReason : abortError());
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    statusText?: string,
  ): void {
    if (status < 200 || this.stopReason !== undefined) return; // an informational response: the real one follows
    this.status = status;
    this.statusText = statusText ?? '';
    this.headers = headers;
    if (String(headers['content-type'] ?? '').includes('text/event-stream') && status !== 204 && status !== 304) {
      // A stream has arrived once its headers have: the timeout stops there, as the SDKs' own does.
      if (this.timer !== undefined) clearTimeout(this.timer);
      const body = new ReadableStream<Uint8Array>({
        start: (stream) => void (this.stream = stream),
        pull: () => controller.resume(),
        cancel: (reason: unknown) => {
          this.stream = undefined;
          this.finish();
          controller.abort(reason instanceof Error ? reason : abortError());
        },
      });
      if (this.sdkController) {
        this.streamController = this.sdkController;
        if (this.sdkController.signal.aborted) this.onStreamAbort();
        else listenTo(this.sdkController.signal, this.onStreamAbort);
      }
      this.settled = true;
      this.resolve(
        withUrl(new Response(body, { status, statusText: this.statusText, headers: fetchHeaders(headers) }), this.url),
      );
      return;
    }
    this.chunks = [];
  }

  /** The SDK stopped reading the stream (its reader left early, or its body timeout). */
  private readonly onStreamAbort = (): void => this.stop(abortError());

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks) this.chunks.push(chunk);
    else if (this.stream && chunk.length > 0) {
      // undici's parser, resumed with no bytes buffered, reports an empty part: enqueueing it and
      // pausing again would hand the reader nothing, and its next read would resume the parser
      // again, in a microtask loop that never lets the socket deliver the rest (a freeze).
      this.stream.enqueue(chunk);
      if ((this.stream.desiredSize ?? 1) <= 0) controller.pause();
    }
  }

  onResponseEnd(): void {
    this.finish();
    if (this.stream) {
      this.stream.close();
      this.stream = undefined;
    } else if (this.chunks && !this.settled) {
      // Built before the exchange counts as settled: should it throw (a body past Buffer's limit), the
      // fetch is rejected rather than left pending for ever (every later abort or timeout sees `settled`).
      let response: BufferedResponse;
      try {
        const { chunks } = this;
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        response = new BufferedResponse(body, {
          status: this.status,
          statusText: this.statusText,
          headers: new ResponseHeaders(this.headers ?? {}),
          url: this.url,
        });
      } catch (error) {
        this.fail(error);
        return;
      }
      this.settled = true;
      this.resolve(response);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.stopReason !== undefined) return; // stopped on purpose: settled already
    this.fail(Object.assign(new TypeError('fetch failed'), { cause: error }));
  }
}

function timeOut(exchange: Exchange): void {
  exchange.timedOut();
}

/**
 * Hands {@link nodeFetch} the timeout and the abort controller an SDK would otherwise implement
 * around the fetch itself (the `openai` SDK's `fetchWithTimeout` builds a signal, a listener and a
 * timer for every request). `nodeFetch` keeps one timer instead, rejecting with a `TimeoutError`
 * when no response has arrived in time (a JSON body counts as part of the response), and reads the
 * controller's signal only for an event stream, whose reader may stop early. Returns `init`.
 *
 * @example
 * ```ts
 * const response = await nodeFetch(url, withTransportDeadline({ method: 'POST', headers, body }, 60_000, new AbortController()));
 * ```
 */
export function withTransportDeadline<T extends RequestInit>(
  init: T,
  timeoutMs: number,
  controller: AbortController,
): T {
  const transport = init as T & TransportInit;
  transport[TRANSPORT_TIMEOUT] = timeoutMs;
  transport[TRANSPORT_CONTROLLER] = controller;
  return init;
}

/**
 * The keep-alive fetch the vendor SDKs get: undici's dispatcher (the engine of Node's own fetch)
 * without the WHATWG fetch layers around it. Same contract as `fetch` for what the vendor SDKs send
 * (string or byte bodies); anything else is passed to the global fetch.
 *
 * @example
 * ```ts
 * const client = new OpenAI({ apiKey, fetch: nodeFetch });
 * ```
 */
export function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const transportSignal = (init as TransportInit)[TRANSPORT_SIGNAL];
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const body = bodyBytes(init.body);
  if (typeof input === 'object' && !(input instanceof URL))
    return fetch(input, withTransportSignal(init, transportSignal));
  if (body === false || !(url.startsWith('http://') || url.startsWith('https://')))
    return fetch(input, withTransportSignal(init, transportSignal));
  if (undici === undefined) return loadNodeFetch().then(() => nodeFetch(input, init));
  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    const aborted = signal?.aborted ? signal : transportSignal?.aborted ? transportSignal : undefined;
    if (aborted) {
      reject(aborted.reason ?? abortError());
      return;
    }
    const target = targetOf(url);
    const transport = init as TransportInit;
    const exchange = new Exchange(
      url,
      resolve,
      reject,
      signal,
      transportSignal,
      transport[TRANSPORT_TIMEOUT],
      transport[TRANSPORT_CONTROLLER],
    );
    dispatcher ??= newDispatcher(connectionLimit);
    if (
      !dispatcher.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: (init.method ?? 'GET').toUpperCase(),
          headers: headerList(init.headers, target),
          body: body ?? null,
        },
        exchange,
      )
    )
      reportQueued(target.origin);
  });
}

/** The global fetch's init with the transport signal folded into its own signal. */
function withTransportSignal(init: RequestInit, transport: AbortSignal | TransportAbort | undefined): RequestInit {
  if (!transport) return init;
  const transportSignal = transport instanceof AbortSignal ? transport : transport.signal;
  return { ...init, signal: init.signal ? AbortSignal.any([init.signal, transportSignal]) : transportSignal };
}

/**
 * The per-request SDK options that make an attempt abortable, from an abort signal or a provider call.
 * A client on {@link nodeFetch} gets the abort through `fetchOptions`, straight to the transport:
 * handing it to the SDK as `signal` makes the SDK compose it with its own (`AbortSignal.any`, weak
 * references, finalizers), which costs several microseconds a request (see BENCHMARKS.md). From a
 * router's provider call it takes the attempt's {@link TransportAbort}, so no `AbortSignal` is built
 * unless something aborts. Any other client gets `signal`. Either way an abort stops the request, or
 * the body in progress, at once.
 *
 * @example
 * ```ts
 * const message = await client.messages.create(body, { maxRetries: 0, ...transportSignalOptions(client, call) });
 * ```
 */
export function transportSignalOptions(
  client: object,
  source: AbortSignal | CallAbort,
): { signal: AbortSignal } | { fetchOptions: TransportFetchOptions } {
  const isSignal = source instanceof AbortSignal;
  if ((client as { fetch?: unknown }).fetch !== nodeFetch) return { signal: isSignal ? source : source.abortSignal };
  const abort = isSignal ? source : (source[ATTEMPT_ABORT] ?? source.abortSignal);
  const fetchOptions: TransportFetchOptions & { [TRANSPORT_SIGNAL]: AbortSignal | TransportAbort } = {
    [TRANSPORT_SIGNAL]: abort,
  };
  return { fetchOptions };
}

/** Extra fetch options an SDK merges into its own request init (which owns method, headers, body and signal). */
export type TransportFetchOptions = Omit<RequestInit, 'method' | 'headers' | 'body' | 'signal'>;
