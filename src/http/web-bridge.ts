/**
 * The Web-standard bridge: a fetch `Request` to the handler and a `Response` back (Next App Router
 * route handlers, and any runtime with Web requests). Streams are pull-based `ReadableStream`s, so a
 * chunk is produced only when the consumer wants one; cancelling the body or aborting the request
 * aborts the router call.
 *
 * @module
 */
import { bodyTooLarge } from './body-limit.js';
import type { HttpHandler, RouteMatch } from './handler.js';
import type { HttpHeaders } from './http-types.js';

/**
 * Serves a Web `Request`; resolves to undefined when the handler does not serve its path.
 *
 * @example
 * ```ts
 * export async function POST(request: Request): Promise<Response> {
 *   return (await handleWebRequest(handler, request)) ?? new Response('Not found', { status: 404 });
 * }
 * ```
 */
export async function handleWebRequest(handler: HttpHandler, request: Request): Promise<Response | undefined> {
  const parsed = new URL(request.url);
  const url = `${parsed.pathname}${parsed.search}`;
  const match = handler.match(url);
  if (!match) return undefined;
  return serveWebRequest(handler, match, url, request);
}

/**
 * Serves a Web `Request`, answering 404 (gateway error format) for paths the handler does not serve.
 *
 * @example
 * ```ts
 * export const POST = (request: Request) => answerWebRequest(handler, request);
 * ```
 */
export async function answerWebRequest(handler: HttpHandler, request: Request): Promise<Response> {
  const parsed = new URL(request.url);
  const url = `${parsed.pathname}${parsed.search}`;
  const match = handler.match(url);
  if (match) return serveWebRequest(handler, match, url, request);
  const answer = handler.notFound(url);
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

async function serveWebRequest(
  handler: HttpHandler,
  match: RouteMatch,
  url: string,
  request: Request,
): Promise<Response> {
  const headers: HttpHeaders = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (request.signal?.aborted) controller.abort();
  else request.signal?.addEventListener('abort', onAbort, { once: true });
  const answer = await handler.handleMatched(match, {
    method: request.method,
    url,
    headers,
    readBody: (limit) => readWebBody(request, limit),
    signal: controller.signal,
  });
  if (answer.stream === undefined) {
    request.signal?.removeEventListener('abort', onAbort);
    return new Response(answer.status === 204 ? null : answer.body, { status: answer.status, headers: answer.headers });
  }
  const iterator = answer.stream[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(stream) {
        const next = await iterator.next();
        if (next.done) {
          request.signal?.removeEventListener('abort', onAbort);
          stream.close();
        } else stream.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        request.signal?.removeEventListener('abort', onAbort);
        controller.abort();
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: answer.status, headers: answer.headers });
}

/**
 * Reads a Web request body, failing with `payload_too_large` as soon as it passes the limit.
 *
 * @example
 * ```ts
 * const bytes = await readWebBody(request, 1024 * 1024);
 * ```
 */
export async function readWebBody(request: Request, limitBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw bodyTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
