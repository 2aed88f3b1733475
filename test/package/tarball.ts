/**
 * Packs switchyard with `npm pack` and lays it out in scratch apps, for the tests that consume the
 * package as an app would (test/package/*.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The `skip` option of the slow package tests: they run under `npm run test:package`, which sets
 * SWITCHYARD_PACKAGE_TESTS=1, and are skipped by `npm test`.
 */
export const PACKAGE_TESTS: string | false =
  process.env.SWITCHYARD_PACKAGE_TESTS === '1' ? false : 'slow: run by npm run test:package';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Runs a command; fails the test with its output when it exits non-zero.
 *
 * @example
 * ```ts
 * const { stdout } = run('npm', ['pack', '--json'], { cwd: ROOT });
 * ```
 */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(
    result.status,
    0,
    `${command} ${args.join(' ')} (in ${options.cwd}) failed:\n${result.stdout}\n${result.stderr}`,
  );
  return { stdout: result.stdout, stderr: result.stderr };
}

/** A new scratch directory under the system's temp directory. */
export function scratchDirectory(name: string): string {
  return mkdtempSync(join(tmpdir(), `switchyard-${name}-`));
}

/**
 * `npm pack` of this checkout into a scratch directory; returns the tarball's path.
 * `fromCleanClone` packs a copy of the repository's files without dist/ (as a fresh clone has), so
 * the package's own `prepack` must build it; otherwise the dist/ already built is packed as is.
 *
 * @example
 * ```ts
 * const tarball = packTarball({ fromCleanClone: false });
 * ```
 */
export function packTarball(options: { fromCleanClone: boolean }): string {
  const destination = scratchDirectory('pack');
  let source = ROOT;
  if (options.fromCleanClone) {
    source = join(destination, 'clone');
    const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT })
      .stdout.split('\0')
      .filter(Boolean);
    for (const file of files) {
      mkdirSync(dirname(join(source, file)), { recursive: true });
      try {
        cpSync(join(ROOT, file), join(source, file));
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw error; // a file deleted but not yet committed
      }
    }
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  }
  const { stdout } = run(
    'npm',
    ['pack', '--json', '--pack-destination', destination, ...(options.fromCleanClone ? [] : ['--ignore-scripts'])],
    { cwd: source },
  );
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  assert.ok(
    packed.files.some((file) => file.path === 'dist/index.js'),
    'the tarball holds dist/',
  );
  return join(destination, packed.filename);
}

/**
 * Extracts a tarball into `<app>/node_modules/switchyard` (as npm would install it), without the
 * network: its dependencies are linked from this checkout's node_modules.
 *
 * @example
 * ```ts
 * installTarball(tarball, app, ['@anthropic-ai/sdk', '@types/node']);
 * ```
 */
export function installTarball(tarball: string, app: string, alsoLink: string[]): void {
  const target = join(app, 'node_modules', 'switchyard');
  mkdirSync(target, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], { cwd: app });
  const dependencies = Object.keys(
    (JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> })
      .dependencies ?? {},
  );
  for (const name of [...dependencies, ...alsoLink]) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  }
}
