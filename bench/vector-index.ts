/**
 * The semantic cache's lookup: a search of one partition of the vector index, the embedding call excluded,
 * at 1,000, 10,000 and 100,000 entries of 1,536 dimensions (the size of text-embedding-3-small): the exact
 * in-memory index beside the approximate one (usearch HNSW, f32 and f16), in one run; p50 and p99 over
 * random queries, the time to add the entries, and the memory each size takes (heap and array buffers for the
 * exact index, resident set growth for the native one).
 *
 *   npx tsup --silent && node --expose-gc --import tsx bench/vector-index.ts [--queries 200] [--sizes 1000,10000,100000]
 */
import { ApproximateVectorIndex, MemoryVectorIndex, type VectorIndex } from '../dist/index.js';

const DIMENSIONS = 1_536;
const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
const queries = Number(argument('--queries')) || 200;
const sizes = (argument('--sizes') ?? '1000,10000,100000').split(',').map(Number);

function randomVector(): Float32Array {
  const vector = new Float32Array(DIMENSIONS);
  for (let index = 0; index < DIMENSIONS; index += 1) vector[index] = Math.random() - 0.5;
  return vector;
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))];
}

const gc = (globalThis as { gc?: () => void }).gc;
const memory = (): number => {
  gc?.();
  const usage = process.memoryUsage();
  return usage.rss;
};

const kinds: Array<{ name: string; make: (size: number) => VectorIndex }> = [
  { name: 'exact (MemoryVectorIndex)', make: (size) => new MemoryVectorIndex({ maxEntries: size }) },
  { name: 'approximate f32 (usearch)', make: (size) => new ApproximateVectorIndex({ maxEntries: size }) },
  {
    name: 'approximate f16 (usearch)',
    make: (size) => new ApproximateVectorIndex({ maxEntries: size, quantization: 'f16' }),
  },
];

console.log(`node ${process.version}, ${DIMENSIONS} dimensions, ${queries} queries per row`);
console.log('| index | entries | add, per entry | search p50 | search p99 | memory per 100k entries |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const size of sizes) {
  const vectors = Array.from({ length: size }, randomVector);
  const probes = Array.from({ length: queries }, randomVector);
  for (const kind of kinds) {
    const before = memory();
    const index = kind.make(size);
    const addStart = process.hrtime.bigint();
    for (const [entry, vector] of vectors.entries())
      await index.add('partition', `e${entry}`, vector, Number.MAX_SAFE_INTEGER);
    const addMs = Number(process.hrtime.bigint() - addStart) / 1e6;
    const grown = memory() - before;
    const timings: number[] = [];
    for (const probe of probes) {
      const start = process.hrtime.bigint();
      await index.search('partition', probe, 1);
      timings.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const per100k = ((grown / size) * 100_000) / 1024 / 1024;
    console.log(
      `| ${kind.name} | ${size.toLocaleString('en')} | ${((addMs / size) * 1000).toFixed(0)} µs | ${percentile(timings, 0.5).toFixed(3)} ms | ${percentile(timings, 0.99).toFixed(3)} ms | ${per100k.toFixed(0)} MiB |`,
    );
    await index.close();
  }
}
