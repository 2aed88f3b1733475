/**
 * The shared store suite: every behaviour of the {@link StateStore} contract, run against each
 * implementation (test/store/store.test.ts runs it for the in-memory and the Redis store).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import type { MeterRef, StateStore, StoredRecord } from '../../src/store/store.js';

/**
 * A store under test and its controllable clock.
 *
 * @example
 * ```ts
 * const subject: StoreSubject = { store: new MemoryStore({ now: clock.now }), clock };
 * ```
 */
export interface StoreSubject {
  store: StateStore;
  /** A second store on the same data (another instance), when the implementation shares state. */
  peer?: StateStore;
  clock: TestClock;
}

/**
 * A fake clock, starting at the real time.
 *
 * @example
 * ```ts
 * const clock = new TestClock();
 * clock.advance(60_000);
 * ```
 */
export class TestClock {
  private current = Date.now();
  readonly now = (): number => this.current;
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}

let unique = 0;
const fresh = (name: string): string => `${name}-${process.pid}-${Date.now()}-${(unique += 1)}`;
const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Registers the shared suite for one implementation.
 *
 * @example
 * ```ts
 * storeSuite('memory', async () => ({ subject: { store: new MemoryStore({ now: clock.now }), clock }, close: async () => {} }));
 * ```
 */
export function storeSuite(
  name: string,
  open: () => Promise<{ subject: StoreSubject; close: () => Promise<void> }>,
  skip: string | false = false,
): void {
  describe(`${name} store`, { skip: Boolean(skip) }, () => {
    let subject: StoreSubject;
    let close: () => Promise<void>;
    let store: StateStore;
    let ledger: MeterRef;
    beforeAll(async () => {
      ({ subject, close } = await open());
      store = subject.store;
    });
    afterAll(async () => close());
    beforeEach(() => {
      ledger = { key: fresh('ledger') };
    });

    it('reserves within the credit and refuses beyond it, reporting the meter state', async () => {
      await store.credit(ledger, 1_000);
      assert.deepEqual(
        await store.reserve({ id: fresh('r'), ttlMs: 60_000, holds: [{ ...ledger, amount: 600, limit: 'credit' }] }),
        { ok: true, duplicate: false },
      );
      const refused = await store.reserve({
        id: fresh('r'),
        ttlMs: 60_000,
        holds: [{ ...ledger, amount: 401, limit: 'credit' }],
      });
      assert.deepEqual(refused, {
        ok: false,
        index: 0,
        limit: 1_000,
        state: { credit: 1_000, used: 0, reserved: 600, granted: false },
      });
      assert.equal(
        (await store.reserve({ id: fresh('r'), ttlMs: 60_000, holds: [{ ...ledger, amount: 400, limit: 'credit' }] }))
          .ok,
        true,
      );
      assert.deepEqual(await store.readMeter(ledger), { credit: 1_000, used: 0, reserved: 1_000, granted: false });
    });

    it('reserves all meters or none', async () => {
      const budget: MeterRef = { key: fresh('budget') };
      await store.credit(ledger, 1_000);
      const refused = await store.reserve({
        id: fresh('r'),
        ttlMs: 60_000,
        holds: [
          { ...ledger, amount: 300, limit: 'credit' },
          { ...budget, amount: 300, limit: 200 },
        ],
      });
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.index, 1);
      assert.equal((await store.readMeter(ledger)).reserved, 0);
      assert.equal((await store.readMeter(budget)).reserved, 0);
    });

    it('grants a free allocation exactly once', async () => {
      const hold = { ...ledger, amount: 10, limit: 'credit' as const, grant: 500 };
      await store.reserve({ id: fresh('r'), ttlMs: 60_000, holds: [hold] });
      await store.reserve({ id: fresh('r'), ttlMs: 60_000, holds: [hold] });
      const granted = await store.credit(ledger, 500, { grant: true });
      assert.equal(granted.applied, false);
      assert.deepEqual(await store.readMeter(ledger), { credit: 500, used: 0, reserved: 20, granted: true });
      const other = { key: fresh('ledger') };
      assert.equal((await store.credit(other, 700, { grant: true })).applied, true);
      assert.equal((await store.credit(other, 700, { grant: true })).credit, 700);
    });

    it('settles the exact amount once, dropping the hold and appending the record atomically', async () => {
      await store.credit(ledger, 1_000);
      const id = fresh('r');
      await store.reserve({ id, ttlMs: 60_000, holds: [{ ...ledger, amount: 500, limit: 'credit' }] });
      const record: StoredRecord = {
        id,
        timestamp: subject.clock.now(),
        indexes: [`acct:${ledger.key}`],
        body: JSON.stringify({ cost: 123 }),
      };
      const first = await store.settle({ id, charges: [{ ...ledger, amount: 123 }], record });
      assert.deepEqual(first, { applied: true, meters: [{ credit: 1_000, used: 123, reserved: 0, granted: false }] });
      const replay = await store.settle({ id, charges: [{ ...ledger, amount: 123 }], record });
      assert.deepEqual(replay, { applied: false, meters: [{ credit: 1_000, used: 123, reserved: 0, granted: false }] });
      assert.deepEqual(await store.listRecords({ index: `acct:${ledger.key}`, from: 0, to: Number.MAX_SAFE_INTEGER }), [
        record.body,
      ]);
      assert.equal(await store.release(id, [ledger]), false);
      const bare = fresh('r');
      await store.settle({ id: bare, charges: [{ ...ledger, amount: 7 }] });
      assert.equal((await store.settle({ id: bare, charges: [{ ...ledger, amount: 7 }] })).applied, false);
      assert.equal((await store.readMeter(ledger)).used, 130);
    });

    it('releases a hold without charging, once', async () => {
      await store.credit(ledger, 1_000);
      const id = fresh('r');
      await store.reserve({ id, ttlMs: 60_000, holds: [{ ...ledger, amount: 700, limit: 'credit' }] });
      assert.equal(await store.release(id, [ledger]), true);
      assert.equal(await store.release(id, [ledger]), false);
      assert.deepEqual(await store.readMeter(ledger), { credit: 1_000, used: 0, reserved: 0, granted: false });
    });

    it('lets holds of a crashed instance lapse, and still charges a late settlement', async () => {
      await store.credit(ledger, 1_000);
      const id = fresh('r');
      await store.reserve({ id, ttlMs: 5_000, holds: [{ ...ledger, amount: 900, limit: 'credit' }] });
      assert.equal(
        (await store.reserve({ id: fresh('r'), ttlMs: 5_000, holds: [{ ...ledger, amount: 200, limit: 'credit' }] }))
          .ok,
        false,
      );
      subject.clock.advance(5_001);
      assert.equal((await store.readMeter(ledger)).reserved, 0);
      assert.equal(
        (await store.reserve({ id: fresh('r'), ttlMs: 5_000, holds: [{ ...ledger, amount: 200, limit: 'credit' }] }))
          .ok,
        true,
      );
      const late = await store.settle({ id, charges: [{ ...ledger, amount: 850 }] });
      assert.deepEqual(late.meters[0], { credit: 1_000, used: 850, reserved: 200, granted: false });
    });

    it('treats a repeated reservation id as the same reservation', async () => {
      await store.credit(ledger, 1_000);
      const id = fresh('r');
      await store.reserve({ id, ttlMs: 60_000, holds: [{ ...ledger, amount: 400, limit: 'credit' }] });
      assert.deepEqual(
        await store.reserve({ id, ttlMs: 60_000, holds: [{ ...ledger, amount: 400, limit: 'credit' }] }),
        { ok: true, duplicate: true },
      );
      assert.equal((await store.readMeter(ledger)).reserved, 400);
    });

    it('never lets concurrent reservations exceed the credit', async () => {
      await store.credit(ledger, 10_000);
      const stores = [store, subject.peer ?? store];
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, index) =>
          stores[index % stores.length].reserve({
            id: fresh('r'),
            ttlMs: 60_000,
            holds: [{ ...ledger, amount: 300, limit: 'credit' }],
          }),
        ),
      );
      assert.equal(results.filter((result) => result.ok).length, 33);
      assert.deepEqual(await store.readMeter(ledger), { credit: 10_000, used: 0, reserved: 9_900, granted: false });
    });

    it('keeps large amounts exact (no float or exponent formatting)', async () => {
      const big = 9_007_199_254_740_000;
      await store.credit(ledger, big);
      const id = fresh('r');
      await store.reserve({
        id,
        ttlMs: 60_000,
        holds: [{ ...ledger, amount: 1_234_567_890_123_457, limit: 'credit' }],
      });
      const settled = await store.settle({ id, charges: [{ ...ledger, amount: 1_234_567_890_123_451 }] });
      assert.deepEqual(settled.meters[0], { credit: big, used: 1_234_567_890_123_451, reserved: 0, granted: false });
      await assert.rejects(
        store.credit(ledger, 0.5),
        (error: unknown) => error instanceof GatewayError && error.code === 'invalid_request',
      );
    });

    it('applies a top-up once per idempotency key, and debits', async () => {
      assert.equal((await store.credit(ledger, 1_000, { idempotencyKey: 'payment_1' })).applied, true);
      assert.equal((await store.credit(ledger, 1_000, { idempotencyKey: 'payment_1' })).applied, false);
      assert.equal((await store.credit(ledger, -250)).credit, 750);
    });

    it('checks a rolling window with a limit and says when to retry', async () => {
      const key = fresh('rpm');
      const window = { windowMs: 60_000, slices: 12 };
      for (let index = 0; index < 3; index += 1)
        assert.equal((await store.windowAdd({ key, amount: 1, limit: 3, window })).allowed, true);
      const refused = await store.windowAdd({ key, amount: 1, limit: 3, window });
      assert.equal(refused.allowed, false);
      assert.equal(refused.total, 3);
      assert.ok(refused.retryAfterMs > 55_000 && refused.retryAfterMs <= 65_000, `retry after ${refused.retryAfterMs}`);
      subject.clock.advance(refused.retryAfterMs - 1);
      assert.equal((await store.windowAdd({ key, amount: 1, limit: 3, window })).allowed, false);
      subject.clock.advance(1);
      assert.deepEqual(await store.windowAdd({ key, amount: 1, limit: 3, window }), {
        allowed: true,
        total: 1,
        retryAfterMs: 0,
      });
    });

    it('checks room in a window without adding (amount 0) and adds past a limit when none is given', async () => {
      const key = fresh('tpm');
      const window = { windowMs: 60_000 };
      assert.equal((await store.windowAdd({ key, amount: 500, window })).total, 500);
      assert.equal((await store.windowAdd({ key, amount: 0, limit: 501, window })).allowed, true);
      assert.equal((await store.windowAdd({ key, amount: 0, limit: 500, window })).allowed, false);
      assert.equal((await store.windowAdd({ key, amount: 700, window })).total, 1_200);
    });

    it('counts a rolling-window meter over its window only', async () => {
      const meter: MeterRef = { key: fresh('rolling'), window: { windowMs: 3_600_000, slices: 6 } };
      await store.settle({ id: fresh('r'), charges: [{ ...meter, amount: 400 }] });
      assert.equal(
        (await store.reserve({ id: fresh('r'), ttlMs: 60_000, holds: [{ ...meter, amount: 700, limit: 1_000 }] })).ok,
        false,
      );
      subject.clock.advance(30 * 60_000);
      const second = await store.settle({ id: fresh('r'), charges: [{ ...meter, amount: 100 }] });
      assert.equal(second.meters[0].used, 500);
      subject.clock.advance(31 * 60_000 + 600_000);
      assert.equal((await store.readMeter(meter)).used, 100);
      subject.clock.advance(3_600_000);
      assert.equal((await store.readMeter(meter)).used, 0);
    });

    it('expires a meter with a time to live', async () => {
      const meter: MeterRef = { key: fresh('period'), ttlMs: 40 };
      await store.settle({ id: fresh('r'), charges: [{ ...meter, amount: 10 }] });
      assert.equal((await store.readMeter(meter)).used, 10);
      subject.clock.advance(1_000);
      await sleep(80);
      assert.equal((await store.readMeter(meter)).used, 0);
    });

    it('appends a record once and lists records by index and time range', async () => {
      const index = fresh('account');
      const t0 = subject.clock.now();
      const records = [0, 1, 2].map((offset) => ({
        id: fresh('rec'),
        timestamp: t0 + offset * 1_000,
        indexes: [index, `${index}:all`],
        body: `{"n":${offset}}`,
      }));
      for (const record of [records[2], records[0], records[1]]) assert.equal(await store.appendRecord(record), true);
      assert.equal(await store.appendRecord({ ...records[0], body: '{"n":"again"}' }), false);
      assert.deepEqual(await store.listRecords({ index, from: t0, to: t0 + 2_000 }), ['{"n":0}', '{"n":1}', '{"n":2}']);
      assert.deepEqual(await store.listRecords({ index, from: t0 + 500, to: t0 + 1_500 }), ['{"n":1}']);
      assert.deepEqual(await store.listRecords({ index: `${index}:all`, from: t0, to: t0 + 2_000, limit: 2 }), [
        '{"n":0}',
        '{"n":1}',
      ]);
      assert.equal(await store.getRecord(records[1].id), '{"n":1}');
      assert.equal(await store.getRecord(fresh('missing')), undefined);
    });

    it('keeps a group together: reserve, settle and list in one group, and refuse one operation over two', async () => {
      const group = fresh('team {g}');
      const ledger: MeterRef = { key: fresh('ledger'), group };
      const budget: MeterRef = { key: fresh('budget'), group };
      await store.credit(ledger, 1_000);
      const id = fresh('req');
      const holds = [
        { ...ledger, amount: 100, limit: 'credit' as const },
        { ...budget, amount: 100, limit: 500 },
      ];
      assert.deepEqual(await store.reserve({ id, ttlMs: 60_000, holds }), { ok: true, duplicate: false });
      const record: StoredRecord = {
        id,
        group,
        timestamp: subject.clock.now(),
        indexes: [`acct:${group}`],
        body: '{"g":1}',
      };
      const settled = await store.settle({ id, charges: [{ ...ledger, amount: 40 }], record });
      assert.equal(settled.applied, true);
      assert.deepEqual(settled.meters[0], { credit: 1_000, used: 40, reserved: 0, granted: false });
      assert.equal((await store.readMeter(budget)).reserved, 100);
      assert.equal(await store.release(id, [budget]), false, 'settled already');
      assert.equal(await store.getRecord(id, group), '{"g":1}');
      assert.deepEqual(
        await store.listRecords({ index: `acct:${group}`, group, from: 0, to: Number.MAX_SAFE_INTEGER }),
        ['{"g":1}'],
      );
      const elsewhere: MeterRef = { key: fresh('budget'), group: fresh('other') };
      await assert.rejects(
        store.reserve({ id: fresh('req'), ttlMs: 60_000, holds: [holds[0], { ...elsewhere, amount: 1, limit: 5 }] }),
        (error) => error instanceof GatewayError && error.code === 'invalid_request' && /one group/.test(error.message),
      );
      await assert.rejects(
        store.settle({
          id: fresh('req'),
          charges: [{ ...ledger, amount: 1 }],
          record: { ...record, id: fresh('rec'), group: undefined },
        }),
        (error) => error instanceof GatewayError && error.code === 'invalid_request',
      );
      assert.equal((await store.readMeter(ledger)).used, 40, 'a refused operation changed nothing');
    });

    it('increments counters that expire after their creation', async () => {
      const key = fresh('counter');
      assert.equal(await store.increment(key, 2, 40), 2);
      assert.equal(await store.increment(key, 3, 40), 5);
      assert.equal(await store.readCounter(key), 5);
      subject.clock.advance(1_000);
      await sleep(80);
      assert.equal(await store.readCounter(key), 0);
    });

    it('sets, reads and deletes configuration fields', async () => {
      const key = fresh('config');
      await store.setField(key, 'markup', '0.1');
      await store.setField(key, 'limits', '{"requestsPerMinute":5}');
      await store.setField(key, 'markup', undefined);
      assert.deepEqual(await store.getFields(key), { limits: '{"requestsPerMinute":5}' });
      assert.deepEqual(await store.getFields(fresh('none')), {});
    });

    it('keeps each expiring field until its own expiry, and shares them with other instances', async () => {
      const key = fresh('board');
      const reader = subject.peer ?? store;
      await store.setExpiringField(key, 'instance-a', '{"n":1}', 1_000);
      await reader.setExpiringField(key, 'instance-b', '{"n":2}', 3_000);
      assert.deepEqual(await reader.getExpiringFields(key), { 'instance-a': '{"n":1}', 'instance-b': '{"n":2}' });
      subject.clock.advance(999);
      assert.deepEqual(Object.keys(await store.getExpiringFields(key)).sort(), ['instance-a', 'instance-b']);
      subject.clock.advance(1);
      assert.deepEqual(await store.getExpiringFields(key), { 'instance-b': '{"n":2}' });
      await store.setExpiringField(key, 'instance-a', '{"n":3}', 5_000);
      subject.clock.advance(2_500);
      assert.deepEqual(
        await reader.getExpiringFields(key),
        { 'instance-a': '{"n":3}' },
        'a field set again gets a new expiry',
      );
      subject.clock.advance(2_500);
      assert.deepEqual(await store.getExpiringFields(key), {});
      assert.deepEqual(await store.getExpiringFields(fresh('none')), {});
    });
  });
}
