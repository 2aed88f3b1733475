import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'tsup';
import { writeDashboardAssets } from './scripts/build-dashboard.js';

// The dashboard page (src/dashboard/) is bundled into a generated module the package inlines: built first.
writeDashboardAssets();

/**
 * tsup turns the CommonJS chunks' `import()` into `require()` (sucrase), which drops the bundler-ignore
 * comments of src/core/optional-import.ts: bundlers would then try to resolve every optional vendor SDK.
 * This puts the native `import()` back in the one function that loads optional packages (dynamic
 * `import()` works in CommonJS on every supported Node), and fails the build if it cannot find it.
 */
function keepNativeOptionalImport(directory: string): void {
  const required =
    /Promise\.resolve\(\)\.then\(\(\) => _interopRequireWildcard\(require\((\s*\/\* webpackIgnore: true \*\/\s*\/\* turbopackIgnore: true \*\/[^)]*?specifier\s*)\)\)\)/g;
  let rewritten = 0;
  for (const name of readdirSync(directory)) {
    if (!name.endsWith('.cjs')) continue;
    const path = join(directory, name);
    const code = readFileSync(path, 'utf8');
    if (!code.includes('turbopackIgnore')) continue;
    const fixed = code.replace(required, (_match, argument: string) => {
      rewritten += 1;
      return `import(${argument})`;
    });
    writeFileSync(path, fixed);
  }
  if (rewritten !== 1)
    throw new Error(`tsup.config.ts: expected one optional import to restore in dist/*.cjs, found ${rewritten}`);
}

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'adapters/express': 'adapters/express.ts',
    'adapters/koa': 'adapters/koa.ts',
    'adapters/next': 'adapters/next.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  target: 'node20',
  platform: 'node',
  // Vendor SDKs and frameworks stay external: they are optional peers, loaded lazily (google-auth-library
  // comes with the Google SDKs; the vertex provider loads it for Claude with service-account keys).
  onSuccess: async () => keepNativeOptionalImport('dist'),
  external: [
    /^openai/,
    /^@anthropic-ai\//,
    /^@google\//,
    /^@mistralai\//,
    /^@aws-sdk\//,
    /^@smithy\//,
    /^cohere-ai/,
    'google-auth-library',
    'ioredis',
    'express',
    'koa',
    'next',
    'zod',
  ],
});
