/**
 * Deny and allow lists: the deny list becomes a detector (`deny`), the allow list exempts matches.
 *
 * @module
 */
import type { Detector, DetectorMatch } from './detectors.js';

/**
 * An allow-list entry: a string equal to the matched text (ignoring case) or a regular expression tested
 * against the matched text.
 *
 * @example
 * ```ts
 * const allow: AllowPattern[] = ['support@example.com', /@example\.com$/i];
 * ```
 */
export type AllowPattern = string | RegExp;

/**
 * A deny pattern: a word or phrase (matched whole, ignoring case, any run of white space between its
 * words), or a regular expression (its flags are kept; `g` is added).
 *
 * @example
 * ```ts
 * const deny: DenyPattern[] = ['project falcon', /\bACME-\d{4}\b/];
 * ```
 */
export type DenyPattern = string | RegExp;

/**
 * The detector of a deny list, named `deny`. Regular expressions are assumed to match at most
 * `maxRegexLength` characters (the stream hold-back counts on it).
 *
 * @example
 * ```ts
 * denyDetector(['project falcon'], 128).find('About Project  Falcon.'); // [{ start: 6, end: 21 }]
 * ```
 */
export function denyDetector(patterns: readonly DenyPattern[], maxRegexLength: number): Detector {
  const words = patterns.filter((pattern): pattern is string => typeof pattern === 'string' && pattern.trim() !== '');
  const expressions: RegExp[] = patterns
    .filter((pattern): pattern is RegExp => pattern instanceof RegExp)
    .map((pattern) => new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`));
  if (words.length > 0) {
    const alternatives = words.map((word) =>
      word
        .trim()
        .split(/\s+/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('\\s+'),
    );
    expressions.unshift(new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'giu'));
  }
  // A phrase may be padded with a run of white space between its words: allow a little for it.
  const longestWord = words.reduce((longest, word) => Math.max(longest, word.length * 2), 0);
  return {
    name: 'deny',
    label: 'DENIED',
    maxLength: Math.max(longestWord, expressions.length > (words.length > 0 ? 1 : 0) ? maxRegexLength : 0),
    find(text) {
      const matches: DetectorMatch[] = [];
      for (const expression of expressions) {
        expression.lastIndex = 0;
        for (let found = expression.exec(text); found !== null; found = expression.exec(text)) {
          if (found[0].length === 0) expression.lastIndex += 1;
          else matches.push({ start: found.index, end: found.index + found[0].length });
        }
      }
      return matches;
    },
  };
}
