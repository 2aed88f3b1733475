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
  });
}
