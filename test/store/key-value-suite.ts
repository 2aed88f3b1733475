/**
 * The shared key-value store suite: every behaviour of the {@link KeyValueStore} contract, run against
 * each implementation (test/store/key-value-store.test.ts runs it for the in-memory and the Redis store).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { KeyValueStore } from '../../src/store/key-value-store.js';

/**
 * A key-value store under test: `expire` makes time pass for it (a fake clock, or a real wait for Redis).
 *
 * @example
 * ```ts
 * const subject: KeyValueSubject = { store, expire: async (ms) => clock.advance(ms) };
 * ```
 */
export interface KeyValueSubject {
  store: KeyValueStore;
  /** A second store on the same data (another instance), when the implementation shares state. */
  peer?: KeyValueStore;
  /** Lets `milliseconds` pass, as far as this store's expiry is concerned. */
  expire(milliseconds: number): Promise<void>;
  /** The shortest TTL the suite may set and see expire (Redis: real time). */
  shortTtlMs: number;
}

let unique = 0;
const fresh = (name: string): string => `${name}-${process.pid}-${(unique += 1)}`;

/**
 * Registers the shared key-value suite for one implementation.
 *
 * @example
 * ```ts
 * keyValueSuite('memory', async () => ({ subject, close: async () => {} }));
 * ```
 */
export function keyValueSuite(
  name: string,
  open: () => Promise<{ subject: KeyValueSubject; close: () => Promise<void> }>,
  options: { skip?: string | false; shared?: boolean } = {},
): void {
  const skip = options.skip ?? false;
  describe(`${name} key-value store${skip ? ` (skipped: ${skip})` : ''}`, { skip: Boolean(skip) }, () => {
    let subject: KeyValueSubject;
    let close: () => Promise<void>;
    let store: KeyValueStore;
    beforeAll(async () => {
      ({ subject, close } = await open());
      store = subject.store;
    });
    afterAll(async () => close?.());

    it('returns what was set, and undefined for what was not', async () => {
      const namespace = fresh('ns');
      await store.setValue(namespace, 'a', '{"text":"é — 😀"}', 60_000);
      assert.equal(await store.getValue(namespace, 'a'), '{"text":"é — 😀"}');
      assert.equal(await store.getValue(namespace, 'b'), undefined);
      assert.equal(await store.getValue(fresh('other'), 'a'), undefined, 'namespaces are apart');
    });

    it('getValues answers in the order of the keys, undefined for the absent ones', async () => {
      const namespace = fresh('ns');
      await store.setValue(namespace, 'x', '1', 60_000);
      await store.setValue(namespace, 'z', '3', 60_000);
      assert.deepEqual(await store.getValues(namespace, ['z', 'y', 'x']), ['3', undefined, '1']);
      assert.deepEqual(await store.getValues(namespace, []), []);
    });

    it('a value expires after its TTL; setting again replaces the value and the expiry', async () => {
      const namespace = fresh('ns');
      await store.setValue(namespace, 'short', 'v1', subject.shortTtlMs);
      await store.setValue(namespace, 'long', 'v1', 60_000);
      await store.setValue(namespace, 'long', 'v2', 60_000);
      assert.equal(await store.getValue(namespace, 'long'), 'v2');
      await subject.expire(subject.shortTtlMs + 1);
      assert.equal(await store.getValue(namespace, 'short'), undefined);
      assert.deepEqual(await store.getValues(namespace, ['short', 'long']), [undefined, 'v2']);
    });

    it('deleteValue removes one value and says whether there was one', async () => {
      const namespace = fresh('ns');
      await store.setValue(namespace, 'a', '1', 60_000);
      assert.equal(await store.deleteValue(namespace, 'a'), true);
      assert.equal(await store.deleteValue(namespace, 'a'), false);
      assert.equal(await store.getValue(namespace, 'a'), undefined);
    });

    it('clearValues clears one namespace, or its keys with a prefix, or namespaces by prefix', async () => {
      const base = fresh('clear');
      const [one, two, elsewhere] = [`${base}:a:one*`, `${base}:a:two{}`, fresh('keep')];
      for (const namespace of [one, two, elsewhere]) {
        await store.setValue(namespace, 'm1.k1', '1', 60_000);
        await store.setValue(namespace, 'm1.k2', '2', 60_000);
        await store.setValue(namespace, 'm2.k1', '3', 60_000);
      }
      assert.equal(await store.clearValues({ namespace: one, keyPrefix: 'm1.' }), 2);
      assert.deepEqual(await store.getValues(one, ['m1.k1', 'm1.k2', 'm2.k1']), [undefined, undefined, '3']);
      assert.equal(await store.clearValues({ namespace: one }), 1);
      assert.equal(await store.getValue(one, 'm2.k1'), undefined);
      assert.equal(await store.clearValues({ namespacePrefix: `${base}:a:`, keyPrefix: 'm2.' }), 1);
      assert.deepEqual(await store.getValues(two, ['m1.k1', 'm2.k1']), ['1', undefined]);
      assert.equal(await store.clearValues({ namespacePrefix: `${base}:` }), 2);
      assert.deepEqual(
        await store.getValues(elsewhere, ['m1.k1', 'm1.k2', 'm2.k1']),
        ['1', '2', '3'],
        'another namespace is untouched',
      );
    });

    it(`another instance sees the same values${options.shared ? '' : ' (skipped: this store lives in one process)'}`, {
      skip: !options.shared,
    }, async () => {
      const peer = subject.peer;
      assert.ok(peer, 'a shared store has a peer');
      const namespace = fresh('ns');
      await store.setValue(namespace, 'a', 'shared', 60_000);
      assert.equal(await peer.getValue(namespace, 'a'), 'shared');
      await peer.clearValues({ namespace });
      assert.equal(await store.getValue(namespace, 'a'), undefined);
    });
  });
}
