/**
 * `npm run bench`: every benchmark in one run, printed as the markdown that goes into BENCHMARKS.md.
 *
 *   npm run bench [-- --requests 2000] [--baseline DIR --baseline-label NAME]
 */
import {
  agentForBench,
  formatAttribution,
  formatHttpBench,
  formatProcessBench,
  loadBaseline,
  runHandlerOnlyBench,
  runHttpBench,
  runHttpBenchInProcesses,
} from './http-bench.js';
import { requestLogBenchTable, runRequestLogBench } from './request-log.js';
import { routerBenchTable, runRouterBench, runRouterCodeBench } from './router-bench.js';

const at = process.argv.indexOf('--requests');
const requests = at > 0 ? Number(process.argv[at + 1]) : 2000;
// `--baseline DIR [--baseline-label NAME]`: an earlier build (a checkout with `npm run build` done) measured beside
// this one.
const baselineAt = process.argv.indexOf('--baseline');
const labelAt = process.argv.indexOf('--baseline-label');
const baseline =
  baselineAt > 0
    ? await loadBaseline(process.argv[baselineAt + 1], labelAt > 0 ? process.argv[labelAt + 1] : 'baseline')
    : undefined;
console.log(`Node ${process.version}, ${requests} requests per measure, ${new Date().toISOString()}\n`);
console.log('## Router overhead (in-process)\n');
console.log(routerBenchTable(await runRouterBench(requests, baseline?.Router), baseline?.label));
const code = await runRouterCodeBench(100_000, baseline?.Router);
console.log(
  `\nThe router's own code, over an SDK client stub that answers at once (no I/O): ${code.thisBuild.toFixed(1)} µs per generate${code.baseline === undefined ? '' : ` (${baseline?.label}: ${code.baseline.toFixed(1)} µs)`}.`,
);
console.log('\n## Request log: off, on, on with logContent (in-process, interleaved)\n');
console.log(requestLogBenchTable(await runRequestLogBench(requests)));
console.log('\n## HTTP gateway, deployment shape: simulator, gateway and load generator in three processes\n');
console.log(
  formatProcessBench(
    await runHttpBenchInProcesses(
      requests,
      32,
      baseline ? { directory: process.argv[baselineAt + 1], label: baseline.label } : undefined,
    ),
  ),
);
console.log('\n## HTTP gateway (Express middleware), everything in one process and one event loop\n');
console.log(
  formatHttpBench(
    await runHttpBench(requests, 32, baseline),
    undefined,
    baseline ? ['this build', baseline.label] : undefined,
  ),
);
console.log('\n### Attribution: the HTTP layer alone (no router, no upstream call)\n');
console.log(formatAttribution(await runHandlerOnlyBench(requests)));
agentForBench.destroy();
