/**
 * `generateObject` / `streamObject` infer the object type from a zod schema (the check is the
 * typecheck of this file: `npm run typecheck`), keep an explicit type argument, and give `unknown`
 * for a JSON Schema.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { z } from 'zod';
import type { SchemaOutput } from '../../src/router/router-types.js';
import { startRouterFixture, type RouterFixture } from '../helpers/router-fixture.js';

type Equal<A, B> = (<V>() => V extends A ? 1 : 2) extends <V>() => V extends B ? 1 : 2 ? true : false;
function expectType<Check extends true>(check: Check): Check {
  return check;
}

describe('structured output types', () => {
  let fixture: RouterFixture;
  beforeAll(async () => {
    fixture = await startRouterFixture();
  });
  afterAll(() => fixture.close());

  const schema = z.object({ title: z.string(), tags: z.array(z.string()) });
  type Post = { title: string; tags: string[] };

  it('generateObject infers the object type from a zod schema', async () => {
    const { object } = await fixture.router.generateObject({ model: 'openai/gpt-4o-mini', prompt: 'A post', schema });
    expectType<Equal<typeof object, Post>>(true);
    assert.deepEqual(object.tags, ['sample']);
    assert.equal(object.title.length, 'sample'.length);
  });

  it('streamObject infers it too, for the final object, the result and the partials', async () => {
    const stream = fixture.router.streamObject({ model: 'openai/gpt-4o-mini', prompt: 'A post', schema });
    for await (const partial of stream.partialObjectStream) expectType<Equal<typeof partial, Partial<Post>>>(true);
    const object = await stream.object;
    expectType<Equal<typeof object, Post>>(true);
    expectType<Equal<Awaited<typeof stream.result>['object'], Post>>(true);
    assert.deepEqual(object, { title: 'sample', tags: ['sample'] });
  });

  it('an explicit type argument wins; a JSON Schema gives unknown', async () => {
    const jsonSchema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
    const given = await fixture.router.generateObject<{ name: string }>({
      model: 'openai/gpt-4o-mini',
      prompt: 'A person',
      schema: jsonSchema,
    });
    expectType<Equal<typeof given.object, { name: string }>>(true);
    const untyped = await fixture.router.generateObject({
      model: 'openai/gpt-4o-mini',
      prompt: 'A person',
      schema: jsonSchema,
    });
    expectType<Equal<typeof untyped.object, unknown>>(true);
    expectType<Equal<SchemaOutput<typeof schema>, Post>>(true);
    assert.deepEqual(given.object, { name: 'sample' });
  });
});
