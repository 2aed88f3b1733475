/**
 * The admin API and `switchyard keys` against two `switchyard serve` processes on one Redis (spawned, over
 * HTTP): a key made through one works on the other, its secret is shown once and never listed, credits and
 * rate limits set through one hold on the other, and a key revoked through one is refused by the other.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import {
  freePort,
  REDIS_SKIP,
  REDIS_SKIP_NOTE,
  startRedisServer,
  type TestRedisServer,
} from '../store/redis-server.js';
import { killAll, runCli, servingOrigin } from './spawn-cli.js';

const VENDOR_KEY = 'sk-admin-test-vendor-0123456789';
const ADMIN_KEY = 'adm-admin-test-key-0123456789';

describe(`admin API on two processes sharing Redis${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  let directory: string;
  let simulator: Simulator;
  let redis: TestRedisServer;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-admin-'));
    simulator = createOpenAISimulator();
    await simulator.start();
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await killAll();
    await redis?.stop();
    await simulator?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function keys(args: string[], url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const run = runCli(['keys', ...args, '--url', url], {
      cwd: directory,
      environment: { SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
    });
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  }

  async function admin(origin: string, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  it('a key made through one instance works on the other; revoked through one, the other refuses it', {
    timeout: 300_000,
  }, async () => {
    const path = join(directory, 'switchyard.config.json');
    await writeFile(
      path,
      JSON.stringify({
        providers: { openai: { apiKey: VENDOR_KEY, baseURL: `${simulator.baseURL}/v1` } },
        adminKeys: [{ key: '${ADMIN_KEY}', id: 'ops' }],
        billing: {},
        store: { redis: { url: redis.url, prefix: `admin-${Date.now()}:` } },
      }),
    );
    const first = runCli(['serve', '--port', '0'], { cwd: directory, environment: { ADMIN_KEY } });
    const second = runCli(['serve', '--port', '0'], { cwd: directory, environment: { ADMIN_KEY } });
    const [one, two] = await Promise.all([servingOrigin(first), servingOrigin(second)]);
    assert.match(first.stdout(), /auth: +gateway API keys from the admin API; 1 admin key\(s\)/);

    const created = await keys(['create', '--account', 'team_acme', '--models', 'openai/*'], one);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^sy_[A-Za-z0-9_-]{32}$/);
    assert.match(created.stderr, /key key_\w+ for account team_acme: the key above is shown this once/);

    // No credits yet: the key is known on the other instance (402, not 401).
    const client = new OpenAI({ apiKey: key, baseURL: `${two}/v1`, maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (error: { status?: number }) => error.status === 402,
    );
    const topUp = await admin(one, 'POST', '/admin/accounts/team_acme/credits', { amountNano: 1_000_000_000 });
    assert.equal(topUp.status, 200, await topUp.clone().text());
    assert.equal(((await topUp.json()) as { balanceNano: number }).balanceNano, 1_000_000_000);
    const completion = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'shared' }],
    });
    assert.equal(completion.choices[0].message.content, 'You said: shared');

    // A rate limit set through the second instance holds on the first.
    const limit = await admin(two, 'PUT', '/admin/accounts/team_acme/rate-limits', { requestsPerMinute: 2 });
    assert.equal(limit.status, 200, await limit.clone().text());
    await limit.text();
    const onFirst = new OpenAI({ apiKey: key, baseURL: `${one}/v1`, maxRetries: 0 });
    // The other instance re-reads account settings within its settings cache (1 s): sent until refused.
    const statuses: number[] = [];
    const limitDeadline = Date.now() + 60_000;
    while (statuses.at(-1) !== 429 && Date.now() < limitDeadline) {
      try {
        await onFirst.chat.completions.create({
          model: 'openai/gpt-4o-mini',
          messages: [{ role: 'user', content: 'r' }],
        });
        statuses.push(200);
      } catch (error) {
        statuses.push((error as { status: number }).status);
      }
    }
    assert.equal(statuses.at(-1), 429, `statuses ${statuses.join(', ')}`);
    const unlimited = await admin(two, 'PUT', '/admin/accounts/team_acme/rate-limits', {});
    assert.equal(unlimited.status, 200);
    await unlimited.text();

    const account = await admin(two, 'GET', '/admin/accounts/team_acme');
    assert.equal(account.status, 200);
    const summary = (await account.json()) as { balance: { totalUsedNano: number }; apiKeys: unknown[] };
    assert.ok(summary.balance.totalUsedNano > 0, 'the requests were charged');
    assert.equal(summary.apiKeys.length, 1);

    const listed = await keys(['list', '--account', 'team_acme'], two);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /key_\w+ +team_acme +sy_\S{4}… +created \S+ +live models openai\/\*/);
    assert.ok(!listed.stdout.includes(key), 'the secret is never listed');
    const json = await (await admin(one, 'GET', '/admin/keys')).text();
    assert.ok(!json.includes(key) && !json.includes('digest'), 'nor its digest');

    // Admin routes take the admin key only; the admin key is no gateway key.
    const asGatewayKey = await fetch(`${one}/admin/keys`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(asGatewayKey.status, 401);
    await asGatewayKey.text();
    const asAdmin = await fetch(`${one}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(asAdmin.status, 401);
    await asAdmin.text();

    const id = /key_\w+/.exec(listed.stdout)?.[0] as string;
    const revoked = await keys(['revoke', id], one);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`revoked ${id}`));
    const status = async (): Promise<number> => {
      const response = await fetch(`${two}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      await response.text();
      return response.status;
    };
    // Within the other instance's key cache (1 s): waited for, not timed.
    let last = 0;
    const deadline = Date.now() + 60_000;
    while ((last = await status()) !== 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(last, 401, 'the other instance refuses the revoked key');
    const again = await keys(['list'], two);
    assert.match(again.stdout, new RegExp(`${id} .* revoked \\d{4}-`));
    const missing = await keys(['revoke', 'key_nope'], two);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /answered 404: No API key with id 'key_nope'/);

    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.stderr());
    assert.equal(await second.exited, 0, second.stderr());
    assert.doesNotMatch(
      first.stdout() + first.stderr() + second.stdout() + second.stderr(),
      new RegExp(`${key}|${ADMIN_KEY}`),
    );
  });

  it('keys says what is missing: the admin key, the account, a reachable gateway', { timeout: 120_000 }, async () => {
    const noKey = runCli(['keys', 'list'], { cwd: directory });
    assert.equal(await noKey.exited, 1);
    assert.match(noKey.stderr(), /set SWITCHYARD_ADMIN_KEY/);
    const noAccount = await keys(['create'], 'http://127.0.0.1:1');
    assert.equal(noAccount.code, 2);
    assert.match(noAccount.stderr, /create needs --account ID/);
    const closed = await freePort();
    const unreachable = await keys(['list'], `http://127.0.0.1:${closed}`);
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stderr,
      new RegExp(`cannot reach the gateway at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`),
    );
  });
});
