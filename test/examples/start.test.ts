/**
 * `npm run tour` (examples/start.ts) as a new user runs it: a process with a real-looking key that does not work (a
 * bogus
 * OpenAI key whose API is a closed loopback port, so nothing leaves the machine), a port that is taken,
 * and the interface it listens on.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { freePort } from '../store/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';

const START = fileURLToPath(new URL('../../examples/start.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The environment without any vendor credential, so every provider is simulated unless a test sets one. */
function cleanEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/API_KEY|^AWS_|^GOOGLE_|^GEMINI_|^CO_|BASE_URL$|^HOST$|^PORT$/.test(name)) continue;
    environment[name] = value;
  }
  return { ...environment, NO_COLOR: '1', ...extra };
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(extra: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    cwd: ROOT,
    env: cleanEnvironment(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const running: Started[] = [];
afterAll(async () => {
  for (const started of running) {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
    await started.exited;
  }
});

// Each test starts the whole gateway (every SDK, every simulator): minutes on a busy two-core machine.
describe('npm run tour (examples/start.ts)', () => {
  it('serves on 127.0.0.1 even when a real key is set but does not work, and says so', {
    timeout: 600_000,
  }, async () => {
    const port = await freePort();
    const closed = await freePort(); // nothing listens there: the "real" OpenAI API refuses every connection
    const started = start({
      PORT: String(port),
      OPENAI_API_KEY: 'sk-bogus-not-a-key',
      OPENAI_BASE_URL: `http://127.0.0.1:${closed}/v1`,
    });
    running.push(started);
    // The address and the line after it come in separate writes: wait for both.
    await waitFor(
      () =>
        (started.output().includes(`http://127.0.0.1:${port}`) && /HOST=/.test(started.output())) ||
        started.child.exitCode !== null,
      540_000,
    );
    assert.equal(started.child.exitCode, null, `npm start exited:\n${started.output()}`);
    assert.match(started.output(), /openai: real API/);
    assert.match(started.output(), /HOST=/, 'it says how to listen on other interfaces');
    assert.doesNotMatch(started.output(), /sk-bogus-not-a-key/);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 200);
    await response.text();
    started.child.kill('SIGINT');
    await started.exited;
  });

  it('ends with one clear line, not a stack, when the port is taken', { timeout: 600_000 }, async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const started = start({ PORT: String(port), SKIP_TOUR: '1' });
      running.push(started);
      const code = await started.exited;
      assert.equal(code, 1);
      assert.match(started.output(), new RegExp(`port ${port} .*in use.*PORT=`));
      assert.doesNotMatch(started.output(), /EADDRINUSE[\s\S]*\n\s+at /, 'no stack trace');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
