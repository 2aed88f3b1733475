#!/usr/bin/env node
// `npm run test:package`: the slow tests of the package as apps consume it. Packs a clean copy of the
// repository once with `npm pack` (its prepack builds dist/, as from a fresh clone), then runs the
// consumer type checks and the Next.js builds against that tarball, with vitest, one file at a time.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const packed = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    "const { packTarball } = await import('./test/package/tarball.ts'); console.log(packTarball({ fromCleanClone: true }));",
  ],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
);
if (packed.status !== 0) process.exit(packed.status ?? 1);
const tarball = packed.stdout.trim().split('\n').pop();
console.log(`package tests: packed ${tarball}`);
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ['test/package/consumer-types.test.ts', 'test/package/next-build.test.ts'];
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', '--maxWorkers=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, SWITCHYARD_PACKAGE_TESTS: '1', SWITCHYARD_TARBALL: tarball },
});
rmSync(dirname(tarball), { recursive: true, force: true }); // the tarball and the clean copy it was packed from
process.exit(result.status ?? 1);
