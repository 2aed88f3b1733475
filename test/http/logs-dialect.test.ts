import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { RequestLogRecord } from '../../src/middleware/request-log/request-log-record.js';
import { createGatewayHandler } from '../../src/http/gateway-handler.js';
import { parseLogQuery } from '../../src/http/dialects/logs/logs-dialect.js';
import {
  ANTHROPIC_VENDOR_KEY,
  GATEWAY_KEY,
  OPENAI_VENDOR_KEY,
  send,
  startGateway,
  type Gateway,
} from './gateway-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN_KEY = 'adm-logs-test-0123456789';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

interface LogsBody {
  data: RequestLogRecord[];
  next_cursor: string | null;
}

describe('GET /v1/logs', () => {
  let gateway: Gateway;
  let openai: OpenAI;
  beforeAll(async () => {
    gateway = await startGateway({ adminKeys: [ADMIN_KEY] }, { requestLog: true });
    openai = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
  });
  afterAll(() => gateway.close());
  beforeEach(() => {
    gateway.openai.reset();
    gateway.anthropic.reset();
  });

  async function logs(query = ''): Promise<LogsBody> {
    const response = await send(gateway.origin, `/v1/logs${query}`, undefined, admin);
    assert.equal(response.status, 200, response.text);
    return response.body as LogsBody;
  }

  it('answers 401 without a key and with a gateway key, 200 with the admin key', async () => {
    const without = await send(gateway.origin, '/v1/logs', undefined, { authorization: '' });
    assert.equal(without.status, 401);
    const withGatewayKey = await send(gateway.origin, '/v1/logs');
    assert.equal(withGatewayKey.status, 401);
    assert.match(withGatewayKey.text, /admin key/);
    assert.equal((await send(gateway.origin, '/v1/logs/gen_x')).status, 401);
    const ok = await send(gateway.origin, '/v1/logs', undefined, admin);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    assert.ok(Array.isArray((ok.body as LogsBody).data));
  });

  it('shows a request that failed over, sent with the OpenAI SDK: two attempts and the fallback chain', async () => {
    gateway.anthropic.script({ type: 'status', status: 500 });
    const { data: completion, response } = await openai.chat.completions
      .create(
        { model: 'test/echo', messages: [{ role: 'user', content: 'fail over please' }] },
        { headers: { 'x-gateway-order': 'anthropic,openai' } },
      )
      .withResponse();
    assert.ok(completion.choices[0].message.content);
    const { data } = await logs('?limit=1');
    const [record] = data;
    assert.equal(record.generationId, response.headers.get('x-gateway-generation-id'));
    assert.equal(record.account, 'team_test');
    assert.equal(record.apiKeyId, 'key_test');
    assert.equal(record.status, 'success');
    assert.deepEqual(
      record.attempts.map((attempt) => [attempt.provider, attempt.outcome]),
      [
        ['anthropic', 'error'],
        ['openai', 'success'],
      ],
    );
    assert.deepEqual(record.fallbackChain, ['anthropic:claude-sonnet-4-20250514', 'openai:gpt-4o-mini']);
    assert.ok(record.costNano > 0);
    const one = await send(gateway.origin, `/v1/logs/${record.generationId}`, undefined, admin);
    assert.equal(one.status, 200);
    assert.deepEqual((one.body as { data: RequestLogRecord }).data, record);
    const missing = await send(gateway.origin, '/v1/logs/gen_nothing', undefined, admin);
    assert.equal(missing.status, 404);
  });

  it('records streams (OpenAI SDK) and embeddings, and Anthropic messages', async () => {
    const stream = await openai.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream it' }],
      stream: true,
    });
    for await (const _chunk of stream) {
      /* read to the end */
    }
    await openai.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['one', 'two'] });
    const anthropic = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.origin, maxRetries: 0 });
    await anthropic.messages.create({
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hello anthropic' }],
    });
    // The stream is recorded once its result settled, which may be just after the client read its end.
    await waitFor(() => gateway.router.logs !== undefined);
    let records: RequestLogRecord[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      records = (await logs('?limit=3')).data;
      if (records.some((record) => record.operation === 'stream')) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(
      records.map((record) => [record.operation, record.provider, record.status]),
      [
        ['generate', 'anthropic', 'success'],
        ['embed', 'openai', 'success'],
        ['stream', 'openai', 'success'],
      ],
    );
  });

  it('filters by query parameters and pages with next_cursor', async () => {
    for (let index = 0; index < 5; index += 1)
      await openai.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: `page ${index}` }],
      });
    await openai.chat.completions
      .create({ model: 'nobody/none', messages: [{ role: 'user', content: 'x' }] })
      .catch(() => undefined);
    const errors = await logs('?status=error&limit=10');
    assert.ok(errors.data.length >= 1);
    assert.ok(errors.data.every((record) => record.status === 'error'));
    assert.equal(errors.data[0].errorCode, 'model_not_found');
    const all = await logs('?model=openai/gpt-4o-mini&provider=openai&account=team_test&limit=1000');
    const seen: string[] = [];
    let page = await logs('?model=openai/gpt-4o-mini&limit=2');
    seen.push(...page.data.map((record) => record.generationId));
    while (page.next_cursor) {
      page = await logs(`?model=openai/gpt-4o-mini&limit=2&cursor=${encodeURIComponent(page.next_cursor)}`);
      seen.push(...page.data.map((record) => record.generationId));
    }
    assert.deepEqual(
      seen,
      all.data.map((record) => record.generationId),
    );
    assert.ok(seen.length >= 5);
    const newest = all.data[0].time;
    const newestOfAll = (await logs('?limit=1')).data[0].time;
    assert.deepEqual((await logs(`?since=${newestOfAll + 1}`)).data, []);
    const iso = new Date(newest).toISOString();
    assert.equal((await logs(`?since=${encodeURIComponent(iso)}&model=openai/gpt-4o-mini`)).data[0].time, newest);
  });

  it('answers 400 saying which parameter is wrong', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?limit=0', /limit.*1 to 1000/],
      ['?limit=1001', /limit/],
      ['?limit=ten', /limit/],
      ['?status=failed', /status.*success, error, aborted/],
      ['?since=yesterday', /since.*epoch milliseconds or an ISO 8601 date/],
      ['?until=2026-02-31', /until/],
      ['?since=2026-01-02&until=2026-01-01', /until.*after/],
      ['?cursor=bogus', /cursor/],
      ['?acount=team_test', /Unknown query parameter 'acount'/],
      ['?limit=1&limit=2', /more than once/],
      ['?account=', /account.*empty/],
    ];
    for (const [query, pattern] of cases) {
      const response = await send(gateway.origin, `/v1/logs${query}`, undefined, admin);
      assert.equal(response.status, 400, `${query}: ${response.text}`);
      const error = (response.body as { error: { message: string; code: string } }).error;
      assert.equal(error.code, 'invalid_request');
      assert.match(error.message, pattern, query);
    }
  });

  it('no provider key, gateway key or message text in the records or the /v1/logs JSON', async () => {
    gateway.anthropic.script({ type: 'status', status: 401, message: `bad key ${ANTHROPIC_VENDOR_KEY}` });
    await openai.chat.completions.create(
      { model: 'test/echo', messages: [{ role: 'user', content: 'secret words of the prompt' }] },
      { headers: { 'x-gateway-order': 'anthropic,openai' } },
    );
    const response = await send(gateway.origin, '/v1/logs?limit=1000', undefined, admin);
    for (const secret of [OPENAI_VENDOR_KEY, ANTHROPIC_VENDOR_KEY, GATEWAY_KEY, ADMIN_KEY, 'secret words'])
      assert.ok(!response.text.includes(secret), `the /v1/logs JSON holds ${secret}`);
    const direct = JSON.stringify(await gateway.router.logs!.query({ limit: 1000 }));
    for (const secret of [OPENAI_VENDOR_KEY, ANTHROPIC_VENDOR_KEY, GATEWAY_KEY, 'secret words'])
      assert.ok(!direct.includes(secret), `a record holds ${secret}`);
  });

  it('is not mounted when the router has no request log', async () => {
    const handler = createGatewayHandler({
      router: { providers: { openai: { apiKey: 'sk-unused-0123456789' } }, preload: false },
      adminKeys: [ADMIN_KEY],
      logger: false,
    });
    assert.equal(handler.match('/v1/logs'), undefined);
    await handler.close();
  });
});

describe('parseLogQuery', () => {
  it('reads epoch milliseconds and ISO dates', () => {
    assert.deepEqual(parseLogQuery(new URLSearchParams('since=1700000000000&until=2026-01-01T00:00:00Z&limit=5')), {
      since: 1_700_000_000_000,
      until: Date.UTC(2026, 0, 1),
      limit: 5,
    });
    assert.deepEqual(parseLogQuery(new URLSearchParams('since=2026-01-31')), { since: Date.UTC(2026, 0, 31) });
  });
});
