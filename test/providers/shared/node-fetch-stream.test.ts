import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { watchChild } from '../../helpers/watched-child.js';

/**
 * How long the child may go without reading anything before it counts as frozen: far past any scenario's own pauses.
 */
const STALL_MS = 20_000;

interface ChildOutcome {
  passed: string[];
  failed: string[];
  /** The scenario the child was in when it stopped making progress, if it did. */
  frozenIn: string | undefined;
}

/**
 * Runs the stream scenarios of node-fetch-stream-child.ts in a child process: a freeze of its event
 * loop (which no timer inside it could catch) shows as output that stops, and the child is killed.
 */
function runChild(runtime: string[] = [process.execPath]): Promise<ChildOutcome> {
  const outcome: ChildOutcome = { passed: [], failed: [], frozenIn: undefined };
  let current: string | undefined;
  const watched = watchChild(
    runtime[0],
    [...runtime.slice(1), '--import', 'tsx', fileURLToPath(new URL('./node-fetch-stream-child.ts', import.meta.url))],
    STALL_MS,
    (line) => {
      if (line.startsWith('start ')) current = line.slice(6);
      else if (line.startsWith('ok ')) outcome.passed.push(line.slice(3));
      else if (line.startsWith('fail ')) outcome.failed.push(line.slice(5));
    },
  );
  return watched.then(({ stalled }) => {
    if (stalled) outcome.frozenIn = current ?? '(before the first scenario)';
    return outcome;
  });
}

describe('nodeFetch event streams (in a child process, so that a freeze fails instead of hanging)', () => {
  it('reads parts of any size, bursts, slow readers and chunk boundaries anywhere without freezing', async () => {
    const outcome = await runChild();
    assert.equal(outcome.frozenIn, undefined, `the event loop froze in: ${outcome.frozenIn}`);
    assert.deepEqual(outcome.failed, []);
    assert.ok(outcome.passed.length >= 30, `all scenarios ran (${outcome.passed.length})`);
  });
});
