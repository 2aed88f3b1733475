import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { githubTokenChecksumValid, ibanValid, luhnValid } from '../../../src/middleware/guardrails/checksums.js';
import { builtInDetector, type BuiltInDetectorName } from '../../../src/middleware/guardrails/detectors.js';
import { denyDetector } from '../../../src/middleware/guardrails/lists.js';
import { CORPUS, inSentence, type CorpusCase } from './detector-corpus.js';

interface Measure {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

function measureCase(name: BuiltInDetectorName, text: string, expected: string | undefined, at?: number): Measure {
  const found = builtInDetector(name).find(text);
  const start = expected === undefined ? -1 : (at ?? text.indexOf(expected));
  const hit = found.some((match) => match.start === start && match.end === start + (expected?.length ?? 0));
  return {
    truePositives: hit ? 1 : 0,
    falseNegatives: expected !== undefined && !hit ? 1 : 0,
    falsePositives: found.length - (hit ? 1 : 0),
  };
}

/** The corpus's measure of one detector, known limits included. */
function measure(name: BuiltInDetectorName): Measure {
  const total: Measure = { truePositives: 0, falsePositives: 0, falseNegatives: 0 };
  const corpus = CORPUS[name];
  const cases: Array<{ text: string; match: string | undefined; at?: number }> = [
    ...corpus.positives
      .map((value) => ({ ...inSentence(value), match: value }))
      .map(({ text, start, match }) => ({ text, match, at: start })),
    ...corpus.negatives.map((text) => ({ text, match: undefined })),
    ...corpus.limits.map((limit: CorpusCase) => ({ text: limit.text, match: limit.match })),
  ];
  for (const item of cases) {
    const one = measureCase(name, item.text, item.match, item.at);
    total.truePositives += one.truePositives;
    total.falsePositives += one.falsePositives;
    total.falseNegatives += one.falseNegatives;
  }
  return total;
}

const NAMES = Object.keys(CORPUS) as BuiltInDetectorName[];

describe('guardrail detectors: the corpus', () => {
  for (const name of NAMES) {
    it(`${name}: finds every true positive exactly, inside a sentence`, () => {
      for (const value of CORPUS[name].positives) {
        const { text, start } = inSentence(value);
        assert.deepEqual(
          builtInDetector(name).find(text),
          [{ start, end: start + value.length }],
          `${name} on ${JSON.stringify(value)}`,
        );
      }
    });
    it(`${name}: matches none of the true negatives`, () => {
      for (const text of CORPUS[name].negatives) {
        const found = builtInDetector(name).find(text);
        assert.deepEqual(
          found.map((match) => text.slice(match.start, match.end)),
          [],
          `${name} on ${JSON.stringify(text)}`,
        );
      }
    });
  }

  it('prints the measured precision and recall per detector (known limits included)', () => {
    const rows = NAMES.map((name) => {
      const { truePositives, falsePositives, falseNegatives } = measure(name);
      const precision = truePositives / (truePositives + falsePositives);
      const recall = truePositives / (truePositives + falseNegatives);
      assert.ok(precision >= 0.8 && recall >= 0.75, `${name}: precision ${precision}, recall ${recall}`);
      const cases = CORPUS[name].positives.length + CORPUS[name].negatives.length + CORPUS[name].limits.length;
      return `| ${name} | ${cases} | ${truePositives} | ${falsePositives} | ${falseNegatives} | ${precision.toFixed(2)} | ${recall.toFixed(2)} |`;
    });
    console.log(
      [
        '| detector | cases | TP | FP | FN | precision | recall |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
    );
  });
});

describe('guardrail checksums', () => {
  it('Luhn: accepts test card numbers and rejects one digit off', () => {
    assert.ok(luhnValid('4111111111111111'));
    assert.ok(luhnValid('378282246310005'));
    assert.ok(!luhnValid('4111111111111112'));
    assert.ok(!luhnValid('41111111111111a1'));
  });
  it('IBAN: mod-97 and the country length', () => {
    assert.ok(ibanValid('GB29NWBK60161331926819'));
    assert.ok(!ibanValid('GB29NWBK60161331926818'));
    assert.ok(!ibanValid('GB29NWBK6016133192681'), 'one character short for GB (22)');
    assert.ok(!ibanValid('ZZ29NWBK60161331926819'), 'no such country');
  });
  it('GitHub: the CRC32 checksum of a classic token', () => {
    assert.ok(githubTokenChecksumValid('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'));
    assert.ok(!githubTokenChecksumValid('ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkK0mLq17'));
  });
});

describe('deny lists', () => {
  it('matches words and phrases whole, any case, any white space between words; and regular expressions', () => {
    const detector = denyDetector(['project falcon', 'acme'], 64);
    const text = 'About Project  Falcon and ACME, not acmeish or falconry.';
    assert.deepEqual(
      detector.find(text).map((match) => text.slice(match.start, match.end)),
      ['Project  Falcon', 'ACME'],
    );
    const regex = denyDetector([/\bTICKET-\d{4}\b/], 64);
    assert.deepEqual(
      regex.find('see TICKET-1234 and TICKET-12').map((match) => match.start),
      [4],
    );
    assert.equal(regex.maxLength, 64);
  });
});
