/**
 * The packed package type-checks in a consumer app under each module setting an app may use
 * (nodenext ESM and CommonJS, bundler, node10 with CommonJS), with `skipLibCheck` off and only one
 * vendor SDK (@anthropic-ai/sdk) installed: public types must need no optional peer, and every
 * subpath must resolve without `exports` support. Also: the tarball ships the code and the licence.
 * Slow (a tsc run per setting): runs under `npm run test:package` (SWITCHYARD_PACKAGE_TESTS=1), which
 * packs a clean copy of the repository once (SWITCHYARD_TARBALL); installs nothing from the network.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { installTarball, PACKAGE_TESTS, packTarball, ROOT, run, scratchDirectory } from './tarball.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const FIXTURE = join(ROOT, 'test', 'package', 'fixtures', 'consumer', 'consumer.ts');

const SETTINGS: Record<string, { compilerOptions: Record<string, unknown>; files: string[] }> = {
  nodenext: {
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    files: ['consumer.mts', 'consumer.cts'],
  },
  bundler: { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, files: ['consumer.ts'] },
  node10: {
    compilerOptions: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
    files: ['consumer.ts'],
  },
};

describe(`the packed package in a consumer app${PACKAGE_TESTS ? ` (skipped: ${PACKAGE_TESTS})` : ''}`, {
  skip: Boolean(PACKAGE_TESTS),
}, () => {
  let app: string;
  let tarball: string;
  const checks = new Map<string, Promise<{ failed: boolean; output: string }>>();
  beforeAll(() => {
    tarball =
      process.env.SWITCHYARD_TARBALL ?? packTarball({ fromCleanClone: !existsSync(join(ROOT, 'dist', 'index.js')) });
    app = scratchDirectory('consumer');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // Of the vendor SDKs, only @anthropic-ai/sdk; Express's types for switchyard/express.
    installTarball(tarball, app, ['@anthropic-ai/sdk', '@types/node', '@types/express']);
    for (const file of ['consumer.ts', 'consumer.mts', 'consumer.cts']) copyFileSync(FIXTURE, join(app, file));
    // The type checks run side by side (each is a tsc process); each test below reads its own.
    for (const [name, setting] of Object.entries(SETTINGS)) {
      const tsconfig = `tsconfig.${name}.json`;
      writeFileSync(
        join(app, tsconfig),
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
            ...setting.compilerOptions,
          },
          files: setting.files,
        }),
      );
      checks.set(
        name,
        new Promise((resolve) =>
          execFile(process.execPath, [TSC, '-p', tsconfig], { cwd: app, encoding: 'utf8' }, (error, stdout, stderr) =>
            resolve({ failed: error !== null, output: `tsc -p ${tsconfig}:\n${stdout}${stderr}` }),
          ),
        ),
      );
    }
  });

  it('ships dist, README and LICENSE', () => {
    const files = run('tar', ['-tzf', tarball], { cwd: app }).stdout.split('\n');
    for (const file of [
      'package/dist/index.js',
      'package/dist/index.cjs',
      'package/dist/index.d.ts',
      'package/dist/adapters/next.js',
      'package/README.md',
      'package/LICENSE',
    ])
      assert.ok(files.includes(file), `the tarball holds ${file}`);
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'switchyard', 'package.json'), 'utf8')) as {
      license: string;
      repository?: { url: string };
      homepage?: string;
      scripts: Record<string, string>;
    };
    assert.equal(manifest.license, 'MIT');
    assert.match(readFileSync(join(app, 'node_modules', 'switchyard', 'LICENSE'), 'utf8'), /^MIT License/);
    assert.match(manifest.repository?.url ?? '', /github\.com\/switchyard-gateway\/switchyard/);
    assert.ok(manifest.homepage);
    assert.match(manifest.scripts.prepack ?? '', /tsup/, 'npm pack builds dist/ first');
  });

  afterAll(async () => {
    await Promise.all(checks.values());
    if (app) rmSync(app, { recursive: true, force: true });
  });

  for (const name of Object.keys(SETTINGS)) {
    it(`type-checks with ${name} resolution, no skipLibCheck, without openai installed`, async () => {
      const check = await checks.get(name);
      assert.ok(check && !check.failed, check?.output);
    });
  }
});
