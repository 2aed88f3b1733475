import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ADMIN_SESSION_COOKIE, AdminAccess } from '../../src/http/admin-access.js';
import type { Dialect } from '../../src/http/dialects/dialect.js';
import { HttpHandler } from '../../src/http/handler.js';
import { jsonResponse } from '../../src/http/responses.js';
import { validateGatewayConfig } from '../../src/gateway-config.js';

const ADMIN_KEY = 'adm-test-key-0123456789';
const GATEWAY_KEY = 'gw-test-key-0001';

const probe: Dialect = {
  name: 'probe',
  routes: [
    {
      method: 'GET',
      path: '/probe/admin',
      admin: true,
      handle: async (context) => jsonResponse(200, { admin: context.adminCaller, account: context.caller.account.id }),
    },
    {
      method: 'GET',
      path: '/probe/page',
      admin: 'session',
      handle: async (context) => jsonResponse(200, { admin: context.adminCaller }),
    },
    {
      method: 'POST',
      path: '/probe/login',
      public: true,
      handle: async (context) => {
        const value = context.admin.session(String((context.body as { key?: unknown }).key));
        return value
          ? jsonResponse(204, {}, { 'set-cookie': `${ADMIN_SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict` })
          : jsonResponse(401, { error: 'no' });
      },
    },
  ],
  errorBody: (error) => ({ error: { code: error.code, message: error.message } }),
};

function handler(adminKeys?: Array<string | { key: string; id: string }>): HttpHandler {
  return new HttpHandler({
    router: { providers: {} },
    apiKeys: [{ key: GATEWAY_KEY, id: 'key_1', account: 'team_acme' }],
    adminKeys,
    dialects: [probe],
    logger: false,
  });
}

async function get(target: HttpHandler, path: string, headers: Record<string, string> = {}) {
  const response = await target.handle({
    method: 'GET',
    url: path,
    headers,
    readBody: async () => '',
    signal: new AbortController().signal,
  });
  assert.ok(response);
  return { status: response.status, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
}

describe('admin routes take an admin key, never a gateway API key', () => {
  it('answers 401 without a key, with a gateway key, and with a wrong key; 200 with the admin key', async () => {
    const target = handler([{ key: ADMIN_KEY, id: 'ops' }]);
    assert.equal((await get(target, '/probe/admin')).status, 401);
    const withGatewayKey = await get(target, '/probe/admin', { authorization: `Bearer ${GATEWAY_KEY}` });
    assert.equal(withGatewayKey.status, 401);
    assert.match(String((withGatewayKey.body.error as { message: string }).message), /gateway API key does not open/);
    assert.equal((await get(target, '/probe/admin', { authorization: 'Bearer adm-wrong-key-0123456789' })).status, 401);
    const ok = await get(target, '/probe/admin', { authorization: `Bearer ${ADMIN_KEY}` });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.admin, { keyId: 'ops', via: 'bearer' });
  });

  it('with no admin key configured, every admin route answers 401 saying so', async () => {
    const response = await get(handler(), '/probe/admin', { authorization: `Bearer ${GATEWAY_KEY}` });
    assert.equal(response.status, 401);
    assert.match(String((response.body.error as { message: string }).message), /none is configured/);
  });

  it('a session cookie made from the admin key opens session routes only, and a forged one does not', async () => {
    const target = handler([ADMIN_KEY]);
    const login = await target.handle({
      method: 'POST',
      url: '/probe/login',
      headers: { 'content-type': 'application/json' },
      readBody: async () => JSON.stringify({ key: ADMIN_KEY }),
      signal: new AbortController().signal,
    });
    const cookie = String(login?.headers['set-cookie']).split(';')[0];
    assert.ok(cookie.startsWith(`${ADMIN_SESSION_COOKIE}=admin_1.`), cookie);
    assert.ok(!cookie.includes(ADMIN_KEY), 'the cookie does not carry the key');
    assert.deepEqual((await get(target, '/probe/page', { cookie })).body.admin, { keyId: 'admin_1', via: 'session' });
    assert.equal((await get(target, '/probe/admin', { cookie })).status, 401, 'bearer-only route');
    const forged = `${ADMIN_SESSION_COOKIE}=admin_1.${Buffer.alloc(32).toString('base64url')}`;
    assert.equal((await get(target, '/probe/page', { cookie: forged })).status, 401);
  });

  it('refuses an admin key that is also a gateway key, or is too short, at start-up', () => {
    assert.throws(() => handler(['short']), /at least 16/);
    assert.throws(
      () =>
        new HttpHandler({
          router: { providers: {} },
          apiKeys: [{ key: ADMIN_KEY, id: 'key_1', account: 'a' }],
          adminKeys: [ADMIN_KEY],
          logger: false,
        }),
      /must not also be a gateway API key/,
    );
    const problems = (() => {
      try {
        validateGatewayConfig({
          providers: { openai: { apiKey: 'sk-test-0123456789' } },
          apiKeys: [{ key: ADMIN_KEY, id: 'k', account: 'a' }],
          adminKeys: [ADMIN_KEY, 'short'],
        });
      } catch (error) {
        return (error as { details?: { problems?: Array<{ path: string }> } }).details?.problems ?? [];
      }
      return [];
    })();
    assert.deepEqual(
      problems.map((problem) => problem.path),
      ['adminKeys[0]', 'adminKeys[1]'],
    );
    assert.equal(new AdminAccess(undefined).enabled, false);
  });
});
