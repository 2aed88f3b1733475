/**
 * HTTP gateway overhead: the Express middleware (handler → router → openai provider → simulator)
 * against calling the same OpenAI simulator directly, with the same keep-alive HTTP client, in one
 * run. Measures added latency (p50/p99) sequentially, throughput at concurrency 32, and the added
 * time to the first streamed content event (a `data:` event with text), as well as to the response's
 * first byte (its status line and headers). Prints a markdown table.
 *
 *   npx tsx bench/http-bench.ts [--requests 2000] [--concurrency 32]
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express from 'express';
// The built package (`npm run build`), as users run it: not the sources through tsx, whose transform adds
// work (kept function names) that the published build does not have.
import { createGatewayMiddleware } from '../dist/adapters/express.js';
import { Router, type GatewayRouter, type GenerateResult } from '../dist/index.js';
import { createOpenAISimulator } from '../dist/testing/index.js';

/**
 * One row of the benchmark table. @example
 * `{ measure: 'latency p50, sequential', direct: '0.150 ms', gateway: '0.600 ms', added: '0.450 ms' }`
 */
export interface HttpBenchRow {
  measure: string;
  direct: string;
  gateway: string;
  added: string;
  /** The same gateway with the provider SDK on the global (undici) fetch, measured in the same run. */
  before?: string;
  addedBefore?: string;
}

/**
 * An earlier build of switchyard to measure beside this one (`npm run bench -- --baseline DIR`, DIR
 * being a checkout with its own `npm run build`). DIR should use this checkout's `node_modules` (a
 * link): a second copy of the vendor SDKs in one process makes the same code measure slower.
 */
export interface BaselineBuild {
  label: string;
  Router: typeof Router;
  createGatewayMiddleware: typeof createGatewayMiddleware;
}

/**
 * Loads the build in `directory` (its `dist/`) as a {@link BaselineBuild}.
 *
 * @example
 * ```ts
 * const baseline = await loadBaseline('/tmp/switchyard-7b2aaac', '7b2aaac');
 * ```
 */
export async function loadBaseline(directory: string, label: string): Promise<BaselineBuild> {
  const root = pathToFileURL(`${directory.replace(/\/$/, '')}/dist/`);
  const main = (await import(new URL('index.js', root).href)) as { Router: typeof Router };
  const adapter = (await import(new URL('adapters/express.js', root).href)) as {
    createGatewayMiddleware: typeof createGatewayMiddleware;
  };
  return { label, Router: main.Router, createGatewayMiddleware: adapter.createGatewayMiddleware };
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
/** The keep-alive agent the benchmark client uses (destroy it when done). */
export const agentForBench = agent;

/** What one request measured, in ms from sending it. */
export interface RequestTimes {
  /** The response's status line and headers (parsed by the client). */
  firstByteMs: number;
  /** The first chunk with content: for a stream, the first event carrying text (not the role-only one). */
  firstContentMs: number;
  totalMs: number;
}

/** POSTs JSON; resolves with the time to the headers, to the first content chunk (stream) and to the end. */
function post(url: URL, body: string, headers: Record<string, string>, stream: boolean): Promise<RequestTimes> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstContentMs = -1;
    let firstByteMs = -1;
    const request = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (response) => {
        firstByteMs = performance.now() - started;
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode} from ${url.href}`));
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (firstContentMs < 0 && (!stream || (chunk.includes('"content":"') && !chunk.includes('"content":""'))))
            firstContentMs = performance.now() - started;
        });
        response.on('end', () => resolve({ firstByteMs, firstContentMs, totalMs: performance.now() - started }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function percentile(values: number[], quantile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))];
}

const ms = (value: number): string => `${value.toFixed(3)} ms`;

/** One way to send the benchmark request: `stream` asks for SSE. */
export type BenchTarget = (stream: boolean) => Promise<RequestTimes>;

/**
 * Raw samples of {@link measure}: per target, sequential latencies, times to first content and to the headers of
 * streams, throughput.
 */
export interface BenchSamples {
  sequential: number[][];
  firstByte: number[][];
  streamHeaders: number[][];
  requestsPerSecond: number[];
}

/**
 * Measures several targets side by side: warm-up, then sequential requests and streams interleaved
 * (rotating which target goes first so machine noise hits all alike), then throughput at a fixed
 * concurrency, in eight rounds of `requests` in which the targets take turns.
 *
 * @example
 * ```ts
 * const samples = await measure([direct, viaGateway], 2000, 32);
 * ```
 */
export async function measure(targets: BenchTarget[], requests: number, concurrency: number): Promise<BenchSamples> {
  for (let index = 0; index < 300; index += 1) for (const run of targets) await run(index % 2 === 0);
  const sequential = targets.map(() => [] as number[]);
  const firstByte = targets.map(() => [] as number[]);
  const streamHeaders = targets.map(() => [] as number[]);
  for (let index = 0; index < requests; index += 1) {
    for (let offset = 0; offset < targets.length; offset += 1) {
      const target = (index + offset) % targets.length;
      sequential[target].push((await targets[target](false)).totalMs);
    }
  }
  for (let index = 0; index < Math.max(200, requests / 4); index += 1) {
    for (let offset = 0; offset < targets.length; offset += 1) {
      const target = (index + offset) % targets.length;
      const times = await targets[target](true);
      firstByte[target].push(times.firstContentMs);
      streamHeaders[target].push(times.firstByteMs);
    }
  }
  // Throughput in rounds, the targets taking turns (rotating who goes first), so a slow or fast spell
  // of this shared machine lands on every target alike rather than on whichever ran during it.
  // Eight rounds of `requests` each: short bursts let a JIT or GC spell decide the figure.
  const rounds = 8;
  const perRound = Math.max(concurrency, requests);
  const elapsedMs = targets.map(() => 0);
  const burst = async (run: BenchTarget): Promise<number> => {
    let remaining = perRound;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (remaining > 0) {
          remaining -= 1;
          await run(false);
        }
      }),
    );
    return performance.now() - started;
  };
  for (let round = 0; round < rounds; round += 1) {
    for (let offset = 0; offset < targets.length; offset += 1) {
      const target = (round + offset) % targets.length;
      elapsedMs[target] += await burst(targets[target]);
    }
  }
  const requestsPerSecond = elapsedMs.map((elapsed) => (perRound * rounds) / (elapsed / 1000));
  return { sequential, firstByte, streamHeaders, requestsPerSecond };
}

/** Table rows from samples of [direct, gateway] or [direct, gateway, gateway before]. */
function rowsOf(samples: BenchSamples, concurrency: number): HttpBenchRow[] {
  const row = (measureName: string, values: number[]): HttpBenchRow => ({
    measure: measureName,
    direct: ms(values[0]),
    gateway: ms(values[1]),
    added: ms(values[1] - values[0]),
    ...(values.length > 2 ? { before: ms(values[2]), addedBefore: ms(values[2] - values[0]) } : {}),
  });
  const at = (values: number[][], quantile: number): number[] => values.map((list) => percentile(list, quantile));
  const rps = samples.requestsPerSecond;
  const share = (value: number): string => `${((value / rps[0]) * 100).toFixed(1)} % of direct`;
  return [
    row('latency p50, sequential', at(samples.sequential, 0.5)),
    row('latency p99, sequential', at(samples.sequential, 0.99)),
    row('time to first streamed content p50', at(samples.firstByte, 0.5)),
    row('time to first streamed content p99', at(samples.firstByte, 0.99)),
    {
      measure: `throughput, concurrency ${concurrency}`,
      direct: `${rps[0].toFixed(0)} req/s`,
      gateway: `${rps[1].toFixed(0)} req/s`,
      added: share(rps[1]),
      ...(rps.length > 2 ? { before: `${rps[2].toFixed(0)} req/s`, addedBefore: share(rps[2]) } : {}),
    },
  ];
}

/** A table of several gateways beside the direct call: a column and an "added" column per gateway. */
export interface ProcessBenchTable {
  columns: string[];
  rows: Array<{ measure: string; direct: string; cells: string[] }>;
}

/**
 * The deployment shape: the simulator (the "vendor") and the gateway each in a process of their own,
 * the load generator in this one (a client outside the gateway, as users' clients are). Direct = load
 * generator → simulator; gateway = load generator → gateway → simulator, with the gateway mounted two
 * ways (a process each, measured in turns): as Express middleware, and as a `node:http` listener in
 * front of an Express app. With `baseline` (a directory holding another build), that build runs the
 * same two ways beside this one, all measured interleaved in one run.
 *
 * @example
 * ```ts
 * const table = await runHttpBenchInProcesses(2000, 32, { directory: '/tmp/switchyard-eb4afcc', label: 'eb4afcc' });
 * ```
 */
export async function runHttpBenchInProcesses(
  requests = 2000,
  concurrency = 32,
  baseline?: { directory: string; label: string },
): Promise<ProcessBenchTable> {
  const simulator = await startChild('bench/fixtures/simulator-process.ts', []);
  const gateways: Array<{ name: string; child: { process: ChildProcess; url: string } }> = [];
  const builds = baseline ? [{ label: 'this build' }, { label: baseline.label, directory: baseline.directory }] : [{}];
  try {
    for (const mount of ['Express middleware', 'node:http listener in front of Express']) {
      for (const build of builds) {
        const args = [simulator.url, mount === 'Express middleware' ? 'express' : 'front'];
        if ('directory' in build && build.directory) args.push(build.directory);
        const label = 'label' in build ? `, ${build.label}` : '';
        gateways.push({ name: `${mount}${label}`, child: await startChild('bench/fixtures/gateway-process.ts', args) });
      }
    }
    const messages = [{ role: 'user', content: 'Measure the overhead of the gateway please' }];
    const direct: BenchTarget = (stream) =>
      post(
        new URL(`${simulator.url}/v1/chat/completions`),
        JSON.stringify({ model: 'gpt-4o-mini', messages, stream }),
        { authorization: 'Bearer sk-bench-000000' },
        stream,
      );
    const via =
      (url: string): BenchTarget =>
      (stream) =>
        post(
          new URL(`${url}/v1/chat/completions`),
          JSON.stringify({ model: 'openai/gpt-4o-mini', messages, stream }),
          { authorization: 'Bearer gw-bench-key-0001' },
          stream,
        );
    const samples = await measure(
      [direct, ...gateways.map((gateway) => via(gateway.child.url))],
      requests,
      concurrency,
    );
    const at = (values: number[][], quantile: number): number[] => values.map((list) => percentile(list, quantile));
    const row = (measureName: string, values: number[]) => ({
      measure: measureName,
      direct: ms(values[0]),
      cells: values.slice(1).flatMap((value) => [ms(value), ms(value - values[0])]),
    });
    // Per stream, the time from the headers to the first content event: 0 when they came in one read.
    const gap = samples.firstByte.map((list, target) =>
      list.map((content, index) => content - samples.streamHeaders[target][index]),
    );
    const rps = samples.requestsPerSecond;
    return {
      columns: gateways.map((gateway) => gateway.name),
      rows: [
        row('latency p50, sequential', at(samples.sequential, 0.5)),
        row('latency p99, sequential', at(samples.sequential, 0.99)),
        row('time to first streamed content p50', at(samples.firstByte, 0.5)),
        row('time to first streamed content p99', at(samples.firstByte, 0.99)),
        row("time to the stream's headers p50", at(samples.streamHeaders, 0.5)),
        row('headers to first content p50', at(gap, 0.5)),
        {
          measure: `throughput, concurrency ${concurrency}`,
          direct: `${rps[0].toFixed(0)} req/s`,
          cells: rps
            .slice(1)
            .flatMap((value) => [`${value.toFixed(0)} req/s`, `${((value / rps[0]) * 100).toFixed(1)} % of direct`]),
        },
      ],
    };
  } finally {
    for (const gateway of gateways) gateway.child.process.kill();
    simulator.process.kill();
  }
}

/**
 * A {@link ProcessBenchTable} as markdown.
 *
 * @example
 * ```ts
 * console.log(formatProcessBench(await runHttpBenchInProcesses()));
 * ```
 */
export function formatProcessBench(table: ProcessBenchTable): string {
  return [
    `| measure | direct to simulator | ${table.columns.map((name) => `${name} | added`).join(' | ')} |`,
    `| --- | ---: | ${table.columns.map(() => '---: | ---:').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.measure} | ${row.direct} | ${row.cells.join(' | ')} |`),
  ].join('\n');
}

async function startChild(script: string, args: string[]): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /^listening (http:\/\/\S+)$/m.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  return { process: child, url };
}

/**
 * Runs the benchmark and returns its rows.
 *
 * @example
 * ```ts
 * const rows = await runHttpBench(500, 32);
 * ```
 */
export async function runHttpBench(
  requests = 2000,
  concurrency = 32,
  baseline?: BaselineBuild,
): Promise<HttpBenchRow[]> {
  const simulator = createOpenAISimulator();
  const simulatorURL = await simulator.start();
  // Two gateways side by side: this build, and either an earlier build (`--baseline`) or this build
  // with the provider's SDK on the global (undici) fetch instead of switchyard's nodeFetch.
  const startGateway = async (build: BaselineBuild, clientOptions: Record<string, unknown>) => {
    const router = new build.Router({
      providers: {
        openai: { type: 'openai', apiKey: 'sk-bench-000000', baseURL: `${simulatorURL}/v1`, clientOptions },
      },
    });
    router.on('usage', () => undefined);
    const app = express();
    app.use(
      build.createGatewayMiddleware({
        router,
        apiKeys: [{ key: 'gw-bench-key-0001', id: 'bench', account: 'bench' }],
        logger: false,
      }),
    );
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return {
      router,
      server,
      url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`),
    };
  };
  const current: BaselineBuild = { label: 'this build', Router, createGatewayMiddleware };
  const gateways = [
    await startGateway(current, {}),
    baseline ? await startGateway(baseline, {}) : await startGateway(current, { fetch: globalThis.fetch }),
  ];
  const directURL = new URL(`${simulatorURL}/v1/chat/completions`);
  const messages = [{ role: 'user', content: 'Measure the overhead of the gateway please' }];
  const directBody = (stream: boolean) => JSON.stringify({ model: 'gpt-4o-mini', messages, stream });
  const gatewayBody = (stream: boolean) => JSON.stringify({ model: 'openai/gpt-4o-mini', messages, stream });
  const gatewayHeaders = { authorization: 'Bearer gw-bench-key-0001' };
  const direct = (stream: boolean) =>
    post(directURL, directBody(stream), { authorization: 'Bearer sk-bench-000000' }, stream);
  const via = (index: number) => (stream: boolean) =>
    post(gateways[index].url, gatewayBody(stream), gatewayHeaders, stream);
  const variants = [direct, via(0), via(1)];

  try {
    return rowsOf(await measure(variants, requests, concurrency), concurrency);
  } finally {
    for (const gateway of gateways) {
      gateway.server.closeAllConnections();
      await new Promise<void>((resolve) => gateway.server.close(() => resolve()));
      await gateway.router.close();
    }
    await simulator.close();
  }
}

/** A canned result, for measuring the HTTP layer without any upstream. */
const CANNED: GenerateResult = {
  requestId: 'req_bench',
  generationId: 'gen_bench',
  model: 'openai/gpt-4o-mini',
  provider: 'openai',
  providerType: 'openai',
  providerModelId: 'gpt-4o-mini',
  credentialType: 'system',
  text: 'You said: Measure the overhead of the gateway please',
  reasoningText: undefined,
  content: [{ type: 'text', text: 'You said: Measure the overhead of the gateway please' }],
  toolCalls: [],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: {
    inputTokens: { total: 9, noCache: 9, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 9, text: 9, reasoning: 0 },
  },
  cost: { input: 1350, output: 5400, cacheRead: 0, cacheWrite: 0, total: 6750 },
  attempts: [
    {
      provider: 'openai',
      providerType: 'openai',
      providerModelId: 'gpt-4o-mini',
      model: 'openai/gpt-4o-mini',
      outcome: 'success',
      status: 200,
      latencyMs: 1,
      credentialType: 'system',
      startTime: 0,
      endTime: 1,
    },
  ],
  warnings: [],
  providerMetadata: undefined,
  responseId: 'chatcmpl-bench',
  latencyMs: 1,
};

/** One row of the HTTP-layer attribution: a bare server, Express alone, Express with the gateway handler. */
export interface AttributionRow {
  measure: string;
  bareMs: number;
  expressMs: number;
  gatewayMs: number;
}

/**
 * Attribution: the HTTP layer alone, three servers side by side. A bare node:http server that parses
 * the body and sends a JSON answer of the gateway's size; Express with a middleware doing just that;
 * and the gateway's Express middleware over a stub router that answers at once.
 *
 * @example
 * ```ts
 * const rows = await runHandlerOnlyBench(2000);
 * ```
 */
export async function runHandlerOnlyBench(requests = 2000): Promise<AttributionRow[]> {
  const real = new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-bench-000000' } } });
  const stub: GatewayRouter = {
    catalog: real.catalog,
    health: real.health,
    providerNames: () => ['openai'],
    generate: async () => CANNED,
    stream: (request) => real.stream(request),
    embedMany: (request) => real.embedMany(request),
  };
  const app = express();
  app.use(
    createGatewayMiddleware({
      router: stub,
      apiKeys: [{ key: 'gw-bench-key-0001', id: 'bench', account: 'bench' }],
      logger: false,
    }),
  );
  let answer = ''; // the gateway's own answer to the request (fetched below), so all three send the same bytes
  const answerJson = (request: IncomingMessage, response: ServerResponse): void => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      JSON.parse(text);
      response
        .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) })
        .end(answer);
    });
  };
  const expressAlone = express();
  expressAlone.use(answerJson);
  const servers = [createServer(answerJson), createServer(expressAlone), createServer(app)];
  for (const server of servers) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const urls = servers.map(
    (server) => new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`),
  );
  const body = JSON.stringify({
    model: 'openai/gpt-4o-mini',
    messages: [{ role: 'user', content: 'Measure the overhead of the gateway please' }],
  });
  const headers = { authorization: 'Bearer gw-bench-key-0001' };
  const samples = servers.map(() => [] as number[]);
  answer = await (
    await fetch(urls[2], { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  ).text();
  try {
    for (let index = 0; index < requests + 500; index += 1) {
      for (let offset = 0; offset < servers.length; offset += 1) {
        const target = (index + offset) % servers.length;
        const totalMs = (await post(urls[target], body, headers, false)).totalMs;
        if (index >= 500) samples[target].push(totalMs);
      }
    }
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await real.close();
  }
  const row = (measure: string, quantile: number): AttributionRow => ({
    measure,
    bareMs: percentile(samples[0], quantile),
    expressMs: percentile(samples[1], quantile),
    gatewayMs: percentile(samples[2], quantile),
  });
  return [row('p50', 0.5), row('p99', 0.99)];
}

/**
 * The attribution rows as a markdown table.
 *
 * @example
 * ```ts
 * console.log(formatAttribution(await runHandlerOnlyBench()));
 * ```
 */
export function formatAttribution(rows: AttributionRow[]): string {
  return [
    '| measure | bare node:http JSON server | Express, same JSON answer | Express + gateway handler, stub router | Express adds | the gateway handler adds |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| HTTP layer only, ${row.measure} | ${ms(row.bareMs)} | ${ms(row.expressMs)} | ${ms(row.gatewayMs)} | ${ms(row.expressMs - row.bareMs)} | ${ms(row.gatewayMs - row.expressMs)} |`,
    ),
  ].join('\n');
}

/**
 * The rows as a markdown table.
 *
 * @example
 * ```ts
 * console.log(formatHttpBench(await runHttpBench()));
 * ```
 */
export function formatHttpBench(
  rows: HttpBenchRow[],
  columns: [string, string] = ['direct to simulator', 'through Express gateway'],
  labels: [string, string] = ['SDK on nodeFetch', 'SDK on the global fetch'],
): string {
  if (rows.some((row) => row.before !== undefined)) {
    return [
      `| measure | ${columns[0]} | ${columns[1]} (${labels[0]}) | added | ${columns[1]} (${labels[1]}) | added (${labels[1]}) |`,
      '| --- | --- | --- | --- | --- | --- |',
      ...rows.map(
        (row) =>
          `| ${row.measure} | ${row.direct} | ${row.gateway} | ${row.added} | ${row.before ?? ''} | ${row.addedBefore ?? ''} |`,
      ),
    ].join('\n');
  }
  return [
    `| measure | ${columns[0]} | ${columns[1]} | added |`,
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.measure} | ${row.direct} | ${row.gateway} | ${row.added} |`),
  ].join('\n');
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (invokedDirectly) {
  const argument = (name: string, fallback: number): number => {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? Number(process.argv[index + 1]) : fallback;
  };
  const rows = await runHttpBench(argument('requests', 2000), argument('concurrency', 32));
  const attribution = await runHandlerOnlyBench(argument('requests', 2000));
  agent.destroy();
  console.log(`HTTP gateway benchmark (Node ${process.version}, ${argument('requests', 2000)} requests per measure)\n`);
  console.log(formatHttpBench(rows));
  console.log('\nAttribution: the HTTP layer alone (no router, no upstream call)\n');
  console.log(formatAttribution(attribution));
}
