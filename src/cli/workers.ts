/**
 * `switchyard serve --workers N`: N processes (node:cluster) on one port, sharing credits, limits, keys
 * and provider health through the configured store. The primary only supervises: it starts the workers,
 * says where they serve once every one listens, forwards SIGHUP (and config file changes) to them, replaces
 * a worker that dies, and on SIGTERM (or SIGINT) has every worker drain as one `serve` does, then exits.
 *
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isStoreInstance } from '../gateway-config.js';
import { MemoryStore } from '../store/memory-store.js';
import type { LoadedConfig } from './config-file.js';
import type { CommandOutput } from './serve.js';

/**
 * What a worker tells the primary.
 *
 * @example
 * ```ts
 * process.send?.({ switchyard: 'listening', origin: 'http://127.0.0.1:8787' } satisfies WorkerMessage);
 * ```
 */
export type WorkerMessage = { switchyard: 'listening'; origin: string } | { switchyard: 'failed' };

/**
 * Why a config cannot run on several processes, or undefined when it can: an in-memory store would give
 * each worker its own credits, limits, keys and breakers.
 *
 * @example
 * ```ts
 * const refusal = workersRefusal(loaded, 2); // 'serve --workers 2 needs a shared store: ...'
 * ```
 */
export function workersRefusal(loaded: LoadedConfig, count: number): string | undefined {
  if (count <= 1) return undefined;
  const store = loaded.gateway.store;
  const billing = loaded.gateway.billing as { store?: unknown } | undefined;
  const memory =
    (store === undefined && !(billing && typeof billing === 'object' && isStoreInstance(billing.store))) ||
    store === 'memory' ||
    store instanceof MemoryStore ||
    (typeof store === 'object' && !isStoreInstance(store) && 'memory' in store);
  if (!memory) return undefined;
  return (
    `serve --workers ${count} needs a shared store: with the in-memory store each worker would keep credits, ` +
    'budgets, rate limits, API keys and provider health of its own (a client would see a different balance ' +
    'on each request). Set `store: { redis: { url: "${REDIS_URL}" } }` in the config, or run one process.'
  );
}

/**
 * Runs the primary of `serve --workers N`; resolves to the exit code once every worker has stopped.
 *
 * @example
 * ```ts
 * if (cluster.isPrimary) process.exitCode = await runPrimary(2, loaded, context);
 * ```
 */
export async function runPrimary(
  count: number,
  loaded: LoadedConfig,
  context: CommandOutput & { onSignal(listener: (signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP') => void): void },
  options: { watch?: boolean } = {},
): Promise<number> {
  const workers = new Set<Worker>();
  let listening = 0;
  let stopping = false;
  let failed = false;
  let announced = false;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const started = new WeakSet<Worker>();

  const fork = (): void => {
    const worker = cluster.fork({ SWITCHYARD_WORKER: '1' });
    workers.add(worker);
    worker.on('message', (message: WorkerMessage) => {
      if (message?.switchyard === 'failed') failed = true;
      if (message?.switchyard !== 'listening') return;
      started.add(worker);
      listening += 1;
      if (!announced && listening === count) {
        announced = true;
        const pids = [...workers].map((each) => each.process.pid).join(', ');
        context.out(`switchyard: serving on ${message.origin} with ${count} workers (pids ${pids})`);
      } else if (announced) {
        context.out(`switchyard: worker ${worker.process.pid} serving`);
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (started.has(worker)) listening -= 1;
      if (stopping) {
        if (code !== 0) failed = true;
        if (workers.size === 0) resolveExit(failed ? 1 : 0);
        return;
      }
      if (!started.has(worker) || failed) {
        // A worker that could not start (the store is down, the port is taken): the others would fail too.
        context.error(`switchyard: a worker failed to start (exit ${signal ?? code}); stopping`);
        stop('a worker failed');
        return;
      }
      context.error(`switchyard: worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      fork();
    });
  };

  let watcher: FSWatcher | undefined;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    failed ||= reason === 'a worker failed';
    watcher?.close();
    context.out(`switchyard: ${reason}: stopping ${workers.size} worker(s), each lets its requests in flight finish`);
    if (workers.size === 0) resolveExit(failed ? 1 : 0);
    for (const worker of workers) worker.process.kill('SIGTERM');
  };
  const reloadAll = (reason: string): void => {
    if (stopping) return;
    context.out(`switchyard: ${reason}: reloading ${workers.size} worker(s)`);
    for (const worker of workers) worker.process.kill('SIGHUP');
  };

  context.onSignal((signal) => {
    if (signal === 'SIGHUP') reloadAll('SIGHUP');
    else if (stopping) {
      context.error(`switchyard: ${signal} again: stopping the workers without waiting`);
      for (const worker of workers) worker.process.kill('SIGKILL');
    } else stop(signal);
  });
  if (options.watch) {
    const name = basename(loaded.path);
    let timer: NodeJS.Timeout | undefined;
    watcher = watch(dirname(loaded.path), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(() => reloadAll(`${name} changed`), 150);
    });
  }
  for (let index = 0; index < count; index += 1) fork();
  const code = await exited;
  context.out('switchyard: stopped');
  return code;
}
