/**
 * Hedged requests against a heavy tail: one offering whose time to first token is 100 ms (`--base-ms`), except
 * for 10% of requests that take 20x as long, and a healthy second offering (100 ms). Four routers side by side
 * in one run, each over its own pair of OpenAI simulators (so that each one's upstream load is counted
 * apart), their requests interleaved: no hedge, `hedge: { after: 'p95' }`, `'p90'`, and a fixed `after` of 1.5× the
 * healthy time to first token.
 * Reported: the time to first token the client sees (p50, p90, p99), and the extra upstream load (upstream
 * requests per client request, minus one).
 *
 *   npx tsup --silent && npx tsx bench/hedge.ts [--requests 300] [--concurrency 2] [--base-ms 100]
 */
import { ordered, Router, type HedgeOptions } from '../dist/index.js';
import { createOpenAISimulator } from '../dist/testing/index.js';

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const requests = argument('--requests', 300);
const concurrency = argument('--concurrency', 2);
const warmUp = 40;
/** The healthy time to first token; large against the machine's own noise (2 shared cores). */
const BASE_TTFT_MS = argument('--base-ms', 100);
const FIXED_HEDGE_MS = Math.round(BASE_TTFT_MS * 1.5);
const SLOW_SHARE = 0.1;
const SLOW_FACTOR = 20;

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * share) - 1))];
}

interface Target {
  label: string;
  router: Router;
  simulators: ReturnType<typeof createOpenAISimulator>[];
  ttfts: number[];
  cancelled: number;
}

async function target(label: string, hedge: HedgeOptions | undefined, seed: number): Promise<Target> {
  const tail = createOpenAISimulator({
    behaviour: {
      timeToFirstTokenMs: BASE_TTFT_MS,
      faults: [{ rate: SLOW_SHARE, fault: { type: 'slow', delayMs: (SLOW_FACTOR - 1) * BASE_TTFT_MS } }],
      random: seeded(seed),
    },
  });
  const healthy = createOpenAISimulator({ behaviour: { timeToFirstTokenMs: BASE_TTFT_MS } });
  const [tailURL, healthyURL] = await Promise.all([tail.start(), healthy.start()]);
  const router = new Router({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-bench-tail-0123456789', baseURL: `${tailURL}/v1` },
      'openai-eu': { type: 'openai', apiKey: 'sk-bench-healthy-0123456789', baseURL: `${healthyURL}/v1` },
    },
    catalog: {
      models: [
        {
          id: 'bench/hedged',
          name: 'Hedged',
          offerings: [
            { provider: 'openai', providerModelId: 'gpt-4o-mini', pricing: { input: '0.15', output: '0.60' } },
            { provider: 'openai-eu', providerModelId: 'gpt-4o-mini', pricing: { input: '0.15', output: '0.60' } },
          ],
        },
      ],
    },
    strategy: ordered(['openai', 'openai-eu']),
    retry: { maxRetries: 0 },
    hedge,
  });
  await router.ready();
  const result: Target = { label, router, simulators: [tail, healthy], ttfts: [], cancelled: 0 };
  router.on('attempt', (attempt) => {
    if (attempt.outcome === 'aborted') result.cancelled += 1;
  });
  return result;
}

/** One streamed request; the client's time to its first text (ms). */
async function once(router: Router, index: number): Promise<number> {
  const started = performance.now();
  const stream = router.stream({ model: 'bench/hedged', prompt: `Hello number ${index}`, maxOutputTokens: 16 });
  let first: number | undefined;
  for await (const part of stream.fullStream) {
    if (first === undefined && part.type === 'text-delta') first = performance.now() - started;
    if (part.type === 'error') throw part.error;
  }
  if (first === undefined) throw new Error('no text');
  return first;
}

const targets = [
  await target('no hedge', undefined, 7),
  await target("hedge after 'p95'", { after: 'p95' }, 7),
  await target("hedge after 'p90'", { after: 'p90' }, 7),
  await target(`hedge after ${FIXED_HEDGE_MS} ms`, { after: FIXED_HEDGE_MS }, 7),
];

// Warm-up (not measured): SDKs, connections, and the samples the adaptive deadline needs.
for (const each of targets) for (let index = 0; index < warmUp; index += 1) await once(each.router, index);
for (const each of targets) {
  for (const simulator of each.simulators) simulator.requests.length = 0;
  each.cancelled = 0;
}

// Every target runs `concurrency` lanes at once, all targets together, so that machine noise hits all alike.
let next = 0;
await Promise.all(
  targets.flatMap((each) =>
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const index = next++;
        if (index >= requests * targets.length) return;
        each.ttfts.push(await once(each.router, index));
        if (each.ttfts.length >= requests) return;
      }
    }),
  ),
);

console.log(
  `Node ${process.version}, ${requests} streamed requests per target (after ${warmUp} to warm up), ` +
    `${concurrency} at a time per target, ${new Date().toISOString()}\n`,
);
console.log(
  `First offering: time to first token ${BASE_TTFT_MS} ms, ${SLOW_SHARE * 100}% of requests ${SLOW_FACTOR}× slower ` +
    `(${SLOW_FACTOR * BASE_TTFT_MS} ms); second offering: ${BASE_TTFT_MS} ms.\n`,
);
console.log('| measure | ' + targets.map((each) => each.label).join(' | ') + ' |');
console.log('| --- |' + targets.map(() => ' ---: |').join(''));
const row = (name: string, cell: (each: Target) => string): void =>
  console.log(`| ${name} | ${targets.map(cell).join(' | ')} |`);
row('time to first token p50', (each) => `${percentile(each.ttfts, 0.5).toFixed(1)} ms`);
row('time to first token p90', (each) => `${percentile(each.ttfts, 0.9).toFixed(1)} ms`);
row('time to first token p99', (each) => `${percentile(each.ttfts, 0.99).toFixed(1)} ms`);
row('upstream requests', (each) => String(each.simulators.reduce((sum, sim) => sum + sim.requests.length, 0)));
row('extra upstream load', (each) => {
  const upstream = each.simulators.reduce((sum, sim) => sum + sim.requests.length, 0);
  return `${(((upstream - each.ttfts.length) / each.ttfts.length) * 100).toFixed(1)}%`;
});
row('attempts cancelled (losers, some before their request left)', (each) => String(each.cancelled));
row('upstream requests to the second offering', (each) => String(each.simulators[1].requests.length));

for (const each of targets) {
  await each.router.close();
  for (const simulator of each.simulators) await simulator.close();
}
