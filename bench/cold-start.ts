/**
 * `npm run bench:cold-start`: what a fresh process pays before its first answer, this build beside an earlier one,
 * every measure a fresh process, the builds interleaved spawn by spawn. Medians of `--spawns` processes (default 5).
 *
 *   npm run bench:cold-start [-- --spawns 7] [--baseline DIR --baseline-label NAME]
 *
 * - import: `import()` of each public entry point, timed inside the process (and the process's spawn-to-exit);
 * - spawn to first answer: a bare node:http server with the gateway, from `spawn()` to the end of the first chat
 *   completion's response (the OpenAI simulator runs in a process of its own, started once);
 * - first request per provider type: with `await router.ready()` before it, and cold (`preload: false`).
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const spawns = Number(option('--spawns') ?? 5);
const builds: Array<{ label: string; root: string }> = [{ label: 'this build', root: resolve(here, '..') }];
const baselineRoot = option('--baseline');
if (baselineRoot) builds.push({ label: option('--baseline-label') ?? 'baseline', root: resolve(baselineRoot) });

const ENTRIES: Array<[string, string]> = [
  ['switchyard', 'index.js'],
  ['switchyard/testing', 'testing/index.js'],
  ['switchyard/express', 'adapters/express.js'],
  ['switchyard/koa', 'adapters/koa.js'],
  ['switchyard/next', 'adapters/next.js'],
];
const MODELS: Record<string, string> = {
  openai: 'gpt-4o-mini',
  xai: 'grok-3',
  anthropic: 'claude-sonnet-4-20250514',
  google: 'gemini-2.5-flash',
  vertex: 'gemini-2.5-flash',
  mistral: 'mistral-large-latest',
  cohere: 'command-a-03-2025',
  bedrock: 'anthropic.claude-3-haiku-20240307-v1:0',
};

interface Run {
  stdout: string;
  /** From `spawn()` to the process's exit, in ms. */
  wallMs: number;
}

/** Runs a fixture in a fresh `node` (no tsx: its loader would count), to its exit. */
function run(fixture: string, args: string[], environment: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [resolve(here, 'fixtures', fixture), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: environment,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0
        ? done({ stdout: stdout.trim(), wallMs: performance.now() - started })
        : fail(new Error(`${fixture} ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** POSTs a chat completion; resolves at the end of the response, rejects on a non-200. */
function chat(port: number): Promise<void> {
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'cold?' }] });
  return new Promise((done, fail) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200 ? done() : fail(new Error(`status ${response.statusCode}`)),
        );
      },
    );
    request.on('error', fail);
    request.end(body);
  });
}

/** Spawns the bare server and times spawn → first answer, in ms. */
function firstAnswer(root: string, simulatorURL: string): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [resolve(here, 'fixtures/cold-server.mjs'), root, simulatorURL], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening (\d+)/.exec(output)?.[1];
      if (!port) return;
      child.stdout.removeAllListeners('data');
      chat(Number(port)).then(
        () => {
          done(performance.now() - started);
          child.kill();
        },
        (error: unknown) => {
          child.kill();
          fail(error);
        },
      );
    });
    child.on('error', fail);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `measure` once per build per spawn, alternating which build goes first. */
async function interleaved(measure: (root: string) => Promise<number>): Promise<number[]> {
  const samples = builds.map((): number[] => []);
  for (let spawnIndex = 0; spawnIndex < spawns; spawnIndex += 1) {
    const order =
      spawnIndex % 2 === 0 ? builds.map((_, index) => index) : builds.map((_, index) => builds.length - 1 - index);
    for (const index of order) samples[index].push(await measure(builds[index].root));
  }
  return samples.map(median);
}

const cells = (values: number[]): string => {
  const shown = values.map((value) => `${value.toFixed(0)} ms`);
  if (values.length === 2 && values[1] > 0) shown.push(`${(values[0] / values[1]).toFixed(2)}×`);
  return shown.join(' | ');
};
const header = (first: string): string => {
  const columns = [first, ...builds.map((build) => build.label), ...(builds.length === 2 ? ['ratio'] : [])];
  return `| ${columns.join(' | ')} |\n|${columns.map(() => ' --- ').join('|')}|`;
};

console.log(`Node ${process.version}, median of ${spawns} fresh processes per cell, ${new Date().toISOString()}\n`);
console.log('### Import of each entry point (in the process, from `import()` to its module loaded)\n');
console.log(header('entry point'));
const wallRows: string[] = [];
for (const [name, file] of ENTRIES) {
  const walls = builds.map((): number[] => []);
  const inside = await interleaved(async (root) => {
    const result = await run('cold-import.mjs', [root, file]);
    walls[builds.findIndex((build) => build.root === root)].push(result.wallMs);
    return Number(result.stdout);
  });
  console.log(`| \`${name}\` | ${cells(inside)} |`);
  wallRows.push(`| \`${name}\` | ${cells(walls.map(median))} |`);
}
console.log('\n### Spawn to exit of the same processes (Node itself included)\n');
console.log(header('entry point'));
console.log(wallRows.join('\n'));

// The simulators come from this build, in their own process, for every measure below.
const simulators = spawn(process.execPath, [resolve(here, 'fixtures/cold-simulators.mjs'), builds[0].root], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const providers = await new Promise<string>((done) => {
  let output = '';
  simulators.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('\n')) done(output.trim());
  });
});
const simulatorURL = (JSON.parse(providers) as { openai: { baseURL: string } }).openai.baseURL.replace(/\/v1$/, '');
try {
  console.log('\n### Spawn to first answer: a bare node:http server with the gateway, one chat completion\n');
  console.log(header('measure'));
  console.log(`| spawn → first response | ${cells(await interleaved((root) => firstAnswer(root, simulatorURL)))} |`);

  console.log('\n### First request to each provider type, in a fresh process\n');
  const withReady = builds.flatMap((build) => [`${build.label}, after ready()`, `${build.label}, cold`]);
  console.log(`| provider | ${withReady.join(' | ')} |\n|${[' --- ', ...withReady.map(() => ' --- ')].join('|')}|`);
  const environment = { ...process.env, COLD_PROVIDERS: providers };
  for (const type of Object.keys(MODELS)) {
    const ready = await interleaved(async (root) =>
      Number((await run('cold-first-request.mjs', [root, type, 'ready', MODELS[type]], environment)).stdout),
    );
    const cold = await interleaved(async (root) =>
      Number((await run('cold-first-request.mjs', [root, type, 'cold', MODELS[type]], environment)).stdout),
    );
    console.log(
      `| ${type} | ${builds.map((_, index) => `${ready[index].toFixed(0)} ms | ${cold[index].toFixed(0)} ms`).join(' | ')} |`,
    );
  }
} finally {
  simulators.kill();
}
