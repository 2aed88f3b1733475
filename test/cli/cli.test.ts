/**
 * The `switchyard` command as a user runs it: a real process (spawned), its output, its exit code, and
 * over HTTP with the real `openai` SDK against the OpenAI simulator: `init`, `check`, `serve`, `--help`,
 * and a graceful SIGTERM with a stream in flight.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fileURLToPath, pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { createGateway } from '../../src/gateway.js';
import { waitFor } from '../helpers/wait-for.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from '../store/redis-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const BUILT = join(ROOT, 'dist/cli/main.js');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const GATEWAY_KEY = 'gw-cli-test-key-0001';
const VENDOR_KEY = 'sk-cli-test-vendor-0123456789';

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

const running: Run[] = [];

/** Spawns the command (from source, through tsx, or the built binary), in `cwd`, with `environment` only. */
function run(args: string[], options: { cwd: string; environment?: Record<string, string>; built?: boolean }): Run {
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    ...options.environment,
  };
  const argv = options.built ? [BUILT, ...args] : ['--import', TSX, MAIN, ...args];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = { child, stdout: () => stdout, stderr: () => stderr, exited };
  running.push(started);
  return started;
}

async function finished(
  args: string[],
  options: Parameters<typeof run>[1],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const started = run(args, options);
  const code = await started.exited;
  return { code, stdout: started.stdout(), stderr: started.stderr() };
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('switchyard (the command)', () => {
  let directory: string;
  let simulator: Simulator;
  let simulatorURL: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-cli-'));
    simulator = createOpenAISimulator();
    simulatorURL = await simulator.start();
  });
  afterAll(async () => {
    for (const started of running) {
      if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
      await started.exited;
    }
    await simulator.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function writeConfig(name: string, config: unknown): Promise<string> {
    const path = join(directory, name);
    await writeFile(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
    return path;
  }

  it('--help on every command; a bad command line exits 2 saying what is wrong', { timeout: 120_000 }, async () => {
    for (const command of ['serve', 'check', 'init']) {
      const help = await finished([command, '--help'], { cwd: directory });
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: switchyard ${command}`));
    }
    const top = await finished(['--help'], { cwd: directory });
    assert.match(top.stdout, /serve .*\n.*check .*\n.*init /);
    const unknown = await finished(['serve', '--prot', '3000'], { cwd: directory });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--prot'/);
    const port = await finished(['serve', '--port', 'eighty'], { cwd: directory });
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port must be a port number from 0 to 65535 \(got 'eighty'\)/);
    const command = await finished(['srve'], { cwd: directory });
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command 'srve'/);
  });

  it('init writes a commented starter config that check validates once its environment variables are set', {
    timeout: 120_000,
  }, async () => {
    const cwd = join(directory, 'init');
    await mkdir(cwd);
    const target = join(cwd, 'switchyard.config.mjs');
    const written = await finished(['init'], { cwd });
    assert.equal(written.code, 0, written.stderr);
    assert.ok(existsSync(target));
    assert.match(await readFile(target, 'utf8'), /^\/\/ switchyard\.config\.mjs/);
    const again = await finished(['init'], { cwd });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists; pass --force/);

    const missing = await finished(['check'], { cwd });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /providers\.openai\.apiKey — expected the environment variable OPENAI_API_KEY to be set/,
    );
    assert.match(missing.stderr, /apiKeys\[0\]\.key — expected the environment variable GATEWAY_API_KEY to be set/);

    const valid = await finished(['check'], {
      cwd,
      environment: { OPENAI_API_KEY: VENDOR_KEY, GATEWAY_API_KEY: GATEWAY_KEY },
    });
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /switchyard\.config\.mjs is valid/);
    assert.match(valid.stdout, /providers: openai \(openai\)/);
    assert.match(valid.stdout, /auth: +1 gateway API key\(s\), accounts: team_main/);
    assert.doesNotMatch(valid.stdout + valid.stderr, new RegExp(`${VENDOR_KEY}|${GATEWAY_KEY}`), 'no secret printed');
  });

  it('check reports every problem of a file with its path, and says how YAML is handled', {
    timeout: 120_000,
  }, async () => {
    const path = await writeConfig('broken.json', {
      server: { port: 99999 },
      providers: { openai: { apiKey: '${CLI_TEST_KEY}', timeoutMs: '30s' }, proxy: {} },
      billing: { freeAllocationNano: 1.5 },
      store: { redis: { url: 'localhost:6379' } },
    });
    const result = await finished(['check', '--config', path], {
      cwd: directory,
      environment: { CLI_TEST_KEY: 'sk-from-the-environment-0001' },
    });
    assert.equal(result.code, 1);
    for (const expected of [
      /server\.port — expected a port number from 0 to 65535, found number 99999/,
      /providers\.openai\.timeoutMs — expected a positive integer \(milliseconds\), found "30s"/,
      /providers\.proxy\.type — expected a provider type/,
      /billing\.freeAllocationNano — expected a non-negative integer \(nano-dollars\), found number 1\.5/,
      /store\.redis\.url — expected a redis:\/\/ or rediss:\/\/ URL/,
    ]) {
      assert.match(result.stderr, expected);
    }
    assert.match(result.stderr, /\(5 problems\)/);
    assert.doesNotMatch(result.stderr, /sk-from-the-environment/);

    const yaml = await writeConfig('switchyard.config.yaml', 'providers: {}\n');
    const yamlResult = await finished(['check', '--config', yaml], { cwd: directory });
    assert.equal(yamlResult.code, 1);
    assert.match(yamlResult.stderr, /YAML config files are not supported .*switchyard\.config\.json/);

    const notJson = await writeConfig('bad.json', '{ "providers": ');
    const notJsonResult = await finished(['check', '-c', notJson], { cwd: directory });
    assert.equal(notJsonResult.code, 1);
    assert.match(notJsonResult.stderr, /bad\.json is not valid JSON/);
  });

  it('serve answers the openai SDK; on SIGTERM it stops accepting, lets the stream in flight finish, and exits 0', {
    timeout: 300_000,
  }, async () => {
    simulator.reset();
    simulator.configure({ tokensPerSecond: 20, timeToFirstTokenMs: 0 });
    const path = await writeConfig('serve.json', {
      server: { host: '127.0.0.1', shutdownTimeoutMs: 120_000 },
      providers: { openai: { apiKey: '${CLI_OPENAI_KEY}', baseURL: `${simulatorURL}/v1` } },
      apiKeys: [{ key: '${CLI_GATEWAY_KEY}', id: 'key_cli', account: 'team_cli' }],
      billing: { freeAllocationNano: 1_000_000_000 },
    });
    const server = run(['serve', '--config', path, '--port', '0'], {
      cwd: directory,
      environment: { CLI_OPENAI_KEY: VENDOR_KEY, CLI_GATEWAY_KEY: GATEWAY_KEY },
    });
    await waitFor(
      () => /serving on http:\/\/127\.0\.0\.1:\d+/.test(server.stdout()) || server.child.exitCode !== null,
      240_000,
    );
    assert.equal(server.child.exitCode, null, `serve exited:\n${server.stdout()}\n${server.stderr()}`);
    const port = Number(/serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout())?.[1]);
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });

    const completion = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'served' }],
    });
    assert.equal(completion.choices[0].message.content, 'You said: served');
    const refused = await fetch(`http://127.0.0.1:${port}/v1/models`);
    assert.equal(refused.status, 401, 'gateway keys are required');
    await refused.text();

    const words = Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ');
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: words }],
    });
    const iterator = stream[Symbol.asyncIterator]();
    let text = '';
    const first = await iterator.next();
    text += first.done ? '' : (first.value.choices[0]?.delta.content ?? '');
    server.child.kill('SIGTERM');
    await waitFor(() => /SIGTERM: stopped accepting; 1 request\(s\) in flight/.test(server.stdout()), 60_000);
    assert.equal(await refusesConnections(port), true, 'no new connection is accepted while stopping');
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      text += next.value.choices[0]?.delta.content ?? '';
    }
    assert.equal(text, `You said: ${words}`, 'the stream in flight finished whole');
    assert.equal(await server.exited, 0, `${server.stdout()}\n${server.stderr()}`);
    assert.match(server.stdout(), /switchyard: stopped/);
    assert.doesNotMatch(server.stdout() + server.stderr(), new RegExp(VENDOR_KEY));
  });

  it('on SIGTERM, a stream longer than server.shutdownTimeoutMs is cut at the deadline and the process still exits 0', {
    timeout: 300_000,
  }, async () => {
    simulator.reset();
    simulator.configure({ tokensPerSecond: 2, timeToFirstTokenMs: 0 });
    const path = await writeConfig('deadline.json', {
      server: { shutdownTimeoutMs: 300 },
      providers: { openai: { apiKey: VENDOR_KEY, baseURL: `${simulatorURL}/v1` } },
    });
    const server = run(['serve', '-c', path, '-p', '0'], { cwd: directory });
    await waitFor(
      () => /serving on http:\/\/127\.0\.0\.1:\d+/.test(server.stdout()) || server.child.exitCode !== null,
      240_000,
    );
    assert.equal(server.child.exitCode, null, `serve exited:\n${server.stdout()}\n${server.stderr()}`);
    assert.match(server.stderr(), /auth is OFF/, 'the auth-off warning goes to standard error');
    const port = Number(/serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout())?.[1]);
    const client = new OpenAI({ apiKey: 'auth is off', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const words = Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ');
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: words }],
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    server.child.kill('SIGTERM');
    let text = '';
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        text += next.value.choices[0]?.delta.content ?? '';
      }
    } catch {
      // the connection was closed at the deadline
    }
    assert.ok(text.length < `You said: ${words}`.length, 'the stream was cut');
    assert.equal(await server.exited, 0, `${server.stdout()}\n${server.stderr()}`);
    assert.match(server.stdout(), /still in flight after 300 ms: closing their connections/);
    await waitFor(() => simulator.requests.some((request) => request.aborted), 60_000);
  });

  describe(`with a Redis store${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
    let redis: TestRedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.stop());

    it('on SIGTERM the stream in flight is settled in the store before it closes, and the process exits 0', {
      timeout: 300_000,
    }, async () => {
      simulator.reset();
      simulator.configure({ tokensPerSecond: 20, timeToFirstTokenMs: 0 });
      const store = { redis: { url: '${CLI_REDIS_URL}', prefix: `cli-test-${Date.now()}:` } };
      const path = await writeConfig('redis.json', {
        server: { shutdownTimeoutMs: 120_000 },
        providers: { openai: { apiKey: VENDOR_KEY, baseURL: `${simulatorURL}/v1` } },
        apiKeys: [{ key: GATEWAY_KEY, id: 'key_cli', account: 'team_redis' }],
        billing: { freeAllocationNano: 1_000_000_000 },
        store,
      });
      const server = run(['serve', '--config', path, '--port', '0'], {
        cwd: directory,
        environment: { CLI_REDIS_URL: redis.url },
      });
      await waitFor(
        () => /serving on http:\/\/127\.0\.0\.1:\d+/.test(server.stdout()) || server.child.exitCode !== null,
        240_000,
      );
      assert.equal(server.child.exitCode, null, `serve exited:\n${server.stdout()}\n${server.stderr()}`);
      assert.match(server.stdout(), /store: +redis:\/\/127\.0\.0\.1:\d+\/? \(shared by every instance on it\)/);
      const port = Number(/serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout())?.[1]);
      const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
      const words = Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ');
      const stream = await client.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: words }],
      });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      server.child.kill('SIGTERM');
      for (;;) if ((await iterator.next()).done) break;
      // An open Redis connection would keep the process alive: exiting at all means the store was closed.
      assert.equal(await server.exited, 0, `${server.stdout()}\n${server.stderr()}`);

      const reader = createGateway({
        providers: { openai: { apiKey: VENDOR_KEY } },
        preload: false,
        billing: true,
        store: { redis: { ...store.redis, url: redis.url } },
        logger: false,
      });
      try {
        await reader.ready();
        const balance = await reader.billing!.getBalance('team_redis');
        assert.ok(balance.totalUsedNano > 0, 'the stream was charged');
        assert.equal(balance.reservedNano, 0, 'and settled: no hold left');
      } finally {
        await reader.close();
      }
    });
  });

  it('serve refuses an invalid config before listening, and a taken port in one line', {
    timeout: 120_000,
  }, async () => {
    const path = await writeConfig('invalid.json', { providers: { openai: { apiKey: 7 } } });
    const invalid = await finished(['serve', '--config', path], { cwd: directory });
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /providers\.openai\.apiKey — expected a string, found a number/);
    assert.doesNotMatch(invalid.stdout, /serving on/);

    const taken = createOpenAISimulator();
    const takenURL = await taken.start();
    try {
      const takenPort = new URL(takenURL).port;
      const config = await writeConfig('taken.json', {
        providers: { openai: { apiKey: VENDOR_KEY, baseURL: `${simulatorURL}/v1` } },
      });
      const result = await finished(['serve', '--config', config, '--port', takenPort], { cwd: directory });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`port ${takenPort} on 127\\.0\\.0\\.1 is already in use; pass --port`));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await taken.close();
    }
  });

  it('the built binary (package.json bin) runs', {
    timeout: 120_000,
    skip: Boolean(existsSync(BUILT) ? false : 'dist/cli/main.js is not built (npm test builds it first)'),
  }, async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    assert.equal(join(ROOT, manifest.bin.switchyard), BUILT);
    assert.match(await readFile(BUILT, 'utf8'), /^#!\/usr\/bin\/env node/);
    const path = await writeConfig('built.json', {
      providers: { openai: { apiKey: VENDOR_KEY } },
      apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }],
    });
    const result = await finished(['check', '--config', path], { cwd: directory, built: true });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /built\.json is valid/);

    // A TypeScript config: Node 22.18+ strips the types itself; an older Node says what to do instead.
    const typescript = await writeConfig(
      'typed.config.ts',
      "const config: { providers: Record<string, { apiKey: string }> } = { providers: { openai: { apiKey: 'sk-typed-0123456789' } } };\nexport default config;\n",
    );
    const typed = await finished(['check', '--config', typescript], { cwd: directory, built: true });
    const [major, minor] = process.versions.node.split('.').map(Number);
    if (major >= 24 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) {
      assert.equal(typed.code, 0, typed.stderr);
    } else {
      assert.equal(typed.code, 1);
      assert.match(
        typed.stderr,
        /cannot load TypeScript by itself\. Use Node 22\.18 or later .*--import tsx.*switchyard\.config\.mjs/,
      );
    }
  });
});
