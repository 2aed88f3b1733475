/**
 * Test helper: a private `redis-server` (Debian package `redis-server`) on a free loopback port,
 * without persistence unless asked, stopped after the test.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Whether an executable of this name is on the PATH.
 *
 * @example
 * ```ts
 * onPath('redis-cli'); // true where redis-tools is installed
 * ```
 */
export function onPath(command: string): boolean {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    try {
      accessSync(join(directory, command), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * Why the suites that need a `redis-server` are skipped, or `false` when they run: they run when
 * `redis-server` is on the PATH, and are required (fail rather than skip) with
 * `SWITCHYARD_REQUIRE_REDIS=1`, as `.ci/run` sets. Pass it as a suite's `skip` option.
 *
 * @example
 * ```ts
 * describe('Redis store', { skip: REDIS_SKIP }, () => { ... });
 * ```
 */
export const REDIS_SKIP: string | false =
  onPath('redis-server') || process.env.SWITCHYARD_REQUIRE_REDIS === '1'
    ? false
    : 'redis-server is not on the PATH: install it (Debian: apt-get install redis-server) to run the Redis store tests; SWITCHYARD_REQUIRE_REDIS=1 makes them required';

/**
 * A running test Redis.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * const store = new RedisStore({ url: redis.url });
 * await redis.stop();
 * ```
 */
export interface TestRedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (with `save`, first writes its data to disk so `start()` restores it). */
  stop(options?: { save?: boolean }): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
  /** Sends one command and returns the raw reply (for FLUSHALL and the like). */
  command(...args: string[]): Promise<string>;
}

/**
 * Finds a free loopback TCP port.
 *
 * @example
 * ```ts
 * const port = await freePort();
 * ```
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a private `redis-server` on a free port; fails with a clear message when it is not installed.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * ```
 */
export async function startRedisServer(): Promise<TestRedisServer> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    mkdirSync(directory, { recursive: true });
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        directory,
        '--dbfilename',
        'dump.rdb',
      ],
      { stdio: 'ignore' },
    );
    const failed = new Promise<never>((_, reject) => {
      server.once('error', (error) =>
        reject(new Error(`Could not start redis-server (install the Debian package redis-server): ${error.message}`)),
      );
      server.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
    });
    failed.catch(() => undefined);
    child = server;
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await Promise.race([send(port, ['PING']), failed]);
        return;
      } catch (error) {
        if (
          Date.now() > deadline ||
          server.exitCode !== null ||
          (error instanceof Error && error.message.includes('redis-server'))
        )
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };

  const stop = async (options: { save?: boolean } = {}): Promise<void> => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null) return;
    server.kill('SIGCONT');
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    if (options.save) await send(port, ['SHUTDOWN', 'SAVE']).catch(() => undefined);
    else server.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop(options) {
      await stop(options);
      if (!options?.save) rmSync(directory, { recursive: true, force: true });
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    command: (...args) => send(port, args),
  };
}

function send(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('redis-server did not answer')));
    socket.once('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`),
    );
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        socket.end();
        resolve(reply.trim());
      }
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(reply.trim()));
  });
}

/** Appended to the name of a suite skipped for want of redis-server, so that the report says why. */
export const REDIS_SKIP_NOTE: string = REDIS_SKIP ? ` (skipped: ${REDIS_SKIP})` : '';
