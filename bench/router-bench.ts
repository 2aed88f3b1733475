/**
 * Router overhead: `router.generate()` and `router.stream()` against calling the same official SDK
 * client the router's providers use (the SDK's `OpenAI` through `leanOpenAIClass`, on `nodeFetch`)
 * directly on the same simulator, interleaved in one run so machine noise hits all alike. A plain
 * POST on the same fetch, without the SDK, shows what the SDK itself costs; the SDK's own client on
 * the default fetch and on `nodeFetch` show what the transport and the lean client save.
 *
 *   npx tsx bench/router-bench.ts [--requests 2000]
 */
import OpenAI from 'openai';
// The built package (`npm run build`), as users run it (see http-bench.ts).
import { leanOpenAIClass, nodeFetch, Router } from '../dist/index.js';
import { createOpenAISimulator } from '../dist/testing/index.js';

export interface RouterBenchRow {
  measure: string;
  /**
   * A plain POST on the keep-alive nodeFetch (undici's dispatcher), no SDK: the JSON parsed, or the stream read to its
   * first content.
   */
  plainMedianMs: number;
  /** The SDK with its default (undici) fetch. */
  directDefaultMedianMs: number;
  /** The SDK's own client on the same keep-alive nodeFetch (undici's dispatcher) the router's providers use. */
  directMedianMs: number;
  /** The lean client (`leanOpenAIClass`) on that fetch: what the router's providers use. */
  leanMedianMs: number;
  routerMedianMs: number;
  /** Router minus the lean client on the same transport: the router's own cost. */
  addedMedianMicroseconds: number;
  ratio: number;
  /**
   * With a baseline build: its router, measured in the same run (an earlier build's providers may use the SDK's own
   * client).
   */
  baselineMedianMs?: number;
  baselineAddedMedianMicroseconds?: number;
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
export async function runRouterBench(requests = 2000, BaselineRouter?: typeof Router): Promise<RouterBenchRow[]> {
  const simulator = createOpenAISimulator();
  const baseURL = `${await simulator.start()}/v1`;
  const defaultClient = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0 });
  const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0, fetch: nodeFetch });
  const LeanOpenAI = leanOpenAIClass(OpenAI);
  const leanClient = new LeanOpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0, fetch: nodeFetch });
  const router = new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-bench', baseURL } } });
  router.on('usage', () => undefined); // a billing hook is the common case: keep the event path warm
  const baseline = BaselineRouter
    ? new BaselineRouter({ providers: { openai: { type: 'openai', apiKey: 'sk-bench', baseURL } } })
    : undefined;
  baseline?.on('usage', () => undefined);
  const messages = [{ role: 'user' as const, content: 'Measure the overhead of the gateway please' }];

  const generateWith = (sdk: OpenAI) => () => sdk.chat.completions.create({ model: 'gpt-4o-mini', messages });
  const firstTokenWith = (sdk: OpenAI) => async () => {
    const started = process.hrtime.bigint();
    const stream = await sdk.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let first: number | undefined;
    for await (const chunk of stream)
      if (first === undefined && chunk.choices[0]?.delta?.content)
        first = Number(process.hrtime.bigint() - started) / 1e6;
    return first ?? 0;
  };
  const routedWith = (through: Router) => () =>
    through.generate({ model: 'openai/gpt-4o-mini', prompt: 'Measure the overhead of the gateway please' });
  const routedFirstTokenWith = (through: Router) => async () => {
    const started = process.hrtime.bigint();
    let first: number | undefined;
    for await (const _text of through.stream({
      model: 'openai/gpt-4o-mini',
      prompt: 'Measure the overhead of the gateway please',
    }))
      if (first === undefined) first = Number(process.hrtime.bigint() - started) / 1e6;
    return first ?? 0;
  };
  const plainPost = (stream: boolean) =>
    nodeFetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: JSON.stringify(
        stream
          ? { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } }
          : { model: 'gpt-4o-mini', messages },
      ),
    });
  const plain = async () => JSON.parse(await (await plainPost(false)).text()) as unknown;
  const plainFirstToken = async () => {
    const started = process.hrtime.bigint();
    const reader = (await plainPost(true)).body!.getReader();
    const decoder = new TextDecoder();
    let first: number | undefined;
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      if (first === undefined && /"content":"[^"]/.test(decoder.decode(part.value, { stream: true })))
        first = Number(process.hrtime.bigint() - started) / 1e6;
    }
    return first ?? 0;
  };
  const timed = (run: () => Promise<unknown>) => () => time(run);
  // Each measure: [plain POST, direct with the default fetch, direct with nodeFetch, lean client, through the router,
  // (through the baseline's router)].
  const generate = [
    timed(plain),
    timed(generateWith(defaultClient)),
    timed(generateWith(client)),
    timed(generateWith(leanClient)),
    timed(routedWith(router)),
  ];
  const firstToken = [
    plainFirstToken,
    firstTokenWith(defaultClient),
    firstTokenWith(client),
    firstTokenWith(leanClient),
    routedFirstTokenWith(router),
  ];
  if (baseline) {
    generate.push(timed(routedWith(baseline)));
    firstToken.push(routedFirstTokenWith(baseline));
  }
  for (let index = 0; index < 200; index += 1) for (const run of [...generate, ...firstToken]) await run(); // warm up
  const samples = { generate: generate.map(() => [] as number[]), firstToken: firstToken.map(() => [] as number[]) };
  for (let index = 0; index < requests; index += 1) {
    // Rotate which variant goes first, so none always runs on a warmer or colder moment.
    for (let offset = 0; offset < generate.length; offset += 1) {
      const variant = (index + offset) % generate.length;
      samples.generate[variant].push(await generate[variant]());
      samples.firstToken[variant].push(await firstToken[variant]());
    }
  }
  await simulator.close();
  await router.close();
  await baseline?.close();
  const row = (
    measure: string,
    [plainValues, directDefault, direct, lean, routedValues, baselineValues]: number[][],
  ): RouterBenchRow => {
    const directMedianMs = median(direct);
    const leanMedianMs = median(lean);
    const routerMedianMs = median(routedValues);
    const result: RouterBenchRow = {
      measure,
      plainMedianMs: median(plainValues),
      directDefaultMedianMs: median(directDefault),
      directMedianMs,
      leanMedianMs,
      routerMedianMs,
      addedMedianMicroseconds: Math.round((routerMedianMs - leanMedianMs) * 1000),
      ratio: routerMedianMs / leanMedianMs,
    };
    if (baselineValues) {
      result.baselineMedianMs = median(baselineValues);
      result.baselineAddedMedianMicroseconds = Math.round((result.baselineMedianMs - directMedianMs) * 1000);
    }
    return result;
  };
  return [row('generate: whole request', samples.generate), row('stream: time to first token', samples.firstToken)];
}

/**
 * The router's own code alone: `router.generate()` over an injected SDK client that answers at once
 * (no I/O, no SDK), in microseconds per call (mean of `iterations` after a warm-up). With a baseline
 * build, its router measured the same way, in alternating rounds.
 *
 * @example
 * ```ts
 * const { thisBuild } = await runRouterCodeBench(100_000);
 * ```
 */
export async function runRouterCodeBench(
  iterations = 100_000,
  BaselineRouter?: typeof Router,
): Promise<{ thisBuild: number; baseline?: number }> {
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
  const config = { providers: { openai: { type: 'openai' as const, apiKey: 'sk-bench', client } } };
  const routers = [new Router(config), ...(BaselineRouter ? [new BaselineRouter(config)] : [])];
  for (const router of routers) router.on('usage', () => undefined);
  const once = (router: Router) =>
    router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Measure the overhead of the gateway please' });
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
  const perCall = elapsed.map((microseconds) => microseconds / iterations);
  return BaselineRouter ? { thisBuild: perCall[0], baseline: perCall[1] } : { thisBuild: perCall[0] };
}

/** The rows as a markdown table; with a baseline, its router's figures in two more columns. */
export function routerBenchTable(rows: RouterBenchRow[], baselineLabel?: string): string {
  const baseline = baselineLabel !== undefined && rows.some((row) => row.baselineMedianMs !== undefined);
  const lines = [
    `| measure | plain POST, nodeFetch, no SDK | SDK direct, default fetch | SDK direct, nodeFetch | lean SDK client direct, nodeFetch | through the router | router's own cost (median, over the lean client) | ratio |${baseline ? ` through the router of ${baselineLabel} | added over SDK direct, nodeFetch |` : ''}`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${baseline ? ' ---: | ---: |' : ''}`,
  ];
  for (const row of rows) {
    const extra = baseline
      ? ` ${row.baselineMedianMs?.toFixed(3)} ms | ${row.baselineAddedMedianMicroseconds} µs |`
      : '';
    lines.push(
      `| ${row.measure} | ${row.plainMedianMs.toFixed(3)} ms | ${row.directDefaultMedianMs.toFixed(3)} ms | ${row.directMedianMs.toFixed(3)} ms | ${row.leanMedianMs.toFixed(3)} ms | ${row.routerMedianMs.toFixed(3)} ms | ${row.addedMedianMicroseconds} µs | ${row.ratio.toFixed(3)} |${extra}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--requests');
  const requests = at > 0 ? Number(process.argv[at + 1]) : 2000;
  const rows = await runRouterBench(requests);
  console.log(routerBenchTable(rows));
}
