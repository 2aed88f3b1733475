/**
 * Property-based fuzzing of every endpoint and dialect: requests generated from each endpoint's
 * schema and mutated must never get a 5xx, every error must be in the dialect's shape, and
 * `Object.prototype` must stay untouched. `npm test` runs a bounded count with a fixed seed;
 * `npm run fuzz` runs longer (FUZZ_RUNS per endpoint, FUZZ_SEED to vary or replay).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import { createGatewayHandler, type GatewayHandler } from '../../../src/http/gateway-handler.js';
import type { GatewayBilling } from '../../../src/http/http-types.js';
import { GATEWAY_KEY, startUpstreams, type Upstreams } from '../gateway-fixture.js';
import { fuzzEndpoints, type ErrorDialect, type FuzzRequest } from './endpoint-arbitraries.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);

const billing: GatewayBilling = {
  getCredits: async () => ({ balanceNano: 10_000_000_000, totalUsedNano: 0 }),
  getReport: async () => ({ groupBy: 'day', rows: [] }),
  getGeneration: async () => undefined,
};

/** What the prototypes look like before any request. */
function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((proto) => Object.getOwnPropertyNames(proto).sort().join(','))
    .join('|');
}

function assertErrorShape(dialect: ErrorDialect, status: number, body: unknown, context: string): void {
  const fields = body as Record<string, unknown>;
  const error = fields?.error as Record<string, unknown> | undefined;
  assert.ok(error && typeof error === 'object', `${context}: no error object in ${JSON.stringify(body)}`);
  assert.equal(typeof error.message, 'string', `${context}: error.message`);
  assert.ok((error.message as string).length > 0, `${context}: empty error.message`);
  assert.equal(typeof error.type, 'string', `${context}: error.type`);
  if (dialect === 'anthropic') {
    assert.equal(fields.type, 'error', `${context}: anthropic errors have type "error"`);
  } else {
    assert.ok('param' in error && 'code' in error, `${context}: ${dialect} errors carry param and code`);
    assert.equal(typeof error.code, 'string', `${context}: error.code`);
  }
  if (dialect === 'ai-gateway' && status === 404 && error.type === 'model_not_found')
    assert.equal(
      typeof (error.param as { modelId?: unknown })?.modelId,
      'string',
      `${context}: model_not_found param.modelId`,
    );
}

async function drain(stream: AsyncIterable<string>, context: string): Promise<void> {
  for await (const chunk of stream) {
    for (const line of chunk.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const event = JSON.parse(line.slice(6)) as { type?: string; error?: { code?: string; statusCode?: number } };
      if (event.error)
        assert.notEqual(event.error.code, 'internal_error', `${context}: internal_error in the stream: ${line}`);
    }
  }
}

describe(`HTTP fuzz (${RUNS} runs per endpoint, seed ${SEED})`, () => {
  let upstreams: Upstreams;
  let handler: GatewayHandler;
  const prototypes = prototypeSnapshot();
  const logged: string[] = [];
  /** The router's last failures, with their causes, for reporting a 5xx. */
  const routerErrors: string[] = [];

  beforeAll(async () => {
    // No retry: any failure, of the input or of the transport, fails the suite.
    upstreams = await startUpstreams({ retry: { maxRetries: 0 } });
    upstreams.router.on('error', ({ error }) => {
      const chain: string[] = [];
      for (let cause: unknown = error; cause instanceof Error && chain.length < 5; cause = cause.cause)
        chain.push(`${cause.name}: ${cause.message}${'code' in cause ? ` [${String(cause.code)}]` : ''}`);
      routerErrors.push(chain.join(' <- '));
      if (routerErrors.length > 3) routerErrors.shift();
    });
    handler = createGatewayHandler({
      router: upstreams.router,
      apiKeys: [{ key: GATEWAY_KEY, id: 'key_fuzz', account: 'team_fuzz' }],
      billing,
      bodyLimitBytes: 256 * 1024,
      logger: { warn: () => {}, error: (message) => void logged.push(message) },
    });
  });
  afterAll(() => upstreams.close());

  /** Statuses seen for the current endpoint (printed with FUZZ_STATS=1, to see how deep the fuzz reaches). */
  const statuses = new Map<number, number>();
  /** The last requests sent, for reporting what came before a failure. */
  const recent: string[] = [];

  async function check(request: FuzzRequest, dialectOf: (request: FuzzRequest) => ErrorDialect): Promise<void> {
    // One turn of the event loop per request, as a server gets (each request arrives as I/O). Calling the
    // handler in a chain of promises alone starves the loop: runs that never reach an upstream (a 4xx, a
    // model list) go on for tens of seconds with no timer firing, so the client's idle timer for a
    // keep-alive connection to a simulator never runs, and the next request goes out on that connection
    // just before the simulator's own (expired) keep-alive timer closes it with the request unread: a
    // reset, 'anthropic: Connection error.' (ECONNRESET), which the retry this suite once had hid.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const context = `${request.method} ${request.url} ${JSON.stringify(request.headers)} ${request.body?.slice(0, 400) ?? ''}`;
    recent.push(context);
    if (recent.length > 4) recent.shift();
    const response = await handler.handle({
      method: request.method,
      url: request.url,
      headers: request.headers,
      readBody: async () => request.body ?? '',
      signal: new AbortController().signal,
    });
    assert.ok(response, `${context}: not served`);
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (response.stream) await drain(response.stream, context);
    assert.ok(
      response.status < 500,
      `${context}: got ${response.status} ${response.body ?? ''}\nafter:\n${recent.slice(0, -1).join('\n')}\nrouter errors:\n${routerErrors.join('\n')}`,
    );
    if (response.status >= 400) {
      assert.match(response.headers['content-type'] ?? '', /application\/json/, `${context}: error content type`);
      assertErrorShape(dialectOf(request), response.status, JSON.parse(response.body ?? 'null'), context);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, `${context}: Object.prototype polluted`);
    assert.equal(prototypeSnapshot(), prototypes, `${context}: a prototype changed`);
  }

  for (const endpoint of fuzzEndpoints(GATEWAY_KEY)) {
    it(endpoint.name, async () => {
      logged.length = 0;
      statuses.clear();
      const details = await fc.check(
        fc.asyncProperty(endpoint.requests, (request) => check(request, endpoint.dialectOf)),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      if (details.failed) {
        const cause =
          details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        assert.fail(
          `${endpoint.name} failed after ${details.numRuns} runs (seed ${details.seed}, path ${details.counterexamplePath}):\n${cause}`,
        );
      }
      if (process.env.FUZZ_STATS)
        console.log(endpoint.name, JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b))));
      assert.deepEqual(logged, [], 'the handler logged no internal error');
    });
  }
});
