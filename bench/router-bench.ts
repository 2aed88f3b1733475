/**
 * Router overhead: `router.generate()` and `router.stream()` against calling the same official SDK
 * directly on the same simulator, interleaved in one run so machine noise hits both alike.
 *
 *   npx tsx bench/router-bench.ts [--requests 2000]
 */
import OpenAI from 'openai';
import { Router } from '../src/router.js';
import { createOpenAISimulator } from '../src/testing/openai-simulator.js';

export interface RouterBenchRow {
  measure: string;
  directMedianMs: number;
  routerMedianMs: number;
  addedMedianMicroseconds: number;
  ratio: number;
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

/** Runs the router benchmark and returns its rows. */
export async function runRouterBench(requests = 2000): Promise<RouterBenchRow[]> {
  const simulator = createOpenAISimulator();
  const baseURL = `${await simulator.start()}/v1`;
  const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0 });
  const router = new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-bench', baseURL } } });
  router.on('usage', () => undefined); // a billing hook is the common case: keep the event path warm
  const messages = [{ role: 'user' as const, content: 'Measure the overhead of the gateway please' }];

  const direct = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  const routed = () => router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Measure the overhead of the gateway please' });
  const directFirstToken = async () => {
    const started = process.hrtime.bigint();
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    let first: number | undefined;
    for await (const chunk of stream) if (first === undefined && chunk.choices[0]?.delta?.content) first = Number(process.hrtime.bigint() - started) / 1e6;
    return first ?? 0;
  };
  const routedFirstToken = async () => {
    const started = process.hrtime.bigint();
    let first: number | undefined;
    for await (const _text of router.stream({ model: 'openai/gpt-4o-mini', prompt: 'Measure the overhead of the gateway please' })) if (first === undefined) first = Number(process.hrtime.bigint() - started) / 1e6;
    return first ?? 0;
  };

  // Warm up both paths (JIT, keep-alive sockets, lazy SDK load).
  for (let index = 0; index < 200; index += 1) {
    await direct();
    await routed();
    await directFirstToken();
    await routedFirstToken();
  }
  const samples = { direct: [] as number[], routed: [] as number[], directTtft: [] as number[], routedTtft: [] as number[] };
  for (let index = 0; index < requests; index += 1) {
    // Alternate which goes first, so neither always runs on a warmer or colder moment.
    if (index % 2 === 0) {
      samples.direct.push(await time(direct));
      samples.routed.push(await time(routed));
      samples.directTtft.push(await directFirstToken());
      samples.routedTtft.push(await routedFirstToken());
    } else {
      samples.routed.push(await time(routed));
      samples.direct.push(await time(direct));
      samples.routedTtft.push(await routedFirstToken());
      samples.directTtft.push(await directFirstToken());
    }
  }
  await simulator.close();
  const row = (measure: string, directValues: number[], routedValues: number[]): RouterBenchRow => {
    const directMedianMs = median(directValues);
    const routerMedianMs = median(routedValues);
    return { measure, directMedianMs, routerMedianMs, addedMedianMicroseconds: Math.round((routerMedianMs - directMedianMs) * 1000), ratio: routerMedianMs / directMedianMs };
  };
  return [row('generate: whole request', samples.direct, samples.routed), row('stream: time to first token', samples.directTtft, samples.routedTtft)];
}

/** The rows as a markdown table. */
export function routerBenchTable(rows: RouterBenchRow[]): string {
  const lines = ['| measure | direct SDK median | through router median | added (median) | ratio |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const row of rows) lines.push(`| ${row.measure} | ${row.directMedianMs.toFixed(3)} ms | ${row.routerMedianMs.toFixed(3)} ms | ${row.addedMedianMicroseconds} µs | ${row.ratio.toFixed(3)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--requests');
  const requests = at > 0 ? Number(process.argv[at + 1]) : 2000;
  const rows = await runRouterBench(requests);
  console.log(routerBenchTable(rows));
}
