/**
 * The dialect contract suite: what every wire dialect (built-in or a user's) must do over HTTP, run
 * against a real handler, router and simulators. Errors come in the dialect's own error format with
 * the right status (bad JSON 400, wrong content type 415, body over the limit 413, unknown model
 * 404, missing or invalid key 401, method not allowed 405, unknown path under its prefix a JSON 404);
 * every response carries `x-request-id`; no provider key appears in any body.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ANTHROPIC_VENDOR_KEY, OPENAI_VENDOR_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

/** What the contract needs to know of a dialect. */
export interface DialectContractSpec {
  /** A POST endpoint of the dialect and a valid request for `model` (path, extra headers, JSON body). */
  request(model: string): { path: string; headers?: Record<string, string>; body: unknown };
  /** A model the gateway serves (the request answers 200). */
  model: string;
  /** A path under the dialect's prefix that it does not serve. */
  unknownPath: string;
  /**
   * Reads an error body in the dialect's format, asserting its shape, and returns its message and
   * type (the contract checks the message is not empty).
   */
  errorOf(body: unknown): { message: string; type: string };
  /** The error type (in the dialect's format) of each case the contract checks, where the dialect fixes one. */
  types: Partial<Record<ContractCase, string>>;
}

/** The failures every dialect must answer, each with its status. */
const STATUS = {
  'bad JSON': 400,
  'wrong content type': 415,
  'body over the limit': 413,
  'unknown model': 404,
  'missing key': 401,
  'invalid key': 401,
  'method not allowed': 405,
  'unknown path': 404,
} as const;

/** One failure of the contract. @example `const failure: ContractCase = 'unknown model';` */
export type ContractCase = keyof typeof STATUS;

const BODY_LIMIT = 16 * 1024;
const VENDOR_KEYS = [OPENAI_VENDOR_KEY, ANTHROPIC_VENDOR_KEY];

/**
 * Runs the contract against one dialect.
 *
 * @example
 * ```ts
 * runDialectContract('openai', { model: 'openai/gpt-4o', request: (model) => ({ path: '/v1/chat/completions', body: { model, messages } }), ... });
 * ```
 */
export function runDialectContract(name: string, spec: DialectContractSpec): void {
  describe(`${name} (dialect contract)`, () => {
    let gateway: Gateway;
    const seen: Array<{ what: string; status: number; headers: Headers; text: string }> = [];
    beforeAll(async () => {
      gateway = await startGateway({ bodyLimitBytes: BODY_LIMIT });
    });
    afterAll(() => gateway.close());

    const call = async (
      what: string,
      path: string,
      body: string | undefined,
      headers: Record<string, string> = {},
      method?: string,
    ) => {
      const response = await send(gateway.origin, path, body, headers, method);
      seen.push({ what, status: response.status, headers: response.headers, text: response.text });
      return response;
    };
    const valid = (model = spec.model) => spec.request(model);
    const expectError = (response: { status: number; headers: Headers; body: unknown }, what: ContractCase) => {
      const status = STATUS[what];
      assert.equal(response.status, status, `${what}: status`);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/, `${what}: a JSON body`);
      const error = spec.errorOf(response.body);
      assert.equal(typeof error.message, 'string', `${what}: a message`);
      assert.ok(error.message.length > 0, `${what}: a message that says what is wrong`);
      const type = spec.types[what];
      if (type !== undefined) assert.equal(error.type, type, `${what}: the dialect's error type`);
    };

    it('answers a valid request with 200', async () => {
      const request = valid();
      const response = await call('valid', request.path, JSON.stringify(request.body), request.headers);
      assert.equal(response.status, 200, response.text);
    });

    it('answers bad JSON with 400 in its format', async () => {
      const request = valid();
      expectError(await call('bad JSON', request.path, '{"model": ', request.headers), 'bad JSON');
    });

    it('answers a wrong content type with 415 in its format', async () => {
      const request = valid();
      const headers = { ...request.headers, 'content-type': 'application/x-www-form-urlencoded' };
      const response = await call('wrong content type', request.path, JSON.stringify(request.body), headers);
      expectError(response, 'wrong content type');
    });

    it('answers a body over the limit with 413 in its format', async () => {
      const request = valid();
      const body = JSON.stringify({ ...(request.body as object), padding: 'x'.repeat(BODY_LIMIT) });
      expectError(await call('too large', request.path, body, request.headers), 'body over the limit');
    });

    it('answers an unknown model with 404 in its format', async () => {
      const request = valid('acme/no-such-model');
      expectError(
        await call('unknown model', request.path, JSON.stringify(request.body), request.headers),
        'unknown model',
      );
    });

    it('answers a missing or invalid gateway key with 401 in its format', async () => {
      const request = valid();
      const body = JSON.stringify(request.body);
      // `send` sends the fixture's key; an empty authorization header is no key at all.
      expectError(await call('no key', request.path, body, { ...request.headers, authorization: '' }), 'missing key');
      expectError(
        await call('wrong key', request.path, body, { ...request.headers, authorization: 'Bearer gw-wrong-key-0000' }),
        'invalid key',
      );
    });

    it('answers a method it does not serve with 405 in its format', async () => {
      const request = valid();
      expectError(await call('method', request.path, undefined, request.headers, 'GET'), 'method not allowed');
      expectError(await call('method', request.path, undefined, request.headers, 'PUT'), 'method not allowed');
    });

    it('answers an unknown path under its prefix with a JSON 404 in its format', async () => {
      expectError(await call('unknown path', spec.unknownPath, undefined), 'unknown path');
    });

    it('sends x-request-id on every response, and echoes a sane one the client sent', async () => {
      const request = valid();
      const id = `contract-${name.replace(/[^A-Za-z0-9]/g, '-')}`;
      const echoed = await call('echo', request.path, JSON.stringify(request.body), {
        ...request.headers,
        'x-request-id': id,
      });
      assert.equal(echoed.status, 200);
      assert.equal(echoed.headers.get('x-request-id'), id);
      const failed = await call('echo error', request.path, '{', { ...request.headers, 'x-request-id': `${id}-error` });
      assert.equal(failed.headers.get('x-request-id'), `${id}-error`);
      const unsafe = await call('unsafe id', request.path, JSON.stringify(request.body), {
        ...request.headers,
        'x-request-id': 'a b<script>',
      });
      assert.match(unsafe.headers.get('x-request-id') ?? '', /^req_/, 'an unsafe id is replaced, not echoed');
      assert.ok(seen.length >= 10, 'the suite saw its responses');
      for (const response of seen) {
        const what = `${response.what} (${response.status}) carries x-request-id`;
        assert.match(response.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._:/+=-]{1,128}$/, what);
      }
    });

    it('never puts a provider key in a body', async () => {
      // A vendor that rejects the gateway's credentials (its error may quote the key) is the likely leak.
      gateway.openai.script({
        type: 'status',
        status: 401,
        message: `Incorrect API key provided: ${OPENAI_VENDOR_KEY}`,
      });
      gateway.anthropic.script({ type: 'status', status: 401, message: `invalid x-api-key ${ANTHROPIC_VENDOR_KEY}` });
      const request = valid();
      try {
        const response = await call('vendor 401', request.path, JSON.stringify(request.body), request.headers);
        assert.ok(response.status >= 400, 'the vendor refused');
      } finally {
        gateway.openai.reset();
        gateway.anthropic.reset();
      }
      for (const response of seen)
        for (const key of VENDOR_KEYS)
          assert.ok(!response.text.includes(key), `${response.what}: no provider key in the body`);
    });
  });
}
