/**
 * Test helper: the `switchyard` command as a user runs it, spawned (from source through tsx, or the built
 * binary), its output collected, and killed after the suite if still running.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** A spawned command. */
export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

const running: CliRun[] = [];

/**
 * Spawns `switchyard <args>` in `cwd` with only `environment` (plus PATH and HOME).
 *
 * @example
 * ```ts
 * const server = runCli(['serve', '-c', path, '-p', '0'], { cwd });
 * ```
 */
export function runCli(args: string[], options: { cwd: string; environment?: Record<string, string> }): CliRun {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...options.environment },
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

/**
 * Waits until `serve` says where it serves, and resolves to its origin; fails with its output when it exited.
 *
 * @example
 * ```ts
 * const origin = await servingOrigin(server);
 * ```
 */
export async function servingOrigin(run: CliRun, timeoutMs = 240_000): Promise<string> {
  const pattern = /serving on (http:\/\/127\.0\.0\.1:\d+)/;
  // The lines after it come in writes of their own: the last one (the docs) says they are all there.
  await waitFor(
    () => (pattern.test(run.stdout()) && /\n {2}docs: .*\n/.test(run.stdout())) || run.child.exitCode !== null,
    timeoutMs,
  );
  if (run.child.exitCode !== null)
    throw new Error(`serve exited ${run.child.exitCode}:\n${run.stdout()}\n${run.stderr()}`);
  return pattern.exec(run.stdout())?.[1] as string;
}

/**
 * Kills every command still running (SIGKILL) and waits for it to exit.
 *
 * @example
 * ```ts
 * afterAll(() => killAll());
 * ```
 */
export async function killAll(): Promise<void> {
  for (const started of running.splice(0)) {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
    await started.exited;
  }
}
