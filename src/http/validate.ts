/**
 * Small hand-written validators for request bodies: each failure is an `invalid_request`
 * GatewayError naming the field (`messages[2].content`) and saying what it must be and what it was.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';

/** A JSON object read from a request body. @example `const body: Fields = expectFields(json, 'The request body');` */
export type Fields = Record<string, unknown>;

/**
 * An `invalid_request` error about one field.
 *
 * @example
 * ```ts
 * throw invalid('`n` must be 1: this gateway returns one choice', 'n');
 * ```
 */
export function invalid(message: string, param?: string): GatewayError {
  return new GatewayError('invalid_request', message, param === undefined ? {} : { param });
}

/**
 * What a value is, for error messages (`a number`, `null`, `an array`).
 *
 * @example
 * ```ts
 * describeValue([1]); // 'an array'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? 'a string' : `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return typeof value === 'undefined'
    ? 'nothing'
    : `${typeof value === 'number' ? 'the number' : `a ${typeof value}`} ${String(value)}`;
}

/**
 * Whether a value is a plain JSON object.
 *
 * @example
 * ```ts
 * isFields({ a: 1 }); // true
 * ```
 */
export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value as an object, or an error naming `path`.
 *
 * @example
 * ```ts
 * const body = expectFields(json, 'The request body');
 * ```
 */
export function expectFields(value: unknown, path: string): Fields {
  if (!isFields(value)) throw invalid(`${label(path)} must be a JSON object, got ${describeValue(value)}`, path);
  return value;
}

/**
 * The value as an array, or an error naming `path`.
 *
 * @example
 * ```ts
 * const messages = expectArray(body.messages, 'messages');
 * ```
 */
export function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${label(path)} must be an array, got ${describeValue(value)}`, path);
  return value;
}

/**
 * A required non-empty string field.
 *
 * @example
 * ```ts
 * const model = requiredString(body, 'model'); // throws "`model` is required ..." when absent
 * ```
 */
export function requiredString(fields: Fields, key: string, path = key, hint = ''): string {
  const value = fields[key];
  if (value === undefined || value === null)
    throw invalid(`${label(path)} is required${hint ? `: ${hint}` : ''}`, path);
  if (typeof value !== 'string' || value === '')
    throw invalid(`${label(path)} must be a non-empty string, got ${describeValue(value)}`, path);
  return value;
}

/**
 * An optional string field (`null` counts as absent).
 *
 * @example
 * ```ts
 * const user = optionalString(body, 'user');
 * ```
 */
export function optionalString(fields: Fields, key: string, path = key): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${label(path)} must be a string, got ${describeValue(value)}`, path);
  return value;
}

/**
 * An optional finite number field, optionally an integer within bounds (`null` counts as absent).
 *
 * @example
 * ```ts
 * const temperature = optionalNumber(body, 'temperature', { min: 0, max: 2 });
 * ```
 */
export function optionalNumber(
  fields: Fields,
  key: string,
  bounds: { integer?: boolean; min?: number; max?: number } = {},
  path = key,
): number | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  const kind = bounds.integer ? 'an integer' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (bounds.integer && !Number.isInteger(value)))
    throw invalid(`${label(path)} must be ${kind}, got ${describeValue(value)}`, path);
  if (bounds.min !== undefined && value < bounds.min)
    throw invalid(`${label(path)} must be at least ${bounds.min}, got ${value}`, path);
  if (bounds.max !== undefined && value > bounds.max)
    throw invalid(`${label(path)} must be at most ${bounds.max}, got ${value}`, path);
  return value;
}

/**
 * An optional boolean field (`null` counts as absent).
 *
 * @example
 * ```ts
 * const stream = optionalBoolean(body, 'stream') ?? false;
 * ```
 */
export function optionalBoolean(fields: Fields, key: string, path = key): boolean | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw invalid(`${label(path)} must be true or false, got ${describeValue(value)}`, path);
  return value;
}

/**
 * An optional array-of-strings field.
 *
 * @example
 * ```ts
 * const stop = optionalStringArray(body, 'stop_sequences');
 * ```
 */
export function optionalStringArray(fields: Fields, key: string, path = key): string[] | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw invalid(`${label(path)} must be an array of strings, got ${describeValue(value)}`, path);
  return value as string[];
}

/**
 * An optional object field.
 *
 * @example
 * ```ts
 * const options = optionalFields(body, 'stream_options');
 * ```
 */
export function optionalFields(fields: Fields, key: string, path = key): Fields | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  return expectFields(value, path);
}

/**
 * An optional field that must be one of a set of strings.
 *
 * @example
 * ```ts
 * const sort = optionalEnum(body, 'sort', ['cost', 'tps', 'ttft'] as const);
 * ```
 */
export function optionalEnum<T extends string>(
  fields: Fields,
  key: string,
  allowed: readonly T[],
  path = key,
): T | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw invalid(`${label(path)} must be one of ${allowed.join(', ')}, got ${describeValue(value)}`, path);
  return value as T;
}

function label(path: string): string {
  return /^[A-Za-z_][\w.[\]-]*$/.test(path) ? `\`${path}\`` : path;
}

/**
 * Maps an array whose items must be objects, naming each item's path (`tools[2]`) in errors and
 * for `map`. `undefined` and `null` give `undefined` when `optional`.
 *
 * @example
 * ```ts
 * const names = mapObjects(body.tools, 'tools', (tool, path) => requiredString(tool, 'name', `${path}.name`));
 * ```
 */
export function mapObjects<T>(
  value: unknown,
  path: string,
  map: (fields: Fields, itemPath: string, index: number) => T,
): T[] {
  return expectArray(value, path).map((item, index) => {
    const itemPath = `${path}[${index}]`;
    return map(expectFields(item, itemPath), itemPath, index);
  });
}

/**
 * {@link mapObjects} for an optional field: `undefined` when the value is absent or `null`.
 *
 * @example
 * ```ts
 * const tools = mapOptionalObjects(body.tools, 'tools', toToolDefinition);
 * ```
 */
export function mapOptionalObjects<T>(
  value: unknown,
  path: string,
  map: (fields: Fields, itemPath: string, index: number) => T,
): T[] | undefined {
  return value === undefined || value === null ? undefined : mapObjects(value, path, map);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * An optional object of HTTP headers to send upstream: every name an HTTP token, every value a
 * string without line breaks or control characters (`null` counts as absent). The error names the
 * header at fault (`headers.x-a`).
 *
 * @example
 * ```ts
 * const headers = optionalHeaderFields(body, 'headers'); // { 'x-team': 'search' }
 * ```
 */
export function optionalHeaderFields(fields: Fields, key: string, path = key): Record<string, string> | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (!isFields(value))
    throw invalid(`${label(path)} must be an object of string values, got ${describeValue(value)}`, path);
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    if (headerValue === undefined) continue;
    if (!HEADER_NAME.test(name))
      throw invalid(
        `${label(path)} has a header name that is not a valid HTTP token: ${JSON.stringify(name)}`,
        `${path}.${name}`,
      );
    if (typeof headerValue !== 'string')
      throw invalid(
        `The header ${JSON.stringify(name)} in ${label(path)} must be a string, got ${describeValue(headerValue)}`,
        `${path}.${name}`,
      );
    if (!HEADER_VALUE.test(headerValue))
      throw invalid(
        `The header ${JSON.stringify(name)} in ${label(path)} has a value with a line break or control character`,
        `${path}.${name}`,
      );
    headers[name] = headerValue;
  }
  return headers;
}
