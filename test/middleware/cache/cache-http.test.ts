/**
 * The response cache's HTTP surface: `Cache-Control` request directives become the per-request
 * controls, and a result's cache outcome becomes the `x-gateway-cache` and `age` response headers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { cacheHeaders } from '../../../src/http/dialects/generation.js';
import { mergeProviderOptions, routingFromHeaders } from '../../../src/http/routing-options.js';

describe('Cache-Control request header', () => {
  it('no-cache skips the cache, no-store does not store, both bypass it', () => {
    assert.deepEqual(routingFromHeaders({ 'cache-control': 'no-cache' }), { cache: { skip: true } });
    assert.deepEqual(routingFromHeaders({ 'cache-control': 'No-Store' }), { cache: { noStore: true } });
    assert.deepEqual(routingFromHeaders({ 'cache-control': 'max-age=0, no-cache, no-store' }), {
      cache: { skip: true, noStore: true },
    });
    assert.deepEqual(routingFromHeaders({ 'cache-control': ['no-cache', 'no-store'] }), {
      cache: { skip: true, noStore: true },
    });
  });

  it('other directives, or none, add nothing', () => {
    assert.equal(routingFromHeaders({ 'cache-control': 'max-age=60' }), undefined);
    assert.equal(routingFromHeaders({}), undefined);
  });

  it("the body's providerOptions.gateway.cache wins over the header", () => {
    const merged = mergeProviderOptions(
      { gateway: { cache: { ttlSeconds: 5 } } },
      routingFromHeaders({ 'cache-control': 'no-store', 'x-gateway-order': 'openai' }),
      'providerOptions',
    );
    assert.deepEqual(merged, { gateway: { order: ['openai'], cache: { ttlSeconds: 5 } } });
  });
});

describe('x-gateway-cache response header', () => {
  it('says hit (with age), miss or skip, and is absent without a cache', () => {
    assert.deepEqual(cacheHeaders({ status: 'hit', ageSeconds: 12, savedCostNano: 5 }), {
      'x-gateway-cache': 'hit',
      age: '12',
    });
    assert.deepEqual(cacheHeaders({ status: 'miss', key: 'abc' }), { 'x-gateway-cache': 'miss' });
    assert.deepEqual(cacheHeaders({ status: 'skip' }), { 'x-gateway-cache': 'skip' });
    assert.equal(cacheHeaders(undefined), undefined);
  });
});
