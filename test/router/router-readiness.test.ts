/**
 * Start-up: the router loads its providers' SDKs in the background (`ready()`), outside every
 * attempt's clock; a missing SDK is reported at start-up and skipped, not retried on every request.
 * This file imports no vendor SDK itself, so its first request meets a cold one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AttemptRecord } from '../../src/core/events.js';
import { Router } from '../../src/router/router.js';
import { createAnthropicSimulator } from '../../src/testing/anthropic-simulator.js';
import { startSimulatedProviders } from '../../src/testing/simulated-providers.js';
import { optionalImportsRequested } from '../../src/core/optional-import.js';
import { nodeFetchLoaded } from '../../src/providers/shared/node-fetch.js';
import { PROVIDER_TYPES } from '../../src/providers/provider.js';
import { WARM_MODELS } from '../fixtures/warm-models.js';

describe('Router start-up', () => {
  it('loads the SDKs of its providers in the background, and no attempt or statistic includes the load', async () => {
    const simulator = createAnthropicSimulator();
    const url = await simulator.start();
    try {
      const router = new Router({
        providers: { anthropic: { type: 'anthropic', apiKey: 'sk-ant-test', baseURL: url } },
        retry: { maxRetries: 0 },
      });
      const attempts: AttemptRecord[] = [];
      router.on('attempt', (attempt) => void attempts.push(attempt));
      // Sent at once, while the SDK is still loading (this process has not loaded it yet).
      const sentAt = Date.now();
      const answer = router.generate({ model: 'anthropic/claude-sonnet-4', prompt: 'cold start' });
      // The same module the router is loading: this resolves when it has loaded, before the router's own
      // continuation (fewer steps), so it marks the end of the load.
      let loadedAt = 0;
      const loaded = import('@anthropic-ai/sdk').then(() => {
        loadedAt = Date.now();
      });
      const result = await answer;
      await loaded;
      await router.ready();
      assert.equal(result.provider, 'anthropic');
      assert.equal(attempts.length, 1);
      assert.ok(loadedAt > sentAt, 'the SDK took a while to load');
      // The attempt's clock started once the SDK had loaded, so its latency, and the health statistics,
      // hold the request only.
      assert.ok(
        attempts[0].startTime >= loadedAt,
        `the attempt started ${loadedAt - attempts[0].startTime} ms before the SDK had loaded`,
      );
      assert.equal(
        router.health.snapshot('anthropic', 'claude-sonnet-4-20250514').latencyMs.p50,
        attempts[0].latencyMs,
      );
      await router.close();
    } finally {
      await simulator.close();
    }
  });

  it('warns at start-up of a provider whose SDK is missing, and skips it without retrying it on every request', async () => {
    const script = fileURLToPath(new URL('../fixtures/router-without-cohere.ts', import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script]);
    const report = JSON.parse(stdout) as {
      warningsAtReady: Array<{ code: string; message: string }>;
      attempts: Array<Array<{ provider: string; outcome: string; code?: string }>>;
    };
    assert.equal(report.warningsAtReady.length, 1);
    assert.equal(report.warningsAtReady[0].code, 'provider_sdk_missing');
    assert.match(report.warningsAtReady[0].message, /cohere.*npm install cohere-ai/);
    const skipped = [
      { provider: 'cohere', outcome: 'error', code: 'provider_sdk_missing' },
      { provider: 'openai', outcome: 'success' },
    ];
    assert.deepEqual(report.attempts, [skipped, skipped]);
    assert.equal(
      stderr.split('\n').filter((line) => line === 'RESOLVE cohere-ai').length,
      1,
      'the missing package is looked for once, not on every request',
    );
  });

  it('after ready(), a request to each provider type imports no optional package: ready() loaded them all', async () => {
    const simulated = await startSimulatedProviders();
    try {
      const router = new Router({ providers: simulated.providers, retry: { maxRetries: 0 } });
      await router.ready();
      assert.ok(nodeFetchLoaded(), 'the transport the SDK clients use is loaded');
      const loadedAtReady = [...optionalImportsRequested()];
      for (const sdk of ['openai', '@anthropic-ai/sdk', '@google/genai', '@mistralai/mistralai', 'cohere-ai'])
        assert.ok(loadedAtReady.includes(sdk), `${sdk} is loaded by ready()`);
      // The modules the providers load on a first call, besides the SDK itself.
      assert.ok(loadedAtReady.includes('@smithy/node-http-handler'), "Bedrock's HTTP/1.1 handler is loaded");
      assert.ok(loadedAtReady.includes('@mistralai/mistralai/models/components'), "Mistral's schemas are read");
      for (const type of PROVIDER_TYPES) {
        const result = await router.generate({ model: `${type}:${WARM_MODELS[type]}`, prompt: 'warm?' });
        assert.equal(result.provider, type);
      }
      assert.deepEqual([...optionalImportsRequested()], loadedAtReady, 'no request imported another package');
      await router.close();
    } finally {
      await simulated.close();
    }
  });

  it('after ready(), a request to each provider type loads no module at all (seen by a module hook)', async () => {
    const script = fileURLToPath(new URL('../fixtures/warm-router.ts', import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.deepEqual(JSON.parse(stdout), { answered: [...PROVIDER_TYPES] });
    const lines = stderr.split('\n');
    const ready = lines.indexOf('READY');
    const done = lines.indexOf('DONE');
    assert.ok(ready > 0 && done > ready, 'the fixture marked its requests');
    assert.ok(
      lines.slice(0, ready).some((line) => line.includes('/@mistralai/mistralai/esm/extra/observability/otel.js')),
      'ready() loaded the module the Mistral SDK imports inside its first request',
    );
    assert.deepEqual(
      lines.slice(ready + 1, done).filter((line) => line.startsWith('LOAD ')),
      [],
      'modules loaded by the requests after ready()',
    );
  });
});
