/**
 * The W3C trace context a caller hands the router (`traceparent`, `tracestate`), so that the spans of a
 * request continue the caller's trace. The HTTP handler passes the incoming headers; an in-process
 * caller may pass its own. Only the telemetry middleware reads it: with telemetry off it is never parsed.
 *
 * @module
 */

/**
 * A W3C trace context carrier: the `traceparent` header and, when present, `tracestate`.
 *
 * @example
 * ```ts
 * const traceContext: TraceContext = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
 * await router.generate({ model: 'openai/gpt-4o', prompt: 'Hi' }, { traceContext });
 * ```
 */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/**
 * A parsed `traceparent`: the trace id, the parent span id and the flags.
 *
 * @example
 * ```ts
 * const parent: ParsedTraceparent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
 * ```
 */
export interface ParsedTraceparent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

/**
 * Parses a W3C `traceparent` header (version 00, and later versions read as 00 allows). Returns undefined
 * for a malformed value, version `ff`, or an all-zero trace or span id, as the specification asks.
 *
 * @example
 * ```ts
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }
 * ```
 */
export function parseTraceparent(value: string): ParsedTraceparent | undefined {
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}
