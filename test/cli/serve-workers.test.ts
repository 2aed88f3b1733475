/**
 * `switchyard serve --workers N` spawned as a user runs it: refused with the in-memory store; with Redis, two
 * worker processes on one port sharing a rate limit through the store, a worker that dies replaced, and
 * SIGTERM to the primary draining the workers (a stream in flight finishes whole) before it exits 0.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { REDIS_SKIP, REDIS_SKIP_NOTE, startRedisServer, type TestRedisServer } from '../store/redis-server.js';
import { killAll, runCli } from './spawn-cli.js';

const VENDOR_KEY = 'sk-workers-test-vendor-0123456789';
const GATEWAY_KEY = 'gw-workers-test-key-0001';

/** One request on a connection of its own (so that the cluster hands each to the next worker). */
function post(origin: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${origin}/v1/chat/completions`,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json', connection: 'close' },
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.once('error', reject);
    outgoing.end(JSON.stringify(body));
  });
}

describe('switchyard serve --workers', () => {
  let directory: string;
  let simulator: Simulator;
  let simulatorURL: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-workers-'));
    simulator = createOpenAISimulator();
    simulatorURL = await simulator.start();
  });
  afterAll(async () => {
    await killAll();
    await simulator.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses more than one worker on the in-memory store, saying why', { timeout: 120_000 }, async () => {
    const path = join(directory, 'memory.json');
    await writeFile(
      path,
      JSON.stringify({
        providers: { openai: { apiKey: VENDOR_KEY, baseURL: `${simulatorURL}/v1` } },
        billing: { freeAllocationNano: 1_000_000_000 },
      }),
    );
    const server = runCli(['serve', '-c', path, '--port', '0', '--workers', '2'], { cwd: directory });
    assert.equal(await server.exited, 1);
    assert.match(server.stderr(), /serve --workers 2 needs a shared store: with the in-memory store each worker/);
    assert.match(server.stderr(), /store: \{ redis: \{ url/);
    assert.doesNotMatch(server.stdout(), /serving on/);
    const bad = runCli(['serve', '-c', path, '--workers', 'two'], { cwd: directory });
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /--workers must be a whole number from 1 to 1024 \(got 'two'\)/);
  });

  describe(`on Redis${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
    let redis: TestRedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.stop());

    it('two workers share a rate limit through Redis; a dead worker is replaced; SIGTERM drains them', {
      timeout: 300_000,
    }, async () => {
      simulator.reset();
      simulator.configure({ tokensPerSecond: 0, timeToFirstTokenMs: 0 });
      const path = join(directory, 'redis.json');
      await writeFile(
        path,
        JSON.stringify({
          server: { shutdownTimeoutMs: 120_000 },
          providers: { openai: { apiKey: VENDOR_KEY, baseURL: `${simulatorURL}/v1` } },
          apiKeys: [{ key: GATEWAY_KEY, id: 'key_workers', account: 'team_workers' }],
          billing: { freeAllocationNano: 1_000_000_000, rateLimits: { requestsPerMinute: 4 } },
          store: { redis: { url: redis.url, prefix: `workers-${Date.now()}:` } },
        }),
      );
      const server = runCli(['serve', '-c', path, '--port', '0', '--workers', '2'], { cwd: directory });
      const pattern = /serving on (http:\/\/127\.0\.0\.1:\d+) with 2 workers \(pids (\d+), (\d+)\)/;
      await waitFor(() => pattern.test(server.stdout()) || server.child.exitCode !== null, 240_000);
      assert.equal(server.child.exitCode, null, `serve exited:\n${server.stdout()}\n${server.stderr()}`);
      const [, origin, firstPid] = pattern.exec(server.stdout()) as RegExpExecArray;
      const clients = (await redis.command('CLIENT', 'LIST')).split('\n').filter((line) => /addr=/.test(line));
      assert.ok(clients.length >= 2, `both workers hold a Redis connection:\n${clients.join('\n')}`);

      // Six requests on six connections: the cluster hands them to the workers in turn (three each), so
      // a limit of four holds across them only because the workers count in the same store.
      const body = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'limit' }] };
      const statuses: number[] = [];
      for (let index = 0; index < 6; index += 1) statuses.push(await post(origin, body));
      assert.deepEqual(
        statuses.filter((code) => code === 200).length,
        4,
        `statuses ${statuses.join(', ')}: the limit of 4 is shared`,
      );
      assert.deepEqual(statuses.slice(4), [429, 429]);

      process.kill(Number(firstPid), 'SIGKILL');
      await waitFor(() => /worker \d+ exited \(SIGKILL\); starting another/.test(server.stderr()), 120_000);
      await waitFor(() => /worker \d+ serving/.test(server.stdout()), 240_000);

      simulator.configure({ tokensPerSecond: 20 });
      await redis.command('FLUSHALL');
      const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
      const words = Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ');
      const stream = await client.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: words }],
      });
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      let text = first.done ? '' : (first.value.choices[0]?.delta.content ?? '');
      server.child.kill('SIGTERM');
      await waitFor(() => /SIGTERM: stopping 2 worker\(s\)/.test(server.stdout()));
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        text += next.value.choices[0]?.delta.content ?? '';
      }
      assert.equal(text, `You said: ${words}`, 'the stream in flight finished whole');
      assert.equal(await server.exited, 0, `${server.stdout()}\n${server.stderr()}`);
      assert.match(server.stdout(), /switchyard: stopped\n$/);
      assert.doesNotMatch(server.stdout() + server.stderr(), new RegExp(VENDOR_KEY));
    });
  });
});
