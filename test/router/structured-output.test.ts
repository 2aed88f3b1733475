import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Ajv } from 'ajv';
import {
  SCHEMA_VALIDATOR_CACHE_SIZE,
  schemaValidatorCacheSize,
  validateObject,
} from '../../src/router/structured-output.js';
import { startRouterFixture, type RouterFixture } from '../helpers/router-fixture.js';

/** Counts Ajv compilations (every Ajv instance) while `body` runs. */
async function countCompilations(body: () => Promise<void>): Promise<number> {
  const original = Ajv.prototype.compile;
  let count = 0;
  Ajv.prototype.compile = function (this: Ajv, ...args: Parameters<Ajv['compile']>) {
    count += 1;
    return original.apply(this, args);
  } as Ajv['compile'];
  try {
    await body();
  } finally {
    Ajv.prototype.compile = original;
  }
  return count;
}

/** A full, synchronous garbage collection (the flag can be set at run time; `gc` then exists in a new context). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

let unique = 0;
function personSchema(tag: string, reversed = false): Record<string, unknown> {
  const properties = { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } };
  return reversed
    ? {
        additionalProperties: false,
        required: ['name'],
        properties: { age: properties.age, name: properties.name },
        description: tag,
        type: 'object',
      }
    : { type: 'object', description: tag, properties, required: ['name'], additionalProperties: false };
}

describe('JSON Schema validator cache', () => {
  it('compiles fresh-but-equal schemas once, whatever their key order', async () => {
    const tag = `equal-${(unique += 1)}`;
    const compilations = await countCompilations(async () => {
      for (let call = 0; call < 50; call += 1) {
        assert.deepEqual(await validateObject(personSchema(tag, call % 2 === 1), { name: 'Ada', age: 3 }, ''), {
          name: 'Ada',
          age: 3,
        });
        await assert.rejects(validateObject(personSchema(tag), { name: 5 }, '{"name":5}'), { code: 'invalid_object' });
      }
    });
    assert.equal(compilations, 1);
  });

  it('keeps a bounded number of validators and none of the callers’ schema objects', async () => {
    const calls = SCHEMA_VALIDATOR_CACHE_SIZE * 3;
    const schemas: WeakRef<object>[] = [];
    const compilations = await countCompilations(async () => {
      for (let call = 0; call < calls; call += 1) {
        const schema = personSchema(`distinct-${(unique += 1)}`);
        schemas.push(new WeakRef(schema));
        await validateObject(schema, { name: 'Ada' }, '');
      }
    });
    assert.equal(compilations, calls, 'distinct schemas each compile');
    assert.ok(schemaValidatorCacheSize() <= SCHEMA_VALIDATOR_CACHE_SIZE, `${schemaValidatorCacheSize()} cached`);
    await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets are kept until the job ends
    collectGarbage();
    const retained = schemas.filter((reference) => reference.deref() !== undefined).length;
    assert.equal(retained, 0, `${retained} of ${calls} schema objects still reachable`);
  });

  it('does not grow the heap with every distinct schema', async () => {
    const warm = async (count: number): Promise<void> => {
      for (let call = 0; call < count; call += 1)
        await validateObject(personSchema(`heap-${(unique += 1)}`), { name: 'Ada' }, '');
    };
    await warm(SCHEMA_VALIDATOR_CACHE_SIZE); // fill the cache: from here on every entry added evicts one
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    await warm(2_000);
    collectGarbage();
    const grown = process.memoryUsage().heapUsed - before;
    // A leak keeps about 7 KB per compiled schema (14 MB here); a bounded cache stays near zero.
    assert.ok(grown < 4 * 1024 * 1024, `heap grew ${Math.round(grown / 1024)} KB over 2,000 schemas`);
  });

  it('reports an invalid schema as invalid_request and lets schemas share an $id', async () => {
    await assert.rejects(validateObject({ type: 'object', required: 'name' }, {}, ''), {
      code: 'invalid_request',
      message: /required must be array/,
    });
    assert.equal(await validateObject({ $id: 'https://example.com/thing', type: 'string' }, 'a', ''), 'a');
    assert.equal(await validateObject({ $id: 'https://example.com/thing', type: 'number' }, 1, ''), 1);
    const withDefinitions = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      definitions: { name: { type: 'string' } },
      type: 'object',
      properties: { name: { $ref: '#/definitions/name' } },
    };
    await assert.rejects(validateObject(withDefinitions, { name: 1 }, ''), { code: 'invalid_object' });
  });
});

describe('generateObject with a schema that is new on each call', () => {
  let fixture: RouterFixture;
  beforeAll(async () => {
    fixture = await startRouterFixture({ attemptTimeoutMs: 60_000 }); // the first call loads the SDK: slow on a busy machine
  });
  afterAll(() => fixture.close());

  it('compiles it once', async () => {
    const compilations = await countCompilations(async () => {
      for (let call = 0; call < 5; call += 1) {
        const schema = JSON.parse(
          '{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"],"description":"over HTTP"}',
        ) as Record<string, unknown>;
        const { object } = await fixture.router.generateObject({
          model: 'openai/gpt-4o-mini',
          prompt: 'A person',
          schema,
        });
        assert.deepEqual(object, { name: 'sample', age: 1 });
      }
    });
    assert.equal(compilations, 1);
  });
});
