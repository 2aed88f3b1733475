/**
 * The exact cache's key: a SHA-256 of the canonical JSON (keys sorted, `undefined` left out) of the
 * request fields that decide the answer, and the namespace it lives in (per account by default).
 *
 * The request is kept whole except for the fields known not to decide the answer (a deny list: a field
 * added to the request later is in the key until someone says it does not decide, so that it can only
 * cause a miss, never a wrong hit).
 *
 * @module
 */
import { createHash, hash } from 'node:crypto';
import type { AccountReference } from '../../core/events.js';
import type { NormalizedRequest } from '../../router/router-types.js';

/** Request fields that do not decide the answer: accounting, transport, routing. */
const NOT_DECIDING = new Set(['model', 'abortSignal', 'user', 'tags', 'metadata', 'account', 'headers', 'timeoutMs']);

/** The version of the key and entry format: bumping it makes every old entry a miss. */
const KEY_VERSION = 1;

/**
 * JSON with object keys sorted and `undefined` members left out (in arrays, `null`, as JSON does);
 * bytes become base64 and dates ISO strings. Two requests equal up to key order give the same text.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, undefined] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      break;
    default:
      return 'null';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      text += canonicalJson(value[index]);
    }
    return text + ']';
  }
  // Plain objects (nearly all of a request) skip the class checks.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    if (value instanceof Uint8Array)
      return `{"$bytes":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`;
    if (value instanceof Date) return JSON.stringify(value.toISOString());
    if (value instanceof URL) return JSON.stringify(value.href);
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  // Most objects are built with their keys in one order: sorted already, they are not sorted again.
  for (let index = 1; index < keys.length; index += 1) {
    if (keys[index - 1] > keys[index]) {
      keys.sort();
      break;
    }
  }
  let text = '{';
  let first = true;
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index];
    const member = object[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    if (!first) text += ',';
    first = false;
    text += JSON.stringify(key);
    text += ':';
    text += canonicalJson(member);
  }
  return text + '}';
}

/**
 * The part of a request that decides its answer: every field but the accounting, transport and
 * routing ones, and `providerOptions` without the gateway's own `gateway` options (which choose a route,
 * not an answer; left out altogether when nothing else remains).
 *
 * @example
 * ```ts
 * decidingFields(run.request); // { prompt: [...], temperature: 0, providerOptions: { openai: { ... } } }
 * ```
 */
export function decidingFields(request: NormalizedRequest): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(request)) {
    if (NOT_DECIDING.has(key)) continue;
    const value = (request as unknown as Record<string, unknown>)[key];
    if (key === 'providerOptions' && value !== null && typeof value === 'object') {
      const { gateway: _routing, ...vendors } = value as Record<string, unknown>;
      // Only gateway options: the same as no provider options at all.
      if (Object.keys(vendors).length > 0) fields[key] = vendors;
    } else {
      fields[key] = value;
    }
  }
  return fields;
}

/**
 * A short tag of a model, prefixed to every key of its entries, so that one model's entries can be
 * cleared (12 hex digits of its SHA-256).
 *
 * @example
 * ```ts
 * modelTag('openai/gpt-4o'); // '6a1f0c...' (12 hex digits)
 * ```
 */
export function modelTag(model: string): string {
  let tag = MODEL_TAGS.get(model);
  if (tag === undefined) {
    tag = hash('sha256', model, 'hex').slice(0, 12);
    // Bounded: model ids are few, but a caller may send any string.
    if (MODEL_TAGS.size >= 1_000) MODEL_TAGS.clear();
    MODEL_TAGS.set(model, tag);
  }
  return tag;
}

const MODEL_TAGS = new Map<string, string>();

/**
 * The key of a language request (`generate` and `stream` share it): `<model tag>.<sha256>`.
 *
 * @example
 * ```ts
 * const key = languageKey('openai/gpt-4o', run.request);
 * ```
 */
export function languageKey(model: string, request: NormalizedRequest): string {
  const canonical = canonicalJson({ v: KEY_VERSION, kind: 'language', model, request: decidingFields(request) });
  // One-shot `hash` (Node 20.12+): quicker than a Hash object for one short input.
  return `${modelTag(model)}.${hash('sha256', canonical, 'hex')}`;
}

/**
 * The keys of an embedding request, one per value: the same model and options with another value is
 * another key. The shared part is hashed once.
 *
 * @example
 * ```ts
 * const keys = embeddingKeys('openai/text-embedding-3-small', run.request, ['a', 'b']);
 * ```
 */
export function embeddingKeys(
  model: string,
  request: NormalizedRequest,
  values: readonly string[],
  dimensions?: number,
): string[] {
  const tag = modelTag(model);
  const shared = createHash('sha256')
    .update(canonicalJson({ v: KEY_VERSION, kind: 'embedding', model, dimensions, request: decidingFields(request) }))
    .digest('hex');
  return values.map(
    (value) => `${tag}.${createHash('sha256').update(shared).update('\u0000').update(value).digest('hex')}`,
  );
}

/**
 * The namespace of a request's entries: `cache:shared`, or per account `cache:a:<account id>`
 * (`cache:none` for requests without one, such as in-process calls that name no account).
 *
 * @example
 * ```ts
 * cacheNamespace('account', { id: 'team_acme' }); // 'cache:a:team_acme'
 * ```
 */
export function cacheNamespace(scope: 'account' | 'shared', account: AccountReference | undefined): string {
  if (scope === 'shared') return 'cache:shared';
  return account ? `cache:a:${account.id}` : 'cache:none';
}

/** The part of a key shown in events and results: 16 hex digits of the hash. @example `shortKey(key)` */
export function shortKey(key: string): string {
  return key.slice(key.indexOf('.') + 1, key.indexOf('.') + 17);
}
