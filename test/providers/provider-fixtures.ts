/**
 * Fixtures for vendor-specific provider tests: prompts, tools, an image, stream collection, error
 * expectation and a simulator that lives for one test.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import type { Provider, ProviderCall } from '../../src/providers/provider.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import type { Message, StreamPart } from '../../src/core/types.js';

/** A 1×1 PNG, base64. */
export const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** A user message with one text part. */
export const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

/** A tool taking `{ city }`. */
export const weatherTool = {
  type: 'function' as const,
  name: 'weather',
  description: 'Weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** A tool taking `{ zone }`. */
export const timeTool = {
  type: 'function' as const,
  name: 'time',
  inputSchema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
};

/** Every part of a stream. */
export async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** The `GatewayError` a promise rejects with (fails when it resolves or rejects with anything else). */
export async function gatewayFailure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof GatewayError, `a GatewayError, got ${String(error)}`);
  return error;
}

/** Starts a simulator, runs `test` with its base URL, and closes it. */
export async function withSimulator(simulator: Simulator, test: (baseURL: string) => Promise<void>): Promise<void> {
  const baseURL = await simulator.start();
  try {
    await test(baseURL);
  } finally {
    await simulator.close();
  }
}

/**
 * Registers the hooks of a vendor-specific suite: starts the simulator and builds the provider
 * before the tests, resets the simulator before each, closes it after. Call inside `describe`.
 */
export function useSimulatedProvider(
  simulator: Simulator,
  create: (baseURL: string) => Promise<Provider>,
): { readonly provider: Provider; lastBody(): Record<string, unknown> } {
  let provider: Provider | undefined;
  beforeAll(async () => {
    provider = await create(await simulator.start());
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });
  return {
    get provider(): Provider {
      assert.ok(provider, 'the provider is built before the tests run');
      return provider;
    },
    lastBody: () => simulator.requests[simulator.requests.length - 1].body as Record<string, unknown>,
  };
}

/** A call builder for one model: a user message and a fresh abort signal, with overrides. */
export function callFor(modelId: string): (overrides?: Partial<ProviderCall>) => ProviderCall {
  return (overrides = {}) => ({
    modelId,
    prompt: [user('Hello vendor')],
    abortSignal: new AbortController().signal,
    ...overrides,
  });
}

/**
 * Checks the credentials and headers a vendor receives: the configured key with the provider's
 * `headers: { 'x-config-header': 'from-config' }` and a call's own headers, then a BYOK key for that
 * call only. `simulator.requests` must be empty at the start.
 */
export async function assertKeysReachVendor(
  provider: Provider,
  simulator: Simulator,
  configuredKey: string,
  call: (overrides?: Partial<ProviderCall>) => ProviderCall,
): Promise<void> {
  await provider.generate(call({ headers: { 'x-call-header': 'from-call' } }));
  const first = simulator.requests[0].headers;
  assert.equal(first.authorization, `Bearer ${configuredKey}`);
  assert.equal(first['x-config-header'], 'from-config');
  assert.equal(first['x-call-header'], 'from-call');
  await provider.generate(call({ credentials: { apiKey: 'byok-vendor-key-abcdef' } }));
  assert.equal(simulator.requests[1].headers.authorization, 'Bearer byok-vendor-key-abcdef');
  await provider.generate(call());
  assert.equal(simulator.requests[2].headers.authorization, `Bearer ${configuredKey}`);
}

/**
 * Checks that a BYOK key the vendor rejects fails with `provider_authentication` without the key in
 * the message, while the configured key still works. `simulator` accepts only `validKey`.
 */
export async function assertRejectedKeyHidden(
  simulator: Simulator,
  validKey: string,
  create: (baseURL: string, apiKey: string) => Promise<Provider>,
  call: (overrides?: Partial<ProviderCall>) => ProviderCall,
): Promise<GatewayError> {
  let failure: GatewayError | undefined;
  await withSimulator(simulator, async (baseURL) => {
    const guarded = await create(baseURL, validKey);
    failure = await gatewayFailure(guarded.generate(call({ credentials: { apiKey: 'wrong-byok-key-987654' } })));
    assert.equal(failure.code, 'provider_authentication');
    assert.ok(!failure.message.includes('wrong-byok-key-987654'));
    assert.equal((await guarded.generate(call())).finishReason.unified, 'stop');
  });
  return failure as GatewayError;
}
