import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { sampleFromSchema } from '../../src/testing/simulator-server.js';
import type { JsonSchema } from '../../src/core/types.js';

describe('sampleFromSchema', () => {
  it('samples a well-formed schema', () => {
    assert.deepEqual(
      sampleFromSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
      { city: 'sample' },
    );
  });

  it('a malformed schema gets an empty value instead of crashing the simulator (found by the HTTP fuzz: a 500 from the Anthropic simulator)', () => {
    for (const schema of [
      { properties: '0' },
      { properties: 5 },
      { type: 'object', properties: { a: 'x' } },
      { type: 'array', items: 7 },
    ] as unknown as JsonSchema[]) {
      assert.doesNotThrow(() => sampleFromSchema(schema), JSON.stringify(schema));
    }
  });
});
