import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { AbortHandle, listenTo, signalOf, unlistenTo } from '../../src/core/abort-handle.js';

describe('AbortHandle', () => {
  it('calls its listeners once, in order, and not those taken back or added after the abort', () => {
    const handle = new AbortHandle();
    const calls: string[] = [];
    const first = (): void => void calls.push('first');
    const second = (): void => void calls.push('second');
    const third = (): void => void calls.push('third');
    handle.listen(first);
    handle.listen(second);
    handle.listen(third);
    handle.unlisten(second);
    handle.abort('why');
    handle.abort('again');
    handle.listen(() => calls.push('late'));
    assert.deepEqual(calls, ['first', 'third']);
    assert.equal(handle.aborted, true);
    assert.equal(handle.reason, 'why');
  });

  it('builds its signal only when read, aborted alike whether read before or after the abort', () => {
    const before = new AbortHandle();
    const early = before.signal;
    assert.equal(early.aborted, false);
    before.abort();
    assert.equal(early.aborted, true);
    assert.equal(
      (early.reason as DOMException).name,
      'AbortError',
      'no reason gives an AbortError, as AbortController does',
    );
    const after = new AbortHandle();
    after.abort(new Error('gone'));
    assert.equal(after.signal.aborted, true);
    assert.equal((after.signal.reason as Error).message, 'gone');
    assert.equal(after.signal, after.signal, 'one signal per handle');
  });

  it('listens to a handle or a signal alike', () => {
    for (const make of [() => new AbortController(), () => new AbortHandle()]) {
      const source = make();
      const abortSource = source instanceof AbortController ? source.signal : source;
      let calls = 0;
      const onAbort = (): void => void (calls += 1);
      const removed = (): void => assert.fail('a listener taken back was called');
      listenTo(abortSource, onAbort);
      listenTo(abortSource, removed);
      unlistenTo(abortSource, removed);
      source.abort();
      assert.equal(calls, 1);
      assert.equal(signalOf(abortSource).aborted, true);
    }
  });
});
