#!/usr/bin/env node
// bench/peers: switchyard beside Portkey's open-source gateway (@portkey-ai/gateway) against one fake upstream.
//
//   npm run bench:peers -- [options]            (builds dist/ first, then runs this file)
//   node bench/peers/run.mjs [options]          (uses the dist/ that is there)
//
// Processes: the fake upstream (upstream.mjs), each target, redis-server (for --workers 2) each in a process of
// their own; this process is the load generator (node:http, one keep-alive agent per target) and the
// supervisor. Targets: direct (load generator → upstream), switchyard as Express middleware, `switchyard serve`
// (its own node:http server, config file), `switchyard serve --workers 2` (Redis store), Portkey
// (`start-server.js --port=N --headless`). Every measure takes the targets in turns (interleaved, the first
// one rotating), and the whole set is repeated --runs times; the table gives the median of the runs and
// their range. Run with --help for the options.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHECKOUT = resolve(HERE, '../..');
const VENDOR_KEY = 'sk-bench-peers-000000';
const GATEWAY_KEY = 'gw-bench-peers-key-0001';
const MESSAGES = [{ role: 'user', content: 'Say hello from the benchmark' }];

const HELP = `Usage: node bench/peers/run.mjs [options]   (or: npm run bench:peers -- [options])

  --quick                  a smoke check (one run, few requests, 200 open streams): under a minute idle
  --runs N                 how many times the whole set of measures is repeated (default 3)
  --requests N             sequential requests per target per run, for the latency rows (default 1000)
  --streams N              sequential streams per target per run, for time to first content (default 300)
  --throughput-requests N  requests per target per throughput round (default 2000)
  --rounds N               throughput rounds per run, the targets taking turns in each (default 4)
  --concurrency N          concurrency of the throughput rounds (default 32)
  --open-streams N         streams held open at once for the memory row (default 1000)
  --switchyard DIR         the switchyard checkout whose dist/ is measured (default: this checkout)
  --baseline DIR           a second switchyard checkout (its own dist/), measured beside the first
  --targets LIST           comma-separated among express,serve,workers,portkey (default: all; direct always runs)
  --out FILE               also write the report (markdown) to FILE
  -h, --help               this text

Needs: node_modules in bench/peers (installed with npm ci on first use), a built dist/ in each switchyard
checkout (npx tsup --silent), redis-server on PATH for the workers target (skipped, with a note, without it).`;

// ---------------------------------------------------------------- options

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    runs: { type: 'string' },
    requests: { type: 'string' },
    streams: { type: 'string' },
    'throughput-requests': { type: 'string' },
    rounds: { type: 'string' },
    concurrency: { type: 'string' },
    'open-streams': { type: 'string' },
    switchyard: { type: 'string' },
    baseline: { type: 'string' },
    targets: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const quick = flags.quick === true;
function count(name, fallback, quickFallback) {
  const given = flags[name];
  if (given === undefined) return quick ? quickFallback : fallback;
  const value = Number(given);
  if (!Number.isSafeInteger(value) || value < 1)
    fail(`--${name} must be a whole number of at least 1 (got '${given}')`);
  return value;
}
const options = {
  runs: count('runs', 3, 1),
  requests: count('requests', 1000, 100),
  streams: count('streams', 300, 40),
  throughputRequests: count('throughput-requests', 2000, 300),
  rounds: count('rounds', 4, 1),
  concurrency: count('concurrency', 32, 32),
  openStreams: count('open-streams', 1000, 200),
};
const KINDS = ['express', 'serve', 'workers', 'portkey'];
const wanted = (flags.targets ?? KINDS.join(','))
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of wanted)
  if (!KINDS.includes(name)) fail(`--targets: unknown target '${name}' (known: ${KINDS.join(', ')})`);

function fail(message) {
  console.error(`bench/peers: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------- child processes (all killed on exit)

const children = new Set();
const temporary = mkdtempSync(join(tmpdir(), 'switchyard-bench-peers-'));
let cleanedUp = false;
function cleanUp() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of children) killGroup(child, 'SIGKILL');
  rmSync(temporary, { recursive: true, force: true });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nbench/peers: ${signal}: stopping every process it started`);
    cleanUp();
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => {
  console.error(`bench/peers: ${error?.stack ?? error}`);
  cleanUp();
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  console.error(`bench/peers: ${error?.stack ?? error}`);
  cleanUp();
  process.exit(1);
});

/** Spawns a process in a process group of its own (so its own children, cluster workers, go with it). */
function spawnChild(label, command, args, { ipc = false, cwd = temporary, env = {} } = {}) {
  const child = spawn(command, args, {
    cwd,
    detached: true,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  children.add(child);
  child.label = label;
  child.output = () => output;
  child.exited = new Promise((resolveExit) => {
    child.once('error', (error) => {
      children.delete(child);
      child.spawnError = error;
      resolveExit({ code: null, signal: null, error });
    });
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolveExit({ code, signal });
    });
  });
  return child;
}

function killGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function running(child) {
  return child.exitCode === null && child.signalCode === null && child.spawnError === undefined;
}

async function stopChild(child) {
  if (running(child)) {
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
    await child.exited;
    clearTimeout(timer);
  }
  killGroup(child, 'SIGKILL'); // whatever of its group is left (cluster workers)
}

function tail(child) {
  const text = child.output().trim().split('\n').slice(-15).join('\n');
  return text ? `\n--- last output of ${child.label} ---\n${text}\n---` : ` (${child.label} printed nothing)`;
}

const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Resident set of a process and all its descendants, in bytes (Linux /proc). */
function treeRss(rootPid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // exited meanwhile
    }
  }
  const pids = [rootPid];
  for (let index = 0; index < pids.length; index += 1)
    for (const [pid, parent] of parents) if (parent === pids[index]) pids.push(pid);
  let total = 0;
  for (const pid of pids) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // exited meanwhile
    }
  }
  return { bytes: total, processes: pids.length };
}

// ---------------------------------------------------------------- HTTP client (the load generator)

/**
 * One request. Resolves to the status, the time to the end of the answer and, for a stream, the time to the
 * first SSE event whose delta carries content (ms, from just before the request is written). Rejects on a
 * non-200 answer with its status and the start of its body.
 */
function send(target, stream, agent, onFirstContent) {
  const body = target.body(stream);
  return new Promise((resolveSend, reject) => {
    const started = performance.now();
    let firstContentMs = -1;
    let pending = '';
    const outgoing = httpRequest(
      {
        agent,
        host: '127.0.0.1',
        port: target.port,
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...target.headers },
      },
      (response) => {
        response.setEncoding('utf8');
        if (response.statusCode !== 200) {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () =>
            reject(new Error(`${target.label}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`)),
          );
          return;
        }
        response.on('data', (chunk) => {
          if (!stream || firstContentMs >= 0) return;
          pending += chunk;
          const events = pending.split(/\r?\n\r?\n/);
          pending = events.pop() ?? '';
          for (const event of events) {
            for (const line of event.split(/\r?\n/)) {
              if (!line.startsWith('data:')) continue;
              const data = line.slice(5).trim();
              if (data === '[DONE]') continue;
              try {
                const content = JSON.parse(data).choices?.[0]?.delta?.content;
                if (typeof content === 'string' && content.length > 0) {
                  firstContentMs = performance.now() - started;
                  onFirstContent?.();
                  pending = '';
                  return;
                }
              } catch {
                // not JSON: not content
              }
            }
          }
        });
        response.on('end', () => {
          if (stream && firstContentMs < 0) reject(new Error(`${target.label}: the stream ended without content`));
          else resolveSend({ totalMs: performance.now() - started, firstContentMs });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', (error) => reject(new Error(`${target.label}: ${error.message}`)));
    outgoing.end(body);
  });
}

/** Polls with a request on a new connection every few ms until one is answered 200; resolves to the ms taken. */
async function waitUntilAnswering(target, child, started, timeoutMs = 120_000) {
  let last = 'no answer yet';
  while (performance.now() - started < timeoutMs) {
    if (!running(child)) {
      const exit = await child.exited;
      const why = exit.error ? exit.error.message : `exited with ${exit.signal ?? exit.code}`;
      const error = new Error(`${target.label} ${why} before answering${tail(child)}`);
      error.output = child.output();
      throw error;
    }
    try {
      await send(target, false, false);
      return performance.now() - started;
    } catch (error) {
      last = error.message;
      await sleep(/ECONNREFUSED|ECONNRESET|socket hang up/.test(last) ? 5 : 50);
    }
  }
  throw new Error(`${target.label} did not answer within ${timeoutMs / 1000} s (last: ${last})${tail(child)}`);
}

function percentile(values, quantile) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))];
}

// ---------------------------------------------------------------- the builds and the targets

function loadBuild(directory, role) {
  const root = resolve(directory);
  for (const file of ['dist/index.js', 'dist/adapters/express.js', 'dist/cli/main.js'])
    if (!existsSync(join(root, file)))
      fail(`${role} ${root} has no ${file}: build it first (cd ${root} && npx tsup --silent)`);
  const git = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : undefined;
  const dirty =
    commit !== undefined &&
    spawnSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim() !== '';
  return { root, commit: commit ? `${commit}${dirty ? '+src changes' : ''}` : basename(root) };
}

function ensurePeerModules() {
  const start = join(HERE, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  if (existsSync(start)) return start;
  console.error('bench/peers: installing its own dependencies (npm ci in bench/peers) ...');
  const installed = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: HERE, stdio: 'inherit' });
  if (installed.status !== 0 || !existsSync(start))
    fail(`could not install bench/peers's dependencies: run (cd ${HERE} && npm ci) and look at its errors`);
  return start;
}

function versionOf(name) {
  try {
    return JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

const builds = [loadBuild(flags.switchyard ?? CHECKOUT, '--switchyard')];
if (flags.baseline) builds.push(loadBuild(flags.baseline, '--baseline'));
const portkeyStart = wanted.includes('portkey') ? ensurePeerModules() : undefined;

function requestShape(kind, upstreamURL) {
  const json = (model) => (stream) => JSON.stringify({ model, messages: MESSAGES, stream });
  if (kind === 'direct') return { body: json('gpt-4o-mini'), headers: { authorization: `Bearer ${VENDOR_KEY}` } };
  if (kind === 'portkey')
    return {
      body: json('gpt-4o-mini'),
      headers: {
        authorization: `Bearer ${VENDOR_KEY}`,
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${upstreamURL}/v1`,
      },
    };
  return { body: json('openai/gpt-4o-mini'), headers: { authorization: `Bearer ${GATEWAY_KEY}` } };
}

let configCount = 0;
function writeConfig(upstreamURL, redisURL) {
  configCount += 1;
  const path = join(temporary, `switchyard-${configCount}.json`);
  const config = {
    providers: { openai: { apiKey: VENDOR_KEY, baseURL: `${upstreamURL}/v1` } },
    apiKeys: [{ key: GATEWAY_KEY, id: 'bench', account: 'bench' }],
    ...(redisURL ? { store: { redis: { url: redisURL, prefix: `bench-peers-${process.pid}-${configCount}:` } } } : {}),
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** How to spawn a target on a port. */
function launcher(target, upstreamURL, redisURL) {
  const node = process.execPath;
  switch (target.kind) {
    case 'express':
      return (port) => [
        node,
        [join(HERE, 'targets/switchyard-express.mjs'), target.build.root, String(port), upstreamURL],
      ];
    case 'serve':
    case 'workers': {
      const config = writeConfig(upstreamURL, target.kind === 'workers' ? redisURL : undefined);
      const extra = target.kind === 'workers' ? ['--workers', '2'] : [];
      return (port) => [
        node,
        [
          join(target.build.root, 'dist/cli/main.js'),
          'serve',
          '-c',
          config,
          '--port',
          String(port),
          '--no-watch',
          ...extra,
        ],
      ];
    }
    case 'portkey':
      return (port) => [node, [portkeyStart, `--port=${port}`, '--headless']];
    default:
      throw new Error(`no launcher for ${target.kind}`);
  }
}

/** Spawns the target on a free port and waits for its first 200; retries on a port taken meanwhile. */
async function startTarget(target, launch) {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const [command, args] = launch(port);
    const probe = { ...target, port };
    const started = performance.now();
    const child = spawnChild(`${target.label} (port ${port})`, command, args);
    try {
      const coldMs = await waitUntilAnswering(probe, child, started);
      return { child, port, coldMs };
    } catch (error) {
      await stopChild(child);
      if (attempt < 3 && /EADDRINUSE|already in use/.test(error.output ?? '')) continue;
      throw error;
    }
  }
}

const LABELS = {
  direct: 'direct (no gateway)',
  express: 'switchyard, Express middleware',
  serve: 'switchyard serve',
  workers: 'switchyard serve --workers 2',
  portkey: 'Portkey gateway',
};

// ---------------------------------------------------------------- Redis and the upstream

async function startRedis() {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const port = await freePort();
    const child = spawnChild(`redis-server (port ${port})`, 'redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ]);
    const started = performance.now();
    while (running(child) && performance.now() - started < 20_000) {
      if (await redisPing(port)) return { child, url: `redis://127.0.0.1:${port}` };
      await sleep(20);
    }
    await stopChild(child);
    if (!/Address already in use/.test(child.output())) throw new Error(`redis-server did not start${tail(child)}`);
  }
  throw new Error('redis-server: no free port after 3 attempts');
}

function redisPing(port) {
  return new Promise((resolvePing) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\r\n')) {
        socket.end();
        resolvePing(text.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolvePing(false));
    socket.on('close', () => resolvePing(false));
  });
}

async function startUpstream() {
  const child = spawnChild('fake upstream', process.execPath, [join(HERE, 'upstream.mjs'), '0'], { ipc: true });
  const url = await new Promise((resolveURL, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fake upstream did not start${tail(child)}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /listening (http:\/\/\S+)/.exec(child.output());
      if (match) {
        clearTimeout(timer);
        resolveURL(match[1]);
      }
    });
    child.exited.then(() => reject(new Error(`the fake upstream exited${tail(child)}`)));
  });
  const replies = [];
  child.on('message', (message) => replies.shift()?.(message));
  const command = (message) =>
    new Promise((resolveCommand) => {
      replies.push(resolveCommand);
      child.send(message);
    });
  return { child, url, port: Number(new URL(url).port), command };
}

// ---------------------------------------------------------------- the measures

async function rotate(targets, times, each) {
  for (let index = 0; index < times; index += 1)
    for (let offset = 0; offset < targets.length; offset += 1) await each(targets[(index + offset) % targets.length]);
}

async function burst(target, total, concurrency) {
  let remaining = total;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (remaining > 0) {
        remaining -= 1;
        await send(target, false, target.agent);
      }
    }),
  );
  return performance.now() - started;
}

/** Opens `total` streams at once (the upstream holding each after its first content), reads the RSS, lets them finish. */
async function openStreamsRss(target, upstream, total) {
  await upstream.command('hold');
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  let opened = 0;
  let failed = 0;
  let firstError;
  const streams = [];
  try {
    for (let index = 0; index < total; index += 1) {
      // At most 100 connecting at once: a burst of 1000 SYNs would overflow the listen backlog.
      while (index - opened - failed >= 100) await sleep(2);
      streams.push(
        send(target, true, agent, () => (opened += 1)).catch((error) => {
          failed += 1;
          firstError ??= error;
        }),
      );
    }
    const started = performance.now();
    while (opened + failed < total && performance.now() - started < 180_000) await sleep(20);
    await sleep(250); // let the process settle (buffers freed, timers run) before reading its RSS
    const rss = treeRss(target.child.pid);
    if (opened < total)
      return { error: `${opened} of ${total} opened${firstError ? ` (${firstError.message.slice(0, 120)})` : ''}` };
    return { bytes: rss.bytes, processes: rss.processes };
  } finally {
    await upstream.command('release');
    await Promise.all(streams);
    agent.destroy();
  }
}

async function measureRun(targets, upstream, launchers, run) {
  const log = (line) => say(`run ${run}: ${line}`);
  const result = new Map(targets.map((target) => [target.id, { sequential: [], firstContent: [], elapsed: 0 }]));
  log(`sequential latency, ${options.requests} requests per target`);
  await rotate(targets, options.requests, async (target) =>
    result.get(target.id).sequential.push((await send(target, false, target.agent)).totalMs),
  );
  log(`time to first content, ${options.streams} streams per target`);
  await rotate(targets, options.streams, async (target) =>
    result.get(target.id).firstContent.push((await send(target, true, target.agent)).firstContentMs),
  );
  log(
    `throughput, ${options.rounds} round(s) of ${options.throughputRequests} requests at concurrency ${options.concurrency}`,
  );
  await rotate(targets, options.rounds, async (target) => {
    result.get(target.id).elapsed += await burst(target, options.throughputRequests, options.concurrency);
  });
  for (const target of targets) {
    log(`${options.openStreams} streams open: ${target.label}`);
    const entry = result.get(target.id);
    entry.idleRss = treeRss(target.child.pid).bytes;
    entry.openRss = await openStreamsRss(target, upstream, options.openStreams);
  }
  for (const target of targets) {
    if (target.kind === 'direct') continue;
    log(`cold start: ${target.label}`);
    const fresh = await startTarget(target, launchers.get(target.id));
    result.get(target.id).coldMs = fresh.coldMs;
    await stopChild(fresh.child);
  }
  const stats = new Map();
  const direct = result.get('direct');
  const directP50 = percentile(direct.sequential, 0.5);
  const directP99 = percentile(direct.sequential, 0.99);
  const directFirst = percentile(direct.firstContent, 0.5);
  const rps = (entry) => (options.throughputRequests * options.rounds) / (entry.elapsed / 1000);
  const portkey = result.get('portkey');
  for (const target of targets) {
    const entry = result.get(target.id);
    const p50 = percentile(entry.sequential, 0.5);
    const p99 = percentile(entry.sequential, 0.99);
    const first = percentile(entry.firstContent, 0.5);
    stats.set(target.id, {
      p50,
      p99,
      addedP50: target.kind === 'direct' ? undefined : p50 - directP50,
      addedP99: target.kind === 'direct' ? undefined : p99 - directP99,
      rps: rps(entry),
      vsPortkey: portkey ? rps(entry) / rps(portkey) : undefined,
      first,
      addedFirst: target.kind === 'direct' ? undefined : first - directFirst,
      idleRss: entry.idleRss,
      openRss: entry.openRss.bytes,
      openRssError: entry.openRss.error,
      coldMs: entry.coldMs,
    });
  }
  return stats;
}

// ---------------------------------------------------------------- the report

const median = (values) => percentile(values, 0.5);
function cell(values, format) {
  const present = values.filter((value) => value !== undefined && Number.isFinite(value));
  if (present.length === 0) return '—';
  const middle = format(median(present));
  if (present.length === 1) return middle;
  return `${middle} (${format(Math.min(...present))} to ${format(Math.max(...present))})`;
}
const ms = (value) => `${value.toFixed(value >= 100 ? 0 : 2)} ms`;
const mib = (value) => `${(value / 1024 / 1024).toFixed(0)} MiB`;

function table(targets, runs) {
  const of = (id, key) => runs.map((stats) => stats.get(id)?.[key]);
  const rows = [
    ['latency p50, sequential', 'p50', ms],
    ['added latency p50 (minus direct)', 'addedP50', ms],
    ['latency p99, sequential', 'p99', ms],
    ['added latency p99 (minus direct)', 'addedP99', ms],
    [`throughput, concurrency ${options.concurrency}`, 'rps', (value) => `${value.toFixed(0)} req/s`],
    ['throughput ÷ Portkey', 'vsPortkey', (value) => `${value.toFixed(2)}×`],
    ['time to first streamed content p50', 'first', ms],
    ['added time to first content p50 (minus direct)', 'addedFirst', ms],
    ['RSS idle (after the load above)', 'idleRss', mib],
    [`RSS with ${options.openStreams.toLocaleString('en-US')} streams open`, 'openRss', mib],
    ['cold start (spawn to first answer)', 'coldMs', ms],
  ];
  const lines = [
    `| measure | ${targets.map((target) => target.label).join(' | ')} |`,
    `| --- | ${targets.map(() => '---:').join(' | ')} |`,
  ];
  for (const [name, key, format] of rows) {
    const cells = targets.map((target) => {
      const errors = of(target.id, 'openRssError').filter(Boolean);
      if (key === 'openRss' && errors.length > 0) return `failed: ${errors[0]}`;
      return cell(of(target.id, key), format);
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

const startedAt = new Date();
const clock = performance.now();
const say = (line) => console.error(`bench/peers [${((performance.now() - clock) / 1000).toFixed(1)} s]: ${line}`);
const load = loadavg().map((value) => value.toFixed(2));
console.error(
  `bench/peers: load average ${load.join(', ')} on ${cpus().length} cores; temporary files in ${temporary}`,
);

const upstream = await startUpstream();
say(`fake upstream at ${upstream.url} (pid ${upstream.child.pid})`);
let redis;
const notes = [];
if (wanted.includes('workers')) {
  redis = await startRedis();
  if (redis) say(`redis-server at ${redis.url}`);
  else notes.push('The workers target was skipped: redis-server is not on PATH.');
}

const targets = [
  {
    id: 'direct',
    kind: 'direct',
    label: LABELS.direct,
    port: upstream.port,
    child: upstream.child,
    ...requestShape('direct', upstream.url),
  },
];
for (const [index, build] of builds.entries()) {
  for (const kind of ['express', 'serve', 'workers']) {
    if (!wanted.includes(kind) || (kind === 'workers' && !redis)) continue;
    const suffix = builds.length > 1 ? ` (${index === 0 ? '' : 'baseline '}${build.commit})` : '';
    targets.push({ id: `${kind}-${index}`, kind, build, label: `${LABELS[kind]}${suffix}`, ...requestShape(kind) });
  }
}
if (wanted.includes('portkey'))
  targets.push({ id: 'portkey', kind: 'portkey', label: LABELS.portkey, ...requestShape('portkey', upstream.url) });

const launchers = new Map();
for (const target of targets)
  if (target.kind !== 'direct') launchers.set(target.id, launcher(target, upstream.url, redis?.url));
say(`starting ${targets.length - 1} targets side by side`);
await Promise.all(
  targets
    .filter((target) => target.kind !== 'direct')
    .map(async (target) => {
      const started = await startTarget(target, launchers.get(target.id));
      Object.assign(target, { child: started.child, port: started.port });
      say(`${target.label} answering on port ${started.port} (pid ${started.child.pid})`);
    }),
);
for (const target of targets) target.agent = new Agent({ keepAlive: true, maxSockets: options.concurrency * 2 });

say('warming up (every target, JSON and streams, then one burst)');
await rotate(targets, quick ? 20 : 300, async (target) => {
  await send(target, false, target.agent);
  await send(target, true, target.agent);
});
for (const target of targets) await burst(target, quick ? 100 : 1000, options.concurrency);

const runs = [];
try {
  for (let run = 1; run <= options.runs; run += 1) {
    say(`run ${run} of ${options.runs}`);
    runs.push(await measureRun(targets, upstream, launchers, run));
    // The table so far, so that a run stopped before its end leaves what it measured.
    if (flags.out && run < options.runs) writeFileSync(resolve(process.cwd(), flags.out), `${report(run)}\n`);
  }
} catch (error) {
  // Say which process died, with its last output, rather than only the client's ECONNRESET.
  await sleep(500); // its exit event comes after the client's error
  for (const target of targets)
    if (target.child && !running(target.child))
      console.error(`bench/peers: ${target.label} exited${tail(target.child)}`);
  throw error;
}

for (const target of targets) target.agent?.destroy();
for (const target of targets) if (target.kind !== 'direct') await stopChild(target.child);
if (redis) await stopChild(redis.child);
await stopChild(upstream.child);

function report(done) {
  const finishedLoad = loadavg().map((value) => value.toFixed(2));
  return [
    `switchyard beside Portkey: \`node bench/peers/run.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\``,
    '',
    `${startedAt.toISOString()}, Node ${process.version}, ${cpus().length} cores, load average ${load.join(', ')} at the start and ${finishedLoad.join(', ')} at the end.`,
    `switchyard ${builds.map((build, index) => `${index === 0 ? '' : 'baseline '}${build.commit} (${build.root})`).join(', ')}; @portkey-ai/gateway ${versionOf('@portkey-ai/gateway')} (@hono/node-server ${versionOf('@hono/node-server')}).`,
    `${done} of ${options.runs} run(s); per run and target: ${options.requests} sequential requests, ${options.streams} sequential streams, ${options.rounds} throughput round(s) of ${options.throughputRequests} requests, ${options.openStreams} streams held open, one cold start.`,
    'Each cell: the median of the runs, then (lowest to highest run). "Added" = the target minus direct in the same run.',
    'RSS: the target process and its children (serve --workers 2: the primary and both workers); direct: the fake upstream.',
    ...notes,
    '',
    table(targets, runs),
    '',
  ].join('\n');
}
const text = report(runs.length);
console.log(text);
if (flags.out) {
  writeFileSync(resolve(process.cwd(), flags.out), text);
  console.error(`bench/peers: report written to ${flags.out}`);
}
cleanUp();
process.exit(0);
