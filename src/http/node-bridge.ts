/**
 * The one Node bridge: node:http `IncomingMessage`/`ServerResponse` to the handler and back. Bodies
 * are read within the size limit; streamed answers are written chunk by chunk, waiting for `drain`
 * when the socket is full; a client that goes away aborts the router call.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AbortHandle } from '../core/abort-handle.js';
import { GatewayError } from '../core/errors.js';
import { bodyTooLarge } from './body-limit.js';
import type { HttpHandler, RouteMatch } from './handler.js';
import type { GatewayHttpRequest, GatewayHttpResponse } from './http-types.js';

/**
 * Options of {@link handleNodeRequest}.
 *
 * @example
 * ```ts
 * handler.handleNode(req, res, { parsedBody: req.body }); // Express after express.json()
 * ```
 */
export interface NodeBridgeOptions {
  /**
   * A body a framework's parser produced (`req.body`). It is used only when the parser consumed the
   * request stream; otherwise the raw body is read.
   */
  parsedBody?: unknown;
  /** The URL to route on (default `request.url`). */
  url?: string;
  /** Answer 404 (gateway error format) for paths the handler does not serve, instead of returning false. */
  answerUnknownPaths?: boolean;
}

/**
 * Serves a Node request with the handler. Returns false, without touching the response, when the
 * handler does not serve the path; otherwise answers (asynchronously, never throwing) and returns true.
 *
 * @example
 * ```ts
 * createServer((request, response) => {
 *   if (!handleNodeRequest(handler, request, response)) response.writeHead(404).end();
 * });
 * ```
 */
export function handleNodeRequest(
  handler: HttpHandler,
  request: IncomingMessage,
  response: ServerResponse,
  options: NodeBridgeOptions = {},
): boolean {
  const url = options.url ?? request.url ?? '/';
  const match = handler.match(url);
  if (!match) {
    if (!options.answerUnknownPaths) return false;
    void writeNodeResponse(response, handler.notFound(url));
    return true;
  }
  void serveMatched(handler, match, request, response, url, options);
  return true;
}

/**
 * A Node request as the handler reads it. The client's going away is an {@link AbortHandle}: its
 * `AbortSignal` (an `EventTarget` on Node 20, several microseconds to make and to listen to) is
 * built only if something reads `signal`; the gateway's own layers follow the handle.
 */
class NodeGatewayRequest implements GatewayHttpRequest {
  readonly abort = new AbortHandle();
  parsedBody?: { value: unknown };
  readonly method: string;
  readonly headers: IncomingMessage['headers'];

  constructor(
    private readonly request: IncomingMessage,
    readonly url: string,
  ) {
    this.method = request.method ?? 'GET';
    this.headers = request.headers;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  readBody(limitBytes: number): Promise<Uint8Array> {
    return readNodeBody(this.request, limitBytes);
  }
}

/** Answers a matched request; never rejects. */
async function serveMatched(
  handler: HttpHandler,
  match: RouteMatch,
  request: IncomingMessage,
  response: ServerResponse,
  url: string,
  options: NodeBridgeOptions,
): Promise<void> {
  const input = new NodeGatewayRequest(request, url);
  const abort = input.abort;
  // Left attached when the answer is done: a close after the finish aborts nothing, and removing the
  // listener costs more than it saves on a response Express has re-prototyped.
  const onClose = (): void => {
    if (!response.writableFinished) abort.abort();
  };
  response.on('close', onClose);
  const consumed = request.readableEnded || (request as { _body?: unknown })._body === true;
  if (options.parsedBody !== undefined && consumed) input.parsedBody = { value: options.parsedBody };
  try {
    await writeNodeResponse(response, await handler.handleMatched(match, input));
  } catch {
    if (!response.headersSent)
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end('{"error":{"message":"The gateway failed to write the response","type":"internal_server_error"}}');
    else response.destroy();
  }
}

/**
 * Reads a Node request body, failing with `payload_too_large` as soon as it passes the limit.
 *
 * @example
 * ```ts
 * const body = await readNodeBody(request, 1024 * 1024);
 * ```
 */
export function readNodeBody(request: IncomingMessage, limitBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        request.resume();
        reject(bodyTooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    // At the end the listeners stay: the request emits nothing more that matters, and a late error
    // only rejects a settled promise.
    const onEnd = (): void => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    const onError = (error: Error): void => {
      cleanup();
      reject(new GatewayError('aborted', `The request body could not be read: ${error.message}`));
    };
    const onAborted = (): void => onError(new Error('the client went away'));
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onAborted);
  });
}

/**
 * Writes a handler response to a Node response: a whole body at once, or a stream chunk by chunk
 * (each flushed as written, the headers with the first; the next is pulled only after `drain` when the
 * socket is full).
 *
 * @example
 * ```ts
 * await writeNodeResponse(response, { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
 * ```
 */
export async function writeNodeResponse(response: ServerResponse, answer: GatewayHttpResponse): Promise<void> {
  if (response.destroyed) {
    if (answer.stream) await answer.stream[Symbol.asyncIterator]().return?.();
    return;
  }
  if (answer.stream === undefined) {
    answer.headers['content-length'] = String(Buffer.byteLength(answer.body));
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
    return;
  }
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  response.once('close', onClose);
  response.writeHead(answer.status, answer.headers);
  // No Nagle delay on the client's socket for the small SSE writes (node:http sets it by default; a
  // server made with `noDelay: false` or a framework's own socket may not).
  response.socket?.setNoDelay(true);
  const flush = (response as { flush?: () => void }).flush; // compression middleware
  const iterator = answer.stream[Symbol.asyncIterator]();
  // The headers go out with the first chunk, in one write (node:http prepends them to the first
  // write): a router stream's first chunk is its first content, held and ready by now. A stream whose
  // first chunk is not ready within this turn of the event loop gets its headers flushed on their own.
  const pending = iterator.next();
  const headersAlone = setImmediate(flushHeadersOf, response);
  try {
    for (let first = true; ; first = false) {
      const next = first ? await pending : await iterator.next();
      if (first) clearImmediate(headersAlone);
      if (next.done || closed) break;
      const hasRoom = response.write(next.value);
      if (typeof flush === 'function') flush.call(response);
      if (!hasRoom && !closed) await drained(response);
      if (closed) break;
    }
  } finally {
    clearImmediate(headersAlone);
    response.off('close', onClose);
    await iterator.return?.();
    if (!closed) response.end();
  }
}

/** Sends the headers (`headersSent` is true from `writeHead` on, before anything was sent: not a test). */
function flushHeadersOf(response: ServerResponse): void {
  if (!response.destroyed) response.flushHeaders();
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
