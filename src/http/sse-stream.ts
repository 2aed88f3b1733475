/**
 * Streaming responses shared by every dialect: the router's stream parts are held until the first
 * content part (so a failure before it is still an ordinary HTTP error with its status), then each
 * part is encoded by the dialect and handed to the bridge one chunk at a time, pulled only when the
 * socket has room (backpressure), never buffered whole.
 *
 * @module
 */
import { listenTo, unlistenTo, type AbortSource } from '../core/abort-handle.js';
import type { GatewayError } from '../core/errors.js';
import type { StreamResult } from '../router/router-types.js';
import { readUntilContent } from '../router/stream-collection.js';
import { cacheHeaders } from './cache-headers.js';
import type { StreamPart, Warning } from '../core/types.js';
import { warningsHeader } from './dialects/dialect-warnings.js';
import type { GatewayHttpResponse } from './http-types.js';
import { toGatewayError } from './responses.js';

/**
 * A dialect's stream encoder: text for each part, for a failure after content began, and for the end.
 *
 * @example
 * ```ts
 * const encoder: StreamEncoder = {
 *   part: (part) => (part.type === 'text-delta' ? `data: ${JSON.stringify({ text: part.delta })}\n\n` : ''),
 *   error: (error) => `data: ${JSON.stringify({ error: error.message })}\n\n`,
 *   end: () => 'data: [DONE]\n\n',
 * };
 * ```
 */
export interface StreamEncoder {
  /** Text before the first part. */
  start?(): string;
  /** Text for a part (`''` to send nothing). */
  part(part: StreamPart): string | Promise<string>;
  /** Text for a failure after content began; the stream ends after it. */
  error(error: GatewayError): string;
  /** Text after the last part. */
  end(): string;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

/**
 * Starts reading a router stream and resolves when its first content part arrived (then as a 200
 * SSE response), or rejects with the GatewayError when the stream failed before any content.
 * Aborting `abort` (the client went away) aborts the router call. The warnings of the held
 * `stream-start` parts, after `warnings`, go in the `x-gateway-warnings` header.
 *
 * @example
 * ```ts
 * return await streamResponse(router.stream(request), context.abort, encoder, { 'x-gateway-generation-id': id });
 * ```
 */
export async function streamResponse(
  stream: StreamResult,
  abort: AbortSource,
  encoder: StreamEncoder,
  headers: Record<string, string> = {},
  warnings?: readonly Warning[],
): Promise<GatewayHttpResponse> {
  const onAbort = (): void => stream.abort();
  if (abort.aborted) stream.abort();
  else listenTo(abort, onAbort);
  const iterator = stream.fullStream[Symbol.asyncIterator]();
  const held: StreamPart[] = [];
  try {
    const first = await readUntilContent(iterator, held);
    if (first) held.push(first);
  } catch (error) {
    unlistenTo(abort, onAbort);
    stream.abort();
    void iterator.return?.()?.catch(() => undefined);
    throw toGatewayError(error);
  }
  let allWarnings = warnings ?? [];
  for (const part of held)
    if (part.type === 'stream-start' && part.warnings.length > 0) allWarnings = [...allWarnings, ...part.warnings];
  return {
    status: 200,
    // The cache's outcome is known once a part arrived (a middleware answered or passed the request on).
    headers: { ...SSE_HEADERS, ...headers, ...warningsHeader(allWarnings), ...cacheHeaders(stream.cache) },
    stream: encodeParts(
      held,
      iterator,
      encoder,
      () => {
        unlistenTo(abort, onAbort);
      },
      stream,
    ),
  };
}

async function* encodeParts(
  held: StreamPart[],
  iterator: AsyncIterator<StreamPart>,
  encoder: StreamEncoder,
  detach: () => void,
  stream: StreamResult,
): AsyncGenerator<string> {
  let complete = false;
  try {
    let first = encoder.start?.() ?? '';
    for (const part of held) first += await encoder.part(part);
    if (first) yield first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      if (next.value.type === 'error') {
        complete = true;
        yield encoder.error(toGatewayError(next.value.error));
        return;
      }
      const text = await encoder.part(next.value);
      if (text) yield text;
    }
    complete = true;
    yield encoder.end();
  } catch (error) {
    complete = true;
    yield encoder.error(toGatewayError(error));
  } finally {
    detach();
    if (!complete) {
      // The client went away (the bridge stopped pulling): stop the upstream call.
      stream.abort();
      void iterator.return?.()?.catch(() => undefined);
    }
  }
}

/**
 * One server-sent event: `data: <json>` (with an `event:` line when named).
 *
 * @example
 * ```ts
 * sseEvent({ type: 'ping' }, 'ping'); // 'event: ping\ndata: {"type":"ping"}\n\n'
 * ```
 */
export function sseEvent(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}
