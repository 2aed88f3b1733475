import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { watchChild } from '../../helpers/watched-child.js';

/** How long the soak may go without finishing another hundred requests before it counts as stuck. */
const STALL_MS = 30_000;

interface SoakReport {
  written: number;
  delivered: number;
  lost: Array<{ id: number; server: string; timing: string; error: string }>;
  late: number;
  failedUnwritten: number;
}

/**
 * Runs bench/transport-soak.ts in a child process, killed if its progress stops (a frozen event loop cannot time itself
 * out).
 */
function soak(
  requests: number,
  seed: number,
): Promise<{ report: SoakReport | undefined; stalledAt: string | undefined }> {
  const script = fileURLToPath(new URL('../../../bench/transport-soak.ts', import.meta.url));
  let report: SoakReport | undefined;
  let last = 'start';
  const watched = watchChild(
    process.execPath,
    ['--import', 'tsx', script, '--requests', String(requests), '--seed', String(seed), '--servers', '5', '--progress'],
    STALL_MS,
    (line) => {
      if (line.startsWith('progress ')) last = line;
      if (line.startsWith('report ')) report = JSON.parse(line.slice(7)) as SoakReport;
    },
  );
  return watched.then(({ stalled }) => ({ report, stalledAt: stalled ? last : undefined }));
}

describe('nodeFetch soak (a bounded run of `npm run soak`)', () => {
  it('delivers every response a server wrote, over keep-alive with servers closing idle sockets at varying times', async () => {
    const { report, stalledAt } = await soak(3_000, 11);
    assert.equal(stalledAt, undefined, `the soak stopped making progress after ${stalledAt}`);
    assert.ok(report, 'the soak reported');
    assert.deepEqual(report.lost, [], 'no response written in full was lost');
    assert.ok(
      report.delivered + report.late + report.failedUnwritten === 3_000,
      JSON.stringify({ ...report, lost: report.lost.length }),
    );
    // The rest failed before a server answered (a request sent as its server closed the idle socket), or
    // reached the server only after a second (a loopback SYN retransmitted under the connection churn): not lost.
    assert.ok(report.delivered >= 2_000, `most requests were answered (${report.delivered})`);
  });
});
