/**
 * `switchyard serve` as a service (spawned, over HTTP with the real `openai` SDK against the OpenAI
 * simulator): its health probes, and hot reload on a change of the config file and on SIGHUP with a stream
 * in flight (the stream finishes whole on the previous config, new requests get the new one; a config that
 * does not validate keeps the previous one and says why).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { killAll, runCli, servingOrigin } from './spawn-cli.js';

const VENDOR_KEY = 'sk-reload-test-vendor-0123456789';
const FIRST_KEY = 'gw-reload-first-key-0001';
const SECOND_KEY = 'gw-reload-second-key-0002';
const THIRD_KEY = 'gw-reload-third-key-0003';

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

describe('switchyard serve: health probes and hot reload', () => {
  let directory: string;
  let simulator: Simulator;
  let simulatorURL: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-reload-'));
    simulator = createOpenAISimulator();
    simulatorURL = await simulator.start();
  });
  afterAll(async () => {
    await killAll();
    await simulator.close();
    await rm(directory, { recursive: true, force: true });
  });

  const configWith = (key: string): string =>
    JSON.stringify({
      server: { shutdownTimeoutMs: 120_000 },
      providers: { openai: { apiKey: VENDOR_KEY, baseURL: `${simulatorURL}/v1` } },
      apiKeys: [{ key, id: 'key_reload', account: 'team_reload' }],
      billing: { freeAllocationNano: 1_000_000_000 },
    });

  async function status(origin: string, key: string): Promise<number> {
    const response = await fetch(`${origin}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    await response.text();
    return response.status;
  }

  it('a changed file and SIGHUP take effect with a stream in flight; an invalid file keeps the old config', {
    timeout: 300_000,
  }, async () => {
    simulator.reset();
    simulator.configure({ tokensPerSecond: 20, timeToFirstTokenMs: 0 });
    const path = join(directory, 'switchyard.config.json');
    await writeFile(path, configWith(FIRST_KEY));
    const server = runCli(['serve', '--port', '0'], { cwd: directory });
    const origin = await servingOrigin(server);
    assert.match(server.stdout(), new RegExp(`health: +${origin}/healthz \\(alive\\), ${origin}/readyz`));

    const alive = await fetch(`${origin}/healthz`);
    assert.equal(alive.status, 200, 'healthz needs no key');
    assert.deepEqual(await alive.json(), { status: 'ok' });
    const ready = await fetch(`${origin}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');

    const client = new OpenAI({ apiKey: FIRST_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: words }],
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    let text = first.done ? '' : (first.value.choices[0]?.delta.content ?? '');

    // The file changes: new requests get the new key, the stream goes on.
    await writeFile(path, configWith(SECOND_KEY));
    await waitFor(() => /config reloaded; 1 request\(s\) in flight finish on the previous one/.test(server.stdout()));
    assert.equal(await status(origin, SECOND_KEY), 200, 'the new key works');
    assert.equal(await status(origin, FIRST_KEY), 401, 'the old key is refused');
    assert.doesNotMatch(server.stdout(), /previous config finished its requests/, 'not closed under the stream');

    // An invalid file: said why, and the last valid config keeps serving.
    await writeFile(path, JSON.stringify({ providers: { openai: { apiKey: 7 } } }));
    // The watcher may fire while the file is half written (a parse error first): wait for the problem itself.
    await waitFor(() => /providers\.openai\.apiKey — expected a string, found a number/.test(server.stderr()));
    assert.match(server.stderr(), /the config was not reloaded, the previous one still serves/);
    assert.equal(await status(origin, SECOND_KEY), 200, 'still served by the last valid config');

    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      text += next.value.choices[0]?.delta.content ?? '';
    }
    assert.equal(text, `You said: ${words}`, 'the stream in flight finished whole across the reloads');
    await waitFor(() => /the previous config finished its requests and was closed/.test(server.stdout()));

    // SIGHUP reloads too.
    await writeFile(path, configWith(THIRD_KEY));
    await waitFor(() => count(server.stdout(), /config reloaded/) === 2);
    server.child.kill('SIGHUP');
    await waitFor(() => count(server.stdout(), /config reloaded/) === 3);
    assert.match(server.stdout(), /SIGHUP: config reloaded/);
    assert.equal(await status(origin, THIRD_KEY), 200);
    assert.equal(await status(origin, SECOND_KEY), 401);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, `${server.stdout()}\n${server.stderr()}`);
    assert.doesNotMatch(server.stdout() + server.stderr(), new RegExp(VENDOR_KEY));
  });

  it('--no-watch leaves a changed file alone until SIGHUP', { timeout: 300_000 }, async () => {
    const cwd = await mkdtemp(join(directory, 'no-watch-'));
    const path = join(cwd, 'switchyard.config.json');
    await writeFile(path, configWith(FIRST_KEY));
    const server = runCli(['serve', '--port', '0', '--no-watch'], { cwd });
    const origin = await servingOrigin(server);
    await writeFile(path, configWith(SECOND_KEY));
    // No event to wait for when nothing happens: a request after the write is served by the first config.
    assert.equal(await status(origin, FIRST_KEY), 200);
    server.child.kill('SIGHUP');
    await waitFor(() => /SIGHUP: config reloaded/.test(server.stdout()));
    assert.equal(await status(origin, SECOND_KEY), 200);
    assert.doesNotMatch(server.stdout(), /changed: config reloaded/);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, `${server.stdout()}\n${server.stderr()}`);
  });
});
