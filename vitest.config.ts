import { defineConfig } from 'vitest/config';

/**
 * The suite: ~80 files on a 2-core machine; many spawn child processes (tsx examples, gateway workers),
 * start redis-server on free ports and run loopback HTTP servers (vendor simulators, the gateway).
 *
 * - pool `forks`: each file in its own child process, as Node's test runner ran them. The tests change
 *   process.env, spawn and signal children, and hold many sockets; worker threads would share one process
 *   (one env, one fd table, one event loop's libuv pool) between files, and `threads` cannot `process.chdir`.
 * - two files at a time (`maxWorkers: 2`), as `--test-concurrency=2` did: the machine has two cores, and each
 *   file already runs servers and children of its own.
 * - 120 s per test and per hook, as `--test-timeout=120000` did (node:test hooks had no limit at all: vitest's
 *   10 s default would fail a `beforeAll` that starts redis-server or imports an SDK on a loaded machine).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    isolate: true,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'adapters/**/*.ts'],
      reporter: ['text-summary', 'html', 'lcov'],
      reportsDirectory: 'coverage',
    },
  },
});
