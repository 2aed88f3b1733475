/**
 * What telemetry adds to a request, against an OpenAI simulator on loopback, in one run (interleaved, so
 * that machine noise hits every measure alike):
 *
 * - `off`: `router.generate()` with no telemetry configured (nothing listens, no middleware).
 * - `Prometheus metrics on`: the same, with the `/metrics` collector listening to the router's events
 *   (what `metrics: true` in the handler config sets up).
 * - `OpenTelemetry on, no SDK`: `telemetry: { openTelemetry: true }` with no SDK registered (the API's no-op).
 * - `OpenTelemetry on, SDK`: spans to an in-memory exporter and metrics to a reader (the SDK's own cost too).
 * - `scrape`: rendering `/metrics` once the counters hold every request above.
 *
 *   npx tsup --silent && npx tsx bench/telemetry.ts [--requests 2000]
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { PrometheusMetrics, Router, type RouterConfig } from '../dist/index.js';
import { createOpenAISimulator } from '../dist/testing/index.js';

const at = process.argv.indexOf('--requests');
const requests = at > 0 ? Number(process.argv[at + 1]) : 2000;

class BenchMetricReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))];
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e3;
}

const simulator = createOpenAISimulator();
const baseURL = `${await simulator.start()}/v1`;
const providers: RouterConfig['providers'] = { openai: { apiKey: 'sk-bench', baseURL } };
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const meterProvider = new MeterProvider({ readers: [new BenchMetricReader()] });

const off = new Router({ providers });
const prometheus = new Router({ providers });
const metrics = new PrometheusMetrics(prometheus);
await metrics.ready();
const noSdk = new Router({ providers, telemetry: { openTelemetry: true } });
const sdk = new Router({
  providers,
  telemetry: {
    openTelemetry: { tracer: tracerProvider.getTracer('bench'), meter: meterProvider.getMeter('bench') },
  },
});
const routers: Array<[string, Router]> = [
  ['off', off],
  ['Prometheus metrics on', prometheus],
  ['OpenTelemetry on, no SDK registered', noSdk],
  ['OpenTelemetry on, SDK (in-memory exporter)', sdk],
];
for (const [, router] of routers) {
  router.on('usage', () => undefined); // as billing would: the usage event is built either way
  await router.ready();
}
const model = 'openai/gpt-4o-mini';
for (const [, router] of routers)
  for (let index = 0; index < 50; index += 1) await router.generate({ model, prompt: 'warm' });

const samples = new Map<string, number[]>(routers.map(([name]) => [name, []]));
for (let index = 0; index < requests; index += 1) {
  for (const [name, router] of routers) {
    samples.get(name)?.push(await time(() => router.generate({ model, prompt: `Measure telemetry ${index}` })));
  }
  if (index % 200 === 0) exporter.reset();
}
const scrapes: number[] = [];
for (let index = 0; index < 200; index += 1) scrapes.push(await time(() => metrics.render()));

const base = percentile(samples.get('off') ?? [], 0.5);
console.log(`Node ${process.version}, ${requests} requests per measure, ${new Date().toISOString()}\n`);
console.log('| measure | p50 µs | p99 µs | p50 added over off |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, values] of samples) {
  const median = percentile(values, 0.5);
  const added = name === 'off' ? '' : `${(median - base).toFixed(1)} µs`;
  console.log(`| ${name} | ${median.toFixed(1)} | ${percentile(values, 0.99).toFixed(1)} | ${added} |`);
}
console.log(
  `| scrape (\`/metrics\` rendered, ${requests} requests counted) | ${percentile(scrapes, 0.5).toFixed(1)} | ${percentile(scrapes, 0.99).toFixed(1)} | |`,
);
metrics.close();
for (const [, router] of routers) await router.close();
await tracerProvider.shutdown();
await meterProvider.shutdown();
await simulator.close();
