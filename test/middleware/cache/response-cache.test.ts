/**
 * The exact response cache, called as the pipeline calls a middleware: a run built by hand and a `next`
 * that answers like the rest of the pipeline (and counts its calls).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { responseCache, type ResponseCache } from '../../../src/middleware/cache/response-cache.js';
import type { PipelineStream, RequestRun } from '../../../src/middleware/middleware.js';
import type { EmbedManyResult, GenerateResult } from '../../../src/router/router-types.js';
import { MemoryKeyValueStore } from '../../../src/store/memory-key-value-store.js';
import { RedisStore } from '../../../src/store/redis-store.js';
import type { StreamPart } from '../../../src/core/types.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  REDIS_SKIP,
  REDIS_SKIP_NOTE,
  freePort,
  startRedisServer,
  type TestRedisServer,
} from '../../store/redis-server.js';
import { TestClock } from '../../store/store-suite.js';
import {
  embedNext,
  eventLog,
  generateNext,
  makeResult,
  makeRun,
  readAll,
  streamNext,
  streamParts,
} from './cache-fixtures.js';

const generate = (
  cache: ResponseCache,
  run: RequestRun,
  next: () => Promise<GenerateResult>,
): Promise<GenerateResult> => cache.wrapGenerate!(run, next);
const stream = (cache: ResponseCache, run: RequestRun, next: () => Promise<PipelineStream>): Promise<PipelineStream> =>
  cache.wrapStream!(run, next);
const embed = (cache: ResponseCache, run: RequestRun, next: () => Promise<EmbedManyResult>): Promise<EmbedManyResult> =>
  cache.wrapEmbed!(run, next);

/** Generates `prompt` through the cache and says whether `next` was called. */
async function ask(
  cache: ResponseCache,
  prompt: string,
  options: Parameters<typeof makeRun>[1] = {},
  request: Parameters<typeof makeRun>[0] = {},
): Promise<{ result: GenerateResult; upstream: boolean }> {
  const run = makeRun({ prompt, ...request }, options);
  const next = generateNext(run, `answer to ${prompt} for ${options.account?.id ?? 'nobody'}`);
  const result = await generate(cache, run, next.call);
  return { result, upstream: next.calls === 1 };
}

describe('response cache: generate', () => {
  it('a repeated request is answered from the cache, with no attempt and no cost', async () => {
    const events = eventLog();
    const cache = responseCache({ emit: events.emit });
    const first = await ask(cache, 'Hi');
    assert.equal(first.upstream, true);
    assert.equal(first.result.cache?.status, 'miss');
    const second = await ask(cache, 'Hi');
    assert.equal(second.upstream, false, 'no call upstream');
    assert.equal(second.result.text, first.result.text);
    assert.deepEqual(second.result.content, first.result.content);
    assert.deepEqual(second.result.usage, first.result.usage);
    assert.deepEqual(second.result.finishReason, first.result.finishReason);
    assert.equal(second.result.provider, 'openai');
    assert.equal(second.result.responseId, 'chatcmpl-1');
    assert.deepEqual(second.result.attempts, []);
    assert.equal(second.result.cost.total, 0);
    assert.notEqual(second.result.requestId, first.result.requestId, 'the hit carries its own request id');
    assert.equal(second.result.cache?.status, 'hit');
    assert.equal(second.result.cache?.savedCostNano, 45_000);
    assert.equal(second.result.cache?.key, first.result.cache?.key);
    assert.deepEqual(
      events.cache.map((event) => event.outcome),
      ['miss', 'store', 'hit'],
    );
    const hit = events.cache[2];
    assert.equal(hit.savedCostNano, 45_000);
    assert.match(hit.key ?? '', /^[0-9a-f]{16}$/);
    assert.equal(JSON.stringify(events.cache).includes('answer to'), false, 'no content in events');
  });

  it('another request misses', async () => {
    const cache = responseCache();
    await ask(cache, 'Hi');
    assert.equal((await ask(cache, 'Hello')).upstream, true);
    assert.equal((await ask(cache, 'Hi', {}, { temperature: 1 })).upstream, true);
  });

  it('an account never receives another account answer (scope account, the default)', async () => {
    const cache = responseCache();
    await ask(cache, 'Secret?', { account: { id: 'team_a' } });
    const other = await ask(cache, 'Secret?', { account: { id: 'team_b' } });
    assert.equal(other.upstream, true);
    assert.equal(other.result.text, 'answer to Secret? for team_b');
    const none = await ask(cache, 'Secret?');
    assert.equal(none.upstream, true, 'nor does a request without an account');
    const same = await ask(cache, 'Secret?', { account: { id: 'team_a', user: 'another user' } });
    assert.equal(same.upstream, false, 'the same account hits, whichever user');
    assert.equal(same.result.text, 'answer to Secret? for team_a');
  });

  it('with scope shared, every account sees every entry', async () => {
    const cache = responseCache({ scope: 'shared' });
    await ask(cache, 'Public?', { account: { id: 'team_a' } });
    const other = await ask(cache, 'Public?', { account: { id: 'team_b' } });
    assert.equal(other.upstream, false);
    assert.equal(other.result.text, 'answer to Public? for team_a');
  });

  it('errors are not stored', async () => {
    const cache = responseCache();
    const run = makeRun({ prompt: 'Fail' });
    await assert.rejects(
      generate(cache, run, async () => {
        throw new GatewayError('provider_unavailable', 'down');
      }),
      /down/,
    );
    assert.equal((await ask(cache, 'Fail')).upstream, true);
  });

  it('an answer cut by length is not stored, unless storeTruncated', async () => {
    for (const storeTruncated of [false, true]) {
      const cache = responseCache({ storeTruncated });
      const run = makeRun({ prompt: 'Long' });
      const next = generateNext(run, () => ({ ...makeResult(run, 'x'), finishReason: { unified: 'length' } }));
      await generate(cache, run, next.call);
      assert.equal((await ask(cache, 'Long')).upstream, !storeTruncated);
    }
  });

  it('a content-filtered or errored answer is not stored', async () => {
    for (const unified of ['content-filter', 'error', 'other'] as const) {
      const cache = responseCache();
      const run = makeRun({ prompt: 'Odd' });
      await generate(
        cache,
        run,
        generateNext(run, () => ({ ...makeResult(run, 'x'), finishReason: { unified } })).call,
      );
      assert.equal((await ask(cache, 'Odd')).upstream, true, unified);
    }
  });
});

describe('response cache: stream', () => {
  it('a streamed hit replays the stored parts, finish part and usage included', async () => {
    const events = eventLog();
    const cache = responseCache({ emit: events.emit });
    const original = streamParts('Hello there, world');
    const run = makeRun({ prompt: 'Stream' }, { operation: 'stream' });
    const miss = await stream(cache, run, streamNext(run, original).call);
    const missParts = await readAll(miss.parts);
    const missResult = await miss.result;
    assert.deepEqual(missParts, original);
    assert.equal(missResult.cache?.status, 'miss');
    await waitFor(() => events.cache.some((event) => event.outcome === 'store'));

    const again = makeRun({ prompt: 'Stream' }, { operation: 'stream' });
    const next = streamNext(again, original);
    const hit = await stream(cache, again, next.call);
    const hitParts = await readAll(hit.parts);
    assert.equal(next.calls, 0);
    assert.deepEqual(hitParts, original, 'the same parts, dates and usage included');
    const finish = hitParts.at(-1);
    assert.equal(finish?.type, 'finish');
    const result = await hit.result;
    assert.equal(result.cache?.status, 'hit');
    assert.equal(result.text, 'Hello there, world');
    assert.deepEqual(result.toolCalls, missResult.toolCalls);
    assert.deepEqual(result.usage, missResult.usage);
    assert.equal(result.cost.total, 0);
  });

  it('a generate request hits a streamed entry, and a stream request a generated one', async () => {
    const cache = responseCache();
    const streamed = makeRun({ prompt: 'Both' }, { operation: 'stream' });
    const first = await stream(cache, streamed, streamNext(streamed, streamParts('Streamed answer')).call);
    await readAll(first.parts);
    await first.result;
    await waitFor(() => cache.store.kind === 'memory');
    const generated = await ask(cache, 'Both');
    assert.equal(generated.upstream, false);
    assert.equal(generated.result.text, 'Streamed answer');

    await ask(cache, 'Generated first');
    const run = makeRun({ prompt: 'Generated first' }, { operation: 'stream' });
    const next = streamNext(run, []);
    const hit = await stream(cache, run, next.call);
    const parts = await readAll(hit.parts);
    assert.equal(next.calls, 0);
    const text = parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
    assert.equal(text, 'answer to Generated first for nobody');
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'response-metadata', 'text-start', 'text-delta', 'text-end', 'finish'],
    );
    const finish = parts.at(-1) as Extract<StreamPart, { type: 'finish' }>;
    assert.equal(finish.usage.inputTokens.total, 10);
  });

  it('a stream that failed, was aborted, was not read to the end or was cut by length is not stored', async () => {
    const cases: Array<[string, StreamPart[], { aborted?: boolean; stopAfter?: number }]> = [
      [
        'failed',
        [
          ...streamParts('partial').slice(0, 4),
          { type: 'error', error: new GatewayError('provider_connection', 'reset') },
        ],
        {},
      ],
      ['aborted', streamParts('whole'), { aborted: true }],
      ['left early', streamParts('whole'), { stopAfter: 4 }],
      ['cut by length', streamParts('whole', 'length'), {}],
      ['without a finish part', streamParts('whole').slice(0, -1), {}],
    ];
    for (const [name, parts, options] of cases) {
      const events = eventLog();
      const cache = responseCache({ emit: events.emit });
      const run = makeRun({ prompt: name }, { operation: 'stream', aborted: options.aborted });
      const miss = await stream(cache, run, streamNext(run, parts).call);
      let read = 0;
      for await (const _part of miss.parts) if ((read += 1) === options.stopAfter) break;
      await miss.result.catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(
        events.cache.some((event) => event.outcome === 'store'),
        false,
        `${name}: not stored`,
      );
      const again = makeRun({ prompt: name }, { operation: 'stream' });
      const next = streamNext(again, streamParts('fresh'));
      await readAll((await stream(cache, again, next.call)).parts);
      assert.equal(next.calls, 1, `${name}: the next request goes upstream`);
    }
  });
});

describe('response cache: embeddings', () => {
  it('hits per value: only the misses go upstream, in one call, and the result keeps the order', async () => {
    const events = eventLog();
    const cache = responseCache({ emit: events.emit });
    const model = 'openai/text-embedding-3-small';
    const first = makeRun({}, { operation: 'embed', model, values: ['alpha', 'beta'] });
    const firstNext = embedNext(first);
    const stored = await embed(cache, first, firstNext.call);
    assert.deepEqual(stored.embeddings, [
      [5, 97],
      [4, 98],
    ]);
    assert.equal(stored.cache?.status, 'miss');

    const second = makeRun({}, { operation: 'embed', model, values: ['beta', 'gamma', 'alpha', 'gamma'] });
    const next = embedNext(second);
    const result = await embed(cache, second, next.call);
    assert.deepEqual(next.calls, [['gamma']], 'one call, with each missing value once');
    assert.deepEqual(second.values, ['beta', 'gamma', 'alpha', 'gamma'], 'the run keeps its values');
    assert.deepEqual(result.embeddings, [
      [4, 98],
      [5, 103],
      [5, 97],
      [5, 103],
    ]);
    assert.equal(result.cache?.status, 'miss');
    assert.equal(result.cache?.hitValues, 2);
    assert.equal(result.cost.total, 100, 'the call for the miss is what was paid');

    const third = makeRun({}, { operation: 'embed', model, values: ['gamma', 'alpha'] });
    const none = embedNext(third);
    const hit = await embed(cache, third, none.call);
    assert.deepEqual(none.calls, []);
    assert.deepEqual(hit.embeddings, [
      [5, 103],
      [5, 97],
    ]);
    assert.equal(hit.cache?.status, 'hit');
    assert.equal(hit.cost.total, 0);
    // The first call cost 200 for 'alpha' and 'beta', shared by length (111 and 89); 'gamma' cost 100.
    assert.equal(hit.cache?.savedCostNano, 211, 'each value saved its share');
    assert.deepEqual(events.cache.at(-1)?.values, { hits: 2, total: 2 });
  });

  it('a cached vector is exactly the vector that was answered', async () => {
    const cache = responseCache();
    const vector = [0.1, 1 / 3, -1e-300, 123456.789, -0, Number.MIN_VALUE];
    const first = makeRun({}, { operation: 'embed', values: ['exact'] });
    const next = embedNext(first);
    await embed(cache, first, async () => ({ ...(await next.call()), embeddings: [vector] }));
    const second = makeRun({}, { operation: 'embed', values: ['exact'] });
    const hit = await embed(cache, second, embedNext(second).call);
    assert.equal(hit.cache?.status, 'hit');
    assert.deepEqual(hit.embeddings, [vector]);
  });

  it('embeddings of one account are not another account', async () => {
    const cache = responseCache();
    const model = 'openai/text-embedding-3-small';
    const a = makeRun({}, { operation: 'embed', model, values: ['x'], account: { id: 'a' } });
    await embed(cache, a, embedNext(a).call);
    const b = makeRun({}, { operation: 'embed', model, values: ['x'], account: { id: 'b' } });
    const next = embedNext(b);
    await embed(cache, b, next.call);
    assert.deepEqual(next.calls, [['x']]);
  });
});

describe('response cache: controls', () => {
  it('skip: the cache is not read, the fresh answer is stored', async () => {
    const cache = responseCache();
    await ask(cache, 'Q');
    const skipped = await ask(cache, 'Q', {}, { providerOptions: { gateway: { cache: { skip: true } } } });
    assert.equal(skipped.upstream, true);
    assert.equal(skipped.result.cache?.status, 'skip');
  });

  it('noStore: a stored answer may answer, a fresh one is not stored', async () => {
    const cache = responseCache();
    const fresh = await ask(cache, 'N', {}, { providerOptions: { gateway: { cache: { noStore: true } } } });
    assert.equal(fresh.result.cache?.status, 'miss');
    assert.equal((await ask(cache, 'N')).upstream, true, 'nothing was stored');
    assert.equal(
      (await ask(cache, 'N', {}, { providerOptions: { gateway: { cache: { noStore: true } } } })).upstream,
      false,
    );
  });

  it('TTL per config, per model and per request', async () => {
    const clock = new TestClock();
    const store = new MemoryKeyValueStore({ now: clock.now });
    const cache = responseCache({
      store,
      now: clock.now,
      ttlSeconds: 60,
      models: { 'openai/gpt-4o-mini': { ttlSeconds: 10 } },
    });
    await ask(cache, 'config');
    await ask(cache, 'model', { model: 'openai/gpt-4o-mini' });
    await ask(cache, 'request', {}, { providerOptions: { gateway: { cache: { ttlSeconds: 30 } } } });
    clock.advance(11_000);
    assert.equal(
      (await ask(cache, 'model', { model: 'openai/gpt-4o-mini' })).upstream,
      true,
      'the model TTL (10 s) passed',
    );
    const aged = await ask(cache, 'config');
    assert.equal(aged.upstream, false);
    assert.equal(aged.result.cache?.ageSeconds, 11);
    clock.advance(20_000);
    assert.equal((await ask(cache, 'request')).upstream, true, 'the request TTL (30 s) passed');
    assert.equal((await ask(cache, 'config')).upstream, false);
    clock.advance(30_000);
    assert.equal((await ask(cache, 'config')).upstream, true, 'the config TTL (60 s) passed');
  });

  it('ttlSeconds 0 stores nothing; when() decides which requests the cache serves', async () => {
    const events = eventLog();
    const cache = responseCache({ emit: events.emit, when: (run) => run.request.temperature === 0 });
    await ask(cache, 'warm', {}, { temperature: 0.8 });
    assert.equal((await ask(cache, 'warm', {}, { temperature: 0.8 })).upstream, true);
    assert.equal(events.cache.at(-1)?.outcome, 'skip');
    assert.equal(events.cache.at(-1)?.reason, 'when');
    await ask(cache, 'cold', {}, { temperature: 0, providerOptions: { gateway: { cache: { ttlSeconds: 0 } } } });
    assert.equal((await ask(cache, 'cold', {}, { temperature: 0 })).upstream, true);
    await ask(cache, 'cold', {}, { temperature: 0 });
    assert.equal((await ask(cache, 'cold', {}, { temperature: 0 })).upstream, false);
  });

  it('bad per-request options are refused with invalid_request', async () => {
    const cache = responseCache();
    for (const options of [{ ttlSeconds: -1 }, { ttlSeconds: '60' }, { skip: 'yes' }, 'no-store']) {
      await assert.rejects(
        ask(cache, 'bad', {}, { providerOptions: { gateway: { cache: options } } }),
        (error) => error instanceof GatewayError && error.code === 'invalid_request',
      );
    }
    assert.throws(
      () => responseCache({ ttlSeconds: -5 }),
      (error) => error instanceof GatewayError && error.code === 'config_invalid',
    );
  });

  it('clear({ account, model }) deletes that account and model entries only', async () => {
    const cache = responseCache();
    const a = { account: { id: 'a' } };
    const b = { account: { id: 'b' } };
    await ask(cache, 'one', a);
    await ask(cache, 'one', { ...a, model: 'openai/gpt-4o-mini' });
    await ask(cache, 'one', b);
    assert.equal(await cache.clear({ account: 'a', model: 'openai/gpt-4o' }), 1);
    assert.equal((await ask(cache, 'one', a)).upstream, true);
    assert.equal((await ask(cache, 'one', { ...a, model: 'openai/gpt-4o-mini' })).upstream, false);
    assert.equal((await ask(cache, 'one', b)).upstream, false);
    assert.equal(await cache.clear(), 3);
    assert.equal((await ask(cache, 'one', b)).upstream, true);
  });

  it('attach() sends the events to a router-like emitter', async () => {
    const events = eventLog();
    const cache = responseCache();
    cache.attach({ emit: events.emit });
    await ask(cache, 'attached');
    assert.deepEqual(
      events.cache.map((event) => event.outcome),
      ['miss', 'store'],
    );
  });
});

describe('response cache: store unreachable', () => {
  it('the cache is bypassed, a warning fires, the request is served', async () => {
    const events = eventLog();
    const store = new RedisStore({
      url: `redis://127.0.0.1:${await freePort()}`,
      connectTimeoutMs: 200,
      startTimeoutMs: 200,
    });
    const cache = responseCache({ store, emit: events.emit });
    try {
      const served = await ask(cache, 'Hi');
      assert.equal(served.upstream, true);
      assert.equal(served.result.cache?.status, 'skip');
      assert.equal(events.warnings.length, 1);
      assert.equal(events.warnings[0].code, 'cache_unavailable');
      const run = makeRun({ prompt: 'S' }, { operation: 'stream' });
      const streamed = await stream(cache, run, streamNext(run, streamParts('ok')).call);
      assert.equal((await readAll(streamed.parts)).length, streamParts('ok').length);
      const embedRun = makeRun({}, { operation: 'embed', values: ['v'] });
      assert.equal((await embed(cache, embedRun, embedNext(embedRun).call)).cache?.status, 'skip');
      assert.equal(events.warnings.length, 1, 'at most one warning every 5 s');
    } finally {
      await store.close();
    }
  });
});

describe(`response cache on Redis${REDIS_SKIP_NOTE}`, { skip: Boolean(REDIS_SKIP) }, () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis?.stop());

  it('two instances share entries, per account', async () => {
    const stores = [new RedisStore({ url: redis.url }), new RedisStore({ url: redis.url })];
    const events = eventLog();
    const [one, two] = stores.map((store) => responseCache({ store, emit: events.emit }));
    try {
      await ask(one, 'shared?', { account: { id: 'a' } });
      await waitFor(() => events.cache.some((event) => event.outcome === 'store'));
      const hit = await ask(two, 'shared?', { account: { id: 'a' } });
      assert.equal(hit.upstream, false);
      assert.equal(hit.result.text, 'answer to shared? for a');
      assert.equal((await ask(two, 'shared?', { account: { id: 'b' } })).upstream, true);
      const keys = await redis.command('KEYS', '*');
      assert.match(keys, /switchyard:kv:\{cache%3Aa%3Aa\}:[0-9a-f]{12}\.[0-9a-f]{64}/, 'the namespace is the hash tag');
      assert.equal(await two.clear({ account: 'a' }), 1);
      assert.equal((await ask(one, 'shared?', { account: { id: 'a' } })).upstream, true);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
