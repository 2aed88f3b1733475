/**
 * The exact cache's key: equal requests hit whatever their key order; each deciding field misses; the
 * fields that do not decide the answer are not in it; accounts are apart unless the scope is shared.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { cacheNamespace, canonicalJson, embeddingKeys, languageKey } from '../../../src/middleware/cache/cache-key.js';
import type { NormalizedRequest } from '../../../src/router/router-types.js';

const base = (): NormalizedRequest => ({
  model: 'openai/gpt-4o',
  prompt: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
  ],
  temperature: 0,
  topP: 1,
  maxOutputTokens: 100,
  tools: [
    {
      type: 'function',
      name: 'weather',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  toolChoice: { type: 'auto' },
  responseFormat: { type: 'text' },
  providerOptions: { openai: { store: false, reasoningEffort: 'low' } },
  tags: [],
  metadata: {},
});

describe('canonical JSON', () => {
  it('sorts object keys at every depth, keeps array order, leaves out undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined, e: 'x' } }), '{"a":{"d":[2,1],"e":"x"},"b":1}');
    assert.equal(canonicalJson({ a: undefined }), canonicalJson({}));
    assert.equal(canonicalJson([undefined, Number.NaN]), '[null,null]');
  });

  it('writes bytes as base64, so that equal bytes are equal keys and different ones are not', () => {
    assert.equal(canonicalJson(new Uint8Array([1, 2])), canonicalJson(Uint8Array.from([1, 2])));
    assert.notEqual(canonicalJson(new Uint8Array([1, 2])), canonicalJson(new Uint8Array([1, 3])));
  });
});

describe('language key', () => {
  it('equal requests with differently ordered keys have the same key', () => {
    const one = base();
    const reordered = JSON.parse(canonicalJson(base())) as NormalizedRequest;
    const shuffled: NormalizedRequest = Object.fromEntries(
      Object.entries(reordered).reverse(),
    ) as unknown as NormalizedRequest;
    shuffled.tools = [
      {
        inputSchema: { required: ['city'], properties: { city: { type: 'string' } }, type: 'object' },
        name: 'weather',
        type: 'function',
      },
    ];
    shuffled.providerOptions = { openai: { reasoningEffort: 'low', store: false } };
    assert.equal(languageKey('openai/gpt-4o', shuffled), languageKey('openai/gpt-4o', one));
  });

  it('each deciding field changes the key', () => {
    const key = languageKey('openai/gpt-4o', base());
    const changes: Array<[string, (request: NormalizedRequest) => void]> = [
      [
        'the user message',
        (request) => ((request.prompt[1].content as Array<{ text: string }>)[0].text = 'Weather in Lyon?'),
      ],
      ['the system prompt', (request) => (request.prompt[0].content = 'Be verbose.')],
      [
        'another message',
        (request) => request.prompt.push({ role: 'assistant', content: [{ type: 'text', text: 'Sunny.' }] }),
      ],
      ['temperature', (request) => (request.temperature = 0.7)],
      ['topP', (request) => (request.topP = 0.9)],
      ['topK', (request) => (request.topK = 40)],
      ['maxOutputTokens', (request) => (request.maxOutputTokens = 200)],
      ['stopSequences', (request) => (request.stopSequences = ['\n'])],
      ['presencePenalty', (request) => (request.presencePenalty = 0.5)],
      ['frequencyPenalty', (request) => (request.frequencyPenalty = 0.5)],
      ['seed', (request) => (request.seed = 7)],
      ['reasoning', (request) => (request.reasoning = 'high')],
      ['parallelToolCalls', (request) => (request.parallelToolCalls = false)],
      ['tools', (request) => (request.tools = [])],
      ['a tool schema', (request) => (request.tools![0].inputSchema = { type: 'object' })],
      ['toolChoice', (request) => (request.toolChoice = { type: 'required' })],
      ['responseFormat', (request) => (request.responseFormat = { type: 'json' })],
      [
        'a vendor option',
        (request) => (request.providerOptions = { openai: { store: false, reasoningEffort: 'high' } }),
      ],
      [
        'another vendor',
        (request) =>
          (request.providerOptions = { ...request.providerOptions, anthropic: { thinking: { type: 'enabled' } } }),
      ],
    ];
    const seen = new Set([key]);
    for (const [name, change] of changes) {
      const request = base();
      change(request);
      const changed = languageKey('openai/gpt-4o', request);
      assert.ok(!seen.has(changed), `${name} changes the key`);
      seen.add(changed);
    }
    assert.notEqual(languageKey('openai/gpt-4o-mini', base()), key, 'the model changes the key');
  });

  it('fields that do not decide the answer are not in the key', () => {
    const key = languageKey('openai/gpt-4o', base());
    const request: NormalizedRequest = {
      ...base(),
      user: 'alice',
      tags: ['checkout'],
      metadata: { trace: 'abc' },
      account: { id: 'team_acme' },
      headers: { 'x-trace': '1' },
      abortSignal: new AbortController().signal,
      timeoutMs: 5_000,
      providerOptions: {
        ...base().providerOptions,
        gateway: {
          order: ['azure'],
          only: ['openai'],
          models: ['anthropic/claude-sonnet-4'],
          user: 'bob',
          tags: ['x'],
          cache: { ttlSeconds: 5 },
        },
      },
    };
    assert.equal(languageKey('openai/gpt-4o', request), key);
    // A gateway-only providerOptions is the same as none.
    const bare = base();
    delete bare.providerOptions;
    assert.equal(
      languageKey('openai/gpt-4o', { ...bare, providerOptions: { gateway: { sort: 'cost' } } }),
      languageKey('openai/gpt-4o', bare),
    );
    assert.equal(languageKey('openai/gpt-4o', { ...bare, providerOptions: {} }), languageKey('openai/gpt-4o', bare));
  });

  it('carries the model tag first, so that one model can be cleared', () => {
    const [tag, hash] = languageKey('openai/gpt-4o', base()).split('.');
    assert.match(tag, /^[0-9a-f]{12}$/);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(languageKey('openai/gpt-4o', { ...base(), temperature: 1 }).split('.')[0], tag);
  });
});

describe('embedding keys', () => {
  it('one per value: the same value is the same key, another value or option another', () => {
    const request: NormalizedRequest = { model: 'openai/text-embedding-3-small', prompt: [], tags: [], metadata: {} };
    const [a, b, a2] = embeddingKeys('openai/text-embedding-3-small', request, ['alpha', 'beta', 'alpha']);
    assert.equal(a, a2);
    assert.notEqual(a, b);
    const [other] = embeddingKeys(
      'openai/text-embedding-3-small',
      { ...request, providerOptions: { openai: { dimensions: 256 } } },
      ['alpha'],
    );
    assert.notEqual(other, a);
    const [language] = [languageKey('openai/text-embedding-3-small', request)];
    assert.notEqual(language, a);
  });

  it('the dimensions asked for are part of the key (vectors of another length never hit)', () => {
    const request: NormalizedRequest = { model: 'openai/text-embedding-3-small', prompt: [], tags: [], metadata: {} };
    const [none] = embeddingKeys('openai/text-embedding-3-small', request, ['alpha']);
    const [small] = embeddingKeys('openai/text-embedding-3-small', request, ['alpha'], 256);
    const [smallAgain] = embeddingKeys('openai/text-embedding-3-small', request, ['alpha'], 256);
    const [large] = embeddingKeys('openai/text-embedding-3-small', request, ['alpha'], 1024);
    assert.equal(small, smallAgain);
    assert.notEqual(small, none);
    assert.notEqual(small, large);
  });
});

describe('namespace', () => {
  it('per account by default, one for all with the shared scope', () => {
    assert.equal(cacheNamespace('account', { id: 'team_a' }), 'cache:a:team_a');
    assert.notEqual(cacheNamespace('account', { id: 'team_a' }), cacheNamespace('account', { id: 'team_b' }));
    assert.notEqual(cacheNamespace('account', undefined), cacheNamespace('account', { id: 'team_a' }));
    assert.equal(cacheNamespace('shared', { id: 'team_a' }), cacheNamespace('shared', { id: 'team_b' }));
  });
});
