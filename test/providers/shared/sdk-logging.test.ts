import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ProviderType } from '../../../src/providers/provider.js';
import { Router } from '../../../src/router/router.js';
import { startSimulatedProviders, type SimulatedProviders } from '../../../src/testing/simulated-providers.js';

/** A model of each provider type, as a raw `type:model` id (no catalog needed). */
const MODELS: Array<{ type: ProviderType; model: string }> = [
  { type: 'openai', model: 'gpt-4o-mini' },
  { type: 'xai', model: 'grok-3' },
  { type: 'anthropic', model: 'claude-sonnet-4-20250514' },
  { type: 'google', model: 'gemini-2.0-flash' },
  { type: 'vertex', model: 'gemini-2.0-flash' },
  { type: 'vertex', model: 'claude-sonnet-4@20250514' },
  { type: 'mistral', model: 'mistral-small-latest' },
  { type: 'cohere', model: 'command-r' },
  { type: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0' },
];

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/** Runs `body` with console.* and process.stderr captured; returns what they would have printed. */
async function capturePrinting(body: () => Promise<void>): Promise<string[]> {
  const printed: string[] = [];
  const saved = CONSOLE_METHODS.map((method) => console[method]);
  const stderrWrite = process.stderr.write;
  for (const method of CONSOLE_METHODS)
    console[method] = (...args: unknown[]) => void printed.push(`console.${method}: ${args.map(String).join(' ')}`);
  process.stderr.write = ((chunk: unknown) => {
    printed.push(`stderr: ${String(chunk)}`);
    return true;
  }) as typeof process.stderr.write;
  try {
    await body();
  } finally {
    CONSOLE_METHODS.forEach((method, index) => {
      console[method] = saved[index] as (typeof console)[typeof method];
    });
    process.stderr.write = stderrWrite;
  }
  return printed;
}

/** A stream and a call against a simulator answering with a malformed body; both fail as provider_bad_response. */
async function malformedExchanges(
  router: Router,
  simulators: SimulatedProviders,
  type: ProviderType,
  model: string,
): Promise<void> {
  const simulator = simulators.simulators[type];
  assert.ok(simulator);
  simulator.script({ type: 'malformed' });
  const stream = router.stream({ model: `${type}:${model}`, prompt: 'Hello' });
  let streamError: unknown;
  for await (const part of stream.fullStream) if (part.type === 'error') streamError = part.error;
  assert.equal(
    (streamError as { code?: string } | undefined)?.code,
    'provider_bad_response',
    `${type}:${model} stream`,
  );
  simulator.script({ type: 'malformed' });
  await assert.rejects(
    router.generate({ model: `${type}:${model}`, prompt: 'Hello' }),
    { code: 'provider_bad_response' },
    `${type}:${model} generate`,
  );
}

describe('vendor SDK logging', () => {
  let simulators: SimulatedProviders;
  const logged: Array<{ level: 'warn' | 'error'; message: string }> = [];
  let withLogger: Router;
  let withoutLogger: Router;
  beforeAll(async () => {
    simulators = await startSimulatedProviders({ types: [...new Set(MODELS.map((entry) => entry.type))] });
    const config = { providers: simulators.providers, retry: { maxRetries: 0 }, attemptTimeoutMs: 60_000 }; // the first call loads the SDK: slow on a busy machine
    withLogger = new Router({
      ...config,
      logger: {
        warn: (message) => void logged.push({ level: 'warn', message }),
        error: (message) => void logged.push({ level: 'error', message }),
      },
    });
    withoutLogger = new Router(config);
    // Load every SDK first: one-time notices at load (the AWS SDK's Node version warning) are not the SDKs' request
    // logging.
    for (const { type, model } of MODELS) {
      await withLogger.generate({ model: `${type}:${model}`, prompt: 'Hello' });
      await withoutLogger.generate({ model: `${type}:${model}`, prompt: 'Hello' });
    }
  });
  afterAll(() => simulators.close());

  for (const { type, model } of MODELS) {
    it(`${type}:${model}: a malformed upstream prints nothing, and the SDK's errors go to the router's logger`, async () => {
      logged.length = 0;
      const printed = await capturePrinting(async () => {
        await malformedExchanges(withLogger, simulators, type, model);
        await malformedExchanges(withoutLogger, simulators, type, model);
      });
      assert.deepEqual(printed, []);
      for (const entry of logged) {
        assert.match(entry.message, new RegExp(`^switchyard: ${type}: `));
        assert.doesNotMatch(entry.message, /simulated-|sk-ant-simulated|AKIASIMULATED/, 'no key in a log line');
      }
      // The openai and anthropic SDKs report the unparsable event; the others have nothing to say about it.
      if (type === 'openai' || type === 'xai' || type === 'anthropic' || model.startsWith('claude')) {
        assert.ok(
          logged.some((entry) => entry.level === 'error' && /Could not parse message into JSON/.test(entry.message)),
          JSON.stringify(logged),
        );
      }
    });
  }
});
