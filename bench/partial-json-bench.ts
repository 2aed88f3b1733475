/**
 * Partial JSON over a stream: a 27 KB object in 4-character deltas, parsed incrementally (one
 * {@link PartialJsonParser} across deltas) against reparsing the whole text on every delta.
 *
 *   npx tsx bench/partial-json-bench.ts
 */
import { PartialJsonParser } from '../src/core/partial-json.js';
import { parsePartialJson } from '../src/router/structured-output.js';

const items = Array.from({ length: 500 }, (_, index) => ({
  id: index,
  name: `item number ${index}`,
  tags: ['a', 'b'],
  score: index / 8,
}));
const document = JSON.stringify({ title: 'A long list', items });
const deltas: string[] = [];
for (let offset = 0; offset < document.length; offset += 4) deltas.push(document.slice(offset, offset + 4));

function cpuMilliseconds(body: () => number): { ms: number; partials: number } {
  const start = process.cpuUsage();
  const partials = body();
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, partials };
}

const incremental = cpuMilliseconds(() => {
  const parser = new PartialJsonParser();
  let partials = 0;
  for (const delta of deltas) {
    parser.append(delta);
    if (parser.takePartial() !== undefined) partials += 1;
  }
  parser.end();
  if (parser.changed) partials += 1;
  return partials;
});
const reparsing = cpuMilliseconds(() => {
  let text = '';
  let last = '';
  let partials = 0;
  for (const delta of deltas) {
    text += delta;
    const serialized = JSON.stringify(parsePartialJson(text));
    if (serialized !== last) {
      last = serialized;
      partials += 1;
    }
  }
  return partials;
});
console.log(`${(document.length / 1024).toFixed(1)} KB in ${deltas.length} deltas of 4 characters (CPU time):`);
console.log(`  incremental parser:       ${incremental.ms.toFixed(1)} ms, ${incremental.partials} partial objects`);
console.log(`  reparse on every delta:   ${reparsing.ms.toFixed(1)} ms, ${reparsing.partials} partial objects`);
