/**
 * The shared vector index suite: every behaviour of the {@link VectorIndex} contract, run against each
 * implementation (test/store/vector-index.test.ts runs it for the exact, the approximate and the shared index).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { VectorIndex } from '../../src/store/vector-index.js';

/**
 * An index under test, with a clock the suite moves (entries' expiries are compared with it).
 *
 * @example
 * ```ts
 * const subject: VectorIndexSubject = { index, advance: (ms) => void (time += ms), now: () => time };
 * ```
 */
export interface VectorIndexSubject {
  index: VectorIndex;
  now(): number;
  advance(milliseconds: number): void;
  /** Waits until deferred work is done (the approximate index's queued insertions), when there is any. */
  settle?(): Promise<void>;
}

let unique = 0;
const fresh = (name: string): string => `${name}-${(unique += 1)}`;

/** A unit-ish vector of `dimensions` pointing mostly along axis `axis`, tilted by `tilt` toward the next axis. */
function along(axis: number, tilt = 0, dimensions = 8): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  vector[axis % dimensions] = 1;
  vector[(axis + 1) % dimensions] = tilt;
  return vector;
}

/** A seeded pseudo-random number in [0, 1) (mulberry32), so that failures reproduce. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The cosine of two vectors, in float64. */
function trueCosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let left = 0;
  let right = 0;
  for (let index = 0; index < a.length; index += 1) {
    dot += a[index] * b[index];
    left += a[index] * a[index];
    right += b[index] * b[index];
  }
  return dot / Math.sqrt(left * right);
}

/**
 * Registers the shared vector index suite for one implementation.
 *
 * @example
 * ```ts
 * vectorIndexSuite('exact', async () => ({ subject, close: async () => {} }));
 * ```
 */
export function vectorIndexSuite(
  name: string,
  setup: () => Promise<{ subject: VectorIndexSubject; close(): Promise<void> }>,
): void {
  describe(`vector index contract: ${name}`, () => {
    let subject: VectorIndexSubject;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ subject, close } = await setup());
    });
    afterAll(async () => close?.());
    const settle = async (): Promise<void> => subject.settle?.();

    it('finds the most similar entries of a partition, most similar first, with cosine similarities', async () => {
      const partition = fresh('p');
      const later = subject.now() + 60_000;
      await subject.index.add(partition, 'x', along(0), later);
      await subject.index.add(partition, 'y', along(0, 0.5), later);
      await subject.index.add(partition, 'z', along(3), later);
      const found = await subject.index.search(partition, along(0, 0.1), 2);
      assert.deepEqual(
        found.map((match) => match.id),
        ['x', 'y'],
      );
      assert.ok(found[0].similarity > 0.99 && found[0].similarity <= 1.0001, String(found[0].similarity));
      assert.ok(found[1].similarity < found[0].similarity);
      const scaled = await subject.index.search(
        partition,
        along(0).map((value) => value * 7),
        1,
      );
      assert.equal(scaled[0].id, 'x', 'the length of a vector does not matter, its direction does');
    });

    it('never looks outside the partition', async () => {
      const [one, two] = [fresh('p'), fresh('p')];
      await subject.index.add(one, 'a', along(1), subject.now() + 60_000);
      assert.deepEqual(await subject.index.search(two, along(1), 1), []);
      assert.equal((await subject.index.search(one, along(1), 1))[0]?.id, 'a');
    });

    it('adding an id again replaces its vector; delete removes it', async () => {
      const partition = fresh('p');
      await subject.index.add(partition, 'a', along(2), subject.now() + 60_000);
      await subject.index.add(partition, 'a', along(5), subject.now() + 60_000);
      const found = await subject.index.search(partition, along(5), 3);
      assert.deepEqual(
        found.map((match) => match.id),
        ['a'],
      );
      assert.ok(found[0].similarity > 0.99);
      assert.equal(await subject.index.delete(partition, 'a'), true);
      assert.equal(await subject.index.delete(partition, 'a'), false);
      assert.deepEqual(await subject.index.search(partition, along(5), 1), []);
    });

    it('never returns an expired entry', async () => {
      const partition = fresh('p');
      await subject.index.add(partition, 'short', along(4), subject.now() + 1_000);
      await subject.index.add(partition, 'long', along(4, 0.3), subject.now() + 120_000);
      subject.advance(2_000);
      assert.deepEqual(
        (await subject.index.search(partition, along(4), 2)).map((match) => match.id),
        ['long'],
      );
    });

    it('clear deletes the partitions with a prefix and says how many entries', async () => {
      const prefix = fresh('clear');
      await subject.index.add(`${prefix}|a`, '1', along(0), subject.now() + 60_000);
      await subject.index.add(`${prefix}|b`, '2', along(0), subject.now() + 60_000);
      const kept = fresh('kept');
      await subject.index.add(kept, '3', along(0), subject.now() + 60_000);
      assert.equal(await subject.index.clear(`${prefix}|`), 2);
      assert.deepEqual(await subject.index.search(`${prefix}|a`, along(0), 1), []);
      assert.equal((await subject.index.search(kept, along(0), 1))[0]?.id, '3');
    });

    it('finds entries both before and after deferred work settles, and deletes them in either state', async () => {
      const partition = fresh('p');
      const later = subject.now() + 60_000;
      await subject.index.add(partition, 'early', along(6), later);
      assert.equal((await subject.index.search(partition, along(6), 1))[0]?.id, 'early');
      await settle();
      assert.equal((await subject.index.search(partition, along(6), 1))[0]?.id, 'early');
      await subject.index.add(partition, 'late', along(7), later);
      assert.equal(await subject.index.delete(partition, 'late'), true, 'a queued entry deletes');
      assert.equal(await subject.index.delete(partition, 'early'), true, 'an inserted entry deletes');
      await settle();
      assert.deepEqual(await subject.index.search(partition, along(6), 2), []);
      assert.deepEqual(await subject.index.search(partition, along(7), 2), []);
    });

    it('re-adding an id after it settled replaces it, and the old vector is not found under it', async () => {
      const partition = fresh('p');
      const later = subject.now() + 60_000;
      await subject.index.add(partition, 'a', along(1), later);
      await subject.index.add(partition, 'b', along(2), later);
      await settle();
      await subject.index.add(partition, 'a', along(3), later);
      await settle();
      const found = await subject.index.search(partition, along(1), 5);
      assert.deepEqual(found.map((match) => match.id).sort(), ['a', 'b']);
      assert.ok(
        found.every((match) => match.similarity < 0.5),
        JSON.stringify(found),
      );
      assert.equal((await subject.index.search(partition, along(3), 1))[0]?.id, 'a');
    });

    it('a search for more than the partition holds returns every live entry once', async () => {
      const partition = fresh('p');
      const later = subject.now() + 60_000;
      for (const axis of [0, 1, 2]) await subject.index.add(partition, `e${axis}`, along(axis, 0.2), later);
      await settle();
      await subject.index.add(partition, 'queued', along(4), later);
      const found = await subject.index.search(partition, along(0), 50);
      assert.deepEqual(found.map((match) => match.id).sort(), ['e0', 'e1', 'e2', 'queued']);
      for (let index = 1; index < found.length; index += 1)
        assert.ok(found[index - 1].similarity >= found[index].similarity, 'most similar first');
    });

    it('reports the true cosine to the stored vector (not a quantized one), before and after settling', async () => {
      const partition = fresh('p');
      const random = seeded(7);
      const dimensions = 96;
      const stored = Array.from({ length: 40 }, () => Array.from({ length: dimensions }, () => random() - 0.5));
      const later = subject.now() + 60_000;
      for (const [index, vector] of stored.entries()) await subject.index.add(partition, `v${index}`, vector, later);
      const check = async (): Promise<void> => {
        for (const [index, vector] of stored.slice(0, 10).entries()) {
          const query = vector.map((value) => value + (random() - 0.5) * 0.05);
          const found = await subject.index.search(partition, query, 3);
          assert.equal(found[0]?.id, `v${index}`);
          for (const match of found) {
            const expected = trueCosine(stored[Number(match.id.slice(1))], query);
            assert.ok(Math.abs(match.similarity - expected) < 1e-5, `${match.similarity} vs ${expected}`);
          }
        }
      };
      await check();
      await settle();
      await check();
      await subject.index.delete(partition, 'v3');
      const afterDelete = await subject.index.search(partition, stored[3], 40);
      assert.ok(!afterDelete.some((match) => match.id === 'v3'), 'a deleted entry of a quantized graph is gone');
    });
  });
}
