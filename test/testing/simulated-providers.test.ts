/**
 * The environment names `startSimulatedProviders` (and so `npm start`) reads agree with the ones the
 * providers read: `CO_API_KEY` or `COHERE_API_KEY` for Cohere, `GOOGLE_API_KEY` or `GEMINI_API_KEY`
 * for Google.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createCohereProvider } from '../../src/providers/cohere/index.js';
import { createCohereSimulator } from '../../src/testing/cohere-simulator.js';
import { startSimulatedProviders } from '../../src/testing/simulated-providers.js';

describe('environment names', () => {
  it('makes cohere and google real with the names their SDKs read', async () => {
    const gateway = await startSimulatedProviders({
      types: ['cohere', 'google'],
      environment: { CO_API_KEY: 'co-key', GEMINI_API_KEY: 'gemini-key' },
    });
    try {
      assert.deepEqual(gateway.real.sort(), ['cohere', 'google']);
      assert.equal((gateway.providers.cohere as { apiKey?: string }).apiKey, 'co-key');
      assert.equal((gateway.providers.google as { apiKey?: string }).apiKey, 'gemini-key');
    } finally {
      await gateway.close();
    }
  });

  it('lets the cohere provider take its key from COHERE_API_KEY, the name the README gives', async () => {
    const simulator = createCohereSimulator();
    const url = await simulator.start();
    const saved = { CO_API_KEY: process.env.CO_API_KEY, COHERE_API_KEY: process.env.COHERE_API_KEY };
    delete process.env.CO_API_KEY;
    process.env.COHERE_API_KEY = 'cohere-readme-key';
    try {
      const provider = await createCohereProvider('cohere', { type: 'cohere', baseURL: url });
      const result = await provider.generate({
        modelId: 'command-a-03-2025',
        prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        abortSignal: new AbortController().signal,
      });
      assert.ok(result.content.length > 0);
      assert.match(String(simulator.requests[0].headers.authorization), /cohere-readme-key/);
    } finally {
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      await simulator.close();
    }
  });
});
