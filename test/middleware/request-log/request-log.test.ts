import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { AbortHandle } from '../../../src/core/abort-handle.js';
import { GatewayError } from '../../../src/core/errors.js';
import type { RequestMiddleware } from '../../../src/middleware/middleware.js';
import type { RequestLogRecord } from '../../../src/middleware/request-log/request-log-record.js';
import { MemoryRequestLogStore } from '../../../src/middleware/request-log/memory-request-log-store.js';
import { responseCache } from '../../../src/middleware/cache/response-cache.js';
import { guardrails } from '../../../src/middleware/guardrails/guardrails.js';
import type { Router } from '../../../src/router/router.js';
import { ANTHROPIC_KEY, OPENAI_KEY, startRouterFixture, type RouterFixture } from '../../helpers/router-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';

const order = (...providers: string[]) => ({ gateway: { order: providers } });

async function only(router: Router): Promise<RequestLogRecord> {
  const page = await router.logs!.query();
  assert.equal(page.records.length, 1, `one record, got ${page.records.length}`);
  return page.records[0];
}

async function recorded(router: Router, count: number): Promise<RequestLogRecord[]> {
  let records: RequestLogRecord[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    records = (await router.logs!.query({ limit: 1000 })).records;
    if (records.length >= count) return records;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return assert.fail(`expected ${count} records, got ${records.length}`);
}

describe('request log', () => {
  let fixture: RouterFixture;
  beforeAll(async () => {
    fixture = await startRouterFixture({ requestLog: true });
  });
  afterAll(() => fixture.close());
  beforeEach(() => fixture.reset());

  it('is absent unless configured', () => {
    assert.equal(fixture.build({ requestLog: undefined }).logs, undefined);
  });

  it('records a request that fails over: two attempts, the fallback chain, tokens and cost', async () => {
    fixture.anthropic.script({ type: 'status', status: 500 });
    const result = await fixture.router.generate({
      model: 'test/echo',
      prompt: 'Hi there',
      providerOptions: order('anthropic', 'openai'),
      account: { id: 'team_acme', user: 'alice', apiKeyId: 'key_web' },
      tags: ['checkout'],
    });
    const record = await only(fixture.router);
    assert.equal(record.generationId, result.generationId);
    assert.equal(record.requestId, result.requestId);
    assert.equal(record.status, 'success');
    assert.equal(record.httpStatus, 200);
    assert.equal(record.operation, 'generate');
    assert.equal(record.streamed, false);
    assert.equal(record.account, 'team_acme');
    assert.equal(record.user, 'alice');
    assert.equal(record.apiKeyId, 'key_web');
    assert.deepEqual(record.tags, ['checkout']);
    assert.equal(record.requestedModel, 'test/echo');
    assert.equal(record.model, 'test/echo');
    assert.equal(record.provider, 'openai');
    assert.equal(record.providerModelId, 'gpt-4o-mini');
    assert.deepEqual(
      record.attempts.map((attempt) => [attempt.attempt, attempt.provider, attempt.outcome, attempt.status]),
      [
        [0, 'anthropic', 'error', 500],
        [1, 'openai', 'success', 200],
      ],
    );
    assert.equal(record.attempts[0].code, 'provider_unavailable');
    assert.equal(record.attempts[0].costNano, 0);
    assert.equal(record.attempts[1].costNano, result.cost.total);
    assert.ok(result.cost.total > 0);
    assert.deepEqual(record.fallbackChain, ['anthropic:claude-sonnet-4-20250514', 'openai:gpt-4o-mini']);
    assert.equal(record.costNano, result.cost.total);
    assert.equal(record.tokens.input, result.usage.inputTokens.total);
    assert.equal(record.tokens.output, result.usage.outputTokens.total);
    assert.ok(record.tokens.output > 0);
    assert.ok(record.latencyMs >= record.attempts[1].latencyMs);
    assert.equal(record.errorCode, undefined);
    assert.equal(record.content, undefined);
    assert.deepEqual(await fixture.router.logs!.get(result.generationId), record);
    assert.equal(await fixture.router.logs!.get('gen_unknown'), undefined);
  });

  it('records a stream once it ended, with its time to first token', async () => {
    const stream = fixture.router.stream({ model: 'openai/gpt-4o-mini', prompt: 'stream me' });
    let text = '';
    for await (const delta of stream) text += delta;
    const result = await stream.result;
    const [record] = await recorded(fixture.router, 1);
    assert.equal(record.generationId, stream.generationId);
    assert.equal(record.operation, 'stream');
    assert.equal(record.streamed, true);
    assert.equal(record.status, 'success');
    assert.ok(text.length > 0);
    assert.equal(record.costNano, result.cost.total);
    assert.equal(record.tokens.output, result.usage.outputTokens.total);
    assert.equal(typeof record.timeToFirstTokenMs, 'number');
    assert.ok(record.timeToFirstTokenMs! >= 0 && record.timeToFirstTokenMs! <= record.latencyMs);
  });

  it('records an embedding request', async () => {
    const result = await fixture.router.embedMany({ model: 'openai/text-embedding-3-small', values: ['a', 'b'] });
    const record = await only(fixture.router);
    assert.equal(record.operation, 'embed');
    assert.equal(record.status, 'success');
    assert.equal(record.provider, 'openai');
    assert.equal(record.tokens.input, result.usage.tokens);
    assert.equal(record.costNano, result.cost.total);
    assert.equal(record.attempts.length, 1);
  });

  it('records a request that failed for good, with its error code and status', async () => {
    fixture.anthropic.script({ type: 'status', status: 500 });
    fixture.openai.script({ type: 'status', status: 500 });
    const error = await fixture.router
      .generate({ model: 'test/echo', prompt: 'Hi', providerOptions: order('anthropic', 'openai') })
      .then(
        () => assert.fail('expected a failure'),
        (thrown: GatewayError) => thrown,
      );
    const record = await only(fixture.router);
    assert.equal(record.status, 'error');
    assert.equal(record.errorCode, error.code);
    assert.equal(record.errorCode, 'provider_unavailable');
    assert.equal(record.httpStatus, error.status);
    assert.equal(record.provider, undefined);
    assert.equal(record.attempts.length, 2);
    assert.deepEqual(record.fallbackChain, ['anthropic:claude-sonnet-4-20250514', 'openai:gpt-4o-mini']);
    assert.equal(record.costNano, 0);
  });

  it('records a request with no route', async () => {
    await assert.rejects(fixture.router.generate({ model: 'nobody/serves-this', prompt: 'Hi' }), GatewayError);
    const record = await only(fixture.router);
    assert.equal(record.status, 'error');
    assert.equal(record.errorCode, 'model_not_found');
    assert.deepEqual(record.attempts, []);
  });

  it('records a request refused by a middleware before any attempt', async () => {
    const refuse: RequestMiddleware = {
      name: 'refuse',
      transformRequest() {
        throw new GatewayError('guardrail_blocked', 'refused by policy');
      },
    };
    const router = fixture.build({ middleware: [refuse] });
    await assert.rejects(router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' }), GatewayError);
    const record = await only(router);
    assert.equal(record.status, 'error');
    assert.equal(record.errorCode, 'guardrail_blocked');
  });

  it('records what the response cache did: a miss, then a hit with no attempt and no cost', async () => {
    const router = fixture.build({ middleware: [responseCache()] });
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'cache me' });
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'cache me' });
    const [hit, miss] = (await router.logs!.query()).records;
    assert.notEqual(miss.cache, undefined);
    assert.notEqual(miss.cache, 'hit');
    assert.ok(miss.costNano > 0);
    assert.equal(hit.cache, 'hit');
    assert.equal(hit.status, 'success');
    assert.deepEqual(hit.attempts, []);
    assert.equal(hit.costNano, 0);
  });

  it('records what the guardrails did: the strongest action, and a block as an error', async () => {
    const router = fixture.build({
      middleware: [
        guardrails({
          guardrails: [
            { name: 'pii', detectors: ['email'], action: 'redact' },
            { name: 'cards', detectors: ['payment-card'], action: 'block' },
          ],
        }),
      ],
    });
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'mail me at alice@example.com' });
    await assert.rejects(
      router.generate({ model: 'openai/gpt-4o-mini', prompt: 'card 4111 1111 1111 1111, alice@example.com' }),
    );
    const [blocked, redacted] = (await router.logs!.query()).records;
    assert.equal(redacted.guardrail, 'redact');
    assert.equal(redacted.status, 'success');
    assert.equal(blocked.guardrail, 'block');
    assert.equal(blocked.status, 'error');
    assert.equal(blocked.errorCode, 'guardrail_blocked');
    assert.deepEqual(blocked.attempts, []);
  });

  it('records an aborted request as aborted', async () => {
    let release: () => void = () => undefined;
    fixture.openai.configure({ hold: new Promise<void>((resolve) => (release = resolve)) });
    const abort = new AbortHandle();
    const pending = fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hi' }, { abort });
    await waitFor(() => fixture.openai.requests.length > 0);
    abort.abort();
    await assert.rejects(pending, (error: GatewayError) => error.code === 'aborted');
    release();
    const record = await only(fixture.router);
    assert.equal(record.status, 'aborted');
    assert.equal(record.errorCode, 'aborted');
    assert.equal(record.attempts[0]?.outcome, 'aborted');
  });

  it('records a stream the caller stopped reading as aborted', async () => {
    fixture.openai.configure({ tokensPerSecond: 50 });
    const stream = fixture.router.stream({ model: 'openai/gpt-4o-mini', prompt: 'a long answer please, word by word' });
    for await (const _delta of stream) break;
    const [record] = await recorded(fixture.router, 1);
    assert.equal(record.generationId, stream.generationId);
    assert.equal(record.status, 'aborted');
    assert.equal(record.streamed, true);
  });

  it('records every request exactly once', async () => {
    fixture.anthropic.script({ type: 'status', status: 500 });
    await fixture.router.generate({ model: 'test/echo', prompt: 'one', providerOptions: order('anthropic', 'openai') });
    const stream = fixture.router.stream({ model: 'openai/gpt-4o-mini', prompt: 'two' });
    await stream.result;
    await fixture.router.embedMany({ model: 'openai/text-embedding-3-small', values: ['three'] });
    await assert.rejects(fixture.router.generate({ model: 'nobody/none', prompt: 'four' }));
    const records = await recorded(fixture.router, 4);
    assert.equal(records.length, 4);
    assert.equal(new Set(records.map((record) => record.generationId)).size, 4);
    assert.equal((fixture.router.logs as unknown as { inFlight: number }).inFlight, 0);
  });

  it('pages newest first with a cursor', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 7; index += 1)
      ids.push((await fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: `n${index}` })).generationId);
    const seen: string[] = [];
    let page = await fixture.router.logs!.query({ limit: 3 });
    seen.push(...page.records.map((record) => record.generationId));
    let pages = 1;
    while (page.nextCursor) {
      page = await fixture.router.logs!.query({ limit: 3, cursor: page.nextCursor });
      seen.push(...page.records.map((record) => record.generationId));
      pages += 1;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
    await assert.rejects(fixture.router.logs!.query({ cursor: 'not-a-cursor' }), /cursor/);
    await assert.rejects(fixture.router.logs!.query({ limit: 1001 }), /limit/);
    await assert.rejects(fixture.router.logs!.query({ limit: 0 }), /limit/);
  });

  it('filters by account, model (asked or answered), provider, status, since and until', async () => {
    fixture.anthropic.script({ type: 'status', status: 500 });
    const a = await fixture.router.generate({
      model: 'test/echo',
      prompt: 'a',
      providerOptions: order('anthropic', 'openai'),
      account: { id: 'acme' },
    });
    const b = await fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: 'b', account: { id: 'globex' } });
    const c = await fixture.router.generate({
      model: 'test/echo',
      prompt: 'c',
      providerOptions: order('anthropic'),
      account: { id: 'acme' },
    });
    await assert.rejects(fixture.router.generate({ model: 'nobody/none', prompt: 'd', account: { id: 'globex' } }));
    const ids = async (query: Parameters<NonNullable<Router['logs']>['query']>[0]) =>
      (await fixture.router.logs!.query(query)).records.map((record) => record.generationId);
    assert.deepEqual(await ids({ account: 'acme' }), [c.generationId, a.generationId]);
    assert.deepEqual(await ids({ model: 'test/echo' }), [c.generationId, a.generationId]);
    assert.deepEqual(await ids({ model: 'openai/gpt-4o-mini' }), [b.generationId]);
    // provider: the one that answered, or any attempted (a failed over to openai after anthropic)
    assert.deepEqual(await ids({ provider: 'anthropic', status: 'success' }), [c.generationId, a.generationId]);
    assert.deepEqual(await ids({ provider: 'openai' }), [b.generationId, a.generationId]);
    assert.equal((await ids({ status: 'error' })).length, 1);
    const times = (await fixture.router.logs!.query()).records.map((record) => record.time);
    const all = await ids({});
    assert.deepEqual(await ids({ since: times[0] + 1 }), []);
    assert.deepEqual(await ids({ until: times[times.length - 1] }), []);
    assert.deepEqual(await ids({ since: times[times.length - 1], until: times[0] + 1 }), all);
  });

  it('the memory ring drops the oldest record', async () => {
    const store = new MemoryRequestLogStore({ size: 3 });
    const router = fixture.build({ requestLog: { store } });
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1)
      ids.push((await router.generate({ model: 'openai/gpt-4o-mini', prompt: `n${index}` })).generationId);
    const { records } = await router.logs!.query();
    assert.deepEqual(
      records.map((record) => record.generationId),
      ids.slice(2).reverse(),
    );
    assert.equal(await router.logs!.get(ids[0]), undefined);
    assert.ok(await router.logs!.get(ids[4]));
    const sized = fixture.build({ requestLog: { size: 2 } });
    for (let index = 0; index < 3; index += 1) await sized.generate({ model: 'openai/gpt-4o-mini', prompt: 'x' });
    assert.equal((await sized.logs!.query()).records.length, 2);
  });

  it('keeps no message text unless logContent, and redacts provider keys when it does', async () => {
    const secretPrompt = `my key is ${OPENAI_KEY} and ${ANTHROPIC_KEY}, tell no one`;
    await fixture.router.generate({ model: 'openai/gpt-4o-mini', prompt: secretPrompt });
    const plain = JSON.stringify(await only(fixture.router));
    assert.ok(!plain.includes('tell no one'), 'no prompt text');
    assert.ok(!plain.includes(OPENAI_KEY) && !plain.includes(ANTHROPIC_KEY));

    const router = fixture.build({ requestLog: { logContent: true } });
    const result = await router.generate({ model: 'openai/gpt-4o-mini', prompt: secretPrompt });
    const record = await only(router);
    const json = JSON.stringify(record);
    assert.ok(!json.includes(OPENAI_KEY), 'the OpenAI key is redacted');
    assert.ok(!json.includes(ANTHROPIC_KEY), 'the Anthropic key is redacted');
    assert.match(record.content!.prompt, /tell no one/);
    assert.match(record.content!.prompt, /\[redacted\]/);
    assert.ok(result.text.length > 0);
    assert.ok(!record.content!.completion.includes(OPENAI_KEY));
    assert.match(record.content!.completion, /tell no one/); // the simulator echoes the prompt

    await router.embedMany({ model: 'openai/text-embedding-3-small', values: ['embed this text'] });
    const [embedded] = (await router.logs!.query({ limit: 1 })).records;
    assert.equal(embedded.content?.prompt, 'embed this text');
  });

  it('a store that fails drops records with one warning, and the request is not affected', async () => {
    const failing = {
      kind: 'broken',
      append: async () => {
        throw new Error('disk full');
      },
      query: async () => ({ records: [] }),
      get: async () => undefined,
    };
    const router = fixture.build({ requestLog: { store: failing } });
    const warnings: string[] = [];
    router.on('warning', (warning) => void warnings.push(warning.code));
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'a' });
    await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'b' });
    await waitFor(() => warnings.length > 0);
    await router.close();
    assert.deepEqual(warnings, ['request_log_failed']);
  });
});
