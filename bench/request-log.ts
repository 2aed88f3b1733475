/**
 * The request log's cost per request: the same router with `requestLog` off, on (the memory ring), and on
 * with `logContent: true`, measured in one run, interleaved, so that machine noise hits every variant alike.
 *
 * - The router's own code: `router.generate()` over an SDK client stub that answers at once (no I/O), in
 *   microseconds per call (as `runRouterCodeBench`).
 * - Against the OpenAI simulator on loopback: the median of a whole `generate`, and of a `stream` read to its end.
 *
 *   npx tsup --silent && npx tsx bench/request-log.ts [--requests 2000] [--iterations 100000]
 */
import { Router, type RouterConfig } from '../dist/index.js';
import { createOpenAISimulator } from '../dist/testing/index.js';

const VARIANTS: Array<{ name: string; requestLog: RouterConfig['requestLog'] }> = [
  { name: 'log off', requestLog: undefined },
  { name: 'log on (memory ring)', requestLog: true },
  { name: 'log on, logContent', requestLog: { logContent: true } },
];
const PROMPT = 'Measure the overhead of the request log please';

/** One row: a variant's figures. */
export interface RequestLogBenchRow {
  variant: string;
  /** The router's own code, µs per generate (stub client, no I/O). */
  codeMicroseconds: number;
  /** Against the simulator: median ms of a generate, and of a stream read to its end. */
  generateMedianMs: number;
  streamMedianMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The router's own code per generate, for each variant, in alternating rounds. */
async function codeBench(iterations: number): Promise<number[]> {
  const completion = {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 },
  };
  const client = { chat: { completions: { create: async () => ({ ...completion }) } } };
  const routers = VARIANTS.map(
    ({ requestLog }) =>
      new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-bench', client } }, requestLog }),
  );
  for (const router of routers) router.on('usage', () => undefined);
  const once = (router: Router) => router.generate({ model: 'openai/gpt-4o-mini', prompt: PROMPT });
  for (const router of routers) for (let index = 0; index < 20_000; index += 1) await once(router);
  const elapsed = routers.map(() => 0);
  const rounds = 4;
  for (let round = 0; round < rounds; round += 1) {
    for (const [at, router] of routers.entries()) {
      const started = process.hrtime.bigint();
      for (let index = 0; index < iterations / rounds; index += 1) await once(router);
      elapsed[at] += Number(process.hrtime.bigint() - started) / 1e3;
    }
  }
  for (const router of routers) await router.close();
  return elapsed.map((microseconds) => microseconds / iterations);
}

/** Generate and stream against the simulator, interleaved, for each variant. */
async function simulatorBench(requests: number): Promise<Array<{ generate: number; stream: number }>> {
  const simulator = createOpenAISimulator();
  const baseURL = `${await simulator.start()}/v1`;
  const routers = VARIANTS.map(
    ({ requestLog }) =>
      new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-bench', baseURL } }, requestLog }),
  );
  for (const router of routers) router.on('usage', () => undefined);
  await Promise.all(routers.map((router) => router.ready()));
  const generate = (router: Router) => () => router.generate({ model: 'openai/gpt-4o-mini', prompt: PROMPT });
  const stream = (router: Router) => async () => {
    for await (const _text of router.stream({ model: 'openai/gpt-4o-mini', prompt: PROMPT })) {
      /* read to the end */
    }
  };
  for (let index = 0; index < 200; index += 1)
    for (const router of routers) {
      await generate(router)();
      await stream(router)();
    }
  const samples = routers.map(() => ({ generate: [] as number[], stream: [] as number[] }));
  for (let index = 0; index < requests; index += 1) {
    for (let offset = 0; offset < routers.length; offset += 1) {
      const at = (index + offset) % routers.length;
      samples[at].generate.push(await time(generate(routers[at])));
      samples[at].stream.push(await time(stream(routers[at])));
    }
  }
  for (const router of routers) await router.close();
  await simulator.close();
  return samples.map((each) => ({ generate: median(each.generate), stream: median(each.stream) }));
}

/**
 * Runs the request log benchmark.
 *
 * @example
 * ```ts
 * console.log(requestLogBenchTable(await runRequestLogBench(2000)));
 * ```
 */
export async function runRequestLogBench(requests = 2000, iterations = 100_000): Promise<RequestLogBenchRow[]> {
  const code = await codeBench(iterations);
  const simulated = await simulatorBench(requests);
  return VARIANTS.map((variant, at) => ({
    variant: variant.name,
    codeMicroseconds: code[at],
    generateMedianMs: simulated[at].generate,
    streamMedianMs: simulated[at].stream,
  }));
}

/** The rows as a markdown table, each variant's cost beside the log-off one. */
export function requestLogBenchTable(rows: RequestLogBenchRow[]): string {
  const [off] = rows;
  const lines = [
    "| variant | router's own code per generate (stub client) | added | generate, simulator (median) | added | stream to its end, simulator (median) | added |",
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const added = (value: number, base: number, unit: 'µs' | 'ms') =>
    unit === 'µs' ? `${(value - base).toFixed(1)} µs` : `${Math.round((value - base) * 1000)} µs`;
  for (const row of rows) {
    lines.push(
      `| ${row.variant} | ${row.codeMicroseconds.toFixed(1)} µs | ${added(row.codeMicroseconds, off.codeMicroseconds, 'µs')} | ${row.generateMedianMs.toFixed(3)} ms | ${added(row.generateMedianMs, off.generateMedianMs, 'ms')} | ${row.streamMedianMs.toFixed(3)} ms | ${added(row.streamMedianMs, off.streamMedianMs, 'ms')} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--requests');
  const requests = at > 0 ? Number(process.argv[at + 1]) : 2000;
  const iterationsAt = process.argv.indexOf('--iterations');
  const iterations = iterationsAt > 0 ? Number(process.argv[iterationsAt + 1]) : 100_000;
  console.log(requestLogBenchTable(await runRequestLogBench(requests, iterations)));
}
