/**
 * The built package: ESM and CommonJS entry points of `switchyard` and `switchyard/testing`, and no
 * vendor SDK loaded by importing it. Runs against dist/ (built by `npm test`'s pretest step).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'vitest';

const VENDORS = [
  'openai',
  '@anthropic-ai/sdk',
  '@anthropic-ai/vertex-sdk',
  'google-auth-library',
  '@google/genai',
  '@mistralai/mistralai',
  '@aws-sdk/client-bedrock-runtime',
  'cohere-ai',
  'ioredis',
];

function run(args: string[]): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `node ${args.join(' ')} failed: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

describe('package exports', () => {
  it('dist is built', () => {
    if (!existsSync('dist/index.js')) execFileSync('npx', ['tsup', '--silent'], { stdio: 'inherit' });
    assert.ok(
      existsSync('dist/index.js') &&
        existsSync('dist/index.cjs') &&
        existsSync('dist/index.d.ts') &&
        existsSync('dist/testing/index.cjs'),
    );
  });

  it('works with import', () => {
    const { stdout } = run([
      '--input-type=module',
      '-e',
      "const m = await import('switchyard'); const t = await import('switchyard/testing'); console.log(typeof m.Router, typeof m.GatewayError, typeof m.latencyWeighted, typeof t.Simulator, typeof t.createOpenAISimulator)",
    ]);
    assert.equal(stdout.trim(), 'function function function function function');
  });

  it('works with require', () => {
    const { stdout } = run([
      '-e',
      "const m = require('switchyard'); const t = require('switchyard/testing'); console.log(typeof m.Router, typeof m.GatewayError, typeof t.Simulator, typeof t.createAnthropicSimulator)",
    ]);
    assert.equal(stdout.trim(), 'function function function function');
  });

  it('loads no vendor SDK on import; a router loads those of its configured providers only, at start-up', () => {
    const imported = run([
      '--import',
      './test/package/fixtures/record-imports.mjs',
      '--input-type=module',
      '-e',
      "await import('switchyard');",
    ]);
    for (const vendor of VENDORS)
      assert.ok(!imported.stderr.includes(`IMPORT ${vendor}\n`), `ESM import loaded ${vendor}`);
    // Nor the transport (loaded with the first provider) or the JSON Schema validator (with the first schema).
    for (const dependency of ['undici', 'ajv'])
      assert.ok(!imported.stderr.includes(`IMPORT ${dependency}\n`), `ESM import loaded ${dependency}`);
    const lazy = run([
      '--import',
      './test/package/fixtures/record-imports.mjs',
      '-e',
      "const { Router } = require('switchyard'); new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-x' } }, preload: false }); setTimeout(() => console.log('waited'), 200)",
    ]);
    assert.equal(lazy.stdout.trim(), 'waited');
    for (const vendor of VENDORS)
      assert.ok(
        !lazy.stderr.includes(`IMPORT ${vendor}\n`),
        `require('switchyard') loaded ${vendor} with preload: false`,
      );
    const esm = run([
      '--import',
      './test/package/fixtures/record-imports.mjs',
      '--input-type=module',
      '-e',
      "const { Router } = await import('switchyard'); await new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-x' } } }).ready();",
    ]);
    assert.ok(esm.stderr.includes('IMPORT openai\n'), 'ready() has loaded the openai SDK');
    assert.ok(esm.stderr.includes('IMPORT undici\n'), 'ready() has loaded the transport');
    for (const vendor of VENDORS.filter((vendor) => vendor !== 'openai'))
      assert.ok(!esm.stderr.includes(`IMPORT ${vendor}\n`), `a router over openai loaded ${vendor}`);
    // The CommonJS build loads an SDK with a native import() too (out of bundlers' sight), so the resolve hook sees it.
    const cjs = run([
      '--import',
      './test/package/fixtures/record-imports.mjs',
      '-e',
      "const { Router } = require('switchyard'); new Router({ providers: { anthropic: { type: 'anthropic', apiKey: 'sk-x' } } }).ready().then(() => console.log('ready'))",
    ]);
    assert.equal(cjs.stdout.trim(), 'ready');
    assert.ok(cjs.stderr.includes('IMPORT @anthropic-ai/sdk\n'), 'ready() has loaded the Anthropic SDK');
    for (const vendor of VENDORS.filter((vendor) => vendor !== '@anthropic-ai/sdk'))
      assert.ok(!cjs.stderr.includes(`IMPORT ${vendor}\n`), `a router over anthropic loaded ${vendor}`);
  });

  it("optional packages are loaded out of bundlers' sight, by a native import() in both builds", () => {
    const OPTIONAL = [...VENDORS, '@smithy/node-http-handler', '@mistralai/mistralai/models/components'];
    for (const file of readdirSync('dist').filter((name) => /\.c?js$/.test(name))) {
      const code = readFileSync(`dist/${file}`, 'utf8');
      for (const name of OPTIONAL) {
        // A literal specifier is what webpack and Turbopack resolve at build time ("Module not found").
        for (const call of [`import("${name}")`, `require("${name}")`])
          assert.ok(!code.includes(call), `dist/${file} has ${call}`);
      }
      if (code.includes('function importOptional')) {
        assert.match(
          code,
          /return import\(\s*\/\* webpackIgnore: true \*\/\s*\/\* turbopackIgnore: true \*\//,
          `dist/${file}: a native import() with the ignore comments`,
        );
      }
    }
    const loaders = readdirSync('dist').filter(
      (name) => /\.c?js$/.test(name) && readFileSync(`dist/${name}`, 'utf8').includes('function importOptional'),
    );
    assert.deepEqual(loaders.map((name) => name.split('.').pop()).sort(), ['cjs', 'js'], 'one loader in each build');
  });

  it('the CommonJS build loads a vendor SDK when a provider is used, and serves a request', () => {
    const { stdout } = run([
      '-e',
      `(async () => {
      const { Router } = require('switchyard');
      const { createOpenAISimulator } = require('switchyard/testing');
      const simulator = createOpenAISimulator();
      const baseURL = await simulator.start();
      const router = new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-test-key-0001', baseURL: baseURL + '/v1' } } });
      const result = await router.generate({ model: 'openai/gpt-4o', prompt: 'from require' });
      await router.close();
      await simulator.close();
      console.log(result.text);
    })().catch((error) => { console.error(error); process.exit(1); });`,
    ]);
    assert.equal(stdout.trim(), 'You said: from require');
  });
});
