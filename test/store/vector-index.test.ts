import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ApproximateVectorIndex } from '../../src/store/approximate-vector-index.js';
import { MemoryKeyValueStore } from '../../src/store/memory-key-value-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { MemoryVectorIndex } from '../../src/store/memory-vector-index.js';
import { SharedVectorIndex } from '../../src/store/shared-vector-index.js';
import { vectorIndexSuite, type VectorIndexSubject } from './vector-index-suite.js';

function clock(): Pick<VectorIndexSubject, 'now' | 'advance'> {
  let time = 1_000_000;
  return { now: () => time, advance: (milliseconds) => void (time += milliseconds) };
}

vectorIndexSuite('exact, in memory', async () => {
  const time = clock();
  return { subject: { ...time, index: new MemoryVectorIndex({ now: time.now }) }, close: async () => {} };
});

for (const quantization of ['i8', 'f16', 'f32'] as const)
  vectorIndexSuite(`approximate (usearch HNSW, ${quantization})`, async () => {
    const time = clock();
    const index = new ApproximateVectorIndex({ now: time.now, quantization });
    await index.ready();
    return { subject: { ...time, index, settle: () => index.flush() }, close: () => index.close() };
  });

/** A state store whose values live in a key-value store: what the shared index needs of a RedisStore. */
function sharedStore(): ConstructorParameters<typeof SharedVectorIndex>[0]['store'] {
  const counters = new MemoryStore();
  const values = new MemoryKeyValueStore();
  return {
    kind: 'memory',
    increment: (key, amount, ttlMs) => counters.increment(key, amount, ttlMs),
    readCounter: (key) => counters.readCounter(key),
    getValue: (namespace, key) => values.getValue(namespace, key),
    getValues: (namespace, keys) => values.getValues(namespace, keys),
    setValue: (namespace, key, value, ttlMs) => values.setValue(namespace, key, value, ttlMs),
    deleteValue: (namespace, key) => values.deleteValue(namespace, key),
    clearValues: (selector) => values.clearValues(selector),
    close: async () => {
      await Promise.all([counters.close(), values.close()]);
    },
  };
}

vectorIndexSuite('shared through a store', async () => {
  const time = clock();
  const store = sharedStore();
  const index = new SharedVectorIndex({ store, now: time.now, syncIntervalMs: 0 });
  return { subject: { ...time, index }, close: () => store.close() };
});

describe('vector index bounds and sharing', () => {
  it('the exact and the approximate index drop the oldest entry past maxEntries', async () => {
    for (const index of [new MemoryVectorIndex({ maxEntries: 2 }), new ApproximateVectorIndex({ maxEntries: 2 })]) {
      const later = Date.now() + 60_000;
      await index.add('p', 'a', [1, 0, 0, 0], later);
      await index.add('p', 'b', [0, 1, 0, 0], later);
      await index.add('p', 'c', [0, 0, 1, 0], later);
      assert.equal(await index.size(), 2, index.kind);
      assert.deepEqual(
        (await index.search('p', [1, 0, 0, 0], 3)).map((match) => match.id).sort(),
        ['b', 'c'],
        index.kind,
      );
    }
  });

  it('the approximate index bounds its insertion queue: past maxQueued an add inserts the oldest itself', async () => {
    const index = new ApproximateVectorIndex({ maxQueued: 2 });
    await index.ready();
    const later = Date.now() + 60_000;
    const vectors = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
      [1, 1, 0, 0],
    ];
    // No await between the adds' synchronous parts: no insertion turn runs in between.
    await Promise.all(vectors.map((vector, position) => index.add('p', `v${position}`, vector, later)));
    assert.ok(index.queued <= 2, `queued ${index.queued}`);
    for (const [position, vector] of vectors.entries())
      assert.equal((await index.search('p', vector, 1))[0]?.id, `v${position}`);
    await index.flush();
    assert.equal(index.queued, 0);
    assert.throws(() => new ApproximateVectorIndex({ maxQueued: 0 }), { code: 'config_invalid' });
    assert.throws(() => new ApproximateVectorIndex({ insertBudgetMs: -1 }), { code: 'config_invalid' });
    await index.close();
  });

  it('an entry added through one shared index is found through another on the same store', async () => {
    const store = sharedStore();
    const one = new SharedVectorIndex({ store, syncIntervalMs: 0 });
    const two = new SharedVectorIndex({ store, syncIntervalMs: 0 });
    await one.add('p', 'from-one', [0, 1, 0], Date.now() + 60_000);
    assert.equal((await two.search('p', [0, 1, 0], 1))[0]?.id, 'from-one');
    assert.deepEqual(await two.search('q', [0, 1, 0], 1), []);
  });
});
