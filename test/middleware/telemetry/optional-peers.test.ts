/**
 * The telemetry peers (`@opentelemetry/api`, `prom-client`) are optional: importing switchyard loads
 * neither, a router or handler without telemetry loads neither, a configured one loads its own, and a
 * missing one fails with an error naming the package. Run against the built package in child processes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, it } from 'vitest';

const RECORD = './test/package/fixtures/record-imports.mjs';
const HIDE = './test/middleware/telemetry/fixtures/hide-peers.mjs';
const PEERS = ['@opentelemetry/api', 'prom-client'];

function run(args: string[]): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `node ${args.join(' ')} failed: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

// Nothing listens at the base URL: a request fails at once, after the telemetry middleware has loaded its peer.
const ROUTER =
  "{ providers: { openai: { type: 'openai', apiKey: 'sk-x', baseURL: 'http://127.0.0.1:9/v1' } }, preload: false";

describe('telemetry peers', () => {
  beforeAll(() => {
    if (!existsSync('dist/index.js')) execFileSync('npx', ['tsup', '--silent'], { stdio: 'inherit' });
  });

  it('are not loaded by importing switchyard, nor by a router and handler without telemetry', () => {
    const plain = run([
      '--import',
      RECORD,
      '--input-type=module',
      '-e',
      `const { Router, createGatewayHandler } = await import('switchyard'); const router = new Router(${ROUTER} }); createGatewayHandler({ router, logger: false }); await router.generate({ model: 'openai:gpt-4o', prompt: 'Hi' }).catch(() => undefined);`,
    ]);
    for (const peer of PEERS) assert.ok(!plain.stderr.includes(`IMPORT ${peer}\n`), `loaded ${peer}`);
  });

  it('are loaded when configured, each its own', () => {
    const traced = run([
      '--import',
      RECORD,
      '--input-type=module',
      '-e',
      `const { Router } = await import('switchyard'); const router = new Router(${ROUTER}, telemetry: { openTelemetry: true } }); await router.generate({ model: 'openai:gpt-4o', prompt: 'Hi' }).catch(() => undefined);`,
    ]);
    assert.ok(traced.stderr.includes('IMPORT @opentelemetry/api\n'));
    assert.ok(!traced.stderr.includes('IMPORT prom-client\n'));
    const scraped = run([
      '--import',
      RECORD,
      '-e',
      `const { Router, createGatewayHandler } = require('switchyard'); const handler = createGatewayHandler({ router: new Router(${ROUTER} }), logger: false, metrics: true }); handler.handle({ method: 'GET', url: '/metrics', headers: {}, readBody: async () => '', signal: new AbortController().signal }).then((response) => console.log(response.status, response.body.includes('switchyard_requests_in_flight 0')));`,
    ]);
    assert.equal(scraped.stdout.trim(), '200 true');
    assert.ok(scraped.stderr.includes('IMPORT prom-client\n'));
    assert.ok(!scraped.stderr.includes('IMPORT @opentelemetry/api\n'));
  });

  it('fail with an error naming the package when it is not installed', () => {
    const traced = run([
      '--import',
      HIDE,
      '--input-type=module',
      '-e',
      `const { Router } = await import('switchyard'); const router = new Router(${ROUTER}, telemetry: { openTelemetry: true } }); const warnings = []; router.on('warning', (warning) => warnings.push(warning.code)); try { await router.generate({ model: 'openai:gpt-4o', prompt: 'Hi' }); } catch (error) { console.log(error.code, error.message, warnings.join(',')); }`,
    ]);
    assert.match(
      traced.stdout,
      /^config_invalid .*'@opentelemetry\/api'.*npm install @opentelemetry\/api.* telemetry_unavailable$/m,
    );
    const scraped = run([
      '--import',
      HIDE,
      '-e',
      `const { Router, createGatewayHandler } = require('switchyard'); const handler = createGatewayHandler({ router: new Router(${ROUTER} }), logger: false, metrics: true }); handler.handle({ method: 'GET', url: '/metrics', headers: {}, readBody: async () => '', signal: new AbortController().signal }).then((response) => console.log(response.status, response.body));`,
    ]);
    assert.match(scraped.stdout, /^500 .*npm install prom-client/);
  });
});
