/**
 * `npm run chaos [-- --requests 10000 --concurrency 32 --seed 1 --attempt-timeout 5000]`: the long chaos run; prints
 * the report
 * as the markdown that goes into RELIABILITY.md, and exits non-zero when a promise did not hold.
 */
import { runChaos } from '../test/chaos/chaos-harness.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const options = {
  requests: option('requests', 10_000),
  concurrency: option('concurrency', 32),
  seed: option('seed', 1),
  attemptTimeoutMs: option('attempt-timeout', 5_000),
};
const report = await runChaos(options);
const checks: Array<[string, boolean, string]> = [
  [
    'success rate ≥ 99.9 % (streams cut after content excluded)',
    report.successRate >= 0.999,
    `${(report.successRate * 100).toFixed(3)} % (${report.succeeded} of ${report.requests - report.cutAfterContent}; ${report.cutAfterContent} cut after content, ${report.failed} failed)`,
  ],
  [
    'one usage event per billable attempt',
    report.duplicateUsageEvents === 0 &&
      report.countedUsageEvents === report.servedResponses &&
      report.estimatedUsageEvents >= report.droppedStreams &&
      report.estimatedUsageEvents <= report.droppedStreams + report.abortedStreams,
    `${report.countedUsageEvents} counted for ${report.servedResponses} responses served, ${report.estimatedUsageEvents} estimated for ${report.droppedStreams} streams dropped by the upstream and ${report.abortedStreams} aborted, ${report.duplicateUsageEvents} duplicates`,
  ],
  [
    'Σ tokens billed = Σ tokens served',
    report.billedTokens.input === report.servedTokens.input &&
      report.billedTokens.output === report.servedTokens.output,
    `input ${report.billedTokens.input} / ${report.servedTokens.input}, output ${report.billedTokens.output} / ${report.servedTokens.output}`,
  ],
  ['costs exact to the nano-dollar', report.costMismatches.length === 0, `${report.costMismatches.length} mismatches`],
  ['no socket left open', report.socketsLeftOpen === 0, `${report.socketsLeftOpen}`],
];
console.log(
  `Node ${process.version}, ${options.requests} requests at concurrency ${options.concurrency}, seed ${options.seed}, attempt timeout ${options.attemptTimeoutMs} ms, ${new Date().toISOString()}, ${(report.durationMs / 1000).toFixed(1)} s\n`,
);
console.log('| promise | held | measured |\n| --- | --- | --- |');
for (const [name, held, measured] of checks) console.log(`| ${name} | ${held ? 'yes' : '**no**'} | ${measured} |`);
console.log(
  `\nUpstream requests: ${Object.entries(report.upstream)
    .map(
      ([name, counts]) =>
        `${name} ${counts.requests} (${counts.faults} faults, ${counts.served} served, ${counts.counted} billed; ${counts.probes} background probes)`,
    )
    .join(', ')}. RSS ${report.rssBeforeMiB} MiB before, ${report.rssAfterMiB} MiB after.`,
);
console.log(
  `\nAttempts: ${Object.entries(report.attemptOutcomes)
    .sort()
    .map(([key, count]) => `${key}: ${count}`)
    .join(', ')}.`,
);
if (report.failures.length > 0)
  console.log(`\nFirst failures:\n${report.failures.map((failure) => `- ${failure}`).join('\n')}`);
if (report.costMismatches.length > 0)
  console.log(`\nCost mismatches:\n${report.costMismatches.map((line) => `- ${line}`).join('\n')}`);
process.exit(checks.every(([, held]) => held) ? 0 : 1);
