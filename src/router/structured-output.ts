/**
 * Structured output: `generateObject` and `streamObject` over any provider's native JSON mechanism,
 * with JSON Schema (ajv) or Standard Schema (zod) validation, and partial-JSON parsing for streams.
 *
 * @module
 */
import type { Ajv, ValidateFunction } from 'ajv';
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../core/errors.js';
import type { AccountReference } from '../core/events.js';
import { PartialJsonParser } from '../core/partial-json.js';
import type {
  CallScope,
  GenerateObjectRequest,
  GenerateObjectResult,
  GenerateResult,
  SchemaLike,
  StreamObjectResult,
  StreamResult,
} from './router-types.js';
import { StreamChannel } from '../core/stream-channel.js';
import type { GenerateRequest, JsonSchema } from '../core/types.js';

/** The part of the router structured output needs. */
interface TextRouter {
  generate(request: GenerateRequest & { account?: AccountReference }, scope?: CallScope): Promise<GenerateResult>;
  stream(request: GenerateRequest & { account?: AccountReference }, scope?: CallScope): StreamResult;
}

interface StandardJsonSchemaProps {
  jsonSchema?: {
    output?: (options: { target: string }) => Record<string, unknown>;
    input?: (options: { target: string }) => Record<string, unknown>;
  };
  validate(value: unknown): unknown;
}

/**
 * How many compiled JSON Schema validators are kept (least recently used dropped first).
 *
 * @example
 * ```ts
 * SCHEMA_VALIDATOR_CACHE_SIZE; // 256
 * ```
 */
export const SCHEMA_VALIDATOR_CACHE_SIZE = 256;

/**
 * ajv's class, loaded by the first JSON Schema to validate: importing it takes tens of milliseconds, and
 * a gateway that never validates an object against a JSON Schema does not need it.
 */
let loadingAjv: Promise<typeof Ajv> | undefined;

function loadAjv(): Promise<typeof Ajv> {
  loadingAjv ??= import('ajv').then(
    (module) => module.Ajv,
    (error: unknown) => {
      loadingAjv = undefined;
      throw error;
    },
  );
  return loadingAjv;
}

/** Checks schemas against the draft-07 meta-schema; compiles no user schema, so it retains none. Made on first use. */
let metaSchemaChecker: Ajv | undefined;
/**
 * Compiled validators by canonical schema text. Each is compiled by an Ajv of its own: an Ajv keeps every
 * schema and validator it ever compiled (its code-generation scope has no removal), so a shared one would
 * grow with every distinct schema; a per-entry one (no meta-schemas, about 0.1 ms to make) is freed with
 * the entry.
 */
const validators = new LRUCache<string, ValidateFunction>({
  max: SCHEMA_VALIDATOR_CACHE_SIZE,
  // Schemas arrive over HTTP: bound their total text too (a larger one is compiled, and not kept).
  maxSize: 4_000_000,
  sizeCalculation: (_validate, key) => Math.max(1, key.length),
});
/** The same schema object again skips the serialization; weak, so it lives only as long as the object. */
const validatorsBySchemaObject = new WeakMap<object, ValidateFunction>();

/**
 * The number of compiled validators currently cached (at most {@link SCHEMA_VALIDATOR_CACHE_SIZE}).
 *
 * @example
 * ```ts
 * schemaValidatorCacheSize(); // 0 before any JSON Schema was validated
 * ```
 */
export function schemaValidatorCacheSize(): number {
  return validators.size;
}

/** JSON text of a value with object keys sorted, so equal schemas written in any key order give one key. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
      return canonicalJson((value as { toJSON: () => unknown }).toJSON());
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
    }
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function invalidSchema(message: string): GatewayError {
  return new GatewayError('invalid_request', `The JSON Schema is invalid: ${message}`, { param: 'schema' });
}

/** The validator of a JSON Schema: cached by canonical text, compiled once per distinct schema. */
function validatorFor(schema: JsonSchema, AjvClass: typeof Ajv): ValidateFunction {
  const known = validatorsBySchemaObject.get(schema);
  if (known) return known;
  let key: string;
  try {
    key = canonicalJson(schema);
  } catch (error) {
    throw invalidSchema(error instanceof Error ? error.message : String(error));
  }
  let validate = validators.get(key);
  if (!validate) {
    try {
      metaSchemaChecker ??= new AjvClass({ allErrors: true, strict: false });
      if (!metaSchemaChecker.validateSchema(schema))
        throw new Error(`schema is invalid: ${metaSchemaChecker.errorsText(metaSchemaChecker.errors)}`);
      // Compile a private copy (parsed from the key), so the cache never holds the caller's object.
      validate = new AjvClass({
        allErrors: true,
        strict: false,
        meta: false,
        validateSchema: false,
        addUsedSchema: false,
      }).compile(JSON.parse(key) as JsonSchema);
    } catch (error) {
      throw invalidSchema(error instanceof Error ? error.message : String(error));
    }
    validators.set(key, validate);
  }
  validatorsBySchemaObject.set(schema, validate);
  return validate;
}

function isSchemaLike(schema: JsonSchema | SchemaLike): schema is SchemaLike {
  return typeof (schema as SchemaLike)['~standard'] === 'object' && (schema as SchemaLike)['~standard'] !== null;
}

/**
 * The JSON Schema of a JSON Schema or a Standard Schema (zod 4) object.
 *
 * @example
 * ```ts
 * toJsonSchema(z.object({ name: z.string() })); // { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false }
 * ```
 */
export function toJsonSchema(schema: JsonSchema | SchemaLike): JsonSchema {
  if (!isSchemaLike(schema)) return schema;
  const standard = schema['~standard'] as StandardJsonSchemaProps;
  let converted: Record<string, unknown> | undefined;
  try {
    converted = standard.jsonSchema?.output?.({ target: 'draft-07' });
  } catch {
    converted = undefined;
  }
  const method = (schema as unknown as { toJSONSchema?: () => Record<string, unknown> }).toJSONSchema;
  if (!converted && typeof method === 'function') converted = method.call(schema);
  if (!converted)
    throw new GatewayError(
      'invalid_request',
      'The schema cannot be converted to JSON Schema: pass a JSON Schema object or a zod 4 schema',
      { param: 'schema' },
    );
  const { $schema: _ignored, ...rest } = converted;
  return rest;
}

/**
 * Validates a value against the schema; returns the (possibly transformed) value or throws
 * `invalid_object` carrying the raw text.
 *
 * @example
 * ```ts
 * validateObject({ type: 'object', required: ['name'] }, { name: 'Ada' }, '{"name":"Ada"}'); // { name: 'Ada' }
 * ```
 */
export async function validateObject<T>(schema: JsonSchema | SchemaLike, value: unknown, text: string): Promise<T> {
  if (isSchemaLike(schema)) {
    const outcome = (await schema['~standard'].validate(value)) as {
      value?: unknown;
      issues?: Array<{ message: string; path?: ReadonlyArray<unknown> }>;
    };
    if (outcome.issues && outcome.issues.length > 0) {
      const details = outcome.issues
        .map(
          (issue) =>
            `${(issue.path ?? []).map((segment) => String((segment as { key?: unknown })?.key ?? segment)).join('.') || '(root)'}: ${issue.message}`,
        )
        .join('; ');
      throw new GatewayError('invalid_object', `The model's object does not match the schema: ${details}`, { text });
    }
    return outcome.value as T;
  }
  const validate = validatorFor(schema, await loadAjv());
  if (!validate(value)) {
    const details = (validate.errors ?? [])
      .map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''}`.trim())
      .join('; ');
    throw new GatewayError('invalid_object', `The model's object does not match the schema: ${details}`, { text });
  }
  return value as T;
}

function parseObjectText(text: string, finishReason: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const why =
      finishReason === 'length' ? 'the output was truncated at the token limit' : 'the output is not valid JSON';
    throw new GatewayError('invalid_object', `The model did not return a valid object: ${why}`, { text });
  }
}

function objectText(result: GenerateResult): string {
  if (result.text.trim() !== '') return result.text;
  const toolCall = result.content.find((part) => part.type === 'tool-call');
  return toolCall && toolCall.type === 'tool-call' ? toolCall.input : '';
}

function textRequest(
  request: GenerateObjectRequest & { account?: AccountReference },
): GenerateRequest & { account?: AccountReference } {
  const { schema, schemaName, schemaDescription, ...rest } = request;
  if (!schema || typeof schema !== 'object')
    throw new GatewayError('invalid_request', '`schema` is required: a JSON Schema object or a zod schema', {
      param: 'schema',
    });
  return {
    ...rest,
    responseFormat: {
      type: 'json',
      schema: toJsonSchema(schema),
      ...(schemaName ? { name: schemaName } : {}),
      ...(schemaDescription ? { description: schemaDescription } : {}),
    },
  };
}

/**
 * `router.generateObject()`: see {@link Router.generateObject}.
 *
 * @example
 * ```ts
 * const { object } = await generateObjectWith(router, { model: 'openai/gpt-4o', prompt: 'A person', schema });
 * ```
 */
export async function generateObjectWith<T>(
  router: TextRouter,
  request: GenerateObjectRequest & { account?: AccountReference },
  scope?: CallScope,
): Promise<GenerateObjectResult<T>> {
  const result = await router.generate(textRequest(request), scope);
  const text = objectText(result);
  const object = await validateObject<T>(request.schema, parseObjectText(text, result.finishReason.unified), text);
  return { ...result, object };
}

/**
 * `router.streamObject()`: see {@link Router.streamObject}.
 *
 * @example
 * ```ts
 * const stream = streamObjectWith(router, { model: 'openai/gpt-4o', prompt: 'A person', schema });
 * ```
 */
export function streamObjectWith<T>(
  router: TextRouter,
  request: GenerateObjectRequest & { account?: AccountReference },
  scope?: CallScope,
): StreamObjectResult<T> {
  let stream: StreamResult;
  try {
    stream = router.stream(textRequest(request), scope);
  } catch (error) {
    const failed = Promise.reject(error);
    failed.catch(() => undefined);
    // biome-ignore lint/correctness/useYield: a stream that fails on its first read, with nothing to yield
    const empty = (async function* () {
      throw error;
    })();
    return {
      requestId: 'req_invalid',
      generationId: 'gen_invalid',
      partialObjectStream: empty,
      textStream: empty,
      object: failed,
      result: failed,
      abort: () => undefined,
    };
  }
  let json = '';
  const partials = new StreamChannel<Partial<T>>(
    async (push) => {
      // One parser across deltas: each delta costs its own length, and partial objects are copied at a
      // bounded rate (a snapshot when the value changed and enough text arrived to pay for it).
      const parser = new PartialJsonParser();
      for await (const part of stream.fullStream) {
        if (part.type === 'error') throw part.error;
        const delta =
          part.type === 'text-delta' ? part.delta : part.type === 'tool-input-delta' ? part.delta : undefined;
        if (delta === undefined) continue;
        json += delta;
        parser.append(delta);
        const partial = parser.takePartial();
        if (partial !== undefined) await push(partial as Partial<T>);
      }
      parser.end();
      if (parser.changed && !parser.failed) await push(parser.snapshot() as Partial<T>);
    },
    () => stream.abort(),
  );
  let resultPromise: Promise<GenerateObjectResult<T>> | undefined;
  const result = (): Promise<GenerateObjectResult<T>> => {
    if (!resultPromise) {
      resultPromise = (async () => {
        await partials.drain();
        const final = await stream.result;
        const text = json || objectText(final);
        const object = await validateObject<T>(request.schema, parseObjectText(text, final.finishReason.unified), text);
        return { ...final, object };
      })();
      resultPromise.catch(() => undefined);
    }
    return resultPromise;
  };
  return {
    requestId: stream.requestId,
    generationId: stream.generationId,
    get partialObjectStream() {
      return partials.reader();
    },
    get textStream() {
      return stream.textStream;
    },
    get object() {
      return result().then((final) => final.object);
    },
    get result() {
      return result();
    },
    abort: () => stream.abort(),
  };
}

/**
 * Parses JSON that may be cut off: closes open strings, arrays and objects; a key appears once its value
 * has begun, a number or literal once it is complete (see `PartialJsonParser` in src/core/partial-json.ts, which does
 * this
 * incrementally). Returns undefined when nothing usable has arrived yet or the text is not JSON.
 *
 * @example
 * ```ts
 * parsePartialJson('{"name":"Ad'); // { name: 'Ad' }
 * ```
 */
export function parsePartialJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    /* complete it below */
  }
  const parser = new PartialJsonParser();
  parser.append(trimmed);
  return parser.failed ? undefined : parser.snapshot();
}
