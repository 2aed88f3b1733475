/**
 * `npm start` as a new user runs it: `switchyard serve --config examples/switchyard.config.ts` in a clean
 * environment (every provider simulated), answering the real `openai` SDK on a model of another vendor,
 * its health probes, Ctrl-C (the simulators the config started are closed: the process exits by itself), and
 * a taken port in one line.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, describe, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';
import { freePort } from '../store/redis-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cleanEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/API_KEY|^AWS_|^GOOGLE_|^GEMINI_|^CO_|BASE_URL$|^HOST$|^PORT$|^npm_/.test(name)) continue;
    environment[name] = value;
  }
  return { ...environment, NO_COLOR: '1', ...extra };
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const running: Started[] = [];

/** What `npm start` runs, read from package.json (so that the test follows the script). */
async function startScript(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(`${ROOT}/package.json`, 'utf8')) as { scripts: { start: string } };
  const [tool, ...args] = manifest.scripts.start.split(' ');
  assert.equal(tool, 'tsx');
  return args;
}

async function start(extra: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(await startScript())], {
    cwd: ROOT,
    env: cleanEnvironment(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = { child, output: () => output, exited };
  running.push(started);
  return started;
}

afterAll(async () => {
  for (const started of running) {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
    await started.exited;
  }
});

describe('npm start (switchyard serve with examples/switchyard.config.ts)', () => {
  it('serves every vendor from simulators, says where everything is, and stops on Ctrl-C', {
    timeout: 600_000,
  }, async () => {
    const port = await freePort();
    const started = await start({ PORT: String(port) });
    await waitFor(() => /docs: /.test(started.output()) || started.child.exitCode !== null, 540_000);
    assert.equal(started.child.exitCode, null, `npm start exited:\n${started.output()}`);
    const output = started.output();
    for (const vendor of ['openai', 'anthropic', 'google', 'mistral', 'cohere', 'xai', 'bedrock', 'vertex'])
      assert.match(output, new RegExp(`${vendor}: simulator at http://127\\.0\\.0\\.1:\\d+`));
    assert.match(output, new RegExp(`serving on http://127\\.0\\.0\\.1:${port}\\n`));
    assert.match(output, /gateway API key: gw-demo-key-0001/);
    assert.match(output, new RegExp(`health: +http://127\\.0\\.0\\.1:${port}/healthz`));
    assert.match(output, /docs: +https:\/\/github\.com\/switchyard-gateway\/switchyard#readme/);

    const client = new OpenAI({ apiKey: 'gw-demo-key-0001', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      messages: [{ role: 'user', content: 'started' }],
    });
    assert.equal(completion.choices[0].message.content, 'You said: started');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    await ready.text();

    // The dashboard: its URL and a generated admin key are printed; the page opens to that key only.
    assert.match(output, new RegExp(`dashboard: +http://127\\.0\\.0\\.1:${port}/dashboard`));
    assert.match(output, new RegExp(`metrics: +http://127\\.0\\.0\\.1:${port}/metrics`));
    const adminKey = /admin key \(generated for this run[^)]*\): (\S+)/.exec(output)?.[1];
    assert.ok(adminKey, output);
    const page = await fetch(`http://127.0.0.1:${port}/dashboard`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const refused = await fetch(`http://127.0.0.1:${port}/dashboard/api/models`, {
      headers: { authorization: 'Bearer gw-demo-key-0001' },
    });
    assert.equal(refused.status, 401, 'a gateway key does not open the dashboard');
    await refused.text();
    const logs = await fetch(`http://127.0.0.1:${port}/v1/logs?limit=5`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const logged = (await logs.json()) as { data: Array<{ requestedModel: string }> };
    assert.equal(logged.data[0]?.requestedModel, 'anthropic/claude-sonnet-4', 'the request just sent is in the log');

    started.child.kill('SIGINT');
    assert.equal(await started.exited, 0, started.output());
    assert.match(started.output(), /switchyard: stopped/);
  });

  it('ends with one clear line, not a stack, when the port is taken', { timeout: 600_000 }, async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const started = await start({ PORT: String(port) });
      assert.equal(await started.exited, 1, 'exits (the simulators are closed)');
      assert.match(started.output(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.doesNotMatch(started.output(), /\n\s+at /, 'no stack trace');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
