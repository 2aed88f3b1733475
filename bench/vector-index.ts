/**
 * The semantic cache's lookup: a search of one partition of the vector index, the embedding call excluded, at
 * 10,000 and 100,000 entries of 1,536 dimensions (the size of text-embedding-3-small): the exact in-memory
 * index beside the approximate one (usearch HNSW; i8 by default, f16, f32), in one run.
 *
 * The data looks like embeddings, not uniform noise: unit vectors around a shared mean direction, in clusters
 * (one per 100 entries; two entries of a cluster have a cosine of about 0.45, two random entries about 0.2),
 * and the queries are what a semantic cache sees on a near repeat: a stored vector plus a little noise (a
 * cosine of about 0.97 to it). Seeded, so every run and every index sees the same vectors.
 *
 * Per index: the time of `add` as the request path sees it (the approximate index only queues), the build (all
 * entries added and inserted into the graph), the longest event-loop block during the build, search p50/p99
 * (k = 1 for the approximate index; k = 10 for the exact one, whose answers are the truth), recall@1 and
 * recall@10 against the exact answers, and memory per 100,000 entries (JS heap + external, and resident set
 * growth, with a garbage collection before each reading; the native graph shows only in the resident set).
 *
 *   npx tsup --silent && node --expose-gc --import tsx bench/vector-index.ts [--queries 200] [--sizes 10000,100000] [--kinds exact,i8,f16,f32]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ApproximateVectorIndex, MemoryVectorIndex, type VectorIndex, type VectorMatch } from '../dist/index.js';

const DIMENSIONS = 1_536;
const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
const queries = Number(argument('--queries')) || 200;
const sizes = (argument('--sizes') ?? '10000,100000').split(',').map(Number);
const kindNames = (argument('--kinds') ?? 'exact,i8,f16,f32').split(',');

let seed = 20_261_202;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let mixed = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
  return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
}
const gaussian = (): number => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < vector.length; index += 1) vector[index] *= scale;
  return vector;
}

/** Entries in clusters around a shared mean direction, and near-repeat queries of stored entries. */
function dataset(size: number): { vectors: Float32Array[]; probes: Float32Array[] } {
  const mean = normalize(Float32Array.from({ length: DIMENSIONS }, gaussian));
  const clusters = Array.from({ length: Math.max(10, Math.round(size / 100)) }, () =>
    normalize(
      Float32Array.from({ length: DIMENSIONS }, (_, index) => gaussian() + mean[index] * Math.sqrt(DIMENSIONS)),
    ),
  );
  const vectors = Array.from({ length: size }, () => {
    const center = clusters[Math.floor(random() * clusters.length)];
    return normalize(Float32Array.from(center, (value) => value + gaussian() * 0.03));
  });
  const probes = Array.from({ length: queries }, () => {
    const stored = vectors[Math.floor(random() * size)];
    return normalize(Float32Array.from(stored, (value) => value + gaussian() * 0.006));
  });
  return { vectors, probes };
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))];
}

const gc = (globalThis as { gc?: () => void }).gc;
const memory = (): { heap: number; rss: number } => {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  // `external` includes the array buffers.
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
};
const mib = (bytes: number, size: number): string =>
  `${((bytes / size) * 100_000) / 1024 / 1024 >= 0 ? '' : '−'}${Math.abs(((bytes / size) * 100_000) / 1024 / 1024).toFixed(0)} MiB`;

const kinds: Record<string, { name: string; make: (size: number) => VectorIndex }> = {
  exact: { name: 'exact (MemoryVectorIndex)', make: (size) => new MemoryVectorIndex({ maxEntries: size }) },
  i8: { name: 'approximate i8 (default)', make: (size) => new ApproximateVectorIndex({ maxEntries: size }) },
  f16: {
    name: 'approximate f16',
    make: (size) => new ApproximateVectorIndex({ maxEntries: size, quantization: 'f16' }),
  },
  f32: {
    name: 'approximate f32',
    make: (size) => new ApproximateVectorIndex({ maxEntries: size, quantization: 'f32' }),
  },
};

console.log(
  `node ${process.version}, ${DIMENSIONS} dimensions, ${queries} near-repeat queries per row, ${new Date().toISOString()}`,
);
console.log(
  '| index | entries | `add` (request path) | build, per entry | longest event-loop block | search p50 | search p99 | recall@1 | recall@10 | heap+external per 100k | RSS per 100k |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const size of sizes) {
  const { vectors, probes } = dataset(size);
  let truth: VectorMatch[][] | undefined;
  // Every index of a size stays alive until the size is done, so that one's freed pages are not another's growth.
  const alive: VectorIndex[] = [];
  for (const kindName of kindNames) {
    const kind = kinds[kindName];
    const before = memory();
    const index = kind.make(size);
    if (index instanceof ApproximateVectorIndex) await index.ready();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const addTimes: number[] = [];
    const buildStart = performance.now();
    for (const [entry, vector] of vectors.entries()) {
      const start = performance.now();
      await index.add('partition', `e${entry}`, vector, Number.MAX_SAFE_INTEGER);
      addTimes.push(performance.now() - start);
      // Let the event loop turn now and then, as a server's would between requests.
      if (entry % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
    }
    if (index instanceof ApproximateVectorIndex) await index.flush();
    const buildMs = performance.now() - buildStart;
    delay.disable();
    const grown = memory();
    const k = kindName === 'exact' ? 10 : 1;
    const timings: number[] = [];
    const answers: VectorMatch[][] = [];
    for (const probe of probes) {
      const start = performance.now();
      answers.push(await index.search('partition', probe, k));
      timings.push(performance.now() - start);
    }
    const found: VectorMatch[][] = [];
    if (kindName === 'exact') truth = answers;
    else for (const probe of probes) found.push(await index.search('partition', probe, 10));
    let recallOne = 0;
    let recallTen = 0;
    for (const [at, answer] of (kindName === 'exact' ? answers : found).entries()) {
      const expected = truth?.[at] ?? [];
      if (answer[0]?.id === expected[0]?.id) recallOne += 1;
      const ids = new Set(answer.map((match) => match.id));
      recallTen += expected.filter((match) => ids.has(match.id)).length / Math.max(1, expected.length);
    }
    const recall = (value: number): string => (truth ? (value / probes.length).toFixed(3) : 'n/a');
    console.log(
      `| ${kind.name} | ${size.toLocaleString('en')} | ${(percentile(addTimes, 0.5) * 1000).toFixed(0)} µs p50, ${(percentile(addTimes, 0.99) * 1000).toFixed(0)} µs p99 | ${((buildMs / size) * 1000).toFixed(0)} µs | ${(delay.max / 1e6).toFixed(1)} ms | ${percentile(timings, 0.5).toFixed(3)} ms | ${percentile(timings, 0.99).toFixed(3)} ms | ${recall(recallOne)} | ${recall(recallTen)} | ${mib(grown.heap - before.heap, size)} | ${mib(grown.rss - before.rss, size)} |`,
    );
    alive.push(index);
  }
  for (const index of alive) await index.close();
}
