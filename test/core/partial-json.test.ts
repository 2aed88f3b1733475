import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PartialJsonParser } from '../../src/core/partial-json.js';
import { parsePartialJson } from '../../src/router/structured-output.js';
import { seededRandom } from '../helpers/candidates.js';
import { OPENAI_KEY, startRouterFixture, type RouterFixture } from '../helpers/router-fixture.js';

/**
 * Whether `partial` is a prefix of `final` in the parser's sense: a string is a prefix of the final
 * string; an array or object holds the final's first members (in order), all equal to the final ones but
 * the last, which is a prefix of its final value; anything else equals the final value.
 */
function isPrefix(partial: unknown, final: unknown): boolean {
  if (partial === undefined) return true;
  if (typeof partial === 'string') return typeof final === 'string' && final.startsWith(partial);
  if (Array.isArray(partial)) {
    if (!Array.isArray(final) || partial.length > final.length) return false;
    return partial.every((item, index) =>
      index === partial.length - 1 ? isPrefix(item, final[index]) : equal(item, final[index]),
    );
  }
  if (partial !== null && typeof partial === 'object') {
    if (final === null || typeof final !== 'object' || Array.isArray(final)) return false;
    const keys = Object.keys(partial);
    const finalKeys = Object.keys(final);
    // Keys come in document order except integer-like ones, which JavaScript orders first: compare as sets
    // and allow one member (the open one) to be a proper prefix.
    if (!keys.every((key) => finalKeys.includes(key))) return false;
    const open = keys.filter(
      (key) => !equal((partial as Record<string, unknown>)[key], (final as Record<string, unknown>)[key]),
    );
    return (
      open.length <= 1 &&
      open.every((key) => isPrefix((partial as Record<string, unknown>)[key], (final as Record<string, unknown>)[key]))
    );
  }
  return equal(partial, final);
}

function equal(left: unknown, right: unknown): boolean {
  try {
    assert.deepStrictEqual(left, right);
    return true;
  } catch {
    return false;
  }
}

const DOCUMENTS = [
  '{}',
  '[]',
  '""',
  '0',
  '-12.5e+3',
  'true',
  'null',
  '{"name":"Ada","age":36,"admin":false,"manager":null,"tags":["math","engines"],"ratio":0.25}',
  ' { "nested" : { "deeper" : [ 1 , [ 2 , { "x" : [ ] } ] , { } ] } , "after" : "end" } ',
  '{"escapes":"quote \\" backslash \\\\ slash \\/ \\b\\f\\n\\r\\t","unicode":"\\u00e9\\u4e2d \\ud83d\\ude00 lone \\udc00","raw":"é中😀"}',
  '[1,-0,0.5,1e3,1E-2,-7.25e+10,123456789012,true,false,null,"",[],{}]',
  '{"":"empty key","__proto__":{"polluted":true},"1":"integer key","b":"string key"}',
  '{\n  "pretty": [\n    "printed",\n    {\n      "with": "whitespace"\n    }\n  ]\n}\n',
];

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
  const word = (): string => ['a', 'b\\"q', 'ünï', '\n', '😀', 'x y', ''][Math.floor(random() * 7)] ?? '';
  switch (pick) {
    case 0:
      return Math.round((random() - 0.5) * 10_000) / (random() < 0.5 ? 1 : 100);
    case 1:
      return random() < 0.5;
    case 2:
      return null;
    case 3:
    case 4:
      return Array.from({ length: Math.floor(random() * 4) }, word).join('');
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, index) => [
          `k${index}${word()}`,
          randomValue(random, depth + 1),
        ]),
      );
  }
}

const random = seededRandom(2026);
const RANDOM_DOCUMENTS = Array.from({ length: 60 }, (_, index) =>
  JSON.stringify(randomValue(random, 0), null, index % 3 === 0 ? 2 : undefined),
);

describe('PartialJsonParser', () => {
  it('gives JSON.parse’s value for any document split at every boundary, and a prefix of it at the split', () => {
    for (const document of [...DOCUMENTS, ...RANDOM_DOCUMENTS]) {
      const expected = JSON.parse(document) as unknown;
      for (let split = 0; split <= document.length; split += 1) {
        const parser = new PartialJsonParser();
        parser.append(document.slice(0, split));
        const partial = parser.snapshot();
        assert.ok(!parser.failed, `failed at ${split} of ${document}`);
        assert.ok(isPrefix(partial, expected), `${JSON.stringify(partial)} at ${split} is no prefix of ${document}`);
        parser.append(document.slice(split));
        parser.end();
        assert.ok(parser.complete, `incomplete: ${document}`);
        assert.deepStrictEqual(parser.snapshot(), expected, document);
      }
    }
  });

  it('grows monotonically when fed one character at a time', () => {
    for (const document of [...DOCUMENTS, ...RANDOM_DOCUMENTS]) {
      const expected = JSON.parse(document) as unknown;
      const parser = new PartialJsonParser();
      let previous: unknown;
      for (const character of document) {
        parser.append(character);
        if (!parser.changed) continue;
        const partial = parser.snapshot();
        assert.ok(isPrefix(partial, expected), `${JSON.stringify(partial)} is no prefix of ${document}`);
        assert.ok(isPrefix(previous, partial), `${JSON.stringify(previous)} then ${JSON.stringify(partial)}`);
        assert.notDeepStrictEqual(partial, previous, 'changed means changed');
        previous = partial;
      }
      parser.end();
      assert.deepStrictEqual(parser.snapshot(), expected);
    }
  });

  it('makes __proto__ an own property, never the prototype', () => {
    const parser = new PartialJsonParser();
    parser.append('{"__proto__":{"polluted":true},"x":1}');
    const value = parser.snapshot() as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepStrictEqual(value, JSON.parse('{"__proto__":{"polluted":true},"x":1}'));
  });

  it('never completes a text that is not JSON', () => {
    const invalid = [
      '{"a":1,}',
      '[1,]',
      '{"a" 1}',
      '{a:1}',
      '01',
      '1.',
      '-',
      '.5',
      '+1',
      'tru',
      'nul',
      'truex',
      '"\\x"',
      '"\\u12g4"',
      '"a\nb"',
      '{"a":1}}',
      '[1}',
      '{"a":1] ',
      '1 2',
      "'a'",
      '{"a":1} x',
      '[',
      '"open',
    ];
    for (const text of invalid) {
      assert.throws(() => JSON.parse(text), `${text} is invalid JSON`);
      for (let split = 0; split <= text.length; split += 1) {
        const parser = new PartialJsonParser();
        parser.append(text.slice(0, split));
        parser.append(text.slice(split));
        parser.end();
        assert.ok(parser.failed || !parser.complete, `accepted ${JSON.stringify(text)}`);
      }
    }
  });

  it('scans each character once and copies O(1) nodes per character over a stream', () => {
    const items = Array.from({ length: 500 }, (_, index) => ({
      id: index,
      name: `item number ${index}`,
      tags: ['a', 'b'],
      score: index / 8,
    }));
    const document = JSON.stringify({ title: 'A long list', items });
    assert.ok(document.length > 27_000);
    for (const size of [1, 4, 64]) {
      const parser = new PartialJsonParser();
      let partials = 0;
      for (let offset = 0; offset < document.length; offset += size) {
        parser.append(document.slice(offset, offset + size));
        if (parser.takePartial() !== undefined) partials += 1;
      }
      parser.end();
      const final = parser.snapshot();
      assert.deepStrictEqual(final, JSON.parse(document));
      assert.equal(parser.work.charactersScanned, document.length);
      assert.ok(
        parser.work.nodesCopied <= 8 * document.length + 3_000,
        `${parser.work.nodesCopied} nodes copied for ${document.length} characters`,
      );
      assert.ok(partials > 50, `${partials} partials in ${size}-character deltas`);
    }
  });

  it('parsePartialJson completes cut-off text', () => {
    assert.deepStrictEqual(parsePartialJson('{"name":"Ad'), { name: 'Ad' });
    assert.deepStrictEqual(parsePartialJson('{"name":"Ada","tags":["x","y'), { name: 'Ada', tags: ['x', 'y'] });
    assert.deepStrictEqual(parsePartialJson('{"name":'), {});
    assert.deepStrictEqual(parsePartialJson('  42  '), 42);
    assert.equal(parsePartialJson(''), undefined);
    assert.equal(parsePartialJson('{"a":1}}'), undefined);
  });
});

describe('streamObject over a long object in small deltas', () => {
  let fixture: RouterFixture;
  beforeAll(async () => {
    fixture = await startRouterFixture({ attemptTimeoutMs: 60_000 }); // the first call loads the SDK: slow on a busy machine
  });
  afterAll(() => fixture.close());

  it('does not reparse the text so far on every delta', async () => {
    const items = Array.from({ length: 800 }, (_, index) => ({ id: index, name: `item number ${index}` }));
    const document = JSON.stringify({ title: 'A long list', items });
    const textChunks: string[] = [];
    for (let offset = 0; offset < document.length; offset += 4) textChunks.push(document.slice(offset, offset + 4));
    fixture.openai.configure({ reply: () => ({ text: document, textChunks }) });
    const schema = {
      type: 'object',
      properties: { title: { type: 'string' }, items: { type: 'array' } },
      required: ['title', 'items'],
    };
    // Count the characters JSON.parse and JSON.stringify see: the SDK parses each small SSE event; a parser that
    // starts over on each delta parses (or serializes) the whole text so far each time.
    const { parse, stringify } = JSON;
    let bigCalls = 0;
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      if (typeof text === 'string' && text.length > 1_000) bigCalls += 1;
      return parse(text, reviver);
    }) as typeof JSON.parse;
    JSON.stringify = ((...args: Parameters<typeof stringify>) => {
      const text = stringify(...args);
      if (typeof text === 'string' && text.length > 1_000) bigCalls += 1;
      return text;
    }) as typeof JSON.stringify;
    const router = fixture.build();
    let partials = 0;
    let object: unknown;
    try {
      const stream = router.streamObject({ model: 'openai/gpt-4o-mini', prompt: 'A list', schema });
      for await (const partial of stream.partialObjectStream) {
        partials += 1;
        assert.ok(partial !== undefined);
      }
      object = await stream.object;
    } finally {
      JSON.parse = parse;
      JSON.stringify = stringify;
      fixture.reset();
    }
    assert.deepStrictEqual(object, JSON.parse(document));
    assert.ok(partials > 50, `${partials} partials`);
    assert.ok(bigCalls <= 4, `${bigCalls} whole-text parses or serializations for ${textChunks.length} deltas`);
  });
});
