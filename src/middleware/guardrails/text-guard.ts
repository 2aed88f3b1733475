/**
 * The guard that one text (a prompt part, a whole answer, or a stream of deltas) passes through: it
 * finds the matches of every active rule, redacts, blocks or counts them, and restores reversible
 * placeholders, holding back only as much of a stream as the longest match can span.
 *
 * @module
 */
import type { Detector } from './detectors.js';
import type { AllowPattern } from './lists.js';

/** What a guard does with a match. @example `'redact'` */
export type GuardrailAction = 'block' | 'redact' | 'warn';

/** One detector of one guardrail, with that guardrail's action and allow list. */
export interface GuardRule {
  readonly guardrail: string;
  readonly detector: Detector;
  readonly action: GuardrailAction;
  readonly allow: readonly AllowPattern[];
  /** Whether a redaction is restored in the answer (reversible redaction). */
  readonly reversible: boolean;
}

/** A match a guard acted on. */
export interface GuardMatch {
  readonly start: number;
  readonly end: number;
  readonly rule: GuardRule;
}

const ACTION_RANK: Record<GuardrailAction, number> = { block: 0, redact: 1, warn: 2 };

/**
 * Every match of the rules in a text, without overlaps (a block beats a redaction beats a warning, then the
 * longer match wins), in text order, less those the rule's allow list exempts.
 *
 * @example
 * ```ts
 * findMatches('mail a@b.co', [{ guardrail: 'pii', detector: builtInDetector('email'), action: 'redact', allow: [], reversible: false }]);
 * ```
 */
export function findMatches(text: string, rules: readonly GuardRule[]): GuardMatch[] {
  let found: GuardMatch[] | undefined;
  for (const rule of rules) {
    for (const match of rule.detector.find(text)) {
      if (rule.allow.length > 0 && isAllowed(text.slice(match.start, match.end), rule.allow)) continue;
      (found ??= []).push({ start: match.start, end: match.end, rule });
    }
  }
  if (found === undefined) return [];
  if (found.length === 1) return found;
  found.sort(
    (left, right) =>
      ACTION_RANK[left.rule.action] - ACTION_RANK[right.rule.action] ||
      right.end - right.start - (left.end - left.start) ||
      left.start - right.start,
  );
  const kept: GuardMatch[] = [];
  for (const match of found) {
    if (kept.every((other) => match.end <= other.start || match.start >= other.end)) kept.push(match);
  }
  return kept.sort((left, right) => left.start - right.start);
}

function isAllowed(matched: string, allow: readonly AllowPattern[]): boolean {
  for (const pattern of allow) {
    if (typeof pattern === 'string') {
      if (pattern.toLowerCase() === matched.toLowerCase()) return true;
    } else {
      pattern.lastIndex = 0;
      if (pattern.test(matched)) return true;
    }
  }
  return false;
}

const PLACEHOLDER = /\[[A-Z][A-Z0-9_]*_\d+\]/g;

/**
 * The placeholders of one request: the same original gets the same placeholder (`[EMAIL_1]`), numbered
 * per type; reversible ones are restored in the answer.
 *
 * @example
 * ```ts
 * const vault = new PlaceholderVault();
 * vault.placeholder('EMAIL', 'a@b.co', true); // '[EMAIL_1]'
 * vault.restore('Write to [EMAIL_1]'); // 'Write to a@b.co'
 * ```
 */
export class PlaceholderVault {
  private readonly byOriginal = new Map<string, string>();
  private readonly reversible = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  /** The longest reversible placeholder, in characters (0 when there is none). */
  longestReversible = 0;

  placeholder(label: string, original: string, reversible: boolean): string {
    const key = `${label}\u0000${original}`;
    let placeholder = this.byOriginal.get(key);
    if (placeholder === undefined) {
      const number = (this.counters.get(label) ?? 0) + 1;
      this.counters.set(label, number);
      placeholder = `[${label}_${number}]`;
      this.byOriginal.set(key, placeholder);
    }
    if (reversible && !this.reversible.has(placeholder)) {
      this.reversible.set(placeholder, original);
      this.longestReversible = Math.max(this.longestReversible, placeholder.length);
    }
    return placeholder;
  }

  /** Whether any placeholder is to be restored. */
  get restores(): boolean {
    return this.reversible.size > 0;
  }

  /** The text with every reversible placeholder replaced by its original (`json`: as a JSON string's content). */
  restore(text: string, json = false): string {
    if (this.reversible.size === 0 || !text.includes('[')) return text;
    return text.replace(PLACEHOLDER, (placeholder) => {
      const original = this.reversible.get(placeholder);
      if (original === undefined) return placeholder;
      return json ? JSON.stringify(original).slice(1, -1) : original;
    });
  }
}

/** Called for every match a guard acts on; throws to block. */
export type MatchHandler = (rule: GuardRule) => void;

/**
 * Options of a {@link TextGuard}.
 *
 * @example
 * ```ts
 * const options: TextGuardOptions = { rules, holdBack: 256, vault, restore: true, onMatch };
 * ```
 */
export interface TextGuardOptions {
  rules: readonly GuardRule[];
  /** The most characters a stream holds back (the longest detector span, capped by this). */
  holdBack: number;
  vault: PlaceholderVault;
  /** Whether reversible placeholders in the text are restored (output phase). */
  restore: boolean;
  /** Restores into a JSON text (tool-call arguments): originals are escaped as JSON string content. */
  json?: boolean;
  onMatch: MatchHandler;
}

const CONTEXT = 32;
const STREAM_END_HOLD = 64;

/**
 * One text under guard, fed whole (`finish(text)`) or as stream deltas (`push`, then `finish()`). Returns
 * what may be passed on now; holds back the rest.
 *
 * @example
 * ```ts
 * const guard = new TextGuard(options);
 * let text = guard.push('write to a@');
 * text += guard.push('b.co now');
 * text += guard.finish(); // 'write to [EMAIL_1] now'
 * ```
 */
export class TextGuard {
  private pending = '';
  private context = '';
  private swallowUntil: RegExp | undefined;
  private readonly holdBack: number;
  /** A stream is scanned again once this many characters beyond the hold-back arrived (1/8 of it). */
  private readonly step: number;

  constructor(private readonly options: TextGuardOptions) {
    let longest = options.restore ? options.vault.longestReversible : 0;
    for (const rule of options.rules) longest = Math.max(longest, rule.detector.maxLength);
    this.holdBack = Math.min(options.holdBack, longest);
    if (options.restore) this.holdBack = Math.max(this.holdBack, options.vault.longestReversible);
    this.step = Math.max(1, this.holdBack >> 3);
  }

  /** Takes a delta; returns the text that is final now. Throws when a blocking rule matched. */
  push(delta: string): string {
    this.pending += delta;
    return this.drain(false);
  }

  /** Ends the text (with a last piece); returns everything still held, guarded. */
  finish(last = ''): string {
    this.pending += last;
    return this.drain(true);
  }

  private drain(final: boolean): string {
    let output = '';
    for (;;) {
      if (this.swallowUntil !== undefined) {
        const end = this.swallowUntil.exec(this.pending);
        if (end === null) {
          const keep = final ? 0 : STREAM_END_HOLD;
          if (this.pending.length > keep) this.pending = this.pending.slice(this.pending.length - keep);
          return output;
        }
        this.pending = this.pending.slice(end.index + end[0].length);
        this.swallowUntil = undefined;
        this.context = '';
        continue;
      }
      const offset = this.context.length;
      const text = offset === 0 ? this.pending : this.context + this.pending;
      const length = text.length;
      if (!final && length - offset < this.holdBack + this.step) return output;
      const boundary = final ? length : length - this.holdBack;
      const matches = this.options.rules.length === 0 ? [] : findMatches(text, this.options.rules);
      let emitEnd = boundary;
      let swallow: RegExp | undefined;
      const acted: GuardMatch[] = [];
      for (const match of matches) {
        if (match.start < offset) continue;
        if (match.start >= emitEnd) break;
        if (!final && match.end >= length) {
          const streamEnd = match.rule.detector.streamEnd;
          if (streamEnd !== undefined && length - match.start >= this.holdBack) {
            acted.push(match);
            emitEnd = length;
            swallow = streamEnd;
            break;
          }
          if (length - match.start < this.holdBack) {
            emitEnd = match.start;
            break;
          }
        }
        acted.push(match);
        emitEnd = Math.max(emitEnd, match.end);
      }
      if (!final && this.options.restore && swallow === undefined) {
        // A placeholder cut by the boundary waits for its end.
        const open = text.lastIndexOf('[', emitEnd - 1);
        const lastActed = acted.at(-1);
        if (
          open >= offset &&
          open > emitEnd - this.options.vault.longestReversible - 1 &&
          (lastActed === undefined || open >= lastActed.end)
        ) {
          if (!text.slice(open, emitEnd).includes(']')) emitEnd = open;
        }
      }
      let cursor = offset;
      for (const match of acted) {
        output += this.gap(text.slice(cursor, match.start));
        output += this.act(match, text.slice(match.start, match.end));
        cursor = match.end;
      }
      output += this.gap(text.slice(cursor, emitEnd));
      this.context = text.slice(Math.max(0, emitEnd - CONTEXT), emitEnd);
      this.pending = text.slice(emitEnd);
      if (swallow === undefined) return output;
      // The match's own tail stays held: its end marker may have begun in it.
      const open = acted.at(-1)?.start ?? emitEnd;
      this.pending = text.slice(Math.max(open + 1, length - STREAM_END_HOLD));
      this.swallowUntil = swallow;
    }
  }

  private gap(text: string): string {
    return this.options.restore ? this.options.vault.restore(text, this.options.json) : text;
  }

  private act(match: GuardMatch, original: string): string {
    this.options.onMatch(match.rule);
    if (match.rule.action === 'warn') return this.gap(original);
    return this.options.vault.placeholder(match.rule.detector.label, original, match.rule.reversible);
  }
}
