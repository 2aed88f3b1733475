/**
 * Test helper: a private three-master Redis Cluster (Debian's `redis-server` with `cluster-enabled yes`, and
 * `redis-cli --cluster create`, from `redis-tools`, a dependency of `redis-server`), each node on a free
 * loopback port in its own temporary directory, ready once every node reports `cluster_state:ok`, stopped
 * after the test.
 *
 * @module
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, onPath, REDIS_SKIP } from './redis-server.js';

/**
 * Why the Redis Cluster suites are skipped, or `false` when they run: as {@link REDIS_SKIP}, and also when
 * `redis-cli` (Debian package `redis-tools`) is missing; with `SWITCHYARD_REQUIRE_REDIS=1` they never skip.
 *
 * @example
 * ```ts
 * describe('on a Redis Cluster', { skip: Boolean(REDIS_CLUSTER_SKIP) }, () => { ... });
 * ```
 */
export const REDIS_CLUSTER_SKIP: string | false =
  REDIS_SKIP ||
  (onPath('redis-cli') || process.env.SWITCHYARD_REQUIRE_REDIS === '1'
    ? false
    : 'redis-cli is not on the PATH: install it (Debian: apt-get install redis-tools) to run the Redis Cluster tests');

/**
 * A running test cluster.
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster();
 * const store = new RedisStore({ cluster: cluster.urls });
 * await cluster.stop();
 * ```
 */
export interface TestRedisCluster {
  /** One `redis://127.0.0.1:<port>` per master. */
  readonly urls: string[];
  readonly ports: number[];
  /** Runs `redis-cli -p <port> <args>` against a node (the first by default) and returns its output. */
  cli(args: string[], port?: number): Promise<string>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/**
 * Starts a three-master cluster (no replicas) and waits until its state is ok on every node.
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster();
 * ```
 */
export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const cli = async (args: string[], port = ports[0]): Promise<string> =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 })).stdout;
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    while (ports.length < masters) {
      const port = await freePort();
      // The cluster bus listens on port + 10000: both must be free, and distinct from the other nodes'.
      if (port + 10_000 > 65_535 || ports.includes(port)) continue;
      ports.push(port);
    }
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          directory,
        ],
        { stdio: 'ignore' },
      );
      child.once('error', () => undefined);
      children.push(child);
    }
    for (const port of ports) await poll(async () => (await cli(['PING'], port)).trim() === 'PONG', 'PING');
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 60_000 },
    );
    for (const port of ports)
      await poll(async () => (await cli(['CLUSTER', 'INFO'], port)).includes('cluster_state:ok'), 'cluster_state:ok');
    // Every node knows every other one (the gossip has reached them all).
    for (const port of ports)
      await poll(
        async () => (await cli(['CLUSTER', 'NODES'], port)).trim().split('\n').length === masters,
        'CLUSTER NODES',
      );
  } catch (error) {
    await stop();
    throw new Error(
      `Could not start a Redis Cluster (install the Debian package redis-server, which brings redis-cli): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { urls: ports.map((port) => `redis://127.0.0.1:${port}`), ports, cli, stop };
}

/** Polls a condition (every 20 ms, for up to 60 s: a loaded machine is slow, not broken). */
async function poll(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`the cluster did not reach ${what} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
