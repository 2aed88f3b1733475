/**
 * Notices the vendor SDKs print on their own, outside their loggers: the AWS SDK's Node version
 * warning (a process warning, when a client is built on Node < 22) and the anthropic SDK's model
 * deprecation notice (`console.warn`, on every request to a deprecated model). Both go to the router's
 * logger (once each), or nowhere; never to the console.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Router } from '../../../src/router/router.js';
import { startSimulatedProviders, type SimulatedProviders } from '../../../src/testing/simulated-providers.js';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * What console.warn/error and process warnings would have printed while `body` ran (and the warnings emitted during it,
 * which print a tick later).
 */
async function capturePrinting(body: () => Promise<void>): Promise<string[]> {
  const printed: string[] = [];
  const savedWarn = console.warn;
  const savedError = console.error;
  const onWarning = (warning: Error): void => void printed.push(`process warning: ${warning.message}`);
  console.warn = (...args: unknown[]) => void printed.push(`console.warn: ${args.map(String).join(' ')}`);
  console.error = (...args: unknown[]) => void printed.push(`console.error: ${args.map(String).join(' ')}`);
  process.on('warning', onWarning);
  try {
    await body();
    await new Promise<void>((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
  } finally {
    console.warn = savedWarn;
    console.error = savedError;
    process.off('warning', onWarning);
  }
  return printed;
}

describe('vendor SDK notices', () => {
  let simulators: SimulatedProviders;
  beforeAll(async () => {
    simulators = await startSimulatedProviders({ types: ['bedrock', 'anthropic'] });
  });
  afterAll(() => simulators.close());

  it("the AWS SDK's Node version warning goes to the logger, not the console", {
    skip: Boolean(NODE_MAJOR >= 22 ? 'the AWS SDK warns on Node < 22 only' : undefined),
  }, async () => {
    const logged: string[] = [];
    const printed = await capturePrinting(async () => {
      // The first Bedrock client in this process: the SDK warns once per process, when a client is built.
      const router = new Router({
        providers: { bedrock: simulators.providers.bedrock },
        retry: { maxRetries: 0 },
        logger: { warn: (message) => void logged.push(message), error: (message) => void logged.push(message) },
      });
      await router.generate({ model: 'bedrock:anthropic.claude-3-haiku-20240307-v1:0', prompt: 'Hello' });
      await router.close();
    });
    assert.deepEqual(printed, []);
    assert.equal(
      logged.filter((line) => /^switchyard: bedrock: .*AWS SDK for JavaScript \(v3\)/s.test(line)).length,
      1,
      JSON.stringify(logged),
    );
  });

  it("the anthropic SDK's deprecation notice for a model goes to the logger once, or nowhere", async () => {
    const logged: string[] = [];
    const withLogger = new Router({
      providers: { anthropic: simulators.providers.anthropic },
      retry: { maxRetries: 0 },
      logger: { warn: (message) => void logged.push(message), error: (message) => void logged.push(message) },
    });
    const withoutLogger = new Router({
      providers: { anthropic: simulators.providers.anthropic },
      retry: { maxRetries: 0 },
    });
    const model = 'anthropic:claude-sonnet-4-5-20250929'; // in the SDK's list of deprecated models
    const printed = await capturePrinting(async () => {
      for (const router of [withLogger, withoutLogger]) {
        for (let index = 0; index < 2; index += 1) {
          await router.generate({ model, prompt: `Hello ${index}` });
          const stream = router.stream({ model, prompt: `Hello ${index}` });
          for await (const _part of stream) {
            /* drain */
          }
        }
      }
    });
    await withLogger.close();
    await withoutLogger.close();
    assert.deepEqual(printed, []);
    assert.deepEqual(logged.length, 1, JSON.stringify(logged));
    assert.match(logged[0], /^switchyard: anthropic: The model 'claude-sonnet-4-5-20250929' is deprecated/);
  });
});
