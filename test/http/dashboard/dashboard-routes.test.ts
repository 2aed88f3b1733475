import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { validateGatewayConfig } from '../../../src/gateway-config.js';
import { HttpHandler } from '../../../src/http/handler.js';
import {
  DASHBOARD_SCRIPT,
  DASHBOARD_STYLE,
  LOGIN_SCRIPT,
} from '../../../src/http/dialects/dashboard/dashboard-assets.generated.js';
import type {
  DashboardHealth,
  DashboardLogs,
  DashboardModels,
  DashboardSpend,
} from '../../../src/http/dialects/dashboard/dashboard-data.js';
import { buildDashboardAssets } from '../../../scripts/build-dashboard.js';
import { waitFor } from '../../helpers/wait-for.js';
import { ADMIN_KEY, type DashboardGateway, GATEWAY_KEY, startDashboardGateway } from './dashboard-fixture.js';

const API_ROUTES = ['models', 'health', 'spend', 'logs'];

describe('the dashboard opens to an admin key only', () => {
  let fixture: DashboardGateway;
  beforeAll(async () => {
    fixture = await startDashboardGateway();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${fixture.origin}${path}`, { headers, redirect: 'manual' });

  it('answers the page 401 with a login form and no data without an admin key, or with a gateway key', async () => {
    const refused: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${GATEWAY_KEY}` },
      { cookie: 'switchyard_admin=ops.forged' },
    ];
    for (const headers of refused) {
      const response = await get('/dashboard', headers);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      const html = await response.text();
      assert.match(html, /<form id="login"/);
      assert.ok(!html.includes(DASHBOARD_SCRIPT.slice(0, 200)), 'the login page carries no dashboard script');
      assert.ok(!html.includes('test/echo'), 'the login page carries no data');
    }
    const page = await get('/dashboard', { authorization: `Bearer ${ADMIN_KEY}` });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /data-admin="ops"/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'sha256-/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
  });

  it('answers every API route 401 without a key and with a gateway key, 200 with the admin key', async () => {
    for (const name of API_ROUTES) {
      const path = `/dashboard/api/${name}`;
      assert.equal((await get(path)).status, 401, `${path} without a key`);
      assert.equal((await get(path, { authorization: `Bearer ${GATEWAY_KEY}` })).status, 401, `${path}, gateway key`);
      const ok = await get(path, { authorization: `Bearer ${ADMIN_KEY}` });
      assert.equal(ok.status, 200, `${path} with the admin key`);
      assert.equal(ok.headers.get('cache-control'), 'no-store');
    }
    assert.equal(
      (await get('/dashboard/api/logs/gen_unknown', { authorization: `Bearer ${GATEWAY_KEY}` })).status,
      401,
    );
  });

  it('logs in with the admin key into a session cookie (HttpOnly, SameSite=Strict, Path) that opens the API', async () => {
    const login = (key: string) =>
      fetch(`${fixture.origin}/dashboard/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
        redirect: 'manual',
      });
    const refused = await login(GATEWAY_KEY);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('set-cookie'), null);
    const response = await login(ADMIN_KEY);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/dashboard');
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^switchyard_admin=ops\.[A-Za-z0-9_-]+;/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/dashboard(;|$)/);
    const session = cookie.split(';')[0];
    assert.equal((await get('/dashboard', { cookie: session })).status, 200);
    for (const name of API_ROUTES) assert.equal((await get(`/dashboard/api/${name}`, { cookie: session })).status, 200);
    assert.ok(!cookie.includes(ADMIN_KEY), 'the cookie does not carry the key');
  });

  it('shows the catalog with every offering priced, the cheapest marked', async () => {
    const response = await get('/dashboard/api/models', { authorization: `Bearer ${ADMIN_KEY}` });
    const { models, providers } = (await response.json()) as DashboardModels;
    assert.deepEqual(providers.sort(), ['anthropic', 'openai']);
    const echo = models.find((model) => model.id === 'test/echo');
    assert.ok(echo);
    assert.deepEqual(
      echo.offerings.map((offering) => [
        offering.provider,
        offering.pricing.input,
        offering.pricing.output,
        offering.cheapest,
      ]),
      [
        ['openai', '0.15', '0.60', true],
        ['anthropic', '3', '15', false],
      ],
    );
    assert.equal(echo.offerings[1].pricing.cacheWrite, '3.75');
    const sonnet = models.find((model) => model.id === 'anthropic/claude-sonnet-4');
    assert.ok(sonnet && sonnet.offerings.some((offering) => !offering.configured), 'unconfigured offerings are listed');
    assert.equal(sonnet.offerings[0].contextWindow, 200_000);
  });

  it('shows availability with recent failures, and spend from billing', async () => {
    fixture.openai.script({ type: 'status', status: 503 });
    const answer = await fixture.chat('hello dashboard', { tags: ['checkout'] });
    assert.equal(answer.status, 200);
    const health = (await (
      await get('/dashboard/api/health', { authorization: `Bearer ${ADMIN_KEY}` })
    ).json()) as DashboardHealth;
    const openai = health.offerings.find((offering) => offering.provider === 'openai');
    assert.ok(openai);
    assert.equal(openai.failures, 1);
    assert.equal(openai.recentFailures[0].status, 503);
    assert.equal(openai.recentFailures[0].code, 'provider_overloaded');
    assert.ok(openai.models.includes('test/echo'));
    assert.equal(health.windowMs, 300_000);
    const anthropic = health.offerings.find((offering) => offering.provider === 'anthropic');
    assert.equal(anthropic?.successes, 1);

    const spendOf = async (query: string) => {
      const response = await get(`/dashboard/api/spend?${query}`, { authorization: `Bearer ${ADMIN_KEY}` });
      return (await response.json()) as Extract<DashboardSpend, { enabled: true }>;
    };
    // Settlement follows the answer: wait until billing recorded it.
    await waitFor(() => fixture.billing?.pendingSettlements === 0);
    let spend = await spendOf('range=24h&groupBy=provider');
    while (spend.groups.length === 0) spend = await spendOf('range=24h&groupBy=provider');
    assert.equal(spend.enabled, true);
    assert.equal(spend.bucket, 'hour');
    assert.equal(spend.series.length, 24);
    assert.deepEqual(
      spend.groups.map((group) => group.key),
      ['anthropic'],
    );
    assert.ok(spend.groups[0].costNano > 0);
    assert.equal(spend.series.at(-1)?.costNano, spend.groups[0].costNano);
    const acme = spend.accounts.find((account) => account.id === 'team_acme');
    assert.ok(acme);
    assert.equal(acme.balanceNano, 5_000_000_000 - spend.groups[0].costNano);
    assert.equal(acme.budgets[0].hardLimitNano, 4_000_000_000);
    assert.equal(acme.budgets[0].spentNano, spend.groups[0].costNano);
    assert.deepEqual(
      (await spendOf('range=7d&groupBy=tag')).groups.map((group) => group.key),
      ['checkout'],
    );
    assert.deepEqual(
      (await spendOf('range=30d&groupBy=account')).groups.map((group) => group.key),
      ['team_acme'],
    );
    assert.deepEqual(
      (await spendOf('range=24h&groupBy=user')).groups.map((group) => group.key),
      ['alice'],
    );
    assert.equal((await get('/dashboard/api/spend?range=1y', { authorization: `Bearer ${ADMIN_KEY}` })).status, 400);

    const logs = (await (
      await get('/dashboard/api/logs?status=success&model=test/echo', { authorization: `Bearer ${ADMIN_KEY}` })
    ).json()) as Extract<DashboardLogs, { enabled: true }>;
    assert.equal(logs.enabled, true);
    const [record] = logs.records;
    assert.ok(record);
    assert.deepEqual(
      record.attempts.map((attempt) => [attempt.provider, attempt.outcome]),
      [
        ['openai', 'error'],
        ['anthropic', 'success'],
      ],
    );
    assert.equal(record.fallbackChain.length, 2);
    assert.ok(!('content' in record));
    const one = await get(`/dashboard/api/logs/${record.generationId}`, { authorization: `Bearer ${ADMIN_KEY}` });
    assert.equal(((await one.json()) as { generationId: string }).generationId, record.generationId);
    assert.equal((await get('/dashboard/api/logs?status=nope', { authorization: `Bearer ${ADMIN_KEY}` })).status, 400);
    assert.equal((await get('/dashboard/api/logs/gen_unknown', { authorization: `Bearer ${ADMIN_KEY}` })).status, 404);
  });
});

describe('the dashboard is off unless configured, and configurable', () => {
  it('passes /dashboard through when not configured', async () => {
    const handler = new HttpHandler({ router: { providers: {} }, adminKeys: [ADMIN_KEY], logger: false });
    const response = await handler.handle({
      method: 'GET',
      url: '/dashboard',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      readBody: async () => '',
      signal: new AbortController().signal,
    });
    assert.equal(response, undefined);
  });

  it('serves at its own path under the base path, with the cookie scoped to it', async () => {
    const handler = new HttpHandler({
      router: { providers: {} },
      adminKeys: [ADMIN_KEY],
      basePath: '/ai',
      dashboard: { path: '/ops/board' },
      logger: false,
    });
    const response = await handler.handle({
      method: 'POST',
      url: '/ai/ops/board/login',
      headers: { 'content-type': 'application/json' },
      readBody: async () => JSON.stringify({ key: ADMIN_KEY }),
      signal: new AbortController().signal,
    });
    assert.equal(response?.status, 303);
    assert.equal(response?.headers.location, '/ai/ops/board');
    assert.match(response?.headers['set-cookie'] ?? '', /Path=\/ai\/ops\/board;/);
  });

  it('warns at start-up when the dashboard is on without an admin key', () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message), error: () => undefined };
    new HttpHandler({ router: { providers: {} }, apiKeys: [], dashboard: true, logger });
    assert.ok(warnings.some((message) => /dashboard is on but no `adminKeys`/.test(message)));
    warnings.length = 0;
    new HttpHandler({ router: { providers: {} }, apiKeys: [], adminKeys: [ADMIN_KEY], dashboard: true, logger });
    assert.deepEqual(warnings, []);
  });

  it('says when billing is off', async () => {
    const handler = new HttpHandler({
      router: { providers: {} },
      adminKeys: [ADMIN_KEY],
      dashboard: true,
      logger: false,
    });
    const response = await handler.handle({
      method: 'GET',
      url: '/dashboard/api/spend',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      readBody: async () => '',
      signal: new AbortController().signal,
    });
    assert.deepEqual(JSON.parse(response?.body ?? ''), { enabled: false });
  });

  it('validates `dashboard` in the gateway config', () => {
    const providers = { openai: { apiKey: 'sk-test-openai-0123456789abcdef' } };
    assert.doesNotThrow(() => validateGatewayConfig({ providers, dashboard: true, adminKeys: [ADMIN_KEY] }));
    assert.doesNotThrow(() => validateGatewayConfig({ providers, dashboard: { path: '/ops/dashboard' } }));
    assert.throws(
      () => validateGatewayConfig({ providers, dashboard: { path: 'dashboard?x', colour: 'blue' } } as never),
      (error: { details?: { problems?: Array<{ path: string }> } }) => {
        const paths = (error.details?.problems ?? []).map((problem) => problem.path).sort();
        assert.deepEqual(paths, ['dashboard.colour', 'dashboard.path']);
        return true;
      },
    );
    assert.throws(() => validateGatewayConfig({ providers, dashboard: 'yes' } as never), /dashboard/);
  });
});

describe('the dashboard assets', () => {
  it('are built from src/dashboard/ (the generated module is up to date)', () => {
    const built = buildDashboardAssets();
    assert.equal(DASHBOARD_SCRIPT, built.script, 'run `npm run build:dashboard`');
    assert.equal(LOGIN_SCRIPT, built.login, 'run `npm run build:dashboard`');
    assert.equal(DASHBOARD_STYLE, built.style, 'run `npm run build:dashboard`');
    assert.ok(!/https?:\/\//.test(built.script.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')), 'no network URL');
  });
});
