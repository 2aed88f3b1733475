/**
 * The built package: ESM and CommonJS entry points of `switchyard` and `switchyard/testing`, and no
 * vendor SDK loaded by importing it. Runs against dist/ (built by `npm test`'s pretest step).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';

const VENDORS = ['openai', '@anthropic-ai/sdk', '@anthropic-ai/vertex-sdk', 'google-auth-library', '@google/genai', '@mistralai/mistralai', '@aws-sdk/client-bedrock-runtime', 'cohere-ai', 'ioredis'];

function run(args: string[]): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `node ${args.join(' ')} failed: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

describe('package exports', () => {
  it('dist is built', () => {
    if (!existsSync('dist/index.js')) execFileSync('npx', ['tsup', '--silent'], { stdio: 'inherit' });
    assert.ok(existsSync('dist/index.js') && existsSync('dist/index.cjs') && existsSync('dist/index.d.ts') && existsSync('dist/testing/index.cjs'));
  });

  it('works with import', () => {
    const { stdout } = run(['--input-type=module', '-e', "const m = await import('switchyard'); const t = await import('switchyard/testing'); console.log(typeof m.Router, typeof m.GatewayError, typeof m.latencyWeighted, typeof t.Simulator, typeof t.createOpenAISimulator)"]);
    assert.equal(stdout.trim(), 'function function function function function');
  });

  it('works with require', () => {
    const { stdout } = run(['-e', "const m = require('switchyard'); const t = require('switchyard/testing'); console.log(typeof m.Router, typeof m.GatewayError, typeof t.Simulator, typeof t.createAnthropicSimulator)"]);
    assert.equal(stdout.trim(), 'function function function function');
  });

  it('loads no vendor SDK on import; a router loads those of its configured providers only, at start-up', () => {
    const imported = run(['--import', './test/package/fixtures/record-imports.mjs', '--input-type=module', '-e', "await import('switchyard');"]);
    for (const vendor of VENDORS) assert.ok(!imported.stderr.includes(`IMPORT ${vendor}\n`), `ESM import loaded ${vendor}`);
    const lazy = run(['-e', "const { Router } = require('switchyard'); new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-x' } }, preload: false }); setTimeout(() => console.log(Object.keys(require.cache).filter((path) => path.includes('node_modules')).join('\\n')), 200)"]);
    for (const vendor of VENDORS) assert.ok(!lazy.stdout.includes(`node_modules/${vendor}/`), `require loaded ${vendor} with preload: false`);
    const esm = run(['--import', './test/package/fixtures/record-imports.mjs', '--input-type=module', '-e', "const { Router } = await import('switchyard'); await new Router({ providers: { openai: { type: 'openai', apiKey: 'sk-x' } } }).ready();"]);
    assert.ok(esm.stderr.includes('IMPORT openai\n'), 'ready() has loaded the openai SDK');
    for (const vendor of VENDORS.filter((vendor) => vendor !== 'openai')) assert.ok(!esm.stderr.includes(`IMPORT ${vendor}\n`), `a router over openai loaded ${vendor}`);
    const cjs = run(['-e', "const { Router } = require('switchyard'); new Router({ providers: { anthropic: { type: 'anthropic', apiKey: 'sk-x' } } }).ready().then(() => console.log(Object.keys(require.cache).filter((path) => path.includes('node_modules')).join('\\n')))"]);
    assert.ok(cjs.stdout.includes('node_modules/@anthropic-ai/sdk/'), 'ready() has required the Anthropic SDK');
    for (const vendor of VENDORS.filter((vendor) => vendor !== '@anthropic-ai/sdk')) assert.ok(!cjs.stdout.includes(`node_modules/${vendor}/`), `a router over anthropic required ${vendor}`);
  });
});
