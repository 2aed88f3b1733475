/**
 * Guardrails cost: every built-in detector (PII, secrets, prompt-injection heuristics) over a 4 KB and a
 * 64 KB prompt in the input phase, beside the same middleware with no guardrail configured and a run
 * without the middleware, interleaved in one run; and a guarded stream's added time to its first text and
 * to its end, against the same stream unguarded.
 *
 *   npx tsup --silent && npx tsx bench/guardrails.ts [--rounds 15]
 */
import {
  guardrails,
  type PipelineStream,
  type RequestMiddleware,
  type RequestRun,
  type StreamPart,
} from '../dist/index.js';

const ALL_DETECTORS = ['pii', 'secrets', 'prompt-injection'] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const SENTENCES = [
  'The quarterly report covers revenue, churn and the hiring plan for the next two quarters.',
  'Please summarise the attached notes and list the open questions for the team meeting on Friday.',
  'Our build takes 14 minutes on average; the slowest step is the integration suite at 6 minutes.',
  'Customer feedback mentions the new dashboard, the export button and slow search results.',
  'Version 2.4.1 fixed the login loop; 2.4.2 will ship the date picker and 3 smaller fixes.',
  'Contact the on-call engineer at oncall@example.com or +1 415-555-2671 if the deploy fails.',
];

/**
 * A prompt of about `bytes` characters of prose with a little PII in it (an e-mail and a phone per ~550 characters).
 */
function prompt(bytes: number): string {
  let text = '';
  for (let index = 0; text.length < bytes; index += 1) text += `${SENTENCES[index % SENTENCES.length]} `;
  return text.slice(0, bytes);
}

function runFor(text: string, streamed = false): RequestRun {
  return {
    requestId: 'req_bench',
    generationId: 'gen_bench',
    operation: streamed ? 'stream' : 'generate',
    streamed,
    model: 'openai/gpt-4o',
    request: {
      model: 'openai/gpt-4o',
      prompt: [{ role: 'user', content: [{ type: 'text', text }] }],
      tags: [],
      metadata: {},
    },
    values: undefined,
    account: undefined,
    user: undefined,
    tags: [],
    metadata: {},
    byok: false,
    startTime: 0,
    deadline: Number.MAX_SAFE_INTEGER,
    attempts: [],
    abort: undefined,
  };
}

interface Variant {
  name: string;
  middleware: RequestMiddleware | undefined;
}

async function inputRound(variant: Variant, text: string, iterations: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index += 1) {
    const run = runFor(text);
    await variant.middleware?.transformRequest?.(run);
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / iterations;
}

function streamOf(deltas: readonly string[]): PipelineStream {
  const parts: StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    ...deltas.map((delta): StreamPart => ({ type: 'text-delta', id: 't', delta })),
    { type: 'text-end', id: 't' },
  ];
  return {
    parts: (async function* () {
      yield* parts;
    })(),
    result: new Promise(() => undefined),
  };
}

async function streamRound(
  middleware: RequestMiddleware | undefined,
  deltas: readonly string[],
  iterations: number,
): Promise<{ first: number; total: number }> {
  let first = 0;
  let total = 0;
  for (let index = 0; index < iterations; index += 1) {
    const run = runFor('hello', true);
    const started = process.hrtime.bigint();
    await middleware?.transformRequest?.(run);
    const stream = middleware?.wrapStream
      ? await middleware.wrapStream(run, async () => streamOf(deltas))
      : streamOf(deltas);
    let seen = false;
    for await (const part of stream.parts) {
      if (!seen && part.type === 'text-delta') {
        seen = true;
        first += Number(process.hrtime.bigint() - started) / 1e3;
      }
    }
    total += Number(process.hrtime.bigint() - started) / 1e3;
  }
  return { first: first / iterations, total: total / iterations };
}

async function main(): Promise<void> {
  const roundsFlag = process.argv.indexOf('--rounds');
  const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 15;
  const variants: Variant[] = [
    { name: 'no middleware', middleware: undefined },
    { name: 'guardrails, none configured', middleware: guardrails({}) },
    {
      name: 'all detectors, warn',
      middleware: guardrails({ guardrails: [{ name: 'all', detectors: ALL_DETECTORS, action: 'warn' }] }),
    },
    {
      name: 'all detectors, redact',
      middleware: guardrails({ guardrails: [{ name: 'all', detectors: ALL_DETECTORS, action: 'redact' }] }),
    },
  ];
  console.log(`guardrails bench, ${rounds} rounds, node ${process.version}\n`);
  console.log('| prompt | variant | median µs per request | added µs vs no middleware | fastest round µs |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const size of [4 * 1024, 64 * 1024]) {
    const text = prompt(size);
    const iterations = size > 8192 ? 40 : 400;
    const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
    for (const variant of variants) await inputRound(variant, text, iterations); // warm-up
    for (let round = 0; round < rounds; round += 1) {
      for (const variant of variants) samples.get(variant.name)?.push(await inputRound(variant, text, iterations));
    }
    const base = median(samples.get('no middleware') ?? []);
    for (const variant of variants) {
      const value = median(samples.get(variant.name) ?? []);
      const fastest = Math.min(...(samples.get(variant.name) ?? []));
      console.log(
        `| ${size / 1024} KB | ${variant.name} | ${value.toFixed(1)} | ${(value - base).toFixed(1)} | ${fastest.toFixed(1)} |`,
      );
    }
  }

  // A 4 KB answer in 5-character deltas (about a token each).
  const answer = prompt(4 * 1024);
  const deltas = answer.match(/[\s\S]{1,5}/g) ?? [];
  const streamVariants: Array<[string, RequestMiddleware | undefined]> = [
    ['unguarded', undefined],
    [
      'all detectors on the output, redact',
      guardrails({ guardrails: [{ name: 'all', detectors: ALL_DETECTORS, action: 'redact', phases: ['output'] }] }),
    ],
  ];
  const firsts = new Map<string, number[]>();
  const totals = new Map<string, number[]>();
  for (const [name, middleware] of streamVariants) await streamRound(middleware, deltas, 20);
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, middleware] of streamVariants) {
      const { first, total } = await streamRound(middleware, deltas, 20);
      firsts.set(name, [...(firsts.get(name) ?? []), first]);
      totals.set(name, [...(totals.get(name) ?? []), total]);
    }
  }
  console.log(`\nstream of a 4 KB answer in ${deltas.length} deltas (hold-back: 256 characters, about 64 tokens)\n`);
  console.log('| variant | CPU µs to the first text | CPU µs to the end | per delta µs |');
  console.log('| --- | --- | --- | --- |');
  for (const [name] of streamVariants) {
    const total = median(totals.get(name) ?? []);
    console.log(
      `| ${name} | ${median(firsts.get(name) ?? []).toFixed(1)} | ${total.toFixed(1)} | ${(total / deltas.length).toFixed(2)} |`,
    );
  }
}

await main();
