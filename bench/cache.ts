/**
 * The exact response cache: a hit's time against a miss, against an OpenAI simulator on loopback, in
 * one run (interleaved, so that machine noise hits every measure alike).
 *
 * - `miss (router → simulator)`: `router.generate()` of a new prompt each time: what a miss costs.
 * - `hit (router)`: `router.generate()` of a cached prompt, when the Router runs a middleware array (#12).
 * - `hit (middleware alone)`: the cache's `wrapGenerate` on a prepared run, `next` never called: key,
 *   lookup, parse and the result.
 * - `lookup alone`: the in-memory store's `getValue` of the same entry.
 * - `stream hit`, `embedMany hit (16 values)`: the same for a replayed stream and per-value embeddings.
 *
 * - Over HTTP (an OpenAI chat completion through `createGateway` on node:http, 32 requests at a time from an
 *   undici pool in the same process): requests per second when every request is a hit, against every
 *   request a miss (no-cache, no-store), with the simulator answering at once, after 50 ms and after 500 ms
 *   (a vendor's chat completion takes from some hundreds of milliseconds to seconds).
 *
 *   npx tsup --silent && npx tsx bench/cache.ts [--requests 2000]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request as httpRequest } from 'undici';
import {
  createGateway,
  normalizeRequest,
  responseCache,
  Router,
  type GenerateResult,
  type RequestMiddleware,
  type RequestRun,
  type RouterConfig,
} from '../dist/index.js';
import { createOpenAISimulator } from '../dist/testing/index.js';

const at = process.argv.indexOf('--requests');
const requests = at > 0 ? Number(process.argv[at + 1]) : 2000;

type MiddlewareConfig = RouterConfig & { middleware: RequestMiddleware[] };

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))];
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e3;
}

let counter = 0;
function makeRun(
  model: string,
  prompt: string,
  operation: RequestRun['operation'] = 'generate',
  values?: string[],
): RequestRun {
  counter += 1;
  const request = normalizeRequest({ model, prompt });
  return {
    requestId: `req_${counter}`,
    generationId: `gen_${counter}`,
    operation,
    streamed: operation === 'stream',
    model,
    request,
    values,
    account: { id: 'team_bench' },
    user: undefined,
    tags: [],
    metadata: {},
    byok: false,
    startTime: Date.now(),
    deadline: Date.now() + 60_000,
    attempts: [],
    abort: undefined,
  };
}

const simulator = createOpenAISimulator();
const baseURL = `${await simulator.start()}/v1`;
const cache = responseCache({ maxEntries: 100_000 });
const router = new Router({
  providers: { openai: { apiKey: 'sk-bench', baseURL } },
  middleware: [cache],
} as MiddlewareConfig);
router.on('usage', () => undefined);
await router.ready?.();
const model = 'openai/gpt-4o-mini';
const prompt = 'Measure what the response cache saves please';

// Does the router run its middleware array? (Before #12 it ignores it: hits are then measured on the middleware alone.)
const warm = await router.generate({ model, prompt });
const chain = warm.cache !== undefined;
// An entry to hit, made by the real router's answer (so that the hit replays a real result).
const seedRun = makeRun(model, prompt);
await cache.wrapGenerate!(seedRun, async () => warm);
const streamSeed = makeRun(model, `${prompt} (stream)`, 'stream');
const streamed = router.stream({ model, prompt: `${prompt} (stream)` });
const seeded = await cache.wrapStream!(streamSeed, async () => ({
  parts: streamed.fullStream,
  result: streamed.result,
}));
for await (const _part of seeded.parts);
await seeded.result;
const embedValues = Array.from({ length: 16 }, (_, index) => `value number ${index}`);
const embedSeed = makeRun('openai/text-embedding-3-small', '', 'embed', embedValues);
await cache.wrapEmbed!(embedSeed, () =>
  router.embedMany({ model: 'openai/text-embedding-3-small', values: embedValues }),
);
await new Promise((resolve) => setTimeout(resolve, 50));
const key = (await import('../dist/index.js')).languageKey(model, seedRun.request);

const samples: Record<string, number[]> = {
  miss: [],
  hitRouter: [],
  hitMiddleware: [],
  lookup: [],
  streamHit: [],
  embedHit: [],
};
const never = async (): Promise<GenerateResult> => {
  throw new Error('a hit never calls next');
};
for (let index = 0; index < requests; index += 1) {
  samples.miss.push(
    await time(() =>
      router.generate({
        model,
        prompt: `${prompt} ${index}`,
        providerOptions: { gateway: { cache: { noStore: true, skip: true } } },
      }),
    ),
  );
  if (chain)
    samples.hitRouter.push(await time(() => router.generate({ model, prompt, account: { id: 'team_bench' } })));
  // Runs are made outside the timing: the router makes one per request whether a cache is configured or not.
  const [generateRun, streamRun, embedRun] = [
    makeRun(model, prompt),
    makeRun(model, `${prompt} (stream)`, 'stream'),
    makeRun('openai/text-embedding-3-small', '', 'embed', embedValues),
  ];
  samples.hitMiddleware.push(await time(() => cache.wrapGenerate!(generateRun, never)));
  samples.lookup.push(await time(() => cache.store.getValue('cache:a:team_bench', key)));
  samples.streamHit.push(
    await time(async () => {
      const hit = await cache.wrapStream!(streamRun, never as never);
      for await (const _part of hit.parts);
      await hit.result;
    }),
  );
  samples.embedHit.push(await time(() => cache.wrapEmbed!(embedRun, never as never)));
}

const rows: Array<[string, number[]]> = [
  ['miss (router → simulator, cache skipped)', samples.miss],
  ...(chain ? ([['hit (router)', samples.hitRouter]] as Array<[string, number[]]>) : []),
  ['hit (middleware alone: key, lookup, parse, result)', samples.hitMiddleware],
  ['lookup alone (in-memory getValue)', samples.lookup],
  ['stream hit (middleware alone, parts read)', samples.streamHit],
  ['embedMany hit, 16 values (middleware alone)', samples.embedHit],
];
const missMedian = percentile(samples.miss, 0.5);
console.log(
  `Node ${process.version}, ${requests} requests per measure, ${new Date().toISOString()}; router middleware chain: ${chain ? 'yes' : 'no (before #12: hits measured on the middleware alone)'}\n`,
);
console.log('| measure | p50 µs | p99 µs | p50 speed-up over a miss |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, values] of rows) {
  const median = percentile(values, 0.5);
  console.log(
    `| ${name} | ${median.toFixed(1)} | ${percentile(values, 0.99).toFixed(1)} | ${(missMedian / median).toFixed(1)}× |`,
  );
}
const added = percentile(samples.hitMiddleware, 0.5) - percentile(samples.lookup, 0.5);
console.log(`\nA hit adds ${added.toFixed(1)} µs (p50) over the lookup itself (target: at most 20 µs).`);
await router.close();

/** Requests per second of `total` chat completions, `concurrency` at a time, over `origin`. */
async function throughput(origin: string, total: number, concurrency: number, miss: boolean): Promise<number> {
  const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: prompt }] });
  const headers = {
    'content-type': 'application/json',
    authorization: 'Bearer gw-bench-0123456789',
    ...(miss ? { 'cache-control': 'no-cache, no-store' } : {}),
  };
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const response = await httpRequest(`${origin}/v1/chat/completions`, {
          method: 'POST',
          headers,
          body,
          dispatcher,
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${text}`);
        if (response.headers['x-gateway-cache'] !== (miss ? 'skip' : 'hit'))
          throw new Error(`expected a ${miss ? 'skip' : 'hit'}, got ${String(response.headers['x-gateway-cache'])}`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await dispatcher.close();
  return total / seconds;
}

console.log('\nOver HTTP: `createGateway` on node:http, 32 requests at a time, one process (requests per second)\n');
console.log('| upstream latency | every request a miss | every request a hit | hit ÷ miss |');
console.log('| --- | ---: | ---: | ---: |');
for (const latencyMs of [0, 50, 500]) {
  simulator.configure({ latencyMs });
  const gateway = createGateway({
    providers: { openai: { apiKey: 'sk-bench', baseURL } },
    apiKeys: [{ key: 'gw-bench-0123456789', id: 'key_bench', account: 'team_bench' }],
    cache: true,
    logger: false,
  });
  await gateway.router.ready();
  const server = createServer((incoming, outgoing) => {
    if (!gateway.handler.handleNode(incoming, outgoing)) outgoing.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Enough requests for every connection to make several (a 500 ms miss takes 10 rounds of 32 in 5 s).
  const total = latencyMs === 0 ? requests : latencyMs <= 50 ? Math.min(requests, 1_000) : 320;
  await throughput(origin, 200, 32, true); // warm up, and store the entry the hits read
  const first = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer gw-bench-0123456789' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: prompt }] }),
  });
  await first.text();
  const rounds = { miss: [] as number[], hit: [] as number[] };
  for (let round = 0; round < 3; round += 1) {
    rounds.miss.push(await throughput(origin, total, 32, true));
    rounds.hit.push(await throughput(origin, total, 32, false));
  }
  const missRate = percentile(rounds.miss, 0.5);
  const hitRate = percentile(rounds.hit, 0.5);
  console.log(
    `| ${latencyMs} ms | ${missRate.toFixed(0)} | ${hitRate.toFixed(0)} | ${(hitRate / missRate).toFixed(1)}× |`,
  );
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gateway.close();
}
await simulator.close();
