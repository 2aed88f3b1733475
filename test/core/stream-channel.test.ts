import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { StreamChannel } from '../../src/core/stream-channel.js';

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const each of iterator) all.push(each);
  return all;
}

function counting(total: number): StreamChannel<number> {
  return new StreamChannel<number>(async (push) => {
    for (let index = 0; index < total; index += 1) await push(index);
  });
}

describe('StreamChannel', () => {
  it('holds only the parts a reader has not read yet, not every part until the end', async () => {
    const channel = counting(10_000);
    let most = 0;
    let count = 0;
    for await (const part of channel.reader()) {
      assert.equal(part, count);
      count += 1;
      most = Math.max(most, channel.produced.length);
    }
    assert.equal(count, 10_000);
    assert.ok(most <= 32, `held at most ${most} parts`);
    assert.equal(channel.produced.length, 0, 'nothing is held once the reader is done');
  });

  it('holds what the slowest open reader still needs, and readers opened together see every part', async () => {
    const channel = counting(1_000);
    const fast = channel.reader();
    const slow = channel.reader();
    const fastParts: number[] = [];
    for (let index = 0; index < 500; index += 1) fastParts.push((await fast.next()).value as number);
    assert.ok(channel.produced.length >= 500, 'the slow reader has read none of them yet');
    const slowParts = await collect(slow);
    fastParts.push(...(await collect(fast)));
    assert.deepEqual(
      slowParts,
      Array.from({ length: 1_000 }, (_, index) => index),
    );
    assert.deepEqual(fastParts, slowParts);
    assert.equal(channel.produced.length, 0);
  });

  it('replays the whole stream to a reader that opens after a drain with no reader', async () => {
    const channel = counting(100);
    await channel.drain();
    assert.equal(channel.done, true);
    assert.deepEqual(
      await collect(channel.reader()),
      Array.from({ length: 100 }, (_, index) => index),
    );
  });

  it('starts a reader opened late at the oldest part still held', async () => {
    const channel = counting(200);
    const first = channel.reader();
    for (let index = 0; index < 100; index += 1) await first.next();
    const late = await collect(channel.reader());
    assert.equal(late.at(-1), 199);
    assert.ok(late[0] <= 100, 'it sees the part the open reader had not read yet');
    assert.deepEqual(
      late,
      Array.from({ length: late.length }, (_, index) => late[0] + index),
      'in order, none skipped after the first',
    );
    await first.return?.();
  });

  it('ends every reader with the producer error, after the parts', async () => {
    const channel = new StreamChannel<number>(async (push) => {
      await push(1);
      throw new Error('upstream broke');
    });
    const reader = channel.reader();
    assert.deepEqual(await reader.next(), { done: false, value: 1 });
    await assert.rejects(reader.next(), /upstream broke/);
  });
});
