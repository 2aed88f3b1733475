/**
 * A `fetch` over `node:http`/`node:https` with keep-alive agents, for the vendor SDKs that accept a
 * custom fetch. On the gateway's hot path it is measurably cheaper than the global (undici) fetch:
 * see BENCHMARKS.md. Bodies it does not handle (streams, form data) go to the global fetch.
 *
 * @module
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { ATTEMPT_ABORT, listenTo, unlistenTo, type TransportAbort } from '../abort-handle.js';
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

/** A fetch init that may carry an attempt's abort signal (or handle), a timeout and a stream controller for {@link nodeFetch}. */
type TransportInit = RequestInit & { [TRANSPORT_SIGNAL]?: AbortSignal | TransportAbort; [TRANSPORT_TIMEOUT]?: number; [TRANSPORT_CONTROLLER]?: AbortController };

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

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 });

/** Where a URL points, as `node:http` request options; parsed once per URL (an SDK calls few). */
interface UrlTarget {
  protocol: string;
  hostname: string;
  port: string;
  path: string;
  /** The `host` header: the host, bracketed if IPv6, and the port unless it is the default. */
  host: string;
  auth?: string;
}

const MAX_CACHED_URLS = 512;
const targets = new Map<string, UrlTarget>();

function targetOf(url: string): UrlTarget {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
    // `URL` gives IPv6 hosts bracketed and leaves out a default port, as the `host` header wants them.
    target = { protocol: parsed.protocol, hostname, port: parsed.port, path: `${parsed.pathname}${parsed.search}`, host: parsed.host };
    if (parsed.username || parsed.password) target.auth = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
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
  else for (const key in headers) {
    const value = (headers as Record<string, string | undefined>)[key];
    if (value !== undefined) record[key.toLowerCase()] = String(value);
  }
  return record;
}

/** Methods for which `node:http` would send a body-less request as chunked, not as `content-length: 0`. */
const CHUNKED_BY_DEFAULT = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The request's headers as the flat name/value list `node:http` writes as given (its raw-headers
 * form, one validating pass) instead of taking them one `setHeader` at a time. That form skips what
 * `node:http` adds on its own, so this adds it as `node:http` would: `host`, basic auth from the URL's
 * user info, and the body's `content-length`.
 */
function headerList(headers: RequestInit['headers'], target: UrlTarget, method: string, body: string | Uint8Array | undefined): string[] {
  const record = headerRecord(headers);
  const list: string[] = [];
  for (const name in record) list.push(name, record[name]);
  if (record['host'] === undefined) list.push('host', target.host);
  if (target.auth !== undefined && record['authorization'] === undefined) list.push('authorization', `Basic ${Buffer.from(target.auth).toString('base64')}`);
  if (record['content-length'] === undefined && record['transfer-encoding'] === undefined) {
    if (body !== undefined) list.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
    else if (CHUNKED_BY_DEFAULT.has(method)) list.push('content-length', '0');
  }
  return list;
}

function bodyBytes(body: RequestInit['body']): string | Uint8Array | undefined | false {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return false;
}

function responseHeaders(response: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(response.headers)) {
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
 * The response for the SDK. An event stream is handed over as a stream, part by part; any other
 * body is read whole first (the SDKs read it whole anyway) into a {@link BufferedResponse}, which
 * skips the cost of a web stream and of undici's `Response` and `Headers`. Returns whether it is a stream.
 */
function toResponse(response: IncomingMessage, url: string, resolve: (response: Response) => void, reject: (error: unknown) => void, controller: AbortController | undefined): boolean {
  const status = response.statusCode ?? 500;
  if (String(response.headers['content-type'] ?? '').includes('text/event-stream') && status !== 204 && status !== 304) {
    const init = { status, statusText: response.statusMessage, headers: responseHeaders(response) };
    // The SDK aborts its controller to stop a stream its reader leaves early (or on its body timeout).
    if (controller) stopStreamOnAbort(response, controller.signal);
    resolve(withUrl(new Response(Readable.toWeb(response) as ReadableStream<Uint8Array>, init), url));
    return true;
  }
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.once('error', reject);
  response.once('aborted', () => reject(new TypeError('fetch failed: the connection closed before the body was complete')));
  response.once('end', () => {
    if (!response.complete) return; // 'aborted' rejected already
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    resolve(new BufferedResponse(body, { status, statusText: response.statusMessage ?? '', headers: new ResponseHeaders(response.headers), url }));
  });
  return false;
}

/** Destroys a streaming response when `signal` aborts (until the response closes). */
function stopStreamOnAbort(response: IncomingMessage, signal: AbortSignal): void {
  if (signal.aborted) {
    response.destroy(new DOMException('This operation was aborted', 'AbortError'));
    return;
  }
  const onAbort = (): void => void response.destroy(new DOMException('This operation was aborted', 'AbortError'));
  signal.addEventListener('abort', onAbort, { once: true });
  response.once('close', () => signal.removeEventListener('abort', onAbort));
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
export function withTransportDeadline<T extends RequestInit>(init: T, timeoutMs: number, controller: AbortController): T {
  const transport = init as T & TransportInit;
  transport[TRANSPORT_TIMEOUT] = timeoutMs;
  transport[TRANSPORT_CONTROLLER] = controller;
  return init;
}

/**
 * The keep-alive `node:http` fetch. Same contract as `fetch` for what the vendor SDKs send (string or
 * byte bodies); anything else is passed to the global fetch.
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
  if (typeof input === 'object' && !(input instanceof URL)) return fetch(input, withTransportSignal(init, transportSignal));
  if (body === false || !(url.startsWith('http://') || url.startsWith('https://'))) return fetch(input, withTransportSignal(init, transportSignal));
  const secure = url.startsWith('https://');
  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    const aborted = signal?.aborted ? signal : transportSignal?.aborted ? transportSignal : undefined;
    if (aborted) {
      reject(aborted.reason ?? new DOMException('This operation was aborted', 'AbortError'));
      return;
    }
    const target = targetOf(url);
    const method = (init.method ?? 'GET').toUpperCase();
    const options = { protocol: target.protocol, hostname: target.hostname, port: target.port, path: target.path, method, headers: headerList(init.headers, target, method, body), agent: secure ? httpsAgent : httpAgent };
    const timeoutMs = (init as TransportInit)[TRANSPORT_TIMEOUT];
    const timer = timeoutMs !== undefined && timeoutMs < MAX_TIMER_MS ? setTimeout(onTimeout, timeoutMs) : undefined;
    const request = (secure ? httpsRequest : httpRequest)(options, (response) => {
      // An abort while the body streams destroys the response, which errors the body for the reader.
      response.once('close', stopListening);
      // A stream has arrived once its headers have: the timeout stops there, as the SDKs' own does.
      if (toResponse(response, url, resolve, reject, (init as TransportInit)[TRANSPORT_CONTROLLER]) && timer !== undefined) clearTimeout(timer);
    });
    function onTimeout(): void {
      const error = new DOMException(`The request timed out after ${timeoutMs} ms`, 'TimeoutError');
      request.destroy(error);
      reject(error);
    }
    const onAbort = (): void => {
      const reason = (signal?.aborted ? signal.reason : transportSignal?.reason) ?? new DOMException('This operation was aborted', 'AbortError');
      request.destroy(reason instanceof Error ? reason : new DOMException(String(reason), 'AbortError'));
      reject(reason);
    };
    const stopListening = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (transportSignal) unlistenTo(transportSignal, onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (transportSignal) listenTo(transportSignal, onAbort);
    request.on('error', (error) => {
      stopListening();
      reject(Object.assign(new TypeError('fetch failed'), { cause: error }));
    });
    request.end(body);
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
export function transportSignalOptions(client: object, source: AbortSignal | CallAbort): { signal: AbortSignal } | { fetchOptions: TransportFetchOptions } {
  const isSignal = source instanceof AbortSignal;
  if ((client as { fetch?: unknown }).fetch !== nodeFetch) return { signal: isSignal ? source : source.abortSignal };
  const abort = isSignal ? source : (source[ATTEMPT_ABORT] ?? source.abortSignal);
  const fetchOptions: TransportFetchOptions & { [TRANSPORT_SIGNAL]: AbortSignal | TransportAbort } = { [TRANSPORT_SIGNAL]: abort };
  return { fetchOptions };
}

/** Extra fetch options an SDK merges into its own request init (which owns method, headers, body and signal). */
export type TransportFetchOptions = Omit<RequestInit, 'method' | 'headers' | 'body' | 'signal'>;
